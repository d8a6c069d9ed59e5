/* runtime/types/func.c: native function objects: a C function pointer, a name
 * and a data object the collector traces (a closure's environment). */
#include "../core/strbuf.h"
#include "types.h"

typedef struct func_obj {
    mor_obj head;
    mor_cfunc fn;
    mor_obj *name; /* an interned str */
    mor_obj *data; /* owned, may be NULL */
} func_obj;

mor_obj *mor_func_new(mor_rt *rt, const char *name, mor_cfunc fn, mor_obj *data)
{
    if (fn == NULL || name == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_func_new: %s is NULL", fn == NULL ? "fn" : "name");
        return NULL;
    }
    mor_obj *n = mor_str_const(rt, name);
    if (n == NULL)
        return NULL;
    func_obj *f = (func_obj *)mori_gc_alloc(rt, &mori_func_type, sizeof(func_obj));
    if (f == NULL) {
        mor_decref(rt, n);
        return NULL;
    }
    f->fn = fn;
    f->name = n;
    f->data = data ? mor_newref(data) : NULL;
    mori_gc_track(rt, &f->head);
    return &f->head;
}

mor_obj *mori_func_name(mor_obj *f) { return ((func_obj *)f)->name; }

static void func_dealloc(mor_rt *rt, mor_obj *self)
{
    func_obj *f = (func_obj *)self;
    mor_decref(rt, f->name);
    mor_xdecref(rt, f->data);
    mori_gc_free(rt, self, sizeof(func_obj));
}

static int func_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    func_obj *f = (func_obj *)self;
    return f->data ? visit(f->data, arg) : 0;
}

static void func_clear(mor_rt *rt, mor_obj *self)
{
    func_obj *f = (func_obj *)self;
    mor_obj *d = f->data;
    f->data = NULL;
    mor_xdecref(rt, d);
}

static mor_obj *func_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    func_obj *f = (func_obj *)self;
    /* hold the data: the call may drop the function's last other reference */
    mor_obj *data = f->data ? mor_newref(f->data) : mor_none(rt);
    mor_obj *r = f->fn(rt, data, nargs, args);
    mor_decref(rt, data);
    MOR_ASSERT((r == NULL) == (rt->exc != NULL));
    return r;
}

static mor_obj *func_repr(mor_rt *rt, mor_obj *self)
{
    return mor_str_fmt(rt, "<function %s>", mori_str_data(((func_obj *)self)->name));
}

static mor_obj *func_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    func_obj *f = (func_obj *)self;
    if (strcmp(name, "__name__") == 0)
        return mor_newref(f->name);
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'function' object has no attribute '%s'", name);
    return NULL;
}

static int func_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    *out = (int64_t)((uintptr_t)self >> 4);
    return 0;
}

const mor_type mori_func_type = {
    .name = "function",
    .basicsize = sizeof(func_obj),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = func_dealloc,
    .traverse = func_traverse,
    .clear = func_clear,
    .repr = func_repr,
    .hash = func_hash,
    .call = func_call,
    .getattr = func_getattr,
};
