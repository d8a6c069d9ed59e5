/* runtime/types/instance.c: instances of classes: the slot layout and the
 * dict-based layout with a shared key table (PEP 412), attribute lookup
 * (instance, then class, binding functions), and the special methods. */
#include "../core/strbuf.h"
#include "class.h"

/* ---- the values array of dict instances ------------------------------------------------------ */

static inline size_t dv_prefix(unsigned cap) { return (2u + cap + 7u) & ~(size_t)7; }
static inline size_t dv_bytes(unsigned cap) { return dv_prefix(cap) + cap * sizeof(mor_obj *); }
static inline unsigned dv_cap(const uint8_t *v) { return v[0]; }
static inline unsigned dv_count(const uint8_t *v) { return v[1]; }
static inline uint8_t *dv_order(uint8_t *v) { return v + 2; }
static inline mor_obj **dv_slots(uint8_t *v) { return (mor_obj **)(void *)(v + dv_prefix(v[0])); }

/* Room for the class's current keys and then some: the next power of two
 * above their number (at least 4), so that an instance can gain attributes
 * before it needs a dict; 0 when the shared table is full. */
static unsigned dv_capacity_for(const mori_class *c)
{
    uint32_t n = c->layout.n;
    if (n >= MORI_SHARED_KEYS_MAX)
        return 0;
    unsigned cap = 4;
    while (cap <= n)
        cap *= 2;
    return cap;
}

static uint8_t *dv_new(mor_rt *rt, unsigned cap)
{
    uint8_t *v = mori_mem_zalloc(rt, dv_bytes(cap), MORI_MEM_BUFFER);
    if (v != NULL)
        v[0] = (uint8_t)cap;
    return v;
}

/* Store value (a new reference) in slot idx; it must be empty or is replaced. */
static void dv_set(mor_rt *rt, uint8_t *v, unsigned idx, mor_obj *value)
{
    mor_obj **slots = dv_slots(v);
    mor_obj *old = slots[idx];
    slots[idx] = value;
    if (old == NULL)
        dv_order(v)[v[1]++] = (uint8_t)idx;
    else
        mor_decref(rt, old);
}

/* Empty slot idx; returns its value (the caller releases it). */
static mor_obj *dv_take(uint8_t *v, unsigned idx)
{
    mor_obj **slots = dv_slots(v);
    mor_obj *old = slots[idx];
    slots[idx] = NULL;
    uint8_t *order = dv_order(v);
    for (unsigned i = 0; i < v[1]; i++) {
        if (order[i] == idx) {
            memmove(&order[i], &order[i + 1], v[1] - i - 1);
            v[1]--;
            break;
        }
    }
    return old;
}

/* Release the values array: detached first, since a decref may run code. */
static void dv_free(mor_rt *rt, mori_dinst *d)
{
    uint8_t *v = d->values;
    if (v == NULL)
        return;
    d->values = NULL;
    mor_obj **slots = dv_slots(v);
    for (unsigned i = 0; i < dv_cap(v); i++)
        mor_xdecref(rt, slots[i]);
    mori_mem_free(rt, v, dv_bytes(dv_cap(v)), MORI_MEM_BUFFER);
}

/* Give the instance a real dict holding its attributes in the order they
 * were set (its __dict__ was asked for, or it outgrew the shared layout). */
static int dinst_materialize(mor_rt *rt, mori_dinst *d)
{
    if (d->dict != NULL)
        return 0;
    mori_class *c = mori_class_of(&d->head);
    mor_obj *dict = mor_dict(rt);
    if (dict == NULL)
        return -1;
    uint8_t *v = d->values;
    if (v != NULL) {
        for (unsigned i = 0; i < dv_count(v); i++) {
            unsigned idx = dv_order(v)[i];
            if (mor_dict_set(rt, dict, c->layout.e[idx].name, dv_slots(v)[idx]) < 0) {
                mor_decref(rt, dict);
                return -1;
            }
        }
    }
    d->dict = dict;
    dv_free(rt, d);
    return 0;
}

/* ---- creation ------------------------------------------------------------------------------------ */

mor_obj *mori_instance_new(mor_rt *rt, mori_class *c, size_t nargs, mor_obj *const *args)
{
    mor_obj *init = c->special[MORI_SPECIAL_INIT];
    if (init == NULL && nargs > c->nfields) {
        mor_raise(rt, MOR_EXC_TYPE, "%s() takes at most %u positional argument%s (%zu given)",
                  mori_str_data(c->name), c->nfields, c->nfields == 1 ? "" : "s", nargs);
        return NULL;
    }
    size_t nfill = init == NULL ? nargs : 0;
    mor_obj *o;
    if (c->flags & MOR_CLASS_SLOTS) {
        o = mori_gc_alloc(rt, &c->itype, c->itype.basicsize);
        if (o == NULL)
            return NULL;
        mor_incref(&c->head);
        mori_sinst *s = (mori_sinst *)o;
        for (size_t i = 0; i < nfill; i++)
            s->fields[i] = mor_newref(args[i]);
        if (c->nfields > 0) /* with no fields it can refer to nothing: never tracked */
            mori_gc_track(rt, o);
    } else {
        unsigned cap = dv_capacity_for(c);
        uint8_t *v = cap ? dv_new(rt, cap) : NULL;
        if (cap && v == NULL)
            return NULL;
        o = mori_gc_alloc(rt, &c->itype, sizeof(mori_dinst));
        if (o == NULL) {
            mori_mem_free(rt, v, dv_bytes(cap), MORI_MEM_BUFFER);
            return NULL;
        }
        mor_incref(&c->head);
        mori_dinst *d = (mori_dinst *)o;
        d->values = v;
        mori_gc_track(rt, o);
        for (size_t i = 0; i < nfill; i++) {
            /* fields are the first shared keys: they fit unless the class's
             * table is full, and then the instance gets a dict */
            if (v != NULL && i < cap) {
                dv_set(rt, v, (unsigned)i, mor_newref(args[i]));
            } else if (o->type->setattr(rt, o, mori_str_data(c->layout.e[i].name), args[i]) < 0) {
                mor_decref(rt, o);
                return NULL;
            }
        }
    }
    if (init != NULL) {
        mor_obj *r = mori_call_with_self(rt, init, o, nargs, args);
        if (r == NULL) {
            mor_decref(rt, o);
            return NULL;
        }
        bool none = r == mor_none(rt);
        mor_decref(rt, r);
        if (!none) {
            mor_raise(rt, MOR_EXC_TYPE, "__init__() should return None");
            mor_decref(rt, o);
            return NULL;
        }
    }
    return o;
}

/* ---- attributes ------------------------------------------------------------------------------------ */

static mor_obj *inst_no_attr(mor_rt *rt, mor_obj *self, const char *name)
{
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'%s' object has no attribute '%s'", self->type->name, name);
    return NULL;
}

/* The class attribute `name` as seen from an instance (functions bound). */
static mor_obj *inst_class_attr(mor_rt *rt, mor_obj *self, const char *name, uint64_t h)
{
    mori_class *c = mori_class_of(self);
    int64_t i = mori_keytab_find(&c->attrs, name, h);
    if (i < 0 || c->attrs.e[i].value == NULL)
        return inst_no_attr(rt, self, name);
    mor_obj *v = c->attrs.e[i].value;
    if (v->type == &mori_func_type)
        return mori_method_new(rt, v, self);
    return mor_newref(v);
}

static mor_obj *inst_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    mori_class *c = mori_class_of(self);
    uint64_t h = mori_name_hash(name);
    int64_t idx = mori_keytab_find(&c->layout, name, h);
    if (c->flags & MOR_CLASS_SLOTS) {
        if (idx >= 0) {
            mor_obj *v = ((mori_sinst *)self)->fields[idx];
            return v ? mor_newref(v) : inst_no_attr(rt, self, name);
        }
    } else {
        mori_dinst *d = (mori_dinst *)self;
        if (d->dict != NULL) {
            mor_obj *key = mor_str_const(rt, name), *v = NULL;
            int r = key ? mor_dict_lookup(rt, d->dict, key, &v) : -1;
            mor_xdecref(rt, key);
            if (r != 0)
                return r > 0 ? v : NULL;
        } else if (idx >= 0 && d->values != NULL && (unsigned)idx < dv_cap(d->values)) {
            mor_obj *v = dv_slots(d->values)[idx];
            if (v != NULL)
                return mor_newref(v);
        }
        if (name[0] == '_' && strcmp(name, "__dict__") == 0) {
            if (dinst_materialize(rt, d) < 0)
                return NULL;
            return mor_newref(d->dict);
        }
    }
    if (name[0] == '_' && strcmp(name, "__class__") == 0)
        return mor_newref(&c->head);
    return inst_class_attr(rt, self, name, h);
}

static int inst_setattr(mor_rt *rt, mor_obj *self, const char *name, mor_obj *v)
{
    mori_class *c = mori_class_of(self);
    if (name[0] == '_' && (strcmp(name, "__dict__") == 0 || strcmp(name, "__class__") == 0)) {
        mor_raise(rt, MOR_EXC_ATTRIBUTE, "attribute '%s' of '%s' objects is not writable", name,
                  self->type->name);
        return -1;
    }
    uint64_t h = mori_name_hash(name);
    int64_t idx = mori_keytab_find(&c->layout, name, h);
    if (c->flags & MOR_CLASS_SLOTS) {
        mori_sinst *s = (mori_sinst *)self;
        if (idx < 0 || (v == NULL && s->fields[idx] == NULL)) {
            inst_no_attr(rt, self, name);
            return -1;
        }
        mor_obj *old = s->fields[idx];
        s->fields[idx] = v ? mor_newref(v) : NULL;
        mor_xdecref(rt, old);
        return 0;
    }
    mori_dinst *d = (mori_dinst *)self;
    if (d->dict == NULL && v == NULL) {
        uint8_t *vals = d->values;
        if (idx < 0 || vals == NULL || (unsigned)idx >= dv_cap(vals) || dv_slots(vals)[idx] == NULL) {
            inst_no_attr(rt, self, name);
            return -1;
        }
        mor_decref(rt, dv_take(vals, (unsigned)idx));
        return 0;
    }
    if (d->dict == NULL) {
        if (idx < 0 && c->layout.n < MORI_SHARED_KEYS_MAX) {
            idx = mori_keytab_add(rt, &c->layout, name, h, NULL); /* the class learns a key */
            if (idx < 0)
                return -1;
        }
        if (idx >= 0 && d->values != NULL && (unsigned)idx < dv_cap(d->values)) {
            dv_set(rt, d->values, (unsigned)idx, mor_newref(v));
            return 0;
        }
        if (dinst_materialize(rt, d) < 0)
            return -1;
    }
    mor_obj *key = mor_str_const(rt, name);
    if (key == NULL)
        return -1;
    int r;
    if (v != NULL) {
        r = mor_dict_set(rt, d->dict, key, v);
    } else {
        r = mor_dict_del(rt, d->dict, key);
        if (r == 0)
            inst_no_attr(rt, self, name);
        r = r > 0 ? 0 : -1;
    }
    mor_decref(rt, key);
    return r;
}

/* ---- special methods ---------------------------------------------------------------------------------- */

static void inst_finalize(mor_rt *rt, mor_obj *self)
{
    mor_obj *del = mori_class_of(self)->special[MORI_SPECIAL_DEL];
    if (del == NULL)
        return;
    mor_obj *r = mori_call_with_self(rt, del, self, 0, NULL);
    mor_xdecref(rt, r); /* an error stays pending: the caller reports it */
}

static mor_obj *inst_repr(mor_rt *rt, mor_obj *self)
{
    mor_obj *fn = mori_class_of(self)->special[MORI_SPECIAL_REPR];
    if (fn == NULL)
        return mor_str_fmt(rt, "<%s object at %p>", self->type->name, (void *)self);
    mor_obj *r = mori_call_with_self(rt, fn, self, 0, NULL);
    if (r != NULL && !mor_is_str(r)) {
        mor_raise(rt, MOR_EXC_TYPE, "__repr__ returned non-string (type %s)", r->type->name);
        mor_decref(rt, r);
        return NULL;
    }
    return r;
}

static int inst_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    mor_obj *fn = mori_class_of(self)->special[MORI_SPECIAL_EQ];
    if (fn == NULL)
        return MOR_NOTIMPL;
    mor_obj *r = mori_call_with_self(rt, fn, self, 1, &other);
    if (r == NULL)
        return -1;
    int t = r == mor_not_implemented(rt) ? MOR_NOTIMPL : mor_is_true(rt, r);
    mor_decref(rt, r);
    return t;
}

static int inst_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    mori_class *c = mori_class_of(self);
    mor_obj *fn = c->special[MORI_SPECIAL_HASH];
    if (fn == NULL) {
        if (c->special[MORI_SPECIAL_EQ] != NULL) {
            mor_raise(rt, MOR_EXC_TYPE, "unhashable type: '%s'", self->type->name);
            return -1;
        }
        *out = (int64_t)((uintptr_t)self >> 4);
        return 0;
    }
    mor_obj *r = mori_call_with_self(rt, fn, self, 0, NULL);
    if (r == NULL)
        return -1;
    int rc;
    if (!mor_is_int(r) && r->type != &mori_bool_type) {
        mor_raise(rt, MOR_EXC_TYPE, "__hash__ method should return an integer");
        rc = -1;
    } else if (mori_int_is_small(r)) {
        *out = mori_int_small_value(r);
        rc = 0;
    } else {
        rc = mor_hash(rt, r, out); /* a big int: reduce it as Python does */
    }
    mor_decref(rt, r);
    return rc;
}

static mor_obj *inst_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    mor_obj *fn = mori_class_of(self)->special[MORI_SPECIAL_CALL];
    if (fn == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not callable", self->type->name);
        return NULL;
    }
    return mori_call_with_self(rt, fn, self, nargs, args);
}

/* ---- memory slots -------------------------------------------------------------------------------------- */

static int inst_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mori_class *c = mori_class_of(self);
    int r = visit(&c->head, arg);
    if (r != 0)
        return r;
    if (c->flags & MOR_CLASS_SLOTS) {
        mori_sinst *s = (mori_sinst *)self;
        for (uint32_t i = 0; i < c->nfields; i++)
            if (s->fields[i] != NULL && (r = visit(s->fields[i], arg)) != 0)
                return r;
        return 0;
    }
    mori_dinst *d = (mori_dinst *)self;
    if (d->dict != NULL)
        return visit(d->dict, arg);
    if (d->values != NULL) {
        mor_obj **slots = dv_slots(d->values);
        for (unsigned i = 0; i < dv_cap(d->values); i++)
            if (slots[i] != NULL && (r = visit(slots[i], arg)) != 0)
                return r;
    }
    return 0;
}

/* Drop every attribute (the class reference stays: the type must outlive
 * the object). */
static void inst_clear(mor_rt *rt, mor_obj *self)
{
    mori_class *c = mori_class_of(self);
    if (c->flags & MOR_CLASS_SLOTS) {
        mori_sinst *s = (mori_sinst *)self;
        for (uint32_t i = 0; i < c->nfields; i++) {
            mor_obj *v = s->fields[i];
            s->fields[i] = NULL;
            mor_xdecref(rt, v);
        }
        return;
    }
    mori_dinst *d = (mori_dinst *)self;
    mor_obj *dict = d->dict;
    d->dict = NULL;
    mor_xdecref(rt, dict);
    dv_free(rt, d);
}

static void inst_dealloc(mor_rt *rt, mor_obj *self)
{
    mori_class *c = mori_class_of(self);
    inst_clear(rt, self);
    mori_gc_free(rt, self, c->itype.basicsize);
    mor_decref(rt, &c->head); /* last: the class holds the type just used */
}

/* Like sys.getsizeof: the object with its collector links; a dict
 * instance's values array and dict are not counted (mor_deep_sizeof does). */
static size_t inst_size_of(const mor_obj *self)
{
    return MORI_GC_HEAD_SIZE + self->type->basicsize;
}

size_t mori_instance_extra_size(const mor_obj *self)
{
    const mori_class *c = mori_class_of(self);
    if (c->flags & MOR_CLASS_SLOTS)
        return 0;
    const uint8_t *v = ((const mori_dinst *)self)->values;
    return v ? dv_bytes(dv_cap(v)) : 0;
}

void mori_instance_type_init(mori_class *c)
{
    mor_type *t = &c->itype;
    memset(t, 0, sizeof(*t));
    t->name = mori_str_data(c->name);
    bool slots = (c->flags & MOR_CLASS_SLOTS) != 0;
    t->basicsize = slots ? sizeof(mori_sinst) + c->nfields * sizeof(mor_obj *) : sizeof(mori_dinst);
    t->flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF | MOR_TYPE_HEAP;
    if (slots && c->nfields == 0)
        t->flags |= MOR_TYPE_IMMUTABLE; /* never refers to anything but its class */
    t->dealloc = inst_dealloc;
    t->traverse = inst_traverse;
    t->clear = inst_clear;
    t->repr = inst_repr;
    t->hash = inst_hash;
    t->eq = inst_eq;
    t->getattr = inst_getattr;
    t->setattr = inst_setattr;
    t->size_of = inst_size_of;
    mori_instance_type_update(c);
}

void mori_instance_type_update(mori_class *c)
{
    c->itype.finalize = c->special[MORI_SPECIAL_DEL] ? inst_finalize : NULL;
    c->itype.call = c->special[MORI_SPECIAL_CALL] ? inst_call : NULL;
}
