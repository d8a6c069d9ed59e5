/* runtime/types/method.c: bound methods: a function and the instance it was
 * found through, called with the instance first. */
#include "class.h"

typedef struct method_obj {
    mor_obj head;
    mor_obj *func;
    mor_obj *self;
} method_obj;

mor_obj *mori_call_with_self(mor_rt *rt, mor_obj *fn, mor_obj *self, size_t nargs,
                             mor_obj *const *args)
{
    mor_obj *small[8];
    mor_obj **a = small;
    if (nargs + 1 > MORI_COUNTOF(small)) {
        a = mori_mem_alloc(rt, (nargs + 1) * sizeof(mor_obj *), MORI_MEM_BUFFER);
        if (a == NULL)
            return NULL;
    }
    a[0] = self;
    if (nargs > 0)
        memcpy(&a[1], args, nargs * sizeof(mor_obj *));
    mor_obj *r = mor_call(rt, fn, nargs + 1, a);
    if (a != small)
        mori_mem_free(rt, a, (nargs + 1) * sizeof(mor_obj *), MORI_MEM_BUFFER);
    return r;
}

mor_obj *mori_method_new(mor_rt *rt, mor_obj *func, mor_obj *self)
{
    method_obj *m = (method_obj *)mori_gc_alloc(rt, &mori_method_type, sizeof(method_obj));
    if (m == NULL)
        return NULL;
    m->func = mor_newref(func);
    m->self = mor_newref(self);
    mori_gc_track(rt, &m->head);
    return &m->head;
}

static mor_obj *method_call(mor_rt *rt, mor_obj *o, size_t nargs, mor_obj *const *args)
{
    method_obj *m = (method_obj *)o;
    mor_obj *func = mor_newref(m->func), *self = mor_newref(m->self);
    mor_obj *r = mori_call_with_self(rt, func, self, nargs, args);
    mor_decref(rt, func);
    mor_decref(rt, self);
    return r;
}

static void method_clear(mor_rt *rt, mor_obj *o)
{
    method_obj *m = (method_obj *)o;
    mor_obj *f = m->func, *s = m->self;
    m->func = m->self = NULL;
    mor_xdecref(rt, f);
    mor_xdecref(rt, s);
}

static void method_dealloc(mor_rt *rt, mor_obj *o)
{
    method_clear(rt, o);
    mori_gc_free(rt, o, sizeof(method_obj));
}

static int method_traverse(mor_obj *o, mor_visit_fn visit, void *arg)
{
    method_obj *m = (method_obj *)o;
    int r = m->func ? visit(m->func, arg) : 0;
    return r == 0 && m->self ? visit(m->self, arg) : r;
}

static mor_obj *method_repr(mor_rt *rt, mor_obj *o)
{
    method_obj *m = (method_obj *)o;
    if (m->func == NULL || m->self == NULL)
        return mor_str_fmt(rt, "<bound method at %p (cleared)>", (void *)o);
    const char *fname =
        m->func->type == &mori_func_type ? mor_str_utf8(mori_func_name(m->func), NULL) : "?";
    return mor_str_fmt(rt, "<bound method %s.%s of <%s object at %p>>", m->self->type->name, fname,
                       m->self->type->name, (void *)m->self);
}

/* Equal when bound to the same object and equal functions. */
static int method_eq(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (b->type != &mori_method_type)
        return MOR_NOTIMPL;
    method_obj *x = (method_obj *)a, *y = (method_obj *)b;
    if (x->self != y->self)
        return 0;
    return x->func == y->func ? 1 : mor_eq(rt, x->func, y->func);
}

static int method_hash(mor_rt *rt, mor_obj *o, int64_t *out)
{
    method_obj *m = (method_obj *)o;
    int64_t h;
    if (m->func == NULL || mor_hash(rt, m->func, &h) < 0)
        return -1;
    *out = h ^ (int64_t)((uintptr_t)m->self >> 4);
    return 0;
}

static mor_obj *method_getattr(mor_rt *rt, mor_obj *o, const char *name)
{
    method_obj *m = (method_obj *)o;
    if (strcmp(name, "__func__") == 0 && m->func)
        return mor_newref(m->func);
    if (strcmp(name, "__self__") == 0 && m->self)
        return mor_newref(m->self);
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'method' object has no attribute '%s'", name);
    return NULL;
}

const mor_type mori_method_type = {
    .name = "method",
    .basicsize = sizeof(method_obj),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = method_dealloc,
    .traverse = method_traverse,
    .clear = method_clear,
    .repr = method_repr,
    .hash = method_hash,
    .eq = method_eq,
    .call = method_call,
    .getattr = method_getattr,
};
