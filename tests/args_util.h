/* tests/args_util.h: helpers of the bad-argument tests (test_args_*.c). Every
 * public function is called with objects of the wrong type and values out of
 * range; each such call must return its documented error value, raise the
 * documented exception with a message naming what was wrong, leave its
 * arguments as they were (refcounts included) and the runtime usable. */
#ifndef MOR_ARGS_UTIL_H
#define MOR_ARGS_UTIL_H

#include "testutil.h"

/* The pending exception is `kind` with a non-empty message containing `substr`
 * (NULL: any non-empty message); clears it. */
#define a_exc(rt, kind, substr) a_exc_at((rt), (kind), (substr), __FILE__, __LINE__)
static inline void a_exc_at(mor_rt *rt, mor_exc kind, const char *substr, const char *file,
                            int line)
{
    if (mor_err_kind(rt) == kind && mor_err_message(rt)[0] == '\0')
        fail_msg("%s:%d: %s with an empty message", file, line, mor_exc_name(kind));
    t_expect_exc_at(rt, kind, substr, file, line);
}

/* The call returns NULL (A_NULL) or -1 (A_NEG) with the
 * exception; anything else fails the test. A_NULL drops an unexpected result
 * so that the failure report is not followed by a leak report. */
#define A_NULL(rt, call, kind, substr)                                                             \
    do {                                                                                           \
        mor_obj *a_r_ = (call);                                                                    \
        if (a_r_ != NULL) {                                                                        \
            mor_decref((rt), a_r_);                                                                \
            fail_msg("%s:%d: %s returned an object", __FILE__, __LINE__, #call);                   \
        }                                                                                          \
        a_exc_at((rt), (kind), (substr), __FILE__, __LINE__);                                      \
    } while (0)

#define A_NEG(rt, call, kind, substr)                                                              \
    do {                                                                                           \
        int64_t a_r_ = (int64_t)(call);                                                            \
        if (a_r_ != -1)                                                                            \
            fail_msg("%s:%d: %s returned %lld, not -1", __FILE__, __LINE__, #call,                 \
                     (long long)a_r_);                                                             \
        a_exc_at((rt), (kind), (substr), __FILE__, __LINE__);                                      \
    } while (0)

/* A call that must neither fail nor raise (a predicate on a foreign object). */
#define A_NOEXC(rt)                                                                                \
    do {                                                                                           \
        if (mor_err_kind(rt) != MOR_EXC_NONE)                                                      \
            fail_msg("%s:%d: unexpected %s: %s", __FILE__, __LINE__,                               \
                     mor_exc_name(mor_err_kind(rt)), mor_err_message(rt));                         \
    } while (0)

/* Refcounts of a set of objects, taken before the bad calls and compared
 * after them. */
#define A_RC_MAX 16
typedef struct a_rcs {
    mor_obj *o[A_RC_MAX];
    size_t rc[A_RC_MAX];
    int n;
} a_rcs;

/* A NULL-terminated list of objects. */
static inline a_rcs a_rc_take(mor_obj *first, ...)
{
    a_rcs s = {.n = 0};
    va_list ap;
    va_start(ap, first);
    for (mor_obj *o = first; o != NULL; o = va_arg(ap, mor_obj *)) {
        assert_true(s.n < A_RC_MAX);
        s.o[s.n] = o;
        s.rc[s.n++] = mor_refcount(o);
    }
    va_end(ap);
    return s;
}
#define A_RC(...) a_rc_take(__VA_ARGS__, (mor_obj *)NULL)

#define a_rc_same(s) a_rc_same_at((s), __FILE__, __LINE__)
static inline void a_rc_same_at(const a_rcs *s, const char *file, int line)
{
    for (int i = 0; i < s->n; i++)
        if (mor_refcount(s->o[i]) != s->rc[i])
            fail_msg("%s:%d: refcount of a '%s' argument went from %zu to %zu", file, line,
                     mor_type_name(s->o[i]), s->rc[i], mor_refcount(s->o[i]));
}

/* The repr of o, compared: arguments left intact. */
#define a_repr(rt, o, want) t_assert_repr((rt), (o), (want))

/* The runtime still works after the bad calls: nothing pending, a container
 * can be built, printed, collected and freed, and no object appeared. */
#define a_usable(rt) a_usable_at((rt), __FILE__, __LINE__)
static inline void a_usable_at(mor_rt *rt, const char *file, int line)
{
    if (mor_err_kind(rt) != MOR_EXC_NONE)
        fail_msg("%s:%d: left pending: %s: %s", file, line, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
    size_t live = mor_rt_live_objects(rt);
    mor_obj *d = mor_dict(rt);
    mor_obj *k = mor_str(rt, "key");
    mor_obj *l = mor_list(rt, 2, mor_int(rt, 1), k);
    assert_non_null(d);
    assert_non_null(l);
    assert_int_equal(mor_dict_set(rt, d, k, l), 0);
    assert_int_equal(mor_list_append(rt, l, d), 0); /* a cycle */
    t_assert_repr_at(rt, d, "{'key': [1, 'key', {...}]}", file, line);
    mor_decref(rt, k);
    mor_decref(rt, l);
    mor_decref(rt, d);
    /* under Boehm the count is not one of objects (and live counts are 0) */
    if (mor_gc_collect(rt, -1) < 2 && !T_BOEHM)
        fail_msg("%s:%d: the collector did not free a dict-list cycle", file, line);
    if (mor_rt_live_objects(rt) != live)
        fail_msg("%s:%d: %zu objects alive, %zu before", file, line, mor_rt_live_objects(rt), live);
}

#endif
