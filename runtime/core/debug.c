/* runtime/core/debug.c: the freed-object type, poisoning and the quarantine of
 * freed objects (debug.h). The type is defined in every build; poisoning and
 * the quarantine only when MORI_POISON. */
#include "debug.h"

#include "rt.h"

#include "mor/buffer.h"

const mor_type *mori_freed_origin(const mor_obj *o)
{
    if (!mori_is_freed(o))
        return o->type;
    if (o->flags & MORI_FREED_GC)
        return (const mor_type *)(const void *)mori_gc_head(o)->prev;
    if (o->flags & MORI_FREED_BODY)
        return *(const mor_type *const *)(const void *)(o + 1);
    return NULL;
}

/* ---- the freed-object type: every slot is fatal -------------------------------- */

MOR_NORETURN static void freed_used(const mor_obj *o, const char *what)
{
    const mor_type *t = mori_freed_origin(o);
    mor_fatal(o, "use of a freed object: %s of a freed '%s' object at %p", what,
              t != NULL ? t->name : "(type unknown)", (const void *)o);
}

static void freed_dealloc(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    const mor_type *t = mori_freed_origin(self);
    mor_fatal(self, "mor_decref of a freed '%s' object at %p (one decref too many, or a use "
              "after free)", t != NULL ? t->name : "(type unknown)", (void *)self);
}

static int freed_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    (void)visit, (void)arg;
    freed_used(self, "traverse");
}

static void freed_clear(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "clear"); }
static mor_obj *freed_repr(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "repr"); }

static int freed_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt, (void)out;
    freed_used(self, "hash");
}

static int freed_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt, (void)other;
    freed_used(self, "comparison");
}

static int freed_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt, (void)other, (void)op;
    freed_used(self, "comparison");
}

static mor_obj *freed_iter(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "iter"); }
static mor_obj *freed_next(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "next"); }

static mor_obj *freed_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    (void)rt, (void)nargs, (void)args;
    freed_used(self, "call");
}

static mor_obj *freed_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    (void)rt, (void)name;
    freed_used(self, "getattr");
}

static int freed_setattr(mor_rt *rt, mor_obj *self, const char *name, mor_obj *v)
{
    (void)rt, (void)name, (void)v;
    freed_used(self, "setattr");
}

static size_t freed_size_of(const mor_obj *self) { freed_used(self, "sizeof"); }

static mor_obj *freed_binary(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    (void)rt;
    freed_used(mori_is_freed(a) ? a : b, "arithmetic");
}

static mor_obj *freed_neg(mor_rt *rt, mor_obj *a) { (void)rt, freed_used(a, "arithmetic"); }
static int freed_truth(mor_rt *rt, mor_obj *a) { (void)rt, freed_used(a, "truth test"); }
static int64_t freed_len(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "len"); }

static mor_obj *freed_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    (void)rt, (void)key;
    freed_used(self, "getitem");
}

static int freed_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    (void)rt, (void)key, (void)v;
    freed_used(self, "setitem");
}

static int freed_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    (void)rt, (void)x;
    freed_used(self, "contains");
}

static mor_obj *freed_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                            int64_t count)
{
    (void)rt, (void)start, (void)stop, (void)step, (void)count;
    freed_used(self, "slice");
}

static int freed_buffer_get(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    (void)rt, (void)view, (void)writable;
    freed_used(self, "buffer export");
}

static void freed_buffer_release(mor_rt *rt, mor_obj *self, mor_buffer *view)
{
    (void)rt, (void)view;
    freed_used(self, "buffer release");
}

static int64_t freed_buffer_exports(const mor_obj *self) { freed_used(self, "buffer exports"); }

static bool freed_untrack_ok(const mor_obj *self, bool full)
{
    (void)full;
    freed_used(self, "collection");
}

static const mor_number_slots freed_number = {
    freed_binary, freed_binary, freed_binary, freed_binary, freed_binary,
    freed_binary, freed_binary, freed_neg,    freed_truth,
};

static const mor_container_slots freed_container = {
    freed_len, freed_getitem, freed_setitem, freed_contains, freed_slice,
};

static const mor_buffer_slots freed_buffer = {
    freed_buffer_get,
    freed_buffer_release,
    freed_buffer_exports,
};

const mor_type mori_freed_type = {
    .name = "freed object",
    .basicsize = sizeof(mor_obj),
    .dealloc = freed_dealloc,
    .traverse = freed_traverse,
    .clear = freed_clear,
    .repr = freed_repr,
    .hash = freed_hash,
    .eq = freed_eq,
    .compare = freed_compare,
    .iter = freed_iter,
    .next = freed_next,
    .call = freed_call,
    .getattr = freed_getattr,
    .setattr = freed_setattr,
    .size_of = freed_size_of,
    .number = &freed_number,
    .container = &freed_container,
    .buffer = &freed_buffer,
    .untrack_ok = freed_untrack_ok,
};
