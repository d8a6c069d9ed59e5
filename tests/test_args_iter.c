/* tests/test_args_iter.c: bad arguments to the functions of mor/class.h
 * (functions, classes, lru caches) and mor/iter.h (iteration, generators,
 * the lazy tools and consumers).
 *
 * No bad input possible: mor_is_class, mor_is_gen (predicates: any object;
 * checked on foreign objects below); mor_gen_locals, mor_gen_cstate,
 * mor_gen_thrown, mor_gen_catch, mor_gen_result and the macro helpers
 * mor_gen_set_return_, mor_gen_enter_cleanup_, mor_gen_finish_ take the
 * running generator a step function is given, which is always right (their
 * documented "nothing thrown" answers are checked below; mor_gen_delegate_ is
 * checked through MOR_GEN_YIELD_FROM of a non-iterable). */
#include <errno.h>

#include "args_util.h"

/* ---- native functions and classes ------------------------------------------------------- */

static mor_obj *fn_identity(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    if (nargs != 1) {
        mor_raise(rt, MOR_EXC_TYPE, "identity() takes 1 argument (%zu given)", nargs);
        return NULL;
    }
    return mor_newref(args[0]);
}

static mor_obj *fn_return_str(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    return mor_str(rt, "not an int");
}

static mor_obj *fn_raise(mor_rt *rt, mor_obj *data, size_t nargs, mor_obj *const *args)
{
    (void)data;
    (void)nargs;
    (void)args;
    mor_raise(rt, MOR_EXC_KEY, "raised by fn_raise");
    return NULL;
}

static void test_func_class_bad(void **state)
{
    T_RT;
    A_NULL(rt, mor_func_new(rt, NULL, fn_identity, NULL), MOR_EXC_TYPE, "name is NULL");
    A_NULL(rt, mor_func_new(rt, "f", NULL, NULL), MOR_EXC_TYPE, "fn is NULL");
    A_NULL(rt, mor_func_new(rt, "bad\xff", fn_identity, NULL), MOR_EXC_VALUE, "invalid UTF-8");
    A_NULL(rt, mor_class_new(rt, NULL, NULL, 0), MOR_EXC_VALUE, "non-empty name");
    A_NULL(rt, mor_class_new(rt, "", NULL, 0), MOR_EXC_VALUE, "non-empty name");
    A_NULL(rt, mor_class_new(rt, "C\xc0", NULL, 0), MOR_EXC_VALUE, "invalid UTF-8");
    A_NULL(rt, mor_class_new(rt, "C", NULL, 2), MOR_EXC_VALUE, "unknown class flags 0x2");
    A_NULL(rt, mor_class_new(rt, "C", NULL, ~0u), MOR_EXC_VALUE, "unknown class flags");
    const char *dup[] = {"x", "y", "x", NULL};
    A_NULL(rt, mor_class_new(rt, "C", dup, MOR_CLASS_SLOTS), MOR_EXC_VALUE,
           "duplicate field 'x' in class 'C'");
    A_NULL(rt, mor_class_new(rt, "C", dup, MOR_CLASS_DICT), MOR_EXC_VALUE, "duplicate field");
    const char *empty[] = {"x", "", NULL};
    A_NULL(rt, mor_class_new(rt, "C", empty, MOR_CLASS_SLOTS), MOR_EXC_VALUE,
           "empty field name in class 'C'");
    const char *bad_utf8[] = {"ok", "x\xff", NULL};
    A_NULL(rt, mor_class_new(rt, "C", bad_utf8, MOR_CLASS_DICT), MOR_EXC_VALUE, "invalid UTF-8");
    static const char *many[300];
    static char names[299][8];
    for (int i = 0; i < 299; i++) {
        snprintf(names[i], sizeof(names[i]), "f%d", i);
        many[i] = names[i];
    }
    many[299] = NULL;
    A_NULL(rt, mor_class_new(rt, "C", many, MOR_CLASS_DICT), MOR_EXC_VALUE, "at most");
    assert_int_equal(mor_rt_live_objects(rt), 0);

    const char *fields[] = {"a", NULL};
    mor_obj *cls = mor_class_new(rt, "Thing", fields, MOR_CLASS_DICT);
    mor_obj *l = mor_list(rt, 0), *v = mor_str(rt, "value");
    a_rcs rc = A_RC(cls, l, v);
    A_NEG(rt, mor_class_set_attr(rt, l, "x", v), MOR_EXC_TYPE, "expected a class, got 'list'");
    A_NEG(rt, mor_class_set_attr(rt, v, "x", v), MOR_EXC_TYPE, "got 'str'");
    A_NEG(rt, mor_class_set_attr(rt, cls, NULL, v), MOR_EXC_TYPE, "NULL");
    A_NEG(rt, mor_class_set_attr(rt, cls, "missing", NULL), MOR_EXC_ATTRIBUTE,
          "type object 'Thing' has no attribute 'missing'");
    A_NEG(rt, mor_class_set_attr(rt, cls, "bad\xff", v), MOR_EXC_VALUE, "invalid UTF-8");
    assert_false(mor_is_instance(l, l)); /* cls not a class: false */
    assert_false(mor_is_instance(cls, cls));
    assert_false(mor_is_class(l));
    A_NOEXC(rt);
    a_rc_same(&rc);
    /* special methods of the wrong kind fail where they are used, naming it */
    assert_int_equal(mor_class_set_attr(rt, cls, "__init__", v), 0);
    A_NULL(rt, mor_call(rt, cls, 0, NULL), MOR_EXC_TYPE, "'str' object is not callable");
    assert_int_equal(mor_class_set_attr(rt, cls, "__init__", NULL), 0);
    mor_obj *inst = mor_call(rt, cls, 0, NULL);
    assert_non_null(inst);
    mor_obj *f = mor_func_new(rt, "f", fn_return_str, NULL);
    assert_int_equal(mor_class_set_attr(rt, cls, "__hash__", f), 0);
    int64_t h;
    A_NEG(rt, mor_hash(rt, inst, &h), MOR_EXC_TYPE, "__hash__");
    mor_obj *fr = mor_func_new(rt, "fr", fn_raise, NULL);
    assert_int_equal(mor_class_set_attr(rt, cls, "__eq__", fr), 0);
    mor_obj *other = mor_call(rt, cls, 0, NULL);
    A_NEG(rt, mor_eq(rt, inst, other), MOR_EXC_KEY, "raised by fn_raise");
    assert_int_equal(mor_class_set_attr(rt, cls, "__call__", v), 0);
    A_NULL(rt, mor_call(rt, inst, 0, NULL), MOR_EXC_TYPE, "'str' object is not callable");
    /* too many positional arguments for the fields */
    mor_obj *args[] = {v, v};
    assert_int_equal(mor_class_set_attr(rt, cls, "__call__", NULL), 0);
    A_NULL(rt, mor_call(rt, cls, 2, args), MOR_EXC_TYPE, "Thing");
    mor_decref(rt, other);
    mor_decref(rt, inst);
    mor_decref(rt, f);
    mor_decref(rt, fr);
    mor_decref(rt, cls);
    mor_decref(rt, l);
    mor_decref(rt, v);
    a_usable(rt);
}

static void test_lru_bad(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0), *i = mor_int(rt, 1000);
    a_rcs rc = A_RC(l, i);
    A_NULL(rt, mor_lru_cache(rt, l, 10), MOR_EXC_TYPE,
           "the lru_cache target must be callable, not 'list'");
    A_NULL(rt, mor_lru_cache(rt, mor_none(rt), 10), MOR_EXC_TYPE, "'NoneType'");
    size_t hits = 7;
    A_NEG(rt, mor_lru_cache_info(rt, l, &hits, NULL, NULL), MOR_EXC_TYPE,
          "mor_lru_cache_info: expected an lru_cache, got 'list'");
    assert_int_equal(hits, 7);
    A_NEG(rt, mor_lru_cache_clear(rt, i), MOR_EXC_TYPE, "expected an lru_cache, got 'int'");
    mor_obj *fn = mor_func_new(rt, "identity", fn_identity, NULL);
    /* any maxsize is fine; unhashable arguments are a TypeError at the call */
    mor_obj *c = mor_lru_cache(rt, fn, SIZE_MAX);
    assert_non_null(c);
    A_NULL(rt, mor_call(rt, c, 1, &l), MOR_EXC_TYPE, "unhashable type: 'list'");
    a_rc_same(&rc);
    mor_obj *r = mor_call(rt, c, 1, &i);
    assert_ptr_equal(r, i);
    mor_decref(rt, r);
    A_NULL(rt, mor_call(rt, c, 0, NULL), MOR_EXC_TYPE, "identity() takes 1 argument");
    size_t misses, cur;
    assert_int_equal(mor_lru_cache_info(rt, c, &hits, &misses, &cur), 0);
    assert_int_equal(cur, 1); /* failed calls cache nothing */
    mor_decref(rt, c);
    mor_decref(rt, fn);
    mor_decref(rt, l);
    mor_decref(rt, i);
    a_usable(rt);
}

/* ---- generators ---------------------------------------------------------------------------- */

typedef struct gstate {
    int mode;
    int cleanups;
} gstate;

/* mode 0: yields 1, 2 and returns "done"; 1: resumes itself (re-entry);
 * 2: yields from locals[0]; 3: raises StopIteration; 4: catches whatever is
 * thrown at its yield (GeneratorExit included) and yields again. */
static mor_obj *g_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    gstate *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    if (mor_gen_thrown(g) != MOR_EXC_NONE || mor_gen_catch(g) != NULL) {
        mor_raise(rt, MOR_EXC_RUNTIME, "a thrown exception reported at the start");
        MOR_GEN_FAIL(g);
    }
    if (s->mode == 1) {
        mor_obj *r = mor_next(rt, &g->head);
        if (r != NULL)
            mor_decref(rt, r);
        MOR_GEN_FAIL(g); /* the error of the re-entry */
    }
    if (s->mode == 2) {
        MOR_GEN_YIELD_FROM(g, mor_gen_locals(g)[0]);
        MOR_GEN_RETURN(g, mor_newref(mor_gen_result(g)));
    }
    if (s->mode == 3) {
        mor_raise_stop(rt, NULL);
        MOR_GEN_FAIL(g);
    }
    if (s->mode == 4) {
        MOR_GEN_YIELD_CATCH(g, mor_int(rt, 1));
        mor_obj *e = mor_gen_catch(g);
        mor_xdecref(rt, e);
        MOR_GEN_YIELD(g, mor_int(rt, 2));
    }
    MOR_GEN_YIELD(g, mor_int(rt, 1));
    MOR_GEN_YIELD(g, mor_int(rt, 2));
    MOR_GEN_RETURN(g, mor_str(rt, "done"));
    MOR_GEN_FINALLY(g);
    s->cleanups++;
    MOR_GEN_END(g);
}

static mor_obj *g_new(mor_rt *rt, int mode, mor_obj *local)
{
    mor_obj *g = mor_gen_new(rt, "g", g_step, 1, sizeof(gstate));
    assert_non_null(g);
    ((gstate *)mor_gen_cstate((mor_gen *)g))->mode = mode;
    mor_gen_locals((mor_gen *)g)[0] = local ? mor_newref(local) : NULL;
    return g;
}

static int g_cleanups(mor_obj *g) { return ((gstate *)mor_gen_cstate((mor_gen *)g))->cleanups; }

static void test_gen_new_bad(void **state)
{
    T_RT;
    A_NULL(rt, mor_gen_new(rt, NULL, g_step, 0, 0), MOR_EXC_TYPE, "name is NULL");
    A_NULL(rt, mor_gen_new(rt, "g", NULL, 0, 0), MOR_EXC_TYPE, "fn is NULL");
    A_NULL(rt, mor_gen_new(rt, "g", g_step, 70000, 0), MOR_EXC_OVERFLOW, "70000 locals");
    A_NULL(rt, mor_gen_new(rt, "g", g_step, SIZE_MAX, 0), MOR_EXC_OVERFLOW, "locals");
    A_NULL(rt, mor_gen_new(rt, "g", g_step, 0, SIZE_MAX), MOR_EXC_OVERFLOW, "bytes of state");
    A_NULL(rt, mor_gen_new(rt, "g\xff", g_step, 0, 0), MOR_EXC_VALUE, "invalid UTF-8");
    assert_int_equal(mor_rt_live_objects(rt), 0);
    mor_obj *l = mor_list(rt, 0);
    assert_int_equal(mor_gen_get_state(l), MOR_GEN_CLOSED); /* not a generator */
    assert_false(mor_is_gen(l));
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_gen_wrong_type(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 0), *exc = mor_exc_new(rt, MOR_EXC_VALUE, "thrown");
    mor_obj *g = g_new(rt, 0, NULL);
    a_rcs rc = A_RC(l, exc, g);
    A_NULL(rt, mor_gen_send(rt, l, NULL), MOR_EXC_TYPE,
           "mor_gen_send: expected a generator, got 'list'");
    A_NULL(rt, mor_gen_throw(rt, l, exc), MOR_EXC_TYPE, "expected a generator, got 'list'");
    A_NEG(rt, mor_gen_close(rt, exc), MOR_EXC_TYPE, "expected a generator, got 'exception'");
    A_NULL(rt, mor_gen_throw(rt, g, l), MOR_EXC_TYPE,
           "exceptions must be exception objects, not 'list'");
    A_NULL(rt, mor_gen_throw(rt, g, mor_none(rt)), MOR_EXC_TYPE, "'NoneType'");
    A_NULL(rt, mor_gen_send(rt, g, l), MOR_EXC_TYPE,
           "can't send non-None value to a just-started generator");
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CREATED); /* none of it started it */
    assert_int_equal(g_cleanups(g), 0);
    a_rc_same(&rc);
    /* it still runs normally */
    mor_obj *r = mor_gen_send(rt, g, mor_none(rt));
    a_repr(rt, r, "1");
    mor_decref(rt, r);
    mor_decref(rt, g);
    mor_decref(rt, l);
    mor_decref(rt, exc);
    a_usable(rt);
}

static int unraisable_calls;
static void count_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    (void)where;
    (void)ud;
    if (mor_exc_kind(exc) == MOR_EXC_RUNTIME)
        unraisable_calls++;
}

static void test_gen_bad_state(void **state)
{
    T_RT;
    /* re-entering a running generator */
    mor_obj *g = g_new(rt, 1, NULL);
    A_NULL(rt, mor_next(rt, g), MOR_EXC_VALUE, "generator already executing");
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(g_cleanups(g), 1);
    /* send, throw and close on a closed generator */
    assert_null(mor_gen_send(rt, g, NULL));
    t_expect_exc(rt, MOR_EXC_STOP_ITERATION, NULL); /* its message is empty, as in Python */
    mor_obj *exc = mor_exc_new(rt, MOR_EXC_KEY, "into a closed one");
    A_NULL(rt, mor_gen_throw(rt, g, exc), MOR_EXC_KEY, "into a closed one");
    assert_int_equal(mor_gen_close(rt, g), 0);
    A_NOEXC(rt);
    mor_decref(rt, g);
    /* a StopIteration raised by the body becomes RuntimeError (PEP 479) */
    g = g_new(rt, 3, NULL);
    A_NULL(rt, mor_next(rt, g), MOR_EXC_RUNTIME, "generator raised StopIteration");
    mor_decref(rt, g);
    /* a body ignoring GeneratorExit */
    g = g_new(rt, 4, NULL);
    mor_obj *r = mor_next(rt, g);
    a_repr(rt, r, "1");
    mor_decref(rt, r);
    A_NEG(rt, mor_gen_close(rt, g), MOR_EXC_RUNTIME, "generator ignored GeneratorExit");
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_SUSPENDED);
    /* now at a plain yield: a thrown exception goes through and ends it */
    A_NULL(rt, mor_gen_throw(rt, g, exc), MOR_EXC_KEY, "into a closed one");
    assert_int_equal(mor_gen_get_state(g), MOR_GEN_CLOSED);
    assert_int_equal(g_cleanups(g), 1);
    mor_decref(rt, g);
    mor_decref(rt, exc);
    /* yield from a non-iterable (mor_gen_delegate_) */
    mor_obj *five = mor_int(rt, 5000);
    mor_obj *d = g_new(rt, 2, five);
    A_NULL(rt, mor_next(rt, d), MOR_EXC_TYPE, "'int' object is not iterable");
    assert_int_equal(g_cleanups(d), 1);
    mor_decref(rt, d);
    /* sending a value through a delegation to a plain iterator */
    mor_obj *lst = mor_list(rt, 2, five, five);
    d = g_new(rt, 2, lst);
    r = mor_next(rt, d);
    assert_ptr_equal(r, five);
    mor_decref(rt, r);
    A_NULL(rt, mor_gen_send(rt, d, five), MOR_EXC_TYPE, "cannot send a value to a");
    mor_decref(rt, d);
    mor_decref(rt, lst);
    mor_decref(rt, five);
    /* an ill-behaved generator is reported when it dies */
    g = g_new(rt, 4, NULL);
    r = mor_next(rt, g);
    mor_decref(rt, r);
    unraisable_calls = 0;
    mor_set_unraisable_hook(rt, count_unraisable, NULL);
    mor_decref(rt, g);
    if (!T_BOEHM) /* there it dies at some later collection */
        assert_int_equal(unraisable_calls, 1);
    mor_set_unraisable_hook(rt, NULL, NULL);
    a_usable(rt);
}

/* ---- the tools and consumers --------------------------------------------------------------- */

static void test_tools_wrong_type(void **state)
{
    T_RT;
    mor_obj *i = mor_int(rt, 1000), *l = mor_list(rt, 0),
            *fn = mor_func_new(rt, "id", fn_identity, NULL);
    a_rcs rc = A_RC(i, l, fn);
    A_NULL(rt, mor_iter(rt, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_iter(rt, mor_none(rt)), MOR_EXC_TYPE, "'NoneType' object is not iterable");
    A_NULL(rt, mor_next(rt, l), MOR_EXC_TYPE, "'list' object is not an iterator");
    A_NULL(rt, mor_next(rt, i), MOR_EXC_TYPE, "'int' object is not an iterator");
    A_NULL(rt, mor_map(rt, l, l), MOR_EXC_TYPE, "'list' object is not callable");
    A_NULL(rt, mor_map(rt, fn, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_filter(rt, i, l), MOR_EXC_TYPE, "'int' object is not callable");
    A_NULL(rt, mor_filter(rt, NULL, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_filterfalse(rt, l, l), MOR_EXC_TYPE, "'list' object is not callable");
    A_NULL(rt, mor_filterfalse(rt, mor_none(rt), i), MOR_EXC_TYPE, "not iterable");
    A_NULL(rt, mor_islice(rt, i, 0, 1, 1), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_enumerate(rt, i, 0), MOR_EXC_TYPE, "'int' object is not iterable");
    mor_obj *pair[] = {l, i};
    A_NULL(rt, mor_zip(rt, 2, pair), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_zip(rt, 2, NULL), MOR_EXC_TYPE, "no iterable array");
    A_NULL(rt, mor_chain(rt, 2, NULL), MOR_EXC_TYPE, "no item array");
    /* chain is lazy, as itertools.chain: the bad one fails when reached */
    mor_obj *c = mor_chain(rt, 2, pair);
    assert_non_null(c);
    A_NULL(rt, mor_next(rt, c), MOR_EXC_TYPE, "'int' object is not iterable");
    mor_decref(rt, c);
    /* map: the function's own error comes out of next */
    mor_obj *two = mor_list(rt, 2, i, i);
    mor_obj *m = mor_map(rt, fn, two);
    mor_obj *r = mor_next(rt, m);
    assert_ptr_equal(r, i);
    mor_decref(rt, r);
    mor_decref(rt, m);
    A_NULL(rt, mor_sum(rt, i, NULL), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_min(rt, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NULL(rt, mor_max(rt, mor_none(rt)), MOR_EXC_TYPE, "'NoneType' object is not iterable");
    A_NEG(rt, mor_any(rt, i), MOR_EXC_TYPE, "'int' object is not iterable");
    A_NEG(rt, mor_all(rt, i), MOR_EXC_TYPE, "'int' object is not iterable");
    mor_obj *s = mor_str(rt, "");
    A_NULL(rt, mor_sum(rt, two, s), MOR_EXC_TYPE, "sum() can't sum strings");
    mor_obj *b = mor_bytes(rt, "b", 1);
    A_NULL(rt, mor_sum(rt, two, b), MOR_EXC_TYPE, "sum() can't sum bytes");
    mor_obj *mixed = mor_list(rt, 2, i, s);
    A_NULL(rt, mor_sum(rt, mixed, NULL), MOR_EXC_TYPE,
           "unsupported operand type(s) for +: 'int' and 'str'");
    A_NULL(rt, mor_sum(rt, two, l), MOR_EXC_TYPE, "'list' and 'int'");
    A_NULL(rt, mor_min(rt, mixed), MOR_EXC_TYPE, "'<' not supported between instances of");
    A_NULL(rt, mor_max(rt, mixed), MOR_EXC_TYPE, "'>' not supported");
    A_NULL(rt, mor_min(rt, l), MOR_EXC_VALUE, "min() arg is an empty sequence");
    A_NULL(rt, mor_max(rt, l), MOR_EXC_VALUE, "max() arg is an empty sequence");
    a_repr(rt, mixed, "[1000, '']");
    mor_decref(rt, mixed);
    mor_decref(rt, b);
    mor_decref(rt, s);
    mor_decref(rt, two);
    a_rc_same(&rc);
    mor_decref(rt, i);
    mor_decref(rt, l);
    mor_decref(rt, fn);
    a_usable(rt);
}

static void test_tools_out_of_range(void **state)
{
    T_RT;
    mor_obj *l = mor_list(rt, 3, mor_int(rt, 1), mor_int(rt, 2), mor_int(rt, 3));
    a_rcs rc = A_RC(l);
    A_NULL(rt, mor_range(rt, 0, 10, 0), MOR_EXC_VALUE, "range() arg 3 must not be zero");
    A_NULL(rt, mor_range(rt, INT64_MIN, INT64_MAX, 1), MOR_EXC_OVERFLOW, "more than");
    A_NULL(rt, mor_range(rt, INT64_MAX, INT64_MIN, -1), MOR_EXC_OVERFLOW, "more than");
    mor_obj *r = mor_range(rt, INT64_MIN, INT64_MAX, INT64_MAX); /* 3 values: fine */
    assert_int_equal(mor_len(rt, r), 3);
    mor_decref(rt, r);
    A_NULL(rt, mor_islice(rt, l, -1, 2, 1), MOR_EXC_VALUE, "Indices for islice()");
    A_NULL(rt, mor_islice(rt, l, INT64_MIN, 2, 1), MOR_EXC_VALUE, "Indices for islice()");
    A_NULL(rt, mor_islice(rt, l, 0, -2, 1), MOR_EXC_VALUE, "Indices for islice()");
    A_NULL(rt, mor_islice(rt, l, 0, 2, 0), MOR_EXC_VALUE, "Step for islice()");
    A_NULL(rt, mor_islice(rt, l, 0, 2, -1), MOR_EXC_VALUE, "Step for islice()");
    A_NULL(rt, mor_islice(rt, l, 0, 2, INT64_MIN), MOR_EXC_VALUE, "Step for islice()");
    mor_obj *s = mor_islice(rt, l, INT64_MAX, -1, INT64_MAX); /* nothing that far */
    assert_null(mor_next(rt, s));
    A_NOEXC(rt);
    mor_decref(rt, s);
    A_NULL(rt, mor_zip(rt, SIZE_MAX, &l), MOR_EXC_MEMORY, NULL);
    A_NULL(rt, mor_chain(rt, SIZE_MAX, &l), MOR_EXC_MEMORY, NULL);
    /* enumerate counts past INT64_MAX exactly, as Python's does */
    mor_obj *e = mor_enumerate(rt, l, INT64_MAX);
    mor_obj *t = mor_next(rt, e);
    a_repr(rt, t, "(9223372036854775807, 1)");
    mor_decref(rt, t);
    t = mor_next(rt, e);
    assert_non_null(t);
    a_repr(rt, t, "(9223372036854775808, 2)");
    mor_decref(rt, t);
    mor_decref(rt, e);
    a_rc_same(&rc);
    mor_decref(rt, l);
    a_usable(rt);
}

static void test_file_lines_bad(void **state)
{
    T_RT;
    A_NULL(rt, mor_file_lines(rt, NULL), MOR_EXC_TYPE, "path is NULL");
    A_NULL(rt, mor_file_lines(rt, "/nonexistent/dir/file.txt"), MOR_EXC_OS,
           "No such file or directory: '/nonexistent/dir/file.txt'");
    A_NULL(rt, mor_file_lines(rt, ""), MOR_EXC_OS, "''");
    A_NULL(rt, mor_file_lines(rt, "/"), MOR_EXC_OS, "Is a directory: '/'");
    assert_int_equal(mor_rt_live_objects(rt), 0);
    a_usable(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_TEST(test_func_class_bad),     T_TEST(test_lru_bad),        T_TEST(test_gen_new_bad),
        T_TEST(test_gen_wrong_type),     T_TEST(test_gen_bad_state),  T_TEST(test_tools_wrong_type),
        T_TEST(test_tools_out_of_range), T_TEST(test_file_lines_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
