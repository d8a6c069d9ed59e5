/* runtime/types/class.c: class objects: their name tables (attributes and the
 * instance layout), creation, class attributes and the specials cached from
 * them. The instances' own slots are in instance.c. */
#include "../core/strbuf.h"
#include "class.h"

static const char *const special_names[MORI_NSPECIAL] = {
    [MORI_SPECIAL_DEL] = "__del__",   [MORI_SPECIAL_REPR] = "__repr__",
    [MORI_SPECIAL_EQ] = "__eq__",     [MORI_SPECIAL_HASH] = "__hash__",
    [MORI_SPECIAL_CALL] = "__call__", [MORI_SPECIAL_INIT] = "__init__",
};

/* ---- name tables ---------------------------------------------------------------------------- */

uint64_t mori_name_hash(const char *name)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

int64_t mori_keytab_find(const mori_keytab *t, const char *name, uint64_t hash)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->e[i].hash == hash && strcmp(mori_str_data(t->e[i].name), name) == 0)
            return i;
    return -1;
}

int64_t mori_keytab_add(mor_rt *rt, mori_keytab *t, const char *name, uint64_t hash, mor_obj *value)
{
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        mori_keyent *e = mori_mem_realloc(rt, t->e, t->cap * sizeof(mori_keyent),
                                          cap * sizeof(mori_keyent), MORI_MEM_BUFFER);
        if (e == NULL)
            return -1;
        t->e = e;
        t->cap = cap;
    }
    mor_obj *n = mor_str_const(rt, name);
    if (n == NULL)
        return -1;
    if (!mor_str_is_interned(n)) { /* names that are not identifiers: intern anyway */
        mor_obj *i = mor_intern(rt, n);
        mor_decref(rt, n);
        if (i == NULL)
            return -1;
        n = i;
    }
    mori_keyent *ent = &t->e[t->n];
    ent->hash = hash;
    ent->name = n;
    ent->value = value ? mor_newref(value) : NULL;
    return t->n++;
}

/* Empty the table first: releasing names and values may run code. */
static void keytab_free(mor_rt *rt, mori_keytab *t)
{
    mori_keytab old = *t;
    t->e = NULL;
    t->n = t->cap = 0;
    for (uint32_t i = 0; i < old.n; i++) {
        mor_decref(rt, old.e[i].name);
        mor_xdecref(rt, old.e[i].value);
    }
    mori_mem_free(rt, old.e, old.cap * sizeof(mori_keyent), MORI_MEM_BUFFER);
}

/* ---- classes -------------------------------------------------------------------------------- */

static mori_class *as_class(mor_obj *o) { return (mori_class *)o; }

mor_obj *mor_class_new(mor_rt *rt, const char *name, const char *const *fields, unsigned flags)
{
    if (name == NULL || *name == '\0') {
        mor_raise(rt, MOR_EXC_VALUE, "a class needs a non-empty name");
        return NULL;
    }
    if (flags & ~MOR_CLASS_SLOTS) {
        mor_raise(rt, MOR_EXC_VALUE, "unknown class flags %#x", flags & ~MOR_CLASS_SLOTS);
        return NULL;
    }
    size_t nfields = 0;
    while (fields != NULL && fields[nfields] != NULL)
        nfields++;
    if (!(flags & MOR_CLASS_SLOTS) && nfields > MORI_SHARED_KEYS_MAX) {
        mor_raise(rt, MOR_EXC_VALUE, "a dict class takes at most %d fields",
                  MORI_SHARED_KEYS_MAX);
        return NULL;
    }
    if (nfields > 10000) {
        mor_raise(rt, MOR_EXC_VALUE, "too many fields (%zu)", nfields);
        return NULL;
    }
    mor_obj *n = mor_str(rt, name);
    if (n == NULL)
        return NULL;
    mori_class *c = (mori_class *)mori_gc_alloc(rt, &mori_class_type, sizeof(mori_class));
    if (c == NULL) {
        mor_decref(rt, n);
        return NULL;
    }
    c->name = n;
    c->flags = flags;
    c->nfields = (uint32_t)nfields;
    mori_gc_track(rt, &c->head);
    for (size_t i = 0; i < nfields; i++) {
        if (fields[i][0] == '\0') {
            mor_raise(rt, MOR_EXC_VALUE, "empty field name in class '%s'", name);
            goto fail;
        }
        uint64_t h = mori_name_hash(fields[i]);
        if (mori_keytab_find(&c->layout, fields[i], h) >= 0) {
            mor_raise(rt, MOR_EXC_VALUE, "duplicate field '%s' in class '%s'", fields[i], name);
            goto fail;
        }
        if (mori_keytab_add(rt, &c->layout, fields[i], h, NULL) < 0)
            goto fail;
    }
    mori_instance_type_init(c);
    return &c->head;
fail:
    mor_decref(rt, &c->head);
    return NULL;
}

bool mor_is_class(const mor_obj *o) { return o->type == &mori_class_type; }

bool mor_is_instance(const mor_obj *o, const mor_obj *cls)
{
    return cls->type == &mori_class_type && o->type == &((const mori_class *)cls)->itype;
}

static void class_refresh_specials(mori_class *c)
{
    for (int s = 0; s < MORI_NSPECIAL; s++) {
        int64_t i = mori_keytab_find(&c->attrs, special_names[s], mori_name_hash(special_names[s]));
        c->special[s] = i >= 0 ? c->attrs.e[i].value : NULL;
    }
    mori_instance_type_update(c);
}

int mor_class_set_attr(mor_rt *rt, mor_obj *cls, const char *name, mor_obj *v)
{
    if (cls->type != &mori_class_type) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_class_set_attr: expected a class, got '%s'",
                  cls->type->name);
        return -1;
    }
    if (name == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "attribute name must be a string, not NULL");
        return -1;
    }
    mori_class *c = as_class(cls);
    uint64_t h = mori_name_hash(name);
    int64_t i = mori_keytab_find(&c->attrs, name, h);
    if (v == NULL) {
        if (i < 0) {
            mor_raise(rt, MOR_EXC_ATTRIBUTE, "type object '%s' has no attribute '%s'",
                      mori_str_data(c->name), name);
            return -1;
        }
        mori_keyent e = c->attrs.e[i];
        memmove(&c->attrs.e[i], &c->attrs.e[i + 1], (c->attrs.n - (uint32_t)i - 1) * sizeof(e));
        c->attrs.n--;
        class_refresh_specials(c);
        mor_decref(rt, e.name);
        mor_decref(rt, e.value);
        return 0;
    }
    if (i >= 0) {
        mor_obj *old = c->attrs.e[i].value;
        c->attrs.e[i].value = mor_newref(v);
        class_refresh_specials(c);
        mor_decref(rt, old);
        return 0;
    }
    if (mori_keytab_add(rt, &c->attrs, name, h, v) < 0)
        return -1;
    class_refresh_specials(c);
    return 0;
}

/* ---- slots ----------------------------------------------------------------------------------- */

static void class_clear(mor_rt *rt, mor_obj *self)
{
    mori_class *c = as_class(self);
    /* the specials are borrowed from attrs: forget them first */
    memset(c->special, 0, sizeof(c->special));
    mori_instance_type_update(c);
    mori_keyent *e = c->attrs.e;
    uint32_t n = c->attrs.n;
    for (uint32_t i = 0; i < n; i++) {
        mor_obj *v = e[i].value;
        e[i].value = NULL;
        mor_xdecref(rt, v);
    }
}

static void class_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_class *c = as_class(self);
    memset(c->special, 0, sizeof(c->special));
    keytab_free(rt, &c->attrs);
    keytab_free(rt, &c->layout);
    mor_decref(rt, c->name);
    mori_gc_free(rt, self, sizeof(mori_class));
}

static int class_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mori_class *c = as_class(self);
    for (uint32_t i = 0; i < c->attrs.n; i++) {
        if (c->attrs.e[i].value != NULL) {
            int r = visit(c->attrs.e[i].value, arg);
            if (r != 0)
                return r;
        }
    }
    return 0;
}

static mor_obj *class_repr(mor_rt *rt, mor_obj *self)
{
    return mor_str_fmt(rt, "<class '%s'>", mori_str_data(as_class(self)->name));
}

static mor_obj *class_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    return mori_instance_new(rt, as_class(self), nargs, args);
}

static mor_obj *class_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    mori_class *c = as_class(self);
    if (strcmp(name, "__name__") == 0)
        return mor_newref(c->name);
    int64_t i = mori_keytab_find(&c->attrs, name, mori_name_hash(name));
    if (i >= 0 && c->attrs.e[i].value != NULL)
        return mor_newref(c->attrs.e[i].value);
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "type object '%s' has no attribute '%s'",
              mori_str_data(c->name), name);
    return NULL;
}

static int class_setattr(mor_rt *rt, mor_obj *self, const char *name, mor_obj *v)
{
    return mor_class_set_attr(rt, self, name, v);
}

static int class_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    *out = (int64_t)((uintptr_t)self >> 4);
    return 0;
}

const mor_type mori_class_type = {
    .name = "type",
    .basicsize = sizeof(mori_class),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = class_dealloc,
    .traverse = class_traverse,
    .clear = class_clear,
    .repr = class_repr,
    .hash = class_hash,
    .call = class_call,
    .getattr = class_getattr,
    .setattr = class_setattr,
};
