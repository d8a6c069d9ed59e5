/* tests/test_args_buffer.c: bad arguments to the functions of mor/buffer.h
 * (the buffer protocol, arrays, bytearray, memoryview).
 *
 * No bad input possible: mor_buffer_check, mor_buffer_exports, mor_is_array,
 * mor_is_bytearray, mor_is_memoryview, mor_memoryview_released,
 * mor_array_typecode, mor_bytearray_data (queries answering for any object;
 * their documented answers for foreign objects are checked below);
 * mor_array_itemsize (any char: 0 for a bad one, checked below). */
#include "args_util.h"

static void test_buffer_protocol_bad(void **state)
{
    T_RT;
    mor_obj *i = mor_int(rt, 5000), *s = mor_str(rt, "text"), *l = mor_list(rt, 0);
    mor_obj *b = mor_bytes(rt, "abc", 3);
    a_rcs rc = A_RC(i, s, l, b);
    mor_buffer view;
    memset(&view, 0xab, sizeof(view));
    A_NEG(rt, mor_buffer_get(rt, i, &view, false), MOR_EXC_TYPE,
          "a bytes-like object is required, not 'int'");
    assert_null(view.obj);
    A_NEG(rt, mor_buffer_get(rt, s, &view, false), MOR_EXC_TYPE, "not 'str'");
    assert_null(view.obj);
    A_NEG(rt, mor_buffer_get(rt, l, &view, true), MOR_EXC_TYPE, "not 'list'");
    A_NEG(rt, mor_buffer_get(rt, b, &view, true), MOR_EXC_BUFFER, NULL);
    assert_null(view.obj);
    assert_int_equal(mor_buffer_exports(b), 0);
    A_NEG(rt, mor_buffer_get(rt, b, NULL, false), MOR_EXC_TYPE, "NULL view");
    mor_buffer_release(rt, &view); /* never filled: harmless */
    mor_buffer_release(rt, NULL);
    assert_int_equal(mor_buffer_get(rt, b, &view, false), 0);
    mor_buffer_release(rt, &view);
    mor_buffer_release(rt, &view); /* twice: harmless */
    assert_false(mor_buffer_check(i));
    assert_int_equal(mor_buffer_exports(i), 0);
    assert_false(mor_is_array(b));
    assert_false(mor_is_bytearray(b));
    assert_false(mor_is_memoryview(l));
    A_NOEXC(rt);
    a_rc_same(&rc);
    mor_decref(rt, i);
    mor_decref(rt, s);
    mor_decref(rt, l);
    mor_decref(rt, b);
    a_usable(rt);
}

static void test_array_bad(void **state)
{
    T_RT;
    const char bad_codes[] = {'\0', 'x', 'u', 'c', 'D', ' ', (char)0xff};
    mor_obj *l = mor_list(rt, 2, mor_int(rt, 1), mor_int(rt, 2));
    for (size_t k = 0; k < sizeof(bad_codes); k++) {
        A_NULL(rt, mor_array(rt, bad_codes[k]), MOR_EXC_VALUE, "bad typecode (must be b, B,");
        A_NULL(rt, mor_array_from(rt, bad_codes[k], l), MOR_EXC_VALUE, "bad typecode");
        assert_int_equal(mor_array_itemsize(bad_codes[k]), 0);
    }
    mor_obj *a = mor_array_from(rt, 'b', l);
    mor_obj *i = mor_int(rt, 5000), *s = mor_str(rt, "s"), *f = mor_float(rt, 1.5);
    mor_obj *big = mor_int_from_str(rt, "100000000000000000000", 10);
    a_rcs rc = A_RC(a, l, i, s, f, big);
    /* wrong kinds of objects */
    mor_obj *not_arrays[] = {l, i, s, mor_none(rt)};
    for (size_t k = 0; k < 4; k++) {
        char want[64];
        snprintf(want, sizeof(want), "expected an array, got '%s'", mor_type_name(not_arrays[k]));
        A_NEG(rt, mor_array_append(rt, not_arrays[k], i), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_array_extend(rt, not_arrays[k], l), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_array_frombytes(rt, not_arrays[k], "ab", 2), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_array_pop(rt, not_arrays[k], 0), MOR_EXC_TYPE, want);
        assert_int_equal(mor_array_typecode(not_arrays[k]), '\0');
    }
    /* values the typecode cannot hold */
    A_NEG(rt, mor_array_append(rt, a, i), MOR_EXC_OVERFLOW,
          "signed char is greater than maximum (127)");
    mor_obj *neg = mor_int(rt, -129);
    A_NEG(rt, mor_array_append(rt, a, neg), MOR_EXC_OVERFLOW, "signed char is less than minimum");
    mor_decref(rt, neg);
    A_NEG(rt, mor_array_append(rt, a, big), MOR_EXC_OVERFLOW, NULL);
    A_NEG(rt, mor_array_append(rt, a, s), MOR_EXC_TYPE, "'str' object cannot be interpreted");
    A_NEG(rt, mor_array_append(rt, a, f), MOR_EXC_TYPE, "'float'");
    A_NEG(rt, mor_array_append(rt, a, mor_none(rt)), MOR_EXC_TYPE, "'NoneType'");
    mor_obj *fa = mor_array(rt, 'd');
    A_NEG(rt, mor_array_append(rt, fa, s), MOR_EXC_TYPE, "must be real number, not str");
    mor_obj *e400 = mor_int(rt, 400);
    mor_obj *huge = mor_pow(rt, mor_int(rt, 10), e400);
    mor_decref(rt, e400);
    A_NEG(rt, mor_array_append(rt, fa, huge), MOR_EXC_OVERFLOW, "too large");
    mor_decref(rt, huge);
    A_NEG(rt, mor_array_extend(rt, a, fa), MOR_EXC_TYPE, "can only extend with array of same kind");
    A_NEG(rt, mor_array_extend(rt, a, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_array_from(rt, 'b', i), MOR_EXC_TYPE, "'int' object is not iterable");
    mor_obj *bad_items = mor_list(rt, 2, mor_int(rt, 1), s);
    A_NULL(rt, mor_array_from(rt, 'i', bad_items), MOR_EXC_TYPE, "'str'");
    mor_decref(rt, bad_items);
    /* frombytes: a length that is not a multiple, NULL data */
    mor_obj *ia = mor_array(rt, 'i');
    A_NEG(rt, mor_array_frombytes(rt, ia, "abcde", 5), MOR_EXC_VALUE,
          "bytes length not a multiple of item size");
    A_NEG(rt, mor_array_frombytes(rt, ia, NULL, 8), MOR_EXC_TYPE, "NULL data for 8 bytes");
    A_NEG(rt, mor_array_frombytes(rt, a, "x", SIZE_MAX), MOR_EXC_MEMORY, "too large");
    assert_int_equal(mor_len(rt, ia), 0);
    /* pop: empty, out of range */
    A_NULL(rt, mor_array_pop(rt, ia, 0), MOR_EXC_INDEX, "pop from empty array");
    int64_t bad[] = {2, -3, INT64_MAX, INT64_MIN};
    for (size_t k = 0; k < 4; k++)
        A_NULL(rt, mor_array_pop(rt, a, bad[k]), MOR_EXC_INDEX, "pop index out of range");
    /* a held view pins the array: every resize is a BufferError */
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, a, &view, true), 0);
    mor_obj *one = mor_int(rt, 1);
    A_NEG(rt, mor_array_append(rt, a, one), MOR_EXC_BUFFER, "Existing exports of data");
    A_NULL(rt, mor_array_pop(rt, a, 0), MOR_EXC_BUFFER, "Existing exports of data");
    A_NEG(rt, mor_array_frombytes(rt, a, "z", 1), MOR_EXC_BUFFER, "Existing exports of data");
    mor_buffer_release(rt, &view);
    a_rc_same(&rc);
    a_repr(rt, a, "array('b', [1, 2])");
    a_repr(rt, fa, "array('d')");
    mor_decref(rt, ia);
    mor_decref(rt, fa);
    mor_decref(rt, a);
    mor_decref(rt, l);
    mor_decref(rt, i);
    mor_decref(rt, s);
    mor_decref(rt, f);
    mor_decref(rt, big);
    a_usable(rt);
}

static void test_bytearray_bad(void **state)
{
    T_RT;
    mor_obj *ba = mor_bytearray(rt, "ab", 2);
    mor_obj *i = mor_int(rt, 5000), *s = mor_str(rt, "s"), *l = mor_list(rt, 0);
    a_rcs rc = A_RC(ba, i, s, l);
    mor_obj *not_ba[] = {i, s, l, mor_none(rt)};
    for (size_t k = 0; k < 4; k++) {
        char want[64];
        snprintf(want, sizeof(want), "expected a bytearray, got '%s'", mor_type_name(not_ba[k]));
        A_NEG(rt, mor_bytearray_append(rt, not_ba[k], 1), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_bytearray_extend(rt, not_ba[k], ba), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_bytearray_resize(rt, not_ba[k], 1), MOR_EXC_TYPE, want);
        size_t n = 7;
        assert_null(mor_bytearray_data(not_ba[k], &n));
        assert_int_equal(n, 0);
    }
    int bad_bytes[] = {-1, 256, 1000, INT32_MIN, INT32_MAX};
    for (size_t k = 0; k < 5; k++)
        A_NEG(rt, mor_bytearray_append(rt, ba, bad_bytes[k]), MOR_EXC_VALUE,
              "byte must be in range(0, 256)");
    A_NULL(rt, mor_bytearray(rt, NULL, SIZE_MAX), MOR_EXC_MEMORY, "too large");
    A_NEG(rt, mor_bytearray_resize(rt, ba, SIZE_MAX), MOR_EXC_MEMORY, "too large");
    /* sources: not bytes-like nor iterable, items that are no bytes */
    A_NULL(rt, mor_bytearray_from(rt, i), MOR_EXC_TYPE, "int");
    A_NEG(rt, mor_bytearray_extend(rt, ba, i), MOR_EXC_TYPE, "int");
    A_NEG(rt, mor_bytearray_extend(rt, ba, mor_none(rt)), MOR_EXC_TYPE, "NoneType");
    mor_obj *items = mor_list(rt, 3, mor_int(rt, 1), mor_int(rt, 2), s);
    A_NULL(rt, mor_bytearray_from(rt, items), MOR_EXC_TYPE,
           "'str' object cannot be interpreted as an integer");
    A_NEG(rt, mor_bytearray_extend(rt, ba, items), MOR_EXC_TYPE, "'str' object");
    mor_decref(rt, items);
    items = mor_list(rt, 2, mor_int(rt, 1), i);
    A_NEG(rt, mor_bytearray_extend(rt, ba, items), MOR_EXC_VALUE, "byte must be in range(0, 256)");
    A_NULL(rt, mor_bytearray_from(rt, items), MOR_EXC_VALUE, "byte must be in range(0, 256)");
    mor_decref(rt, items);
    /* a failed extend appended nothing */
    a_repr(rt, ba, "bytearray(b'ab')");
    /* a held view pins it */
    mor_buffer view;
    assert_int_equal(mor_buffer_get(rt, ba, &view, true), 0);
    A_NEG(rt, mor_bytearray_append(rt, ba, 1), MOR_EXC_BUFFER, "Existing exports of data");
    A_NEG(rt, mor_bytearray_resize(rt, ba, 10), MOR_EXC_BUFFER, "Existing exports of data");
    A_NEG(rt, mor_bytearray_extend(rt, ba, ba), MOR_EXC_BUFFER, "Existing exports of data");
    mor_buffer_release(rt, &view);
    a_rc_same(&rc);
    a_repr(rt, ba, "bytearray(b'ab')");
    mor_decref(rt, ba);
    mor_decref(rt, i);
    mor_decref(rt, s);
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_memoryview_bad(void **state)
{
    T_RT;
    mor_obj *i = mor_int(rt, 5000), *l = mor_list(rt, 0);
    mor_obj *ba = mor_bytearray(rt, "abcdefgh", 8);
    mor_obj *odd = mor_bytes(rt, "abc", 3);
    a_rcs rc = A_RC(i, l, ba, odd);
    A_NULL(rt, mor_memoryview(rt, i), MOR_EXC_TYPE,
           "memoryview: a bytes-like object is required, not 'int'");
    A_NULL(rt, mor_memoryview(rt, l), MOR_EXC_TYPE, "not 'list'");
    mor_obj *not_mv[] = {i, l, ba};
    for (size_t k = 0; k < 3; k++) {
        char want[64];
        snprintf(want, sizeof(want), "expected a memoryview, got '%s'", mor_type_name(not_mv[k]));
        A_NULL(rt, mor_memoryview_cast(rt, not_mv[k], "B"), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_memoryview_tolist(rt, not_mv[k]), MOR_EXC_TYPE, want);
        A_NULL(rt, mor_memoryview_tobytes(rt, not_mv[k]), MOR_EXC_TYPE, want);
        A_NEG(rt, mor_memoryview_release(rt, not_mv[k]), MOR_EXC_TYPE, want);
        assert_false(mor_memoryview_released(not_mv[k]));
    }
    mor_obj *mv = mor_memoryview(rt, ba);
    const char *bad_formats[] = {"x", "", "@", "BB", "<i", "@@B", "u", "?"};
    for (size_t k = 0; k < sizeof(bad_formats) / sizeof(bad_formats[0]); k++)
        A_NULL(rt, mor_memoryview_cast(rt, mv, bad_formats[k]), MOR_EXC_VALUE,
               "memoryview: destination format must be a native single character format");
    A_NULL(rt, mor_memoryview_cast(rt, mv, NULL), MOR_EXC_VALUE, "destination format");
    mor_obj *as_i = mor_memoryview_cast(rt, mv, "i");
    A_NULL(rt, mor_memoryview_cast(rt, as_i, "d"), MOR_EXC_TYPE,
           "memoryview: cannot cast between two non-byte formats");
    mor_obj *mvo = mor_memoryview(rt, odd);
    A_NULL(rt, mor_memoryview_cast(rt, mvo, "h"), MOR_EXC_TYPE,
           "memoryview: length is not a multiple of itemsize");
    mor_obj *strided = mor_slice(rt, mv, 0, 8, 2);
    A_NULL(rt, mor_memoryview_cast(rt, strided, "B"), MOR_EXC_TYPE,
           "casts are restricted to C-contiguous views");
    mor_decref(rt, strided);
    mor_decref(rt, as_i);
    /* a memoryview with views of it held cannot be released (casts and slices
     * share the exporter's buffer: they are no exports of mv, as in CPython) */
    mor_buffer held[2];
    assert_int_equal(mor_buffer_get(rt, mv, &held[0], false), 0);
    A_NEG(rt, mor_memoryview_release(rt, mv), MOR_EXC_BUFFER, "memoryview has 1 exported buffer");
    assert_int_equal(mor_buffer_get(rt, mv, &held[1], false), 0);
    A_NEG(rt, mor_memoryview_release(rt, mv), MOR_EXC_BUFFER, "memoryview has 2 exported buffers");
    mor_buffer_release(rt, &held[0]);
    mor_buffer_release(rt, &held[1]);
    /* a released one refuses everything but repr and release */
    assert_int_equal(mor_memoryview_release(rt, mv), 0);
    assert_int_equal(mor_memoryview_release(rt, mv), 0); /* twice: harmless */
    const char *released = "operation forbidden on released memoryview object";
    A_NULL(rt, mor_memoryview_cast(rt, mv, "B"), MOR_EXC_VALUE, released);
    A_NULL(rt, mor_memoryview_tolist(rt, mv), MOR_EXC_VALUE, released);
    A_NULL(rt, mor_memoryview_tobytes(rt, mv), MOR_EXC_VALUE, released);
    A_NULL(rt, mor_memoryview(rt, mv), MOR_EXC_VALUE, released);
    A_NEG(rt, mor_len(rt, mv), MOR_EXC_VALUE, released);
    A_NULL(rt, mor_getitem(rt, mv, i), MOR_EXC_VALUE, released);
    mor_buffer view;
    A_NEG(rt, mor_buffer_get(rt, mv, &view, false), MOR_EXC_VALUE, released);
    assert_true(mor_memoryview_released(mv));
    /* item access out of range and of the wrong type */
    mor_obj *mv2 = mor_memoryview(rt, ba);
    A_NULL(rt, mor_getitem(rt, mv2, i), MOR_EXC_INDEX, "index out of bounds on dimension 1");
    A_NULL(rt, mor_getitem(rt, mv2, l), MOR_EXC_TYPE, "list");
    A_NEG(rt, mor_setitem(rt, mv2, mor_int(rt, 0), i), MOR_EXC_VALUE,
          "invalid value for format 'B'");
    A_NEG(rt, mor_setitem(rt, mv2, mor_int(rt, 0), l), MOR_EXC_TYPE, "invalid type for format 'B'");
    A_NEG(rt, mor_delitem(rt, mv2, mor_int(rt, 0)), MOR_EXC_TYPE, "cannot delete memory");
    A_NEG(rt, mor_setitem(rt, mvo, mor_int(rt, 0), mor_int(rt, 1)), MOR_EXC_TYPE,
          "cannot modify read-only memory");
    mor_decref(rt, mv2);
    mor_decref(rt, mvo);
    mor_decref(rt, mv);
    a_rc_same(&rc);
    a_repr(rt, ba, "bytearray(b'abcdefgh')");
    if (!T_BOEHM) /* there the views give their exports back when collected */
        assert_int_equal(mor_buffer_exports(ba), 0);
    mor_decref(rt, i);
    mor_decref(rt, l);
    mor_decref(rt, ba);
    mor_decref(rt, odd);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_buffer_protocol_bad),
        T_TEST(test_array_bad),
        T_TEST(test_bytearray_bad),
        T_TEST(test_memoryview_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
