/* demos/tour_objects.c: sections 1 to 12 of the tour (demos/tour.c): what objects cost and
 * how to spend less: sizes, the int cache, interning, references and copies, containers,
 * generators and lazy pipelines, string building, slots, arrays and views. */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mor.h"
#include "tour.h"
#include "tour_work.h"

/* ---- generators used by several sections --------------------------------------------------- */

typedef struct count_state {
    int64_t i, n;
} count_state;

/* (x * x for x in range(n)) */
static mor_obj *squares_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    count_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    for (s->i = 0; s->i < s->n; s->i++)
        MOR_GEN_YIELD(g, mor_int(rt, s->i * s->i));
    MOR_GEN_END(g);
}

static mor_obj *squares_gen(tour *t, int64_t n)
{
    mor_obj *g = OK(mor_gen_new(t->rt, "squares", squares_step, 0, sizeof(count_state)));
    ((count_state *)mor_gen_cstate((mor_gen *)g))->n = n;
    return g;
}

/* ==== 1. sizes ============================================================================== */

void sec_sizes(tour *t)
{
    mor_rt *rt = t->rt;
    char text[501];
    memset(text, 'x', 500);
    text[500] = '\0';
    mor_obj *i42 = OK(mor_int(rt, 42)), *i1000 = OK(mor_int(rt, 1000));
    mor_obj *f = OK(mor_float(rt, 1.5)), *s2 = OK(mor_str(rt, "hi"));
    mor_obj *s500 = OK(mor_str(rt, text));
    mor_obj *l1000 = range_list(t, 0, 1000), *l10k = range_list(t, 0, 10000);
    mor_obj *set10k = OK(mor_set_from(rt, l10k));
    mor_obj *tup5 = OK(mor_tuple(rt, 5, i42, i1000, f, s2, s500));
    mor_obj *list5 = OK(mor_list(rt, 5, i42, i1000, f, s2, s500));
    struct {
        const char *what;
        mor_obj *o; /* an owned reference */
        int64_t cpython; /* getsizeof in CPython 3.11; 0: no figure */
        const char *cpython_text;
    } rows[] = {
        {"int 42", mor_newref(i42), 28, NULL},
        {"int 1000", mor_newref(i1000), 28, NULL},
        {"float 1.5", mor_newref(f), 24, NULL},
        {"bool True", mor_bool(rt, true), 28, NULL},
        {"None", mor_none(rt), 16, NULL},
        {"str 'hi'", mor_newref(s2), 51, NULL},
        {"str of 500 ASCII chars", mor_newref(s500), 549, NULL},
        {"list []", OK(mor_list(rt, 0)), 56, NULL},
        {"list of 3 items", OK(mor_list(rt, 3, i42, f, s2)), 88, NULL},
        {"list(range(1000))", mor_newref(l1000), 8056, NULL},
        {"tuple of 5 items", mor_newref(tup5), 80, NULL},
        {"list of 5 items", mor_newref(list5), 104, NULL},
        {"list(range(10000))", mor_newref(l10k), 0, NULL},
        {"set(range(10000))", mor_newref(set10k), 524504, NULL},
        {"a generator", squares_gen(t, 10), 176, "176 (def) / 200 (genexpr)"},
    };
    size_t nrows = sizeof(rows) / sizeof(rows[0]);

    tour_table tb;
    tt_begin(&tb, "lrr", "object", "mor_sizeof", CPY " getsizeof");
    bool all_at_most = true;
    for (size_t i = 0; i < nrows; i++) {
        int64_t sz = (int64_t)mor_sizeof(rows[i].o);
        const char *cpy = rows[i].cpython_text ? rows[i].cpython_text
                          : rows[i].cpython   ? tnum(rows[i].cpython)
                                              : "-";
        tt_row(&tb, rows[i].what, tnum(sz), cpy);
        if (rows[i].cpython != 0 && sz > rows[i].cpython)
            all_at_most = false;
    }
    tt_print(&tb);
    tour_claim(t, all_at_most, "every mor size above is at most CPython 3.11's");
    tour_claim(t, mor_sizeof(tup5) < mor_sizeof(list5),
               "a tuple of 5 (%zu B) is smaller than a list of 5 (%zu B)", mor_sizeof(tup5),
               mor_sizeof(list5));
    tour_claim(t, mor_sizeof(set10k) > mor_sizeof(l10k),
               "a set of 10,000 (%s) costs more than a list of 10,000 (%s): it is a hash table",
               tsize((int64_t)mor_sizeof(set10k)), tsize((int64_t)mor_sizeof(l10k)));

    /* shallow vs deep: the same list, and two lists whose items differ in size */
    int64_t items = 0, mortal = 0;
    for (size_t i = 0; i < seq_len(l1000); i++) {
        if (!mor_is_immortal(item(l1000, i))) {
            items += (int64_t)mor_sizeof(item(l1000, i));
            mortal++;
        }
    }
    int64_t deep = OKI(mor_deep_sizeof(rt, l1000));
    mor_obj *short3 = OK(mor_list(rt, 3, s2, s2, s2)), *long3 = OK(mor_list(rt, 3, s500, s2, s2));
    printf("\n");
    tt_begin(&tb, "lrr", "same object", "shallow", "deep");
    tt_row(&tb, "list(range(1000))", tnum((int64_t)mor_sizeof(l1000)), tnum(deep));
    tt_row(&tb, "['hi', 'hi', 'hi']", tnum((int64_t)mor_sizeof(short3)),
           tnum(OKI(mor_deep_sizeof(rt, short3))));
    tt_row(&tb, "['x' * 500, 'hi', 'hi']", tnum((int64_t)mor_sizeof(long3)),
           tnum(OKI(mor_deep_sizeof(rt, long3))));
    tt_print(&tb);
    tour_say("(deep sizes leave out immortal objects: None, the small ints 0..256 of the list)");
    tour_claim(t, deep == (int64_t)mor_sizeof(l1000) + items,
               "deep size of list(range(1000)) = its shallow size + its %s mortal ints' sizes",
               tnum(mortal));
    tour_claim(t, mor_sizeof(short3) == mor_sizeof(long3),
               "a list's shallow size does not change when its items grow");
    tour_lesson(t, "sizes are shallow: a container counts its header and its array of references, "
                   "never the objects they point to; ask for the deep size to know what it holds.");
    for (size_t i = 0; i < nrows; i++)
        mor_decref(rt, rows[i].o);
    mor_decref(rt, short3), mor_decref(rt, long3), mor_decref(rt, l1000), mor_decref(rt, l10k);
    mor_decref(rt, set10k), mor_decref(rt, tup5), mor_decref(rt, list5);
    mor_decref(rt, i42), mor_decref(rt, i1000), mor_decref(rt, f);
    mor_decref(rt, s2), mor_decref(rt, s500);
}

/* ==== 2. small-ints ========================================================================= */

/* Which v in [from, to] give one shared object when asked for twice: the lowest and highest
 * such v and how many there are. -1 with an exception. */
static int scan_int_cache(mor_rt *rt, int64_t from, int64_t to, int64_t *lo, int64_t *hi,
                          int64_t *count)
{
    *lo = INT64_MAX, *hi = INT64_MIN, *count = 0;
    for (int64_t v = from; v <= to; v++) {
        mor_obj *a = mor_int(rt, v), *b = mor_int(rt, v);
        if (a == NULL || b == NULL) {
            mor_xdecref(rt, a), mor_xdecref(rt, b);
            return -1;
        }
        if (a == b) {
            *lo = v < *lo ? v : *lo;
            *hi = v > *hi ? v : *hi;
            ++*count;
        }
        mor_decref(rt, a), mor_decref(rt, b);
    }
    return 0;
}

/* Traced bytes of building [i % modulo for i in range(n)] in rt; *fresh: the items that are
 * objects of their own (outside the cache), *int_size: the size of one of them. -1 on error. */
static int64_t small_values_bytes(mor_rt *rt, int64_t n, int64_t modulo, int64_t *fresh,
                                  int64_t *int_size)
{
    size_t cur0, cur1, peak;
    if (mor_trace_start(rt, 1) < 0)
        return -1;
    mor_trace_get_memory(rt, &cur0, &peak);
    mor_obj *l = mor_list(rt, 0);
    for (int64_t i = 0; l != NULL && i < n; i++) {
        if (mor_list_append_steal(rt, l, mor_int(rt, i % modulo)) < 0) {
            mor_decref(rt, l);
            l = NULL;
        }
    }
    mor_trace_get_memory(rt, &cur1, &peak);
    mor_trace_stop(rt);
    if (l == NULL)
        return -1;
    *fresh = 0;
    for (size_t i = 0; i < seq_len(l); i++) {
        if (!mor_is_immortal(item(l, i))) {
            ++*fresh;
            *int_size = (int64_t)mor_sizeof(item(l, i));
        }
    }
    mor_decref(rt, l);
    return (int64_t)(cur1 - cur0);
}

void sec_small_ints(tour *t)
{
    mor_rt *rt = t->rt;
    int64_t lo, hi, count;
    OKI(scan_int_cache(rt, -1000, 1000, &lo, &hi, &count));
    mor_obj *i255 = OK(mor_int(rt, 255)), *i256 = OK(mor_int(rt, 256)), *one = OK(mor_int(rt, 1));
    mor_obj *i257 = OK(mor_int(rt, 257));
    mor_obj *sum256 = OK(mor_add(rt, i255, one)), *sum257 = OK(mor_add(rt, i256, one));
    bool add_cached = sum256 == i256, add_fresh = sum257 != i257;

    mor_config cfg;
    mor_config_init(&cfg);
    cfg.small_int_min = -128, cfg.small_int_max = 1023;
    mor_rt *wide = mor_rt_new(&cfg);
    if (wide == NULL)
        tour_fail(t, "mor_rt_new with a small-int range of -128..1023 failed");
    int64_t wlo, whi, wcount;
    int rc = scan_int_cache(wide, -1000, 2000, &wlo, &whi, &wcount);

    int64_t n = t->quick ? MILLION / 20 : MILLION, fresh = 0, wfresh = 0, int_size = 0, wsize = 0;
    int64_t bytes = rc < 0 ? -1 : small_values_bytes(rt, n, 1000, &fresh, &int_size);
    int64_t wbytes = bytes < 0 ? -1 : small_values_bytes(wide, n, 1000, &wfresh, &wsize);
    mor_rt_free(wide);
    if (rc < 0 || bytes < 0 || wbytes < 0)
        tour_fail(t, "measuring the int caches failed");

    tour_table tb;
    tt_begin(&tb, "lrrr", "runtime", "ints shared when equal", "values", CPY);
    tt_row(&tb, "default", tfmt("%lld..%lld", (long long)lo, (long long)hi), tnum(count),
           "-5..256 (262 values)");
    tt_row(&tb, "small_int_min/max = -128..1023", tfmt("%lld..%lld", (long long)wlo, (long long)whi),
           tnum(wcount), "-");
    tt_print(&tb);
    tour_say("255 + 1 is 256: %s;  256 + 1 is 257: %s (" CPY ": True; False)", yes(add_cached),
             yes(!add_fresh));
    printf("\n");
    tt_begin(&tb, "lrrr", tfmt("[i %% 1000 for i in range(%s)]", tnum(n)), "int objects made",
             "traced bytes", "");
    tt_row(&tb, "default cache (-5..256)", tnum(fresh), tsize(bytes), "");
    tt_row(&tb, "wider cache (-128..1023)", tnum(wfresh), tsize(wbytes),
           tfmt("saves %s", tsize(bytes - wbytes)));
    tt_print(&tb);
    tour_claim(t, lo == -5 && hi == 256 && count == hi - lo + 1,
               "the default cache is exactly -5..256, as in CPython 3.11");
    tour_claim(t, wlo == -128 && whi == 1023 && wcount == whi - wlo + 1,
               "the configured runtime moves the boundary to -128..1023");
    tour_claim(t, add_cached && add_fresh, "arithmetic results go through the same cache");
    tour_claim(t, bytes - wbytes == (fresh - wfresh) * int_size,
               "the wider cache saves exactly one %lld-byte int per value that was outside the "
               "default range (%s)",
               (long long)int_size, tsize((fresh - wfresh) * int_size));
    tour_lesson(t, "`is` on ints tells you about a cache, not about values: equal ints are the "
                   "same object only inside the cached range; compare numbers with ==.");
    mor_decref(rt, i255), mor_decref(rt, i256), mor_decref(rt, one), mor_decref(rt, i257);
    mor_decref(rt, sum256), mor_decref(rt, sum257);
}

/* ==== 3. interning ============================================================================ */

void sec_interning(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *a = OK(mor_str_const(rt, "hello_world")), *b = OK(mor_str_const(rt, "hello_world"));
    mor_obj *c = OK(mor_str_const(rt, "hello world")), *d = OK(mor_str_const(rt, "hello world"));
    mor_obj *built = OK(mor_str_fmt(rt, "%s_%s", "hello", "world"));
    mor_obj *canon = OK(mor_intern(rt, built));
    tour_table tb;
    tt_begin(&tb, "lrr", "expression", "mor", CPY);
    tt_row(&tb, "'hello_world' is 'hello_world' (constants)", yes(a == b), "True");
    tt_row(&tb, "'hello world' is 'hello world' (constants)", yes(c == d), "False");
    tt_row(&tb, "'hello' + '_' + 'world' is 'hello_world'", yes(built == a), "False");
    tt_row(&tb, "intern('hello' + '_' + 'world') is 'hello_world'", yes(canon == a), "True");
    tt_print(&tb);
    tour_claim(t, a == b && mor_str_is_interned(a), "identifier-like constants are shared");
    tour_claim(t, c != d, "a constant with a space is not interned: two objects");
    tour_claim(t, built != a && canon == a, "mor_intern makes a runtime string the shared one");

    /* 5,000 words made at run time, 3,000 of them equal to the target */
    const int nwords = 5000, rounds = t->quick ? 10 : 200;
    mor_obj *target = OK(mor_str_fmt(rt, "%s", "needle_in_a_haystack"));
    mor_obj *words = OK(mor_list(rt, 0));
    for (int i = 0; i < nwords; i++) {
        mor_obj *w = i % 5 < 3 ? mor_str_fmt(rt, "needle_in_a_%s", "haystack")
                               : mor_str_fmt(rt, "needle_in_a_hays%04d", i);
        OKI(mor_list_append_steal(rt, words, OK(w)));
    }
    int64_t by_eq = 0, by_id_raw = 0, by_id = 0;
    uint64_t t0 = tour_now_ns();
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < nwords; i++)
            by_eq += OKI(mor_eq(rt, item(words, (size_t)i), target));
    uint64_t eq_ns = tour_now_ns() - t0;
    for (int i = 0; i < nwords; i++)
        by_id_raw += item(words, (size_t)i) == target;
    mor_obj *interned = OK(mor_list(rt, 0));
    for (int i = 0; i < nwords; i++)
        OKI(mor_list_append_steal(rt, interned, OK(mor_intern(rt, item(words, (size_t)i)))));
    mor_obj *itarget = OK(mor_intern(rt, target));
    t0 = tour_now_ns();
    for (int r = 0; r < rounds; r++) {
        mor_obj *const *w = mor_seq_items(interned, NULL);
        for (int i = 0; i < nwords; i++)
            by_id += *(mor_obj *volatile *)&w[i] == itarget;
    }
    uint64_t id_ns = tour_now_ns() - t0;
    by_eq /= rounds, by_id /= rounds;
    int64_t deep_words = OKI(mor_deep_sizeof(rt, words));
    int64_t deep_interned = OKI(mor_deep_sizeof(rt, interned));
    printf("\n");
    tt_begin(&tb, "lrrr", "match 5,000 words against the target", "matches", "per comparison",
             "list's deep size");
    double per = (double)nwords * rounds;
    tt_row(&tb, "word == target (equality)", tnum(by_eq), tfmt("%.1f ns", (double)eq_ns / per),
           tsize(deep_words));
    tt_row(&tb, "word is target, not interned", tnum(by_id_raw), "-", "");
    tt_row(&tb, "word is target, both interned", tnum(by_id), tfmt("%.1f ns", (double)id_ns / per),
           tsize(deep_interned));
    tt_print(&tb);
    tour_claim(t, by_eq == 3000 && by_id == 3000 && by_id_raw == 0,
               "3,000 matches by equality and by identity after interning; none by identity "
               "before");
    tour_claim(t, deep_interned < deep_words,
               "interning shrinks the word list (%s -> %s): 3,000 equal strings became one",
               tsize(deep_words), tsize(deep_interned));
    tour_lesson(t, "interning trades one table lookup per string for pointer comparisons and "
                   "shared storage; only constants that look like identifiers are interned for you.");
    mor_decref(rt, itarget), mor_decref(rt, interned), mor_decref(rt, words);
    mor_decref(rt, target), mor_decref(rt, canon), mor_decref(rt, built);
    mor_decref(rt, a), mor_decref(rt, b), mor_decref(rt, c), mor_decref(rt, d);
}

/* ==== 4. references-and-copies ================================================================= */

/* The mutable containers (lists, dicts, sets) reachable from o. */
typedef struct objset {
    mor_obj *o[64];
    size_t n;
} objset;

static bool objset_has(const objset *s, const mor_obj *o)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->o[i] == o)
            return true;
    return false;
}

static void collect_mutables(tour *t, mor_obj *o, objset *s)
{
    bool mutable = mor_is_list(o) || mor_is_dict(o) || mor_is_set(o);
    if (mutable) {
        if (objset_has(s, o) || s->n == sizeof(s->o) / sizeof(s->o[0]))
            return;
        s->o[s->n++] = o;
    }
    if (!mutable && !mor_is_tuple(o))
        return;
    mor_obj *refs = OK(mor_gc_get_referents(t->rt, o));
    for (size_t i = 0; i < seq_len(refs); i++)
        collect_mutables(t, item(refs, i), s);
    mor_decref(t->rt, refs);
}

void sec_references(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *n1 = OK(mor_int(rt, 1)), *n2 = OK(mor_int(rt, 2)), *n3 = OK(mor_int(rt, 3));
    mor_obj *n4 = OK(mor_int(rt, 4)), *big = OK(mor_int(rt, 1000)), *k = OK(mor_str_const(rt, "k"));
    mor_obj *in0 = OK(mor_list(rt, 2, n1, n2)), *in1 = OK(mor_list(rt, 2, n3, n4));
    mor_obj *in5 = OK(mor_list(rt, 1, n4)), *d = OK(mor_dict(rt));
    OKI(mor_dict_set(rt, d, k, in5));
    mor_obj *tup = OK(mor_tuple(rt, 2, big, in5));
    mor_obj *a = OK(mor_list(rt, 4, in0, in1, d, tup));
    tour_say("a = %s", trepr(t, a));

    mor_obj *b = mor_newref(a); /* b = a */
    OKI(mor_list_append(rt, b, n1));
    size_t len_a = seq_len(a), refs_a = mor_refcount(a);
    bool alias = b == a && len_a == 5 && refs_a == 2;
    mor_decref(rt, OK(mor_list_pop(rt, b, -1)));

    mor_obj *s = OK(mor_copy(rt, a)); /* shallow */
    bool s_shares = s != a;
    for (size_t i = 0; i < seq_len(a); i++)
        s_shares = s_shares && item(s, i) == item(a, i);
    OKI(mor_list_append(rt, item(s, 0), big));
    char a0_after_s[64], a0_after_d[64];
    snprintf(a0_after_s, sizeof(a0_after_s), "%s", trepr(t, item(a, 0)));

    mor_obj *dc = OK(mor_deepcopy(rt, a)); /* deep */
    OKI(mor_list_append(rt, item(dc, 0), n3));
    snprintf(a0_after_d, sizeof(a0_after_d), "%s", trepr(t, item(a, 0)));
    objset ma = {.n = 0}, md = {.n = 0};
    collect_mutables(t, a, &ma);
    collect_mutables(t, dc, &md);
    size_t shared = 0;
    for (size_t i = 0; i < md.n; i++)
        shared += objset_has(&ma, md.o[i]);
    bool atom_shared = item(item(dc, 3), 0) == big;

    mor_obj *l1 = OK(mor_list(rt, 3, n1, n2, n3)), *l2 = OK(mor_list(rt, 3, n1, n2, n3));
    int equal = (int)OKI(mor_eq(rt, l1, l2));

    tour_table tb;
    tt_begin(&tb, "ll", "step", "what it shows");
    tt_row(&tb, "b = a; b.append(1); b.pop()",
           tfmt("b is a: %s, len(a) was %zu, refcount(a) was %zu", yes(b == a), len_a, refs_a));
    tt_row(&tb, "s = copy.copy(a)", tfmt("s is a: %s; s[i] is a[i] for all i: %s", yes(s == a),
                                         yes(s_shares)));
    tt_row(&tb, "s[0].append(1000)", tfmt("a[0] is now %s", a0_after_s));
    tt_row(&tb, "d = copy.deepcopy(a)",
           tfmt("d[0] is a[0]: %s; mutable objects shared: %zu of %zu", yes(item(dc, 0) == item(a, 0)),
                shared, md.n));
    tt_row(&tb, "d[0].append(3)", tfmt("a[0] is still %s", a0_after_d));
    tt_row(&tb, "d[3][0] is a[3][0] (the int 1000)", yes(atom_shared));
    tt_row(&tb, "x = [1, 2, 3]; y = [1, 2, 3]", tfmt("x == y: %s, x is y: %s", yes(equal), yes(l1 == l2)));
    tt_print(&tb);
    tour_claim(t, alias, "assignment shares one object: a change through b shows through a");
    tour_claim(t, s != a && s_shares && strcmp(a0_after_s, "[1, 2, 1000]") == 0,
               "a shallow copy is a new list sharing the nested ones: s[0].append shows in a[0]");
    tour_claim(t, shared == 0 && md.n == ma.n && strcmp(a0_after_d, a0_after_s) == 0 && atom_shared,
               "a deep copy shares none of the %zu mutable objects, only immutable atoms", ma.n);
    tour_claim(t, equal && l1 != l2, "two equal lists are never the same object");
    tour_lesson(t, "names are references: `=` never copies; copy.copy copies one level, "
                   "copy.deepcopy every mutable level; `==` compares values, `is` identity.");
    mor_decref(rt, l1), mor_decref(rt, l2), mor_decref(rt, dc), mor_decref(rt, s);
    mor_decref(rt, b), mor_decref(rt, a), mor_decref(rt, tup), mor_decref(rt, d);
    mor_decref(rt, in5), mor_decref(rt, in1), mor_decref(rt, in0), mor_decref(rt, k);
    mor_decref(rt, big), mor_decref(rt, n4), mor_decref(rt, n3), mor_decref(rt, n2);
    mor_decref(rt, n1);
}

/* ==== 5. containers ============================================================================ */

/* class Key: a slot instance holding v, whose __eq__ counts its calls */
static int64_t key_eq_calls;

static mor_obj *key_eq(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    key_eq_calls++;
    mor_obj *a = mor_getattr(rt, args[0], "v");
    mor_obj *b = a != NULL ? mor_getattr(rt, args[1], "v") : NULL;
    if (b == NULL) {
        mor_xdecref(rt, a);
        if (mor_err_kind(rt) != MOR_EXC_ATTRIBUTE)
            return NULL;
        mor_err_clear(rt);
        return mor_newref(mor_not_implemented(rt));
    }
    int eq = mor_eq(rt, a, b);
    mor_decref(rt, a), mor_decref(rt, b);
    return eq < 0 ? NULL : mor_bool(rt, eq);
}

static mor_obj *key_hash(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    return mor_getattr(rt, args[0], "v");
}

static mor_obj *key_class(tour *t)
{
    static const char *const fields[] = {"v", NULL};
    mor_obj *cls = OK(mor_class_new(t->rt, "Key", fields, MOR_CLASS_SLOTS));
    mor_obj *eq = func(t, "__eq__", key_eq, NULL), *hash = func(t, "__hash__", key_hash, NULL);
    OKI(mor_class_set_attr(t->rt, cls, "__eq__", eq));
    OKI(mor_class_set_attr(t->rt, cls, "__hash__", hash));
    mor_decref(t->rt, eq), mor_decref(t->rt, hash);
    return cls;
}

static mor_obj *new_key(tour *t, mor_obj *cls, int64_t v)
{
    mor_obj *x = OK(mor_int(t->rt, v));
    mor_obj *k = mor_call(t->rt, cls, 1, &x);
    mor_decref(t->rt, x);
    return OK(k);
}

typedef struct lookup_run {
    int64_t found, eq_calls;
    uint64_t ns;
} lookup_run;

/* Look every probe up in c with mor_contains. */
static lookup_run lookups(tour *t, mor_obj *c, mor_obj *probes)
{
    lookup_run r = {0, 0, 0};
    key_eq_calls = 0;
    uint64_t t0 = tour_now_ns();
    for (size_t i = 0; i < seq_len(probes); i++)
        r.found += OKI(mor_contains(t->rt, c, item(probes, i)));
    r.ns = tour_now_ns() - t0;
    r.eq_calls = key_eq_calls;
    return r;
}

void sec_containers(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *x = OK(mor_int(rt, 1000));
    mor_obj *tup = OK(mor_tuple(rt, 5, x, x, x, x, x)), *lst = OK(mor_list(rt, 5, x, x, x, x, x));
    mor_obj *grown = OK(mor_list(rt, 0));
    for (int i = 0; i < 5; i++)
        OKI(mor_list_append(rt, grown, x));
    tour_table tb;
    tt_begin(&tb, "lrr", "5 items", "mor_sizeof", CPY);
    tt_row(&tb, "tuple", tnum((int64_t)mor_sizeof(tup)), "80");
    tt_row(&tb, "list (built at once)", tnum((int64_t)mor_sizeof(lst)), "104");
    tt_row(&tb, "list (5 appends: over-allocated)", tnum((int64_t)mor_sizeof(grown)), "-");
    tt_print(&tb);
    tour_claim(t, mor_sizeof(tup) < mor_sizeof(lst) && mor_sizeof(lst) <= mor_sizeof(grown),
               "a tuple is smaller than a list of the same items, and a list grown by appends "
               "keeps room to grow");

    const int64_t n = 10000, nprobes = t->quick ? 100 : 1000;
    mor_obj *cls = key_class(t);
    mor_obj *keys = OK(mor_list(rt, 0)), *probes = OK(mor_list(rt, 0));
    for (int64_t i = 0; i < n; i++)
        OKI(mor_list_append_steal(rt, keys, new_key(t, cls, i)));
    for (int64_t j = 0; j < nprobes; j++) /* half present (spread over the list), half absent */
        OKI(mor_list_append_steal(
            rt, probes, new_key(t, cls, j < nprobes / 2 ? j * (2 * n / nprobes) : n + j)));
    mor_obj *set = OK(mor_set_from(rt, keys));
    lookup_run in_list = lookups(t, keys, probes), in_set = lookups(t, set, probes);
    printf("\n");
    tt_begin(&tb, "lrrr", tfmt("%s lookups of Key objects", tnum(nprobes)), "found",
             "__eq__ calls per lookup", "time per lookup");
    tt_row(&tb, tfmt("in a list of %s", tnum(n)), tnum(in_list.found),
           tfmt("%.1f", (double)in_list.eq_calls / (double)nprobes),
           ttime(in_list.ns / (uint64_t)nprobes));
    tt_row(&tb, tfmt("in a set of %s", tnum(n)), tnum(in_set.found),
           tfmt("%.1f", (double)in_set.eq_calls / (double)nprobes),
           ttime(in_set.ns / (uint64_t)nprobes));
    tt_print(&tb);
    tour_say("the set answered %.0fx faster on this run (timings vary; the counts do not)",
             (double)in_list.ns / (double)(in_set.ns ? in_set.ns : 1));
    tour_claim(t, in_list.found == nprobes / 2 && in_set.found == in_list.found,
               "both find the same %s keys", tnum(nprobes / 2));
    tour_claim(t, in_list.eq_calls >= nprobes * n / 4 && in_set.eq_calls <= 2 * nprobes,
               "a list compares item by item (%s comparisons), a set hashes to the key "
               "(%s comparisons)",
               tnum(in_list.eq_calls), tnum(in_set.eq_calls));
    tour_lesson(t, "use a tuple for fixed records (smaller, no spare room) and a set or dict for "
                   "membership: `x in list` is a scan, `x in set` one hash probe.");
    mor_decref(rt, set), mor_decref(rt, probes), mor_decref(rt, keys), mor_decref(rt, cls);
    mor_decref(rt, grown), mor_decref(rt, lst), mor_decref(rt, tup), mor_decref(rt, x);
}

/* ==== 6. generators-vs-lists ================================================================== */

void sec_generators(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    tour_trace_on(t);

    tour_trace_reset_peak(t);
    int64_t base = tour_traced(t);
    mor_obj *lst = OK(mor_list(rt, 0)); /* [x * x for x in range(n)] */
    for (int64_t i = 0; i < n; i++)
        OKI(mor_list_append_steal(rt, lst, OK(mor_int(rt, i * i))));
    mor_obj *by_list = OK(mor_sum(rt, lst, NULL));
    int64_t list_size = (int64_t)mor_sizeof(lst);
    mor_decref(rt, lst);
    int64_t list_peak = tour_traced_peak(t) - base;

    tour_trace_reset_peak(t);
    base = tour_traced(t);
    mor_obj *g = squares_gen(t, n); /* (x * x for x in range(n)) */
    int64_t gen_size = (int64_t)mor_sizeof(g);
    mor_obj *by_gen = OK(mor_sum(rt, g, NULL));
    mor_decref(rt, g);
    int64_t gen_peak = tour_traced_peak(t) - base;

    int64_t want = (n - 1) * n * (2 * n - 1) / 6;
    tour_table tb;
    tt_begin(&tb, "lrrr", tfmt("sum of x*x for x in range(%s)", tnum(n)), "result",
             "object's size", "traced peak");
    tt_row(&tb, "through a list", trepr(t, by_list), tsize(list_size), tsize(list_peak));
    tt_row(&tb, "through a generator", trepr(t, by_gen), tsize(gen_size), tsize(gen_peak));
    tt_print(&tb);
    tour_say("CPython 3.11 (measured): a generator object is 176-200 B; summing 10**7 squares "
             "peaks at 390.1 MiB through a list, 0.001 MiB through a generator");
    tour_claim(t, tour_i64(t, by_list) == want && tour_i64(t, by_gen) == want,
               "both give %s", tnum(want));
    tour_claim(t, gen_size * 1000 < list_size,
               "the generator object is over 1,000 times smaller than the list (%s vs %s)",
               tsize(gen_size), tsize(list_size));
    tour_claim(t, gen_peak * 1000 < list_peak,
               "the generator's traced peak is over 1,000 times lower (%s vs %s)",
               tsize(gen_peak), tsize(list_peak));
    tour_lesson(t, "a list materializes every item before the first is used; a generator holds "
                   "one at a time, so its memory does not depend on the length.");
    mor_decref(rt, by_list), mor_decref(rt, by_gen);
}

/* ==== 7. pipeline =============================================================================== */

typedef struct pipe_run {
    int64_t lines, file_bytes, peak;
    bool right;
    char result[48];
} pipe_run;

static pipe_run run_pipeline(tour *t, int64_t lines)
{
    pipe_run r = {.lines = lines};
    char path[512];
    snprintf(path, sizeof(path), "%s/numbers-%lld.txt", tour_tmpdir(t), (long long)lines);
    if (tw_write_numbers(path, lines) < 0)
        tour_fail(t, "cannot write %s", path);
    FILE *f = fopen(path, "r");
    if (f != NULL && fseek(f, 0, SEEK_END) == 0)
        r.file_bytes = ftell(f);
    if (f != NULL)
        fclose(f);
    tour_trace_on(t);
    tour_trace_reset_peak(t);
    int64_t base = tour_traced(t);
    mor_obj *total = OK(tw_pipeline(t->rt, path));
    r.peak = tour_traced_peak(t) - base;
    char want[48];
    tw_pipeline_expect(lines, want);
    snprintf(r.result, sizeof(r.result), "%s", trepr(t, total));
    r.right = strcmp(r.result, want) == 0;
    mor_decref(t->rt, total);
    remove(path);
    return r;
}

void sec_pipeline(tour *t)
{
    int64_t small = t->quick ? 20000 : 100000;
    pipe_run a = run_pipeline(t, small), b = run_pipeline(t, small * 10);
    tour_say("sum(squares(evens(read_numbers(path)))): three generators over the lines of a file");
    tour_table tb;
    tt_begin(&tb, "rrrr", "lines", "file", "result", "traced peak");
    tt_row(&tb, tnum(a.lines), tsize(a.file_bytes), a.result, tsize(a.peak));
    tt_row(&tb, tnum(b.lines), tsize(b.file_bytes), b.result, tsize(b.peak));
    tt_print(&tb);
    tour_claim(t, a.right && b.right, "both sums are right (checked against the closed form)");
    tour_claim(t, b.peak <= a.peak + a.peak / 4 + 256 && b.peak * 10 < b.file_bytes,
               "the peak does not grow with the file: %s for %s lines, %s for 10 times more",
               tsize(a.peak), tnum(a.lines), tsize(b.peak));
    tour_lesson(t, "chained generators stream: each stage holds one item and the reader one buffer, "
                   "so a pipeline over a file of any size runs in the same small memory.");
}

/* ==== 8. lazy ===================================================================================== */

static int64_t square_calls;

static mor_obj *fn_square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    square_calls++;
    return mor_mul(rt, args[0], args[0]);
}

/* x > data */
static mor_obj *fn_above(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    int gt = mor_compare(rt, args[0], data, MOR_GT);
    return gt < 0 ? NULL : mor_bool(rt, gt);
}

void sec_lazy(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    mor_obj *limit = OK(mor_int(rt, n));
    mor_obj *square = func(t, "square", fn_square, NULL), *above = func(t, "above", fn_above, limit);
    tour_trace_on(t);

    /* eager: squares = [square(x) for x in range(n)]; [s for s in squares if s > n][:5] */
    tour_trace_reset_peak(t);
    int64_t base = tour_traced(t);
    square_calls = 0;
    mor_obj *r = OK(mor_range(rt, 0, n, 1)), *m = OK(mor_map(rt, square, r));
    mor_obj *squares = OK(mor_list_from(rt, m));
    mor_obj *f = OK(mor_filter(rt, above, squares)), *first = OK(mor_islice(rt, f, 0, 5, 1));
    mor_obj *eager = OK(mor_list_from(rt, first));
    mor_decref(rt, first), mor_decref(rt, f), mor_decref(rt, squares), mor_decref(rt, m);
    mor_decref(rt, r);
    int64_t eager_calls = square_calls, eager_peak = tour_traced_peak(t) - base;

    /* lazy: islice(filter(above, map(square, range(n))), 5) */
    tour_trace_reset_peak(t);
    base = tour_traced(t);
    square_calls = 0;
    r = OK(mor_range(rt, 0, n, 1)), m = OK(mor_map(rt, square, r));
    f = OK(mor_filter(rt, above, m)), first = OK(mor_islice(rt, f, 0, 5, 1));
    mor_obj *lazy = OK(mor_list_from(rt, first));
    mor_decref(rt, first), mor_decref(rt, f), mor_decref(rt, m), mor_decref(rt, r);
    int64_t lazy_calls = square_calls, lazy_peak = tour_traced_peak(t) - base;

    tour_say("the first five squares above %s among %s candidates", tnum(n), tnum(n));
    tour_table tb;
    tt_begin(&tb, "llrr", "way", "result", "squares computed", "traced peak");
    tt_row(&tb, "eager (list first)", trepr(t, eager), tnum(eager_calls), tsize(eager_peak));
    tt_row(&tb, "lazy (map/filter/islice)", trepr(t, lazy), tnum(lazy_calls), tsize(lazy_peak));
    tt_print(&tb);
    int64_t last = seq_len(lazy) == 5 ? tour_i64(t, item(lazy, 4)) : -1, root = 0;
    while ((root + 1) * (root + 1) <= last)
        root++;
    tour_claim(t, OKI(mor_eq(rt, eager, lazy)) == 1 && seq_len(lazy) == 5, "same five results");
    tour_claim(t, eager_calls == n && lazy_calls == root + 1,
               "eager squared all %s candidates; lazy stopped right after %lld (the root of the "
               "fifth result), %s calls",
               tnum(n), (long long)root, tnum(lazy_calls));
    tour_lesson(t, "lazy pipelines do only the work the consumer asks for: stopping early costs "
                   "nothing upstream, and nothing is held but the current item.");
    mor_decref(rt, eager), mor_decref(rt, lazy), mor_decref(rt, square), mor_decref(rt, above);
    mor_decref(rt, limit);
}

/* ==== 9. string-building ============================================================================ */

typedef struct build_run {
    uint64_t ns, allocs;
    mor_obj *s;
} build_run;

/* s = ''; for p in parts: s += p  (alias: while a second name holds s) */
static build_run build_append(tour *t, mor_obj *parts, bool alias)
{
    build_run r;
    uint64_t a0 = tour_new_blocks(t), t0 = tour_now_ns();
    mor_obj *s = OK(mor_str(t->rt, "")), *other = alias ? mor_newref(s) : NULL;
    for (size_t i = 0; i < seq_len(parts); i++) {
        OKI(mor_str_append(t->rt, &s, item(parts, i)));
        if (alias) {
            mor_decref(t->rt, other);
            other = mor_newref(s);
        }
    }
    mor_xdecref(t->rt, other);
    r.ns = tour_now_ns() - t0, r.allocs = tour_new_blocks(t) - a0, r.s = s;
    return r;
}

static build_run build_join(tour *t, mor_obj *parts)
{
    build_run r;
    uint64_t a0 = tour_new_blocks(t), t0 = tour_now_ns();
    mor_obj *sep = OK(mor_str(t->rt, ""));
    r.s = OK(mor_str_join(t->rt, sep, parts));
    mor_decref(t->rt, sep);
    r.ns = tour_now_ns() - t0, r.allocs = tour_new_blocks(t) - a0;
    return r;
}

typedef enum build_way { BUILD_APPEND, BUILD_JOIN, BUILD_APPEND_ALIASED } build_way;

/* The fastest of 3 builds (timings on a shared machine are noisy); its string. */
static build_run best_of_3(tour *t, mor_obj *parts, build_way way)
{
    build_run best = {0, 0, NULL};
    for (int k = 0; k < 3; k++) {
        build_run r = way == BUILD_JOIN ? build_join(t, parts)
                                        : build_append(t, parts, way == BUILD_APPEND_ALIASED);
        if (best.s == NULL || r.ns < best.ns) {
            mor_xdecref(t->rt, best.s);
            best = r;
        } else {
            mor_decref(t->rt, r.s);
        }
    }
    return best;
}

static const char *per_part(uint64_t ns, size_t n) { return tfmt("%.1f ns", (double)ns / (double)n); }

void sec_string_building(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t sizes[3] = {1000, 4000, 16000}, div = t->quick ? 4 : 1;
    tour_table tb;
    tt_begin(&tb, "rrrrr", "parts", "s += p", "''.join(parts)", "s += p, 2nd ref held",
             "new blocks (+= / 2nd ref)");
    bool equal = true, linear_allocs = true;
    uint64_t in_place_allocs = 0, copy_allocs = 0;
    for (int k = 0; k < 3; k++) {
        int64_t n = sizes[k] / div;
        mor_obj *parts = OK(mor_list(rt, 0));
        for (int64_t i = 0; i < n; i++)
            OKI(mor_list_append_steal(rt, parts, OK(mor_str_fmt(rt, "w%lld ", (long long)i % 1000))));
        build_run a = best_of_3(t, parts, BUILD_APPEND), j = best_of_3(t, parts, BUILD_JOIN);
        build_run c = best_of_3(t, parts, BUILD_APPEND_ALIASED);
        equal = equal && OKI(mor_eq(rt, a.s, j.s)) == 1 && OKI(mor_eq(rt, a.s, c.s)) == 1;
        /* the first step of each starts from '' and gets p itself back: no new block */
        linear_allocs = linear_allocs && a.allocs * 10 <= (uint64_t)n && c.allocs >= (uint64_t)n - 1;
        in_place_allocs = a.allocs, copy_allocs = c.allocs;
        size_t np = (size_t)n;
        tt_row(&tb, tnum(n), per_part(a.ns, np), per_part(j.ns, np), per_part(c.ns, np),
               tfmt("%s / %s", tnum((int64_t)a.allocs), tnum((int64_t)c.allocs)));
        mor_decref(rt, a.s), mor_decref(rt, j.s), mor_decref(rt, c.s), mor_decref(rt, parts);
    }
    tt_print(&tb);
    tour_say("time per part (best of 3 runs): flat for += and join (linear), growing with the "
             "length when every step copies (quadratic)");
    tour_say(CPY ": join 8.5 ns/part, += 48.7 ns/part (1M parts); += with a 2nd reference "
             "315.9 ns/part at 20k parts");

    /* an HTML list, both ways */
    const int nitems = 1000;
    mor_obj *html = OK(mor_str_const(rt, "<ul>\n")), *pieces = OK(mor_list(rt, 0));
    mor_obj *html_appended = OK(mor_str(rt, "<ul>\n"));
    OKI(mor_list_append(rt, pieces, html));
    for (int i = 0; i < nitems; i++) {
        mor_obj *li = OK(mor_str_fmt(rt, "  <li>item %d</li>\n", i));
        OKI(mor_str_append(rt, &html_appended, li));
        OKI(mor_list_append_steal(rt, pieces, li));
    }
    mor_obj *end = OK(mor_str(rt, "</ul>\n"));
    OKI(mor_str_append(rt, &html_appended, end));
    OKI(mor_list_append_steal(rt, pieces, end));
    mor_obj *sep = OK(mor_str(rt, "")), *html_joined = OK(mor_str_join(rt, sep, pieces));
    const char *text = mor_str_utf8(html_joined, NULL);
    tour_say("an HTML list of %d items: %s characters, starting", nitems,
             tnum(mor_str_length(html_joined)));
    for (int line = 0; line < 3 && *text != '\0'; line++) {
        int len = (int)strcspn(text, "\n");
        printf("      %.*s\n", len, text);
        text += text[len] ? len + 1 : len;
    }
    printf("      ...\n");
    tour_claim(t, equal, "the three ways build the same strings at every size");
    tour_claim(t, linear_allocs,
               "+= on the only reference grows the string in place (%s new blocks for %s "
               "parts); with a 2nd reference every step makes a new string (%s)",
               tnum((int64_t)in_place_allocs), tnum(sizes[2] / div), tnum((int64_t)copy_allocs));
    tour_claim(t, OKI(mor_eq(rt, html_appended, html_joined)) == 1,
               "the HTML list built with += equals the one built with join");
    tour_lesson(t, "collect the pieces and join them once; += is only linear while nothing else "
                   "refers to the string, and any second reference makes it quadratic.");
    mor_decref(rt, html_joined), mor_decref(rt, sep), mor_decref(rt, html_appended);
    mor_decref(rt, pieces), mor_decref(rt, html);
}

/* ==== 10. slots ================================================================================== */

static mor_obj *record_class(tour *t, const char *name, unsigned flags)
{
    static const char *const fields[] = {"a", "b", "c", "d", "e", NULL};
    return OK(mor_class_new(t->rt, name, fields, flags));
}

/* Record(a, b, c, d, e) with small-int fields (cached objects: only the instance is new). */
static mor_obj *new_record(tour *t, mor_obj *cls, int64_t i)
{
    mor_obj *args[5];
    for (int k = 0; k < 5; k++)
        args[k] = OK(mor_int(t->rt, k * 50 + i % 50));
    mor_obj *r = mor_call(t->rt, cls, 5, args);
    for (int k = 0; k < 5; k++)
        mor_decref(t->rt, args[k]);
    return OK(r);
}

/* Traced bytes held by a list of n records. */
static int64_t records_bytes(tour *t, mor_obj *cls, int64_t n)
{
    int64_t base = tour_traced(t);
    mor_obj *l = OK(mor_list(t->rt, 0));
    for (int64_t i = 0; i < n; i++)
        OKI(mor_list_append_steal(t->rt, l, new_record(t, cls, i)));
    int64_t bytes = tour_traced(t) - base;
    mor_decref(t->rt, l);
    return bytes;
}

void sec_slots(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *dcls = record_class(t, "Record", MOR_CLASS_DICT);
    mor_obj *scls = record_class(t, "SlotRecord", MOR_CLASS_SLOTS);
    mor_obj *d1 = new_record(t, dcls, 1000), *s1 = new_record(t, scls, 1000);
    int64_t dsz = (int64_t)mor_sizeof(d1), ssz = (int64_t)mor_sizeof(s1);
    int64_t ddeep = OKI(mor_deep_sizeof(rt, d1)), sdeep = OKI(mor_deep_sizeof(rt, s1));
    tour_say("a record of 5 fields, class Record (attributes in the instance) vs "
             "SlotRecord (__slots__)");
    tour_table tb;
    tt_begin(&tb, "lrrr", "one instance", "mor_sizeof", "with its values array", CPY " getsizeof");
    tt_row(&tb, "dict-based", tnum(dsz), tnum(ddeep), "56 (+ its values)");
    tt_row(&tb, "slots", tnum(ssz), tnum(sdeep), "72");
    tt_print(&tb);
    tour_say(CPY ", 1M instances of 2 fields: 88 B each dict-based, 48 B with __slots__");

    const int64_t counts[2] = {t->quick ? 1000 : 10000, t->quick ? 20000 : 200000};
    tour_trace_on(t);
    printf("\n");
    tt_begin(&tb, "rrrr", "instances", "dict-based (traced)", "slots (traced)", "saved");
    bool smaller = true;
    for (int k = 0; k < 2; k++) {
        int64_t db = records_bytes(t, dcls, counts[k]), sb = records_bytes(t, scls, counts[k]);
        smaller = smaller && sb < db;
        tt_row(&tb, tnum(counts[k]), tsize(db), tsize(sb),
               tfmt("%.0f%%", 100.0 * (double)(db - sb) / (double)db));
    }
    tt_print(&tb);
    tour_say("(the traced bytes include the list holding the instances: 8 B per instance)");
    tour_claim(t, sdeep < ddeep, "one slot instance (%s) is smaller than a dict-based one (%s)",
               tsize(sdeep), tsize(ddeep));
    tour_claim(t, smaller, "the slot instances use less memory than the dict instances at both "
                           "counts");
    tour_lesson(t, "__slots__ fixes the layout: no per-instance attribute storage to size and "
                   "grow, at the price of not adding attributes later.");
    mor_decref(rt, d1), mor_decref(rt, s1), mor_decref(rt, dcls), mor_decref(rt, scls);
}

/* ==== 11. arrays ================================================================================ */

void sec_arrays(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    tour_trace_on(t);
    int64_t base = tour_traced(t);
    mor_obj *lst = range_list(t, 0, n);
    int64_t list_bytes = tour_traced(t) - base;
    base = tour_traced(t);
    mor_obj *r = OK(mor_range(rt, 0, n, 1)), *arr = OK(mor_array_from(rt, 'i', r));
    mor_decref(rt, r);
    int64_t arr_bytes = tour_traced(t) - base;
    mor_trace_stop(rt);
    mor_obj *l1000 = range_list(t, 0, 1000);
    r = OK(mor_range(rt, 0, 1000, 1));
    mor_obj *a1000 = OK(mor_array_from(rt, 'i', r));
    mor_decref(rt, r);
    tour_table tb;
    tt_begin(&tb, "lrrr", "ints", "mor_sizeof", "traced (with the int objects)", CPY " getsizeof");
    tt_row(&tb, "list(range(1000))", tnum((int64_t)mor_sizeof(l1000)), "-", "8,056");
    tt_row(&tb, "array('i', range(1000))", tnum((int64_t)mor_sizeof(a1000)), "-", "4,200");
    tt_row(&tb, tfmt("list(range(%s))", tnum(n)), tsize((int64_t)mor_sizeof(lst)),
           tsize(list_bytes), "-");
    tt_row(&tb, tfmt("array('i', range(%s))", tnum(n)), tsize((int64_t)mor_sizeof(arr)),
           tsize(arr_bytes), "-");
    tt_print(&tb);
    mor_obj *back = OK(mor_list_from(rt, arr)); /* list(arr) */
    int eq = (int)OKI(mor_eq(rt, back, lst));
    mor_decref(rt, back);
    tour_claim(t, arr_bytes * 4 <= list_bytes,
               "the 'i' array is at least 4x smaller than the list (%.1fx): 4 bytes per item "
               "against a pointer plus an int object",
               (double)list_bytes / (double)arr_bytes);
    tour_claim(t, eq == 1, "it holds the same %s numbers: list(array) == the list", tnum(n));
    mor_decref(rt, lst), mor_decref(rt, arr), mor_decref(rt, l1000), mor_decref(rt, a1000);

    /* 32 flags: a list of bools, or the bits of one int */
    const int nflags = 32;
    mor_obj *flags_list = OK(mor_list(rt, 0)), *flags = OK(mor_int(rt, 0));
    mor_obj *two = OK(mor_int(rt, 2));
    for (int k = 0; k < nflags; k++) {
        bool on = k % 3 == 0;
        OKI(mor_list_append_steal(rt, flags_list, mor_bool(rt, on)));
        if (on) { /* flags += 2 ** k */
            mor_obj *kk = OK(mor_int(rt, k)), *bit = OK(mor_pow(rt, two, kk));
            mor_obj *sum = OK(mor_add(rt, flags, bit));
            mor_decref(rt, kk), mor_decref(rt, bit), mor_decref(rt, flags);
            flags = sum;
        }
    }
    bool same = true;
    for (int k = 0; k < nflags; k++) { /* (flags // 2 ** k) % 2 */
        mor_obj *kk = OK(mor_int(rt, k)), *bit = OK(mor_pow(rt, two, kk));
        mor_obj *q = OK(mor_floordiv(rt, flags, bit)), *v = OK(mor_mod(rt, q, two));
        same = same && (tour_i64(t, v) == 1) == (item(flags_list, (size_t)k) == mor_bool(rt, true));
        mor_decref(rt, kk), mor_decref(rt, bit), mor_decref(rt, q), mor_decref(rt, v);
    }
    printf("\n");
    tt_begin(&tb, "lrr", "32 flags", "mor_sizeof", "value");
    tt_row(&tb, "a list of 32 bools", tnum((int64_t)mor_sizeof(flags_list)), "-");
    tt_row(&tb, "the bits of one int", tnum((int64_t)mor_sizeof(flags)), trepr(t, flags));
    tt_print(&tb);
    tour_claim(t, same && mor_sizeof(flags) * 4 < mor_sizeof(flags_list),
               "one int holds the 32 flags (every one reads back the same) in a quarter of the "
               "list's size or less");
    mor_decref(rt, flags_list), mor_decref(rt, flags), mor_decref(rt, two);

    /* 100 values at random places among n: a list of n slots, or a dict of 100 entries */
    mor_obj *sparse_list = repeat_list(t, mor_none(rt), n), *sparse = OK(mor_dict(rt));
    uint64_t seed = 42;
    for (int i = 0; i < 100; i++) {
        mor_obj *idx = OK(mor_int(rt, (int64_t)(tour_rand(&seed) % (uint64_t)n)));
        mor_obj *v = OK(mor_int(rt, 1000 + i));
        OKI(mor_setitem(rt, sparse_list, idx, v));
        OKI(mor_dict_set(rt, sparse, idx, v));
        mor_decref(rt, idx), mor_decref(rt, v);
    }
    bool agree = true;
    seed = 42;
    for (int i = 0; i < 200; i++) { /* the 100 places set, then 100 other places */
        uint64_t at = i < 100 ? tour_rand(&seed) % (uint64_t)n : (uint64_t)i * 7919 % (uint64_t)n;
        mor_obj *idx = OK(mor_int(rt, (int64_t)at)), *in_dict = NULL;
        int found = (int)OKI(mor_dict_lookup(rt, sparse, idx, &in_dict));
        mor_obj *in_list = OK(mor_getitem(rt, sparse_list, idx));
        agree = agree && (found ? in_dict == in_list : mor_is_none(rt, in_list));
        mor_xdecref(rt, in_dict), mor_decref(rt, in_list), mor_decref(rt, idx);
    }
    printf("\n");
    tt_begin(&tb, "lr", tfmt("100 values among %s places", tnum(n)), "mor_sizeof");
    tt_row(&tb, tfmt("a list of %s slots, mostly None", tnum(n)),
           tsize((int64_t)mor_sizeof(sparse_list)));
    tt_row(&tb, tfmt("a dict of its %s entries", tnum(OKI(mor_len(rt, sparse)))),
           tsize((int64_t)mor_sizeof(sparse)));
    tt_print(&tb);
    double share = 100.0 * (double)mor_sizeof(sparse) / (double)mor_sizeof(sparse_list);
    tour_claim(t, agree && share < 5,
               "the dict answers like the list for all 200 places probed, in %.2f%% of its size",
               share);
    tour_lesson(t, "store numbers as numbers: typed arrays hold raw values, bits pack flags, and "
                   "sparse data belongs in a dict, not in a list of placeholders.");
    mor_decref(rt, sparse_list), mor_decref(rt, sparse);
}

/* ==== 12. no-copies ============================================================================== */

void sec_no_copies(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? MILLION / 20 : MILLION, half = n / 2;
    mor_obj *lst = range_list(t, 0, n);
    tour_trace_on(t);

    int64_t base = tour_traced(t);
    mor_obj *sl = OK(mor_slice(rt, lst, 0, half, 1)); /* lst[:half] */
    int64_t slice_bytes = tour_traced(t) - base;
    mor_obj *sum_slice = OK(mor_sum(rt, sl, NULL));
    mor_decref(rt, sl);

    tour_trace_reset_peak(t);
    base = tour_traced(t);
    mor_obj *isl = OK(mor_islice(rt, lst, 0, half, 1)); /* islice(lst, half) */
    int64_t islice_bytes = tour_traced(t) - base;
    mor_obj *sum_islice = OK(mor_sum(rt, isl, NULL));
    int64_t islice_peak = tour_traced_peak(t) - base;
    mor_decref(rt, isl);

    mor_obj *ba = OK(mor_bytearray(rt, NULL, (size_t)n)), *mv = OK(mor_memoryview(rt, ba));
    base = tour_traced(t);
    mor_obj *part = OK(mor_slice(rt, mv, half, n, 1)); /* memoryview(ba)[half:] */
    int64_t view_bytes = tour_traced(t) - base;
    mor_obj *i10 = OK(mor_int(rt, 10)), *i42 = OK(mor_int(rt, 42));
    OKI(mor_setitem(rt, part, i10, i42)); /* part[10] = 42 */
    size_t ba_len;
    uint8_t *bytes = mor_bytearray_data(ba, &ba_len);
    bool through = bytes[half + 10] == 42;
    int64_t exports = mor_buffer_exports(ba);

    tour_table tb;
    tt_begin(&tb, "lrl", tfmt("half of %s items", tnum(n)), "traced bytes", "");
    tt_row(&tb, "lst[:half] (a list slice)", tsize(slice_bytes), "copies the references");
    tt_row(&tb, "islice(lst, half)", tsize(islice_bytes),
           tfmt("summing through it peaks at %s", tsize(islice_peak)));
    tt_row(&tb, "memoryview(bytearray)[half:]", tsize(view_bytes),
           tfmt("part[10] = 42 -> bytearray[half + 10] is %d", bytes[half + 10]));
    tt_print(&tb);
    tour_claim(t, slice_bytes >= half * (int64_t)sizeof(void *),
               "slicing a list copies: %s for %s references", tsize(slice_bytes), tnum(half));
    tour_claim(t, islice_bytes < 1024 && islice_peak < 1024 &&
                      OKI(mor_eq(rt, sum_slice, sum_islice)) == 1,
               "islice copies nothing (%s) and gives the same sum", tsize(islice_bytes));
    tour_claim(t, view_bytes < 1024 && through && exports >= 1,
               "a memoryview slice shares the bytearray's memory (%s; a write shows through; "
               "the bytearray counts %lld export%s)",
               tsize(view_bytes), (long long)exports, exports == 1 ? "" : "s");
    tour_lesson(t, "slices of lists, str and bytes are copies; iterate with islice or view "
                   "buffers through memoryview to work on big data without duplicating it.");
    OKI(mor_memoryview_release(rt, part));
    OKI(mor_memoryview_release(rt, mv));
    mor_decref(rt, part), mor_decref(rt, mv), mor_decref(rt, ba), mor_decref(rt, i10);
    mor_decref(rt, i42), mor_decref(rt, sum_slice), mor_decref(rt, sum_islice);
    mor_decref(rt, lst);
}

