/* runtime/core/internal.h: what every runtime file includes: the public API,
 * the build switches, assertion levels and the internal-visibility marker.
 * Internal headers refuse to be used outside the runtime. */
#ifndef MORI_INTERNAL_H
#define MORI_INTERNAL_H

#ifndef MOR_BUILDING
#error "runtime headers are internal: build inside the mor runtime (MOR_BUILDING)"
#endif

#include <stdlib.h>
#include <string.h>

#include "mor.h"

/* Cross-file functions of the runtime: not exported from the library. */
#define MOR_INTERNAL __attribute__((visibility("hidden")))
#define MOR_LIKELY(x) __builtin_expect(!!(x), 1)

#ifndef MOR_DEBUG_LEVEL
#define MOR_DEBUG_LEVEL 0
#endif

/* Assertion levels, wired to the meson option debug_level:
 *  MOR_ASSERT           (>= 1) cheap checks of arguments and states
 *  MOR_ASSERT_INTERNAL  (>= 2) internal invariants on hot paths
 *  MOR_ASSERT_EXPENSIVE (>= 3) full validators (collector lists between phases)
 * A failed assertion calls mor_fatal. */
#define MORI_CHECK(lvl, obj, cond)                                                        \
    do {                                                                                  \
        if (MOR_DEBUG_LEVEL >= (lvl) && !(cond))                                          \
            mor_fatal((obj), "assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
    } while (0)
#define MOR_ASSERT(cond) MORI_CHECK(1, NULL, cond)
#define MOR_ASSERT_INTERNAL(cond) MORI_CHECK(2, NULL, cond)
#define MOR_ASSERT_EXPENSIVE(cond) MORI_CHECK(3, NULL, cond)
#define MOR_ASSERT_OBJ(obj, cond) MORI_CHECK(1, obj, cond)

#define MORI_COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* 128-bit integers for exact intermediate results (GCC and clang). */
__extension__ typedef __int128 mori_i128;

#endif
