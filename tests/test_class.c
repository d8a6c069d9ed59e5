/* tests/test_class.c: native functions, classes and their instances (slot and
 * dict layouts, class attributes, bound methods, the special methods, the
 * collector and weak references), the memory figures of both layouts, and
 * lru_cache; plus the error cases of every function of mor/class.h. */
#include <pthread.h>
#include <stdio.h>

#include "testutil.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* Call f with n arguments (borrowed). */
static mor_obj *t_call(mor_rt *rt, mor_obj *f, size_t n, ...)
{
    mor_obj *args[8];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n && i < 8; i++)
        args[i] = va_arg(ap, mor_obj *);
    va_end(ap);
    return mor_call(rt, f, n, args);
}

/* The int value of attribute `name` of o (which must exist). */
static int64_t t_geti(mor_rt *rt, mor_obj *o, const char *name)
{
    mor_obj *v = mor_getattr(rt, o, name);
    if (v == NULL)
        fail_msg("getattr %s raised %s: %s", name, mor_exc_name(mor_err_kind(rt)),
                 mor_err_message(rt));
    int64_t x = 0;
    assert_int_equal(mor_int_to_i64(rt, v, &x), 0);
    mor_decref(rt, v);
    return x;
}

static void t_seti(mor_rt *rt, mor_obj *o, const char *name, int64_t x)
{
    mor_obj *v = mor_int(rt, x);
    assert_non_null(v);
    assert_int_equal(mor_setattr(rt, o, name, v), 0);
    mor_decref(rt, v);
}

static int64_t t_i64(mor_rt *rt, mor_obj *v)
{
    int64_t x = 0;
    assert_non_null(v);
    assert_int_equal(mor_int_to_i64(rt, v, &x), 0);
    return x;
}

/* A new class; fields NULL-terminated (NULL: none). */
static mor_obj *t_class(mor_rt *rt, const char *name, const char *const *fields, unsigned flags)
{
    mor_obj *c = mor_class_new(rt, name, fields, flags);
    assert_non_null(c);
    return c;
}

/* Set class attribute `name` to a new function fn with data (may be NULL). */
static void t_method(mor_rt *rt, mor_obj *cls, const char *name, mor_cfunc fn, mor_obj *data)
{
    mor_obj *f = mor_func_new(rt, name, fn, data);
    assert_non_null(f);
    assert_int_equal(mor_class_set_attr(rt, cls, name, f), 0);
    mor_decref(rt, f);
}

/* Bytes the runtime holds for live objects and buffers (pooled blocks excluded). */
static uint64_t t_bytes(mor_rt *rt)
{
    mor_alloc_stats st;
    mor_alloc_get_stats(rt, &st);
    return st.live_bytes - st.pooled_bytes;
}

/* Empty a list. */
static void t_list_clear(mor_rt *rt, mor_obj *l)
{
    while (mor_len(rt, l) > 0)
        mor_decref(rt, mor_list_pop(rt, l, -1));
}

/* Is the weak reference dead? */
static bool t_dead(mor_rt *rt, mor_obj *ref)
{
    mor_obj *t = mor_weakref_get(rt, ref);
    assert_non_null(t);
    bool dead = t == mor_none(rt);
    mor_decref(rt, t);
    return dead;
}

/* ---- native functions used as methods and callbacks ------------------------------------------ */

/* Returns its arguments as a tuple. */
static mor_obj *fn_args(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    return mor_tuple_from(rt, nargs, args);
}

/* Returns its data object. */
static mor_obj *fn_data(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)rt;
    (void)nargs;
    (void)args;
    return mor_newref(data);
}

/* Adds its two int arguments. */
static mor_obj *fn_add(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    if (nargs != 2) {
        mor_raise(rt, MOR_EXC_TYPE, "add() takes 2 arguments (%zu given)", nargs);
        return NULL;
    }
    return mor_add(rt, args[0], args[1]);
}

static mor_obj *fn_raise(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    mor_raise(rt, MOR_EXC_VALUE, "boom");
    return NULL;
}

/* __init__(self, a, b): self.total = a + b; returns data (None normally). */
static mor_obj *fn_init(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    if (nargs != 3) {
        mor_raise(rt, MOR_EXC_TYPE, "__init__() takes 3 arguments (%zu given)", nargs);
        return NULL;
    }
    mor_obj *sum = mor_add(rt, args[1], args[2]);
    if (sum == NULL)
        return NULL;
    int r = mor_setattr(rt, args[0], "total", sum);
    mor_decref(rt, sum);
    return r < 0 ? NULL : mor_newref(data);
}

/* __del__(self): counts its calls; appends self to data when data is a list
 * (resurrecting it). */
static int del_calls;

static mor_obj *fn_del(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    assert_int_equal(nargs, 1);
    del_calls++;
    if (mor_is_list(data) && mor_list_append(rt, data, args[0]) < 0)
        return NULL;
    return mor_newref(mor_none(rt));
}

/* __repr__(self): "P(<x>)". */
static mor_obj *fn_repr(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    mor_obj *x = mor_getattr(rt, args[0], "x");
    if (x == NULL)
        return NULL;
    mor_obj *xr = mor_repr(rt, x);
    mor_decref(rt, x);
    if (xr == NULL)
        return NULL;
    mor_obj *r = mor_str_fmt(rt, "P(%s)", mor_str_utf8(xr, NULL));
    mor_decref(rt, xr);
    return r;
}

/* __eq__(self, other): equal k attributes; NotImplemented for other types. */
static mor_obj *fn_eq(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    assert_int_equal(nargs, 2);
    if (mor_type_of(args[0]) != mor_type_of(args[1]))
        return mor_newref(mor_not_implemented(rt));
    mor_obj *a = mor_getattr(rt, args[0], "k");
    mor_obj *b = a ? mor_getattr(rt, args[1], "k") : NULL;
    int r = b ? mor_eq(rt, a, b) : -1;
    mor_xdecref(rt, a);
    mor_xdecref(rt, b);
    return r < 0 ? NULL : mor_newref(mor_bool(rt, r == 1));
}

/* __hash__(self): k % 3, so that distinct keys collide and eq decides. */
static int hash_calls;

static mor_obj *fn_hash(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    hash_calls++;
    mor_obj *k = mor_getattr(rt, args[0], "k");
    if (k == NULL)
        return NULL;
    mor_obj *three = mor_int(rt, 3);
    mor_obj *r = mor_mod(rt, k, three);
    mor_decref(rt, k);
    mor_decref(rt, three);
    return r;
}

/* square(x): records its first argument (None if none) in data (a list);
 * returns x * x for one int, else the tuple of its arguments. */
static mor_obj *fn_square(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    if (mor_list_append(rt, data, nargs ? args[0] : mor_none(rt)) < 0)
        return NULL;
    if (nargs == 1 && mor_is_int(args[0]))
        return mor_mul(rt, args[0], args[0]);
    return mor_tuple_from(rt, nargs, args);
}

/* ---- functions ------------------------------------------------------------------------------- */

static void test_func_call_repr(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    mor_obj *add = mor_func_new(rt, "add", fn_add, NULL);
    assert_non_null(add);
    t_assert_repr(rt, add, "<function add>");
    assert_string_equal(mor_type_name(add), "function");
    mor_obj *three = mor_int(rt, 3), *four = mor_int(rt, 4);
    mor_obj *r = t_call(rt, add, 2, three, four);
    assert_int_equal(t_i64(rt, r), 7);
    mor_decref(rt, r);
    /* errors raised by the C function come back to the caller */
    assert_null(t_call(rt, add, 1, three));
    t_expect_exc(rt, MOR_EXC_TYPE, "add() takes 2 arguments (1 given)");
    mor_obj *name = mor_getattr(rt, add, "__name__");
    assert_string_equal(mor_str_utf8(name, NULL), "add");
    mor_decref(rt, name);

    /* data: handed to every call; None when none was given */
    mor_obj *nodata = mor_func_new(rt, "nodata", fn_data, NULL);
    r = mor_call(rt, nodata, 0, NULL);
    assert_ptr_equal(r, mor_none(rt));
    mor_decref(rt, r);
    mor_obj *l = mor_list(rt, 0);
    mor_obj *withdata = mor_func_new(rt, "withdata", fn_data, l);
    assert_int_equal(mor_refcount(l), 2); /* the function owns a reference */
    r = mor_call(rt, withdata, 0, NULL);
    assert_ptr_equal(r, l);
    mor_decref(rt, r);
    mor_decref(rt, withdata);
    assert_int_equal(mor_refcount(l), 1);
    mor_decref(rt, l);
    mor_decref(rt, nodata);

    /* anything without a call slot is not callable */
    assert_null(mor_call(rt, three, 0, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "'int' object is not callable");
    mor_obj *s = mor_str(rt, "abc");
    assert_null(mor_call(rt, s, 0, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "'str' object is not callable");
    mor_decref(rt, s);
    mor_decref(rt, add);
}

static void test_func_data_cycle(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's count of what it freed");
    size_t base = mor_rt_live_objects(rt);
    /* func -> data list -> func */
    mor_obj *l = mor_list(rt, 0);
    mor_obj *f = mor_func_new(rt, "f", fn_data, l);
    assert_int_equal(mor_list_append(rt, l, f), 0);
    t_assert_tracked(f);
    /* the collector sees the data: it is among the function's referents */
    mor_obj *refs = mor_gc_get_referents(rt, f);
    size_t n;
    mor_obj *const *items = mor_seq_items(refs, &n);
    assert_int_equal(n, 1);
    assert_ptr_equal(items[0], l);
    mor_decref(rt, refs);
    mor_obj *wr = mor_weakref(rt, f, NULL);
    assert_non_null(wr);
    mor_decref(rt, l);
    mor_decref(rt, f);
    assert_false(t_dead(rt, wr)); /* refcounting alone cannot free a cycle */
    assert_true(mor_gc_collect(rt, -1) >= 2);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

/* ---- classes and instances ------------------------------------------------------------------- */

static const char *const xy[] = {"x", "y", NULL};

static void test_class_new_and_call(void **state)
{
    T_RT;
    const char *const fields[] = {"name", "age", NULL};
    mor_obj *cls = t_class(rt, "Person", fields, MOR_CLASS_DICT);
    t_assert_repr(rt, cls, "<class 'Person'>");
    assert_true(mor_is_class(cls));
    mor_obj *cname = mor_getattr(rt, cls, "__name__");
    assert_string_equal(mor_str_utf8(cname, NULL), "Person");
    mor_decref(rt, cname);

    /* positional arguments fill the fields in order */
    mor_obj *name = mor_str(rt, "Ada"), *age = mor_int(rt, 36);
    mor_obj *p = t_call(rt, cls, 2, name, age);
    assert_non_null(p);
    assert_string_equal(mor_type_name(p), "Person");
    assert_true(mor_is_instance(p, cls));
    assert_false(mor_is_class(p));
    mor_obj *v = mor_getattr(rt, p, "name");
    assert_ptr_equal(v, name);
    mor_decref(rt, v);
    assert_int_equal(t_geti(rt, p, "age"), 36);
    mor_obj *k = mor_getattr(rt, p, "__class__");
    assert_ptr_equal(k, cls);
    mor_decref(rt, k);
    /* the default repr names the class */
    mor_obj *r = mor_repr(rt, p);
    assert_non_null(strstr(mor_str_utf8(r, NULL), "<Person object at "));
    mor_decref(rt, r);

    /* fewer arguments: the remaining fields are unset */
    mor_obj *q = t_call(rt, cls, 1, name);
    assert_non_null(q);
    assert_null(mor_getattr(rt, q, "age"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'age'");
    mor_decref(rt, q);

    /* more arguments than fields: a TypeError naming the class */
    assert_null(t_call(rt, cls, 3, name, age, age));
    t_expect_exc(rt, MOR_EXC_TYPE, "Person() takes at most 2 positional arguments (3 given)");
    mor_obj *slots = t_class(rt, "Point", xy, MOR_CLASS_SLOTS);
    assert_null(t_call(rt, slots, 3, age, age, age));
    t_expect_exc(rt, MOR_EXC_TYPE, "Point()");

    /* an instance of a class without __call__ is not callable */
    assert_null(mor_call(rt, p, 0, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "'Person' object is not callable");

    mor_decref(rt, p);
    mor_decref(rt, name);
    mor_decref(rt, slots);
    mor_decref(rt, cls);
}

static void test_class_init(void **state)
{
    T_RT;
    mor_obj *cls = t_class(rt, "Acc", NULL, MOR_CLASS_DICT);
    t_method(rt, cls, "__init__", fn_init, NULL);
    mor_obj *a = mor_int(rt, 40), *b = mor_int(rt, 2);
    /* __init__ gets self and the arguments, and may take more than the fields */
    mor_obj *o = t_call(rt, cls, 2, a, b);
    assert_non_null(o);
    assert_int_equal(t_geti(rt, o, "total"), 42);
    mor_decref(rt, o);
    /* its errors propagate and no instance is returned */
    assert_null(t_call(rt, cls, 1, a));
    t_expect_exc(rt, MOR_EXC_TYPE, "__init__() takes 3 arguments (2 given)");
    /* returning anything but None is a TypeError */
    mor_obj *cls2 = t_class(rt, "Bad", xy, MOR_CLASS_DICT);
    t_method(rt, cls2, "__init__", fn_init, a);
    assert_null(t_call(rt, cls2, 2, a, b));
    t_expect_exc(rt, MOR_EXC_TYPE, "__init__() should return None");
    /* with __init__, positional arguments no longer fill the fields */
    assert_int_equal(mor_class_set_attr(rt, cls2, "__init__", NULL), 0);
    mor_obj *f = mor_func_new(rt, "__init__", fn_data, NULL); /* returns None */
    assert_int_equal(mor_class_set_attr(rt, cls2, "__init__", f), 0);
    mor_decref(rt, f);
    o = t_call(rt, cls2, 2, a, b);
    assert_non_null(o);
    assert_null(mor_getattr(rt, o, "x"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Bad' object has no attribute 'x'");
    mor_decref(rt, o);
    /* without it again, they do */
    assert_int_equal(mor_class_set_attr(rt, cls2, "__init__", NULL), 0);
    o = t_call(rt, cls2, 2, a, b);
    assert_int_equal(t_geti(rt, o, "x"), 40);
    assert_int_equal(t_geti(rt, o, "y"), 2);
    mor_decref(rt, o);
    mor_decref(rt, cls2);
    mor_decref(rt, cls);
}

static void test_bound_method(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    mor_obj *cls = t_class(rt, "Person", NULL, MOR_CLASS_DICT);
    t_method(rt, cls, "greet", fn_args, NULL);
    mor_obj *p = mor_call(rt, cls, 0, NULL);
    mor_obj *m = mor_getattr(rt, p, "greet");
    assert_non_null(m);
    assert_string_equal(mor_type_name(m), "method");
    mor_obj *r = mor_repr(rt, m);
    assert_non_null(strstr(mor_str_utf8(r, NULL), "<bound method Person.greet of <Person object"));
    mor_decref(rt, r);
    /* calling it passes the instance first */
    mor_obj *one = mor_int(rt, 1), *two = mor_int(rt, 2);
    r = t_call(rt, m, 2, one, two);
    size_t n;
    mor_obj *const *items = mor_seq_items(r, &n);
    assert_int_equal(n, 3);
    assert_ptr_equal(items[0], p);
    assert_ptr_equal(items[1], one);
    assert_ptr_equal(items[2], two);
    mor_decref(rt, r);
    r = mor_call(rt, m, 0, NULL);
    items = mor_seq_items(r, &n);
    assert_int_equal(n, 1);
    assert_ptr_equal(items[0], p);
    mor_decref(rt, r);
    /* the method keeps its instance alive */
    mor_obj *wr = mor_weakref(rt, p, NULL);
    mor_obj *self = mor_getattr(rt, m, "__self__");
    assert_ptr_equal(self, p);
    mor_decref(rt, self);
    mor_decref(rt, p);
    assert_false(t_dead(rt, wr));
    mor_decref(rt, m);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    /* found through the class itself, the function is not bound */
    mor_obj *f = mor_getattr(rt, cls, "greet");
    assert_string_equal(mor_type_name(f), "function");
    mor_decref(rt, f);
    /* a non-function class attribute is returned as it is */
    assert_int_equal(mor_class_set_attr(rt, cls, "count", two), 0);
    p = mor_call(rt, cls, 0, NULL);
    assert_int_equal(t_geti(rt, p, "count"), 2);
    mor_decref(rt, p);
    mor_decref(rt, cls);
}

/* ---- dict instances -------------------------------------------------------------------------- */

/* The keys of d, joined with ",". */
static void t_assert_keys(mor_rt *rt, mor_obj *d, const char *want)
{
    mor_obj *keys = mor_dict_keys(rt, d);
    mor_obj *sep = mor_str(rt, ",");
    mor_obj *j = mor_str_join(rt, sep, keys);
    assert_non_null(j);
    assert_string_equal(mor_str_utf8(j, NULL), want);
    mor_decref(rt, j);
    mor_decref(rt, sep);
    mor_decref(rt, keys);
}

static void test_dict_instance_attrs(void **state)
{
    T_RT;
    mor_obj *cls = t_class(rt, "Person", xy, MOR_CLASS_DICT);
    mor_obj *p = mor_call(rt, cls, 0, NULL);
    /* any name can be set, read and deleted */
    t_seti(rt, p, "y", 2);
    t_seti(rt, p, "anything", 3);
    t_seti(rt, p, "x", 1);
    assert_int_equal(t_geti(rt, p, "x"), 1);
    assert_int_equal(t_geti(rt, p, "y"), 2);
    assert_int_equal(t_geti(rt, p, "anything"), 3);
    t_seti(rt, p, "x", 10); /* replacing keeps the position */
    assert_int_equal(t_geti(rt, p, "x"), 10);
    assert_int_equal(mor_delattr(rt, p, "anything"), 0);
    assert_null(mor_getattr(rt, p, "anything"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'anything'");
    /* deleting a missing attribute */
    assert_int_equal(mor_delattr(rt, p, "anything"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'anything'");
    assert_int_equal(mor_delattr(rt, p, "never"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'never'");
    assert_null(mor_getattr(rt, p, "never"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'never'");
    t_seti(rt, p, "z", 3);

    /* __dict__: the attributes in the order they were set */
    mor_obj *d = mor_getattr(rt, p, "__dict__");
    assert_non_null(d);
    assert_true(mor_is_dict(d));
    t_assert_keys(rt, d, "y,x,z");
    assert_int_equal(mor_len(rt, d), 3);
    /* after it, setting, reading and deleting still work, and show in it */
    t_seti(rt, p, "w", 4);
    assert_int_equal(t_geti(rt, p, "w"), 4);
    assert_int_equal(t_geti(rt, p, "x"), 10);
    t_seti(rt, p, "x", 11);
    assert_int_equal(t_geti(rt, p, "x"), 11);
    assert_int_equal(mor_delattr(rt, p, "y"), 0);
    assert_int_equal(mor_delattr(rt, p, "y"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'y'");
    mor_obj *d2 = mor_getattr(rt, p, "__dict__");
    assert_ptr_equal(d2, d);
    t_assert_keys(rt, d, "x,z,w");
    mor_decref(rt, d2);
    /* __dict__ itself cannot be replaced */
    assert_int_equal(mor_setattr(rt, p, "__dict__", d), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "not writable");
    mor_decref(rt, d);

    /* an instance that never set anything has an empty __dict__ */
    mor_obj *e = mor_call(rt, cls, 0, NULL);
    d = mor_getattr(rt, e, "__dict__");
    assert_int_equal(mor_len(rt, d), 0);
    mor_decref(rt, d);
    mor_decref(rt, e);
    mor_decref(rt, p);
    mor_decref(rt, cls);
}

static void test_dict_instance_outgrows_layout(void **state)
{
    T_RT;
    static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    mor_obj *cls = t_class(rt, "Bag", NULL, MOR_CLASS_DICT);
    /* made while the class knows no keys: room for a few; the rest needs a dict */
    mor_obj *o = mor_call(rt, cls, 0, NULL);
    for (int i = 0; i < 8; i++)
        t_seti(rt, o, names[i], i);
    for (int i = 0; i < 8; i++)
        assert_int_equal(t_geti(rt, o, names[i]), i);
    assert_int_equal(mor_delattr(rt, o, "c"), 0);
    assert_int_equal(mor_delattr(rt, o, "c"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Bag' object has no attribute 'c'");
    mor_obj *d = mor_getattr(rt, o, "__dict__");
    t_assert_keys(rt, d, "a,b,d,e,f,g,h");
    mor_decref(rt, d);

    /* a second instance made now has room for the keys the class learned;
     * an older, smaller one still takes any of them */
    mor_obj *p = mor_call(rt, cls, 0, NULL);
    for (int i = 7; i >= 0; i--)
        t_seti(rt, p, names[i], 100 + i);
    for (int i = 0; i < 8; i++)
        assert_int_equal(t_geti(rt, p, names[i]), 100 + i);
    d = mor_getattr(rt, p, "__dict__");
    t_assert_keys(rt, d, "h,g,f,e,d,c,b,a");
    mor_decref(rt, d);

    /* far more names than the shared table takes */
    mor_obj *q = mor_call(rt, cls, 0, NULL);
    char name[16];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "attr%d", i);
        t_seti(rt, q, name, i);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "attr%d", i);
        assert_int_equal(t_geti(rt, q, name), i);
    }
    /* and instances made after the table filled up work from the start */
    mor_obj *r = mor_call(rt, cls, 0, NULL);
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof(name), "late%d", i);
        t_seti(rt, r, name, i);
        assert_int_equal(t_geti(rt, r, name), i);
    }
    assert_int_equal(mor_delattr(rt, r, "late7"), 0);
    assert_int_equal(mor_delattr(rt, r, "late7"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, NULL);
    d = mor_getattr(rt, r, "__dict__");
    assert_int_equal(mor_len(rt, d), 49);
    mor_decref(rt, d);
    mor_decref(rt, r);
    mor_decref(rt, q);
    mor_decref(rt, p);
    mor_decref(rt, o);
    mor_decref(rt, cls);
}

/* Bytes one instance of cls costs, made by calling cls with args. *out gets
 * the instance. */
static uint64_t t_instance_cost(mor_rt *rt, mor_obj *cls, size_t nargs, mor_obj *const *args,
                                mor_obj **out)
{
    uint64_t before = t_bytes(rt);
    *out = mor_call(rt, cls, nargs, args);
    assert_non_null(*out);
    return t_bytes(rt) - before;
}

static void test_dict_instance_memory(void **state)
{
    T_RT;
    T_NEEDS_RC("per-block allocator statistics (Boehm owns the heap)");
    mor_obj *one = mor_int(rt, 1), *two = mor_int(rt, 2);
    mor_obj *args[] = {one, two};
    /* a class with the two fields: every instance, the first included */
    mor_obj *cls = t_class(rt, "Pair", xy, MOR_CLASS_DICT);
    mor_obj *objs[3];
    for (int i = 0; i < 3; i++) {
        uint64_t cost = t_instance_cost(rt, cls, 2, args, &objs[i]);
        print_message("dict instance with 2 fields: %llu bytes in all\n", (unsigned long long)cost);
        assert_true(cost <= 88);
        /* sys.getsizeof-like: the object without its attribute storage */
        assert_true(mor_sizeof(objs[i]) <= 88);
        assert_true(mor_sizeof(objs[i]) < cost);
    }
    for (int i = 0; i < 3; i++)
        mor_decref(rt, objs[i]);

    /* a class with no fields, whose instances get two attributes after
     * creation: the first teaches the class its keys, later ones are small */
    mor_obj *free_cls = t_class(rt, "Free", NULL, MOR_CLASS_DICT);
    for (int i = 0; i < 3; i++) {
        uint64_t before = t_bytes(rt);
        objs[i] = mor_call(rt, free_cls, 0, NULL);
        t_seti(rt, objs[i], "x", 1);
        t_seti(rt, objs[i], "y", 2);
        uint64_t cost = t_bytes(rt) - before;
        print_message("dict instance, 2 attributes set later (#%d): %llu bytes\n", i + 1,
                      (unsigned long long)cost);
        if (i > 0)
            assert_true(cost <= 88);
        assert_int_equal(mor_sizeof(objs[i]), mor_sizeof(objs[0]));
    }
    for (int i = 0; i < 3; i++)
        mor_decref(rt, objs[i]);
    /* and when the earlier instances are gone */
    uint64_t before = t_bytes(rt);
    mor_obj *last = mor_call(rt, free_cls, 0, NULL);
    t_seti(rt, last, "y", 1);
    t_seti(rt, last, "x", 2);
    assert_true(t_bytes(rt) - before <= 88);
    mor_decref(rt, last);
    mor_decref(rt, free_cls);
    mor_decref(rt, cls);
}

/* ---- slot instances -------------------------------------------------------------------------- */

static void test_slot_instances(void **state)
{
    T_RT;
    T_NEEDS_RC("per-block allocator statistics (Boehm owns the heap)");
    mor_obj *point = t_class(rt, "Point", xy, MOR_CLASS_SLOTS);
    const char *const five[] = {"a", "b", "c", "d", "e", NULL};
    mor_obj *rec = t_class(rt, "Rec", five, MOR_CLASS_SLOTS);
    mor_obj *one = mor_int(rt, 1), *two = mor_int(rt, 2);
    mor_obj *p = t_call(rt, point, 2, one, two);
    mor_obj *r = mor_call(rt, rec, 0, NULL);
    print_message("slot instances: 2 fields %zu bytes, 5 fields %zu bytes\n", mor_sizeof(p),
                  mor_sizeof(r));
    assert_true(mor_sizeof(p) <= 48);
    assert_true(mor_sizeof(r) <= 72);
    /* the instance is all there is: no attribute storage besides it */
    mor_obj *q;
    mor_obj *args[] = {one, two};
    uint64_t cost = t_instance_cost(rt, point, 2, args, &q);
    assert_int_equal(cost, mor_sizeof(q));
    mor_decref(rt, q);

    assert_int_equal(t_geti(rt, p, "x"), 1);
    assert_int_equal(t_geti(rt, p, "y"), 2);
    t_seti(rt, p, "x", 5);
    assert_int_equal(t_geti(rt, p, "x"), 5);
    /* only the fields exist */
    assert_int_equal(mor_setattr(rt, p, "z", one), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute 'z'");
    assert_null(mor_getattr(rt, p, "z"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute 'z'");
    assert_null(mor_getattr(rt, p, "__dict__"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute '__dict__'");
    /* a field never set reads as missing */
    assert_null(mor_getattr(rt, r, "c"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Rec' object has no attribute 'c'");
    /* deleting a field unsets it; deleting it again is an error */
    assert_int_equal(mor_delattr(rt, p, "y"), 0);
    assert_null(mor_getattr(rt, p, "y"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute 'y'");
    assert_int_equal(mor_delattr(rt, p, "y"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute 'y'");
    assert_int_equal(mor_delattr(rt, p, "z"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute 'z'");
    t_seti(rt, p, "y", 7);
    assert_int_equal(t_geti(rt, p, "y"), 7);
    /* fields hold references */
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_setattr(rt, r, "e", l), 0);
    assert_int_equal(mor_refcount(l), 2);
    assert_int_equal(mor_delattr(rt, r, "e"), 0);
    assert_int_equal(mor_refcount(l), 1);
    assert_int_equal(mor_setattr(rt, r, "e", l), 0);
    mor_decref(rt, r); /* releases the list */
    assert_int_equal(mor_refcount(l), 1);
    mor_decref(rt, l);
    mor_decref(rt, p);
    mor_decref(rt, rec);
    mor_decref(rt, point);
}

static void test_slot_class_without_fields(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    mor_obj *cls = t_class(rt, "Empty", NULL, MOR_CLASS_SLOTS);
    mor_obj *e = mor_call(rt, cls, 0, NULL);
    assert_non_null(e);
    assert_false(mor_gc_is_tracked(e));
    mor_gc_collect(rt, -1);
    assert_false(mor_gc_is_tracked(e));
    /* nothing can be stored in it */
    assert_int_equal(mor_setattr(rt, e, "x", mor_none(rt)), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Empty' object has no attribute 'x'");
    mor_obj *one = mor_int(rt, 1);
    assert_null(t_call(rt, cls, 1, one));
    t_expect_exc(rt, MOR_EXC_TYPE, "Empty() takes at most 0 positional arguments (1 given)");
    /* it refers to nothing but its class */
    mor_obj *refs = mor_gc_get_referents(rt, e);
    size_t n;
    mor_obj *const *items = mor_seq_items(refs, &n);
    for (size_t i = 0; i < n; i++)
        assert_ptr_equal(items[i], cls);
    mor_decref(rt, refs);
    assert_true(mor_sizeof(e) <= 32);
    /* it can still be weakly referenced */
    mor_obj *wr = mor_weakref(rt, e, NULL);
    assert_non_null(wr);
    mor_decref(rt, e);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    mor_decref(rt, cls);
}

static void test_is_class_is_instance(void **state)
{
    T_RT;
    mor_obj *a = t_class(rt, "A", NULL, MOR_CLASS_DICT);
    mor_obj *b = t_class(rt, "B", xy, MOR_CLASS_SLOTS);
    mor_obj *ia = mor_call(rt, a, 0, NULL), *ib = mor_call(rt, b, 0, NULL);
    mor_obj *i = mor_int(rt, 1);
    mor_obj *f = mor_func_new(rt, "f", fn_args, NULL);
    assert_true(mor_is_class(a));
    assert_true(mor_is_class(b));
    assert_false(mor_is_class(ia));
    assert_false(mor_is_class(i));
    assert_false(mor_is_class(f));
    assert_true(mor_is_instance(ia, a));
    assert_true(mor_is_instance(ib, b));
    assert_false(mor_is_instance(ia, b));
    assert_false(mor_is_instance(ib, a));
    assert_false(mor_is_instance(i, a));
    assert_false(mor_is_instance(a, a));
    assert_false(mor_is_instance(ia, i)); /* not a class */
    assert_false(mor_is_instance(ia, ia));
    /* two classes with the same name are different classes */
    mor_obj *a2 = t_class(rt, "A", NULL, MOR_CLASS_DICT);
    assert_false(mor_is_instance(ia, a2));
    mor_decref(rt, a2);
    mor_decref(rt, f);
    mor_decref(rt, ia);
    mor_decref(rt, ib);
    mor_decref(rt, a);
    mor_decref(rt, b);
}

/* ---- class attributes ------------------------------------------------------------------------ */

static void test_class_attributes(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    mor_obj *cls = t_class(rt, "Person", NULL, MOR_CLASS_DICT);
    mor_obj *slots = t_class(rt, "Point", xy, MOR_CLASS_SLOTS);
    mor_obj *species = mor_str(rt, "human");
    assert_int_equal(mor_class_set_attr(rt, cls, "species", species), 0);
    assert_int_equal(mor_class_set_attr(rt, slots, "species", species), 0);
    assert_int_equal(mor_refcount(species), 3);
    mor_obj *p = mor_call(rt, cls, 0, NULL), *q = mor_call(rt, slots, 0, NULL);
    /* seen from instances that lack the name */
    mor_obj *v = mor_getattr(rt, p, "species");
    assert_ptr_equal(v, species);
    mor_decref(rt, v);
    v = mor_getattr(rt, q, "species");
    assert_ptr_equal(v, species);
    mor_decref(rt, v);
    v = mor_getattr(rt, cls, "species");
    assert_ptr_equal(v, species);
    mor_decref(rt, v);
    /* an instance attribute shadows it, for that instance only */
    t_seti(rt, p, "species", 7);
    assert_int_equal(t_geti(rt, p, "species"), 7);
    mor_obj *p2 = mor_call(rt, cls, 0, NULL);
    v = mor_getattr(rt, p2, "species");
    assert_ptr_equal(v, species);
    mor_decref(rt, v);
    /* a slot instance cannot shadow a name that is not a field */
    assert_int_equal(mor_setattr(rt, q, "species", species), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Point' object has no attribute 'species'");
    /* deleting the instance attribute uncovers the class one again */
    assert_int_equal(mor_delattr(rt, p, "species"), 0);
    v = mor_getattr(rt, p, "species");
    assert_ptr_equal(v, species);
    mor_decref(rt, v);
    /* a class attribute is not deletable through an instance */
    assert_int_equal(mor_delattr(rt, p, "species"), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'species'");
    /* replacing it */
    mor_obj *three = mor_int(rt, 3);
    assert_int_equal(mor_class_set_attr(rt, cls, "species", three), 0);
    assert_int_equal(t_geti(rt, p2, "species"), 3);
    assert_int_equal(mor_refcount(species), 2);
    /* mor_setattr on the class sets a class attribute too */
    assert_int_equal(mor_setattr(rt, cls, "legs", three), 0);
    assert_int_equal(t_geti(rt, p, "legs"), 3);
    /* deleting (v NULL) */
    assert_int_equal(mor_class_set_attr(rt, cls, "species", NULL), 0);
    assert_null(mor_getattr(rt, p2, "species"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'Person' object has no attribute 'species'");
    assert_null(mor_getattr(rt, cls, "species"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "type object 'Person' has no attribute 'species'");
    assert_int_equal(mor_class_set_attr(rt, cls, "species", NULL), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "type object 'Person' has no attribute 'species'");
    assert_int_equal(mor_class_set_attr(rt, slots, "species", NULL), 0);
    assert_int_equal(mor_refcount(species), 1);
    assert_int_equal(t_geti(rt, p, "legs"), 3);
    /* methods are class attributes too */
    t_method(rt, cls, "m", fn_args, NULL);
    mor_obj *m = mor_getattr(rt, p2, "m");
    mor_obj *r = mor_call(rt, m, 0, NULL);
    assert_ptr_equal(mor_seq_items(r, NULL)[0], p2);
    mor_decref(rt, r);
    mor_decref(rt, m);
    mor_decref(rt, p);
    mor_decref(rt, p2);
    mor_decref(rt, q);
    mor_decref(rt, species);
    mor_decref(rt, slots);
    mor_decref(rt, cls);
}

/* ---- special methods ------------------------------------------------------------------------- */

static void test_del_refcount_path(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    size_t base = mor_rt_live_objects(rt);
    mor_obj *cls = t_class(rt, "D", xy, MOR_CLASS_SLOTS);
    t_method(rt, cls, "__del__", fn_del, NULL);
    del_calls = 0;
    mor_obj *o = mor_call(rt, cls, 0, NULL);
    mor_decref(rt, o);
    assert_int_equal(del_calls, 1);

    /* resurrection: the finalizer stores self away; it never runs again */
    mor_obj *keep = mor_list(rt, 0);
    t_method(rt, cls, "__del__", fn_del, keep);
    del_calls = 0;
    o = mor_call(rt, cls, 0, NULL);
    mor_obj *one = mor_int(rt, 1);
    assert_int_equal(mor_setattr(rt, o, "x", one), 0);
    mor_decref(rt, o);
    assert_int_equal(del_calls, 1);
    assert_int_equal(mor_len(rt, keep), 1);
    o = mor_seq_items(keep, NULL)[0]; /* alive and intact */
    assert_int_equal(t_geti(rt, o, "x"), 1);
    mor_obj *wr = mor_weakref(rt, o, NULL);
    mor_obj *popped = mor_list_pop(rt, keep, -1);
    assert_ptr_equal(popped, o);
    mor_decref(rt, popped); /* the last reference: freed without a second __del__ */
    assert_int_equal(del_calls, 1);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);

    /* deleting __del__ turns finalization off for later deaths */
    assert_int_equal(mor_class_set_attr(rt, cls, "__del__", NULL), 0);
    o = mor_call(rt, cls, 0, NULL);
    mor_decref(rt, o);
    assert_int_equal(del_calls, 1);
    assert_int_equal(mor_len(rt, keep), 0);
    mor_decref(rt, keep);
    mor_decref(rt, cls);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

static void test_del_in_cycle(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's count of what it freed");
    size_t base = mor_rt_live_objects(rt);
    mor_obj *cls = t_class(rt, "Node", NULL, MOR_CLASS_DICT);
    t_method(rt, cls, "__del__", fn_del, NULL);
    del_calls = 0;
    mor_obj *a = mor_call(rt, cls, 0, NULL), *b = mor_call(rt, cls, 0, NULL);
    assert_int_equal(mor_setattr(rt, a, "other", b), 0);
    assert_int_equal(mor_setattr(rt, b, "other", a), 0);
    mor_obj *wa = mor_weakref(rt, a, NULL);
    mor_decref(rt, a);
    mor_decref(rt, b);
    assert_int_equal(del_calls, 0);
    assert_true(mor_gc_collect(rt, -1) >= 2);
    assert_int_equal(del_calls, 2);
    assert_true(t_dead(rt, wa));
    mor_decref(rt, wa);

    /* a finalizer in a cycle that resurrects: the objects survive that
     * collection, and the next one frees them without finalizing again */
    mor_obj *keep = mor_list(rt, 0);
    t_method(rt, cls, "__del__", fn_del, keep);
    del_calls = 0;
    a = mor_call(rt, cls, 0, NULL);
    b = mor_call(rt, cls, 0, NULL);
    assert_int_equal(mor_setattr(rt, a, "other", b), 0);
    assert_int_equal(mor_setattr(rt, b, "other", a), 0);
    t_seti(rt, a, "n", 1);
    t_seti(rt, b, "n", 2);
    mor_decref(rt, a);
    mor_decref(rt, b);
    mor_gc_collect(rt, -1);
    assert_int_equal(del_calls, 2);
    assert_int_equal(mor_len(rt, keep), 2);
    /* both intact: nothing was cleared */
    mor_obj *const *kept = mor_seq_items(keep, NULL);
    assert_int_equal(t_geti(rt, kept[0], "n") + t_geti(rt, kept[1], "n"), 3);
    mor_obj *other = mor_getattr(rt, kept[0], "other");
    assert_ptr_equal(other, kept[1]);
    mor_decref(rt, other);
    other = mor_getattr(rt, kept[1], "other");
    assert_ptr_equal(other, kept[0]);
    mor_decref(rt, other);
    wa = mor_weakref(rt, kept[0], NULL);
    t_list_clear(rt, keep);
    assert_false(t_dead(rt, wa)); /* still a cycle */
    assert_true(mor_gc_collect(rt, -1) >= 2);
    assert_int_equal(del_calls, 2);
    assert_true(t_dead(rt, wa));
    assert_int_equal(mor_len(rt, keep), 0);
    mor_decref(rt, wa);
    mor_decref(rt, keep);
    mor_decref(rt, cls);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

static void count_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    (void)where;
    assert_int_equal(mor_exc_kind(exc), MOR_EXC_VALUE);
    (*(int *)ud)++;
}

static void test_del_errors_and_class_garbage(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    size_t base = mor_rt_live_objects(rt);
    int unraisable = 0;
    mor_set_unraisable_hook(rt, count_unraisable, &unraisable);
    /* an error in __del__ goes to the unraisable hook; the object still dies,
     * and an exception pending in the caller survives */
    mor_obj *cls = t_class(rt, "Bad", NULL, MOR_CLASS_DICT);
    t_method(rt, cls, "__del__", fn_raise, NULL);
    mor_obj *o = mor_call(rt, cls, 0, NULL);
    mor_obj *wr = mor_weakref(rt, o, NULL);
    mor_raise(rt, MOR_EXC_KEY, "pending");
    mor_decref(rt, o);
    t_expect_exc(rt, MOR_EXC_KEY, "pending");
    assert_int_equal(unraisable, 1);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    /* the same in a cycle */
    o = mor_call(rt, cls, 0, NULL);
    assert_int_equal(mor_setattr(rt, o, "me", o), 0);
    mor_decref(rt, o);
    assert_true(mor_gc_collect(rt, -1) >= 1);
    assert_int_equal(unraisable, 2);
    mor_decref(rt, cls);
    mor_set_unraisable_hook(rt, NULL, NULL);

    /* a class with __del__ that is garbage together with its instance (held
     * as a class attribute): the finalizer runs once, then both are freed */
    del_calls = 0;
    cls = t_class(rt, "Owner", xy, MOR_CLASS_SLOTS);
    t_method(rt, cls, "__del__", fn_del, NULL);
    o = mor_call(rt, cls, 0, NULL);
    assert_int_equal(mor_setattr(rt, o, "x", cls), 0); /* and the instance holds it too */
    assert_int_equal(mor_class_set_attr(rt, cls, "the_one", o), 0);
    wr = mor_weakref(rt, cls, NULL);
    mor_decref(rt, o);
    mor_decref(rt, cls);
    assert_true(mor_gc_collect(rt, -1) >= 3); /* class, instance, __del__ function */
    assert_int_equal(del_calls, 1);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

static void test_repr_special(void **state)
{
    T_RT;
    mor_obj *cls = t_class(rt, "P", xy, MOR_CLASS_SLOTS);
    t_method(rt, cls, "__repr__", fn_repr, NULL);
    mor_obj *s = mor_str(rt, "hi");
    mor_obj *p = t_call(rt, cls, 1, s);
    t_assert_repr(rt, p, "P('hi')");
    /* errors from __repr__ propagate */
    mor_obj *q = mor_call(rt, cls, 0, NULL);
    assert_null(mor_repr(rt, q));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'P' object has no attribute 'x'");
    /* reprs of containers use it */
    mor_obj *l = mor_list(rt, 2, p, p);
    t_assert_repr(rt, l, "[P('hi'), P('hi')]");
    mor_decref(rt, l);
    /* returning a non-str is a TypeError */
    mor_obj *one = mor_int(rt, 1);
    t_method(rt, cls, "__repr__", fn_data, one);
    assert_null(mor_repr(rt, p));
    t_expect_exc(rt, MOR_EXC_TYPE, "__repr__ returned non-string (type int)");
    /* deleted: the default again */
    assert_int_equal(mor_class_set_attr(rt, cls, "__repr__", NULL), 0);
    mor_obj *r = mor_repr(rt, p);
    assert_non_null(strstr(mor_str_utf8(r, NULL), "<P object at "));
    mor_decref(rt, r);
    mor_decref(rt, q);
    mor_decref(rt, p);
    mor_decref(rt, s);
    mor_decref(rt, cls);
}

static void test_eq_hash_special(void **state)
{
    T_RT;
    const char *const kf[] = {"k", NULL};
    mor_obj *key = t_class(rt, "Key", kf, MOR_CLASS_SLOTS);
    t_method(rt, key, "__eq__", fn_eq, NULL);
    t_method(rt, key, "__hash__", fn_hash, NULL);
    mor_obj *ints[6];
    mor_obj *keys[6], *twins[6];
    for (int i = 0; i < 6; i++) {
        ints[i] = mor_int(rt, i * 10 + 1);
        keys[i] = t_call(rt, key, 1, ints[i]);
        twins[i] = t_call(rt, key, 1, ints[i]);
    }
    /* the generic protocol calls them */
    assert_int_equal(mor_eq(rt, keys[0], twins[0]), 1);
    assert_int_equal(mor_eq(rt, keys[0], keys[1]), 0);
    assert_int_equal(mor_compare(rt, keys[0], twins[0], MOR_NE), 0);
    assert_int_equal(mor_eq(rt, keys[0], ints[0]), 0); /* NotImplemented both ways */
    int64_t h1, h2;
    hash_calls = 0;
    assert_int_equal(mor_hash(rt, keys[4], &h1), 0);
    assert_int_equal(hash_calls, 1);
    assert_int_equal(h1, 41 % 3);
    assert_int_equal(mor_hash(rt, twins[4], &h2), 0);
    assert_int_equal(h1, h2);
    /* usable as dict keys: equal instances find each other's entries */
    mor_obj *d = mor_dict(rt);
    for (int i = 0; i < 6; i++)
        assert_int_equal(mor_dict_set(rt, d, keys[i], ints[i]), 0);
    assert_int_equal(mor_len(rt, d), 6);
    for (int i = 0; i < 6; i++) {
        mor_obj *out = NULL;
        assert_int_equal(mor_dict_lookup(rt, d, twins[i], &out), 1);
        assert_ptr_equal(out, ints[i]);
        mor_decref(rt, out);
        assert_int_equal(mor_dict_set(rt, d, twins[i], ints[5 - i]), 0); /* replaces */
    }
    assert_int_equal(mor_len(rt, d), 6);
    mor_obj *out = mor_getitem(rt, d, keys[0]);
    assert_ptr_equal(out, ints[5]);
    mor_decref(rt, out);
    assert_int_equal(mor_contains(rt, d, twins[3]), 1);
    assert_int_equal(mor_delitem(rt, d, twins[3]), 0);
    assert_int_equal(mor_contains(rt, d, keys[3]), 0);
    /* and set members */
    mor_obj *s = mor_set(rt);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(mor_set_add(rt, s, keys[i]), 0);
        assert_int_equal(mor_set_add(rt, s, twins[i]), 0);
    }
    assert_int_equal(mor_len(rt, s), 6);
    mor_decref(rt, s);
    mor_decref(rt, d);

    /* a __hash__ returning a non-int */
    mor_obj *bad = t_class(rt, "BadHash", NULL, MOR_CLASS_DICT);
    t_method(rt, bad, "__hash__", fn_data, NULL);
    mor_obj *b = mor_call(rt, bad, 0, NULL);
    assert_int_equal(mor_hash(rt, b, &h1), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "__hash__ method should return an integer");
    mor_decref(rt, b);
    mor_decref(rt, bad);

    /* __eq__ without __hash__: unhashable */
    mor_obj *x = t_class(rt, "X", kf, MOR_CLASS_DICT);
    t_method(rt, x, "__eq__", fn_eq, NULL);
    mor_obj *xi = t_call(rt, x, 1, ints[0]), *xj = t_call(rt, x, 1, ints[0]);
    assert_int_equal(mor_eq(rt, xi, xj), 1);
    assert_int_equal(mor_hash(rt, xi, &h1), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'X'");
    d = mor_dict(rt);
    assert_int_equal(mor_dict_set(rt, d, xi, ints[0]), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'X'");
    mor_decref(rt, d);
    /* giving it a __hash__ makes it hashable again */
    t_method(rt, x, "__hash__", fn_hash, NULL);
    assert_int_equal(mor_hash(rt, xi, &h1), 0);
    mor_decref(rt, xi);
    mor_decref(rt, xj);
    mor_decref(rt, x);

    /* neither: identity */
    mor_obj *plain = t_class(rt, "Plain", kf, MOR_CLASS_DICT);
    mor_obj *pa = t_call(rt, plain, 1, ints[0]), *pb = t_call(rt, plain, 1, ints[0]);
    assert_int_equal(mor_eq(rt, pa, pa), 1);
    assert_int_equal(mor_eq(rt, pa, pb), 0);
    assert_int_equal(mor_hash(rt, pa, &h1), 0);
    assert_int_equal(mor_hash(rt, pa, &h2), 0);
    assert_int_equal(h1, h2);
    assert_int_equal(mor_hash(rt, pb, &h2), 0);
    assert_int_not_equal(h1, h2);
    d = mor_dict(rt);
    assert_int_equal(mor_dict_set(rt, d, pa, ints[0]), 0);
    assert_int_equal(mor_dict_set(rt, d, pb, ints[1]), 0);
    assert_int_equal(mor_len(rt, d), 2);
    out = mor_getitem(rt, d, pb);
    assert_ptr_equal(out, ints[1]);
    mor_decref(rt, out);
    mor_decref(rt, d);
    mor_decref(rt, pa);
    mor_decref(rt, pb);
    mor_decref(rt, plain);

    for (int i = 0; i < 6; i++) {
        mor_decref(rt, keys[i]);
        mor_decref(rt, twins[i]);
        mor_decref(rt, ints[i]);
    }
    mor_decref(rt, key);
}

static void test_call_special(void **state)
{
    T_RT;
    mor_obj *cls = t_class(rt, "Fn", NULL, MOR_CLASS_DICT);
    mor_obj *o = mor_call(rt, cls, 0, NULL);
    assert_null(mor_call(rt, o, 0, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "'Fn' object is not callable");
    /* __call__ makes instances callable, even those made before */
    t_method(rt, cls, "__call__", fn_args, NULL);
    mor_obj *one = mor_int(rt, 1);
    mor_obj *r = t_call(rt, o, 1, one);
    size_t n;
    mor_obj *const *items = mor_seq_items(r, &n);
    assert_int_equal(n, 2);
    assert_ptr_equal(items[0], o);
    assert_ptr_equal(items[1], one);
    mor_decref(rt, r);
    /* errors propagate */
    t_method(rt, cls, "__call__", fn_raise, NULL);
    assert_null(mor_call(rt, o, 0, NULL));
    t_expect_exc(rt, MOR_EXC_VALUE, "boom");
    /* deleting it makes them uncallable again */
    assert_int_equal(mor_class_set_attr(rt, cls, "__call__", NULL), 0);
    assert_null(mor_call(rt, o, 0, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "'Fn' object is not callable");
    mor_decref(rt, o);
    mor_decref(rt, cls);
}

/* ---- the collector and weak references ------------------------------------------------------- */

static void test_instance_cycles(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's count of what it freed");
    size_t base = mor_rt_live_objects(rt);
    const char *const nf[] = {"other", NULL};
    for (unsigned flags = 0; flags <= MOR_CLASS_SLOTS; flags++) {
        mor_obj *cls = t_class(rt, "Node", nf, flags);
        /* a cycle of instances */
        mor_obj *a = mor_call(rt, cls, 0, NULL);
        mor_obj *b = t_call(rt, cls, 1, a);
        assert_int_equal(mor_setattr(rt, a, "other", b), 0);
        t_assert_tracked(a);
        mor_obj *wa = mor_weakref(rt, a, NULL), *wb = mor_weakref(rt, b, NULL);
        mor_decref(rt, a);
        mor_decref(rt, b);
        assert_false(t_dead(rt, wa));
        assert_true(mor_gc_collect(rt, -1) >= 2);
        assert_true(t_dead(rt, wa));
        assert_true(t_dead(rt, wb));
        mor_decref(rt, wa);
        mor_decref(rt, wb);

        /* a self-cycle through a dict held in an attribute */
        a = mor_call(rt, cls, 0, NULL);
        mor_obj *d = mor_dict(rt);
        mor_obj *k = mor_str(rt, "self");
        assert_int_equal(mor_dict_set(rt, d, k, a), 0);
        assert_int_equal(mor_setattr(rt, a, "other", d), 0);
        wa = mor_weakref(rt, a, NULL);
        mor_decref(rt, k);
        mor_decref(rt, d);
        mor_decref(rt, a);
        assert_true(mor_gc_collect(rt, -1) >= 2);
        assert_true(t_dead(rt, wa));
        mor_decref(rt, wa);

        /* through the class: an instance stored as a class attribute holds its
         * class (cls -> instance -> cls) */
        a = mor_call(rt, cls, 0, NULL);
        assert_int_equal(mor_class_set_attr(rt, cls, "default", a), 0);
        wa = mor_weakref(rt, a, NULL);
        mor_obj *wc = mor_weakref(rt, cls, NULL);
        mor_decref(rt, a);
        mor_decref(rt, cls);
        assert_false(t_dead(rt, wc));
        assert_true(mor_gc_collect(rt, -1) >= 2);
        assert_true(t_dead(rt, wa));
        assert_true(t_dead(rt, wc));
        mor_decref(rt, wa);
        mor_decref(rt, wc);
        assert_int_equal(mor_rt_live_objects(rt), base);
    }

    /* a cycle through a method stored on its own instance: inst -> method -> inst */
    mor_obj *cls = t_class(rt, "M", NULL, MOR_CLASS_DICT);
    t_method(rt, cls, "m", fn_args, NULL);
    mor_obj *a = mor_call(rt, cls, 0, NULL);
    mor_obj *m = mor_getattr(rt, a, "m");
    assert_int_equal(mor_setattr(rt, a, "bound", m), 0);
    mor_obj *wa = mor_weakref(rt, a, NULL);
    mor_decref(rt, m);
    mor_decref(rt, a);
    assert_true(mor_gc_collect(rt, -1) >= 2);
    assert_true(t_dead(rt, wa));
    mor_decref(rt, wa);
    mor_decref(rt, cls);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

static void test_instance_weakref(void **state)
{
    T_RT;
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    for (unsigned flags = 0; flags <= MOR_CLASS_SLOTS; flags++) {
        mor_obj *cls = t_class(rt, "W", xy, flags);
        mor_obj *o = mor_call(rt, cls, 0, NULL);
        mor_obj *wr = mor_weakref(rt, o, NULL);
        assert_non_null(wr);
        assert_int_equal(mor_weakref_count(rt, o), 1);
        mor_obj *t = mor_weakref_get(rt, wr);
        assert_ptr_equal(t, o);
        mor_decref(rt, t);
        /* a proxy forwards attribute access */
        mor_obj *px = mor_weakproxy(rt, o, NULL);
        t_seti(rt, o, "x", 5);
        assert_int_equal(t_geti(rt, px, "x"), 5);
        mor_decref(rt, o); /* dies with its last reference */
        assert_true(t_dead(rt, wr));
        assert_null(mor_getattr(rt, px, "x"));
        t_expect_exc(rt, MOR_EXC_REFERENCE, NULL);
        mor_decref(rt, px);
        mor_decref(rt, wr);
        mor_decref(rt, cls);
    }
}

/* A million chained instances (each holding the next), freed by refcounting
 * and, as one big ring, by the collector, on a 256 KiB thread stack. */
typedef struct chain_job {
    unsigned flags;
    bool finalizers;
    int n;
    int dels;
    size_t live_after;
} chain_job;

static void *chain_thread(void *arg)
{
    chain_job *job = arg;
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_REPORT; /* assert_* cannot be used off the main thread */
    mor_rt *rt = mor_rt_new(&c);
    const char *const nf[] = {"next", NULL};
    mor_obj *cls = mor_class_new(rt, "Link", nf, job->flags);
    del_calls = 0;
    if (job->finalizers) {
        mor_obj *f = mor_func_new(rt, "__del__", fn_del, NULL);
        mor_class_set_attr(rt, cls, "__del__", f);
        mor_decref(rt, f);
    }
    for (int round = 0; round < 2; round++) {
        mor_obj *first = mor_call(rt, cls, 0, NULL);
        mor_obj *head = mor_newref(first);
        for (int i = 1; i < job->n; i++) {
            mor_obj *node = mor_call(rt, cls, 1, &head);
            mor_decref(rt, head);
            head = node;
        }
        if (round == 1)
            mor_setattr(rt, first, "next", head); /* close the ring */
        mor_decref(rt, first);
        mor_decref(rt, head); /* round 0: frees the whole chain */
        if (round == 1)
            mor_gc_collect(rt, -1);
    }
    mor_decref(rt, cls);
    job->dels = del_calls;
    job->live_after = mor_rt_live_objects(rt);
    mor_rt_free(rt);
    return NULL;
}

static void test_deep_instance_chains(void **state)
{
    T_NEEDS_RC("an object freed or finalized at its last decref (Boehm finds it only at a collection)");
    (void)state;
    for (int k = 0; k < 4; k++) {
        chain_job job = {k & 1 ? MOR_CLASS_SLOTS : MOR_CLASS_DICT, k >= 2, t_scale(1000000), 0,
                         12345};
        t_run_small_stack(chain_thread, &job);
        assert_int_equal(job.live_after, 0);
        assert_int_equal(job.dels, job.finalizers ? 2 * job.n : 0);
    }
}

/* One pass over most of the class machinery; returns 0, or -1 with an
 * exception pending at the first failure. Releases everything it made. */
static int t_class_workout(mor_rt *rt)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    mor_obj *cls = NULL, *f = NULL, *o = NULL, *s = NULL, *v = NULL, *c = NULL, *log = NULL;
    mor_obj *one = mor_int(rt, 1), *two = mor_int(rt, 2);
    mor_obj *args[] = {one, two};
    int rc = -1;
    if ((cls = mor_class_new(rt, "W", xy, MOR_CLASS_DICT)) == NULL)
        goto out;
    if ((f = mor_func_new(rt, "m", fn_args, NULL)) == NULL ||
        mor_class_set_attr(rt, cls, "m", f) < 0 || mor_class_set_attr(rt, cls, "__call__", f) < 0)
        goto out;
    if ((o = mor_call(rt, cls, 2, args)) == NULL)
        goto out;
    for (int i = 0; i < 6; i++) /* outgrows its values array: becomes a dict */
        if (mor_setattr(rt, o, names[i], one) < 0)
            goto out;
    if ((v = mor_getattr(rt, o, "m")) == NULL || (s = mor_call(rt, v, 1, &two)) == NULL)
        goto out;
    mor_decref(rt, s);
    mor_decref(rt, v);
    s = v = NULL;
    if ((v = mor_getattr(rt, o, "__dict__")) == NULL || mor_delattr(rt, o, "c") < 0)
        goto out;
    mor_decref(rt, v);
    v = NULL;
    if ((s = mor_class_new(rt, "S", xy, MOR_CLASS_SLOTS)) == NULL ||
        (v = mor_call(rt, s, 2, args)) == NULL || mor_setattr(rt, v, "x", o) < 0)
        goto out;
    if ((log = mor_list(rt, 0)) == NULL)
        goto out;
    mor_decref(rt, f);
    if ((f = mor_func_new(rt, "square", fn_square, log)) == NULL ||
        (c = mor_lru_cache(rt, f, 2)) == NULL)
        goto out;
    for (int i = 0; i < 3; i++) {
        mor_obj *r = mor_call(rt, c, 2, i == 1 ? args : (mor_obj *[]){two, o});
        if (r == NULL)
            goto out;
        mor_decref(rt, r);
    }
    rc = 0;
out:;
    mor_obj *all[] = {c, log, v, s, o, f, cls};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        mor_xdecref(rt, all[i]);
    return rc;
}

static void test_alloc_failures(void **state)
{
    T_RT;
    size_t base = mor_rt_live_objects(rt);
    assert_int_equal(t_class_workout(rt), 0);
    mor_gc_collect(rt, -1); /* the cycles it made (the classes) */
    assert_int_equal(mor_rt_live_objects(rt), base);
    /* fail its 1st, 2nd, ... allocation: a MemoryError each time, no leak, no crash */
    int failures = 0;
    for (uint64_t k = 1; k < 200; k++) {
        mor_alloc_fail_after(rt, k);
        int rc = t_class_workout(rt);
        mor_alloc_fail_after(rt, 0);
        if (rc < 0) {
            failures++;
            t_expect_exc(rt, MOR_EXC_MEMORY, NULL);
        }
        mor_gc_collect(rt, -1);
        assert_int_equal(mor_rt_live_objects(rt), base);
    }
    print_message("allocation failure sweep: %d of 199 runs raised MemoryError\n", failures);
    /* and the sweep got past the end; the workout makes fewer allocations
     * under Boehm (28 failure points measured, against 30+ under refcounting) */
    assert_true(failures >= (T_BOEHM ? 20 : 30) && failures < 199);
    assert_int_equal(t_class_workout(rt), 0);
    mor_gc_collect(rt, -1);
}

/* ---- the memory figure: slots vs dict -------------------------------------------------------- */

static uint64_t t_make_many(mor_rt *rt, mor_obj *cls, mor_obj **objs, int n, mor_obj *const *args)
{
    uint64_t before = t_bytes(rt);
    for (int i = 0; i < n; i++) {
        objs[i] = mor_call(rt, cls, 5, args);
        assert_non_null(objs[i]);
    }
    return t_bytes(rt) - before;
}

static void test_slots_vs_dict_memory(void **state)
{
    T_RT;
    T_NEEDS_RC("per-block allocator statistics (Boehm owns the heap)");
    const int n = t_scale(200000);
    const char *const fields[] = {"a", "b", "c", "d", "e", NULL};
    mor_obj *args[5];
    for (int i = 0; i < 5; i++)
        args[i] = mor_int(rt, i); /* shared small ints: only the instances are counted */
    mor_obj **objs = malloc((size_t)n * sizeof(*objs)); /* outside the runtime's statistics */
    assert_non_null(objs);

    mor_obj *sc = t_class(rt, "S5", fields, MOR_CLASS_SLOTS);
    uint64_t slot_bytes = t_make_many(rt, sc, objs, n, args);
    assert_int_equal(t_geti(rt, objs[n - 1], "e"), 4);
    for (int i = 0; i < n; i++)
        mor_decref(rt, objs[i]);
    mor_obj *dc = t_class(rt, "D5", fields, MOR_CLASS_DICT);
    uint64_t dict_bytes = t_make_many(rt, dc, objs, n, args);
    assert_int_equal(t_geti(rt, objs[n - 1], "e"), 4);
    for (int i = 0; i < n; i++)
        mor_decref(rt, objs[i]);

    double saving = 100.0 * (1.0 - (double)slot_bytes / (double)dict_bytes);
    printf("%d instances of a 5-field class: slots %llu bytes (%.1f per instance), "
           "dict %llu bytes (%.1f per instance): slots use %.1f%% less\n",
           n, (unsigned long long)slot_bytes, (double)slot_bytes / n,
           (unsigned long long)dict_bytes, (double)dict_bytes / n, saving);
    assert_true(saving >= 40.0);
    free(objs);
    mor_decref(rt, sc);
    mor_decref(rt, dc);
}

/* ---- lru_cache ------------------------------------------------------------------------------- */

/* Call the cache with the int x; return the int result. */
static int64_t t_cached(mor_rt *rt, mor_obj *cache, int64_t x)
{
    mor_obj *a = mor_int(rt, x);
    mor_obj *r = mor_call(rt, cache, 1, &a);
    mor_decref(rt, a);
    if (r == NULL)
        fail_msg("cache(%lld) raised %s", (long long)x, mor_err_message(rt));
    int64_t v = t_i64(rt, r);
    mor_decref(rt, r);
    return v;
}

static void t_assert_info(mor_rt *rt, mor_obj *c, size_t hits, size_t misses, size_t cur)
{
    size_t h = 99, m = 99, s = 99;
    assert_int_equal(mor_lru_cache_info(rt, c, &h, &m, &s), 0);
    assert_int_equal(h, hits);
    assert_int_equal(m, misses);
    assert_int_equal(s, cur);
}

/* The calls recorded in `log` (a list of ints), as "1,2,3". */
static void t_assert_log(mor_rt *rt, mor_obj *log, const char *want)
{
    char buf[256] = "";
    size_t n, len = 0;
    mor_obj *const *items = mor_seq_items(log, &n);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%lld", i ? "," : "",
                                (long long)t_i64(rt, items[i]));
    assert_string_equal(buf, want);
}

static void test_lru_memoizes(void **state)
{
    T_RT;
    mor_obj *log = mor_list(rt, 0);
    mor_obj *sq = mor_func_new(rt, "square", fn_square, log);
    mor_obj *c = mor_lru_cache(rt, sq, 0);
    assert_non_null(c);
    t_assert_repr(rt, c, "<lru_cache of <function square>, maxsize 0>");
    t_assert_info(rt, c, 0, 0, 0);
    assert_int_equal(t_cached(rt, c, 12), 144);
    assert_int_equal(t_cached(rt, c, 12), 144);
    assert_int_equal(t_cached(rt, c, 3), 9);
    assert_int_equal(t_cached(rt, c, 12), 144);
    t_assert_log(rt, log, "12,3");
    t_assert_info(rt, c, 2, 2, 2);
    /* the same result object comes back */
    mor_obj *big = mor_int(rt, 1000000);
    mor_obj *r1 = mor_call(rt, c, 1, &big), *r2 = mor_call(rt, c, 1, &big);
    assert_ptr_equal(r1, r2);
    mor_decref(rt, r1);
    mor_decref(rt, r2);
    /* several arguments: keyed on all of them, in order */
    mor_obj *one = mor_int(rt, 1), *two = mor_int(rt, 2);
    mor_obj *s = mor_str(rt, "s");
    r1 = t_call(rt, c, 2, one, two);
    r2 = t_call(rt, c, 2, two, one);
    mor_obj *r3 = t_call(rt, c, 2, one, two);
    assert_ptr_equal(r1, r3);
    assert_ptr_not_equal(r1, r2);
    mor_decref(rt, r1);
    mor_decref(rt, r2);
    mor_decref(rt, r3);
    r1 = mor_call(rt, c, 0, NULL); /* no arguments is a key too */
    r2 = mor_call(rt, c, 0, NULL);
    assert_ptr_equal(r1, r2);
    mor_decref(rt, r1);
    mor_decref(rt, r2);
    t_assert_info(rt, c, 5, 6, 6);
    /* a str argument and a tuple holding it are different keys */
    mor_obj *ts = mor_tuple(rt, 1, s);
    r1 = t_call(rt, c, 1, ts);
    r2 = t_call(rt, c, 1, ts);
    r3 = t_call(rt, c, 1, s);
    assert_ptr_equal(r1, r2);
    assert_ptr_not_equal(r1, r3);
    mor_decref(rt, r1);
    mor_decref(rt, r2);
    mor_decref(rt, r3);
    t_assert_info(rt, c, 6, 8, 8);
    mor_decref(rt, ts);
    mor_decref(rt, s);

    /* unhashable arguments */
    mor_obj *l = mor_list(rt, 0);
    assert_null(mor_call(rt, c, 1, &l));
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'list'");
    assert_null(t_call(rt, c, 2, one, l));
    t_expect_exc(rt, MOR_EXC_TYPE, "unhashable type: 'list'");
    t_assert_info(rt, c, 6, 8, 8);
    mor_decref(rt, l);

    /* __wrapped__ and the cache_info attribute */
    mor_obj *w = mor_getattr(rt, c, "__wrapped__");
    assert_ptr_equal(w, sq);
    mor_decref(rt, w);
    mor_obj *info = mor_getattr(rt, c, "cache_info");
    t_assert_repr(rt, info, "(6, 8, 0, 8)");
    mor_decref(rt, info);
    assert_null(mor_getattr(rt, c, "nope"));
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "'lru_cache' object has no attribute 'nope'");

    mor_decref(rt, big);
    mor_decref(rt, c);
    mor_decref(rt, sq);
    mor_decref(rt, log);
}

static void test_lru_eviction_order(void **state)
{
    T_RT;
    mor_obj *log = mor_list(rt, 0);
    mor_obj *sq = mor_func_new(rt, "square", fn_square, log);
    mor_obj *c = mor_lru_cache(rt, sq, 3);
    /* fill: 1 2 3 (oldest first) */
    t_cached(rt, c, 1);
    t_cached(rt, c, 2);
    t_cached(rt, c, 3);
    t_assert_info(rt, c, 0, 3, 3);
    /* a hit makes 1 the most recent: 2 3 1 */
    t_cached(rt, c, 1);
    /* 4 evicts 2: 3 1 4 */
    t_cached(rt, c, 4);
    t_assert_info(rt, c, 1, 4, 3);
    t_assert_log(rt, log, "1,2,3,4");
    t_cached(rt, c, 3); /* hit: 1 4 3 */
    t_cached(rt, c, 1); /* hit: 4 3 1 */
    t_assert_log(rt, log, "1,2,3,4");
    t_cached(rt, c, 2); /* miss, evicts 4: 3 1 2 */
    t_assert_log(rt, log, "1,2,3,4,2");
    t_cached(rt, c, 4); /* miss, evicts 3: 1 2 4 */
    t_cached(rt, c, 3); /* miss, evicts 1: 2 4 3 */
    t_assert_log(rt, log, "1,2,3,4,2,4,3");
    t_cached(rt, c, 2); /* hits */
    t_cached(rt, c, 4);
    t_cached(rt, c, 3);
    t_assert_log(rt, log, "1,2,3,4,2,4,3");
    t_cached(rt, c, 1); /* miss again: it was evicted */
    t_assert_log(rt, log, "1,2,3,4,2,4,3,1");
    t_assert_info(rt, c, 6, 8, 3);
    mor_decref(rt, c);

    /* maxsize 1: only the last one */
    c = mor_lru_cache(rt, sq, 1);
    t_list_clear(rt, log);
    t_cached(rt, c, 5);
    t_cached(rt, c, 5);
    t_cached(rt, c, 6);
    t_cached(rt, c, 5);
    t_assert_log(rt, log, "5,6,5");
    t_assert_info(rt, c, 1, 3, 1);
    mor_decref(rt, c);

    /* unbounded (0): nothing is ever evicted */
    c = mor_lru_cache(rt, sq, 0);
    int n = t_scale(5000);
    for (int i = 0; i < n; i++)
        t_cached(rt, c, i);
    for (int i = 0; i < n; i++)
        t_cached(rt, c, i);
    t_assert_info(rt, c, (size_t)n, (size_t)n, (size_t)n);
    mor_decref(rt, c);
    mor_decref(rt, sq);
    mor_decref(rt, log);
}

static void test_lru_clear(void **state)
{
    T_RT;
    T_NEEDS_RC("exact reference counts (libmor-boehm keeps none)");
    mor_obj *log = mor_list(rt, 0);
    mor_obj *sq = mor_func_new(rt, "square", fn_square, log);
    mor_obj *c = mor_lru_cache(rt, sq, 10);
    mor_obj *big = mor_int(rt, 100000);
    mor_obj *r = mor_call(rt, c, 1, &big); /* 10**10: the cache holds it too */
    assert_int_equal(mor_refcount(r), 2);
    t_cached(rt, c, 1);
    t_cached(rt, c, 1);
    t_assert_info(rt, c, 1, 2, 2);
    assert_int_equal(mor_lru_cache_clear(rt, c), 0);
    t_assert_info(rt, c, 0, 0, 0);
    assert_int_equal(mor_refcount(r), 1); /* released by the cache */
    mor_decref(rt, r);
    t_cached(rt, c, 1);
    t_assert_info(rt, c, 0, 1, 1);
    /* the "cache_clear" attribute: a callable doing the same */
    mor_obj *cc = mor_getattr(rt, c, "cache_clear");
    assert_non_null(cc);
    r = mor_call(rt, cc, 0, NULL);
    assert_ptr_equal(r, mor_none(rt));
    mor_decref(rt, r);
    t_assert_info(rt, c, 0, 0, 0);
    t_cached(rt, c, 1);
    t_assert_info(rt, c, 0, 1, 1);
    /* it holds its cache: it works after the cache's other references are gone */
    mor_decref(rt, c);
    r = mor_call(rt, cc, 0, NULL);
    assert_ptr_equal(r, mor_none(rt));
    mor_decref(rt, r);
    mor_decref(rt, cc);
    mor_decref(rt, big);
    mor_decref(rt, sq);
    mor_decref(rt, log);
}

/* fib(n) through the cache held in data[0]. */
static mor_obj *fn_fib(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    mor_obj *cache = mor_seq_items(data, NULL)[0];
    int64_t n;
    if (mor_int_to_i64(rt, args[0], &n) < 0)
        return NULL;
    if (n < 2)
        return mor_int(rt, n);
    mor_obj *n1 = mor_int(rt, n - 1), *n2 = mor_int(rt, n - 2);
    mor_obj *a = mor_call(rt, cache, 1, &n1);
    mor_obj *b = a ? mor_call(rt, cache, 1, &n2) : NULL;
    mor_obj *r = b ? mor_add(rt, a, b) : NULL;
    mor_xdecref(rt, a);
    mor_xdecref(rt, b);
    mor_decref(rt, n1);
    mor_decref(rt, n2);
    return r;
}

static void test_lru_recursive_fib(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's count of what it freed");
    size_t base = mor_rt_live_objects(rt);
    mor_obj *holder = mor_list(rt, 0);
    mor_obj *fib = mor_func_new(rt, "fib", fn_fib, holder);
    mor_obj *c = mor_lru_cache(rt, fib, 0);
    assert_int_equal(mor_list_append(rt, holder, c), 0); /* fib -> holder -> cache -> fib */
    assert_int_equal(t_cached(rt, c, 90), INT64_C(2880067194370816120));
    /* every n from 0 to 90 computed once; fib(n) hit fib(n-2) for n >= 3 */
    t_assert_info(rt, c, 88, 91, 91);
    assert_int_equal(t_cached(rt, c, 50), INT64_C(12586269025));
    t_assert_info(rt, c, 89, 91, 91);
    /* the cycle is collected */
    mor_obj *wr = mor_weakref(rt, c, NULL);
    mor_decref(rt, holder);
    mor_decref(rt, fib);
    mor_decref(rt, c);
    assert_false(t_dead(rt, wr));
    assert_true(mor_gc_collect(rt, -1) >= 3);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

/* Raises after recording its argument. */
static mor_obj *fn_log_raise(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    if (mor_list_append(rt, data, args[0]) < 0)
        return NULL;
    (void)nargs;
    mor_raise(rt, MOR_EXC_VALUE, "no result for you");
    return NULL;
}

static void test_lru_error_not_cached(void **state)
{
    T_RT;
    mor_obj *log = mor_list(rt, 0);
    mor_obj *f = mor_func_new(rt, "failing", fn_log_raise, log);
    mor_obj *c = mor_lru_cache(rt, f, 4);
    mor_obj *seven = mor_int(rt, 7);
    for (int i = 0; i < 3; i++) {
        assert_null(mor_call(rt, c, 1, &seven));
        t_expect_exc(rt, MOR_EXC_VALUE, "no result for you");
    }
    assert_int_equal(mor_len(rt, log), 3); /* called each time: nothing was cached */
    size_t hits, misses, cur;
    assert_int_equal(mor_lru_cache_info(rt, c, &hits, &misses, &cur), 0);
    assert_int_equal(hits, 0);
    assert_int_equal(cur, 0);
    /* NULL outputs are allowed */
    assert_int_equal(mor_lru_cache_info(rt, c, NULL, NULL, NULL), 0);
    mor_decref(rt, c);
    mor_decref(rt, f);
    mor_decref(rt, log);
}

/* Returns a new list holding data[0] (so a result can hold the cache). */
static mor_obj *fn_wrap_holder(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)nargs;
    (void)args;
    return mor_list(rt, 1, mor_seq_items(data, NULL)[0]);
}

static void test_lru_cycle_through_result(void **state)
{
    T_RT;
    T_NEEDS_RC("the cycle collector's count of what it freed");
    size_t base = mor_rt_live_objects(rt);
    mor_obj *holder = mor_list(rt, 0);
    mor_obj *f = mor_func_new(rt, "wrap", fn_wrap_holder, holder);
    mor_obj *c = mor_lru_cache(rt, f, 8);
    assert_int_equal(mor_list_append(rt, holder, c), 0);
    mor_obj *one = mor_int(rt, 1);
    mor_obj *r = mor_call(rt, c, 1, &one); /* [c], cached: c -> result -> c */
    assert_ptr_equal(mor_seq_items(r, NULL)[0], c);
    mor_decref(rt, r);
    /* the holder no longer refers to the cache: only the result does */
    mor_decref(rt, mor_list_pop(rt, holder, -1));
    mor_decref(rt, holder);
    mor_decref(rt, f);
    mor_obj *wr = mor_weakref(rt, c, NULL);
    mor_decref(rt, c);
    assert_false(t_dead(rt, wr));
    assert_true(mor_gc_collect(rt, -1) >= 2);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    assert_int_equal(mor_rt_live_objects(rt), base);

    /* a cycle through a cached argument: c -> key tuple -> instance -> c */
    mor_obj *cls = t_class(rt, "Box", NULL, MOR_CLASS_DICT);
    mor_obj *box = mor_call(rt, cls, 0, NULL);
    f = mor_func_new(rt, "args", fn_args, NULL);
    c = mor_lru_cache(rt, f, 0);
    assert_int_equal(mor_setattr(rt, box, "cache", c), 0);
    r = t_call(rt, c, 2, box, one);
    mor_decref(rt, r);
    wr = mor_weakref(rt, c, NULL);
    mor_decref(rt, box);
    mor_decref(rt, c);
    mor_decref(rt, f);
    mor_decref(rt, cls);
    assert_true(mor_gc_collect(rt, -1) >= 3);
    assert_true(t_dead(rt, wr));
    mor_decref(rt, wr);
    assert_int_equal(mor_rt_live_objects(rt), base);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    T_RT;
    mor_obj *one = mor_int(rt, 1);
    mor_obj *cls = t_class(rt, "C", xy, MOR_CLASS_DICT);

    /* mor_func_new */
    assert_null(mor_func_new(rt, "f", NULL, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_func_new: fn is NULL");
    assert_null(mor_func_new(rt, NULL, fn_args, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_func_new: name is NULL");

    /* mor_class_new */
    assert_null(mor_class_new(rt, NULL, NULL, MOR_CLASS_DICT));
    t_expect_exc(rt, MOR_EXC_VALUE, "a class needs a non-empty name");
    assert_null(mor_class_new(rt, "", NULL, MOR_CLASS_DICT));
    t_expect_exc(rt, MOR_EXC_VALUE, "a class needs a non-empty name");
    assert_null(mor_class_new(rt, "C", NULL, 6u));
    t_expect_exc(rt, MOR_EXC_VALUE, "unknown class flags 0x6");
    const char *const dup[] = {"x", "y", "x", NULL};
    assert_null(mor_class_new(rt, "Dup", dup, MOR_CLASS_SLOTS));
    t_expect_exc(rt, MOR_EXC_VALUE, "duplicate field 'x' in class 'Dup'");
    assert_null(mor_class_new(rt, "Dup", dup, MOR_CLASS_DICT));
    t_expect_exc(rt, MOR_EXC_VALUE, "duplicate field 'x' in class 'Dup'");
    static const char *many[41];
    static char names[40][8];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "f%d", i);
        many[i] = names[i];
    }
    many[40] = NULL;
    assert_null(mor_class_new(rt, "Wide", many, MOR_CLASS_DICT));
    t_expect_exc(rt, MOR_EXC_VALUE, "a dict class takes at most 32 fields");
    mor_obj *wide = mor_class_new(rt, "Wide", many, MOR_CLASS_SLOTS); /* fine with slots */
    assert_non_null(wide);
    mor_decref(rt, wide);

    /* mor_class_set_attr */
    assert_int_equal(mor_class_set_attr(rt, one, "x", one), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_class_set_attr: expected a class, got 'int'");
    mor_obj *inst = mor_call(rt, cls, 0, NULL);
    assert_int_equal(mor_class_set_attr(rt, inst, "x", one), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_class_set_attr: expected a class, got 'C'");
    assert_int_equal(mor_class_set_attr(rt, cls, NULL, one), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "attribute name must be a string, not NULL");
    assert_int_equal(mor_class_set_attr(rt, cls, "missing", NULL), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "type object 'C' has no attribute 'missing'");
    /* NULL names through the generic protocol */
    assert_null(mor_getattr(rt, inst, NULL));
    t_expect_exc(rt, MOR_EXC_TYPE, "attribute name must be a string, not NULL");
    assert_int_equal(mor_setattr(rt, inst, NULL, one), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "attribute name must be a string, not NULL");
    assert_int_equal(mor_setattr(rt, inst, "__class__", one), -1);
    t_expect_exc(rt, MOR_EXC_ATTRIBUTE, "attribute '__class__' of 'C' objects is not writable");

    /* mor_lru_cache and friends */
    assert_null(mor_lru_cache(rt, one, 4));
    t_expect_exc(rt, MOR_EXC_TYPE, "the lru_cache target must be callable, not 'int'");
    assert_null(mor_lru_cache(rt, inst, 4)); /* an instance without __call__ */
    t_expect_exc(rt, MOR_EXC_TYPE, "the lru_cache target must be callable, not 'C'");
    size_t h;
    assert_int_equal(mor_lru_cache_info(rt, one, &h, NULL, NULL), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_lru_cache_info: expected an lru_cache, got 'int'");
    assert_int_equal(mor_lru_cache_info(rt, cls, &h, NULL, NULL), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_lru_cache_info: expected an lru_cache, got 'type'");
    assert_int_equal(mor_lru_cache_clear(rt, one), -1);
    t_expect_exc(rt, MOR_EXC_TYPE, "mor_lru_cache_clear: expected an lru_cache, got 'int'");
    /* a class is callable: it can be cached (and makes one instance per key) */
    mor_obj *cc = mor_lru_cache(rt, cls, 0);
    assert_non_null(cc);
    mor_obj *i1 = mor_call(rt, cc, 1, &one), *i2 = mor_call(rt, cc, 1, &one);
    assert_ptr_equal(i1, i2);
    assert_true(mor_is_instance(i1, cls));
    mor_decref(rt, i1);
    mor_decref(rt, i2);
    mor_decref(rt, cc);

    /* and after all that the runtime works */
    assert_int_equal(mor_err_kind(rt), MOR_EXC_NONE);
    mor_obj *o = t_call(rt, cls, 2, one, one);
    assert_int_equal(t_geti(rt, o, "y"), 1);
    t_method(rt, cls, "m", fn_args, NULL);
    mor_obj *m = mor_getattr(rt, o, "m");
    mor_obj *r = mor_call(rt, m, 0, NULL);
    assert_ptr_equal(mor_seq_items(r, NULL)[0], o);
    mor_decref(rt, r);
    mor_decref(rt, m);
    mor_decref(rt, o);
    mor_decref(rt, inst);
    mor_decref(rt, cls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_func_call_repr),
        T_TEST(test_func_data_cycle),
        T_TEST(test_class_new_and_call),
        T_TEST(test_class_init),
        T_TEST(test_bound_method),
        T_TEST(test_dict_instance_attrs),
        T_TEST(test_dict_instance_outgrows_layout),
        T_TEST(test_dict_instance_memory),
        T_TEST(test_slot_instances),
        T_TEST(test_slot_class_without_fields),
        T_TEST(test_is_class_is_instance),
        T_TEST(test_class_attributes),
        T_TEST(test_del_refcount_path),
        T_TEST(test_del_in_cycle),
        T_TEST(test_del_errors_and_class_garbage),
        T_TEST(test_repr_special),
        T_TEST(test_eq_hash_special),
        T_TEST(test_call_special),
        T_TEST(test_instance_cycles),
        T_TEST(test_instance_weakref),
        cmocka_unit_test(test_deep_instance_chains),
        T_TEST(test_alloc_failures),
        T_TEST(test_slots_vs_dict_memory),
        T_TEST(test_lru_memoizes),
        T_TEST(test_lru_eviction_order),
        T_TEST(test_lru_clear),
        T_TEST(test_lru_recursive_fib),
        T_TEST(test_lru_error_not_cached),
        T_TEST(test_lru_cycle_through_result),
        T_TEST(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
