/* runtime/types/exc.c: exception objects: a kind, a message (str) and, for
 * StopIteration, a value. A GC type, since the value can be any object. */
#include "../core/strbuf.h"
#include "types.h"

typedef struct exc_obj {
    mor_obj head;
    mor_exc kind;
    mor_obj *msg;   /* a str, never NULL */
    mor_obj *value; /* StopIteration's value, or NULL */
} exc_obj;

mor_obj *mori_exc_make(mor_rt *rt, mor_exc kind, mor_obj *msg, mor_obj *value)
{
    exc_obj *e = (exc_obj *)mori_gc_alloc(rt, &mori_exc_type, sizeof(exc_obj));
    if (e == NULL)
        return NULL;
    e->kind = kind;
    e->msg = mor_newref(msg);
    e->value = value ? mor_newref(value) : NULL;
    mori_gc_track(rt, &e->head);
    return &e->head;
}

int mori_exc_init(mor_rt *rt)
{
    mor_obj *msg = mori_str_from_ascii(rt, "out of memory", 13);
    if (msg == NULL)
        return -1;
    mori_rt_make_static(rt, msg);
    mor_obj *e = mori_exc_make(rt, MOR_EXC_MEMORY, msg, NULL);
    if (e == NULL) {
        mori_obj_free(rt, msg, mor_sizeof(msg));
        return -1;
    }
    mori_rt_make_static(rt, e);
    mori_gc_untrack(rt, e); /* holds nothing that could form a cycle */
    rt->memory_error = e;
    return 0;
}

void mori_exc_fini(mor_rt *rt)
{
    exc_obj *e = (exc_obj *)rt->memory_error;
    if (e == NULL)
        return;
    mori_obj_free(rt, e->msg, mor_sizeof(e->msg));
    mori_gc_free(rt, &e->head, sizeof(exc_obj));
    rt->memory_error = NULL;
}

mor_exc mor_exc_kind(const mor_obj *exc)
{
    return exc->type == &mori_exc_type ? ((const exc_obj *)exc)->kind : MOR_EXC_NONE;
}

const char *mor_exc_message(const mor_obj *exc)
{
    return exc->type == &mori_exc_type ? mori_str_data(((const exc_obj *)exc)->msg) : "";
}

mor_obj *mor_exc_value(mor_rt *rt, mor_obj *exc)
{
    if (exc->type != &mori_exc_type) {
        mor_raise(rt, MOR_EXC_TYPE, "expected an exception, got '%s'", exc->type->name);
        return NULL;
    }
    mor_obj *v = ((exc_obj *)exc)->value;
    return mor_newref(v ? v : mor_none(rt));
}

/* ---- slots ---------------------------------------------------------------------- */

static void exc_dealloc(mor_rt *rt, mor_obj *self)
{
    exc_obj *e = (exc_obj *)self;
    mor_decref(rt, e->msg);
    mor_xdecref(rt, e->value);
    mori_gc_free(rt, self, sizeof(exc_obj));
}

static int exc_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    exc_obj *e = (exc_obj *)self;
    return e->value ? visit(e->value, arg) : 0;
}

static void exc_clear(mor_rt *rt, mor_obj *self)
{
    exc_obj *e = (exc_obj *)self;
    mor_obj *v = e->value;
    e->value = NULL;
    mor_xdecref(rt, v);
}

/* ValueError('message') */
static mor_obj *exc_repr(mor_rt *rt, mor_obj *self)
{
    exc_obj *e = (exc_obj *)self;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_adds(&sb, mor_exc_name(e->kind));
    mori_sb_addc(&sb, '(');
    if (e->value != NULL)
        mori_sb_add_repr(&sb, e->value);
    else if (mori_str_nbytes(e->msg) != 0)
        mori_sb_add_repr(&sb, e->msg);
    mori_sb_addc(&sb, ')');
    return mori_sb_finish(&sb);
}

static mor_obj *exc_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    exc_obj *e = (exc_obj *)self;
    if (strcmp(name, "value") == 0)
        return mor_newref(e->value ? e->value : mor_none(rt));
    if (strcmp(name, "message") == 0)
        return mor_newref(e->msg);
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'%s' object has no attribute '%s'", mor_exc_name(e->kind),
              name);
    return NULL;
}

const mor_type mori_exc_type = {
    .name = "exception",
    .basicsize = sizeof(exc_obj),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = exc_dealloc,
    .traverse = exc_traverse,
    .clear = exc_clear,
    .repr = exc_repr,
    .getattr = exc_getattr,
};
