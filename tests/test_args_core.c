/* tests/test_args_core.c: bad arguments to the functions of mor/core.h (the
 * runtime, objects, the funnel, exceptions, the generic protocol).
 *
 * Not called with bad input here, and why:
 *   mor_config_init, mor_rt_live_objects, mor_err_kind, mor_err_message,
 *   mor_err_fetch, mor_err_clear, mor_not_implemented: they take nothing but
 *   the runtime (or a struct to fill): no bad input possible.
 *   mor_refcount, mor_is_immortal, mor_type_of, mor_type_name: every object
 *   is valid input (checked on foreign objects below all the same).
 *   mor_dealloc, mor_object_free: called by the runtime or a dealloc slot on
 *   an object of the right type only; any other use is undefined.
 *   mor_decref_special on a count already 0, mor_fatal: they abort by design
 *   (tested by the misuse tests, in a child process). */
#include "args_util.h"

/* ---- the runtime -------------------------------------------------------------------- */

static void test_rt_new_bad_config(void **state)
{
    (void)state;
    mor_config c;
    /* small-int ranges that do not contain -5..1, or are too large */
    int64_t ranges[][2] = {{5, 256},        {-5, 0},          {1, 1},
                           {-5, INT64_MAX}, {INT64_MIN, 256}, {-(1 << 24), 1}};
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        mor_config_init(&c);
        c.small_int_min = ranges[i][0];
        c.small_int_max = ranges[i][1];
        assert_null(mor_rt_new(&c));
    }
    mor_config_init(&c);
    c.recursion_limit = 0;
    assert_null(mor_rt_new(&c));
    mor_config_init(&c);
    c.leaks = (mor_leak_mode)7; /* not a mode */
    assert_null(mor_rt_new(&c));
    mor_config_init(&c);
    c.leaks = (mor_leak_mode)-1;
    assert_null(mor_rt_new(&c));
    /* a good config still works afterwards */
    mor_config_init(&c);
    mor_rt *rt = t_rt_new_cfg(&c);
    a_usable(rt);
    mor_rt_free(rt);
    mor_rt_free(NULL); /* documented as harmless */
}

static void test_decref_special_immortal(void **state)
{
    T_RT;
    mor_obj *none = mor_none(rt);
    mor_decref_special(rt, none); /* immortal: left alone */
    assert_int_equal(mor_refcount(none), MOR_REFCNT_IMMORTAL);
    assert_true(mor_is_immortal(none));
    /* the type queries take any object */
    mor_obj *objs[] = {none, mor_int(rt, 3), mor_bool(rt, true), mor_not_implemented(rt)};
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(mor_type_of(objs[i]));
        assert_true(mor_type_name(objs[i])[0] != '\0');
        assert_int_equal(mor_refcount(objs[i]), MOR_REFCNT_IMMORTAL);
    }
    a_usable(rt);
}

/* ---- embedder objects and the funnel ---------------------------------------------- */

typedef struct probe {
    mor_obj head;
    mor_obj *ref;
} probe;

static void probe_dealloc(mor_rt *rt, mor_obj *self) { mor_object_free(rt, self); }
static int probe_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    probe *p = (probe *)self;
    return p->ref ? visit(p->ref, arg) : 0;
}
static void probe_finalize(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    (void)self;
}

static const mor_type finalize_no_gc = {.name = "finalize_no_gc",
                                        .basicsize = sizeof(probe),
                                        .dealloc = probe_dealloc,
                                        .finalize = probe_finalize};
static const mor_type weak_no_gc = {.name = "weak_no_gc",
                                    .basicsize = sizeof(probe),
                                    .flags = MOR_TYPE_WEAKREF,
                                    .dealloc = probe_dealloc};
static const mor_type gc_no_traverse = {.name = "gc_no_traverse",
                                        .basicsize = sizeof(probe),
                                        .flags = MOR_TYPE_GC,
                                        .dealloc = probe_dealloc};
static const mor_type no_dealloc = {.name = "no_dealloc", .basicsize = sizeof(probe)};
static const mor_type too_small = {
    .name = "too_small", .basicsize = sizeof(mor_obj) - 1, .dealloc = probe_dealloc};
static const mor_type var_type = {
    .name = "var_type", .basicsize = sizeof(mor_varobj), .itemsize = 8, .dealloc = probe_dealloc};
static const mor_type var_gc_type = {.name = "var_gc_type",
                                     .basicsize = sizeof(mor_varobj),
                                     .itemsize = 8,
                                     .flags = MOR_TYPE_GC,
                                     .dealloc = probe_dealloc,
                                     .traverse = probe_traverse};
static const mor_type good_gc = {.name = "good_gc",
                                 .basicsize = sizeof(probe),
                                 .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
                                 .dealloc = probe_dealloc,
                                 .traverse = probe_traverse,
                                 .finalize = probe_finalize};

static void test_object_new_bad_type(void **state)
{
    T_RT;
    A_NULL(rt, mor_object_new(rt, &finalize_no_gc, 0), MOR_EXC_TYPE, "finalize_no_gc");
    A_NULL(rt, mor_object_new(rt, &weak_no_gc, 0), MOR_EXC_TYPE, "weak_no_gc");
    A_NULL(rt, mor_object_new(rt, &gc_no_traverse, 0), MOR_EXC_TYPE, "gc_no_traverse");
    A_NULL(rt, mor_object_new(rt, &no_dealloc, 0), MOR_EXC_TYPE, "no_dealloc");
    A_NULL(rt, mor_object_new(rt, &too_small, 0), MOR_EXC_TYPE, "too_small");
    /* item counts whose size overflows, or that the allocator cannot give */
    size_t huge[] = {SIZE_MAX, SIZE_MAX / 8, SIZE_MAX / 8 - 1, (size_t)INT64_MAX + 1,
                     (size_t)1 << 58};
    for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        A_NULL(rt, mor_object_new(rt, &var_type, huge[i]), MOR_EXC_MEMORY, NULL);
        A_NULL(rt, mor_object_new(rt, &var_gc_type, huge[i]), MOR_EXC_MEMORY, NULL);
    }
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_obj *o = mor_object_new(rt, &good_gc, 0);
    assert_non_null(o);
    t_assert_tracked(o);
    mor_decref(rt, o);
    a_usable(rt);
}

static void test_mem_huge(void **state)
{
    T_RT;
    mor_alloc_stats before, after;
    mor_alloc_get_stats(rt, &before);
    A_NULL(rt, mor_mem_alloc(rt, SIZE_MAX), MOR_EXC_MEMORY, "bytes");
    A_NULL(rt, mor_mem_alloc(rt, SIZE_MAX / 2 + 1), MOR_EXC_MEMORY, "bytes");
    A_NULL(rt, mor_mem_alloc(rt, (size_t)1 << 60), MOR_EXC_MEMORY, "bytes"); /* the backend's no */
    assert_int_equal(mor_rt_live_objects(rt), 0);
    char *p = mor_mem_alloc(rt, 16);
    assert_non_null(p);
    memcpy(p, "0123456789abcde", 16);
    A_NULL(rt, mor_mem_realloc(rt, p, 16, SIZE_MAX), MOR_EXC_MEMORY, "bytes");
    assert_string_equal(p, "0123456789abcde"); /* the block is untouched */
    p = mor_mem_realloc(rt, p, 16, 32);
    assert_non_null(p);
    assert_string_equal(p, "0123456789abcde");
    mor_mem_free(rt, p, 32);
    mor_mem_free(rt, NULL, 0); /* harmless */
    mor_alloc_get_stats(rt, &after);
    if (!T_BOEHM) { /* there the exceptions raised above live until a collection */
        assert_int_equal(after.live_blocks, before.live_blocks);
        assert_int_equal(after.live_bytes, before.live_bytes);
    }
    a_usable(rt);
}

/* ---- exceptions ----------------------------------------------------------------------- */

static void raisev_helper(mor_rt *rt, mor_exc kind, const char *fmt, ...) MOR_PRINTF(3, 4);
static void raisev_helper(mor_rt *rt, mor_exc kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mor_raisev(rt, kind, fmt, ap);
    va_end(ap);
}

static void test_raise_bad_kind(void **state)
{
    T_RT;
    mor_raise(rt, MOR_EXC_NONE, "%s", "lost");
    a_exc(rt, MOR_EXC_VALUE, "invalid exception kind 0");
    mor_raise(rt, MOR_EXC_COUNT_, "x");
    a_exc(rt, MOR_EXC_VALUE, "invalid exception kind");
    mor_raise(rt, (mor_exc)-3, "x");
    a_exc(rt, MOR_EXC_VALUE, "-3");
    raisev_helper(rt, (mor_exc)1000, "%d", 5);
    a_exc(rt, MOR_EXC_VALUE, "1000");
    A_NULL(rt, mor_exc_new(rt, MOR_EXC_NONE, "x"), MOR_EXC_VALUE, "invalid exception kind 0");
    A_NULL(rt, mor_exc_new(rt, MOR_EXC_COUNT_, "x"), MOR_EXC_VALUE, "invalid exception kind");
    A_NULL(rt, mor_exc_new(rt, (mor_exc)-1, "x"), MOR_EXC_VALUE, "-1");
    assert_string_equal(mor_exc_name(MOR_EXC_COUNT_), "UnknownError");
    assert_string_equal(mor_exc_name((mor_exc)-1), "UnknownError");
    assert_string_equal(mor_exc_name(MOR_EXC_TYPE), "TypeError");
    a_usable(rt);
}

static void test_raise_obj_bad(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0);
    a_rcs rc = A_RC(l);
    mor_raise_obj(rt, l);
    a_exc(rt, MOR_EXC_TYPE, "not list");
    mor_raise_obj(rt, mor_int(rt, 1));
    a_exc(rt, MOR_EXC_TYPE, "not int");
    mor_raise_obj(rt, NULL);
    a_exc(rt, MOR_EXC_TYPE, "NULL");
    a_rc_same(&rc);
    /* a non-exception replaces nothing: what was pending is replaced by the
     * TypeError (as CPython's `raise 1` does) */
    mor_raise(rt, MOR_EXC_KEY, "k");
    mor_raise_obj(rt, l);
    a_exc(rt, MOR_EXC_TYPE, "exceptions must be exception objects");
    /* StopIteration with NULL: None as its value */
    mor_raise_stop(rt, NULL);
    mor_obj *e = mor_err_fetch(rt);
    mor_obj *v = mor_exc_value(rt, e);
    assert_ptr_equal(v, mor_none(rt));
    mor_decref(rt, e);
    /* the exception queries on foreign objects */
    assert_int_equal(mor_exc_kind(l), MOR_EXC_NONE);
    assert_string_equal(mor_exc_message(l), "");
    A_NOEXC(rt);
    A_NULL(rt, mor_exc_value(rt, l), MOR_EXC_TYPE, "'list'");
    A_NULL(rt, mor_exc_value(rt, mor_none(rt)), MOR_EXC_TYPE, "'NoneType'");
    a_rc_same(&rc);
    mor_decref(rt, l);
    a_usable(rt);
}

static int unraisable_calls;
static void count_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    (void)exc;
    (void)where;
    (void)ud;
    unraisable_calls++;
}

static void test_unraisable_bad(void **state)
{
    T_RT;
    unraisable_calls = 0;
    mor_set_unraisable_hook(rt, count_unraisable, NULL);
    mor_err_write_unraisable(rt, NULL); /* nothing pending: nothing happens */
    assert_int_equal(unraisable_calls, 0);
    mor_raise(rt, MOR_EXC_VALUE, "v");
    mor_err_write_unraisable(rt, NULL); /* where NULL: allowed */
    assert_int_equal(unraisable_calls, 1);
    A_NOEXC(rt);
    /* NULL hook: back to the default (which prints; nothing to call) */
    mor_set_unraisable_hook(rt, NULL, (void *)1);
    mor_raise(rt, MOR_EXC_VALUE, "printed by the default hook (expected)");
    mor_err_write_unraisable(rt, "test_unraisable_bad");
    assert_int_equal(unraisable_calls, 1);
    a_usable(rt);
}

/* ---- the generic protocol --------------------------------------------------------------- */

/* Objects of many kinds, as wrong-type arguments. */
typedef struct zoo {
    mor_obj *i, *big, *f, *s, *b, *t, *l, *d, *set, *none, *tru, *cls, *inst;
} zoo;

static zoo zoo_new(mor_rt *rt)
{
    zoo z;
    z.i = mor_int(rt, 7);
    z.big = mor_int_from_str(rt, "123456789012345678901234567890", 10);
    z.f = mor_float(rt, 2.5);
    z.s = mor_str(rt, "text");
    z.b = mor_bytes(rt, "by", 2);
    z.t = mor_tuple(rt, 2, z.i, z.s);
    z.l = mor_list(rt, 2, z.i, z.s);
    z.d = mor_dict(rt);
    assert_int_equal(mor_dict_set(rt, z.d, z.s, z.i), 0);
    z.set = mor_set(rt);
    assert_int_equal(mor_set_add(rt, z.set, z.i), 0);
    z.none = mor_none(rt);
    z.tru = mor_bool(rt, true);
    const char *fields[] = {"x", NULL};
    z.cls = mor_class_new(rt, "Point", fields, MOR_CLASS_SLOTS);
    z.inst = mor_call(rt, z.cls, 1, &z.i);
    assert_non_null(z.inst);
    return z;
}

#define ZOO_ALL(z)                                                                                 \
    (z).i, (z).big, (z).f, (z).s, (z).b, (z).t, (z).l, (z).d, (z).set, (z).none, (z).tru, (z).cls, \
        (z).inst

static void zoo_check(mor_rt *rt, const zoo *z)
{
    a_repr(rt, z->t, "(7, 'text')");
    a_repr(rt, z->l, "[7, 'text']");
    a_repr(rt, z->d, "{'text': 7}");
    a_repr(rt, z->set, "{7}");
    a_repr(rt, z->big, "123456789012345678901234567890");
}

static void zoo_free(mor_rt *rt, zoo *z)
{
    mor_obj *objs[] = {ZOO_ALL(*z)};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        mor_decref(rt, objs[i]);
}

static void test_protocol_wrong_type(void **state)
{
    T_RT;
    zoo z = zoo_new(rt);
    a_rcs rc = A_RC(ZOO_ALL(z));
    int64_t h = 12345;
    A_NEG(rt, mor_hash(rt, z.l, &h), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_hash(rt, z.d, &h), MOR_EXC_TYPE, "unhashable type: 'dict'");
    A_NEG(rt, mor_hash(rt, z.set, &h), MOR_EXC_TYPE, "unhashable type: 'set'");
    mor_obj *tl = mor_tuple(rt, 1, z.l); /* a tuple holding a list */
    A_NEG(rt, mor_hash(rt, tl, &h), MOR_EXC_TYPE, "unhashable type: 'list'");
    mor_decref(rt, tl);
    A_NEG(rt, mor_len(rt, z.i), MOR_EXC_TYPE, "object of type 'int' has no len()");
    A_NEG(rt, mor_len(rt, z.none), MOR_EXC_TYPE, "'NoneType'");
    A_NEG(rt, mor_len(rt, z.f), MOR_EXC_TYPE, "'float'");
    A_NEG(rt, mor_len(rt, z.inst), MOR_EXC_TYPE, "'Point'");
    A_NULL(rt, mor_getitem(rt, z.i, z.i), MOR_EXC_TYPE, "'int' object is not subscriptable");
    A_NULL(rt, mor_getitem(rt, z.none, z.i), MOR_EXC_TYPE, "'NoneType'");
    A_NULL(rt, mor_getitem(rt, z.set, z.i), MOR_EXC_TYPE, "'set'");
    A_NULL(rt, mor_getitem(rt, z.l, z.s), MOR_EXC_TYPE, "list indices must be integers");
    A_NULL(rt, mor_getitem(rt, z.t, z.f), MOR_EXC_TYPE, "not float");
    A_NULL(rt, mor_getitem(rt, z.s, z.none), MOR_EXC_TYPE, "not NoneType");
    A_NULL(rt, mor_getitem(rt, z.d, z.l), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_setitem(rt, z.t, z.i, z.i), MOR_EXC_TYPE,
          "'tuple' object does not support item assignment");
    A_NEG(rt, mor_setitem(rt, z.s, z.i, z.s), MOR_EXC_TYPE, "'str'");
    A_NEG(rt, mor_setitem(rt, z.i, z.i, z.i), MOR_EXC_TYPE, "'int'");
    A_NEG(rt, mor_setitem(rt, z.l, z.s, z.i), MOR_EXC_TYPE, "not str");
    A_NEG(rt, mor_setitem(rt, z.d, z.l, z.i), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_setitem(rt, z.d, z.s, NULL), MOR_EXC_TYPE, "mor_delitem");
    A_NEG(rt, mor_delitem(rt, z.t, z.i), MOR_EXC_TYPE,
          "'tuple' object doesn't support item deletion");
    A_NEG(rt, mor_delitem(rt, z.none, z.i), MOR_EXC_TYPE, "'NoneType'");
    A_NEG(rt, mor_delitem(rt, z.l, z.none), MOR_EXC_TYPE, "not NoneType");
    A_NEG(rt, mor_delitem(rt, z.d, z.set), MOR_EXC_TYPE, "unhashable type: 'set'");
    A_NEG(rt, mor_contains(rt, z.i, z.i), MOR_EXC_TYPE, "argument of type 'int' is not iterable");
    A_NEG(rt, mor_contains(rt, z.none, z.i), MOR_EXC_TYPE, "'NoneType'");
    A_NEG(rt, mor_contains(rt, z.d, z.l), MOR_EXC_TYPE, "unhashable type: 'list'");
    A_NEG(rt, mor_contains(rt, z.set, z.d), MOR_EXC_TYPE, "unhashable type: 'dict'");
    A_NEG(rt, mor_contains(rt, z.s, z.i), MOR_EXC_TYPE, "not int");
    A_NULL(rt, mor_slice(rt, z.i, 0, 1, 1), MOR_EXC_TYPE, "'int' object is not subscriptable");
    A_NULL(rt, mor_slice(rt, z.d, 0, 1, 1), MOR_EXC_TYPE, "'dict'");
    A_NULL(rt, mor_slice(rt, z.set, 0, 1, 1), MOR_EXC_TYPE, "'set'");
    A_NULL(rt, mor_call(rt, z.i, 0, NULL), MOR_EXC_TYPE, "'int' object is not callable");
    A_NULL(rt, mor_call(rt, z.l, 1, &z.i), MOR_EXC_TYPE, "'list'");
    A_NULL(rt, mor_call(rt, z.inst, 0, NULL), MOR_EXC_TYPE, "'Point'");
    A_NULL(rt, mor_call(rt, z.none, 0, NULL), MOR_EXC_TYPE, "'NoneType'");
    a_rc_same(&rc);
    zoo_check(rt, &z);
    zoo_free(rt, &z);
    a_usable(rt);
}

static void test_protocol_out_of_range(void **state)
{
    T_RT;
    zoo z = zoo_new(rt);
    a_rcs rc = A_RC(ZOO_ALL(z));
    int64_t bad[] = {2, 3, 100, -3, -100, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mor_obj *k = mor_int(rt, bad[i]);
        A_NULL(rt, mor_getitem(rt, z.l, k), MOR_EXC_INDEX, "list index out of range");
        A_NULL(rt, mor_getitem(rt, z.t, k), MOR_EXC_INDEX, "tuple index out of range");
        A_NEG(rt, mor_setitem(rt, z.l, k, z.i), MOR_EXC_INDEX,
              "list assignment index out of range");
        A_NEG(rt, mor_delitem(rt, z.l, k), MOR_EXC_INDEX, "list assignment index out of range");
        mor_decref(rt, k);
    }
    /* str indices: out of range past its 4 characters */
    mor_obj *k = mor_int(rt, 4);
    A_NULL(rt, mor_getitem(rt, z.s, k), MOR_EXC_INDEX, "string index out of range");
    A_NULL(rt, mor_getitem(rt, z.b, k), MOR_EXC_INDEX, "index out of range");
    mor_decref(rt, k);
    /* indices beyond int64 */
    A_NULL(rt, mor_getitem(rt, z.l, z.big), MOR_EXC_INDEX, NULL);
    A_NEG(rt, mor_setitem(rt, z.l, z.big, z.i), MOR_EXC_INDEX, NULL);
    /* a missing key: KeyError naming it */
    A_NULL(rt, mor_getitem(rt, z.d, z.i), MOR_EXC_KEY, "7");
    A_NEG(rt, mor_delitem(rt, z.d, z.big), MOR_EXC_KEY, "123456789012345678901234567890");
    /* slices: step 0 is an error; any start and stop are clamped */
    A_NULL(rt, mor_slice(rt, z.l, 0, 2, 0), MOR_EXC_VALUE, "slice step cannot be zero");
    A_NULL(rt, mor_slice(rt, z.s, MOR_SLICE_NONE, MOR_SLICE_NONE, 0), MOR_EXC_VALUE, "zero");
    mor_obj *s = mor_slice(rt, z.l, INT64_MIN + 1, INT64_MAX, INT64_MIN);
    assert_non_null(s);
    a_repr(rt, s, "[]");
    mor_decref(rt, s);
    s = mor_slice(rt, z.l, INT64_MAX, INT64_MIN + 1, INT64_MIN);
    assert_non_null(s);
    a_repr(rt, s, "['text']");
    mor_decref(rt, s);
    s = mor_slice(rt, z.t, -100, 100, INT64_MAX);
    a_repr(rt, s, "(7,)");
    mor_decref(rt, s);
    a_rc_same(&rc);
    zoo_check(rt, &z);
    zoo_free(rt, &z);
    a_usable(rt);
}

static void test_protocol_attrs(void **state)
{
    T_RT;
    zoo z = zoo_new(rt);
    a_rcs rc = A_RC(ZOO_ALL(z));
    A_NULL(rt, mor_getattr(rt, z.inst, NULL), MOR_EXC_TYPE, "NULL");
    A_NEG(rt, mor_setattr(rt, z.inst, NULL, z.i), MOR_EXC_TYPE, "NULL");
    A_NEG(rt, mor_delattr(rt, z.inst, NULL), MOR_EXC_TYPE, "NULL");
    A_NULL(rt, mor_getattr(rt, z.i, "real_name"), MOR_EXC_ATTRIBUTE,
           "'int' object has no attribute 'real_name'");
    A_NULL(rt, mor_getattr(rt, z.inst, "y"), MOR_EXC_ATTRIBUTE, "'y'");
    A_NULL(rt, mor_getattr(rt, z.none, ""), MOR_EXC_ATTRIBUTE, "'NoneType'");
    A_NEG(rt, mor_setattr(rt, z.i, "x", z.i), MOR_EXC_ATTRIBUTE,
          "'int' object has no attribute 'x'");
    A_NEG(rt, mor_setattr(rt, z.l, "x", z.i), MOR_EXC_ATTRIBUTE, "'list'");
    A_NEG(rt, mor_setattr(rt, z.inst, "y", z.i), MOR_EXC_ATTRIBUTE, "'y'");
    A_NEG(rt, mor_delattr(rt, z.inst, "y"), MOR_EXC_ATTRIBUTE, "'y'");
    A_NEG(rt, mor_delattr(rt, z.d, "x"), MOR_EXC_ATTRIBUTE, "'dict'");
    A_NEG(rt, mor_delattr(rt, z.s, "x"), MOR_EXC_ATTRIBUTE, "'str'");
    /* the field is still there */
    mor_obj *x = mor_getattr(rt, z.inst, "x");
    assert_ptr_equal(x, z.i);
    mor_decref(rt, x);
    /* call: arguments announced but no array */
    A_NULL(rt, mor_call(rt, z.cls, 1, NULL), MOR_EXC_TYPE, "no argument array");
    /* too many arguments for the class */
    mor_obj *args[] = {z.i, z.i};
    A_NULL(rt, mor_call(rt, z.cls, 2, args), MOR_EXC_TYPE, "Point");
    a_rc_same(&rc);
    zoo_check(rt, &z);
    zoo_free(rt, &z);
    a_usable(rt);
}

/* repr and eq of objects whose special methods fail or recurse too deep */
static mor_obj *return_int(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    return mor_int(rt, 5);
}

static void test_protocol_failing_slots(void **state)
{
    T_RT;
    mor_obj *cls = mor_class_new(rt, "Bad", NULL, MOR_CLASS_DICT);
    mor_obj *fn = mor_func_new(rt, "bad_repr", return_int, NULL);
    assert_int_equal(mor_class_set_attr(rt, cls, "__repr__", fn), 0);
    assert_int_equal(mor_class_set_attr(rt, cls, "__hash__", fn), 0);
    mor_obj *inst = mor_call(rt, cls, 0, NULL);
    assert_non_null(inst);
    a_rcs rc = A_RC(cls, fn, inst);
    A_NULL(rt, mor_repr(rt, inst), MOR_EXC_TYPE, "__repr__ returned non-string (type int)");
    int64_t h;
    assert_int_equal(mor_hash(rt, inst, &h), 0); /* an int is a fine hash */
    assert_int_equal(h, 5);
    a_rc_same(&rc);
    mor_decref(rt, inst);
    mor_decref(rt, fn);
    mor_decref(rt, cls);
    /* eq and repr past the recursion limit */
    mor_obj *a = t_deep_list(rt, 3000), *b = t_deep_list(rt, 3000);
    A_NEG(rt, mor_eq(rt, a, b), MOR_EXC_RECURSION, "recursion");
    A_NULL(rt, mor_repr(rt, a), MOR_EXC_RECURSION, "recursion");
    assert_int_equal(mor_eq(rt, a, a), 1); /* identity */
    A_NOEXC(rt);
    mor_decref(rt, a);
    mor_decref(rt, b);
    /* unrelated types: not equal, no error */
    mor_obj *s = mor_str(rt, "7");
    assert_int_equal(mor_eq(rt, mor_int(rt, 7), s), 0);
    A_NOEXC(rt);
    mor_decref(rt, s);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rt_new_bad_config),
        T_TEST(test_decref_special_immortal),
        T_TEST(test_object_new_bad_type),
        T_TEST(test_mem_huge),
        T_TEST(test_raise_bad_kind),
        T_TEST(test_raise_obj_bad),
        T_TEST(test_unraisable_bad),
        T_TEST(test_protocol_wrong_type),
        T_TEST(test_protocol_out_of_range),
        T_TEST(test_protocol_attrs),
        T_TEST(test_protocol_failing_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
