/* tests/test_str.c: str and bytes: creation and UTF-8 validation, the
 * singletons, interning, hashing, building (append, join, fmt), the sequence
 * operations, repr (checked against python3 3.11 output) and iteration. */
#include "testutil.h"

#include "core/strbuf.h"
#include "types/types.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static mor_obj *t_str(mor_rt *rt, const char *s)
{
    mor_obj *o = mor_str(rt, s);
    assert_non_null(o);
    return o;
}

/* Assert that o is a str whose text is exactly want (n bytes) and release o. */
#define t_check_str_n(rt, o, want, n) t_check_str_at((rt), (o), (want), (n), __FILE__, __LINE__)
#define t_check_str(rt, o, want) t_check_str_n((rt), (o), (want), strlen(want))
static void t_check_str_at(mor_rt *rt, mor_obj *o, const char *want, size_t n, const char *file,
                           int line)
{
    if (o == NULL)
        fail_msg("%s:%d: got NULL (%s: %s)", file, line, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
    size_t got_n;
    const char *got = mor_str_utf8(o, &got_n);
    if (got == NULL)
        fail_msg("%s:%d: not a str but a '%s'", file, line, mor_type_name(o));
    if (got_n != n || memcmp(got, want, n) != 0)
        fail_msg("%s:%d: got \"%s\" (%zu bytes), want \"%s\" (%zu bytes)", file, line, got, got_n,
                 want, n);
    if (got[n] != '\0')
        fail_msg("%s:%d: text not NUL-terminated", file, line);
    mor_decref(rt, o);
}

/* Code points of valid UTF-8 text, counted independently of str.c. */
static int64_t t_cps(const char *s, size_t n)
{
    int64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ---- creation and validation ----------------------------------------------------------------- */

static void test_create(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "hello");
    assert_true(mor_is_str(s));
    assert_false(mor_is_bytes(s));
    size_t n;
    assert_string_equal(mor_str_utf8(s, &n), "hello");
    assert_int_equal(n, 5);
    assert_int_equal(mor_str_length(s), 5);
    assert_int_equal(mor_len(rt, s), 5);
    assert_int_equal(mor_refcount(s), 1);
    assert_string_equal(mor_type_name(s), "str");
    mor_decref(rt, s);

    /* embedded NUL bytes are text like any other */
    s = mor_str_n(rt, "a\0b\0", 4);
    assert_non_null(s);
    assert_int_equal(mor_str_length(s), 4);
    t_assert_repr(rt, s, "'a\\x00b\\x00'");
    t_check_str_n(rt, s, "a\0b\0", 4);

    /* the length may cut a longer C string */
    t_check_str(rt, mor_str_n(rt, "abcdef", 3), "abc");

    /* not a str */
    mor_obj *i = mor_int(rt, 7);
    assert_null(mor_str_utf8(i, &n));
    assert_int_equal(n, 0);
    assert_int_equal(mor_str_length(i), -1);
    assert_false(mor_is_str(i));
    mor_decref(rt, i);

    assert_null(mor_str(rt, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_null(mor_str_n(rt, NULL, 3));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_null(mor_str_const(rt, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
}

static void test_invalid_utf8(void **state)
{
    T_RT;
    static const struct {
        const char *text;
        size_t n;
        size_t offset;
    } bad[] = {
        {"ab\xff", 3, 2},                 /* never valid */
        {"abc\x80", 4, 3},                /* lone continuation byte */
        {"\xc0\xaf", 2, 0},               /* overlong 2-byte '/' */
        {"\xc1\xbf", 2, 0},               /* overlong 2-byte */
        {"x\xe0\x80\xaf", 4, 1},          /* overlong 3-byte */
        {"xy\xf0\x80\x80\xaf", 6, 2},     /* overlong 4-byte */
        {"xy\xed\xa0\x80", 5, 2},         /* surrogate U+D800 */
        {"\xed\xbf\xbf", 3, 0},           /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 4, 0},       /* U+110000 */
        {"\xf5\x80\x80\x80", 4, 0},       /* lead byte past U+10FFFF */
        {"abcd\xe2\x82", 6, 4},           /* truncated 3-byte at the end */
        {"\xf0\x9f\x98", 3, 0},           /* truncated 4-byte */
        {"h\xc3\xa9\xc3", 4, 3},          /* valid then truncated */
        {"h\xc3\xa9\xe2\x28\xa1", 6, 3},  /* bad continuation */
        {"0123456789abcdef\xfe", 17, 16}, /* after a word-sized ASCII run */
    };
    for (size_t i = 0; i < MORI_COUNTOF(bad); i++) {
        assert_null(mor_str_n(rt, bad[i].text, bad[i].n));
        char want[64];
        snprintf(want, sizeof(want), "invalid UTF-8 at byte offset %zu ", bad[i].offset);
        t_expect_exc(rt, MOR_EXC_VALUE, want);
    }
    /* the boundaries themselves are valid */
    static const char *const good[] = {
        "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
        "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
    };
    for (size_t i = 0; i < MORI_COUNTOF(good); i++) {
        mor_obj *s = mor_str(rt, good[i]);
        assert_non_null(s);
        assert_int_equal(mor_str_length(s), 1);
        mor_decref(rt, s);
    }
}

static void test_lengths(void **state)
{
    T_RT;
    static const struct {
        const char *text;
        int64_t len;
    } cases[] = {
        {"", 0}, {"a", 1}, {"hello", 5}, {"h\xc3\xa9llo", 5}, {"\xe4\xbd\xa0\xe5\xa5\xbd", 2},
        {"\xf0\x9f\x98\x80", 1}, {"a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80z", 5},
    };
    for (size_t i = 0; i < MORI_COUNTOF(cases); i++) {
        mor_obj *s = t_str(rt, cases[i].text);
        assert_int_equal(mor_str_length(s), cases[i].len);
        assert_int_equal(mor_len(rt, s), cases[i].len);
        assert_int_equal(mor_is_true(rt, s), cases[i].len > 0);
        bool ascii = (size_t)cases[i].len == strlen(cases[i].text);
        assert_int_equal((s->flags & MORI_STR_ASCII) != 0, ascii);
        mor_decref(rt, s);
    }
}

static void test_sizes(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "hi");
    assert_true(mor_sizeof(s) <= 40); /* DESIGN section 6 */
    assert_int_equal(mor_sizeof(s), 35);
    mor_decref(rt, s);
    s = t_str(rt, "h\xc3\xa9"); /* non-ASCII: + the 8-byte length */
    assert_int_equal(mor_sizeof(s), 32 + 8 + 3 + 1);
    mor_decref(rt, s);
    assert_int_equal(mor_sizeof(rt->empty_str), 33);
    mor_obj *b = mor_bytes(rt, "hi", 2);
    assert_int_equal(mor_sizeof(b), 24 + 2 + 1);
    mor_decref(rt, b);
}

/* ---- singletons ------------------------------------------------------------------------------ */

static void test_singletons(void **state)
{
    T_RT;
    size_t live = mor_rt_live_objects(rt);
    mor_obj *e1 = t_str(rt, ""), *e2 = mor_str_n(rt, "xyz", 0);
    assert_ptr_equal(e1, e2);
    assert_ptr_equal(e1, rt->empty_str);
    assert_true(mor_is_immortal(e1));
    mor_obj *a1 = t_str(rt, "a"), *a2 = mor_str_n(rt, "abc", 1);
    assert_ptr_equal(a1, a2);
    assert_ptr_equal(a1, rt->chars['a']);
    assert_true(mor_is_immortal(a1));
    assert_int_equal(mor_rt_live_objects(rt), live); /* runtime singletons are not counted */

    /* indexing, slicing and iteration give the cached objects too */
    mor_obj *abc = t_str(rt, "abc");
    mor_obj *zero = mor_int(rt, 0);
    mor_obj *g = mor_getitem(rt, abc, zero);
    assert_ptr_equal(g, a1);
    mor_obj *sl = mor_slice(rt, abc, 0, 1, 1);
    assert_ptr_equal(sl, a1);
    mor_obj *sl0 = mor_slice(rt, abc, 2, 1, 1);
    assert_ptr_equal(sl0, e1);
    mor_obj *it = mor_iter(rt, abc);
    mor_obj *first = mor_next(rt, it);
    assert_ptr_equal(first, a1);
    mor_obj *whole = mor_slice(rt, abc, MOR_SLICE_NONE, MOR_SLICE_NONE, 1);
    assert_ptr_equal(whole, abc); /* an immutable full slice is the string itself */
    mor_obj *objs[] = {g, sl, sl0, it, first, whole, zero, abc, e1, e2, a1, a2};
    for (size_t i = 0; i < MORI_COUNTOF(objs); i++)
        mor_decref(rt, objs[i]);

    /* a one-character non-ASCII string is not cached */
    mor_obj *x1 = t_str(rt, "\xc3\xa9"), *x2 = t_str(rt, "\xc3\xa9");
    assert_ptr_not_equal(x1, x2);
    mor_decref(rt, x1);
    mor_decref(rt, x2);
    assert_int_equal(mor_rt_live_objects(rt), live);

    mor_obj *eb = mor_bytes(rt, "", 0), *eb2 = mor_bytes(rt, NULL, 0);
    assert_ptr_equal(eb, rt->empty_bytes);
    assert_ptr_equal(eb, eb2);
    assert_true(mor_is_immortal(eb));
    mor_decref(rt, eb);
    mor_decref(rt, eb2);
}

/* ---- interning ------------------------------------------------------------------------------- */

static void test_intern_const(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    mor_obj *a = mor_str_const(rt, "hello_world"), *b = mor_str_const(rt, "hello_world");
    assert_ptr_equal(a, b);
    assert_true(mor_str_is_interned(a));
    assert_int_equal(mor_refcount(a), 2); /* the table holds no reference */

    /* not identifier-like: fresh objects, not interned */
    static const char *const plain[] = {"hello world", "h\xc3\xa9llo", "a-b", "x.y"};
    for (size_t i = 0; i < MORI_COUNTOF(plain); i++) {
        mor_obj *p = mor_str_const(rt, plain[i]), *q = mor_str_const(rt, plain[i]);
        assert_ptr_not_equal(p, q);
        assert_false(mor_str_is_interned(p));
        assert_int_equal(mor_eq(rt, p, q), 1);
        mor_decref(rt, p);
        mor_decref(rt, q);
    }
    /* "" is not identifier-like: the empty singleton, not interned */
    mor_obj *e = mor_str_const(rt, "");
    assert_ptr_equal(e, rt->empty_str);
    assert_false(mor_str_is_interned(e));
    mor_decref(rt, e);

    /* mor_str never interns; mor_intern canonicalizes runtime strings */
    mor_obj *r = t_str(rt, "hello_world");
    assert_ptr_not_equal(r, a);
    assert_false(mor_str_is_interned(r));
    mor_obj *ri = mor_intern(rt, r);
    assert_ptr_equal(ri, a);
    assert_false(mor_str_is_interned(r));
    mor_decref(rt, ri);
    mor_decref(rt, r);

    /* interning a string with a space works through mor_intern */
    mor_obj *s1 = t_str(rt, "hello world"), *s2 = t_str(rt, "hello world");
    mor_obj *i1 = mor_intern(rt, s1), *i2 = mor_intern(rt, s2);
    assert_ptr_equal(i1, s1);
    assert_ptr_equal(i2, s1);
    assert_true(mor_str_is_interned(s1));
    assert_false(mor_str_is_interned(s2));
    mor_obj *i3 = mor_intern(rt, i1); /* idempotent */
    assert_ptr_equal(i3, s1);
    mor_obj *drop[] = {s1, s2, i1, i2, i3, a, b};
    for (size_t i = 0; i < MORI_COUNTOF(drop); i++)
        mor_decref(rt, drop[i]);

    /* the one-character cache can be interned on demand and stays canonical */
    mor_obj *c = mor_str_const(rt, "q");
    assert_ptr_equal(c, rt->chars['q']);
    assert_true(mor_str_is_interned(c));
    mor_obj *c2 = t_str(rt, "q");
    mor_obj *c3 = mor_intern(rt, c2);
    assert_ptr_equal(c3, c);
    mor_decref(rt, c);
    mor_decref(rt, c2);
    mor_decref(rt, c3);

    mor_obj *n = mor_int(rt, 1000);
    assert_null(mor_intern(rt, n));
    t_expect_exc(rt, MOR_EXC_TYPE, "intern() argument must be str, not int");
    mor_decref(rt, n);
    assert_false(mor_str_is_interned(NULL));
}

/* The table does not keep strings alive: a dropped interned string leaves it. */
static void test_intern_mortal(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    size_t live = mor_rt_live_objects(rt);
    size_t used = rt->interned.used;
    mor_obj *s = t_str(rt, "mortal string");
    mor_obj *i = mor_intern(rt, s);
    assert_ptr_equal(i, s);
    assert_int_equal(mor_refcount(s), 2);
    assert_int_equal(rt->interned.used, used + 1);
    mor_decref(rt, i);
    mor_decref(rt, s); /* freed: leaves the table */
    assert_int_equal(rt->interned.used, used);
    assert_int_equal(mor_rt_live_objects(rt), live);

    mor_obj *s2 = t_str(rt, "mortal string");
    mor_obj *i2 = mor_intern(rt, s2);
    assert_ptr_equal(i2, s2); /* nothing stale was found: the new one is canonical */
    mor_decref(rt, s2);
    assert_int_equal(mor_refcount(i2), 1);
    assert_true(mor_str_is_interned(i2));
    mor_decref(rt, i2);
    assert_int_equal(rt->interned.used, used);

    /* many strings: growth, deleted slots, lookups through them */
    enum { N = 3000 };
    mor_obj **keep = calloc(N, sizeof(mor_obj *));
    assert_non_null(keep);
    for (int k = 0; k < N; k++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "name_%d", k);
        keep[k] = mor_str_const(rt, buf);
        assert_true(mor_str_is_interned(keep[k]));
    }
    assert_int_equal(rt->interned.used, used + N);
    for (int k = 0; k < N; k += 2) { /* drop every other one */
        mor_decref(rt, keep[k]);
        keep[k] = NULL;
    }
    assert_int_equal(rt->interned.used, used + N / 2);
    for (int k = 0; k < N; k++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "name_%d", k);
        mor_obj *fresh = t_str(rt, buf);
        mor_obj *canon = mor_intern(rt, fresh);
        if (keep[k] != NULL)
            assert_ptr_equal(canon, keep[k]);
        else
            assert_ptr_equal(canon, fresh);
        mor_decref(rt, fresh);
        mor_decref(rt, canon);
    }
    for (int k = 0; k < N; k++)
        mor_xdecref(rt, keep[k]);
    free(keep);
    assert_int_equal(rt->interned.used, used);
    assert_int_equal(mor_rt_live_objects(rt), live);
}

/* ---- hashing --------------------------------------------------------------------------------- */

static int64_t t_hash(mor_rt *rt, mor_obj *o)
{
    int64_t h;
    assert_int_equal(mor_hash(rt, o, &h), 0);
    return h;
}

static void test_hash(void **state)
{
    T_RT;
    mor_obj *a = t_str(rt, "h\xc3\xa9llo"), *b = t_str(rt, "h\xc3\xa9llo"), *c = t_str(rt, "hello");
    assert_false(a->flags & MORI_STR_HASHED);
    int64_t ha = t_hash(rt, a);
    assert_true(a->flags & MORI_STR_HASHED); /* cached */
    assert_int_equal(((mori_str *)a)->hash, ha);
    assert_int_equal(t_hash(rt, a), ha);
    assert_int_equal(t_hash(rt, b), ha);
    assert_int_not_equal(t_hash(rt, c), ha);
    assert_int_equal(mori_str_hash(rt, a), ha);
    /* str and bytes with the same bytes hash alike (as in CPython) */
    mor_obj *bc = mor_bytes(rt, "hello", 5);
    assert_int_equal(t_hash(rt, bc), t_hash(rt, c));
    mor_decref(rt, a);
    mor_decref(rt, b);
    mor_decref(rt, c);
    mor_decref(rt, bc);
}

/* SipHash-1-3 under the all-zero key is what CPython 3.11 uses with
 * PYTHONHASHSEED=0 for bytes (and for ASCII str): these are
 * `PYTHONHASHSEED=0 python3 -c 'print(hash(bytes(range(n))))'` for n = 1..64. */
static const int64_t py_hash_range[64] = {
    7541581120933061747,  75343234424780393,    5569996484167262381,  8990380680374275517,
    6538700447601091189,  -2034959046543467301, 3389392686435873370,  -1525574692105212182,
    8471974163824919394,  -5791779039405073891, -115740592296166145,  -6432559758609227326,
    -6859208656633754099, 9189037121149337191,  -932606700130547222,  -8542738587087157833,
    5225236159122152477,  -5925962270939806083, 657325654227320089,   7178233520606413056,
    -5657665531564445127, -527289465380090626,  3977570258815460607,  3537676771234361146,
    -1444719898350436817, -1353614107090847566, 2617956415000713695,  -8298586103631508793,
    -4712758420010561915, -3159341870034423610, 1627832755361535131,  3598235784765792923,
    9202856407763044854,  -7892805419654524023, 4339566747243068355,  -6019181711686620205,
    4767789530095809126,  -4143119747097539105, 7815635221972701803,  -7657190176164314618,
    -8031542562448509335, -238905852762926924,  -681935136673478076,  -2857705416615276035,
    -8405945097431665673, -8950049031037928236, -8897432854234768883, -135349581900668033,
    2580226153599493808,  4712602803585117193,  -1055706146100266862, -2389696732672392358,
    -572609912970156354,  1723971484596559640,  5917965492351738128,  -6561516733286465514,
    -1940387667550197386, -8855468342501125546, 1324148796740745644,  -2784788945368847375,
    -3616590324466592251, -6501218254933888668, 4061470857350050649,  8493894268803903686,
};

static void test_siphash(void **state)
{
    (void)state;
    unsigned char buf[64];
    for (int i = 0; i < 64; i++)
        buf[i] = (unsigned char)i;
    for (size_t n = 1; n <= 64; n++)
        assert_int_equal((int64_t)mori_siphash13(0, 0, buf, n), py_hash_range[n - 1]);
    /* str hashes: PYTHONHASHSEED=0 python3 -c 'print(hash("abc"))' etc. */
    assert_int_equal((int64_t)mori_siphash13(0, 0, "abc", 3), -4594863902769663758);
    assert_int_equal((int64_t)mori_siphash13(0, 0, "hello world", 11), -5642461784034726774);
    assert_int_equal((int64_t)mori_siphash13(0, 0, "\xff\x00", 2), 7217110220190950386);

    /* determinism, key sensitivity (each key bit), length sensitivity (0..64
     * zero bytes all differ: the length is part of the last word) */
    uint64_t by_len[65];
    unsigned char zeros[64] = {0};
    for (size_t n = 0; n <= 64; n++) {
        by_len[n] = mori_siphash13(1, 2, zeros, n);
        assert_int_equal(by_len[n], mori_siphash13(1, 2, zeros, n));
        for (size_t m = 0; m < n; m++)
            assert_int_not_equal(by_len[n], by_len[m]);
        for (unsigned bit = 0; bit < 64; bit += 7) {
            assert_int_not_equal(mori_siphash13(1 ^ (UINT64_C(1) << bit), 2, zeros, n), by_len[n]);
            assert_int_not_equal(mori_siphash13(1, 2 ^ (UINT64_C(1) << bit), zeros, n), by_len[n]);
        }
    }
}

static int64_t t_hash_with_seed(uint64_t seed, const char *text)
{
    mor_config c;
    mor_config_init(&c);
    c.hash_seed = seed;
    mor_rt *rt = t_rt_new_cfg(&c);
    mor_obj *s = t_str(rt, text);
    int64_t h = t_hash(rt, s);
    mor_decref(rt, s);
    mor_rt_free(rt);
    return h;
}

static void test_hash_seed(void **state)
{
    (void)state;
    int64_t h1 = t_hash_with_seed(42, "hello");
    assert_int_equal(t_hash_with_seed(42, "hello"), h1);
    assert_int_not_equal(t_hash_with_seed(43, "hello"), h1);
    assert_int_not_equal(t_hash_with_seed(42, "hellp"), h1);
    /* seed 0: random per runtime (equal by chance with probability 2^-64) */
    assert_int_not_equal(t_hash_with_seed(0, "hello"), t_hash_with_seed(0, "hello"));
}

/* ---- building -------------------------------------------------------------------------------- */

static void test_append(void **state)
{
    T_RT;
    T_NEEDS_RC("in-place append needs a proven unique owner, which only refcounts give");
    /* uniquely owned: grown in place; the block moves only a logarithmic
     * number of times however many appends */
    mor_obj *s = t_str(rt, "ab");
    mor_obj *c = t_str(rt, "cd");
    int moves = 0;
    for (int i = 0; i < 10000; i++) {
        mor_obj *before = s;
        assert_int_equal(mor_str_append(rt, &s, c), 0);
        moves += s != before;
    }
    assert_true(moves < 64);
    assert_int_equal(mor_str_length(s), 2 + 20000);
    assert_int_equal(mor_sizeof(s), 32 + 20002 + 1);
    mor_decref(rt, s);

    /* in place while refcount 1: once the block has moved, the funnel left a
     * quarter of slack, so the next small append keeps the same object */
    s = t_str(rt, "abc");
    mor_obj *p = s;
    int grown = 0;
    while (s == p && grown < 1000) {
        assert_int_equal(mor_str_append(rt, &s, rt->chars['d']), 0);
        grown++;
    }
    assert_ptr_not_equal(s, p);
    p = s;
    int64_t h = t_hash(rt, s);
    assert_int_equal(mor_str_append(rt, &s, rt->chars['e']), 0);
    assert_ptr_equal(s, p);
    assert_false(s->flags & MORI_STR_HASHED); /* the cached hash is dropped */
    char text[1024] = "abc";
    memset(text + 3, 'd', (size_t)grown);
    text[3 + grown] = 'e';
    text[4 + grown] = '\0';
    mor_obj *fresh = t_str(rt, text);
    assert_int_equal(t_hash(rt, s), t_hash(rt, fresh));
    assert_int_not_equal(t_hash(rt, s), h);
    mor_decref(rt, fresh);

    /* a second reference forces a copy: both strings stay right */
    mor_obj *alias = mor_newref(s);
    assert_int_equal(mor_str_append(rt, &s, c), 0);
    assert_ptr_not_equal(s, alias);
    assert_int_equal(mor_refcount(alias), 1);
    assert_int_equal(mor_refcount(s), 1);
    t_check_str(rt, alias, text);
    mor_obj *same = s;
    assert_int_equal(mor_str_append(rt, &s, s), 0); /* s += s: copies */
    assert_ptr_not_equal(s, same);
    char twice[2100];
    snprintf(twice, sizeof(twice), "%scd%scd", text, text);
    t_check_str(rt, s, twice);

    /* ASCII + non-ASCII (copy, the length field appears), then in place */
    s = t_str(rt, "ab");
    mor_obj *e = t_str(rt, "\xc3\xa9");
    assert_int_equal(mor_str_append(rt, &s, e), 0);
    assert_int_equal(mor_str_length(s), 3);
    assert_false(s->flags & MORI_STR_ASCII);
    p = s;
    assert_int_equal(mor_str_append(rt, &s, e), 0);
    assert_int_equal(mor_str_append(rt, &s, c), 0);
    assert_int_equal(mor_str_length(s), 6);
    (void)p;
    t_check_str(rt, s, "ab\xc3\xa9\xc3\xa9" "cd");

    /* interned and static strings are never changed */
    mor_obj *k = mor_str_const(rt, "keyword");
    assert_int_equal(mor_refcount(k), 1); /* uniquely owned, but interned */
    mor_obj *k0 = k;
    assert_int_equal(mor_str_append(rt, &k, c), 0);
    assert_ptr_not_equal(k, k0);
    t_check_str(rt, k, "keywordcd");
    mor_obj *k2 = mor_str_const(rt, "keyword");
    assert_int_equal(mor_str_length(k2), 7);
    mor_decref(rt, k2);
    s = mor_newref(rt->chars['z']);
    assert_int_equal(mor_str_append(rt, &s, c), 0);
    t_check_str(rt, s, "zcd");
    t_assert_repr(rt, rt->chars['z'], "'z'");
    s = mor_newref(rt->empty_str);
    assert_int_equal(mor_str_append(rt, &s, e), 0);
    assert_ptr_equal(s, e); /* "" + e is e */
    mor_decref(rt, s);

    /* errors leave *s as it was */
    s = t_str(rt, "xy");
    mor_obj *num = mor_int(rt, 5);
    p = s;
    assert_int_equal(mor_str_append(rt, &s, num), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "can only concatenate str (not \"int\") to str");
    assert_ptr_equal(s, p);
    mor_obj *n2 = num;
    assert_int_equal(mor_str_append(rt, &n2, s), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_ptr_equal(n2, num);
    t_check_str(rt, s, "xy");
    mor_decref(rt, num);
    mor_decref(rt, e);
    mor_decref(rt, c);
}

/* s += "x" a million times: linear thanks to in-place growth with slack. */
static void test_append_million(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "");
    mor_obj *x = t_str(rt, "x");
    for (int i = 0; i < 1000000; i++)
        assert_int_equal(mor_str_append(rt, &s, x), 0);
    assert_int_equal(mor_str_length(s), 1000000);
    size_t n;
    const char *d = mor_str_utf8(s, &n);
    assert_int_equal(n, 1000000);
    assert_int_equal(d[n], '\0');
    assert_int_equal(d[0], 'x');
    assert_int_equal(d[n - 1], 'x');
    assert_int_equal(mor_sizeof(s), 32 + 1000000 + 1);
    mor_decref(rt, s);
    mor_decref(rt, x);
}

static void test_concat(void **state)
{
    T_RT;
    mor_obj *a = t_str(rt, "ab"), *b = t_str(rt, "\xc3\xa9z"), *e = t_str(rt, "");
    mor_obj *r = mor_add(rt, a, b);
    assert_int_equal(mor_str_length(r), 4);
    t_check_str(rt, r, "ab\xc3\xa9z");
    r = mor_str_concat(rt, e, a);
    assert_ptr_equal(r, a);
    mor_decref(rt, r);
    r = mor_str_concat(rt, a, e);
    assert_ptr_equal(r, a);
    mor_decref(rt, r);
    r = mor_str_concat(rt, a, a);
    assert_true(r->flags & MORI_STR_ASCII);
    t_check_str(rt, r, "abab");

    mor_obj *i = mor_int(rt, 3);
    assert_null(mor_add(rt, a, i));
    t_expect_exc(rt, MOR_EXC_TYPE, "unsupported operand type(s) for +: 'str' and 'int'");
    assert_null(mor_add(rt, i, a));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_null(mor_str_concat(rt, a, i));
    t_expect_exc(rt, MOR_EXC_TYPE, "can only concatenate str (not \"int\") to str");
    mor_decref(rt, i);
    mor_decref(rt, a);
    mor_decref(rt, b);
    mor_decref(rt, e);
}

static void test_repeat(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "ab"), *u = t_str(rt, "\xc3\xa9x");
    mor_obj *three = mor_int(rt, 3), *zero = mor_int(rt, 0), *neg = mor_int(rt, -2);
    mor_obj *one = mor_int(rt, 1);
    t_check_str(rt, mor_mul(rt, s, three), "ababab");
    t_check_str(rt, mor_mul(rt, three, s), "ababab");
    mor_obj *r = mor_mul(rt, u, three);
    assert_int_equal(mor_str_length(r), 6);
    t_check_str(rt, r, "\xc3\xa9x\xc3\xa9x\xc3\xa9x");
    r = mor_mul(rt, s, zero);
    assert_ptr_equal(r, rt->empty_str);
    mor_decref(rt, r);
    r = mor_mul(rt, neg, s);
    assert_ptr_equal(r, rt->empty_str);
    mor_decref(rt, r);
    r = mor_mul(rt, s, one);
    assert_ptr_equal(r, s);
    mor_decref(rt, r);
    mor_obj *t = mor_bool(rt, true);
    t_check_str(rt, mor_mul(rt, s, t), "ab");
    mor_decref(rt, t);
    /* a long repetition (doubling copies) */
    mor_obj *k = mor_int(rt, 100001);
    r = mor_mul(rt, s, k);
    assert_int_equal(mor_str_length(r), 200002);
    const char *d = mor_str_utf8(r, NULL);
    for (size_t i = 0; i < 200002; i += 2)
        assert_true(d[i] == 'a' && d[i + 1] == 'b');
    mor_decref(rt, r);
    mor_decref(rt, k);

    mor_obj *huge = mor_int(rt, INT64_MAX);
    assert_null(mor_mul(rt, s, huge));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, "repeated string is too long");
    mor_decref(rt, huge);
    mor_obj *big = mor_int_from_str(rt, "1000000000000000000000000000000", 10);
    assert_non_null(big);
    assert_null(mor_mul(rt, big, s));
    t_expect_exc(rt, MOR_EXC_OVERFLOW, NULL);
    mor_decref(rt, big);
    assert_null(mor_mul(rt, s, s));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_obj *f = mor_float(rt, 2.0);
    assert_null(mor_mul(rt, s, f));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_decref(rt, f);
    mor_obj *drop[] = {s, u, three, zero, neg, one};
    for (size_t i = 0; i < MORI_COUNTOF(drop); i++)
        mor_decref(rt, drop[i]);
}

static void test_join(void **state)
{
    T_RT;
    mor_obj *a = t_str(rt, "a"), *bc = t_str(rt, "bc"), *def = t_str(rt, "d\xc3\xa9" "f");
    mor_obj *sep = t_str(rt, ", ");
    mor_obj *list = mor_list(rt, 3, a, bc, def);
    mor_obj *r = mor_str_join(rt, sep, list);
    assert_int_equal(mor_str_length(r), 10);
    assert_false(r->flags & MORI_STR_ASCII);
    assert_int_equal(mor_sizeof(r), 32 + 8 + 11 + 1); /* exactly sized */
    t_check_str(rt, r, "a, bc, d\xc3\xa9" "f");

    mor_obj *tup = mor_tuple(rt, 2, a, bc);
    r = mor_str_join(rt, sep, tup);
    assert_true(r->flags & MORI_STR_ASCII);
    assert_int_equal(mor_sizeof(r), 32 + 5 + 1);
    t_check_str(rt, r, "a, bc");
    mor_obj *usep = t_str(rt, "\xe2\x82\xac"); /* non-ASCII separator */
    r = mor_str_join(rt, usep, tup);
    assert_int_equal(mor_str_length(r), 4);
    t_check_str(rt, r, "a\xe2\x82\xac" "bc");
    mor_decref(rt, usep);

    /* trivial cases */
    mor_obj *empty = mor_list(rt, 0);
    r = mor_str_join(rt, sep, empty);
    assert_ptr_equal(r, rt->empty_str);
    mor_decref(rt, r);
    mor_obj *single = mor_list(rt, 1, bc);
    r = mor_str_join(rt, sep, single);
    assert_ptr_equal(r, bc);
    mor_decref(rt, r);
    mor_obj *e = rt->empty_str;
    mor_obj *ee = mor_list(rt, 2, e, a);
    r = mor_str_join(rt, e, ee);
    assert_ptr_equal(r, a); /* a one-byte result is the cached character */
    mor_decref(rt, r);
    mor_obj *dash = t_str(rt, "-");
    mor_obj *two_empty = mor_tuple(rt, 2, e, e);
    r = mor_str_join(rt, dash, two_empty);
    assert_ptr_equal(r, rt->chars['-']);
    mor_decref(rt, r);

    /* generic iterables: a str, a dict (its keys, in insertion order) */
    mor_obj *abc = t_str(rt, "a\xc3\xa9" "c");
    t_check_str(rt, mor_str_join(rt, dash, abc), "a-\xc3\xa9-c");
    mor_obj *d = mor_dict(rt);
    mor_obj *one = mor_int(rt, 1);
    assert_int_equal(mor_dict_set(rt, d, bc, one), 0);
    assert_int_equal(mor_dict_set(rt, d, a, one), 0);
    assert_int_equal(mor_dict_set(rt, d, def, one), 0);
    t_check_str(rt, mor_str_join(rt, dash, d), "bc-a-d\xc3\xa9" "f");

    /* errors */
    mor_obj *bad = mor_list(rt, 3, a, one, bc);
    assert_null(mor_str_join(rt, sep, bad));
    t_expect_exc(rt, MOR_EXC_TYPE, "sequence item 1: expected str instance, int found");
    assert_null(mor_str_join(rt, one, list));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    assert_null(mor_str_join(rt, sep, one));
    t_expect_exc(rt, MOR_EXC_TYPE, "not iterable");
    assert_int_equal(mor_dict_set(rt, d, one, one), 0);
    assert_null(mor_str_join(rt, sep, d));
    t_expect_exc(rt, MOR_EXC_TYPE, "sequence item 3: expected str instance, int found");

    mor_obj *drop[] = {a, bc, def, sep, list, tup, empty, single, ee, dash, two_empty, abc,
                       d, one, bad};
    for (size_t i = 0; i < MORI_COUNTOF(drop); i++)
        mor_decref(rt, drop[i]);
}

static void test_fmt(void **state)
{
    T_RT;
    t_check_str(rt, mor_str_fmt(rt, "k%07d", 42), "k0000042");
    t_check_str(rt, mor_str_fmt(rt, "%s=%.2f", "pi", 3.14159), "pi=3.14");
    t_check_str(rt, mor_str_fmt(rt, "caf%s", "\xc3\xa9"), "caf\xc3\xa9");
    mor_obj *s = mor_str_fmt(rt, "%0300d|", 7); /* longer than the stack buffer */
    assert_int_equal(mor_str_length(s), 301);
    const char *d = mor_str_utf8(s, NULL);
    assert_int_equal(d[298], '0');
    assert_int_equal(d[299], '7');
    mor_decref(rt, s);
    s = mor_str_fmt(rt, "%s", "");
    assert_ptr_equal(s, rt->empty_str);
    mor_decref(rt, s);
    assert_null(mor_str_fmt(rt, "bad %s", "\xff"));
    t_expect_exc(rt, MOR_EXC_VALUE, "invalid UTF-8 at byte offset 4");
}

/* mori_str_from_lossy: maximal subparts become U+FFFD, as Python's
 * bytes.decode("utf-8", "replace"). */
static void test_lossy(void **state)
{
    T_RT;
#define FFFD "\xef\xbf\xbd"
    static const struct {
        const char *in;
        size_t n;
        const char *out;
        int64_t len;
    } cases[] = {
        {"plain", 5, "plain", 5},
        {"a\xff" "b\xe2\x82", 5, "a" FFFD "b" FFFD, 4},
        {"\xf0\x9f\x98" "A", 4, FFFD "A", 2},
        {"\xed\xa0\x80", 3, FFFD FFFD FFFD, 3},
        {"\xc0\xaf", 2, FFFD FFFD, 2},
        {"\xf4\x90\x80\x80z", 5, FFFD FFFD FFFD FFFD "z", 5},
        {"\xe0\x80", 2, FFFD FFFD, 2},
        {"\xc3\xa9\x80", 3, "\xc3\xa9" FFFD, 2},
    };
#undef FFFD
    for (size_t i = 0; i < MORI_COUNTOF(cases); i++) {
        mor_obj *s = mori_str_from_lossy(rt, cases[i].in, cases[i].n);
        assert_int_equal(mor_str_length(s), cases[i].len);
        t_check_str(rt, s, cases[i].out);
    }
    mor_obj *s = mori_str_from_lossy(rt, NULL, 5);
    assert_ptr_equal(s, rt->empty_str);
    mor_decref(rt, s);
}

/* ---- sequence operations --------------------------------------------------------------------- */

static void test_index(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80z");
    static const struct {
        int64_t i;
        const char *want;
    } cases[] = {
        {0, "a"}, {1, "\xc3\xa9"}, {2, "\xe4\xbd\xa0"}, {3, "\xf0\x9f\x98\x80"}, {4, "z"},
        {-1, "z"}, {-2, "\xf0\x9f\x98\x80"}, {-5, "a"},
    };
    for (size_t k = 0; k < MORI_COUNTOF(cases); k++) {
        mor_obj *i = mor_int(rt, cases[k].i);
        mor_obj *c = mor_getitem(rt, s, i);
        assert_int_equal(mor_str_length(c), 1);
        t_check_str(rt, c, cases[k].want);
        mor_decref(rt, i);
    }
    static const int64_t out[] = {5, -6, 1000, INT64_MIN};
    for (size_t k = 0; k < MORI_COUNTOF(out); k++) {
        mor_obj *i = mor_int(rt, out[k]);
        assert_null(mor_getitem(rt, s, i));
        t_expect_exc(rt, MOR_EXC_INDEX, "string index out of range");
        mor_decref(rt, i);
    }
    mor_obj *t = mor_bool(rt, true);
    t_check_str(rt, mor_getitem(rt, s, t), "\xc3\xa9");
    mor_decref(rt, t);
    assert_null(mor_getitem(rt, s, s));
    t_expect_exc(rt, MOR_EXC_TYPE, "string indices must be integers");
    mor_decref(rt, s);
}

/* Python's slice.indices(), written independently of the protocol's version. */
static int64_t t_slice_indices(int64_t len, int64_t start, int64_t stop, int64_t step,
                               int64_t *idx)
{
    int64_t lower = step > 0 ? 0 : -1, upper = step > 0 ? len : len - 1;
    if (start == MOR_SLICE_NONE)
        start = step > 0 ? lower : upper;
    else if (start < 0)
        start = start + len < lower ? lower : start + len;
    else if (start > upper)
        start = upper;
    if (stop == MOR_SLICE_NONE)
        stop = step > 0 ? upper : lower;
    else if (stop < 0)
        stop = stop + len < lower ? lower : stop + len;
    else if (stop > upper)
        stop = upper;
    int64_t n = 0;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
        idx[n++] = i;
    return n;
}

/* Every slice of a few strings against the reference above. */
static void t_check_all_slices(mor_rt *rt, const char *text)
{
    size_t nb = strlen(text);
    int64_t len = t_cps(text, nb);
    size_t offs[64];
    int64_t k = 0;
    for (size_t i = 0; i < nb; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            offs[k++] = i;
    offs[k] = nb;
    mor_obj *s = t_str(rt, text);
    static const int64_t steps[] = {1, 2, 3, 7, -1, -2, -3, -7};
    for (int64_t start = -12; start <= 12; start++) {
        for (int64_t stop = -12; stop <= 12; stop++) {
            for (size_t si = 0; si < MORI_COUNTOF(steps); si++) {
                int64_t st = start == 12 ? MOR_SLICE_NONE : start;
                int64_t sp = stop == 12 ? MOR_SLICE_NONE : stop;
                int64_t idx[64];
                int64_t n = t_slice_indices(len, st, sp, steps[si], idx);
                char want[256];
                size_t wn = 0;
                for (int64_t j = 0; j < n; j++) {
                    size_t a = offs[idx[j]], b = offs[idx[j] + 1];
                    memcpy(want + wn, text + a, b - a);
                    wn += b - a;
                }
                mor_obj *r = mor_slice(rt, s, st, sp, steps[si]);
                assert_non_null(r);
                assert_int_equal(mor_str_length(r), n);
                assert_int_equal((r->flags & MORI_STR_ASCII) != 0, (size_t)n == wn);
                if (wn == 1)
                    assert_ptr_equal(r, rt->chars[(unsigned char)want[0]]);
                t_check_str_n(rt, r, want, wn);
            }
        }
    }
    mor_decref(rt, s);
}

static void test_slice(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "abcdef");
    t_check_str(rt, mor_slice(rt, s, 1, 4, 1), "bcd");
    t_check_str(rt, mor_slice(rt, s, MOR_SLICE_NONE, MOR_SLICE_NONE, 2), "ace");
    t_check_str(rt, mor_slice(rt, s, MOR_SLICE_NONE, MOR_SLICE_NONE, -1), "fedcba");
    t_check_str(rt, mor_slice(rt, s, 4, 1, -1), "edc");
    t_check_str(rt, mor_slice(rt, s, -2, MOR_SLICE_NONE, 1), "ef");
    t_check_str(rt, mor_slice(rt, s, 10, MOR_SLICE_NONE, 1), "");
    assert_null(mor_slice(rt, s, 0, 1, 0));
    t_expect_exc(rt, MOR_EXC_VALUE, "slice step cannot be zero");
    mor_decref(rt, s);
    /* "a\u00e9\u4f60\U0001f600b" sliced as in python3 */
    s = t_str(rt, "a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80" "b");
    t_check_str(rt, mor_slice(rt, s, 1, 4, 1), "\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80");
    t_check_str(rt, mor_slice(rt, s, MOR_SLICE_NONE, MOR_SLICE_NONE, -1),
                "b\xf0\x9f\x98\x80\xe4\xbd\xa0\xc3\xa9" "a");
    t_check_str(rt, mor_slice(rt, s, MOR_SLICE_NONE, MOR_SLICE_NONE, 2), "a\xe4\xbd\xa0" "b");
    t_check_str(rt, mor_slice(rt, s, 3, 0, -2), "\xf0\x9f\x98\x80\xc3\xa9");
    mor_decref(rt, s);

    t_check_all_slices(rt, "abcdefghij");
    t_check_all_slices(rt, "a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80" "bc\xe2\x82\xac" "d");
    t_check_all_slices(rt, "\xc3\xa9\xc3\xa9xy\xf0\x9f\x98\x80");
}

static void test_contains_find(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "h\xc3\xa9llo w\xc3\xb6rld");
    mor_obj *e = t_str(rt, "\xc3\xa9"), *x = t_str(rt, "x"), *empty = t_str(rt, "");
    mor_obj *wo = t_str(rt, "w\xc3\xb6"), *ld = t_str(rt, "ld"), *h = t_str(rt, "h");
    assert_int_equal(mor_contains(rt, s, e), 1);
    assert_int_equal(mor_contains(rt, s, x), 0);
    assert_int_equal(mor_contains(rt, s, empty), 1);
    assert_int_equal(mor_contains(rt, empty, empty), 1);
    assert_int_equal(mor_contains(rt, empty, x), 0);
    mor_obj *i = mor_int(rt, 1);
    assert_int_equal(mor_contains(rt, s, i), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'in <string>' requires string as left operand, not int");

    assert_int_equal(mor_str_find(rt, s, wo), 6);
    assert_int_equal(mor_str_find(rt, s, ld), 9);
    assert_int_equal(mor_str_find(rt, s, h), 0);
    assert_int_equal(mor_str_find(rt, s, e), 1);
    assert_int_equal(mor_str_find(rt, s, x), -1);
    assert_int_equal(mor_str_find(rt, s, empty), 0);
    assert_int_equal(mor_str_find(rt, empty, x), -1);
    mor_obj *ascii = t_str(rt, "hello world");
    assert_int_equal(mor_str_find(rt, ascii, ld), 9);
    assert_int_equal(mor_str_find(rt, ascii, i), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_obj *drop[] = {s, e, x, empty, wo, ld, h, i, ascii};
    for (size_t k = 0; k < MORI_COUNTOF(drop); k++)
        mor_decref(rt, drop[k]);
}

static void test_compare(void **state)
{
    T_RT;
    /* each string is less than the next in code-point order */
    static const char *const order[] = {
        "", "A", "Z", "a", "ab", "abc", "abd", "b", "z", "\xc2\x80", "\xc3\xa9",
        "\xe4\xbd\xa0", "\xef\xbf\xbd", "\xf0\x9f\x98\x80",
    };
    size_t n = MORI_COUNTOF(order);
    mor_obj *objs[MORI_COUNTOF(order)];
    for (size_t i = 0; i < n; i++)
        objs[i] = t_str(rt, order[i]);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int c = i < j ? -1 : i > j;
            assert_int_equal(mor_str_cmp(objs[i], objs[j]), c);
            assert_int_equal(mor_compare(rt, objs[i], objs[j], MOR_LT), c < 0);
            assert_int_equal(mor_compare(rt, objs[i], objs[j], MOR_LE), c <= 0);
            assert_int_equal(mor_compare(rt, objs[i], objs[j], MOR_EQ), c == 0);
            assert_int_equal(mor_compare(rt, objs[i], objs[j], MOR_NE), c != 0);
            assert_int_equal(mor_compare(rt, objs[i], objs[j], MOR_GT), c > 0);
            assert_int_equal(mor_compare(rt, objs[i], objs[j], MOR_GE), c >= 0);
            assert_int_equal(mor_eq(rt, objs[i], objs[j]), c == 0);
        }
    }
    mor_obj *a2 = t_str(rt, "abc");
    assert_int_equal(mor_eq(rt, a2, objs[5]), 1);
    assert_int_equal(t_hash(rt, a2), t_hash(rt, objs[5]));
    assert_true(mori_str_equal(a2, objs[5]));
    mor_obj *i = mor_int(rt, 1);
    assert_int_equal(mor_eq(rt, a2, i), 0);
    assert_int_equal(mor_compare(rt, a2, i, MOR_NE), 1);
    assert_int_equal(mor_compare(rt, a2, i, MOR_LT), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "'<' not supported between instances of 'str' and 'int'");
    mor_decref(rt, i);
    mor_decref(rt, a2);
    for (size_t k = 0; k < n; k++)
        mor_decref(rt, objs[k]);
}

/* Expected values are python3 3.11's repr() of the same text. */
static void test_repr(void **state)
{
    T_RT;
    static const struct {
        const char *text;
        size_t n;
        const char *repr;
    } cases[] = {
        {"hello", 5, "'hello'"},
        {"it's", 4, "\"it's\""},
        {"say \"hi\"", 8, "'say \"hi\"'"},
        {"both ' and \"", 12, "'both \\' and \"'"},
        {"tab\there", 8, "'tab\\there'"},
        {"nl\n cr\r", 7, "'nl\\n cr\\r'"},
        {"back\\slash", 10, "'back\\\\slash'"},
        {"\x01\x1f\x7f", 3, "'\\x01\\x1f\\x7f'"},
        {"\0", 1, "'\\x00'"},
        {"h\xc3\xa9llo", 6, "'h\xc3\xa9llo'"},
        {"\xe4\xbd\xa0\xe5\xa5\xbd\xf0\x9f\x98\x80", 10,
         "'\xe4\xbd\xa0\xe5\xa5\xbd\xf0\x9f\x98\x80'"},
        {"\xc2\x80\xc2\x9f", 4, "'\\x80\\x9f'"},
        {"", 0, "''"},
        {"a\\'b", 4, "\"a\\\\'b\""},
        {"'", 1, "\"'\""},
        {"\"", 1, "'\"'"},
        {"'\"", 2, "'\\'\"'"},
        {"\x1b[0m", 4, "'\\x1b[0m'"},
    };
    for (size_t i = 0; i < MORI_COUNTOF(cases); i++) {
        mor_obj *s = mor_str_n(rt, cases[i].text, cases[i].n);
        assert_non_null(s);
        t_assert_repr(rt, s, cases[i].repr);
        mor_decref(rt, s);
    }
    /* through the strbuf used by container reprs */
    mor_obj *s = t_str(rt, "it's");
    mor_obj *l = mor_list(rt, 1, s);
    t_assert_repr(rt, l, "[\"it's\"]");
    mor_decref(rt, l);
    mor_decref(rt, s);
}

static void test_iter(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    mor_obj *s = t_str(rt, "a\xc3\xa9\xf0\x9f\x98\x80");
    mor_obj *it = mor_iter(rt, s);
    assert_non_null(it);
    assert_int_equal(mor_refcount(s), 2);
    mor_obj *it2 = mor_iter(rt, it); /* an iterator is its own iterator */
    assert_ptr_equal(it2, it);
    mor_decref(rt, it2);
    static const char *const want[] = {"a", "\xc3\xa9", "\xf0\x9f\x98\x80"};
    for (size_t i = 0; i < MORI_COUNTOF(want); i++) {
        mor_obj *c = mor_next(rt, it);
        if (i == 0)
            assert_ptr_equal(c, rt->chars['a']);
        t_check_str(rt, c, want[i]);
    }
    assert_null(mor_next(rt, it));
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    assert_int_equal(mor_refcount(s), 1); /* released once exhausted */
    assert_null(mor_next(rt, it));
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    mor_decref(rt, it);

    /* an iterator dropped early releases the string */
    it = mor_iter(rt, s);
    mor_obj *c = mor_next(rt, it);
    mor_decref(rt, c);
    mor_decref(rt, it);
    assert_int_equal(mor_refcount(s), 1);
    mor_decref(rt, s);

    it = mor_iter(rt, rt->empty_str);
    assert_null(mor_next(rt, it));
    mor_decref(rt, it);
}

/* ---- bytes ----------------------------------------------------------------------------------- */

static mor_obj *t_bytes(mor_rt *rt, const char *p, size_t n)
{
    mor_obj *b = mor_bytes(rt, p, n);
    assert_non_null(b);
    return b;
}

static void test_bytes_basics(void **state)
{
    T_RT;
    mor_obj *b = t_bytes(rt, "a\0b", 3);
    assert_true(mor_is_bytes(b));
    assert_false(mor_is_str(b));
    size_t n;
    const uint8_t *d = mor_bytes_data(b, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(d, "a\0b", 4); /* NUL-terminated too */
    assert_int_equal(mor_len(rt, b), 3);
    assert_int_equal(mor_is_true(rt, b), 1);
    assert_int_equal(mor_is_true(rt, rt->empty_bytes), 0);
    assert_string_equal(mor_type_name(b), "bytes");
    mor_obj *s = t_str(rt, "x");
    assert_null(mor_bytes_data(s, &n));
    assert_int_equal(n, 0);
    assert_null(mor_bytes(rt, NULL, 2));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);

    static const struct {
        const char *p;
        size_t n;
        const char *repr;
    } reprs[] = {
        {"", 0, "b''"},
        {"abc", 3, "b'abc'"},
        {"it's", 4, "b\"it's\""},
        {"\x00\xff", 2, "b'\\x00\\xff'"},
        {"a'b\"c", 5, "b'a\\'b\"c'"},
        {"\t\n\r\\", 4, "b'\\t\\n\\r\\\\'"},
        {"\x7f\x80 ~", 4, "b'\\x7f\\x80 ~'"},
        {"\"", 1, "b'\"'"},
        {"'", 1, "b\"'\""},
    };
    for (size_t i = 0; i < MORI_COUNTOF(reprs); i++) {
        mor_obj *x = mor_bytes(rt, reprs[i].p, reprs[i].n);
        t_assert_repr(rt, x, reprs[i].repr);
        mor_decref(rt, x);
    }

    /* eq, hash, ordering */
    mor_obj *b2 = t_bytes(rt, "a\0b", 3), *c = t_bytes(rt, "a\0c", 3), *ab = t_bytes(rt, "a", 1);
    assert_int_equal(mor_eq(rt, b, b2), 1);
    assert_int_equal(mor_eq(rt, b, c), 0);
    assert_int_equal(mor_eq(rt, b, s), 0); /* never equal to a str */
    assert_int_equal(t_hash(rt, b), t_hash(rt, b2));
    assert_int_equal(mor_compare(rt, b, c, MOR_LT), 1);
    assert_int_equal(mor_compare(rt, ab, b, MOR_LT), 1);
    assert_int_equal(mor_compare(rt, c, b, MOR_GE), 1);
    assert_int_equal(mor_compare(rt, b, b2, MOR_LE), 1);
    assert_int_equal(mor_compare(rt, b, s, MOR_LT), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    /* PYTHONHASHSEED=0 python3 -c 'print(hash(b"\xff\x00"))' under the zero key */
    assert_int_equal((int64_t)mori_siphash13(0, 0, "\xff\x00", 2), 7217110220190950386);

    mor_obj *drop[] = {b, b2, c, ab, s};
    for (size_t i = 0; i < MORI_COUNTOF(drop); i++)
        mor_decref(rt, drop[i]);
}

static void test_bytes_ops(void **state)
{
    T_RT;
    mor_obj *b = t_bytes(rt, "hello\xff", 6);
    /* indexing gives ints */
    mor_obj *i0 = mor_int(rt, 0), *im1 = mor_int(rt, -1), *i6 = mor_int(rt, 6);
    mor_obj *v = mor_getitem(rt, b, i0);
    int64_t x;
    assert_int_equal(mor_int_to_i64(rt, v, &x), 0);
    assert_int_equal(x, 'h');
    mor_decref(rt, v);
    v = mor_getitem(rt, b, im1);
    assert_int_equal(mor_int_to_i64(rt, v, &x), 0);
    assert_int_equal(x, 255);
    mor_decref(rt, v);
    assert_null(mor_getitem(rt, b, i6));
    t_expect_exc(rt, MOR_EXC_INDEX, "index out of range");
    assert_null(mor_getitem(rt, b, b));
    t_expect_exc(rt, MOR_EXC_TYPE, "byte indices must be integers");

    /* contains: a byte value or a substring */
    mor_obj *ch = mor_int(rt, 'e'), *big = mor_int(rt, 256), *sub = t_bytes(rt, "llo", 3);
    mor_obj *nosub = t_bytes(rt, "lol", 3), *s = t_str(rt, "h");
    assert_int_equal(mor_contains(rt, b, ch), 1);
    assert_int_equal(mor_contains(rt, b, i0), 0);
    assert_int_equal(mor_contains(rt, b, sub), 1);
    assert_int_equal(mor_contains(rt, b, nosub), 0);
    assert_int_equal(mor_contains(rt, b, rt->empty_bytes), 1);
    assert_int_equal(mor_contains(rt, b, big), -1);
    t_expect_exc(rt, MOR_EXC_VALUE, "byte must be in range(0, 256)");
    assert_int_equal(mor_contains(rt, b, s), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "a bytes-like object is required, not 'str'");

    /* slices */
    mor_obj *r = mor_slice(rt, b, 1, 4, 1);
    t_assert_repr(rt, r, "b'ell'");
    mor_decref(rt, r);
    r = mor_slice(rt, b, MOR_SLICE_NONE, MOR_SLICE_NONE, -2);
    t_assert_repr(rt, r, "b'\\xffle'");
    mor_decref(rt, r);
    r = mor_slice(rt, b, MOR_SLICE_NONE, MOR_SLICE_NONE, 1);
    assert_ptr_equal(r, b);
    mor_decref(rt, r);
    r = mor_slice(rt, b, 4, 2, 1);
    assert_ptr_equal(r, rt->empty_bytes);
    mor_decref(rt, r);

    /* concat and repetition */
    r = mor_add(rt, sub, nosub);
    t_assert_repr(rt, r, "b'llolol'");
    mor_decref(rt, r);
    r = mor_add(rt, rt->empty_bytes, sub);
    assert_ptr_equal(r, sub);
    mor_decref(rt, r);
    assert_null(mor_add(rt, sub, s));
    t_expect_exc(rt, MOR_EXC_TYPE, NULL);
    mor_obj *three = mor_int(rt, 3);
    r = mor_mul(rt, three, sub);
    t_assert_repr(rt, r, "b'llollollo'");
    assert_int_equal(mor_sizeof(r), 24 + 9 + 1);
    mor_decref(rt, r);
    r = mor_mul(rt, sub, im1);
    assert_ptr_equal(r, rt->empty_bytes);
    mor_decref(rt, r);

    /* iteration yields ints */
    mor_obj *it = mor_iter(rt, sub);
    int64_t want[] = {'l', 'l', 'o'};
    for (size_t k = 0; k < 3; k++) {
        v = mor_next(rt, it);
        assert_non_null(v);
        assert_int_equal(mor_int_to_i64(rt, v, &x), 0);
        assert_int_equal(x, want[k]);
        mor_decref(rt, v);
    }
    assert_null(mor_next(rt, it));
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    mor_decref(rt, it);

    mor_obj *drop[] = {b, i0, im1, i6, ch, big, sub, nosub, s, three};
    for (size_t k = 0; k < MORI_COUNTOF(drop); k++)
        mor_decref(rt, drop[k]);
}

/* ---- out of memory: NULL + MemoryError, nothing leaked, *s intact ---------------------------- */

static bool t_fail_all;
static bool t_fail_hook(void *ud, size_t size)
{
    (void)ud;
    (void)size;
    return t_fail_all;
}

static void t_set_failing(mor_rt *rt, bool on)
{
    t_fail_all = on;
    rt->mem.fail_fn = on ? t_fail_hook : NULL;
    mori_mem_update_slow(rt);
}

static void test_out_of_memory(void **state)
{
    T_RT;
    mor_obj *s = t_str(rt, "abc");
    mor_obj *k = mor_int(rt, 4096);
    mor_obj *chunk = mor_mul(rt, s, k);
    assert_non_null(chunk);
    mor_obj *list = mor_list(rt, 2, s, chunk);

    t_set_failing(rt, true);
    assert_null(mor_str(rt, "hello world"));
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    assert_null(mor_str_const(rt, "fresh_identifier"));
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    mor_obj *p = s;
    assert_int_equal(mor_str_append(rt, &s, chunk), -1); /* needs a bigger block */
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    assert_ptr_equal(s, p);
    assert_null(mor_str_join(rt, s, list));
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    assert_null(mor_str_concat(rt, s, chunk));
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    assert_null(mor_bytes(rt, "xyz", 3));
    t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
    /* no allocation needed: still fine */
    mor_obj *c = mor_str(rt, "c");
    assert_ptr_equal(c, rt->chars['c']);
    t_set_failing(rt, false);

    t_check_str(rt, s, "abc");
    mor_decref(rt, c);
    mor_decref(rt, k);
    mor_decref(rt, chunk);
    mor_decref(rt, list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_create),
        T_TEST(test_invalid_utf8),
        T_TEST(test_lengths),
        T_TEST(test_sizes),
        T_TEST(test_singletons),
        T_TEST(test_intern_const),
        T_TEST(test_intern_mortal),
        T_TEST(test_hash),
        cmocka_unit_test(test_siphash),
        cmocka_unit_test(test_hash_seed),
        T_TEST(test_append),
        T_TEST(test_append_million),
        T_TEST(test_concat),
        T_TEST(test_repeat),
        T_TEST(test_join),
        T_TEST(test_fmt),
        T_TEST(test_lossy),
        T_TEST(test_index),
        T_TEST(test_slice),
        T_TEST(test_contains_find),
        T_TEST(test_compare),
        T_TEST(test_repr),
        T_TEST(test_iter),
        T_TEST(test_bytes_basics),
        T_TEST(test_bytes_ops),
        T_TEST(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
