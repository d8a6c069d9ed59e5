/* tests/test_both_weak.c: weak references, the intern table, buffers, gc
 * callbacks and threads, checked against both memory managers where
 * libmor-boehm used to go wrong: a shared weakref or interned string handed out
 * again between the collection that found it unreachable and the drain of the
 * queue, callbacks of weakrefs dying with their target, exports and weak
 * dictionary iterations never given back (Boehm runs no dealloc), gc callbacks
 * raising or collecting, a runtime freed by a thread that did not make it, a
 * failed mor_weakref leaving a finalizer on a freed block. What is asserted
 * holds under reference counting as well.
 *
 * As in test_both.c, garbage is made in noinline helpers and the stack is
 * scrubbed before collecting; under Boehm a few objects may be kept by a
 * stray word (t_min_dead). t_boehm_gcollect stands for one of Boehm's
 * automatic collections (those an allocation triggers, between two of mor's
 * safe points): under refcounting there is none. */
#include <pthread.h>
#include <stdio.h>

#include "testutil.h"

#ifdef MOR_BACKEND_BOEHM
#define GC_THREADS             /* GC_thread_is_registered */
#define GC_NO_THREAD_REDIRECTS /* plain pthread_create: the runtime registers its threads */
#include <gc.h>
#define t_boehm_gcollect() GC_gcollect()
#else
#define t_boehm_gcollect() ((void)0)
#endif

/* ---- helpers ------------------------------------------------------------------------------ */

/* Collect until nothing more dies (4 rounds: what only the runtime's weak
 * tables name leaves them at the second collection under Boehm), scrubbing
 * first. */
static void t_collect(mor_rt *rt)
{
    t_scrub_stack();
    for (int i = 0; i < 4; i++)
        mor_gc_collect(rt, -1);
}

/* How many of `made` objects must be seen dead: all under refcounting; under
 * a conservative collector a few may be kept by a stray word. */
static int t_min_dead(int made) { return T_BOEHM ? made * 9 / 10 : made; }

static int t_len(mor_rt *rt, mor_obj *o)
{
    int64_t n = mor_len(rt, o);
    assert_true(n >= 0);
    return (int)n;
}

/* Item i of a list or tuple (borrowed). */
static mor_obj *t_item(mor_obj *seq, size_t i)
{
    size_t n;
    mor_obj *const *items = mor_seq_items(seq, &n);
    assert_non_null(items);
    assert_true(i < n);
    return items[i];
}

/* Remove and release every item of list l. */
static void t_list_clear(mor_rt *rt, mor_obj *l)
{
    while (t_len(rt, l) > 0) {
        mor_obj *x = mor_list_pop(rt, l, -1);
        assert_non_null(x);
        mor_decref(rt, x);
    }
}

/* Callbacks: append args[0] (the weak reference) to the list given as data. */
static mor_obj *t_log_ref(mor_rt *rt, mor_obj *log, size_t nargs, mor_obj *const *args)
{
    if (mor_list_append(rt, log, nargs > 0 ? args[0] : mor_none(rt)) < 0)
        return NULL;
    return mor_none(rt);
}

static mor_obj *t_class(mor_rt *rt, const char *name)
{
    mor_obj *cls = mor_class_new(rt, name, NULL, MOR_CLASS_DICT);
    assert_non_null(cls);
    return cls;
}

/* "item 0", "item 1", ... in a new list. */
static __attribute__((noinline)) mor_obj *t_build_strings(mor_rt *rt, int n)
{
    mor_obj *l = mor_list(rt, 0);
    if (l == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        mor_obj *s = mor_str_fmt(rt, "item %d", i);
        if (s == NULL || mor_list_append(rt, l, s) < 0) {
            mor_xdecref(rt, s);
            mor_decref(rt, l);
            return NULL;
        }
        mor_decref(rt, s);
    }
    return l;
}

/* How many items of a t_build_strings list are not what they were made as
 * (no cmocka asserts: also called from other threads). */
static int t_count_corrupted(mor_obj *l, int n)
{
    size_t len;
    mor_obj *const *items = mor_seq_items(l, &len);
    if (items == NULL || len != (size_t)n)
        return n;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof(want), "item %d", i);
        const char *got = mor_is_str(items[i]) ? mor_str_utf8(items[i], NULL) : NULL;
        bad += got == NULL || strcmp(got, want) != 0;
    }
    return bad;
}

/* Several rounds of garbage strings, each followed by a full collection. */
static __attribute__((noinline)) void t_churn(mor_rt *rt, int rounds, int n)
{
    for (int r = 0; r < rounds; r++) {
        mor_obj *junk = t_build_strings(rt, n);
        mor_xdecref(rt, junk);
        mor_gc_collect(rt, -1);
    }
}

/* ---- 1. a shared weakref to a live object, dropped and taken again ------------------------ */

/* A shared (callback-less) weakref to t, dropped; its address is returned
 * complemented, so that no stack word keeps it (0: mor_weakref failed). The
 * helpers that drop an object the test wants found dead call no cmocka
 * function while they hold it: a word left behind there is enough for Boehm
 * to keep it, and the test would pass without exercising anything. */
static __attribute__((noinline)) uintptr_t t_weakref_drop(mor_rt *rt, mor_obj *t)
{
    mor_obj *w = mor_weakref(rt, t, NULL);
    if (w == NULL)
        return 0;
    uintptr_t hidden = ~(uintptr_t)w;
    mor_decref(rt, w);
    return hidden;
}

/* Under Boehm: has a collection found an object with a finalizer (here: a
 * weakref or an interned string) unreachable since the last drain? That is
 * the case each of these tests is about. */
static bool t_boehm_found_dead(void)
{
#ifdef MOR_BACKEND_BOEHM
    return GC_should_invoke_finalizers() != 0;
#else
    return false;
#endif
}

/* What a round keeps alive on purpose: in the data segment (which Boehm
 * scans), read back by the test, then cleared. Not in a reused list, whose
 * stale slots would keep the next round's object alive. */
static mor_obj *volatile g_kept;

/* One round: drop the shared weakref to t, let a collection find it
 * unreachable (under Boehm), take it again, drain. Returns whether Boehm did
 * find it unreachable, in *reused whether the same object came back. */
static __attribute__((noinline)) bool t_weakref_round(mor_rt *rt, mor_obj *t, int round,
                                                      bool *reused)
{
    uintptr_t old = t_weakref_drop(rt, t);
    assert_true(old != 0);
    t_scrub_stack();
    t_boehm_gcollect(); /* an automatic collection: its finalizer is ready, not run */
    bool found_dead = t_boehm_found_dead();
    g_kept = mor_weakref(rt, t, NULL); /* the table hands it out again */
    assert_non_null(g_kept);
    *reused = (uintptr_t)g_kept == ~old;
    mor_gc_collect(rt, -1); /* a safe point: the queue drains */
    mor_gc_collect(rt, -1);
    mor_obj *got = mor_weakref_get(rt, g_kept);
    if (got != t)
        fail_msg("round %d: the weakref to a live target gives %s (weakrefs to it: %zu)", round,
                 mor_type_name(got), mor_weakref_count(rt, t));
    mor_decref(rt, got);
    assert_int_equal(mor_weakref_count(rt, t), 1);
    mor_obj *again = mor_weakref(rt, t, NULL); /* still the shared one */
    assert_ptr_equal(again, g_kept);
    mor_decref(rt, again);
    mor_decref(rt, g_kept);
    g_kept = NULL;
    return found_dead;
}

/* Boehm finds the dropped weakref unreachable (an automatic collection), the
 * weakref table hands it out again before the queue drains, and the drain at
 * the next safe point must not detach it: it is in use. Was r1. */
static void test_shared_weakref_taken_again(void **state)
{
    T_RT;
    mor_obj *cls = t_class(rt, "T");
    mor_obj *t = mor_call(rt, cls, 0, NULL);
    assert_non_null(t);
    int rounds = t_scale(60), reused = 0, exercised = 0;
    for (int round = 0; round < rounds; round++) {
        bool r;
        t_scrub_stack(); /* the last round's frame */
        exercised += t_weakref_round(rt, t, round, &r);
        reused += r;
    }
    if (T_BOEHM) { /* else the test proved nothing */
        print_message("Boehm found the dropped weakref unreachable in %d of %d rounds; it was "
                      "handed out again in %d\n",
                      exercised, rounds, reused);
        assert_true(exercised > 0);
    }
    mor_decref(rt, t);
    mor_decref(rt, cls);
}

static __attribute__((noinline)) void t_weakref_keep(mor_rt *rt, mor_obj *t, mor_obj *kept)
{
    mor_obj *w = mor_weakref(rt, t, NULL);
    assert_non_null(w);
    assert_int_equal(mor_list_append(rt, kept, w), 0);
    mor_decref(rt, w);
}

static __attribute__((noinline)) bool t_weakref_probe(mor_rt *rt, mor_obj *t)
{
    mor_obj *w = mor_weakref(rt, t, NULL);
    mor_xdecref(rt, w);
    return w != NULL;
}

static __attribute__((noinline)) void t_garbage_strings(mor_rt *rt, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *s = mor_str_fmt(rt, "garbage %d", i);
        assert_non_null(s);
        mor_decref(rt, s);
    }
}

/* The same with no explicit collection in between: Boehm's own collections,
 * triggered by the allocations, are enough. Was r1b. */
static void test_shared_weakref_automatic_collections(void **state)
{
    T_RT;
    int n = t_scale(300);
    mor_obj *cls = t_class(rt, "T");
    mor_obj *objs = mor_list(rt, 0), *kept = mor_list(rt, 0);
    int exercised = 0;
    for (int i = 0; i < n; i++) {
        mor_obj *t = mor_call(rt, cls, 0, NULL);
        assert_non_null(t);
        assert_int_equal(mor_list_append(rt, objs, t), 0);
        mor_decref(rt, t);
        assert_true(t_weakref_probe(rt, t));
        t_scrub_stack();
        t_garbage_strings(rt, 3000);
        exercised += t_boehm_found_dead();
        t_weakref_keep(rt, t, kept);
    }
    if (T_BOEHM) { /* else the test proved nothing */
        print_message("finalizers waiting for the next safe point (a dropped weakref found "
                      "unreachable by Boehm's own collections) after %d of %d rounds\n",
                      exercised, n);
        assert_true(exercised > 0);
    }
    for (int i = 0; i < 3; i++)
        mor_gc_collect(rt, -1);
    int dead = 0, unshared = 0;
    for (int i = 0; i < n; i++) {
        mor_obj *t = t_item(objs, (size_t)i), *w = t_item(kept, (size_t)i);
        mor_obj *got = mor_weakref_get(rt, w);
        dead += got != t;
        mor_decref(rt, got);
        mor_obj *again = mor_weakref(rt, t, NULL);
        assert_non_null(again);
        unshared += again != w; /* no longer registered as the target's shared weakref */
        mor_decref(rt, again);
    }
    if (dead != 0 || unshared != 0)
        fail_msg("of %d weakrefs to live objects, %d say their target is dead and %d are no longer "
                 "the shared one",
                 n, dead, unshared);
    mor_decref(rt, kept);
    mor_decref(rt, objs);
    mor_decref(rt, cls);
}

/* ---- 2. an interned string dropped, then interned again -------------------------------------- */

static __attribute__((noinline)) bool t_intern_drop(mor_rt *rt, const char *name)
{
    mor_obj *s = mor_str_const(rt, name);
    bool ok = s != NULL && mor_str_is_interned(s);
    mor_xdecref(rt, s);
    return ok;
}

/* One round: drop the interned string, let a collection find it unreachable
 * (under Boehm), look it up again, drain; it must stay the canonical one.
 * Returns whether Boehm did find it unreachable. */
static __attribute__((noinline)) bool t_intern_round(mor_rt *rt, const char *name, int round)
{
    assert_true(t_intern_drop(rt, name));
    t_scrub_stack();
    t_boehm_gcollect(); /* an automatic collection: its finalizer is ready, not run */
    bool found_dead = t_boehm_found_dead();
    g_kept = mor_str_const(rt, name); /* under Boehm: from the table, found dead once */
    assert_non_null(g_kept);
    t_collect(rt); /* the queue drains, then more collections: it is alive */
    mor_obj *a = g_kept;
    assert_true(mor_str_is_interned(a));
    assert_string_equal(mor_str_utf8(a, NULL), name);
    mor_obj *fresh = mor_str(rt, name);
    assert_non_null(fresh);
    assert_false(mor_str_is_interned(fresh));
    assert_ptr_not_equal(fresh, a);
    mor_obj *b = mor_intern(rt, fresh);
    if (b != a)
        fail_msg("round %d: mor_intern of an equal string gives %p, not the interned %p "
                 "(still interned: %d)",
                 round, (void *)b, (void *)a, mor_str_is_interned(a));
    mor_decref(rt, b);
    assert_false(mor_str_is_interned(fresh));
    mor_decref(rt, fresh);
    mor_obj *c = mor_str_const(rt, name);
    assert_ptr_equal(c, a);
    mor_decref(rt, c);
    mor_decref(rt, g_kept);
    g_kept = NULL;
    return found_dead;
}

/* An interned string Boehm found unreachable is handed out again by the
 * table; the drain must leave it there, canonical. Was r11. */
static void test_interned_string_taken_again(void **state)
{
    T_RT;
    static const char name[] = "both_weak_identifier";
    int rounds = t_scale(60), exercised = 0;
    for (int round = 0; round < rounds; round++) {
        t_scrub_stack(); /* the last round's frame */
        exercised += t_intern_round(rt, name, round);
    }
    if (T_BOEHM) { /* else the test proved nothing */
        print_message("Boehm found the dropped string unreachable in %d of %d rounds\n", exercised,
                      rounds);
        assert_true(exercised > 0);
    }
    /* once really dropped, an equal string becomes the canonical one */
    t_collect(rt);
    mor_obj *s = mor_str(rt, name), *c = mor_intern(rt, s);
    assert_non_null(c);
    assert_true(mor_str_is_interned(c));
    assert_string_equal(mor_str_utf8(c, NULL), name);
    mor_obj *d = mor_str_const(rt, name);
    assert_ptr_equal(d, c);
    mor_decref(rt, d);
    mor_decref(rt, c);
    mor_decref(rt, s);
}

/* ---- 3. weakref callbacks -------------------------------------------------------------------- */

/* n targets, each with a weakref with a callback, both dropped. */
static __attribute__((noinline)) void t_die_together(mor_rt *rt, mor_obj *cls, mor_obj *cb, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *t = mor_call(rt, cls, 0, NULL);
        assert_non_null(t);
        mor_obj *w = mor_weakref(rt, t, cb);
        assert_non_null(w);
        mor_decref(rt, w);
        mor_decref(rt, t);
    }
}

/* A weakref that dies together with its target: its callback never runs.
 * Was r3 (b). */
static void test_weakref_dying_with_target_no_callback(void **state)
{
    T_RT;
    int n = 200;
    mor_obj *log = mor_list(rt, 0), *cls = t_class(rt, "T");
    mor_obj *cb = mor_func_new(rt, "cb", t_log_ref, log);
    assert_non_null(cb);
    t_die_together(rt, cls, cb, n);
    t_collect(rt);
    int calls = t_len(rt, log);
    print_message("callbacks of dead weakrefs: %d of %d\n", calls, n);
    /* under Boehm a weakref kept by a stray word is alive: its callback may run */
    assert_true(calls <= n - t_min_dead(n));
    t_list_clear(rt, log);
    mor_decref(rt, cb);
    mor_decref(rt, cls);
    mor_decref(rt, log);
}

/* n targets, each with a weakref with callback `cb` kept in refs, and an older
 * one with callback `dropped_cb` dropped at once; the targets are dropped. */
static __attribute__((noinline)) void t_make_watched(mor_rt *rt, mor_obj *cls, mor_obj *cb,
                                                     mor_obj *dropped_cb, mor_obj *refs, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *t = mor_call(rt, cls, 0, NULL);
        assert_non_null(t);
        mor_obj *old = mor_weakref(rt, t, dropped_cb);
        assert_non_null(old);
        mor_decref(rt, old);
        mor_obj *w = mor_weakref(rt, t, cb);
        assert_non_null(w);
        assert_ptr_not_equal(w, old); /* with a callback: never shared */
        assert_int_equal(mor_list_append(rt, refs, w), 0);
        mor_decref(rt, w);
        mor_decref(rt, t);
    }
}

/* How many times ref appears in log. */
static int t_count_in(mor_obj *log, mor_obj *ref)
{
    size_t n;
    mor_obj *const *items = mor_seq_items(log, &n);
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += items[i] == ref;
    return c;
}

/* A live weakref with a callback to a target that dies: the callback runs
 * once, with the weakref; a dropped older one (which the newer one's link
 * must not keep alive) gets none. */
static void test_weakref_callback_once(void **state)
{
    T_RT;
    int n = 200;
    mor_obj *log = mor_list(rt, 0), *dropped_log = mor_list(rt, 0), *refs = mor_list(rt, 0);
    mor_obj *cls = t_class(rt, "T");
    mor_obj *cb = mor_func_new(rt, "cb", t_log_ref, log);
    mor_obj *dropped_cb = mor_func_new(rt, "dropped_cb", t_log_ref, dropped_log);
    t_make_watched(rt, cls, cb, dropped_cb, refs, n);
    t_collect(rt);
    int dead = 0;
    for (int i = 0; i < n; i++) {
        mor_obj *w = t_item(refs, (size_t)i);
        mor_obj *got = mor_weakref_get(rt, w);
        bool is_dead = got == mor_none(rt);
        mor_decref(rt, got);
        dead += is_dead;
        int calls = t_count_in(log, w);
        if (calls != (is_dead ? 1 : 0))
            fail_msg("weakref %d (target %s): its callback ran %d times", i,
                     is_dead ? "dead" : "alive", calls);
    }
    print_message("%d of %d targets died; callbacks of dropped weakrefs: %d\n", dead, n,
                  t_len(rt, dropped_log));
    assert_true(dead >= t_min_dead(n));
    assert_int_equal(t_len(rt, log), dead);
    assert_true(t_len(rt, dropped_log) <= n - t_min_dead(n));
    t_collect(rt); /* never a second time */
    assert_true(t_len(rt, log) >= dead && t_len(rt, log) <= n);
    for (int i = 0; i < n; i++)
        assert_true(t_count_in(log, t_item(refs, (size_t)i)) <= 1);
    t_list_clear(rt, log);
    t_list_clear(rt, dropped_log);
    mor_decref(rt, refs);
    mor_decref(rt, dropped_cb);
    mor_decref(rt, cb);
    mor_decref(rt, cls);
    mor_decref(rt, dropped_log);
    mor_decref(rt, log);
}

/* ---- 4. a memoryview dropped without mor_memoryview_release ---------------------------------- */

/* A memoryview of ba, which locks its size, dropped (released first when
 * asked). */
static __attribute__((noinline)) void t_view_and_drop(mor_rt *rt, mor_obj *ba, bool release)
{
    mor_obj *mv = mor_memoryview(rt, ba);
    assert_non_null(mv);
    assert_int_equal(mor_buffer_exports(ba), 1);
    assert_int_equal(mor_bytearray_append(rt, ba, 'x'), -1); /* the view holds the size */
    t_expect_exc(rt, MOR_EXC_BUFFER, NULL);
    if (release) {
        assert_int_equal(mor_memoryview_release(rt, mv), 0);
        assert_int_equal(mor_buffer_exports(ba), 0);
    }
    mor_decref(rt, mv);
}

/* The view's export goes back when it dies, released or not, and only once.
 * Was r5. */
static void test_memoryview_dropped_unreleased(void **state)
{
    T_RT;
    enum { N = 20 };
    mor_obj *bas = mor_list(rt, 0);
    for (int i = 0; i < N; i++) {
        mor_obj *ba = mor_bytearray(rt, "abc", 3);
        assert_non_null(ba);
        assert_int_equal(mor_list_append(rt, bas, ba), 0);
        mor_decref(rt, ba);
        t_view_and_drop(rt, ba, i % 2 == 1);
    }
    t_collect(rt);
    int unreleased = 0, freed = 0;
    for (int i = 0; i < N; i++) {
        mor_obj *ba = t_item(bas, (size_t)i);
        int64_t exports = mor_buffer_exports(ba);
        if (i % 2 == 1) { /* released: given back once, not again when the view died */
            assert_int_equal(exports, 0);
        } else {
            unreleased++;
            assert_true(exports == 0 || (T_BOEHM && exports == 1)); /* 1: a stray word */
            if (exports != 0)
                continue;
            freed++;
        }
        assert_int_equal(mor_bytearray_append(rt, ba, 'd'), 0);
        size_t n;
        const uint8_t *p = mor_bytearray_data(ba, &n);
        assert_int_equal(n, 4);
        assert_memory_equal(p, "abcd", 4);
    }
    print_message("%d of %d unreleased views gave their export back\n", freed, unreleased);
    assert_true(freed >= t_min_dead(unreleased));
    mor_decref(rt, bas);
}

/* ---- 5. a weak dictionary iterator dropped before the end ---------------------------------- */

static __attribute__((noinline)) void t_fill_weak(mor_rt *rt, mor_obj *d, mor_obj *cls,
                                                  mor_obj *vals, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *k = mor_int(rt, i), *v = mor_call(rt, cls, 0, NULL);
        assert_non_null(v);
        assert_int_equal(mor_setitem(rt, d, k, v), 0);
        assert_int_equal(mor_list_append(rt, vals, v), 0);
        mor_decref(rt, v);
        mor_decref(rt, k);
    }
}

/* The first key only, then the loop "breaks". */
static __attribute__((noinline)) void t_peek(mor_rt *rt, mor_obj *d)
{
    mor_obj *it = mor_iter(rt, d);
    assert_non_null(it);
    mor_obj *k = mor_next(rt, it);
    assert_non_null(k);
    mor_decref(rt, k);
    mor_decref(rt, it);
}

/* Entries held by the dictionary's internal containers (its referents: the
 * data dict, and the list of removals waiting for an iteration to end). */
static int t_weak_dict_internal_entries(mor_rt *rt, mor_obj *d)
{
    mor_obj *refs = mor_gc_get_referents(rt, d);
    assert_non_null(refs);
    int n = 0;
    for (int i = 0; i < t_len(rt, refs); i++) {
        mor_obj *r = t_item(refs, (size_t)i);
        if (mor_is_dict(r) || mor_is_list(r))
            n += t_len(rt, r);
    }
    mor_decref(rt, refs);
    return n;
}

/* Once the iterator is dropped, dead values leave the dictionary: none stays
 * waiting for an iteration that never ends. Was r13. */
static void test_weak_dict_iterator_dropped(void **state)
{
    T_RT;
    int n = 200;
    mor_obj *cls = t_class(rt, "V");
    mor_obj *d = mor_weak_value_dict(rt), *vals = mor_list(rt, 0);
    assert_non_null(d);
    t_fill_weak(rt, d, cls, vals, n);
    assert_int_equal(t_weak_dict_internal_entries(rt, d), n);
    t_peek(rt, d);
    t_collect(rt);
    t_list_clear(rt, vals); /* every value dies */
    t_collect(rt);
    int len = t_len(rt, d), held = t_weak_dict_internal_entries(rt, d);
    print_message("after the values died: len %d, entries held inside %d\n", len, held);
    assert_true(len <= n - t_min_dead(n));
    assert_true(held <= n - t_min_dead(n));
    /* new live values under the first keys: counted, and only them */
    int fresh = 10;
    t_fill_weak(rt, d, cls, vals, fresh);
    len = t_len(rt, d);
    assert_true(len >= fresh && len <= fresh + (n - t_min_dead(n)));
    mor_obj *k0 = mor_int(rt, 0);
    assert_int_equal(mor_contains(rt, d, k0), 1);
    mor_decref(rt, k0);
    /* and a full iteration still sees every live entry */
    mor_obj *it = mor_iter(rt, d);
    assert_non_null(it);
    int seen = 0;
    for (mor_obj *k; (k = mor_next(rt, it)) != NULL; seen++)
        mor_decref(rt, k);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    mor_decref(rt, it);
    assert_int_equal(seen, len);
    mor_decref(rt, vals);
    mor_decref(rt, d);
    mor_decref(rt, cls);
}

/* ---- 6. gc callbacks that raise or collect -------------------------------------------------- */

typedef struct cb_probe {
    int calls;
} cb_probe;

static void raising_gc_cb(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)info;
    ((cb_probe *)ud)->calls++;
    mor_raise(rt, MOR_EXC_VALUE, "raised in a gc callback");
}

/* A gc callback's exception goes to the unraisable hook: none is pending
 * after mor_gc_collect, and one the caller had pending survives. Was r12 (a). */
static void test_gc_callback_raises(void **state)
{
    T_RT;
    unraisable_log ul = {0};
    cb_probe p = {0};
    mor_set_unraisable_hook(rt, log_unraisable, &ul);
    int id = mor_gc_add_callback(rt, raising_gc_cb, &p);
    assert_true(id >= 0);
    assert_true(mor_gc_collect(rt, -1) >= 0);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(p.calls, 2); /* START and STOP */
    assert_int_equal(ul.n, p.calls);
    assert_int_equal(ul.kind, MOR_EXC_VALUE);
    assert_string_equal(ul.msg, "raised in a gc callback");
    assert_non_null(strstr(ul.where, "gc callback"));
    /* the caller's own pending exception is set aside and comes back */
    mor_raise(rt, MOR_EXC_KEY, "pending");
    mor_gc_collect(rt, -1);
    assert_int_equal(p.calls, 4);
    assert_int_equal(ul.n, 4);
    t_expect_exc(rt, MOR_EXC_KEY, "pending");
    assert_int_equal(mor_gc_remove_callback(rt, id), 0);
    mor_gc_collect(rt, -1);
    assert_int_equal(p.calls, 4);
    assert_int_equal(ul.n, 4);
    mor_set_unraisable_hook(rt, NULL, NULL);
}

typedef struct nested_probe {
    int depth, max_depth, starts, stops, nested_calls;
    int64_t nested_nonzero; /* nested mor_gc_collect calls that did not return 0 */
} nested_probe;

static void collecting_gc_cb(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    nested_probe *p = ud;
    if (info->phase == MOR_GC_START)
        p->starts++;
    else
        p->stops++;
    if (++p->depth > p->max_depth)
        p->max_depth = p->depth;
    if (p->depth < 4) { /* bounded, should it recurse */
        p->nested_calls++;
        p->nested_nonzero += mor_gc_collect(rt, -1) != 0;
        p->nested_nonzero += mor_gc_collect(rt, 0) != 0;
    }
    p->depth--;
}

/* A callback asking for a collection from inside one gets 0: no recursion, at
 * the START or the STOP. Was r12 (b). */
static void test_gc_callback_collects(void **state)
{
    T_RT;
    nested_probe p = {0};
    int id = mor_gc_add_callback(rt, collecting_gc_cb, &p);
    assert_true(id >= 0);
    mor_gc_collect(rt, -1);
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(p.max_depth, 1);
    assert_int_equal(p.starts, 1);
    assert_int_equal(p.stops, 1);
    assert_int_equal(p.nested_calls, 2);
    assert_int_equal(p.nested_nonzero, 0);
    assert_int_equal(mor_gc_remove_callback(rt, id), 0);
}

/* ---- 7. threads ------------------------------------------------------------------------------ */

enum { T_THREAD_STRINGS = 10000 };

/* No cmocka asserts in the threads: the results go back to the main thread. */
typedef struct rt_job {
    int made;       /* runtimes made */
    int registered; /* under Boehm: still registered after freeing the first runtime */
    int corrupted;  /* items of the kept list not as made */
    mor_rt *rt;     /* a runtime handed over to the main thread */
    volatile int ready, stop;
} rt_job;

static mor_rt *t_thread_rt_new(void)
{
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_ABORT;
    return mor_rt_new(&c);
}

static void *two_runtimes_thread(void *arg)
{
    rt_job *job = arg;
    mor_rt *a = t_thread_rt_new();
    mor_rt *b = t_thread_rt_new();
    job->made = (a != NULL) + (b != NULL);
    if (a == NULL || b == NULL) {
        if (a != NULL)
            mor_rt_free(a);
        if (b != NULL)
            mor_rt_free(b);
        return NULL;
    }
    mor_rt_free(a);
#ifdef MOR_BACKEND_BOEHM
    job->registered = GC_thread_is_registered();
#endif
    mor_obj *l = t_build_strings(b, T_THREAD_STRINGS); /* only this thread's stack holds it */
    if (l == NULL) {
        job->corrupted = -1;
        mor_err_clear(b);
    } else {
        t_scrub_stack();
        t_churn(b, t_scale(10), T_THREAD_STRINGS);
        job->corrupted = t_count_corrupted(l, T_THREAD_STRINGS);
        mor_decref(b, l);
    }
    mor_rt_free(b);
    return NULL;
}

/* Two runtimes made in one (non-main) thread: freeing the first leaves the
 * second working there (the thread stays known to the collector). Was r6. */
static void test_two_runtimes_one_thread(void **state)
{
    T_RT; /* main has a runtime, as in an embedder: Boehm was set up from main */
    (void)rt;
    rt_job job = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, two_runtimes_thread, &job), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(job.made, 2);
    if (T_BOEHM)
        assert_int_equal(job.registered, 1);
    assert_int_equal(job.corrupted, 0);
}

static void *make_runtime_thread(void *arg)
{
    rt_job *job = arg;
    job->rt = t_thread_rt_new();
    job->made = job->rt != NULL;
    return NULL;
}

static void *make_runtime_and_wait_thread(void *arg)
{
    rt_job *job = arg;
    job->rt = t_thread_rt_new();
    job->made = job->rt != NULL;
    __atomic_store_n(&job->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&job->stop, __ATOMIC_ACQUIRE))
        usleep(1000);
    return NULL;
}

/* libmor's mimalloc backend gives each runtime mimalloc heaps of the thread
 * that made it, which only that thread may use or destroy: there mor_rt_free
 * from another thread is a fatal error that says so (core.h). */
static bool t_foreign_free_is_fatal(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    return strcmp(st.backend, "mimalloc") == 0;
}

/* The body of a child: a worker makes a runtime and exits, the main thread
 * frees it. */
static void foreign_free_child(void *arg)
{
    (void)arg;
    rt_job job = {0};
    pthread_t th;
    if (pthread_create(&th, NULL, make_runtime_thread, &job) != 0 ||
        pthread_join(th, NULL) != 0 || !job.made)
        _exit(3);
    mor_rt_free(job.rt);
}

/* The child must abort with mor_fatal's message. */
static void t_expect_foreign_free_fatal(void)
{
    int status = 0;
    char *out = t_run_child(foreign_free_child, NULL, &status);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
        strstr(out, "must be freed by the thread that made it") == NULL)
        fail_msg("expected mor_rt_free from another thread to abort naming the rule; the child "
                 "%s %d and said:\n%s", WIFSIGNALED(status) ? "died of signal" : "exited with",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), out);
    free(out);
}

/* Main's runtime still works after main freed another thread's runtime. */
static void t_main_still_works(mor_rt *rt)
{
#ifdef MOR_BACKEND_BOEHM
    assert_int_equal(GC_thread_is_registered(), 1);
#endif
    mor_obj *l = t_build_strings(rt, T_THREAD_STRINGS); /* only this stack holds it */
    assert_non_null(l);
    t_scrub_stack();
    t_churn(rt, t_scale(10), T_THREAD_STRINGS);
    assert_int_equal(t_count_corrupted(l, T_THREAD_STRINGS), 0);
    mor_decref(rt, l);
}

/* A runtime made in a worker and freed by the main thread after the join.
 * Was r8. */
static void test_runtime_freed_by_other_thread(void **state)
{
    T_RT;
    if (t_foreign_free_is_fatal(rt)) {
        t_expect_foreign_free_fatal();
        return;
    }
    rt_job job = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, make_runtime_thread, &job), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(job.made, 1);
    mor_rt_free(job.rt);
    t_main_still_works(rt);
}

/* The same, freed while the worker still runs. Was r8b. */
static void test_runtime_freed_while_maker_runs(void **state)
{
    T_RT;
    if (t_foreign_free_is_fatal(rt)) /* the rule is checked by the test above */
        skip();
    rt_job job = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, make_runtime_and_wait_thread, &job), 0);
    while (!__atomic_load_n(&job.ready, __ATOMIC_ACQUIRE))
        usleep(1000);
    assert_int_equal(job.made, 1);
    mor_rt_free(job.rt);
    t_main_still_works(rt);
    __atomic_store_n(&job.stop, 1, __ATOMIC_RELEASE);
    assert_int_equal(pthread_join(th, NULL), 0);
}

/* ---- 8. mor_weakref failing for memory ------------------------------------------------------ */

/* n 3-tuples of None into keep: blocks of the weakref's size, which reuse
 * what the failed mor_weakref freed. */
static __attribute__((noinline)) void t_fill_tuples(mor_rt *rt, mor_obj *keep, int n)
{
    for (int i = 0; i < n; i++) {
        mor_obj *t = mor_tuple(rt, 3, mor_none(rt), mor_none(rt), mor_none(rt));
        assert_non_null(t);
        assert_int_equal(mor_list_append(rt, keep, t), 0);
        mor_decref(rt, t);
    }
}

static int t_count_bad_tuples(mor_rt *rt, mor_obj *keep)
{
    size_t n;
    mor_obj *const *items = mor_seq_items(keep, &n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        mor_obj *const *it = mor_is_tuple(items[i]) ? mor_seq_items(items[i], &m) : NULL;
        bad += it == NULL || m != 3 || it[0] != mor_none(rt) || it[1] != mor_none(rt) ||
               it[2] != mor_none(rt);
    }
    return bad;
}

/* Each allocation of mor_weakref failing in turn: a MemoryError, nothing
 * left behind that later corrupts the memory handed out again (a finalizer
 * on the freed block), and then it works. Was r9. */
static void test_weakref_out_of_memory(void **state)
{
    T_RT;
    mor_obj *cls = t_class(rt, "T");
    mor_obj *t = mor_call(rt, cls, 0, NULL), *keep = mor_list(rt, 0);
    assert_non_null(t);
    int failures = 0, tuples = t_scale(2000);
    mor_obj *w = NULL;
    for (uint64_t nth = 1; nth <= 10 && w == NULL; nth++) {
        mor_alloc_fail_after(rt, nth);
        w = mor_weakref(rt, t, NULL);
        mor_alloc_fail_after(rt, 0);
        if (w != NULL)
            break;
        failures++;
        t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
        assert_int_equal(mor_weakref_count(rt, t), 0);
        t_scrub_stack();
        t_boehm_gcollect(); /* finds the freed block: it must have no finalizer */
        mor_gc_disable(rt);
        t_fill_tuples(rt, keep, tuples);
        mor_gc_collect(rt, -1); /* the drain */
        mor_gc_enable(rt);
        for (int i = 0; i < 3; i++)
            mor_gc_collect(rt, -1);
        int bad = t_count_bad_tuples(rt, keep);
        if (bad != 0)
            fail_msg("after failing allocation %d of mor_weakref: %d of %d tuples corrupted",
                     (int)nth, bad, tuples);
        t_list_clear(rt, keep);
    }
    print_message("mor_weakref failed %d times before it succeeded\n", failures);
    assert_true(failures >= 1);
    assert_non_null(w);
    assert_int_equal(mor_weakref_count(rt, t), 1);
    mor_obj *got = mor_weakref_get(rt, w);
    assert_ptr_equal(got, t);
    mor_decref(rt, got);
    /* and the objects made after it stay intact */
    t_fill_tuples(rt, keep, tuples);
    t_collect(rt);
    assert_int_equal(t_count_bad_tuples(rt, keep), 0);
    mor_decref(rt, keep);
    mor_decref(rt, w);
    mor_decref(rt, t);
    mor_decref(rt, cls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_shared_weakref_taken_again),
        T_TEST(test_shared_weakref_automatic_collections),
        T_TEST(test_interned_string_taken_again),
        T_TEST(test_weakref_dying_with_target_no_callback),
        T_TEST(test_weakref_callback_once),
        T_TEST(test_memoryview_dropped_unreleased),
        T_TEST(test_weak_dict_iterator_dropped),
        T_TEST(test_gc_callback_raises),
        T_TEST(test_gc_callback_collects),
        T_TEST(test_two_runtimes_one_thread),
        T_TEST(test_runtime_freed_by_other_thread),
        T_TEST(test_runtime_freed_while_maker_runs),
        T_TEST(test_weakref_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
