/* demos/tour.c: the tour of the memory lessons Python guides teach, reproduced with mor's
 * public API: one function per section, each printing what it measured, checking the claim
 * it demonstrates, and ending with a one-line lesson. `tour` runs every section, `tour NAME...`
 * some, `tour --list` lists them; the exit status is non-zero when a claim does not hold.
 * CPython 3.11 figures (shared/reference/cpython311-figures.md) are printed beside mor's as
 * fixed reference values, never compared by measuring Python here. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mor.h"
#include "tour_util.h"
#include "tour_work.h"

#define MILLION 1000000
#define CPY "CPython 3.11 (measured)"

/* ---- small helpers ------------------------------------------------------------------------ */

/* The i-th item of a list or tuple (borrowed). */
static mor_obj *item(mor_obj *seq, size_t i) { return mor_seq_items(seq, NULL)[i]; }

static size_t seq_len(mor_obj *seq)
{
    size_t n = 0;
    mor_seq_items(seq, &n);
    return n;
}

/* list(range(start, stop)) */
static mor_obj *range_list(tour *t, int64_t start, int64_t stop)
{
    mor_obj *r = OK(mor_range(t->rt, start, stop, 1));
    mor_obj *l = mor_list_from(t->rt, r);
    mor_decref(t->rt, r);
    return OK(l);
}

/* [x] * n: a list of n references to the one object x, sized exactly. */
static mor_obj *repeat_list(tour *t, mor_obj *x, int64_t n)
{
    mor_obj *one = OK(mor_list(t->rt, 1, x)), *times = OK(mor_int(t->rt, n));
    mor_obj *l = mor_mul(t->rt, one, times);
    mor_decref(t->rt, one), mor_decref(t->rt, times);
    return OK(l);
}

/* A native function; `data` is its constant (may be NULL). */
static mor_obj *func(tour *t, const char *name, mor_cfunc fn, mor_obj *data)
{
    return OK(mor_func_new(t->rt, name, fn, data));
}

static mor_obj *obj_attr(tour *t, mor_obj *o, const char *name)
{
    return OK(mor_getattr(t->rt, o, name));
}

static int64_t attr_i64(tour *t, mor_obj *o, const char *name)
{
    mor_obj *v = obj_attr(t, o, name);
    int64_t x = tour_i64(t, v);
    mor_decref(t->rt, v);
    return x;
}

static uint64_t live_objects(tour *t) { return mor_rt_live_objects(t->rt); }

static uint64_t gc_collections(tour *t)
{
    uint64_t n = 0;
    for (int g = 0; g < 3; g++) {
        mor_gc_stats st;
        mor_gc_get_stats(t->rt, g, &st);
        n += st.collections;
    }
    return n;
}

/* Print what fn writes to a FILE, indented under the section. */
static void print_indented(tour *t, void (*fn)(mor_rt *, FILE *), char **text_out)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&buf, &n);
    if (mem == NULL)
        tour_fail(t, "open_memstream failed");
    fn(t->rt, mem);
    fclose(mem);
    for (char *line = buf; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        printf("    %.*s\n", len, line);
        line = end ? end + 1 : NULL;
    }
    if (text_out != NULL)
        *text_out = buf;
    else
        free(buf);
}

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

static void sec_sizes(tour *t)
{
    mor_rt *rt = t->rt;
    char text[501];
    memset(text, 'x', 500);
    text[500] = '\0';
    mor_obj *i42 = OK(mor_int(rt, 42)), *i1000 = OK(mor_int(rt, 1000));
    mor_obj *f = OK(mor_float(rt, 1.5)), *s2 = OK(mor_str(rt, "hi"));
    mor_obj *s500 = OK(mor_str(rt, text));
    struct {
        const char *what;
        mor_obj *o;
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
        {"list(range(1000))", range_list(t, 0, 1000), 8056, NULL},
        {"tuple of 5 items", OK(mor_tuple(rt, 5, i42, i1000, f, s2, s500)), 80, NULL},
        {"list of 5 items", OK(mor_list(rt, 5, i42, i1000, f, s2, s500)), 104, NULL},
        {"list(range(10000))", range_list(t, 0, 10000), 0, NULL},
        {"set(range(10000))", NULL, 524504, NULL},
        {"a generator", squares_gen(t, 10), 176, "176 (def) / 200 (genexpr)"},
    };
    size_t nrows = sizeof(rows) / sizeof(rows[0]);
    mor_obj *r10k = OK(mor_range(rt, 0, 10000, 1));
    rows[13].o = mor_set_from(rt, r10k);
    mor_decref(rt, r10k);
    OK(rows[13].o);

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
    tour_claim(t, mor_sizeof(rows[10].o) < mor_sizeof(rows[11].o),
               "a tuple of 5 (%zu B) is smaller than a list of 5 (%zu B)", mor_sizeof(rows[10].o),
               mor_sizeof(rows[11].o));
    tour_claim(t, mor_sizeof(rows[13].o) > mor_sizeof(rows[12].o),
               "a set of 10,000 (%s) costs more than a list of 10,000 (%s): it is a hash table",
               tsize((int64_t)mor_sizeof(rows[13].o)), tsize((int64_t)mor_sizeof(rows[12].o)));

    /* shallow vs deep: the same list, and two lists whose items differ in size */
    mor_obj *l1000 = rows[9].o;
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
    mor_decref(rt, short3), mor_decref(rt, long3);
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

static void sec_small_ints(tour *t)
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
    tour_say("255 + 1 is 256: %s;  256 + 1 is 257: %s", add_cached ? "True" : "False",
             add_fresh ? "False" : "True");
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

static void sec_interning(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *a = OK(mor_str_const(rt, "hello_world")), *b = OK(mor_str_const(rt, "hello_world"));
    mor_obj *c = OK(mor_str_const(rt, "hello world")), *d = OK(mor_str_const(rt, "hello world"));
    mor_obj *built = OK(mor_str_fmt(rt, "%s_%s", "hello", "world"));
    mor_obj *canon = OK(mor_intern(rt, built));
    tour_table tb;
    tt_begin(&tb, "lrr", "expression", "mor", CPY);
    tt_row(&tb, "'hello_world' is 'hello_world' (constants)", a == b ? "True" : "False", "True");
    tt_row(&tb, "'hello world' is 'hello world' (constants)", c == d ? "True" : "False", "False");
    tt_row(&tb, "'hello' + '_' + 'world' is 'hello_world'", built == a ? "True" : "False",
           "False");
    tt_row(&tb, "intern('hello' + '_' + 'world') is 'hello_world'", canon == a ? "True" : "False",
           "True");
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

static const char *yes(bool b) { return b ? "True" : "False"; }

static void sec_references(tour *t)
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
    bool alias = b == a && seq_len(a) == 5 && mor_refcount(a) == 2;
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
           tfmt("b is a: %s, len(a) was 5, refcount(a) was %s", yes(b == a), alias ? "2" : "?"));
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
    tour_claim(t, shared == 0 && md.n == ma.n && strcmp(a0_after_d, a0_after_s) == 0,
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

static void sec_containers(tour *t)
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

static void sec_generators(tour *t)
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
    uint64_t ns;
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
    uint64_t t0 = tour_now_ns();
    mor_obj *total = OK(tw_pipeline(t->rt, path));
    r.ns = tour_now_ns() - t0;
    r.peak = tour_traced_peak(t) - base;
    char want[48];
    tw_pipeline_expect(lines, want);
    snprintf(r.result, sizeof(r.result), "%s", trepr(t, total));
    r.right = strcmp(r.result, want) == 0;
    mor_decref(t->rt, total);
    remove(path);
    return r;
}

static void sec_pipeline(tour *t)
{
    int64_t small = t->quick ? 10000 : 100000;
    pipe_run a = run_pipeline(t, small), b = run_pipeline(t, small * 10);
    tour_say("sum(squares(evens(read_numbers(path)))): three generators over the lines of a file");
    tour_table tb;
    tt_begin(&tb, "rrrrr", "lines", "file", "result", "traced peak", "time");
    tt_row(&tb, tnum(a.lines), tsize(a.file_bytes), a.result, tsize(a.peak), ttime(a.ns));
    tt_row(&tb, tnum(b.lines), tsize(b.file_bytes), b.result, tsize(b.peak), ttime(b.ns));
    tt_print(&tb);
    tour_claim(t, a.right && b.right, "both sums are right (checked against the closed form)");
    tour_claim(t, b.peak <= a.peak + a.peak / 4 + 256 && b.peak * 100 < b.file_bytes,
               "the peak does not grow with the file: %s for %s lines, %s for 10 times more",
               tsize(a.peak), tnum(a.lines), tsize(b.peak));
    tour_lesson(t, "chained generators stream: each stage holds one item, so a pipeline over a file "
                   "of any size runs in the memory of a few objects.");
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

static void sec_lazy(tour *t)
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

static const char *per_part(uint64_t ns, size_t n) { return tfmt("%.1f ns", (double)ns / (double)n); }

static void sec_string_building(tour *t)
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
        build_run a = build_append(t, parts, false), j = build_join(t, parts);
        build_run c = build_append(t, parts, true);
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
    tour_say("time per part: flat for += and join (linear), growing with the length when every "
             "step copies (quadratic)");
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

static void sec_slots(tour *t)
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

static void sec_arrays(tour *t)
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
    int eq = (int)OKI(mor_eq(rt, lst, arr));
    tour_claim(t, arr_bytes * 4 <= list_bytes,
               "the 'i' array is at least 4x smaller than the list (%.1fx): 4 bytes per item "
               "against a pointer plus an int object",
               (double)list_bytes / (double)arr_bytes);
    tour_claim(t, OKI(mor_len(rt, arr)) == n && eq == 0,
               "it holds the same %s numbers, read back as ints (an array never equals a list)",
               tnum(n));
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
    tt_row(&tb, "a dict of the 100 entries", tsize((int64_t)mor_sizeof(sparse)));
    tt_print(&tb);
    tour_claim(t, agree && mor_sizeof(sparse) * 100 < mor_sizeof(sparse_list),
               "the dict answers like the list for all 200 places probed, in under 1%% of its "
               "size");
    tour_lesson(t, "store numbers as numbers: typed arrays hold raw values, bits pack flags, and "
                   "sparse data belongs in a dict, not in a list of placeholders.");
    mor_decref(rt, sparse_list), mor_decref(rt, sparse);
}

/* ==== 12. no-copies ============================================================================== */

static void sec_no_copies(tour *t)
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

/* ==== 13. deep-size =============================================================================== */

typedef struct visited {
    const mor_obj **o;
    size_t n, cap;
} visited;

static bool visit_once(tour *t, visited *v, const mor_obj *o)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->o[i] == o)
            return false;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        const mor_obj **p = realloc(v->o, v->cap * sizeof(*p));
        if (p == NULL)
            tour_fail(t, "out of memory");
        v->o = p;
    }
    v->o[v->n++] = o;
    return true;
}

/* The sum of the shallow sizes met walking down from o (immortal objects left out): every
 * distinct object once (v non-NULL), or once per path that reaches it (v NULL: the naive
 * recursive getsizeof). */
static int64_t walk_sizes(tour *t, mor_obj *o, visited *v)
{
    if (mor_is_immortal(o) || (v != NULL && !visit_once(t, v, o)))
        return 0;
    int64_t sum = (int64_t)mor_sizeof(o);
    mor_obj *refs = OK(mor_gc_get_referents(t->rt, o));
    for (size_t i = 0; i < seq_len(refs); i++)
        sum += walk_sizes(t, item(refs, i), v);
    mor_decref(t->rt, refs);
    return sum;
}

static void sec_deep_size(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *tags = OK(mor_list(rt, 0)), *users = OK(mor_list(rt, 0)), *root = OK(mor_dict(rt));
    for (int i = 0; i < 100; i++)
        OKI(mor_list_append_steal(rt, tags, OK(mor_str_fmt(rt, "tag-%d", i))));
    mor_obj *kname = OK(mor_str_const(rt, "name")), *ktags = OK(mor_str_const(rt, "tags"));
    mor_obj *kscores = OK(mor_str_const(rt, "scores"));
    for (int i = 0; i < 100; i++) { /* {"name": "user-i", "tags": tags, "scores": [...]} */
        mor_obj *u = OK(mor_dict(rt)), *name = OK(mor_str_fmt(rt, "user-%d", i));
        mor_obj *s0 = OK(mor_int(rt, 1000 * i)), *s1 = OK(mor_int(rt, 1000 * i + 1));
        mor_obj *scores = OK(mor_list(rt, 2, s0, s1));
        OKI(mor_dict_set(rt, u, kname, name));
        OKI(mor_dict_set(rt, u, ktags, tags)); /* shared by every user */
        OKI(mor_dict_set(rt, u, kscores, scores));
        OKI(mor_list_append_steal(rt, users, u));
        mor_decref(rt, name), mor_decref(rt, s0), mor_decref(rt, s1), mor_decref(rt, scores);
    }
    mor_obj *kusers = OK(mor_str_const(rt, "users"));
    OKI(mor_dict_set(rt, root, kusers, users));
    OKI(mor_dict_set(rt, root, ktags, tags));
    tour_say("root = {'users': [100 dicts {'name', 'tags': TAGS, 'scores': [2 ints]}], "
             "'tags': TAGS}, TAGS a list of 100 strings shared by all");
    visited v = {NULL, 0, 0};
    int64_t deep = OKI(mor_deep_sizeof(rt, root)), distinct = walk_sizes(t, root, &v);
    int64_t naive = walk_sizes(t, root, NULL), tags_deep = OKI(mor_deep_sizeof(rt, tags));
    size_t nobj = v.n;
    free(v.o);
    tour_table tb;
    tt_begin(&tb, "lrr", "measure of root", "bytes", "");
    tt_row(&tb, "mor_sizeof(root) (shallow)", tsize((int64_t)mor_sizeof(root)), "");
    tt_row(&tb, "mor_deep_sizeof(root)", tsize(deep), "");
    tt_row(&tb, "shallow sizes of the distinct objects", tsize(distinct),
           tfmt("%s objects", tnum((int64_t)nobj)));
    tt_row(&tb, "naive recursive sum (shared parts per path)", tsize(naive),
           tfmt("TAGS (%s) counted 101 times", tsize(tags_deep)));
    tt_print(&tb);
    tour_claim(t, deep == distinct,
               "the deep size is the sum of the shallow sizes of the distinct objects reached");
    tour_claim(t, naive >= deep + 100 * tags_deep,
               "a naive recursive sum counts the shared list once per path: %.1fx too much",
               (double)naive / (double)deep);
    tour_claim(t, (int64_t)mor_sizeof(root) * 100 < deep,
               "the shallow size of root says almost nothing of what it holds (%s of %s)",
               tsize((int64_t)mor_sizeof(root)), tsize(deep));
    tour_lesson(t, "to size a structure, walk it counting each object once (sharing and cycles "
                   "included); summing getsizeof down every path over-counts.");
    mor_decref(rt, root), mor_decref(rt, users), mor_decref(rt, tags), mor_decref(rt, kname);
    mor_decref(rt, ktags), mor_decref(rt, kscores), mor_decref(rt, kusers);
}

/* ==== 14. tracemalloc =============================================================================== */

/* Print the first `top` statistics (largest first) with their repr. */
static void print_top(tour *t, mor_obj *stats, size_t top)
{
    for (size_t i = 0; i < seq_len(stats) && i < top; i++)
        printf("    #%zu %s\n", i + 1, trepr(t, item(stats, i)));
}

static bool stat_is_line(tour *t, mor_obj *stat, int line)
{
    mor_obj *file = obj_attr(t, stat, "filename");
    const char *f = mor_str_utf8(file, NULL);
    size_t len = strlen(f);
    bool in_tour = len >= 6 && strcmp(f + len - 6, "tour.c") == 0;
    mor_decref(t->rt, file);
    return in_tour && attr_i64(t, stat, "lineno") == line;
}

static void sec_tracemalloc(tour *t)
{
    mor_rt *rt = t->rt;
    OKI(mor_trace_start(rt, 1));
    /* current and peak */
    int64_t c0 = tour_traced(t);
    tour_trace_reset_peak(t);
    mor_obj *tmp = range_list(t, 0, 100000);
    int64_t c1 = tour_traced(t);
    mor_decref(rt, tmp);
    int64_t c2 = tour_traced(t), peak = tour_traced_peak(t);
    tour_table tb;
    tt_begin(&tb, "lrr", "traced memory", "current", "peak");
    tt_row(&tb, "start", tsize(c0), "");
    tt_row(&tb, "after tmp = list(range(100000))", tsize(c1), "");
    tt_row(&tb, "after del tmp", tsize(c2), tsize(peak));
    tt_print(&tb);
    tour_claim(t, c2 == c0 && peak >= c1,
               "current falls back when the list dies; the peak remembers it (%s)",
               tsize(peak - c0));

    /* the memory hog finder: three structures, each made by one line */
    const int nstr = t->quick ? 10000 : 100000, nsq = t->quick ? 5000 : 50000;
    const int nfl = t->quick ? 8000 : 80000;
    int line_strs = 0, line_squares = 0, line_floats = 0;
    mor_obj *strs = OK(mor_list(rt, 0)), *squares = OK(mor_dict(rt)), *floats = OK(mor_set(rt));
    mor_obj *k, *v, *f;
    char buf[21];
    uint64_t seed = 2024;
    for (int i = 0; i < nstr; i++) {
        for (int j = 0; j < 20; j++)
            buf[j] = (char)('a' + tour_rand(&seed) % 26);
        line_strs = __LINE__ + 1;
        OKI(mor_list_append_steal(rt, strs, OK(mor_str_n(rt, buf, 20))));
    }
    for (int i = 0; i < nsq; i++) {
        line_squares = __LINE__ + 1; /* one line, so that the keys, values and table count here */
        k = OK(mor_int(rt, i)), v = OK(mor_int(rt, (int64_t)i * i)), OKI(mor_dict_set(rt, squares, k, v));
        mor_decref(rt, k), mor_decref(rt, v);
    }
    for (int i = 0; i < nfl; i++) {
        line_floats = __LINE__ + 1;
        f = OK(mor_float(rt, i + 0.5)), OKI(mor_set_add(rt, floats, f));
        mor_decref(rt, f);
    }
    mor_obj *snap = OK(mor_trace_snapshot(rt));
    mor_obj *stats = OK(mor_snapshot_statistics(rt, snap, "lineno"));
    printf("\n  top 10 lines of the block (%s random 20-char strings, a dict of %s squares, a set "
           "of %s floats):\n",
           tnum(nstr), tnum(nsq), tnum(nfl));
    print_top(t, stats, 10);
    bool found[3] = {false, false, false};
    const int lines[3] = {line_strs, line_squares, line_floats};
    for (size_t i = 0; i < 3 && i < seq_len(stats); i++)
        for (int j = 0; j < 3; j++)
            found[j] = found[j] || stat_is_line(t, item(stats, i), lines[j]);
    tour_claim(t, found[0] && found[1] && found[2],
               "the top 3 lines are the three lines of tour.c that made them (%d, %d, %d)",
               line_strs, line_squares, line_floats);

    /* a snapshot diff: drop the strings, make 10,000 small lists */
    mor_decref(rt, strs);
    mor_obj *lists = OK(mor_list(rt, 0));
    int line_lists = __LINE__ + 2;
    for (int i = 0; i < 10000; i++)
        OKI(mor_list_append_steal(rt, lists, OK(mor_list(rt, 0))));
    mor_obj *snap2 = OK(mor_trace_snapshot(rt));
    mor_obj *diff = OK(mor_snapshot_compare(rt, snap2, snap, "lineno"));
    printf("\n  snapshot diff after del strings and 10,000 new lists (top 3):\n");
    print_top(t, diff, 3);
    int64_t strs_diff = seq_len(diff) > 0 ? attr_i64(t, item(diff, 0), "size_diff") : 0;
    bool lists_up = false;
    for (size_t i = 0; i < 3 && i < seq_len(diff); i++)
        lists_up = lists_up || (stat_is_line(t, item(diff, i), line_lists) &&
                                attr_i64(t, item(diff, i), "size_diff") > 0);
    tour_claim(t, seq_len(diff) > 0 && stat_is_line(t, item(diff, 0), line_strs) && strs_diff < 0 &&
                      lists_up,
               "the diff puts the strings' line first (%s) and shows the new lists' line grow",
               tsigned(strs_diff));
    tour_lesson(t, "trace allocations by line: snapshots and their differences point at the code "
                   "that holds the memory, not just at how much there is.");
    mor_decref(rt, diff), mor_decref(rt, snap2), mor_decref(rt, lists), mor_decref(rt, stats);
    mor_decref(rt, snap), mor_decref(rt, squares), mor_decref(rt, floats);
    mor_trace_stop(rt);
}

/* ==== 15. line-profile =============================================================================== */

/* a = [1] * n; b = [2] * (2 * n); del b; del a -- each statement followed by its mark */
static void __attribute__((noinline)) profiled_function(tour *t, int64_t n)
{
    mor_rt *rt = t->rt;
    mor_obj *one = OK(mor_int(rt, 1)), *two = OK(mor_int(rt, 2));      MOR_PROFILE_LINE(rt);
    mor_obj *a = repeat_list(t, one, n);           /* a = [1] * n */     MOR_PROFILE_LINE(rt);
    mor_obj *b = repeat_list(t, two, 2 * n);       /* b = [2] * (2 * n) */ MOR_PROFILE_LINE(rt);
    mor_decref(rt, b);                             /* del b */           MOR_PROFILE_LINE(rt);
    mor_decref(rt, a);                             /* del a */           MOR_PROFILE_LINE(rt);
}

/* The increments of the rows of a mor_profile_print table, in bytes, in line order. */
static size_t profile_increments(const char *text, double *inc, size_t max)
{
    size_t n = 0;
    for (const char *line = text; line != NULL && *line != '\0' && n < max;) {
        int lineno;
        double usage, increment;
        char u1[8], u2[8];
        if (sscanf(line, "%d %lf %7s %lf %7s", &lineno, &usage, u1, &increment, u2) == 5) {
            double unit = strcmp(u2, "MiB") == 0 ? 1024.0 * 1024.0 : 1024.0;
            inc[n++] = increment * unit;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return n;
}

static void sec_line_profile(tour *t)
{
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    OKI(mor_trace_start(t->rt, 1));
    profiled_function(t, n);
    char *text = NULL;
    print_indented(t, mor_profile_print, &text);
    double inc[8];
    size_t rows = profile_increments(text, inc, 8);
    free(text);
    mor_profile_clear(t->rt);
    mor_trace_stop(t->rt);
    double ptr = (double)sizeof(void *), slack = 0.06 * 1024 * 1024; /* the table's rounding */
    tour_claim(t, rows == 5 && inc[1] >= (double)n * ptr - slack &&
                      inc[2] >= 2 * (double)n * ptr - slack,
               "the two lines that build the lists add about %s and %s",
               tsize(n * (int64_t)sizeof(void *)), tsize(2 * n * (int64_t)sizeof(void *)));
    tour_claim(t, rows == 5 && inc[3] < 0 && inc[3] + inc[2] < slack && inc[3] + inc[2] > -slack,
               "`del b` shows a negative increment that gives b's memory back at once");
    tour_lesson(t, "a line-by-line profile shows which statement allocates and which frees; under "
                   "refcounting the memory comes back on the very line that drops the last reference.");
}

/* ==== 16. refcounting ================================================================================= */

static void sec_refcounting(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *x = OK(mor_list(rt, 0)), *holder = OK(mor_list(rt, 0)), *d = OK(mor_dict(rt));
    mor_obj *key = OK(mor_str_const(rt, "k")), *y = NULL;
    tour_table tb;
    tt_begin(&tb, "lrr", "step", "refcount(x)", "expected");
    size_t expect = 1;
    bool follows = true;
#define STEP(text, stmt, delta)                                                                    \
    do {                                                                                           \
        stmt;                                                                                      \
        expect += (size_t)(delta);                                                                 \
        follows = follows && mor_refcount(x) == expect;                                            \
        tt_row(&tb, text, tnum((int64_t)mor_refcount(x)), tnum((int64_t)expect));                  \
    } while (0)
    STEP("x = []", (void)0, 0);
    STEP("holder.append(x)", OKI(mor_list_append(rt, holder, x)), 1);
    STEP("d['k'] = x", OKI(mor_dict_set(rt, d, key, x)), 1);
    STEP("y = x", y = mor_newref(x), 1);
    STEP("del y", mor_decref(rt, y), -1);
    STEP("holder.pop()", mor_decref(rt, OK(mor_list_pop(rt, holder, -1))), -1);
    STEP("del d['k']", OKI(mor_dict_del(rt, d, key)), -1);
#undef STEP
    tt_print(&tb);
    tour_claim(t, follows, "the count follows the references exactly: +1 per new one, -1 per "
                           "dropped one");

    /* the last reference: traced bytes fall on that line */
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    tour_trace_on(t);
    mor_obj *big = range_list(t, 0, n);
    int64_t deep = OKI(mor_deep_sizeof(rt, big)), objects = 1;
    for (size_t i = 0; i < seq_len(big); i++)
        objects += !mor_is_immortal(item(big, i));
    uint64_t live0 = live_objects(t), gcs0 = gc_collections(t);
    int64_t before = tour_traced(t);
    mor_decref(rt, big); /* del big */
    int64_t fell = before - tour_traced(t);
    uint64_t freed = live0 - live_objects(t);
    mor_trace_stop(rt);
    tour_say("del big (list(range(%s)), deep size %s): %s objects and %s freed by that one "
             "statement",
             tnum(n), tsize(deep), tnum((int64_t)freed), tsize(fell));

    /* an owner holding a file: closed the moment the owner dies */
    char path[512];
    snprintf(path, sizeof(path), "%s/owned.txt", tour_tmpdir(t));
    if (tw_write_numbers(path, 3) < 0)
        tour_fail(t, "cannot write %s", path);
    static const char *const fields[] = {"lines", NULL};
    mor_obj *cls = OK(mor_class_new(rt, "Owner", fields, MOR_CLASS_SLOTS));
    int fds0 = tour_open_fds();
    mor_obj *lines = OK(mor_file_lines(rt, path));
    mor_obj *owner = mor_call(rt, cls, 1, &lines);
    mor_decref(rt, lines);
    OK(owner);
    mor_obj *first = OK(mor_next(rt, lines));
    int fds1 = tour_open_fds();
    mor_decref(rt, owner); /* del owner */
    int fds2 = tour_open_fds();
    tour_say("open files: %d before, %d while Owner(lines of a file) is alive, %d right after "
             "del owner",
             fds0, fds1, fds2);
    tour_claim(t, freed == (uint64_t)objects && fell >= deep - deep / 100 &&
                      gc_collections(t) == gcs0,
               "dropping the last reference frees the list and its ints at once, no collection "
               "involved");
    tour_claim(t, fds1 == fds0 + 1 && fds2 == fds0,
               "the file is closed the moment its owner dies");
    tour_lesson(t, "reference counting frees an object the instant its last reference goes: memory "
                   "and resources (files, sockets) come back deterministically.");
    mor_decref(rt, first), mor_decref(rt, cls), mor_decref(rt, x), mor_decref(rt, holder);
    mor_decref(rt, d), mor_decref(rt, key);
}

/* ==== 17. cycles ========================================================================================= */

/* What a gc callback records: STARTs seen, and the pauses of each generation. */
typedef struct gc_log {
    uint64_t starts, stops[3];
    uint64_t *pauses[3];
    size_t cap[3];
    bool oom;
} gc_log;

static void gc_logger(mor_rt *rt, const mor_gc_info *info, void *ud)
{
    (void)rt;
    gc_log *log = ud;
    if (info->phase == MOR_GC_START) {
        log->starts++;
        return;
    }
    int g = info->generation < 0 || info->generation > 2 ? 2 : info->generation;
    if (log->stops[g] == log->cap[g]) {
        size_t cap = log->cap[g] ? log->cap[g] * 2 : 64;
        uint64_t *p = realloc(log->pauses[g], cap * sizeof(*p));
        if (p == NULL) {
            log->oom = true;
            return;
        }
        log->pauses[g] = p, log->cap[g] = cap;
    }
    log->pauses[g][log->stops[g]++] = info->duration_ns;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void sec_cycles(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *cls = OK(tw_node_class(rt));
    const int fanout = 10, depth = t->quick ? 3 : 4;
    mor_gc_disable(rt);
    tour_trace_on(t);
    uint64_t live0 = live_objects(t);
    int64_t mem0 = tour_traced(t), nodes;
    mor_obj *root = OK(tw_tree(rt, cls, fanout, depth, false, &nodes));
    uint64_t live1 = live_objects(t);
    int64_t mem1 = tour_traced(t);
    mor_decref(rt, root); /* del root */
    uint64_t live2 = live_objects(t);
    int64_t mem2 = tour_traced(t);
    uint64_t t0 = tour_now_ns();
    int64_t found = OKI(mor_gc_collect(rt, -1));
    uint64_t collect_ns = tour_now_ns() - t0;
    uint64_t live3 = live_objects(t);
    int64_t mem3 = tour_traced(t);
    mor_trace_stop(rt);
    tour_say("a tree of %s Node objects, fanout %d: every child's .parent refers back to its "
             "parent; collector disabled",
             tnum(nodes), fanout);
    tour_table tb;
    tt_begin(&tb, "lrr", "moment", "live objects", "traced memory");
    tt_row(&tb, "before", tnum((int64_t)live0), tsize(mem0 - mem0));
    tt_row(&tb, "tree built", tnum((int64_t)live1), tsigned(mem1 - mem0));
    tt_row(&tb, "del root (refcounting alone)", tnum((int64_t)live2), tsigned(mem2 - mem0));
    tt_row(&tb, tfmt("gc.collect() -> %s, %s", tnum(found), ttime(collect_ns)),
           tnum((int64_t)live3), tsigned(mem3 - mem0));
    tt_print(&tb);
    tour_claim(t, live2 == live1 && mem2 == mem1,
               "under refcounting alone the dropped tree stays: every parent<->child pair keeps "
               "itself alive");
    tour_claim(t, found >= nodes && live3 == live0 && mem3 == mem0,
               "one collection finds the %s unreachable objects and frees all of them", tnum(found));

    /* generations, thresholds, counts; a callback timing each collection */
    unsigned th[3];
    size_t c0[3], c1[3];
    mor_gc_get_threshold(rt, th);
    mor_gc_get_count(rt, c0);
    mor_obj *keep = OK(mor_list(rt, 0));
    for (int i = 0; i < 500; i++)
        OKI(mor_list_append_steal(rt, keep, OK(mor_list(rt, 0))));
    mor_gc_get_count(rt, c1);
    mor_decref(rt, keep);
    tour_say("thresholds %u, %u, %u (" CPY ": 700, 10, 10); generation 0 count %zu -> %zu after "
             "500 new lists",
             th[0], th[1], th[2], c0[0], c1[0]);
    gc_log log;
    memset(&log, 0, sizeof(log));
    int id = (int)OKI(mor_gc_add_callback(rt, gc_logger, &log));
    mor_gc_stats before[3];
    for (int g = 0; g < 3; g++)
        mor_gc_get_stats(rt, g, &before[g]);
    mor_gc_enable(rt);
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    keep = OK(mor_list(rt, 0));
    t0 = tour_now_ns();
    for (int64_t i = 0; i < n; i++) /* keep = [[None] for _ in range(n)] */
        OKI(mor_list_append_steal(rt, keep, OK(mor_list(rt, 1, mor_none(rt)))));
    uint64_t loop_ns = tour_now_ns() - t0;
    mor_gc_disable(rt);
    OKI(mor_gc_remove_callback(rt, id));
    mor_decref(rt, keep);
    printf("\n");
    tt_begin(&tb, "lrrrr", tfmt("%s lists kept alive (%s)", tnum(n), ttime(loop_ns)),
             "collections", "median pause", "longest", CPY " (1M lists)");
    static const char *const cpython[3] = {"1302 / 7.5 us / 66 us", "118 / 102 us / 177 us",
                                           "8 / 24.8 ms / 46.4 ms"};
    bool reported = log.starts == log.stops[0] + log.stops[1] + log.stops[2] && !log.oom;
    for (int g = 0; g < 3; g++) {
        mor_gc_stats st;
        mor_gc_get_stats(rt, g, &st);
        reported = reported && st.collections - before[g].collections == log.stops[g];
        uint64_t med = 0, max = 0;
        if (log.stops[g] > 0) {
            qsort(log.pauses[g], log.stops[g], sizeof(uint64_t), cmp_u64);
            med = log.pauses[g][log.stops[g] / 2], max = log.pauses[g][log.stops[g] - 1];
        }
        tt_row(&tb, tfmt("generation %d", g), tnum((int64_t)log.stops[g]),
               log.stops[g] ? ttime(med) : "-", log.stops[g] ? ttime(max) : "-", cpython[g]);
    }
    tt_print(&tb);
    tour_claim(t, c1[0] >= c0[0] + 500, "every new container counts toward generation 0");
    tour_claim(t, reported && log.stops[0] > log.stops[1] && log.stops[1] >= log.stops[2] &&
                      log.stops[1] > 0,
               "the callback saw every collection, young ones most often");
    tour_lesson(t, "refcounting cannot free cycles; the generational collector finds them, "
                   "scanning young objects often and old ones rarely.");
    for (int g = 0; g < 3; g++)
        free(log.pauses[g]);
    mor_decref(rt, cls);
}

/* ==== 18. weak-parents =================================================================================== */

static void sec_weak_parents(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *cls = OK(tw_node_class(rt));
    const int fanout = 10, depth = t->quick ? 3 : 4;
    mor_gc_disable(rt);
    tour_trace_on(t);
    uint64_t live0 = live_objects(t), gcs0 = gc_collections(t);
    int64_t mem0 = tour_traced(t), nodes;
    mor_obj *root = OK(tw_tree(rt, cls, fanout, depth, true, &nodes));
    uint64_t live1 = live_objects(t);
    int64_t mem1 = tour_traced(t);
    /* root.children[0].parent() is root */
    mor_obj *kids = obj_attr(t, root, "children"), *wr = obj_attr(t, item(kids, 0), "parent");
    mor_obj *parent = OK(mor_weakref_get(rt, wr));
    bool back = parent == root;
    mor_decref(rt, parent), mor_decref(rt, wr), mor_decref(rt, kids);
    mor_decref(rt, root); /* del root */
    uint64_t live2 = live_objects(t);
    int64_t mem2 = tour_traced(t);
    uint64_t gcs2 = gc_collections(t);
    /* what traced memory is left: the blocks still held, by line */
    mor_obj *snap = OK(mor_trace_snapshot(rt));
    mor_obj *stats = OK(mor_snapshot_statistics(rt, snap, "lineno"));
    int64_t blocks = 0;
    for (size_t i = 0; i < seq_len(stats); i++)
        blocks += attr_i64(t, item(stats, i), "count");
    mor_decref(rt, stats), mor_decref(rt, snap);
    int64_t found = OKI(mor_gc_collect(rt, -1));
    mor_trace_stop(rt);
    tour_say("the same tree of %s nodes, each child.parent a weakref.ref(parent); collector "
             "disabled",
             tnum(nodes));
    tour_table tb;
    tt_begin(&tb, "lrr", "moment", "live objects", "traced memory");
    tt_row(&tb, "before", tnum((int64_t)live0), tsize(0));
    tt_row(&tb, "tree built", tnum((int64_t)live1), tsigned(mem1 - mem0));
    tt_row(&tb, "del root (refcounting alone)", tnum((int64_t)live2), tsigned(mem2 - mem0));
    tt_print(&tb);
    tour_say("root.children[0].parent() is root: %s; a later gc.collect() finds %lld objects",
             yes(back), (long long)found);
    tour_say("what stays traced after del root: %lld block%s, %s: the runtime's weak-reference "
             "table keeps the size it grew to",
             (long long)blocks, blocks == 1 ? "" : "s", tsize(mem2 - mem0));
    tour_claim(t, back, "a child still reaches its parent through the weak reference");
    tour_claim(t, live2 == live0 && gcs2 == gcs0 && found == 0 && blocks <= 1,
               "dropping the root frees the whole tree by refcounting alone: no collection ran, "
               "none was needed");
    tour_lesson(t, "make back-references weak (parent, owner, observer) and trees free themselves "
                   "as soon as the last outside reference goes.");
    mor_decref(rt, cls);
}

/* ==== 19. caches ========================================================================================= */

static int64_t slow_calls;

static mor_obj *fn_slow_square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data, (void)nargs;
    slow_calls++;
    return mor_mul(rt, args[0], args[0]);
}

/* memo[key] if there, else memo[key] = fn(key) */
static void memo_call(tour *t, mor_obj *memo, mor_obj *fn, int64_t key)
{
    mor_obj *k = OK(mor_int(t->rt, key)), *v = NULL;
    if (OKI(mor_dict_lookup(t->rt, memo, k, &v)) == 0) {
        v = OK(mor_call(t->rt, fn, 1, &k));
        OKI(mor_dict_set(t->rt, memo, k, v));
    }
    mor_decref(t->rt, k), mor_decref(t->rt, v);
}

static void cached_call(tour *t, mor_obj *cached, int64_t key)
{
    mor_obj *k = OK(mor_int(t->rt, key));
    mor_obj *v = mor_call(t->rt, cached, 1, &k);
    mor_decref(t->rt, k);
    mor_decref(t->rt, OK(v));
}

static void sec_caches(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? 2000 : 10000;
    const size_t maxsize = 1000;
    mor_obj *fn = func(t, "slow_square", fn_slow_square, NULL), *memo = OK(mor_dict(rt));
    tour_trace_on(t);
    int64_t m0 = tour_traced(t), memo_mem[2], lru_mem[2];
    size_t memo_len[2], lru_size[2], hits, misses;
    for (int phase = 0; phase < 2; phase++) {
        for (int64_t i = phase * n; i < (phase + 1) * n; i++)
            memo_call(t, memo, fn, i);
        memo_mem[phase] = tour_traced(t) - m0;
        memo_len[phase] = (size_t)OKI(mor_len(rt, memo));
    }
    int64_t memo_calls = slow_calls;
    slow_calls = 0;
    int64_t l0 = tour_traced(t);
    mor_obj *lru = OK(mor_lru_cache(rt, fn, maxsize));
    for (int phase = 0; phase < 2; phase++) {
        for (int64_t i = phase * n; i < (phase + 1) * n; i++)
            cached_call(t, lru, i);
        lru_mem[phase] = tour_traced(t) - l0;
        OKI(mor_lru_cache_info(rt, lru, NULL, NULL, &lru_size[phase]));
    }
    for (int64_t i = 2 * n - 500; i < 2 * n; i++) /* the 500 most recent keys again */
        cached_call(t, lru, i);
    OKI(mor_lru_cache_info(rt, lru, &hits, &misses, NULL));
    mor_trace_stop(rt);
    tour_table tb;
    tt_begin(&tb, "rrrrr", "distinct keys", "memo dict entries", "memo memory",
             tfmt("lru_cache(%zu) entries", maxsize), "lru memory");
    for (int p = 0; p < 2; p++)
        tt_row(&tb, tnum((p + 1) * n), tnum((int64_t)memo_len[p]), tsize(memo_mem[p]),
               tnum((int64_t)lru_size[p]), tsize(lru_mem[p]));
    tt_print(&tb);
    tour_say("then the 500 most recent keys again: lru hits %s, misses %s; slow_square ran %s "
             "times for the memo, %s for the lru",
             tnum((int64_t)hits), tnum((int64_t)misses), tnum(memo_calls), tnum(slow_calls));
    tour_claim(t, memo_len[1] == (size_t)(2 * n) && memo_mem[1] > memo_mem[0] + memo_mem[0] / 2,
               "the unbounded memo grows with every new key (%s -> %s)", tsize(memo_mem[0]),
               tsize(memo_mem[1]));
    int64_t lru_growth = lru_mem[1] - lru_mem[0];
    tour_claim(t, lru_size[0] == maxsize && lru_size[1] == maxsize &&
                      lru_growth * 20 < memo_mem[1] - memo_mem[0],
               "the lru_cache stays at %zu entries and its memory stays flat (%s)", maxsize,
               tsigned(lru_growth));
    tour_claim(t, hits == 500 && misses == (size_t)(2 * n) && slow_calls == (int64_t)misses,
               "its hits and misses account for every call");
    tour_lesson(t, "a plain dict memo is a leak with a good excuse; bound caches (lru_cache(maxsize)) "
                   "so they keep the hot keys and forget the rest.");
    mor_decref(rt, lru), mor_decref(rt, memo), mor_decref(rt, fn);
}

/* ==== 20. duplicates ====================================================================================== */

static void sec_duplicates(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? 2000 : 10000;
    mor_obj *items = OK(mor_list(rt, 0));
    for (int64_t i = 0; i < n - 1; i++)
        OKI(mor_list_append_steal(rt, items, OK(mor_int(rt, 1000 + 7 * i))));
    mor_obj *dup = OK(mor_int(rt, 1000 + 7 * (n / 2))); /* equal to items[n / 2], not the same */
    OKI(mor_list_append_steal(rt, items, dup));
    mor_obj *const *it = mor_seq_items(items, NULL);

    /* for i: for j > i: if items[i] == items[j] */
    int64_t comparisons = 0, loop_i = -1, loop_j = -1;
    uint64_t t0 = tour_now_ns();
    for (int64_t i = 0; i < n && loop_i < 0; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            comparisons++;
            if (OKI(mor_eq(rt, it[i], it[j]))) {
                loop_i = i, loop_j = j;
                break;
            }
        }
    }
    uint64_t loop_ns = tour_now_ns() - t0;

    /* seen = set(); for x in items: if x in seen ...; seen.add(x) */
    int64_t lookups = 0, set_j = -1;
    t0 = tour_now_ns();
    mor_obj *seen = OK(mor_set(rt));
    for (int64_t j = 0; j < n; j++) {
        lookups++;
        if (OKI(mor_contains(rt, seen, it[j]))) {
            set_j = j;
            break;
        }
        OKI(mor_set_add(rt, seen, it[j]));
    }
    uint64_t set_ns = tour_now_ns() - t0;
    tour_table tb;
    tt_begin(&tb, "llrr", tfmt("find the duplicate among %s ints", tnum(n)), "found at",
             "work", "time");
    tt_row(&tb, "nested loops", tfmt("items[%lld] == items[%lld]", (long long)loop_i,
                                     (long long)loop_j),
           tfmt("%s comparisons", tnum(comparisons)), ttime(loop_ns));
    tt_row(&tb, "a set of the items seen", tfmt("items[%lld]", (long long)set_j),
           tfmt("%s set lookups", tnum(lookups)), ttime(set_ns));
    tt_print(&tb);
    tour_say("the set was %.0fx faster on this run (timings vary; the counts do not)",
             (double)loop_ns / (double)(set_ns ? set_ns : 1));
    tour_claim(t, loop_j == n - 1 && set_j == n - 1 && loop_i == n / 2,
               "both find the same duplicate");
    tour_claim(t, comparisons >= lookups * (n / 4),
               "the loops compare pairs (%s, quadratic); the set looks each item up once (%s, "
               "linear)",
               tnum(comparisons), tnum(lookups));
    tour_lesson(t, "membership tests inside a loop belong to a set: it turns O(n^2) pair "
                   "comparisons into n hash lookups.");
    mor_decref(rt, seen), mor_decref(rt, items);
}

/* ==== 21. pools ========================================================================================== */

static void sec_pools(tour *t)
{
    mor_rt *rt = t->rt;
    const int64_t n = t->quick ? MILLION / 20 : MILLION;
    mor_alloc_stats s0, s1;
    mor_alloc_get_stats(rt, &s0);
    uint64_t t0 = tour_now_ns();
    for (int64_t i = 0; i < n; i++) { /* t = [(i + 0.5, 1000 + i)] dropped at once */
        mor_obj *f = OK(mor_float(rt, (double)i + 0.5)), *k = OK(mor_int(rt, 1000 + i));
        mor_obj *tup = OK(mor_tuple(rt, 2, f, k)), *l = OK(mor_list(rt, 1, tup));
        mor_decref(rt, l), mor_decref(rt, tup), mor_decref(rt, k), mor_decref(rt, f);
    }
    uint64_t churn_ns = tour_now_ns() - t0;
    mor_alloc_get_stats(rt, &s1);
    tour_say("%s times: a float, an int, a 2-tuple and a 1-item list made and dropped (%s, "
             "%.1f ns per iteration)",
             tnum(n), ttime(churn_ns), (double)churn_ns / (double)n);
    tour_table tb;
    tt_begin(&tb, "lrrrrr", "free list", "hits", "misses", "hit rate", "blocks cached",
             "bytes cached");
    bool high = true;
    for (int p = 0; p < MOR_ALLOC_POOLS; p++) {
        const mor_pool_stats *a = &s0.pools[p], *b = &s1.pools[p];
        uint64_t hits = b->hits - a->hits, misses = b->misses - a->misses;
        double rate = hits + misses ? 100.0 * (double)hits / (double)(hits + misses) : 0;
        high = high && rate >= 99.0;
        tt_row(&tb, b->name, tnum((int64_t)hits), tnum((int64_t)misses), tfmt("%.2f%%", rate),
               tnum((int64_t)b->cached), tsize((int64_t)b->cached_bytes));
    }
    tt_print(&tb);
    tour_say("the allocator's report after the churn:");
    print_indented(t, mor_alloc_print_stats, NULL);
    mor_rusage ru;
    if (mor_get_rusage(&ru) == 0)
        tour_say("process: max RSS %s so far, current RSS %s", tsize((int64_t)ru.max_rss_bytes),
                 tsize((int64_t)ru.current_rss_bytes));
    uint64_t held0 = s0.live_blocks - s0.pooled_blocks, held1 = s1.live_blocks - s1.pooled_blocks;
    tour_claim(t, high, "every free list served at least 99%% of its requests");
    tour_claim(t, held1 == held0 && s1.pooled_blocks <= s0.pooled_blocks + 4 * 2000u,
               "the churn holds nothing but the bounded free lists (%s blocks cached)",
               tnum((int64_t)s1.pooled_blocks));
    tour_lesson(t, "short-lived small objects recycle the same few blocks through free lists: "
                   "churn costs a pop and a push, not a trip to the allocator.");
}

/* ==== 22. heap-graph ====================================================================================== */

static int count_lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* The objects reachable from o (immortal ones included), each once, and their references. */
static int64_t count_references(tour *t, mor_obj *o, visited *v)
{
    if (!visit_once(t, v, o))
        return 0;
    mor_obj *refs = OK(mor_gc_get_referents(t->rt, o));
    int64_t n = (int64_t)seq_len(refs);
    for (size_t i = 0; i < seq_len(refs); i++)
        n += count_references(t, item(refs, i), v);
    mor_decref(t->rt, refs);
    return n;
}

static void sec_heap_graph(tour *t)
{
    mor_rt *rt = t->rt;
    mor_obj *cls = OK(tw_node_class(rt)), *nodes[3];
    for (int i = 0; i < 3; i++) {
        mor_obj *v = OK(mor_int(rt, i + 1)), *kids = OK(mor_list(rt, 0));
        mor_obj *args[3] = {v, mor_none(rt), kids};
        nodes[i] = OK(mor_call(rt, cls, 3, args));
        mor_decref(rt, v), mor_decref(rt, kids);
    }
    for (int i = 0; i < 3; i++) { /* a ring: nodes[i].parent = nodes[i - 1] */
        OKI(mor_setattr(rt, nodes[i], "parent", nodes[(i + 2) % 3]));
        mor_obj *kids = obj_attr(t, nodes[(i + 2) % 3], "children");
        OKI(mor_list_append(rt, kids, nodes[i]));
        mor_decref(rt, kids);
    }
    char dot[512], svg[512];
    snprintf(dot, sizeof(dot), "%s/tour-heap-graph.dot", tour_outdir());
    snprintf(svg, sizeof(svg), "%s/tour-heap-graph.svg", tour_outdir());
    FILE *f = fopen(dot, "w");
    if (f == NULL)
        tour_fail(t, "cannot write %s", dot);
    int rc = mor_graph_dot(rt, nodes[0], 6, MOR_GRAPH_REFERENTS, f);
    fclose(f);
    OKI(rc);
    int nnodes = count_lines_with(dot, "[label="), nedges = count_lines_with(dot, " -> ");
    int nnode_objs = count_lines_with(dot, "[label=\"Node\\n");
    visited v = {NULL, 0, 0};
    int64_t refs = count_references(t, nodes[0], &v); /* every object reachable, and its links */
    size_t reachable = v.n;
    free(v.o);
    tour_say("three Node objects in a ring (each the parent of the next), with their children "
             "lists");
    tour_say("DOT written to %s: %d nodes, %d edges", dot, nnodes, nedges);
    bool rendered = false;
    if (system("command -v dot >/dev/null 2>&1") == 0) {
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' -o '%s'", dot, svg);
        rendered = system(cmd) == 0 && access(svg, R_OK) == 0;
        tour_say("rendered with Graphviz: %s%s", svg, rendered ? "" : " (dot failed)");
    } else {
        tour_say("Graphviz's dot is not installed: render it with `dot -Tsvg %s -o %s`", dot,
                 svg);
        rendered = true; /* nothing to check */
    }
    tour_claim(t, nnodes == (int)reachable && nedges == refs && nnode_objs == 3,
               "the graph draws each of the %zu objects reachable once (the 3 Nodes among them) "
               "and each of their %lld references once",
               reachable, (long long)refs);
    tour_claim(t, rendered, "the SVG rendering succeeded (when Graphviz is there)");
    tour_lesson(t, "draw the heap to see why something is alive: a reference graph makes cycles "
                   "and unexpected owners visible at a glance.");
    for (int i = 0; i < 3; i++)
        mor_decref(rt, nodes[i]);
    mor_decref(rt, cls);
    OKI(mor_gc_collect(rt, -1)); /* the ring */
}

/* ==== 23. versus-boehm ==================================================================================== */

/* One figure printed by tour-work: {"workload": "...", "figure": "...", "value": V, "unit": "..."} */
typedef struct figure {
    char workload[16], name[40], value[48], unit[12];
} figure;

#define MAX_FIGURES 32

/* Copy the value of "key" in a flat JSON line into out (strings unquoted). */
static bool json_field(const char *line, const char *key, char *out, size_t n)
{
    char pat[48];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (p == NULL)
        return false;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    bool quoted = *p == '"';
    p += quoted;
    size_t k = 0;
    while (*p && k + 1 < n && (quoted ? *p != '"' : (*p != ',' && *p != '}' && *p != ' ')))
        out[k++] = *p++;
    out[k] = '\0';
    return true;
}

/* Run `prog workload [--quick]`, collecting its figures; false (with why) if it failed. */
static bool run_work(tour *t, const char *prog, const char *workload, figure *figs, size_t *n,
                     char *why, size_t whylen)
{
    char cmd[1024], line[256];
    snprintf(cmd, sizeof(cmd), "'%s' %s%s 2>&1", prog, workload, t->quick ? " --quick" : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        snprintf(why, whylen, "cannot run %s", prog);
        return false;
    }
    why[0] = '\0';
    while (fgets(line, sizeof(line), p) != NULL) {
        figure *f = &figs[*n];
        if (*n < MAX_FIGURES && json_field(line, "figure", f->name, sizeof(f->name)) &&
            json_field(line, "value", f->value, sizeof(f->value))) {
            snprintf(f->workload, sizeof(f->workload), "%s", workload);
            if (!json_field(line, "unit", f->unit, sizeof(f->unit)))
                f->unit[0] = '\0';
            ++*n;
        } else if (strlen(why) + strlen(line) < whylen) {
            strcat(why, line); /* anything else it said: an error message */
        }
    }
    int status = pclose(p);
    if (status != 0) {
        size_t len = strlen(why);
        snprintf(why + len, whylen - len, "(%s %s exited with status %d)", prog, workload,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return false;
    }
    return true;
}

static const figure *find_figure(const figure *figs, size_t n, const char *workload,
                                 const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(figs[i].workload, workload) == 0 && strcmp(figs[i].name, name) == 0)
            return &figs[i];
    return NULL;
}

static double figure_value(const figure *f) { return f ? strtod(f->value, NULL) : -1; }

static const char *figure_text(const figure *f)
{
    if (f == NULL)
        return "-";
    double v = strtod(f->value, NULL);
    if (strcmp(f->unit, "B") == 0)
        return tsize((int64_t)v);
    if (strcmp(f->unit, "ms") == 0)
        return tfmt("%.1f ms", v);
    if (strcmp(f->unit, "count") == 0)
        return tnum((int64_t)v);
    return tfmt("%s", f->value);
}

static void sec_versus_boehm(tour *t)
{
#ifndef TOUR_WORK_BOEHM
    tour_skip(t, "libmor-boehm is not part of this build: meson did not find bdw-gc (Debian: "
                 "libgc-dev; scripts/deps.sh installs it), so tour-work-boehm was not built");
#else
    static const char *const workloads[2] = {"cycles", "pipeline"};
    figure mor[MAX_FIGURES], boehm[MAX_FIGURES];
    size_t nm = 0, nb = 0;
    char why[1024];
    if (access(TOUR_WORK_BOEHM, X_OK) != 0) {
        tour_skip(t, "%s is missing: build the demos first (ninja)", TOUR_WORK_BOEHM);
        return;
    }
    for (int w = 0; w < 2; w++) {
        if (!run_work(t, TOUR_WORK_MOR, workloads[w], mor, &nm, why, sizeof(why)))
            tour_fail(t, "tour-work %s failed: %s", workloads[w], why);
        if (!run_work(t, TOUR_WORK_BOEHM, workloads[w], boehm, &nb, why, sizeof(why))) {
            tour_say("tour-work-boehm %s failed: %s", workloads[w], why);
            tour_claim(t, false, "the Boehm build runs the %s workload", workloads[w]);
        }
    }
    tour_say("the same workload source built twice; each workload in a fresh process; "
             "collections are those mor_gc_get_stats reports (under Boehm, only explicit ones)");
    tour_say("memory as each library's statistics report it: mor, bytes allocated and not yet "
             "freed; Boehm, its heap minus its free bytes (garbage not yet reclaimed included)");
    tour_table tb;
    tt_begin(&tb, "llrr", "workload", "figure", "mor (refcount + cycle collector)",
             "libmor-boehm");
    for (size_t i = 0; i < nm; i++) {
        const figure *b = find_figure(boehm, nb, mor[i].workload, mor[i].name);
        tt_row(&tb, mor[i].workload, mor[i].name, figure_text(&mor[i]), figure_text(b));
    }
    tt_print(&tb);
#define FIG(set, n, w, name) figure_value(find_figure(set, n, w, name))
    const figure *mr = find_figure(mor, nm, "pipeline", "result");
    const figure *br = find_figure(boehm, nb, "pipeline", "result");
    double rounds = FIG(mor, nm, "cycles", "rounds");
    double b_tree = FIG(boehm, nb, "cycles", "tree_alive_after_2_collects");
    double b_trees = FIG(boehm, nb, "cycles", "trees_alive_after_2_collects");
    if (b_tree > 0 || b_trees > 0)
        tour_say("Boehm kept %.0f of the %.0f round trees and %s the first one through its "
                 "collections: a conservative collector takes any word on the C stack that looks "
                 "like a pointer into a tree for a reference, and the parent links make all the "
                 "nodes reachable from any one of them",
                 b_trees, rounds, b_tree > 0 ? "kept" : "freed");
    tour_claim(t, mr != NULL && br != NULL && strcmp(mr->value, br->value) == 0 &&
                      FIG(mor, nm, "pipeline", "result_is_right") == 1,
               "both builds compute the same, right pipeline result");
    tour_claim(t, FIG(mor, nm, "cycles", "held_after_drop") > 0 &&
                      FIG(mor, nm, "cycles", "tree_alive_after_2_collects") == 0 &&
                      FIG(mor, nm, "cycles", "trees_alive_after_2_collects") == 0,
               "mor: a dropped cyclic tree stays until a collection, which frees it, every time");
    tour_claim(t, b_trees >= 0 && b_trees * 2 < rounds,
               "Boehm: with no reference counts at all, its collections reclaim most of the "
               "dropped trees (%.0f of %.0f)",
               rounds - b_trees, rounds);
#undef FIG
    tour_lesson(t, "refcounting frees acyclic garbage at once and needs its cycle collector only "
                   "for cycles; a tracing collector like Boehm frees everything, but only when "
                   "it runs.");
#endif
}

/* ==== the sections and the driver ========================================================================= */

typedef struct section {
    const char *name, *what;
    void (*run)(tour *t);
} section;

static const section sections[] = {
    {"sizes", "shallow sizes of everyday objects; shallow vs deep", sec_sizes},
    {"small-ints", "the -5..256 int cache, and a runtime with a wider one", sec_small_ints},
    {"interning", "shared identifier constants, intern(), matching by identity", sec_interning},
    {"references-and-copies", "assignment, shallow and deep copies, equal vs identical",
     sec_references},
    {"containers", "tuple vs list size; membership in a set vs a list", sec_containers},
    {"generators-vs-lists", "a generator's size and peak against a 1M-item list's",
     sec_generators},
    {"pipeline", "a generator pipeline over a file: the peak does not grow with it",
     sec_pipeline},
    {"lazy", "the first five squares above 1M: eager vs lazy work", sec_lazy},
    {"string-building", "+= in place, join, and += with a second reference (quadratic)",
     sec_string_building},
    {"slots", "dict-based vs __slots__ instances, one and by the 100,000", sec_slots},
    {"arrays", "a list of ints vs an 'i' array; flags in one int; a sparse dict", sec_arrays},
    {"no-copies", "list slices copy; islice and memoryview do not", sec_no_copies},
    {"deep-size", "the deep size of a structure with sharing vs a naive sum", sec_deep_size},
    {"tracemalloc", "traced current/peak, top lines, snapshot diff, the memory hog finder",
     sec_tracemalloc},
    {"line-profile", "a line-by-line memory profile with a negative increment",
     sec_line_profile},
    {"refcounting", "refcounts as references come and go; prompt frees; files closed",
     sec_refcounting},
    {"cycles", "cycles leak under refcounting; the collector, its generations and pauses",
     sec_cycles},
    {"weak-parents", "weak parent references: the tree frees itself, no collection",
     sec_weak_parents},
    {"caches", "an unbounded memo dict vs an lru_cache of 1,000", sec_caches},
    {"duplicates", "finding a duplicate: nested loops vs a set", sec_duplicates},
    {"pools", "free lists and the allocator report after churning 1M small objects",
     sec_pools},
    {"heap-graph", "the DOT graph of a small cyclic structure, rendered to SVG", sec_heap_graph},
    {"versus-boehm", "the cycles and pipeline figures under libmor-boehm beside mor's",
     sec_versus_boehm},
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

typedef struct outcome {
    int claims, failed;
    bool skipped, error;
} outcome;

/* Run one section in a fresh runtime; it must leave no object alive behind it. */
static outcome run_section(const section *s, size_t index, bool quick)
{
    static tour t; /* static: its fields survive the longjmp of OK() untouched */
    memset(&t, 0, sizeof(t));
    t.quick = quick, t.name = s->name;
    mor_config cfg;
    mor_config_init(&cfg);
    cfg.leaks = MOR_LEAKS_IGNORE; /* leaks are checked below, after a collection */
    t.rt = mor_rt_new(&cfg);
    outcome o = {0, 0, false, false};
    printf("\n=== %zu/%zu %s: %s\n", index + 1, NSECTIONS, s->name, s->what);
    if (t.rt == NULL) {
        printf("  [ERROR] mor_rt_new failed\n");
        o.error = true;
        return o;
    }
    uint64_t t0 = tour_now_ns();
    if (setjmp(t.bail) == 0) {
        s->run(&t);
        if (mor_trace_is_tracing(t.rt))
            mor_trace_stop(t.rt);
        mor_gc_collect(t.rt, -1);
        size_t left = mor_rt_live_objects(t.rt);
        if (left != 0)
            tour_claim(&t, false, "the section released every object it made (%zu left alive)",
                       left);
    } else {
        printf("  [ERROR] %s\n", t.error);
        o.error = true;
    }
    mor_rt_free(t.rt);
    tour_section_cleanup(&t);
    printf("  (%s)\n", ttime(tour_now_ns() - t0));
    o.claims = t.claims, o.failed = t.failed, o.skipped = t.skipped;
    return o;
}

static void usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [--quick] [--list] [SECTION...]\n"
            "  runs every section of the tour, or the ones named; --list lists them;\n"
            "  --quick (or MOR_QUICK in the environment) uses smaller sizes, same claims.\n",
            argv0);
}

int main(int argc, char **argv)
{
    bool quick = getenv("MOR_QUICK") != NULL, chosen[NSECTIONS] = {false}, any = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < NSECTIONS; k++)
                printf("%-22s %s\n", sections[k].name, sections[k].what);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, argv[0]);
            return 0;
        } else {
            size_t k = 0;
            while (k < NSECTIONS && strcmp(sections[k].name, argv[i]) != 0)
                k++;
            if (k == NSECTIONS) {
                fprintf(stderr, "tour: no section named '%s' (tour --list names them)\n",
                        argv[i]);
                usage(stderr, argv[0]);
                return 2;
            }
            chosen[k] = any = true;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    mor_rt *probe = mor_rt_new(NULL);
    mor_alloc_stats st;
    if (probe != NULL)
        mor_alloc_get_stats(probe, &st);
    printf("mor tour: the memory lessons of the Python guides, measured in mor%s\n",
           quick ? " (--quick: smaller sizes)" : "");
    printf("allocator backend: %s; CPython 3.11 columns are fixed reference figures measured "
           "with Python 3.11.7 on this machine type (shared/reference/cpython311-figures.md)\n",
           probe != NULL ? st.backend : "?");
    if (probe != NULL)
        mor_rt_free(probe);
    int claims = 0, failed = 0, ran = 0;
    const char *bad[NSECTIONS];
    size_t nbad = 0, skipped = 0;
    for (size_t k = 0; k < NSECTIONS; k++) {
        if (any && !chosen[k])
            continue;
        outcome o = run_section(&sections[k], k, quick);
        ran++;
        claims += o.claims, failed += o.failed;
        skipped += o.skipped;
        if (o.failed > 0 || o.error)
            bad[nbad++] = sections[k].name;
    }
    printf("\n");
    if (nbad == 0) {
        printf("tour: %d section%s, %d claims checked, all held", ran, ran == 1 ? "" : "s",
               claims);
        if (skipped > 0)
            printf(" (%zu section%s skipped)", skipped, skipped == 1 ? "" : "s");
        printf("\n");
        return 0;
    }
    fprintf(stderr, "tour: %d of %d claims did not hold; failed section%s:", failed, claims,
            nbad == 1 ? "" : "s");
    for (size_t i = 0; i < nbad; i++)
        fprintf(stderr, " %s", bad[i]);
    fprintf(stderr, "\n");
    return 1;
}
