/* runtime/core/debug.h: misuse detection in builds with debug_level >= 1
 * (MORI_POISON): freed objects are poisoned and quarantined, so that using
 * one, or releasing it once more, ends in mor_fatal naming its type and
 * address. Release builds (debug_level 0) compile none of it.
 *
 * A freed object, while in quarantine:
 *   refcnt 0     a mor_decref goes to mor_decref_special (fatal); an incref
 *                then a decref reaches mor_dealloc, whose dealloc slot is fatal
 *   flags        where the copy of its type's name is (MORI_FREED_NAME_*)
 *   type         &mori_freed_type: every slot calls mor_fatal
 *   the rest     MORI_FREED_BYTE, except a NUL-terminated copy of the type's
 *                name (a copy: a class may die with its last instance) in the
 *                body after the header, or else in the collector links.
 * The quarantine is a ring of the last MORI_QUARANTINE freed objects: their
 * blocks go back to their pool or the backend only when they leave it, after
 * a check that nothing wrote to them meanwhile. The statistics count a block
 * as freed (or pooled) as soon as it enters.
 *
 * Under AddressSanitizer the quarantine sits in front of ASan's own (with the
 * malloc backend; mimalloc's blocks are not ASan's): a block is handed to the
 * allocator later, and ASan poisons it then. They do not conflict. */
#ifndef MORI_DEBUG_H
#define MORI_DEBUG_H

#include "internal.h"

#if MOR_DEBUG_LEVEL >= 1 && !defined(MOR_BACKEND_BOEHM)
#define MORI_POISON 1
#else
#define MORI_POISON 0 /* release builds; and a tracing collector frees nothing itself */
#endif

#define MORI_QUARANTINE 64
#define MORI_FREED_BYTE 0xDB
#define MORI_FREED_NAME_BODY MORI_OF_TYPE_BIT(0) /* the name's copy follows the header */
#define MORI_FREED_NAME_HEAD MORI_OF_TYPE_BIT(1) /* ...or fills the collector links */
#define MORI_FREED_NAME_MAX 48                   /* bytes of the copy, NUL included */

/* The type of every freed (poisoned) object. Defined in every build. */
extern const mor_type mori_freed_type MOR_INTERNAL;

static inline bool mori_is_freed(const mor_obj *o) { return o->type == &mori_freed_type; }

/* The name of the type a poisoned object had ("(type unknown)" if there was
 * no room to keep it: a plain object of 16 bytes). Print it with "%.*s" and
 * MORI_FREED_NAME_MAX: a write after free may have eaten the NUL. */
MOR_INTERNAL const char *mori_freed_name(const mor_obj *o);

#if MORI_POISON
#include "../mem/mem.h"

/* Blocks above this size are not quarantined (they go back at once); the
 * poison pattern covers at most MORI_POISON_SPAN bytes of a block. */
#define MORI_QUARANTINE_MAX_BLOCK 65536
#define MORI_QUARANTINE_MAX_BYTES (1u << 20)
#define MORI_POISON_SPAN 256

typedef struct mori_quarantined {
    void *block;
    struct mori_pool *pool; /* where the block goes next: a pool, or the backend */
    uint32_t size;
    uint8_t kind;
    char name[MORI_FREED_NAME_MAX]; /* the object's type's name */
} mori_quarantined;

/* A ring of the last freed objects (in mor_rt). */
typedef struct mori_quarantine {
    mori_quarantined ring[MORI_QUARANTINE];
    unsigned head, n;
    uint64_t bytes;                    /* in the ring */
    uint64_t pool_blocks, pool_bytes;  /* of those, headed for a pool (statistics) */
} mori_quarantine;

/* From mori_mem_free, after the accounting, for blocks of the object kinds:
 * poison the object and quarantine its block (which goes to the backend when
 * it leaves). A block that is already poisoned (a pooled block being given
 * back) goes to the backend at once. */
MOR_INTERNAL void mori_debug_free_object(mor_rt *rt, void *block, size_t n, mori_mem_kind kind);
/* mori_pool_give in debug builds: poison and quarantine a block headed for
 * the pool (or free it through the funnel when the pool would not take it). */
MOR_INTERNAL void mori_debug_pool_give(mor_rt *rt, struct mori_pool *pool, void *block);
/* Send every quarantined block on (before pools are drained, at shutdown). */
MOR_INTERNAL void mori_debug_quarantine_flush(mor_rt *rt);
#endif

#endif
