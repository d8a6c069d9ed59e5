/* tests/test_iter.c: stackless generators (the protothread macros, the cleanup
 * section, hard cases 45-59 of reference/hard-cases.md), iteration of the built-in
 * types, the lazy tools and range, the consumers, mor_file_lines, and a bounded-memory
 * file pipeline. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* Assert that iterating `it` (taken over; NULL fails with the pending error) gives a list
 * whose repr is `want`. */
#define t_assert_iter(rt, it, want) t_assert_iter_at((rt), (it), (want), __FILE__, __LINE__)
static void t_assert_iter_at(mor_rt *rt, mor_obj *it, const char *want, const char *file, int line)
{
    if (it == NULL)
        fail_msg("%s:%d: no iterator: %s: %s", file, line, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
    mor_obj *l = mor_list_from(rt, it);
    mor_decref(rt, it);
    if (l == NULL)
        fail_msg("%s:%d: iteration raised %s: %s", file, line, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
    t_assert_repr_at(rt, l, want, file, line);
    mor_decref(rt, l);
}

/* mor_next that must yield the int `want`. */
#define t_next_int(rt, it, want) t_next_int_at((rt), (it), (want), __FILE__, __LINE__)
static void t_next_int_at(mor_rt *rt, mor_obj *it, int64_t want, const char *file, int line)
{
    mor_obj *x = mor_next(rt, it);
    if (x == NULL)
        fail_msg("%s:%d: mor_next gave NULL (%s: %s), expected %lld", file, line,
                 mor_exc_name(mor_err_kind(rt)), mor_err_message(rt), (long long)want);
    int64_t v = 0;
    if (mor_int_to_i64(rt, x, &v) < 0)
        fail_msg("%s:%d: mor_next gave a '%s', expected %lld", file, line, mor_type_name(x),
                 (long long)want);
    mor_decref(rt, x);
    if (v != want)
        fail_msg("%s:%d: mor_next gave %lld, expected %lld", file, line, (long long)v,
                 (long long)want);
}

/* mor_next must report exhaustion: NULL and no exception. */
#define t_next_end(rt, it) t_next_end_at((rt), (it), __FILE__, __LINE__)
static void t_next_end_at(mor_rt *rt, mor_obj *it, const char *file, int line)
{
    mor_obj *x = mor_next(rt, it);
    if (x != NULL)
        fail_msg("%s:%d: expected the end, got a '%s'", file, line, mor_type_name(x));
    if (mor_err_kind(rt) != MOR_EXC_NONE)
        fail_msg("%s:%d: expected the end, got %s: %s", file, line, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
}

/* Steals r (an int or NULL) and returns its value. */
static int64_t t_take_i64(mor_rt *rt, mor_obj *r)
{
    assert_non_null(r);
    int64_t v = 0;
    assert_int_equal(mor_int_to_i64(rt, r, &v), 0);
    mor_decref(rt, r);
    return v;
}

/* Is this file descriptor open? */
static bool t_fd_open(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

/* The descriptor the next open() will get (the lowest free one). */
static int t_next_fd(void)
{
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    close(fd);
    return fd;
}

/* Native functions for the tools. */
static mor_obj *fn_double(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    mor_obj *two = mor_int(rt, 2);
    mor_obj *r = mor_mul(rt, args[0], two);
    mor_decref(rt, two);
    return r;
}

static mor_obj *fn_is_odd(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    int64_t v;
    if (mor_int_to_i64(rt, args[0], &v) < 0)
        return NULL;
    return mor_newref(mor_bool(rt, v % 2 != 0));
}

/* 5 - x */
static mor_obj *fn_five_minus(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    mor_obj *five = mor_int(rt, 5);
    mor_obj *r = mor_sub(rt, five, args[0]);
    mor_decref(rt, five);
    return r;
}

static mor_obj *fn_noop(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    return mor_newref(mor_none(rt));
}

/* ---- generator fixtures -------------------------------------------------------------------- */

/* What a fixture records, outside the generator (it outlives it). */
typedef struct probe {
    int body_runs; /* times the body started */
    int cleanups;  /* times the cleanup section ran */
    int fcloses;   /* times the cleanup closed the FILE */
    int caught;    /* exceptions taken with mor_gen_catch */
    mor_exc seen;  /* the last kind a MOR_GEN_YIELD_CATCH saw */
} probe;

static probe t_sink_probe; /* for fixtures whose probe nobody reads */

/* A test's probe has static storage: under libmor-boehm a generator the test
 * dropped while suspended is finalized when Boehm finds it dead, at the latest
 * in mor_rt_free after the test returned, and its cleanup then writes to the
 * probe. Each test function has its own, so a late write touches no other
 * test's counts. */
#define T_PROBE(name) \
    static probe name; \
    name = (probe){0}

/* count: yields 0 .. n-1 and returns "done"; raises ValueError instead of yielding
 * fail_at; its cleanup closes the FILE its creator may have put in f. */
typedef struct count_state {
    int64_t i, n;
    int64_t fail_at; /* -1: never */
    probe *p;
    FILE *f;
} count_state;

static mor_obj *count_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    count_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    for (s->i = 0; s->i < s->n; s->i++) {
        if (s->i == s->fail_at) {
            mor_raise(rt, MOR_EXC_VALUE, "boom at %lld", (long long)s->i);
            MOR_GEN_FAIL(g);
        }
        MOR_GEN_YIELD(g, mor_int(rt, s->i));
    }
    MOR_GEN_RETURN(g, mor_str(rt, "done"));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    if (s->f != NULL) {
        fclose(s->f);
        s->f = NULL;
        s->p->fcloses++;
    }
    MOR_GEN_END(g);
}

static mor_obj *count_new(mor_rt *rt, probe *p, int64_t n)
{
    mor_obj *g = mor_gen_new(rt, "count", count_step, 0, sizeof(count_state));
    assert_non_null(g);
    count_state *s = mor_gen_cstate((mor_gen *)g);
    s->n = n;
    s->fail_at = -1;
    s->p = p ? p : &t_sink_probe;
    return g;
}

static count_state *count_of(mor_obj *g) { return mor_gen_cstate((mor_gen *)g); }

/* catch: yields 0, 1, 2, ... forever at a MOR_GEN_YIELD_CATCH; takes a thrown
 * ValueError (remembering its message) and goes on; anything else (GeneratorExit
 * included) propagates: `except ValueError`. */
typedef struct catch_state {
    int64_t i;
    probe *p;
    char msg[64];
} catch_state;

static mor_obj *catch_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    catch_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    for (s->i = 0;; s->i++) {
        MOR_GEN_YIELD_CATCH(g, mor_int(rt, s->i));
        mor_exc k = mor_gen_thrown(g);
        if (k != MOR_EXC_NONE) {
            s->p->seen = k;
            if (k != MOR_EXC_VALUE)
                MOR_GEN_FAIL(g);
            mor_obj *e = mor_gen_catch(g);
            assert_non_null(e);
            snprintf(s->msg, sizeof(s->msg), "%s", mor_exc_message(e));
            mor_decref(rt, e);
            s->p->caught++;
        }
    }
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

static mor_obj *catch_new(mor_rt *rt, probe *p)
{
    mor_obj *g = mor_gen_new(rt, "catcher", catch_step, 0, sizeof(catch_state));
    assert_non_null(g);
    ((catch_state *)mor_gen_cstate((mor_gen *)g))->p = p;
    return g;
}

/* ignore: yields 1 at a MOR_GEN_YIELD_CATCH, takes whatever was thrown in there
 * (GeneratorExit included) and yields 2: the "ill-behaved generator". Its one
 * local (set by the creator, may be NULL) is just held. */
typedef struct plain_state {
    probe *p;
    mor_obj **escape; /* the cleanup stores a new reference to escape_what here */
    int escape_what;  /* 0: locals[0], 1: the generator itself */
    int mode;         /* fixture-specific */
} plain_state;

static mor_obj *ignore_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    MOR_GEN_YIELD_CATCH(g, mor_int(rt, 1));
    if (mor_gen_thrown(g) != MOR_EXC_NONE) {
        s->p->seen = mor_gen_thrown(g);
        mor_decref(rt, mor_gen_catch(g));
        s->p->caught++;
    }
    MOR_GEN_YIELD(g, mor_int(rt, 2));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

/* fie: yields 1 at a MOR_GEN_YIELD_CATCH; GeneratorExit there becomes ValueError
 * "fie!" (mode 0), or it is taken and the body returns "caught" (mode 1). */
static mor_obj *fie_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    MOR_GEN_YIELD_CATCH(g, mor_int(rt, 1));
    if (mor_gen_thrown(g) == MOR_EXC_GENERATOR_EXIT) {
        mor_decref(rt, mor_gen_catch(g));
        s->p->caught++;
        if (s->mode == 1)
            MOR_GEN_RETURN(g, mor_str(rt, "caught"));
        mor_raise(rt, MOR_EXC_VALUE, "fie!");
        MOR_GEN_FAIL(g);
    }
    if (mor_gen_thrown(g) != MOR_EXC_NONE)
        MOR_GEN_FAIL(g);
    MOR_GEN_YIELD(g, mor_int(rt, 2));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

/* holder: yields its local 0 (set by the creator), then None; the cleanup may store
 * a new reference to the local or to the generator itself through `escape`. */
static mor_obj *holder_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    MOR_GEN_YIELD(g, mor_newref(mor_gen_locals(g)[0] ? mor_gen_locals(g)[0] : mor_none(rt)));
    MOR_GEN_YIELD(g, mor_newref(mor_none(rt)));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    if (s->escape != NULL)
        *s->escape = mor_newref(s->escape_what ? &g->head : mor_gen_locals(g)[0]);
    MOR_GEN_END(g);
}

static mor_obj *plain_new(mor_rt *rt, const char *name, mor_gen_fn fn, probe *p, mor_obj *local)
{
    mor_obj *g = mor_gen_new(rt, name, fn, 1, sizeof(plain_state));
    assert_non_null(g);
    ((plain_state *)mor_gen_cstate((mor_gen *)g))->p = p;
    if (local != NULL)
        mor_gen_locals((mor_gen *)g)[0] = mor_newref(local);
    return g;
}

static plain_state *plain_of(mor_obj *g) { return mor_gen_cstate((mor_gen *)g); }

/* Two yields on one source line (__COUNTER__, not __LINE__, numbers the resume
 * points), and a body without a cleanup section. */
static mor_obj *pair_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    /* clang-format off */
    MOR_GEN_YIELD(g, mor_int(rt, 1)); MOR_GEN_YIELD(g, mor_int(rt, 2));
    MOR_GEN_YIELD(g, mor_int(rt, 3)); MOR_GEN_YIELD(g, mor_int(rt, 4));
    /* clang-format on */
    MOR_GEN_END(g);
}

/* ---- generators: basics -------------------------------------------------------------------- */

static void test_gen_new(void **state)
{
    T_RT;
    mor_obj *g = mor_gen_new(rt, "count", count_step, 0, sizeof(count_state));
    assert_non_null(g);
    assert_true(mor_is_gen(g));
    assert_false(mor_is_gen(mor_none(rt)));
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CREATED);
    assert_int_equal(mor_gen_get_state(mor_none(rt)), MOR_GEN_CLOSED);
    assert_string_equal(mor_type_name(g), "generator");
    t_assert_tracked(g);
    /* the C state is zeroed */
    count_state *s = mor_gen_cstate((mor_gen *)g);
    assert_int_equal(s->i, 0);
    assert_null(s->p);
    assert_null(s->f);
    mor_obj *r = mor_repr(rt, g);
    assert_non_null(r);
    assert_true(strncmp(mor_str_utf8(r, NULL), "<generator object count at ", 27) == 0);
    mor_decref(rt, r);
    mor_obj *name = mor_getattr(rt, g, "__name__");
    t_assert_repr(rt, name, "'count'");
    mor_decref(rt, name);
    mor_obj *running = mor_getattr(rt, g, "gi_running");
    assert_ptr_equal(running, mor_bool(rt, false));
    mor_decref(rt, running);
    assert_null(mor_getattr(rt, g, "gi_frame"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "gi_frame");
    /* iter(gen) is gen */
    mor_obj *it = mor_iter(rt, g);
    assert_ptr_equal(it, g);
    mor_decref(rt, it);
    s->p = &t_sink_probe; /* dropped before it started: its cleanup runs */
    mor_decref(rt, g);

    /* locals start NULL */
    g = mor_gen_new(rt, "four", pair_step, 4, 0);
    assert_non_null(g);
    for (int i = 0; i < 4; i++)
        assert_null(mor_gen_locals((mor_gen *)g)[i]);
    mor_decref(rt, g);

    /* argument errors */
    assert_null(mor_gen_new(rt, "x", NULL, 0, 0));
    t_expect_exc(rt, MOR_EXC_TYPE, "fn is NULL");
    assert_null(mor_gen_new(rt, NULL, count_step, 0, 0));
    t_expect_exc(rt, MOR_EXC_TYPE, "name is NULL");
    assert_null(mor_gen_new(rt, "x", count_step, 100000, 0));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, NULL);
    mor_obj *l = mor_list(rt, 0);
    assert_null(mor_gen_send(rt, l, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a generator");
    assert_int_equal(mor_gen_close(rt, l), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "expected a generator");
    mor_decref(rt, l);
}

static void test_gen_size(void **state)
{
    T_RT;
    /* DESIGN.md section 6: a generator object with up to 4 locals is at most 128 bytes
     * (CPython 3.11: 176-200) */
    for (size_t n = 0; n <= 4; n++) {
        mor_obj *g = mor_gen_new(rt, "sized", pair_step, n, 0);
        assert_non_null(g);
        assert_true(mor_sizeof(g) <= 128);
        mor_decref(rt, g);
    }
    /* C state is counted, rounded to 8 bytes */
    mor_obj *a = mor_gen_new(rt, "a", pair_step, 1, 0);
    mor_obj *b = mor_gen_new(rt, "b", pair_step, 1, 20);
    assert_int_equal(mor_sizeof(b) - mor_sizeof(a), 24);
    mor_decref(rt, a);
    mor_decref(rt, b);
}

static void test_gen_iterate(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 3);
    assert_int_equal(p.body_runs, 0); /* creating does not run the body */
    t_next_int(rt, g, 0);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_SUSPENDED);
    t_next_int(rt, g, 1);
    t_next_int(rt, g, 2);
    assert_int_equal(p.cleanups, 0);
    t_next_end(rt, g); /* the return value "done" is dropped by mor_next */
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(p.body_runs, 1);
    assert_int_equal(p.cleanups, 1);
    t_next_end(rt, g);
    t_next_end(rt, g);
    assert_int_equal(p.cleanups, 1);
    mor_decref(rt, g);
    assert_int_equal(p.cleanups, 1);

    /* through the generic consumers */
    g = count_new(rt, &p, 5);
    t_assert_iter(rt, g, "[0, 1, 2, 3, 4]");
    /* an empty one */
    t_assert_iter(rt, count_new(rt, NULL, 0), "[]");
}

static void test_gen_two_yields_one_line(void **state)
{
    T_RT;
    t_assert_iter(rt, mor_gen_new(rt, "pair", pair_step, 0, 0), "[1, 2, 3, 4]");
    /* closing one without a cleanup section */
    mor_obj *g = mor_gen_new(rt, "pair", pair_step, 0, 0);
    t_next_int(rt, g, 1);
    t_next_int(rt, g, 2);
    assert_int_equal(mor_gen_close(rt, g), 0);
    t_next_end(rt, g);
    mor_decref(rt, g);
}

/* accumulate: locals[0] is a list of the values sent in, the C state their total;
 * yields the running total, returns the list when sent None. */
typedef struct acc_state {
    int64_t total;
} acc_state;

static mor_obj *acc_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    acc_state *s = mor_gen_cstate(g);
    mor_obj **loc = mor_gen_locals(g);
    MOR_GEN_BEGIN(g);
    loc[0] = mor_list(rt, 0);
    if (loc[0] == NULL)
        MOR_GEN_FAIL(g);
    for (;;) {
        MOR_GEN_YIELD(g, mor_int(rt, s->total));
        if (sent == NULL || sent == mor_none(rt))
            break;
        int64_t v;
        if (mor_int_to_i64(rt, sent, &v) < 0 || mor_list_append(rt, loc[0], sent) < 0)
            MOR_GEN_FAIL(g);
        s->total += v;
    }
    MOR_GEN_RETURN(g, mor_newref(loc[0]));
    MOR_GEN_END(g);
}

static void test_gen_locals_and_send(void **state)
{
    T_RT;
    mor_obj *g = mor_gen_new(rt, "acc", acc_step, 1, sizeof(acc_state));
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, NULL)), 0);
    mor_obj *five = mor_int(rt, 5), *seven = mor_int(rt, 7);
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, five)), 5);
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, seven)), 12);
    /* the locals are traced by the collector */
    mor_obj *refs = mor_gc_get_referents(rt, g);
    assert_non_null(refs);
    t_assert_repr(rt, refs, "[[5, 7]]");
    mor_decref(rt, refs);
    mor_gc_collect(rt, -1);
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, seven)), 19);
    /* sending None ends it: StopIteration carries the returned list */
    assert_null(mor_gen_send(rt, g, mor_none(rt)));
    assert_int_equal(mor_err_kind(rt), MOR_EXC_STOP_ITERATION);
    mor_obj *exc = mor_err_fetch(rt);
    mor_obj *v = mor_exc_value(rt, exc);
    t_assert_repr(rt, v, "[5, 7, 7]");
    mor_decref(rt, v);
    mor_decref(rt, exc);
    assert_null(mor_gen_locals((mor_gen *)g)[0]); /* released when it ended */
    /* a closed generator: send raises StopIteration (value None) */
    assert_null(mor_gen_send(rt, g, five));
    exc = mor_err_fetch(rt);
    assert_int_equal(mor_exc_kind(exc), MOR_EXC_STOP_ITERATION);
    v = mor_exc_value(rt, exc);
    assert_ptr_equal(v, mor_none(rt));
    mor_decref(rt, v);
    mor_decref(rt, exc);
    mor_decref(rt, g);
    /* a bad value sent in fails the body: the error propagates and it is closed */
    g = mor_gen_new(rt, "acc", acc_step, 1, sizeof(acc_state));
    mor_obj *s = mor_str(rt, "x");
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, NULL)), 0);
    assert_null(mor_gen_send(rt, g, s));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    mor_decref(rt, s);
    mor_decref(rt, g);
    mor_decref(rt, five);
    mor_decref(rt, seven);
}

/* A failed yield expression (NULL) propagates its error through the cleanup. */
static mor_obj *badyield_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    MOR_GEN_YIELD(g, mor_int_from_str(rt, "not a number", 10));
    MOR_GEN_YIELD(g, mor_int(rt, 3));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

static void test_gen_failed_yield_expression(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = plain_new(rt, "bad", badyield_step, &p, NULL);
    t_next_int(rt, g, 1);
    assert_null(mor_next(rt, g));
    t_expect_exc(rt, MOR_EXC_VALUE, NULL);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    t_next_end(rt, g);
    mor_decref(rt, g);
}

/* ---- the cleanup section runs exactly once, on every way out; a FILE in the C state -------- */

typedef enum end_way {
    END_COMPLETE,
    END_RAISE,
    END_CLOSE,
    END_DROP_SUSPENDED,
    END_DROP_CREATED
} end_way;

static void gen_file_end(mor_rt *rt, end_way way)
{
    if (way == END_DROP_SUSPENDED || way == END_DROP_CREATED)
        T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a "
                   "collection)");
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 3);
    FILE *f = fopen("/dev/null", "rb");
    assert_non_null(f);
    int fd = fileno(f);
    count_of(g)->f = f;
    if (way == END_RAISE)
        count_of(g)->fail_at = 1;
    switch (way) {
    case END_COMPLETE:
        t_next_int(rt, g, 0);
        t_next_int(rt, g, 1);
        t_next_int(rt, g, 2);
        assert_true(t_fd_open(fd));
        t_next_end(rt, g);
        break;
    case END_RAISE:
        t_next_int(rt, g, 0);
        assert_null(mor_next(rt, g));
        t_expect_exc(rt, MOR_EXC_VALUE, "boom at 1");
        t_next_end(rt, g);
        break;
    case END_CLOSE:
        t_next_int(rt, g, 0);
        assert_int_equal(mor_gen_close(rt, g), 0);
        assert_int_equal(mor_gen_close(rt, g), 0);
        break;
    case END_DROP_SUSPENDED:
        t_next_int(rt, g, 0);
        assert_true(t_fd_open(fd));
        mor_decref(rt, g);
        g = NULL;
        break;
    case END_DROP_CREATED:
        assert_true(t_fd_open(fd));
        mor_decref(rt, g);
        g = NULL;
        break;
    }
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(p.fcloses, 1);
    assert_false(t_fd_open(fd));
    assert_int_equal(p.body_runs, way == END_DROP_CREATED ? 0 : 1);
    if (g != NULL) {
        assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
        assert_null(count_of(g)->f);
        t_next_end(rt, g);
        assert_int_equal(mor_gen_close(rt, g), 0);
        mor_decref(rt, g);
    }
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(p.fcloses, 1);
}

static void test_gen_cleanup_on_complete(void **state) { gen_file_end(*state, END_COMPLETE); }
static void test_gen_cleanup_on_raise(void **state) { gen_file_end(*state, END_RAISE); }
static void test_gen_cleanup_on_close(void **state) { gen_file_end(*state, END_CLOSE); }
static void test_gen_cleanup_on_drop(void **state) { gen_file_end(*state, END_DROP_SUSPENDED); }
static void test_gen_cleanup_on_drop_unstarted(void **state)
{
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    gen_file_end(*state, END_DROP_CREATED);
}

/* A cleanup that raises: its exception wins over the one propagating. */
static mor_obj *cleanup_raise_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    if (s->mode == 1) {
        mor_raise(rt, MOR_EXC_VALUE, "from the body");
        MOR_GEN_FAIL(g);
    }
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE); /* nothing pending in the cleanup */
    mor_raise(rt, MOR_EXC_KEY, "from the cleanup");
    MOR_GEN_END(g);
}

static void test_gen_cleanup_raises(void **state)
{
    T_RT;
    for (int mode = 0; mode < 3; mode++) {
        T_PROBE(p);
        mor_obj *g = plain_new(rt, "cr", cleanup_raise_step, &p, NULL);
        plain_of(g)->mode = mode == 1;
        t_next_int(rt, g, 1);
        if (mode < 2) { /* 0: ends normally; 1: the body raises too */
            assert_null(mor_next(rt, g));
        } else { /* closing it */
            assert_int_equal(mor_gen_close(rt, g), -1);
        }
        t_expect_exc(rt, MOR_EXC_KEY, "from the cleanup");
        assert_int_equal(p.cleanups, 1);
        assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
        t_next_end(rt, g);
        mor_decref(rt, g);
    }
}

/* A yield inside the cleanup section (Python's `finally: yield 2`). */
static mor_obj *finally_yield_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_YIELD(g, mor_int(rt, 2));
    s->p->caught++; /* the rest of the cleanup: only when resumed normally */
    MOR_GEN_END(g);
}

static void test_gen_yield_in_cleanup(void **state)
{
    T_RT;
    /* resumed normally, the cleanup goes on after its yield */
    T_PROBE(p);
    mor_obj *g = plain_new(rt, "fy", finally_yield_step, &p, NULL);
    t_assert_iter(rt, mor_newref(g), "[1, 2]");
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(p.caught, 1);
    mor_decref(rt, g);

    /* closed at the body's yield: the cleanup yields, so close fails; resuming then
     * ends the cleanup and GeneratorExit comes out, as in CPython */
    T_PROBE(q);
    g = plain_new(rt, "fy", finally_yield_step, &q, NULL);
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), -1);
    t_expect_exc(rt, MOR_EXC_RUNTIME, "generator ignored GeneratorExit");
    assert_int_equal(q.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_SUSPENDED);
    assert_null(mor_next(rt, g));
    t_expect_exc(rt, MOR_EXC_GENERATOR_EXIT, NULL);
    assert_int_equal(q.caught, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    mor_decref(rt, g);

    /* a second close goes straight to the end: the cleanup is not run again */
    T_PROBE(r);
    g = plain_new(rt, "fy", finally_yield_step, &r, NULL);
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), -1);
    mor_err_clear(rt);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(r.cleanups, 1);
    assert_int_equal(r.caught, 0);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    mor_decref(rt, g);

    /* dropped while suspended in its cleanup: finalized quietly */
    unraisable_log log = {0};
    mor_set_unraisable_hook(rt, log_unraisable, &log);
    T_PROBE(u);
    g = plain_new(rt, "fy", finally_yield_step, &u, NULL);
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), -1);
    mor_err_clear(rt);
    mor_decref(rt, g);
    assert_int_equal(log.n, 0);
    assert_int_equal(u.cleanups, 1);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
}

/* ---- hard cases 45-59 ------------------------------------------------------------------------ */

/* 45: the body calls mor_next (and send, throw, close) on its own generator. */
typedef struct reenter_state {
    probe *p;
    int propagate;
    mor_gen_state state_inside;
    mor_obj *running_attr;
    mor_exc kinds[4];
    char msg[64];
} reenter_state;

static mor_obj *reenter_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    reenter_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    s->state_inside = mor_gen_get_state(&g->head);
    s->running_attr = mor_getattr(rt, &g->head, "gi_running");
    mor_decref(rt, s->running_attr); /* True is immortal: the pointer stays comparable */
    {
        mor_obj *r = mor_next(rt, &g->head);
        assert_null(r);
        s->kinds[0] = mor_err_kind(rt);
        snprintf(s->msg, sizeof(s->msg), "%s", mor_err_message(rt));
        if (s->propagate)
            MOR_GEN_FAIL(g);
        mor_err_clear(rt);
        assert_null(mor_gen_send(rt, &g->head, NULL));
        s->kinds[1] = mor_err_kind(rt);
        mor_err_clear(rt);
        mor_obj *e = mor_exc_new(rt, MOR_EXC_KEY, "k");
        assert_null(mor_gen_throw(rt, &g->head, e));
        mor_decref(rt, e);
        s->kinds[2] = mor_err_kind(rt);
        mor_err_clear(rt);
        assert_int_equal(mor_gen_close(rt, &g->head), -1);
        s->kinds[3] = mor_err_kind(rt);
        mor_err_clear(rt);
    }
    MOR_GEN_YIELD(g, mor_int(rt, 2));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

static void test_hc45_reentrancy(void **state)
{
    T_RT;
    for (int propagate = 0; propagate < 2; propagate++) {
        T_PROBE(p);
        mor_obj *g = mor_gen_new(rt, "reenter", reenter_step, 0, sizeof(reenter_state));
        reenter_state *s = mor_gen_cstate((mor_gen *)g);
        s->p = &p;
        s->propagate = propagate;
        t_next_int(rt, g, 1);
        if (!propagate) {
            /* the body handled the errors and went on: the state was left alone */
            t_next_int(rt, g, 2);
            for (int i = 0; i < 4; i++)
                assert_int_equal(s->kinds[i], MOR_EXC_VALUE);
            assert_int_equal(mor_gen_get_state(g), MOR_GEN_SUSPENDED);
            assert_int_equal(p.cleanups, 0);
            t_next_end(rt, g);
        } else {
            assert_null(mor_next(rt, g));
            t_expect_exc(rt, MOR_EXC_VALUE, "generator already executing");
            assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
        }
        assert_int_equal(s->state_inside, MOR_GEN_RUNNING);
        assert_ptr_equal(s->running_attr, mor_bool(rt, true));
        assert_int_equal(s->kinds[0], MOR_EXC_VALUE);
        assert_string_equal(s->msg, "generator already executing");
        assert_int_equal(p.cleanups, 1);
        mor_decref(rt, g);
    }
}

/* 46 */
static void test_hc46_send_to_new_generator(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 3);
    mor_obj *zero = mor_int(rt, 0);
    assert_null(mor_gen_send(rt, g, zero));
    t_expect_exc(rt, MOR_EXC_TYPE, "can't send non-None value to a just-started generator");
    assert_int_equal(p.body_runs, 0);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CREATED);
    /* still usable; None is fine as a first value */
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, mor_none(rt))), 0);
    t_next_int(rt, g, 1);
    /* once started, any value may be sent */
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, zero)), 2);
    mor_decref(rt, zero);
    mor_decref(rt, g);
}

/* 47: an exception propagates once, then the generator is exhausted; a return value
 * travels in StopIteration through mor_gen_send. */
static mor_obj *return_tuple_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    {
        mor_obj *a = mor_int(rt, 1), *b = mor_int(rt, 2);
        mor_obj *t = mor_tuple(rt, 2, a, b);
        mor_decref(rt, a);
        mor_decref(rt, b);
        MOR_GEN_RETURN(g, t);
    }
    MOR_GEN_END(g);
}

static void test_hc47_exhaustion(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 5);
    count_of(g)->fail_at = 2;
    t_next_int(rt, g, 0);
    t_next_int(rt, g, 1);
    assert_null(mor_next(rt, g));
    t_expect_exc(rt, MOR_EXC_VALUE, "boom at 2");
    for (int i = 0; i < 3; i++)
        t_next_end(rt, g);
    assert_null(mor_gen_send(rt, g, NULL));
    t_expect_exc(rt, MOR_EXC_STOP_ITERATION, NULL);
    assert_int_equal(p.cleanups, 1);
    mor_decref(rt, g);

    /* return v: StopIteration.value == v */
    g = count_new(rt, &p, 1);
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, NULL)), 0);
    assert_null(mor_gen_send(rt, g, NULL));
    mor_obj *exc = mor_err_fetch(rt);
    assert_non_null(exc);
    assert_int_equal(mor_exc_kind(exc), MOR_EXC_STOP_ITERATION);
    mor_obj *v = mor_exc_value(rt, exc);
    t_assert_repr(rt, v, "'done'");
    mor_decref(rt, v);
    mor_decref(rt, exc);
    /* the value is given once */
    assert_null(mor_gen_send(rt, g, NULL));
    exc = mor_err_fetch(rt);
    v = mor_exc_value(rt, exc);
    assert_ptr_equal(v, mor_none(rt));
    mor_decref(rt, v);
    mor_decref(rt, exc);
    mor_decref(rt, g);

    /* a tuple is returned as one value (test_return_tuple) */
    g = mor_gen_new(rt, "rt", return_tuple_step, 0, 0);
    t_next_int(rt, g, 1);
    assert_null(mor_gen_send(rt, g, NULL));
    exc = mor_err_fetch(rt);
    v = mor_exc_value(rt, exc);
    t_assert_repr(rt, v, "(1, 2)");
    mor_decref(rt, v);
    mor_decref(rt, exc);
    mor_decref(rt, g);
    /* mor_next drops the return value: no leak */
    g = mor_gen_new(rt, "rt", return_tuple_step, 0, 0);
    t_next_int(rt, g, 1);
    t_next_end(rt, g);
    mor_decref(rt, g);
}

/* 48: a StopIteration escaping the body becomes RuntimeError (PEP 479). */
static mor_obj *stopiter_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    if (s->mode == 0) {
        mor_raise_stop(rt, NULL);
        MOR_GEN_FAIL(g);
    }
    /* next() on an exhausted generator, as Python's `next(inner)` would */
    MOR_GEN_YIELD(g, mor_gen_send(rt, mor_gen_locals(g)[0], NULL));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    s->p->seen = mor_err_kind(rt);
    MOR_GEN_END(g);
}

static void test_hc48_pep479(void **state)
{
    T_RT;
    for (int mode = 0; mode < 2; mode++) {
        T_PROBE(p);
        mor_obj *inner = count_new(rt, NULL, 0);
        mor_obj *g = plain_new(rt, "pep479", stopiter_step, &p, inner);
        mor_decref(rt, inner);
        plain_of(g)->mode = mode;
        t_next_int(rt, g, 1);
        assert_null(mor_next(rt, g));
        t_expect_exc(rt, MOR_EXC_RUNTIME, "generator raised StopIteration");
        assert_int_equal(p.cleanups, 1);
        assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
        t_next_end(rt, g);
        mor_decref(rt, g);
    }
}

/* 49 */
static void test_hc49_close_created(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 3);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(p.body_runs, 0);
    assert_int_equal(p.cleanups, 1); /* the cleanup runs even if the body never started */
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    t_next_end(rt, g);
    assert_int_equal(p.body_runs, 0);
    mor_decref(rt, g);
    assert_int_equal(p.cleanups, 1);
}

/* 50 */
static void test_hc50_close_suspended(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 3);
    t_next_int(rt, g, 0);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(mor_gen_close(rt, g), 0); /* twice */
    assert_int_equal(p.cleanups, 1);
    t_next_end(rt, g);
    mor_decref(rt, g);

    /* after exhaustion */
    g = count_new(rt, &p, 1);
    t_next_int(rt, g, 0);
    t_next_end(rt, g);
    assert_int_equal(p.cleanups, 2);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(p.cleanups, 2);
    mor_decref(rt, g);

    /* GeneratorExit reaches the body (seen at a MOR_GEN_YIELD_CATCH), which lets it go */
    T_PROBE(q);
    g = catch_new(rt, &q);
    t_next_int(rt, g, 0);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(q.seen, MOR_EXC_GENERATOR_EXIT);
    assert_int_equal(q.cleanups, 1);
    mor_decref(rt, g);

    /* a body that catches GeneratorExit and returns a value: close returns 0 (the
     * value is dropped: mor_gen_close returns an int, like Python before 3.13) */
    T_PROBE(r);
    g = plain_new(rt, "fie", fie_step, &r, NULL);
    plain_of(g)->mode = 1;
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(r.caught, 1);
    assert_int_equal(r.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    mor_decref(rt, g);
}

/* 51 */
static void test_hc51_ignored_generator_exit(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = plain_new(rt, "ignore", ignore_step, &p, NULL);
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), -1);
    t_expect_exc(rt, MOR_EXC_RUNTIME, "generator ignored GeneratorExit");
    assert_int_equal(p.seen, MOR_EXC_GENERATOR_EXIT);
    assert_int_equal(p.caught, 1);
    assert_int_equal(p.cleanups, 0);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_SUSPENDED); /* at its second yield */
    /* a second close is fine: GeneratorExit at a plain yield ends it */
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(mor_gen_close(rt, g), 0);
    mor_decref(rt, g);
    assert_int_equal(p.cleanups, 1);
}

/* 52 */
static void test_hc52_close_raises(void **state)
{
    T_RT;
    T_PROBE(p);
    mor_obj *g = plain_new(rt, "fie", fie_step, &p, NULL);
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "fie!");
    assert_int_equal(p.caught, 1);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(mor_gen_close(rt, g), 0);
    mor_decref(rt, g);
}

/* 53 */
static void test_hc53_throw(void **state)
{
    T_RT;
    mor_obj *verr = mor_exc_new(rt, MOR_EXC_VALUE, "thrown in");
    mor_obj *kerr = mor_exc_new(rt, MOR_EXC_KEY, "'k'");

    /* CREATED: raised without running the body; then closed (its cleanup ran) */
    T_PROBE(p);
    mor_obj *g = catch_new(rt, &p);
    assert_null(mor_gen_throw(rt, g, verr));
    t_expect_exc(rt, MOR_EXC_VALUE, "thrown in");
    assert_int_equal(p.body_runs, 0);
    assert_int_equal(p.caught, 0);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    t_next_end(rt, g);
    /* on a closed generator the exception is just raised */
    assert_null(mor_gen_throw(rt, g, kerr));
    t_expect_exc(rt, MOR_EXC_KEY, "'k'");
    mor_decref(rt, g);

    /* SUSPENDED, handled by the body: throw returns the next yielded value */
    T_PROBE(q);
    g = catch_new(rt, &q);
    t_next_int(rt, g, 0);
    t_next_int(rt, g, 1);
    assert_int_equal(t_take_i64(rt, mor_gen_throw(rt, g, verr)), 2);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(q.caught, 1);
    assert_string_equal(((catch_state *)mor_gen_cstate((mor_gen *)g))->msg, "thrown in");
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_SUSPENDED);
    t_next_int(rt, g, 3);
    /* not handled: it propagates and the generator is closed */
    assert_null(mor_gen_throw(rt, g, kerr));
    t_expect_exc(rt, MOR_EXC_KEY, "'k'");
    assert_int_equal(q.seen, MOR_EXC_KEY);
    assert_int_equal(q.caught, 1);
    assert_int_equal(q.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    t_next_end(rt, g);
    mor_decref(rt, g);

    /* at a plain MOR_GEN_YIELD nothing handles it */
    T_PROBE(r);
    g = count_new(rt, &r, 10);
    t_next_int(rt, g, 0);
    assert_null(mor_gen_throw(rt, g, verr));
    t_expect_exc(rt, MOR_EXC_VALUE, "thrown in");
    assert_int_equal(r.cleanups, 1);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    mor_decref(rt, g);

    /* handled, then the body returns: StopIteration with the value */
    T_PROBE(s);
    g = plain_new(rt, "fie", fie_step, &s, NULL);
    plain_of(g)->mode = 1;
    t_next_int(rt, g, 1);
    mor_obj *gexit = mor_exc_new(rt, MOR_EXC_GENERATOR_EXIT, "%s", "");
    assert_null(mor_gen_throw(rt, g, gexit));
    mor_obj *stop = mor_err_fetch(rt);
    assert_int_equal(mor_exc_kind(stop), MOR_EXC_STOP_ITERATION);
    mor_obj *v = mor_exc_value(rt, stop);
    t_assert_repr(rt, v, "'caught'");
    mor_decref(rt, v);
    mor_decref(rt, stop);
    mor_decref(rt, gexit);
    mor_decref(rt, g);

    /* only exception objects can be thrown */
    g = count_new(rt, NULL, 3);
    assert_null(mor_gen_throw(rt, g, mor_none(rt)));
    t_expect_exc(rt, MOR_EXC_TYPE, "exceptions must be exception objects");
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CREATED);
    mor_decref(rt, g);

    /* the exception object thrown in is the one raised */
    g = count_new(rt, NULL, 3);
    t_next_int(rt, g, 0);
    assert_null(mor_gen_throw(rt, g, kerr));
    mor_obj *got = mor_err_fetch(rt);
    assert_ptr_equal(got, kerr);
    mor_decref(rt, got);
    mor_decref(rt, g);

    mor_decref(rt, verr);
    mor_decref(rt, kerr);
}

/* 54: dropped while suspended, the cleanup runs; `except ValueError` (the catcher)
 * does not take the GeneratorExit of the finalization. */
static void test_hc54_finalize_at_refcount_death(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    T_PROBE(p);
    mor_obj *g = catch_new(rt, &p);
    t_next_int(rt, g, 0);
    t_next_int(rt, g, 1);
    mor_decref(rt, g);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(p.seen, MOR_EXC_GENERATOR_EXIT);
    assert_int_equal(p.caught, 0);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);

    /* a pending exception of the caller survives the finalization */
    T_PROBE(q);
    g = count_new(rt, &q, 3);
    t_next_int(rt, g, 0);
    mor_raise(rt, MOR_EXC_INDEX, "pending");
    mor_decref(rt, g);
    assert_int_equal(q.cleanups, 1);
    t_expect_exc(rt, MOR_EXC_INDEX, "pending");
}

/* 55: yields after GeneratorExit while finalized: reported unraisable. */
static void test_hc55_ill_behaved_at_death(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    unraisable_log log = {0};
    mor_set_unraisable_hook(rt, log_unraisable, &log);
    T_PROBE(p);
    mor_obj *fn = mor_func_new(rt, "held", fn_noop, NULL);
    mor_obj *wr = mor_weakref(rt, fn, NULL);
    mor_obj *g = plain_new(rt, "ignore", ignore_step, &p, fn);
    mor_decref(rt, fn);
    mor_obj *gw = mor_weakref(rt, g, NULL);
    t_next_int(rt, g, 1);
    mor_decref(rt, g);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.kind, MOR_EXC_RUNTIME);
    assert_string_equal(log.msg, "generator ignored GeneratorExit");
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(p.caught, 1);
    /* freed anyway, with what it held; as in CPython, the cleanup section of a body
     * that yields after GeneratorExit does not run (the body never gets there) */
    assert_int_equal(p.cleanups, 0);
    mor_obj *x = mor_weakref_get(rt, gw);
    assert_ptr_equal(x, mor_none(rt));
    mor_decref(rt, x);
    x = mor_weakref_get(rt, wr);
    assert_ptr_equal(x, mor_none(rt));
    mor_decref(rt, x);
    mor_decref(rt, gw);
    mor_decref(rt, wr);

    /* the same at a collection (the generator in a cycle) */
    T_PROBE(q);
    mor_obj *l = mor_list(rt, 0);
    g = plain_new(rt, "ignore", ignore_step, &q, l);
    mor_list_append(rt, l, g);
    mor_decref(rt, l);
    t_next_int(rt, g, 1);
    mor_decref(rt, g);
    assert_int_equal(log.n, 1);
    mor_gc_collect(rt, -1);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.kind, MOR_EXC_RUNTIME);
    assert_string_equal(log.msg, "generator ignored GeneratorExit");
    assert_int_equal(q.caught, 1);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

/* 56: a generator holding itself in a local is cyclic garbage. */
static void test_hc56_self_cycle_collected(void **state)
{
    T_RT;
    T_NEEDS_RC("g's address stays in this frame, so a conservative collector may keep it (test_boehm covers dropped generators)");
    T_PROBE(p);
    for (int started = 0; started < 2; started++) {
        mor_obj *g = plain_new(rt, "holder", holder_step, &p, NULL);
        mor_gen_locals((mor_gen *)g)[0] = mor_newref(g);
        mor_obj *wr = mor_weakref(rt, g, NULL);
        if (started) {
            mor_obj *self = mor_next(rt, g);
            assert_ptr_equal(self, g);
            mor_decref(rt, self);
        }
        mor_decref(rt, g);
        mor_obj *x = mor_weakref_get(rt, wr);
        assert_ptr_equal(x, g); /* alive: it holds itself */
        mor_decref(rt, x);
        assert_int_equal(p.cleanups, started);
        assert_true(mor_gc_collect(rt, -1) >= 1);
        assert_int_equal(p.cleanups, started + 1);
        x = mor_weakref_get(rt, wr);
        assert_ptr_equal(x, mor_none(rt));
        mor_decref(rt, x);
        mor_decref(rt, wr);
        mor_gc_collect(rt, -1);
        assert_int_equal(p.cleanups, started + 1);
    }
    assert_int_equal(mor_rt_live_objects(rt), 0);

    /* a cycle through a list in a local */
    T_PROBE(q);
    mor_obj *l = mor_list(rt, 0);
    mor_obj *g = plain_new(rt, "holder", holder_step, &q, l);
    mor_list_append(rt, l, g);
    mor_decref(rt, l);
    mor_decref(rt, mor_next(rt, g));
    mor_decref(rt, g);
    mor_gc_collect(rt, -1);
    assert_int_equal(q.cleanups, 1);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

/* 57 (frame resurrection): mor has no frame object: the C analogue is a cleanup that
 * lets something escape. (a) It stores a local's object outside: the generator is
 * freed, that object survives. (b) It stores the generator itself (PEP 442
 * resurrection): it survives, closed, and its cleanup does not run a second time. */
static void test_hc57_cleanup_escape(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    T_PROBE(p);
    mor_obj *escaped = NULL;
    mor_obj *fn = mor_func_new(rt, "local", fn_noop, NULL);
    mor_obj *g = plain_new(rt, "holder", holder_step, &p, fn);
    mor_obj *fw = mor_weakref(rt, fn, NULL);
    mor_decref(rt, fn);
    plain_of(g)->escape = &escaped;
    mor_obj *gw = mor_weakref(rt, g, NULL);
    mor_decref(rt, mor_next(rt, g));
    mor_decref(rt, g);
    assert_int_equal(p.cleanups, 1);
    mor_obj *x = mor_weakref_get(rt, gw);
    assert_ptr_equal(x, mor_none(rt)); /* the generator is gone */
    mor_decref(rt, x);
    x = mor_weakref_get(rt, fw);
    assert_ptr_equal(x, escaped); /* what escaped lives on */
    assert_int_equal(mor_refcount(escaped), 2);
    mor_decref(rt, x);
    mor_decref(rt, escaped);
    x = mor_weakref_get(rt, fw);
    assert_ptr_equal(x, mor_none(rt));
    mor_decref(rt, x);
    mor_decref(rt, fw);
    mor_decref(rt, gw);

    /* (b) */
    T_PROBE(q);
    escaped = NULL;
    g = plain_new(rt, "holder", holder_step, &q, NULL);
    plain_of(g)->escape = &escaped;
    plain_of(g)->escape_what = 1;
    mor_decref(rt, mor_next(rt, g));
    mor_decref(rt, g);
    assert_ptr_equal(escaped, g);
    assert_int_equal(q.cleanups, 1);
    assert_int_equal(mor_gen_get_state(escaped), MOR_GEN_CLOSED);
    assert_int_equal(mor_refcount(escaped), 1);
    plain_of(escaped)->escape = NULL;
    t_next_end(rt, escaped);
    mor_decref(rt, escaped);
    assert_int_equal(q.cleanups, 1);
}

/* 58: close drops the locals at once, no collection needed. */
static void test_hc58_close_releases_locals(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    T_PROBE(p);
    mor_obj *fn = mor_func_new(rt, "local", fn_noop, NULL);
    mor_obj *wr = mor_weakref(rt, fn, NULL);
    mor_obj *g = plain_new(rt, "holder", holder_step, &p, fn);
    mor_decref(rt, fn);
    mor_obj *first = mor_next(rt, g);
    assert_ptr_equal(first, fn);
    mor_decref(rt, first);
    mor_obj *x = mor_weakref_get(rt, wr);
    assert_ptr_equal(x, fn);
    mor_decref(rt, x);
    assert_int_equal(mor_gen_close(rt, g), 0);
    x = mor_weakref_get(rt, wr);
    assert_ptr_equal(x, mor_none(rt));
    mor_decref(rt, x);
    assert_null(mor_gen_locals((mor_gen *)g)[0]);
    mor_decref(rt, g);
    mor_decref(rt, wr);

    /* the same when it is exhausted, or raises */
    fn = mor_func_new(rt, "local", fn_noop, NULL);
    wr = mor_weakref(rt, fn, NULL);
    g = plain_new(rt, "holder", holder_step, &p, fn);
    mor_decref(rt, fn);
    t_assert_iter(rt, mor_newref(g), "[<function local>, None]");
    x = mor_weakref_get(rt, wr);
    assert_ptr_equal(x, mor_none(rt));
    mor_decref(rt, x);
    mor_decref(rt, g);
    mor_decref(rt, wr);
}

/* 59: delegation. inner: yields 1 at a MOR_GEN_YIELD_CATCH (a ValueError thrown
 * there is taken and -1 yielded), then echoes the value sent to it, yields 2 and
 * returns "inner result". outer: yields "before", delegates to its local 0, yields
 * mor_gen_result, ends. */
static mor_obj *inner_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    MOR_GEN_YIELD_CATCH(g, mor_int(rt, 1));
    if (mor_gen_thrown(g) != MOR_EXC_NONE) {
        s->p->seen = mor_gen_thrown(g);
        if (s->p->seen != MOR_EXC_VALUE)
            MOR_GEN_FAIL(g);
        mor_decref(rt, mor_gen_catch(g));
        s->p->caught++;
        MOR_GEN_YIELD(g, mor_int(rt, -1));
    }
    MOR_GEN_YIELD(g, mor_newref(sent ? sent : mor_none(rt))); /* echo */
    MOR_GEN_YIELD(g, mor_int(rt, 2));
    MOR_GEN_RETURN(g, mor_str(rt, "inner result"));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

static mor_obj *outer_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    plain_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->p->body_runs++;
    MOR_GEN_YIELD(g, mor_str(rt, "before"));
    MOR_GEN_YIELD_FROM(g, mor_gen_locals(g)[0]);
    MOR_GEN_YIELD(g, mor_newref(mor_gen_result(g)));
    MOR_GEN_FINALLY(g);
    s->p->cleanups++;
    MOR_GEN_END(g);
}

/* The outer generator delegating to a fresh inner one (its probes pi, po); *inner_out
 * gets a new reference to the inner one, so that it can be looked at after the outer one
 * dropped it. */
static mor_obj *deleg_new(mor_rt *rt, probe *pi, probe *po, mor_obj **inner_out)
{
    mor_obj *inner = plain_new(rt, "inner", inner_step, pi, NULL);
    *inner_out = inner;
    return plain_new(rt, "outer", outer_step, po, inner);
}

#define t_next_repr(rt, it, want)                                                                  \
    do {                                                                                           \
        mor_obj *t_x_ = mor_next((rt), (it));                                                      \
        if (t_x_ == NULL)                                                                          \
            fail_msg("%s:%d: mor_next gave NULL (%s: %s)", __FILE__, __LINE__,                     \
                     mor_exc_name(mor_err_kind(rt)), mor_err_message(rt));                         \
        t_assert_repr_at((rt), t_x_, (want), __FILE__, __LINE__);                                  \
        mor_decref((rt), t_x_);                                                                    \
    } while (0)

static void t_assert_yieldfrom(mor_rt *rt, mor_obj *g, mor_obj *want)
{
    mor_obj *yf = mor_getattr(rt, g, "gi_yieldfrom");
    assert_non_null(yf);
    assert_ptr_equal(yf, want ? want : mor_none(rt));
    mor_decref(rt, yf);
}

static void test_hc59_delegation(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    probe pi = {0}, po = {0};
    mor_obj *inner;
    mor_obj *g = deleg_new(rt, &pi, &po, &inner);
    t_next_repr(rt, g, "'before'");
    t_assert_yieldfrom(rt, g, NULL);
    assert_int_equal(pi.body_runs, 0);
    t_next_int(rt, g, 1);
    t_assert_yieldfrom(rt, g, inner);
    assert_int_equal(mor_gen_get_state(inner), MOR_GEN_SUSPENDED);
    /* send goes to the inner body */
    mor_obj *v42 = mor_int(rt, 42);
    assert_int_equal(t_take_i64(rt, mor_gen_send(rt, g, v42)), 42);
    mor_decref(rt, v42);
    t_next_int(rt, g, 2);
    /* the inner return value comes back through mor_gen_result */
    t_next_repr(rt, g, "'inner result'");
    t_assert_yieldfrom(rt, g, NULL);
    assert_int_equal(mor_gen_get_state(inner), MOR_GEN_CLOSED);
    assert_int_equal(pi.cleanups, 1);
    assert_int_equal(po.cleanups, 0);
    t_next_end(rt, g);
    assert_int_equal(po.cleanups, 1);
    mor_decref(rt, g);
    mor_decref(rt, inner);

    /* throw goes to the inner generator: handled there, it yields -1 */
    probe qi = {0}, qo = {0};
    g = deleg_new(rt, &qi, &qo, &inner);
    t_next_repr(rt, g, "'before'");
    t_next_int(rt, g, 1);
    mor_obj *verr = mor_exc_new(rt, MOR_EXC_VALUE, "to the inner one");
    assert_int_equal(t_take_i64(rt, mor_gen_throw(rt, g, verr)), -1);
    assert_int_equal(qi.caught, 1);
    t_assert_yieldfrom(rt, g, inner);
    /* not handled there (the inner body is at a plain yield): the inner one is closed
     * and the outer one raises it */
    mor_obj *kerr = mor_exc_new(rt, MOR_EXC_KEY, "'unhandled'");
    assert_null(mor_gen_throw(rt, g, kerr));
    t_expect_exc(rt, MOR_EXC_KEY, "'unhandled'");
    assert_int_equal(qi.caught, 1);
    assert_int_equal(mor_gen_get_state(inner), MOR_GEN_CLOSED);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(qi.cleanups, 1);
    assert_int_equal(qo.cleanups, 1);
    mor_decref(rt, g);
    mor_decref(rt, inner);

    /* close closes the inner one, then the outer one */
    probe ri = {0}, ro = {0};
    g = deleg_new(rt, &ri, &ro, &inner);
    t_next_repr(rt, g, "'before'");
    t_next_int(rt, g, 1);
    assert_int_equal(mor_gen_close(rt, g), 0);
    assert_int_equal(ri.seen, MOR_EXC_GENERATOR_EXIT);
    assert_int_equal(ri.cleanups, 1);
    assert_int_equal(ro.cleanups, 1);
    assert_int_equal(mor_gen_get_state(inner), MOR_GEN_CLOSED);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    mor_decref(rt, inner);
    mor_decref(rt, g);

    /* dropping the outer one while it delegates finalizes both */
    probe si = {0}, so = {0};
    g = deleg_new(rt, &si, &so, &inner);
    t_next_repr(rt, g, "'before'");
    t_next_int(rt, g, 1);
    mor_decref(rt, g);
    assert_int_equal(si.cleanups, 1);
    assert_int_equal(so.cleanups, 1);
    assert_int_equal(mor_gen_get_state(inner), MOR_GEN_CLOSED);
    mor_decref(rt, inner);

    /* delegation to a plain iterator (a list): its values, then result None */
    T_PROBE(lo);
    mor_obj *a = mor_str(rt, "a"), *b = mor_str(rt, "b");
    mor_obj *l = mor_list(rt, 2, a, b);
    mor_decref(rt, a);
    mor_decref(rt, b);
    g = plain_new(rt, "outer", outer_step, &lo, l);
    t_next_repr(rt, g, "'before'");
    t_next_repr(rt, g, "'a'");
    mor_obj *yf = mor_getattr(rt, g, "gi_yieldfrom");
    assert_non_null(strstr(mor_type_name(yf), "iterator")); /* mor: "sequence_iterator" */
    mor_decref(rt, yf);
    /* a plain iterator cannot take a sent value */
    assert_null(mor_gen_send(rt, g, l));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(lo.cleanups, 1);
    mor_decref(rt, g);
    g = plain_new(rt, "outer", outer_step, &lo, l);
    t_assert_iter(rt, mor_newref(g), "['before', 'a', 'b', None]");
    mor_decref(rt, g);
    /* closing while it delegates to a plain iterator */
    g = plain_new(rt, "outer", outer_step, &lo, l);
    t_next_repr(rt, g, "'before'");
    t_next_repr(rt, g, "'a'");
    assert_int_equal(mor_gen_close(rt, g), 0);
    t_assert_yieldfrom(rt, g, NULL);
    mor_decref(rt, g);
    mor_decref(rt, l);

    /* delegating to something not iterable fails at the yield from */
    T_PROBE(bo);
    mor_obj *n = mor_int(rt, 1000);
    g = plain_new(rt, "outer", outer_step, &bo, n);
    mor_decref(rt, n);
    t_next_repr(rt, g, "'before'");
    assert_null(mor_next(rt, g));
    t_expect_exc(rt, MOR_EXC_TYPE, "not iterable");
    assert_int_equal(bo.cleanups, 1);
    mor_decref(rt, g);

    /* an error raised by the inner body propagates through the outer one */
    probe ei = {0}, eo = {0};
    mor_obj *failing = count_new(rt, &ei, 5);
    count_of(failing)->fail_at = 1;
    g = plain_new(rt, "outer", outer_step, &eo, failing);
    mor_decref(rt, failing);
    t_next_repr(rt, g, "'before'");
    t_next_int(rt, g, 0);
    assert_null(mor_next(rt, g));
    t_expect_exc(rt, MOR_EXC_VALUE, "boom at 1");
    assert_int_equal(ei.cleanups, 1);
    assert_int_equal(eo.cleanups, 1);
    mor_decref(rt, g);

    mor_decref(rt, verr);
    mor_decref(rt, kerr);
}

/* ---- iteration of the built-in types ------------------------------------------------------- */

static void test_iter_builtins(void **state)
{
    T_RT;
    mor_obj *one = mor_int(rt, 1), *two = mor_int(rt, 2), *x = mor_str(rt, "x");
    mor_obj *l = mor_list(rt, 3, one, two, x);
    t_assert_iter(rt, mor_iter(rt, l), "[1, 2, 'x']");
    mor_obj *t = mor_tuple(rt, 2, x, one);
    t_assert_iter(rt, mor_iter(rt, t), "['x', 1]");
    mor_obj *s = mor_str(rt, "abc");
    t_assert_iter(rt, mor_iter(rt, s), "['a', 'b', 'c']");
    mor_obj *u = mor_str(rt, "h\xc3\xa9\xe2\x82\xac!"); /* multi-byte characters */
    mor_obj *ul = mor_list_from(rt, u);
    assert_int_equal(mor_len(rt, ul), 4);
    mor_obj *e = mor_getitem(rt, ul, two);
    assert_string_equal(mor_str_utf8(e, NULL), "\xe2\x82\xac");
    mor_decref(rt, e);
    mor_decref(rt, ul);
    mor_obj *b = mor_bytes(rt, "AB\xff", 3);
    t_assert_iter(rt, mor_iter(rt, b), "[65, 66, 255]");
    mor_obj *d = mor_dict(rt);
    mor_dict_set(rt, d, x, one);
    mor_dict_set(rt, d, two, s);
    t_assert_iter(rt, mor_iter(rt, d), "['x', 2]");
    t_assert_iter(rt, mor_dict_keys(rt, d), "['x', 2]");
    t_assert_iter(rt, mor_dict_values(rt, d), "[1, 'abc']");
    t_assert_iter(rt, mor_dict_items(rt, d), "[('x', 1), (2, 'abc')]");
    mor_obj *set = mor_set(rt);
    for (int i = 0; i < 50; i++) {
        mor_obj *k = mor_int(rt, i * 7);
        mor_set_add(rt, set, k);
        mor_decref(rt, k);
    }
    mor_obj *it = mor_iter(rt, set);
    int64_t total = 0, n = 0;
    mor_obj *k;
    while ((k = mor_next(rt, it)) != NULL) {
        total += t_take_i64(rt, k);
        n++;
    }
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(n, 50);
    assert_int_equal(total, 7 * 49 * 50 / 2);
    mor_decref(rt, it);
    t_assert_iter(rt, mor_iter(rt, mor_tuple(rt, 0)), "[]");
    mor_obj *r = mor_range(rt, 3, 12, 4);
    t_assert_iter(rt, mor_iter(rt, r), "[3, 7, 11]");
    mor_decref(rt, r);
    /* not iterable */
    assert_null(mor_iter(rt, one));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not iterable");
    assert_null(mor_next(rt, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "'list' object is not an iterator");
    mor_obj *objs[] = {one, two, x, l, t, s, u, b, d, set};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

static void test_iter_changed_size(void **state)
{
    T_RT;
    mor_obj *d = mor_dict(rt);
    mor_obj *set = mor_set(rt);
    for (int i = 0; i < 4; i++) {
        mor_obj *k = mor_int(rt, i);
        mor_dict_set(rt, d, k, k);
        mor_set_add(rt, set, k);
        mor_decref(rt, k);
    }
    mor_obj *new_key = mor_int(rt, 100);
    mor_obj *(*dict_iters[])(mor_rt *, mor_obj *) = {mor_iter, mor_dict_values, mor_dict_items};
    for (size_t i = 0; i < 3; i++) {
        mor_obj *it = dict_iters[i](rt, d);
        mor_obj *x = mor_next(rt, it);
        assert_non_null(x);
        mor_decref(rt, x);
        if (i % 2 == 0)
            mor_dict_set(rt, d, new_key, new_key);
        else
            mor_dict_del(rt, d, new_key);
        assert_null(mor_next(rt, it));
        t_expect_exc(rt, MOR_EXC_RUNTIME, "dictionary changed size during iteration");
        mor_decref(rt, it);
    }
    mor_obj *it = mor_iter(rt, set);
    mor_decref(rt, mor_next(rt, it));
    mor_set_add(rt, set, new_key);
    assert_null(mor_next(rt, it));
    t_expect_exc(rt, MOR_EXC_RUNTIME, "Set changed size during iteration");
    mor_decref(rt, it);
    /* replacing a value does not change the size */
    it = mor_iter(rt, d);
    mor_decref(rt, mor_next(rt, it));
    mor_dict_set(rt, d, new_key, mor_none(rt));
    mor_obj *x = mor_next(rt, it);
    assert_non_null(x);
    mor_decref(rt, x);
    mor_decref(rt, it);
    mor_decref(rt, new_key);
    mor_decref(rt, d);
    mor_decref(rt, set);
}

/* ---- the lazy tools -------------------------------------------------------------------------- */

static mor_obj *int_list(mor_rt *rt, int n)
{
    mor_obj *l = mor_list(rt, 0);
    for (int i = 0; i < n; i++)
        mor_list_append_steal(rt, l, mor_int(rt, i));
    return l;
}

static void test_tool_map(void **state)
{
    T_RT;
    mor_obj *dbl = mor_func_new(rt, "double", fn_double, NULL);
    mor_obj *l = int_list(rt, 4);
    t_assert_iter(rt, mor_map(rt, dbl, l), "[0, 2, 4, 6]");
    t_assert_iter(rt, mor_map(rt, dbl, mor_tuple(rt, 0)), "[]");
    /* over an infinite generator it is lazy */
    T_PROBE(p);
    mor_obj *inf = count_new(rt, &p, INT64_MAX);
    mor_obj *m = mor_map(rt, dbl, inf);
    t_next_int(rt, m, 0);
    t_next_int(rt, m, 2);
    t_next_int(rt, m, 4);
    assert_int_equal(count_of(inf)->i, 2);
    assert_true(mor_sizeof(m) <= 64);
    t_assert_tracked(m);
    mor_decref(rt, inf);
    mor_decref(rt, m);
    if (!T_BOEHM) /* under Boehm the generator dies at a later collection */
        assert_int_equal(p.cleanups, 1); /* the map held the last reference */
    /* not callable; not iterable; an error from the function */
    assert_null(mor_map(rt, l, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "'list' object is not callable");
    assert_null(mor_map(rt, dbl, dbl));
    t_expect_exc(rt, MOR_EXC_TYPE, "not iterable");
    mor_obj *s = mor_str(rt, "ab");
    mor_obj *five_minus = mor_func_new(rt, "five_minus", fn_five_minus, NULL);
    m = mor_map(rt, five_minus, s);
    assert_null(mor_next(rt, m));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_decref(rt, m);
    mor_decref(rt, five_minus);
    mor_decref(rt, s);
    mor_decref(rt, l);
    mor_decref(rt, dbl);
}

static void test_tool_filter(void **state)
{
    T_RT;
    mor_obj *odd = mor_func_new(rt, "is_odd", fn_is_odd, NULL);
    mor_obj *l = int_list(rt, 7);
    t_assert_iter(rt, mor_filter(rt, odd, l), "[1, 3, 5]");
    t_assert_iter(rt, mor_filterfalse(rt, odd, l), "[0, 2, 4, 6]");
    /* NULL (or None) predicate: truthiness */
    mor_obj *zero = mor_int(rt, 0), *one = mor_int(rt, 1), *es = mor_str(rt, ""),
            *a = mor_str(rt, "a"), *el = mor_list(rt, 0);
    mor_obj *mixed = mor_list(rt, 7, zero, one, es, a, mor_none(rt), el, mor_bool(rt, true));
    t_assert_iter(rt, mor_filter(rt, NULL, mixed), "[1, 'a', True]");
    t_assert_iter(rt, mor_filter(rt, mor_none(rt), mixed), "[1, 'a', True]");
    t_assert_iter(rt, mor_filterfalse(rt, NULL, mixed), "[0, '', None, []]");
    t_assert_iter(rt, mor_filter(rt, NULL, mor_tuple(rt, 0)), "[]");
    /* lazy over an infinite generator */
    mor_obj *inf = count_new(rt, NULL, INT64_MAX);
    mor_obj *f = mor_filter(rt, odd, inf);
    t_next_int(rt, f, 1);
    t_next_int(rt, f, 3);
    assert_int_equal(count_of(inf)->i, 3);
    assert_true(mor_sizeof(f) <= 64);
    mor_decref(rt, f);
    f = mor_filterfalse(rt, odd, inf);
    t_next_int(rt, f, 4);
    assert_true(mor_sizeof(f) <= 64);
    mor_decref(rt, f);
    mor_decref(rt, inf);
    /* errors */
    assert_null(mor_filter(rt, one, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not callable");
    assert_null(mor_filterfalse(rt, one, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not callable");
    assert_null(mor_filter(rt, NULL, one));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not iterable");
    f = mor_filter(rt, odd, mixed);
    t_next_int(rt, f, 1);
    assert_null(mor_next(rt, f)); /* is_odd('') */
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_decref(rt, f);
    mor_obj *objs[] = {zero, one, es, a, el, mixed, l, odd};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

static void test_tool_islice(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    T_PROBE(p);
    mor_obj *inf = count_new(rt, &p, INT64_MAX);
    t_assert_iter(rt, mor_islice(rt, inf, 5, 20, 3), "[5, 8, 11, 14, 17]");
    /* it pulled no more than it needed: 0..17 */
    assert_int_equal(count_of(inf)->i, 17);
    assert_int_equal(mor_gen_get_state(inf), MOR_GEN_SUSPENDED);
    t_next_int(rt, inf, 18);
    /* stop -1: none */
    mor_obj *is = mor_islice(rt, inf, 2, -1, 10);
    t_next_int(rt, is, 21);
    t_next_int(rt, is, 31);
    assert_true(mor_sizeof(is) <= 64);
    mor_decref(rt, is);
    t_assert_iter(rt, mor_islice(rt, inf, 0, 0, 1), "[]");
    t_assert_iter(rt, mor_islice(rt, inf, 0, 3, 1), "[32, 33, 34]");
    mor_decref(rt, inf);
    assert_int_equal(p.cleanups, 1);
    mor_obj *l = int_list(rt, 10);
    t_assert_iter(rt, mor_islice(rt, l, 0, -1, 1), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
    t_assert_iter(rt, mor_islice(rt, l, 7, 100, 2), "[7, 9]");
    t_assert_iter(rt, mor_islice(rt, l, 20, -1, 1), "[]");
    t_assert_iter(rt, mor_islice(rt, l, 5, 2, 1), "[]");
    /* CPython's messages */
    assert_null(mor_islice(rt, l, -1, 5, 1));
    t_expect_exc(rt, MOR_EXC_VALUE,
                 "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.");
    assert_null(mor_islice(rt, l, 0, -2, 1));
    t_expect_exc(rt, MOR_EXC_VALUE,
                 "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.");
    assert_null(mor_islice(rt, l, 0, 5, 0));
    t_expect_exc(rt, MOR_EXC_VALUE, "Step for islice() must be a positive integer or None.");
    assert_null(mor_islice(rt, l, 0, 5, -1));
    t_expect_exc(rt, MOR_EXC_VALUE, "Step for islice() must be a positive integer or None.");
    assert_null(mor_islice(rt, mor_none(rt), 0, 5, 1));
    t_expect_exc(rt, MOR_EXC_TYPE, "'NoneType' object is not iterable");
    mor_decref(rt, l);
}

static void test_tool_chain(void **state)
{
    T_RT;
    t_assert_iter(rt, mor_chain(rt, 0, NULL), "[]");
    mor_obj *l = int_list(rt, 3);
    mor_obj *s = mor_str(rt, "ab");
    mor_obj *empty = mor_tuple(rt, 0);
    mor_obj *g = count_new(rt, NULL, 2);
    mor_obj *parts[] = {l, empty, s, g, empty};
    t_assert_iter(rt, mor_chain(rt, 5, parts), "[0, 1, 2, 'a', 'b', 0, 1]");
    mor_obj *parts2[] = {empty, empty};
    t_assert_iter(rt, mor_chain(rt, 2, parts2), "[]");
    /* lazy: an infinite generator first */
    mor_obj *inf = count_new(rt, NULL, INT64_MAX);
    mor_obj *parts3[] = {inf, l};
    mor_obj *c = mor_chain(rt, 2, parts3);
    t_next_int(rt, c, 0);
    t_next_int(rt, c, 1);
    mor_decref(rt, c);
    mor_decref(rt, inf);
    /* a part that is not iterable fails when it is reached */
    mor_obj *one = mor_int(rt, 1);
    mor_obj *parts4[] = {s, one};
    c = mor_chain(rt, 2, parts4);
    mor_obj *x = mor_next(rt, c);
    t_assert_repr(rt, x, "'a'");
    mor_decref(rt, x);
    mor_decref(rt, mor_next(rt, c));
    assert_null(mor_next(rt, c));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not iterable");
    mor_decref(rt, c);
    mor_obj *objs[] = {one, l, s, empty, g};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

static void test_tool_enumerate_zip(void **state)
{
    T_RT;
    mor_obj *s = mor_str(rt, "abc");
    t_assert_iter(rt, mor_enumerate(rt, s, 0), "[(0, 'a'), (1, 'b'), (2, 'c')]");
    t_assert_iter(rt, mor_enumerate(rt, s, 5), "[(5, 'a'), (6, 'b'), (7, 'c')]");
    t_assert_iter(rt, mor_enumerate(rt, s, -1), "[(-1, 'a'), (0, 'b'), (1, 'c')]");
    t_assert_iter(rt, mor_enumerate(rt, mor_tuple(rt, 0), 3), "[]");
    mor_obj *inf = count_new(rt, NULL, INT64_MAX);
    mor_obj *e = mor_enumerate(rt, inf, 100);
    mor_obj *x = mor_next(rt, e);
    t_assert_repr(rt, x, "(100, 0)");
    mor_decref(rt, x);
    mor_decref(rt, e);
    /* the count goes on past int64, neither wrapping nor failing */
    t_assert_iter(rt, mor_enumerate(rt, s, INT64_MAX),
                  "[(9223372036854775807, 'a'), (9223372036854775808, 'b'), "
                  "(9223372036854775809, 'c')]");

    mor_obj *l = int_list(rt, 5);
    mor_obj *empty = mor_list(rt, 0);
    mor_obj *two[] = {s, l};
    t_assert_iter(rt, mor_zip(rt, 2, two), "[('a', 0), ('b', 1), ('c', 2)]");
    mor_obj *with_empty[] = {inf, empty};
    t_assert_iter(rt, mor_zip(rt, 2, with_empty), "[]");
    mor_obj *with_empty2[] = {empty, inf};
    t_assert_iter(rt, mor_zip(rt, 2, with_empty2), "[]");
    t_assert_iter(rt, mor_zip(rt, 0, NULL), "[]");
    mor_obj *one_in[] = {s};
    t_assert_iter(rt, mor_zip(rt, 1, one_in), "[('a',), ('b',), ('c',)]");
    /* zip of two infinite generators, cut by islice */
    mor_obj *inf2 = count_new(rt, NULL, INT64_MAX);
    mor_obj *infs[] = {inf, inf2};
    mor_obj *z = mor_zip(rt, 2, infs);
    t_assert_iter(rt, mor_islice(rt, z, 0, 2, 1), "[(2, 0), (3, 1)]");
    mor_decref(rt, z);
    mor_obj *bad[] = {s, mor_none(rt)};
    assert_null(mor_zip(rt, 2, bad));
    t_expect_exc(rt, MOR_EXC_TYPE, "'NoneType' object is not iterable");
    mor_obj *objs[] = {inf, inf2, s, l, empty};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

/* A tool holding a generator that holds the tool: a cycle the collector frees. */
static void test_tool_cycle(void **state)
{
    T_RT;
    T_NEEDS_RC("live-object counts (Boehm frees nothing one object at a time)");
    T_PROBE(p);
    mor_obj *dbl = mor_func_new(rt, "double", fn_double, NULL);
    mor_obj *g = plain_new(rt, "holder", holder_step, &p, NULL);
    mor_obj *m = mor_map(rt, dbl, g);
    mor_gen_locals((mor_gen *)g)[0] = m; /* takes the reference */
    mor_decref(rt, g);
    mor_decref(rt, dbl);
    assert_true(mor_rt_live_objects(rt) > 0);
    mor_gc_collect(rt, -1);
    assert_int_equal(p.cleanups, 1);
    assert_int_equal(mor_rt_live_objects(rt), 0);
}

/* ---- range ----------------------------------------------------------------------------------- */

static void test_range(void **state)
{
    T_RT;
    const int64_t big = 1000000000000000000LL; /* 1e18 */
    mor_obj *r = mor_range(rt, 0, big, 1);
    assert_non_null(r);
    assert_true(mor_sizeof(r) <= 48);      /* CPython 3.11: 48 */
    assert_int_equal(mor_len(rt, r), big); /* O(1): nothing is materialized */
    mor_obj *v = mor_int(rt, big - 1);
    assert_int_equal(mor_contains(rt, r, v), 1);
    mor_decref(rt, v);
    v = mor_int(rt, big);
    assert_int_equal(mor_contains(rt, r, v), 0);
    mor_decref(rt, v);
    v = mor_int_from_str(rt, "100000000000000000000000", 10); /* beyond int64 */
    assert_int_equal(mor_contains(rt, r, v), 0);
    mor_decref(rt, v);
    v = mor_float(rt, 7.0); /* by equality, as Python does (on a small range) */
    mor_obj *small = mor_range(rt, 0, 10, 1);
    assert_int_equal(mor_contains(rt, small, v), 1);
    mor_decref(rt, v);
    mor_obj *m1 = mor_int(rt, -1);
    assert_int_equal(t_take_i64(rt, mor_getitem(rt, r, m1)), big - 1);
    mor_obj *k = mor_int(rt, 123456789012345LL);
    assert_int_equal(t_take_i64(rt, mor_getitem(rt, r, k)), 123456789012345LL);
    mor_decref(rt, k);
    k = mor_int(rt, -big - 1);
    assert_null(mor_getitem(rt, r, k));
    t_expect_exc(rt, MOR_EXC_INDEX, "range object index out of range");
    mor_decref(rt, k);
    k = mor_str(rt, "0");
    assert_null(mor_getitem(rt, r, k));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_decref(rt, k);
    t_assert_repr(rt, r, "range(0, 1000000000000000000)");
    /* iteration is lazy too */
    mor_obj *it = mor_iter(rt, r);
    t_next_int(rt, it, 0);
    t_next_int(rt, it, 1);
    mor_decref(rt, it);

    /* slicing gives a range (CPython: range(0, 100, 3)[5:20:2] == range(15, 60, 6)). Its
     * repr differs from CPython's: mor says range(15, 63, 6) (stop = start + count * step),
     * an equal range; so the test compares sequences, not reprs. */
    mor_obj *r3 = mor_range(rt, 0, 100, 3);
    mor_obj *sl = mor_slice(rt, r3, 5, 20, 2);
    assert_non_null(sl);
    assert_string_equal(mor_type_name(sl), "range");
    mor_obj *want = mor_range(rt, 15, 60, 6);
    assert_int_equal(mor_eq(rt, sl, want), 1);
    assert_int_equal(mor_len(rt, sl), 8);
    t_assert_iter(rt, mor_iter(rt, sl), "[15, 21, 27, 33, 39, 45, 51, 57]");
    mor_decref(rt, want);
    mor_decref(rt, sl);
    sl = mor_slice(rt, r, MOR_SLICE_NONE, MOR_SLICE_NONE, -1); /* reversed, still O(1) */
    assert_int_equal(mor_len(rt, sl), big);
    assert_int_equal(t_take_i64(rt, mor_getitem(rt, sl, m1)), 0);
    mor_decref(rt, sl);
    sl = mor_slice(rt, r3, 50, 10, 1);
    assert_int_equal(mor_len(rt, sl), 0);
    mor_decref(rt, sl);
    mor_decref(rt, r3);

    /* a negative step */
    mor_obj *down = mor_range(rt, 10, 0, -3);
    t_assert_iter(rt, mor_iter(rt, down), "[10, 7, 4, 1]");
    assert_int_equal(mor_len(rt, down), 4);
    assert_int_equal(t_take_i64(rt, mor_getitem(rt, down, m1)), 1);
    v = mor_int(rt, 4);
    assert_int_equal(mor_contains(rt, down, v), 1);
    mor_decref(rt, v);
    v = mor_int(rt, 5);
    assert_int_equal(mor_contains(rt, down, v), 0);
    mor_decref(rt, v);
    v = mor_int(rt, 0);
    assert_int_equal(mor_contains(rt, down, v), 0);
    mor_decref(rt, v);
    t_assert_repr(rt, down, "range(10, 0, -3)");
    mor_decref(rt, down);
    /* empty ranges; equality by the sequence */
    mor_obj *e1 = mor_range(rt, 5, 5, 1), *e2 = mor_range(rt, 9, 0, 2);
    assert_int_equal(mor_len(rt, e1), 0);
    assert_int_equal(mor_eq(rt, e1, e2), 1);
    t_assert_iter(rt, mor_iter(rt, e2), "[]");
    mor_decref(rt, e1);
    mor_decref(rt, e2);
    /* near the ends of int64: no overflow */
    mor_obj *top = mor_range(rt, INT64_MAX - 2, INT64_MAX, 1);
    t_assert_iter(rt, mor_iter(rt, top), "[9223372036854775805, 9223372036854775806]");
    mor_decref(rt, top);
    top = mor_range(rt, INT64_MIN, INT64_MAX, INT64_MAX);
    assert_int_equal(mor_len(rt, top), 3);
    mor_decref(rt, top);
    /* step 0; more than INT64_MAX items */
    assert_null(mor_range(rt, 0, 10, 0));
    t_expect_exc(rt, MOR_EXC_VALUE, "range() arg 3 must not be zero");
    assert_null(mor_range(rt, INT64_MIN, INT64_MAX, 1));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, NULL);
    mor_decref(rt, m1);
    mor_decref(rt, small);
    mor_decref(rt, r);
}

/* ---- consumers ------------------------------------------------------------------------------- */

/* squares: yields i*i for i in 0 .. n-1 */
typedef struct squares_state {
    int64_t i, n;
} squares_state;

static mor_obj *squares_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    squares_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i * s->i));
    MOR_GEN_END(g);
}

static void test_sum_exact(void **state)
{
    T_RT;
    /* sum(x*x for x in range(10**7)) in CPython; 10**5 under MOR_QUICK */
    bool quick = getenv("MOR_QUICK") != NULL;
    mor_obj *g = mor_gen_new(rt, "squares", squares_step, 0, sizeof(squares_state));
    ((squares_state *)mor_gen_cstate((mor_gen *)g))->n = quick ? 100000 : 10000000;
    mor_obj *total = mor_sum(rt, g, NULL);
    assert_non_null(total);
    t_assert_repr(rt, total, quick ? "333328333350000" : "333333283333335000000");
    mor_decref(rt, total);
    mor_decref(rt, g);

    /* sums past int64 stay exact: 3 * 2**62, and with negative big ints */
    mor_obj *q = mor_int(rt, INT64_C(1) << 62);
    mor_obj *l = mor_list(rt, 3, q, q, q);
    total = mor_sum(rt, l, NULL);
    t_assert_repr(rt, total, "13835058055282163712");
    mor_obj *neg = mor_neg(rt, total);
    mor_obj *l2 = mor_list(rt, 3, total, neg, q);
    mor_obj *t2 = mor_sum(rt, l2, NULL);
    t_assert_repr(rt, t2, "4611686018427387904");
    mor_obj *objs[] = {t2, l2, neg, total, l, q};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
    /* empty: the start */
    total = mor_sum(rt, mor_tuple(rt, 0), NULL);
    assert_int_equal(t_take_i64(rt, total), 0);
    mor_obj *start = mor_int(rt, 10);
    total = mor_sum(rt, mor_tuple(rt, 0), start);
    assert_int_equal(t_take_i64(rt, total), 10);
    mor_decref(rt, start);
}

/* The double sum as CPython 3.11 computes it: in order, in double precision. */
static void test_sum_floats(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0);
    for (int i = 0; i < 10; i++)
        mor_list_append_steal(rt, l, mor_float(rt, 0.1));
    mor_obj *total = mor_sum(rt, l, NULL);
    double d = 0;
    assert_int_equal(mor_float_to_double(rt, total, &d), 0);
    double want = 0;
    for (int i = 0; i < 10; i++)
        want += 0.1;
    assert_true(d == want); /* 0.9999999999999999 (not Neumaier's 1.0 of CPython 3.12) */
    assert_true(d != 1.0);
    mor_decref(rt, total);
    mor_decref(rt, l);

    /* a float start */
    l = int_list(rt, 4);
    mor_obj *half = mor_float(rt, 0.5);
    total = mor_sum(rt, l, half);
    assert_string_equal(mor_type_name(total), "float");
    assert_int_equal(mor_float_to_double(rt, total, &d), 0);
    assert_true(d == 6.5);
    mor_decref(rt, total);
    mor_decref(rt, half);
    mor_decref(rt, l);

    /* ints then floats then ints: the int prefix exactly, then doubles in order */
    static const double items[] = {1, 2, 0.1, 3, 0.2, 1e16, 1, 1, 0.3, -1e16, 7};
    static const bool is_int[] = {1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1};
    l = mor_list(rt, 0);
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        mor_list_append_steal(rt, l,
                              is_int[i] ? mor_int(rt, (int64_t)items[i]) : mor_float(rt, items[i]));
    want = 3.0; /* 1 + 2 as ints */
    for (size_t i = 2; i < sizeof(items) / sizeof(items[0]); i++)
        want += items[i];
    total = mor_sum(rt, l, NULL);
    assert_int_equal(mor_float_to_double(rt, total, &d), 0);
    assert_true(d == want);
    mor_decref(rt, total);
    mor_decref(rt, l);
    /* a big int and floats */
    mor_obj *bigi = mor_int_from_str(rt, "100000000000000000000", 10);
    half = mor_float(rt, 0.5);
    l = mor_list(rt, 2, bigi, half);
    total = mor_sum(rt, l, NULL);
    assert_int_equal(mor_float_to_double(rt, total, &d), 0);
    assert_true(d == 1e20 + 0.5);
    mor_decref(rt, total);
    mor_decref(rt, l);
    mor_decref(rt, half);
    mor_decref(rt, bigi);
}

static void test_sum_errors(void **state)
{
    T_RT;
    mor_obj *a = mor_str(rt, "a"), *b = mor_str(rt, "b");
    mor_obj *l = mor_list(rt, 2, a, b);
    assert_null(mor_sum(rt, l, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "unsupported operand");
    mor_obj *es = mor_str(rt, "");
    assert_null(mor_sum(rt, l, es));
    t_expect_exc(rt, MOR_EXC_TYPE, "sum() can't sum strings [use ''.join(seq) instead]");
    mor_obj *eb = mor_bytes(rt, "", 0);
    assert_null(mor_sum(rt, l, eb));
    t_expect_exc(rt, MOR_EXC_TYPE, "sum() can't sum bytes");
    assert_null(mor_sum(rt, a, NULL)); /* over the characters */
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_obj *one = mor_int(rt, 1);
    assert_null(mor_sum(rt, one, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "not iterable");
    /* an error from the generator being summed propagates, the generator is closed */
    T_PROBE(p);
    mor_obj *g = count_new(rt, &p, 10);
    count_of(g)->fail_at = 5;
    assert_null(mor_sum(rt, g, NULL));
    t_expect_exc(rt, MOR_EXC_VALUE, "boom at 5");
    assert_int_equal(p.cleanups, 1);
    mor_decref(rt, g);
    /* a float then a str */
    mor_obj *f = mor_float(rt, 1.5);
    mor_obj *l2 = mor_list(rt, 2, f, a);
    assert_null(mor_sum(rt, l2, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "unsupported operand");
    mor_obj *objs[] = {a, b, l, es, eb, one, f, l2};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

static void test_min_max(void **state)
{
    T_RT;
    mor_obj *g = count_new(rt, NULL, 5);
    assert_int_equal(t_take_i64(rt, mor_min(rt, g)), 0);
    mor_decref(rt, g);
    g = count_new(rt, NULL, 5);
    assert_int_equal(t_take_i64(rt, mor_max(rt, g)), 4);
    mor_decref(rt, g);
    mor_obj *s = mor_str(rt, "hello");
    mor_obj *x = mor_min(rt, s);
    t_assert_repr(rt, x, "'e'");
    mor_decref(rt, x);
    x = mor_max(rt, s);
    t_assert_repr(rt, x, "'o'");
    mor_decref(rt, x);
    /* the first of equal items wins */
    mor_obj *a = mor_float(rt, 1.0), *b = mor_int(rt, 1);
    mor_obj *l = mor_list(rt, 2, a, b);
    x = mor_min(rt, l);
    assert_ptr_equal(x, a);
    mor_decref(rt, x);
    x = mor_max(rt, l);
    assert_ptr_equal(x, a);
    mor_decref(rt, x);
    /* empty */
    g = count_new(rt, NULL, 0);
    assert_null(mor_min(rt, g));
    t_expect_exc(rt, MOR_EXC_VALUE, "min() arg is an empty sequence");
    mor_decref(rt, g);
    assert_null(mor_max(rt, mor_tuple(rt, 0)));
    t_expect_exc(rt, MOR_EXC_VALUE, "max() arg is an empty sequence");
    /* uncomparable */
    mor_obj *l2 = mor_list(rt, 2, b, s);
    assert_null(mor_max(rt, l2));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_obj *objs[] = {s, a, b, l, l2};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

static void test_any_all(void **state)
{
    T_RT;
    /* they stop early on an infinite generator */
    mor_obj *inf = count_new(rt, NULL, INT64_MAX);
    assert_int_equal(mor_any(rt, inf), 1); /* 0 is false, 1 true */
    assert_int_equal(count_of(inf)->i, 1);
    assert_int_equal(mor_gen_get_state(inf), MOR_GEN_SUSPENDED);
    mor_decref(rt, inf);
    inf = count_new(rt, NULL, INT64_MAX);
    mor_obj *fm = mor_func_new(rt, "five_minus", fn_five_minus, NULL);
    mor_obj *m = mor_map(rt, fm, inf); /* 5, 4, 3, 2, 1, 0, -1, ... */
    assert_int_equal(mor_all(rt, m), 0);
    assert_int_equal(count_of(inf)->i, 5);
    mor_decref(rt, m);
    mor_decref(rt, inf);
    mor_decref(rt, fm);
    /* empty */
    assert_int_equal(mor_any(rt, mor_tuple(rt, 0)), 0);
    assert_int_equal(mor_all(rt, mor_tuple(rt, 0)), 1);
    mor_obj *g = count_new(rt, NULL, 0);
    assert_int_equal(mor_all(rt, g), 1);
    mor_decref(rt, g);
    /* finite */
    g = count_new(rt, NULL, 1); /* [0] */
    assert_int_equal(mor_any(rt, g), 0);
    mor_decref(rt, g);
    mor_obj *s = mor_str(rt, "xyz");
    assert_int_equal(mor_all(rt, s), 1);
    /* errors */
    T_PROBE(p);
    g = count_new(rt, &p, 10);
    count_of(g)->fail_at = 0;
    assert_int_equal(mor_any(rt, g), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "boom at 0");
    mor_decref(rt, g);
    assert_int_equal(mor_all(rt, mor_none(rt)), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "not iterable");
    mor_decref(rt, s);
}

/* strs: yields "w0", "w1", ... "w<n-1>" */
static mor_obj *words_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    squares_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_str_fmt(rt, "w%lld", (long long)s->i));
    MOR_GEN_END(g);
}

static void test_collect_from_generators(void **state)
{
    T_RT;
    mor_obj *g = count_new(rt, NULL, 4);
    mor_obj *l = mor_list_from(rt, g);
    t_assert_repr(rt, l, "[0, 1, 2, 3]");
    mor_decref(rt, l);
    mor_decref(rt, g);
    /* a set: 0..9 mod 3 */
    mor_obj *three = mor_int(rt, 3);
    g = count_new(rt, NULL, 10);
    mor_obj *mods = mor_list(rt, 0);
    mor_obj *x;
    while ((x = mor_next(rt, g)) != NULL) {
        mor_list_append_steal(rt, mods, mor_mod(rt, x, three));
        mor_decref(rt, x);
    }
    mor_decref(rt, g);
    mor_obj *s = mor_set_from(rt, mods);
    assert_int_equal(mor_len(rt, s), 3);
    assert_int_equal(mor_contains(rt, s, three), 0);
    mor_decref(rt, s);
    mor_decref(rt, mods);
    g = count_new(rt, NULL, 6);
    s = mor_set_from(rt, g);
    assert_int_equal(mor_len(rt, s), 6);
    assert_int_equal(mor_contains(rt, s, three), 1);
    mor_decref(rt, s);
    mor_decref(rt, g);
    mor_decref(rt, three);
    /* join */
    g = mor_gen_new(rt, "words", words_step, 0, sizeof(squares_state));
    ((squares_state *)mor_gen_cstate((mor_gen *)g))->n = 4;
    mor_obj *sep = mor_str(rt, ", ");
    mor_obj *j = mor_str_join(rt, sep, g);
    t_assert_repr(rt, j, "'w0, w1, w2, w3'");
    mor_decref(rt, j);
    mor_decref(rt, g);
    g = mor_gen_new(rt, "words", words_step, 0, sizeof(squares_state));
    j = mor_str_join(rt, sep, g);
    t_assert_repr(rt, j, "''");
    mor_decref(rt, j);
    mor_decref(rt, g);
    /* a non-str item */
    g = count_new(rt, NULL, 2);
    assert_null(mor_str_join(rt, sep, g));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_decref(rt, g);
    /* errors from the generator propagate */
    g = count_new(rt, NULL, 5);
    count_of(g)->fail_at = 3;
    assert_null(mor_list_from(rt, g));
    t_expect_exc(rt, MOR_EXC_VALUE, "boom at 3");
    mor_decref(rt, g);
    g = count_new(rt, NULL, 5);
    count_of(g)->fail_at = 3;
    assert_null(mor_set_from(rt, g));
    t_expect_exc(rt, MOR_EXC_VALUE, "boom at 3");
    mor_decref(rt, g);
    mor_decref(rt, sep);
}

/* ---- mor_file_lines -------------------------------------------------------------------------- */

/* A private temporary directory for the file tests. */
static char t_tmpdir[512];

static int t_tmpdir_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    snprintf(t_tmpdir, sizeof(t_tmpdir), "%s/mor_test_iter_XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(t_tmpdir) == NULL)
        return -1;
    return t_setup(state);
}

static int t_tmpdir_teardown(void **state)
{
    rmdir(t_tmpdir); /* each test removes its files */
    return t_teardown(state);
}

#define T_FILE_TEST(f) cmocka_unit_test_setup_teardown(f, t_tmpdir_setup, t_tmpdir_teardown)

static void t_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", t_tmpdir, name);
}

static void t_write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_file_lines_basic(void **state)
{
    T_RT;
    char path[600];
    t_path(path, sizeof(path), "basic.txt");
    const char text[] = "one\ntwo\n\nthree\nlast without newline";
    t_write_file(path, text, sizeof(text) - 1);
    mor_obj *g = mor_file_lines(rt, path);
    assert_non_null(g);
    assert_true(mor_is_gen(g));
    t_assert_iter(rt, g, "['one\\n', 'two\\n', '\\n', 'three\\n', 'last without newline']");
    /* empty file; one empty line */
    t_write_file(path, "", 0);
    t_assert_iter(rt, mor_file_lines(rt, path), "[]");
    t_write_file(path, "\n", 1);
    t_assert_iter(rt, mor_file_lines(rt, path), "['\\n']");
    t_write_file(path, "x", 1);
    t_assert_iter(rt, mor_file_lines(rt, path), "['x']");
    /* UTF-8 text */
    t_write_file(path, "h\xc3\xa9\n", 4);
    g = mor_file_lines(rt, path);
    mor_obj *line = mor_next(rt, g);
    assert_int_equal(mor_str_length(line), 3);
    mor_decref(rt, line);
    mor_decref(rt, g);
    assert_int_equal(unlink(path), 0);
}

static void test_file_lines_missing(void **state)
{
    T_RT;
    char path[600];
    t_path(path, sizeof(path), "no-such-file.txt");
    assert_null(mor_file_lines(rt, path));
    assert_int_equal(mor_err_kind(rt), MOR_EXC_OS);
    assert_non_null(strstr(mor_err_message(rt), path));
    t_expect_exc(rt, MOR_EXC_OS, "No such file or directory");
    /* a directory cannot be read as lines: the error comes at the first read */
    mor_obj *g = mor_file_lines(rt, t_tmpdir);
    if (g != NULL) {
        assert_null(mor_next(rt, g));
        t_expect_exc(rt, MOR_EXC_OS, t_tmpdir);
        mor_decref(rt, g);
    } else {
        t_expect_exc(rt, MOR_EXC_OS, t_tmpdir);
    }
    assert_null(mor_file_lines(rt, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
}

static void test_file_lines_long_line(void **state)
{
    T_RT;
    char path[600];
    t_path(path, sizeof(path), "long.txt");
    /* a 200,000-byte line spanning several read chunks, between short ones, and a
     * line ending exactly at a chunk boundary */
    size_t big = 200000, n = 0;
    char *buf = malloc(big + 65536 + 64);
    assert_non_null(buf);
    memcpy(buf + n, "short\n", 6);
    n += 6;
    memset(buf + n, 'x', big);
    n += big;
    buf[n++] = '\n';
    size_t fill = 65536 * 4 - n - 1; /* the next line ends at byte 4 * 65536 */
    memset(buf + n, 'y', fill);
    n += fill;
    buf[n++] = '\n';
    memcpy(buf + n, "tail", 4);
    n += 4;
    t_write_file(path, buf, n);
    mor_obj *g = mor_file_lines(rt, path);
    assert_non_null(g);
    mor_obj *l1 = mor_next(rt, g), *l2 = mor_next(rt, g), *l3 = mor_next(rt, g),
            *l4 = mor_next(rt, g);
    assert_non_null(l4);
    t_next_end(rt, g);
    t_assert_repr(rt, l1, "'short\\n'");
    size_t len = 0;
    const char *p = mor_str_utf8(l2, &len);
    assert_int_equal(len, big + 1);
    assert_true(p[0] == 'x' && p[big - 1] == 'x' && p[big] == '\n');
    p = mor_str_utf8(l3, &len);
    assert_int_equal(len, fill + 1);
    assert_true(p[0] == 'y' && p[fill] == '\n');
    t_assert_repr(rt, l4, "'tail'");
    mor_obj *ls[] = {l1, l2, l3, l4, g};
    for (size_t i = 0; i < 5; i++)
        mor_decref(rt, ls[i]);
    free(buf);
    assert_int_equal(unlink(path), 0);
}

static void test_file_lines_close_early(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    char path[600];
    t_path(path, sizeof(path), "close.txt");
    t_write_file(path, "a\nb\nc\n", 6);
    for (int way = 0; way < 4; way++) {
        int fd = t_next_fd();
        mor_obj *g = mor_file_lines(rt, path);
        assert_non_null(g);
        assert_true(t_fd_open(fd)); /* opened at once */
        if (way > 0) {
            mor_obj *line = mor_next(rt, g);
            t_assert_repr(rt, line, "'a\\n'");
            mor_decref(rt, line);
        }
        switch (way) {
        case 0: /* closed before it started */
        case 1: /* closed after one line */
            assert_int_equal(mor_gen_close(rt, g), 0);
            assert_false(t_fd_open(fd));
            mor_decref(rt, g);
            break;
        case 2: /* dropped after one line */
            mor_decref(rt, g);
            assert_false(t_fd_open(fd));
            break;
        case 3: /* read to the end */
            mor_decref(rt, mor_next(rt, g));
            mor_decref(rt, mor_next(rt, g));
            assert_true(t_fd_open(fd));
            t_next_end(rt, g);
            assert_false(t_fd_open(fd));
            mor_decref(rt, g);
            break;
        }
        assert_false(t_fd_open(fd));
    }
    /* dropped before it started */
    int fd = t_next_fd();
    mor_obj *g = mor_file_lines(rt, path);
    assert_true(t_fd_open(fd));
    mor_decref(rt, g);
    assert_false(t_fd_open(fd));
    assert_int_equal(unlink(path), 0);
}

/* ---- the pipeline: lines -> keep even numbers -> square -> sum, in bounded memory ----------- */

static mor_obj *fn_line_is_even(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    const char *s = mor_str_utf8(args[0], NULL);
    if (s == NULL)
        return NULL;
    return mor_newref(mor_bool(rt, strtoll(s, NULL, 10) % 2 == 0));
}

static mor_obj *fn_line_square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    const char *s = mor_str_utf8(args[0], NULL);
    if (s == NULL)
        return NULL;
    int64_t v = strtoll(s, NULL, 10);
    return mor_int(rt, v * v);
}

/* The i-th value of the file: spread over -1e6 .. 1e6, negatives included. */
static int64_t pipeline_value(int64_t i) { return (i * 2654435761LL) % 2000001 - 1000000; }

/* Writes an n-line file, runs the pipeline over it in a fresh runtime, checks the
 * result against the same sum in C, and returns how far the allocator's peak rose
 * above the live bytes before the pipeline was built. */
static uint64_t pipeline_run(const char *path, int64_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    int64_t want = 0; /* |v| <= 1e6: squares <= 1e12, n <= 1e6 of them: fits */
    for (int64_t i = 0; i < n; i++) {
        int64_t v = pipeline_value(i);
        fprintf(f, "%lld\n", (long long)v);
        if (v % 2 == 0)
            want += v * v;
    }
    assert_int_equal(fclose(f), 0);

    mor_rt *rt = t_rt_new();
    mor_obj *even = mor_func_new(rt, "line_is_even", fn_line_is_even, NULL);
    mor_obj *square = mor_func_new(rt, "line_square", fn_line_square, NULL);
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    uint64_t live_before = st.live_bytes;
    mor_obj *lines = mor_file_lines(rt, path);
    assert_non_null(lines);
    mor_obj *kept = mor_filter(rt, even, lines);
    mor_obj *squares = mor_map(rt, square, kept);
    mor_obj *total = mor_sum(rt, squares, NULL);
    assert_non_null(total);
    mor_alloc_get_stats(rt, &st);
    uint64_t growth = st.peak_bytes - live_before;
    assert_int_equal(t_take_i64(rt, total), want);
    mor_obj *objs[] = {squares, kept, lines, square, even};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_rt_free(rt);
    assert_int_equal(unlink(path), 0);
    return growth;
}

static void test_pipeline_bounded_memory(void **state)
{
    T_NEEDS_RC("per-block allocator statistics and pools (Boehm owns the heap)");
    (void)state;
    char path[600];
    t_path(path, sizeof(path), "numbers.txt");
    int64_t big = t_scale(1000000), small = t_scale(100000);
    uint64_t g_big = pipeline_run(path, big);
    uint64_t g_small = pipeline_run(path, small);
    print_message("pipeline peak growth: %llu bytes over %lld lines, %llu bytes over %lld lines\n",
                  (unsigned long long)g_big, (long long)big, (unsigned long long)g_small,
                  (long long)small);
    /* Less than 64 KiB of growth, whatever the size of the file: mor_file_lines
     * reads through a 32 KiB chunk, plus the few objects in flight. */
    uint64_t diff = g_big > g_small ? g_big - g_small : g_small - g_big;
    assert_true(diff < 4096);
    assert_true(g_big < 65536);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_gen_new),
        T_TEST(test_gen_size),
        T_TEST(test_gen_iterate),
        T_TEST(test_gen_two_yields_one_line),
        T_TEST(test_gen_locals_and_send),
        T_TEST(test_gen_failed_yield_expression),
        T_TEST(test_gen_cleanup_on_complete),
        T_TEST(test_gen_cleanup_on_raise),
        T_TEST(test_gen_cleanup_on_close),
        T_TEST(test_gen_cleanup_on_drop),
        T_TEST(test_gen_cleanup_on_drop_unstarted),
        T_TEST(test_gen_cleanup_raises),
        T_TEST(test_gen_yield_in_cleanup),
        T_TEST(test_hc45_reentrancy),
        T_TEST(test_hc46_send_to_new_generator),
        T_TEST(test_hc47_exhaustion),
        T_TEST(test_hc48_pep479),
        T_TEST(test_hc49_close_created),
        T_TEST(test_hc50_close_suspended),
        T_TEST(test_hc51_ignored_generator_exit),
        T_TEST(test_hc52_close_raises),
        T_TEST(test_hc53_throw),
        T_TEST(test_hc54_finalize_at_refcount_death),
        T_TEST(test_hc55_ill_behaved_at_death),
        T_TEST(test_hc56_self_cycle_collected),
        T_TEST(test_hc57_cleanup_escape),
        T_TEST(test_hc58_close_releases_locals),
        T_TEST(test_hc59_delegation),
        T_TEST(test_iter_builtins),
        T_TEST(test_iter_changed_size),
        T_TEST(test_tool_map),
        T_TEST(test_tool_filter),
        T_TEST(test_tool_islice),
        T_TEST(test_tool_chain),
        T_TEST(test_tool_enumerate_zip),
        T_TEST(test_tool_cycle),
        T_TEST(test_range),
        T_TEST(test_sum_exact),
        T_TEST(test_sum_floats),
        T_TEST(test_sum_errors),
        T_TEST(test_min_max),
        T_TEST(test_any_all),
        T_TEST(test_collect_from_generators),
        T_FILE_TEST(test_file_lines_basic),
        T_FILE_TEST(test_file_lines_missing),
        T_FILE_TEST(test_file_lines_long_line),
        T_FILE_TEST(test_file_lines_close_early),
        T_FILE_TEST(test_pipeline_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
