/* tests/testutil.h: shared helpers of the cmocka test programs. Every test gets
 * a fresh runtime; its teardown fails the test if any object is still alive
 * after a last collection (and mor_rt_free prints them), so a leak anywhere
 * fails the suite. Runtimes a test makes itself abort on a leak. */
#ifndef MOR_TESTUTIL_H
#define MOR_TESTUTIL_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* An unraisable hook that remembers the last report. */
typedef struct unraisable_log {
    int n;
    mor_exc kind;
    char msg[128];
    char where[64];
} unraisable_log;

static __attribute__((unused)) void log_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    unraisable_log *log = ud;
    log->n++;
    log->kind = mor_exc_kind(exc);
    snprintf(log->msg, sizeof(log->msg), "%s", mor_exc_message(exc));
    snprintf(log->where, sizeof(log->where), "%s", where ? where : "");
}

/* ---- a forked child whose stderr comes back -------------------------------------------- */

/* In a coverage build (MOR_COVERAGE), a child that aborts writes its counts
 * first, so that the fatal paths it ran count as covered. */
#ifdef MOR_COVERAGE
extern void __gcov_dump(void);
#endif

static __attribute__((unused)) void t_child_on_abort(int sig)
{
#ifdef MOR_COVERAGE
    __gcov_dump();
#endif
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Run body(arg) in a forked child that then exits with 0; return what it
 * wrote to stderr (malloc'd, for free) and, in *status, how it ended
 * (waitpid's status: WIFSIGNALED for an abort). */
static __attribute__((unused)) char *t_run_child(void (*body)(void *), void *arg, int *status)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        signal(SIGABRT, t_child_on_abort);
        body(arg);
        _exit(0);
    }
    close(fds[1]);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    ssize_t got;
    while ((got = read(fds[0], out + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 512) {
            out = realloc(out, cap *= 2);
            assert_non_null(out);
        }
    }
    out[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, status, 0), pid);
    return out;
}

/* Run fn(arg) in a thread with a 256 KiB stack and wait for it: freeing deep
 * structures there shows that nothing recurses without bound. */
static __attribute__((unused)) void t_run_small_stack(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    assert_int_equal(pthread_create(&th, &attr, fn, arg), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
}

/* [[[...[]...]]], depth lists deep. */
static __attribute__((unused)) mor_obj *t_deep_list(mor_rt *rt, int depth)
{
    mor_obj *l = mor_list(rt, 0);
    for (int i = 0; i < depth; i++) {
        mor_obj *outer = mor_list(rt, 0);
        assert_int_equal(mor_list_append_steal(rt, outer, l), 0);
        l = outer;
    }
    return l;
}

#endif
