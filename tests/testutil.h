/* tests/testutil.h: shared helpers of the cmocka test programs. Every test gets
 * a fresh runtime; its teardown fails the test if any object is still alive
 * after a last collection (and mor_rt_free prints them), so a leak anywhere
 * fails the suite. Runtimes a test makes itself abort on a leak. */
#ifndef MOR_TESTUTIL_H
#define MOR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mor.h"

/* Can mor_rt_free release objects left alive on purpose? Not with the malloc
 * backend (it cannot enumerate them; Valgrind would count the deliberate
 * leak): tests that leak on purpose skip there, saying why. */
static inline bool t_backend_frees_leaks(void)
{
    mor_rt *rt = mor_rt_new(NULL);
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    bool ok = strcmp(st.backend, "mimalloc") == 0;
    mor_rt_free(rt);
    if (!ok)
        fprintf(stderr, "skipped: the %s backend leaves leaked objects allocated\n", st.backend);
    return ok;
}

/* Tests built against libmor-boehm (MOR_BACKEND_BOEHM) run the same code with
 * mor_incref/mor_decref compiled to nothing. A test whose subject only exists
 * under reference counting (exact refcounts, an object freed at its last
 * decref, the cycle collector's generations) skips there, saying why. */
#ifdef MOR_BACKEND_BOEHM
#define T_BOEHM 1
#define T_NEEDS_RC(why)                                                                            \
    do {                                                                                           \
        print_message("skipped under Boehm: %s\n", (why));                                         \
        skip();                                                                                    \
    } while (0)
#else
#define T_BOEHM 0
#define T_NEEDS_RC(why) ((void)0)
#endif

/* o is tracked by the cycle collector; under Boehm nothing ever is
 * (mor_gc_is_tracked documents false there). */
#define t_assert_tracked(o) assert_int_equal(mor_gc_is_tracked(o), !T_BOEHM)

/* Under Valgrind CI sets MOR_QUICK: big loops scale down by this factor. */
static inline int t_scale(int n)
{
    return getenv("MOR_QUICK") ? (n / 20 > 0 ? n / 20 : 1) : n;
}

static inline mor_rt *t_rt_new_cfg(mor_config *c)
{
    c->leaks = MOR_LEAKS_ABORT;
    mor_rt *rt = mor_rt_new(c);
    assert_non_null(rt);
    return rt;
}

static inline mor_rt *t_rt_new(void)
{
    mor_config c;
    mor_config_init(&c);
    return t_rt_new_cfg(&c);
}

static inline int t_setup(void **state)
{
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_REPORT; /* the teardown fails the test instead of aborting */
    *state = mor_rt_new(&c);
    return *state ? 0 : -1;
}

static inline int t_teardown(void **state)
{
    mor_rt *rt = *state;
    int rc = 0;
    if (mor_err_kind(rt) != MOR_EXC_NONE) {
        fprintf(stderr, "exception left pending: %s: %s\n", mor_exc_name(mor_err_kind(rt)),
                mor_err_message(rt));
        mor_err_clear(rt);
        rc = -1;
    }
    mor_gc_collect(rt, -1);
    if (mor_rt_live_objects(rt) != 0) {
        fprintf(stderr, "leak: %zu objects still alive after the test\n", mor_rt_live_objects(rt));
        rc = -1;
    }
    mor_rt_free(rt);
    return rc;
}

#define T_TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)
#define T_RT mor_rt *rt = *state

/* Assert that an exception of `kind` is pending and that its message contains
 * `substr` (NULL: any message); clears it. */
#define t_expect_exc(rt, kind, substr) t_expect_exc_at((rt), (kind), (substr), __FILE__, __LINE__)
static inline void t_expect_exc_at(mor_rt *rt, mor_exc kind, const char *substr, const char *file,
                                   int line)
{
    mor_exc k = mor_err_kind(rt);
    if (k != kind)
        fail_msg("%s:%d: expected %s, got %s (%s)", file, line, mor_exc_name(kind), mor_exc_name(k),
                 mor_err_message(rt));
    if (substr != NULL && strstr(mor_err_message(rt), substr) == NULL)
        fail_msg("%s:%d: %s message \"%s\" lacks \"%s\"", file, line, mor_exc_name(kind),
                 mor_err_message(rt), substr);
    mor_err_clear(rt);
}

/* Assert the repr of o equals `want`. */
#define t_assert_repr(rt, o, want) t_assert_repr_at((rt), (o), (want), __FILE__, __LINE__)
static inline void t_assert_repr_at(mor_rt *rt, mor_obj *o, const char *want, const char *file,
                                    int line)
{
    mor_obj *r = mor_repr(rt, o);
    if (r == NULL)
        fail_msg("%s:%d: repr raised %s: %s", file, line, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
    if (strcmp(mor_str_utf8(r, NULL), want) != 0)
        fail_msg("%s:%d: repr is \"%s\", expected \"%s\"", file, line, mor_str_utf8(r, NULL), want);
    mor_decref(rt, r);
}

/* Overwrite the stack below the caller, where dead helper frames left
 * addresses behind. Through a volatile pointer: a memset of a local array that
 * is never read is a dead store, which the compiler deletes (and then the
 * whole call). */
static __attribute__((noinline, unused)) void t_scrub_stack(void)
{
    char junk[65536];
    volatile char *p = junk;
    for (size_t i = 0; i < sizeof(junk); i++)
        p[i] = 0;
}

#endif
