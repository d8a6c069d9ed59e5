/* tests/test_mem.c: the allocation backend and the funnel under big buffers that
 * grow and shrink. The mimalloc backend moves a buffer grown past 1 MiB to its own
 * mapping (grown by mremap) and back to mimalloc when it shrinks below; these tests
 * check that the bytes survive every move, whichever backend is built. */
#include "testutil.h"

#include "core/rt.h"

#define MIB ((size_t)1 << 20)

static void fill(unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        p[i] = (unsigned char)(i * 131u + (i >> 12));
}

static void check(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 131u + (i >> 12)))
            fail_msg("byte %zu of %zu changed", i, n);
}

/* One buffer through the backend: grown from 4 KiB to 12 MiB in steps (crossing the
 * mapping threshold), shrunk to 3 MiB (still mapped), then to 256 KiB (back in the
 * heap), grown again past 1 MiB, freed; usable sizes cover the requests. */
static void test_backend_big_realloc(void **state)
{
    (void)state;
    mori_backend *b = mori_backend_new();
    assert_non_null(b);
    size_t n = 4096;
    unsigned char *p = mori_backend_alloc(b, n, MORI_MEM_ATOMIC);
    assert_non_null(p);
    fill(p, 0, n);
    while (n < 12 * MIB) {
        size_t m = n + n / 2;
        p = mori_backend_realloc(b, p, m, MORI_MEM_ATOMIC);
        assert_non_null(p);
        assert_true(mori_backend_usable(b, p) >= m);
        check(p, n);
        fill(p, n, m);
        n = m;
    }
    size_t sizes[] = {3 * MIB, 256 * 1024, 2 * MIB + 12345, 100};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t m = sizes[k];
        p = mori_backend_realloc(b, p, m, MORI_MEM_ATOMIC);
        assert_non_null(p);
        assert_true(mori_backend_usable(b, p) >= m);
        check(p, m < n ? m : n);
        if (m > n)
            fill(p, n, m);
        n = m;
    }
    mori_backend_free(b, p, MORI_MEM_ATOMIC);
    mori_backend_destroy(b);
}

/* Several big buffers at once, freed in a different order than made, and one left
 * for mori_backend_destroy to release. */
static void test_backend_many_big(void **state)
{
    (void)state;
    mori_backend *b = mori_backend_new();
    assert_non_null(b);
    enum { NB = 5 };
    unsigned char *p[NB];
    size_t n[NB];
    for (int i = 0; i < NB; i++) {
        n[i] = 64;
        p[i] = mori_backend_alloc(b, n[i], MORI_MEM_BUFFER);
        assert_non_null(p[i]);
        fill(p[i], 0, n[i]);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NB; i++) { /* interleaved growth: mappings move past each other */
            size_t m = (size_t)(i + 1) * MIB + (size_t)round * 3 * MIB;
            p[i] = mori_backend_realloc(b, p[i], m, MORI_MEM_BUFFER);
            assert_non_null(p[i]);
            check(p[i], n[i]);
            fill(p[i], n[i], m);
            n[i] = m;
        }
    }
    int order[NB - 1] = {3, 0, 4, 1};
    for (int k = 0; k < NB - 1; k++) {
        check(p[order[k]], n[order[k]]);
        mori_backend_free(b, p[order[k]], MORI_MEM_BUFFER);
    }
    /* a small buffer is still an ordinary heap block while a mapped one exists */
    void *small = mori_backend_alloc(b, 32, MORI_MEM_BUFFER);
    assert_non_null(small);
    assert_true(mori_backend_usable(b, small) >= 32);
    mori_backend_free(b, small, MORI_MEM_BUFFER);
    check(p[2], n[2]);
    if (!t_backend_frees_leaks()) /* the malloc backend cannot release it */
        mori_backend_free(b, p[2], MORI_MEM_BUFFER);
    mori_backend_destroy(b); /* p[2] may still be allocated */
}

/* A list appended to past the threshold and popped back down keeps its items. */
static void test_list_grow_shrink(void **state)
{
    T_RT;
    int64_t n = t_scale(400000);
    mor_obj *l = mor_list(rt, 0);
    assert_non_null(l);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(mor_list_append_steal(rt, l, mor_int(rt, i)), 0);
    for (int64_t i = n - 1; i >= 10; i--) {
        mor_obj *x = mor_list_pop(rt, l, -1);
        assert_non_null(x);
        int64_t v = -1;
        assert_int_equal(mor_int_to_i64(rt, x, &v), 0);
        assert_int_equal(v, i);
        mor_decref(rt, x);
    }
    assert_int_equal(mor_len(rt, l), 10);
    for (int64_t i = 0; i < 10; i++) {
        int64_t v = -1;
        assert_int_equal(mor_int_to_i64(rt, mor_seq_items(l, NULL)[i], &v), 0);
        assert_int_equal(v, i);
    }
    mor_decref(rt, l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_big_realloc),
        cmocka_unit_test(test_backend_many_big),
        T_TEST(test_list_grow_shrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
