/* runtime/core/protocol.c: the generic protocol: every operation on an object
 * of unknown type dispatches through its type's slots here, and raises
 * TypeError naming the type when the slot is missing. */
#include "rt.h"

#include "../types/types.h"

static const char *tname(const mor_obj *o) { return o->type->name; }
static inline int64_t ival(const mor_obj *o) { return mori_int_small_value(o); }
static inline double fval(const mor_obj *o) { return ((const mori_float *)o)->value; }

mor_obj *mor_repr(mor_rt *rt, mor_obj *o)
{
    if (o->type->repr != NULL)
        return o->type->repr(rt, o);
    return mor_str_fmt(rt, "<%s object at %p>", tname(o), (void *)o);
}

/* Try the eq slots of both operands; MOR_NOTIMPL if neither knows. */
static int proto_eq_slots(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    int r = MOR_NOTIMPL;
    if (a->type->eq != NULL)
        r = a->type->eq(rt, a, b);
    if (r == MOR_NOTIMPL && b->type != a->type && b->type->eq != NULL)
        r = b->type->eq(rt, b, a);
    return r;
}

int mor_eq(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (a == b)
        return 1;
    int r = proto_eq_slots(rt, a, b);
    return r == MOR_NOTIMPL ? 0 : r;
}

static const mor_cmp cmp_reflected[] = {
    [MOR_LT] = MOR_GT, [MOR_LE] = MOR_GE, [MOR_EQ] = MOR_EQ,
    [MOR_NE] = MOR_NE, [MOR_GT] = MOR_LT, [MOR_GE] = MOR_LE,
};
static const char *const cmp_symbol[] = {"<", "<=", "==", "!=", ">", ">="};

int mor_compare(mor_rt *rt, mor_obj *a, mor_obj *b, mor_cmp op)
{
    if ((unsigned)op > MOR_GE) {
        mor_raise(rt, MOR_EXC_VALUE, "invalid comparison operator %d", (int)op);
        return -1;
    }
    int r = MOR_NOTIMPL;
    if (a->type->compare != NULL)
        r = a->type->compare(rt, a, b, op);
    if (r == MOR_NOTIMPL && b->type != a->type && b->type->compare != NULL)
        r = b->type->compare(rt, b, a, cmp_reflected[op]);
    if (r != MOR_NOTIMPL)
        return r;
    if (op == MOR_EQ || op == MOR_NE) {
        /* equality without an ordering: the eq slots, then identity */
        r = proto_eq_slots(rt, a, b);
        if (r == MOR_NOTIMPL)
            r = a == b;
        if (r < 0)
            return -1;
        return op == MOR_EQ ? r : !r;
    }
    mor_raise(rt, MOR_EXC_TYPE, "'%s' not supported between instances of '%s' and '%s'",
              cmp_symbol[op], tname(a), tname(b));
    return -1;
}

int mor_hash(mor_rt *rt, mor_obj *o, int64_t *out)
{
    if (o->type->hash != NULL)
        return o->type->hash(rt, o, out);
    mor_raise(rt, MOR_EXC_TYPE, "unhashable type: '%s'", tname(o));
    return -1;
}

int64_t mor_len(mor_rt *rt, mor_obj *o)
{
    const mor_container_slots *c = o->type->container;
    if (c != NULL && c->len != NULL)
        return c->len(rt, o);
    mor_raise(rt, MOR_EXC_TYPE, "object of type '%s' has no len()", tname(o));
    return -1;
}

int mori_is_true(mor_rt *rt, mor_obj *o)
{
    if (o->type == &mori_int_type || o->type == &mori_bool_type) /* a big int is never 0 */
        return (o->flags & MORI_INT_BIG) || ival(o) != 0;
    const mor_number_slots *n = o->type->number;
    if (n != NULL && n->truth != NULL)
        return n->truth(rt, o);
    const mor_container_slots *c = o->type->container;
    if (c != NULL && c->len != NULL) {
        int64_t len = c->len(rt, o);
        return len < 0 ? -1 : len > 0;
    }
    return 1;
}

MORI_EXPORT_AS(mor_is_true, mori_is_true);

mor_obj *mor_getitem(mor_rt *rt, mor_obj *o, mor_obj *key)
{
    const mor_container_slots *c = o->type->container;
    if (c != NULL && c->getitem != NULL)
        return c->getitem(rt, o, key);
    mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not subscriptable", tname(o));
    return NULL;
}

int mor_setitem(mor_rt *rt, mor_obj *o, mor_obj *key, mor_obj *v)
{
    const mor_container_slots *c = o->type->container;
    if (v != NULL && c != NULL && c->setitem != NULL)
        return c->setitem(rt, o, key, v);
    if (v == NULL)
        mor_raise(rt, MOR_EXC_TYPE, "a NULL value cannot be stored (use mor_delitem)");
    else
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object does not support item assignment", tname(o));
    return -1;
}

int mor_delitem(mor_rt *rt, mor_obj *o, mor_obj *key)
{
    const mor_container_slots *c = o->type->container;
    if (c != NULL && c->setitem != NULL)
        return c->setitem(rt, o, key, NULL);
    mor_raise(rt, MOR_EXC_TYPE, "'%s' object doesn't support item deletion", tname(o));
    return -1;
}

int mor_contains(mor_rt *rt, mor_obj *c, mor_obj *x)
{
    const mor_container_slots *cs = c->type->container;
    if (cs != NULL && cs->contains != NULL)
        return cs->contains(rt, c, x);
    if (c->type->iter == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "argument of type '%s' is not iterable", tname(c));
        return -1;
    }
    /* any iterable: a linear scan */
    mor_obj *it = mor_iter(rt, c);
    if (it == NULL)
        return -1;
    int found = 0;
    mor_obj *item;
    while (found == 0 && (item = mor_next(rt, it)) != NULL) {
        found = mor_eq(rt, item, x);
        mor_decref(rt, item);
    }
    if (found == 0 && mor_err_kind(rt) != MOR_EXC_NONE)
        found = -1;
    mor_decref(rt, it);
    return found;
}

/* Python's slice rules (PySlice_AdjustIndices): clamp start and stop to the
 * length, defaults by the sign of step; returns the number of items. */
static int64_t proto_slice_adjust(int64_t len, int64_t *start, int64_t *stop, int64_t step)
{
    if (*start == MOR_SLICE_NONE) {
        *start = step < 0 ? len - 1 : 0;
    } else if (*start < 0) {
        *start += len;
        if (*start < 0)
            *start = step < 0 ? -1 : 0;
    } else if (*start >= len) {
        *start = step < 0 ? len - 1 : len;
    }
    if (*stop == MOR_SLICE_NONE) {
        *stop = step < 0 ? -1 : len;
    } else if (*stop < 0) {
        *stop += len;
        if (*stop < 0)
            *stop = step < 0 ? -1 : 0;
    } else if (*stop >= len) {
        *stop = step < 0 ? len - 1 : len;
    }
    if (step < 0) {
        if (*stop < *start)
            return (*start - *stop - 1) / (-step) + 1;
    } else if (*start < *stop) {
        return (*stop - *start - 1) / step + 1;
    }
    return 0;
}

mor_obj *mor_slice(mor_rt *rt, mor_obj *o, int64_t start, int64_t stop, int64_t step)
{
    const mor_container_slots *c = o->type->container;
    if (c == NULL || c->slice == NULL || c->len == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not subscriptable", tname(o));
        return NULL;
    }
    if (step == 0) {
        mor_raise(rt, MOR_EXC_VALUE, "slice step cannot be zero");
        return NULL;
    }
    if (step == INT64_MIN) /* -step must not overflow */
        step = -INT64_MAX;
    int64_t len = c->len(rt, o);
    if (len < 0)
        return NULL;
    int64_t count = proto_slice_adjust(len, &start, &stop, step);
    return c->slice(rt, o, start, stop, step, count);
}

mor_obj *mor_getattr(mor_rt *rt, mor_obj *o, const char *name)
{
    if (name == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "attribute name must be a string, not NULL");
        return NULL;
    }
    if (o->type->getattr != NULL)
        return o->type->getattr(rt, o, name);
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'%s' object has no attribute '%s'", tname(o), name);
    return NULL;
}

int mor_setattr(mor_rt *rt, mor_obj *o, const char *name, mor_obj *v)
{
    if (name == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "attribute name must be a string, not NULL");
        return -1;
    }
    if (o->type->setattr != NULL)
        return o->type->setattr(rt, o, name, v);
    if (o->type->getattr != NULL)
        mor_raise(rt, MOR_EXC_ATTRIBUTE, "'%s' object attribute '%s' is read-only", tname(o), name);
    else
        mor_raise(rt, MOR_EXC_ATTRIBUTE, "'%s' object has no attribute '%s'", tname(o), name);
    return -1;
}

int mor_delattr(mor_rt *rt, mor_obj *o, const char *name) { return mor_setattr(rt, o, name, NULL); }

mor_obj *mori_call(mor_rt *rt, mor_obj *callable, size_t nargs, mor_obj *const *args)
{
    if (callable->type->call == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not callable", tname(callable));
        return NULL;
    }
    if (nargs > 0 && args == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_call: %zu arguments but no argument array", nargs);
        return NULL;
    }
    if (mori_enter(rt, " while calling an object") < 0)
        return NULL;
    mor_obj *r = callable->type->call(rt, callable, nargs, args);
    mori_leave(rt);
    return r;
}

MORI_EXPORT_AS(mor_call, mori_call);

mor_obj *mor_iter(mor_rt *rt, mor_obj *iterable)
{
    if (iterable->type->iter != NULL)
        return iterable->type->iter(rt, iterable);
    mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not iterable", tname(iterable));
    return NULL;
}

mor_obj *mori_next(mor_rt *rt, mor_obj *it)
{
    if (it->type->next != NULL)
        return it->type->next(rt, it);
    mor_raise(rt, MOR_EXC_TYPE, "'%s' object is not an iterator", tname(it));
    return NULL;
}

MORI_EXPORT_AS(mor_next, mori_next);

/* ---- arithmetic: the left operand's slot, then the right one's ---------------------- */

typedef mor_obj *(*binary_slot)(mor_rt *, mor_obj *, mor_obj *);

static binary_slot proto_slot(const mor_obj *o, size_t offset)
{
    const mor_number_slots *n = o->type->number;
    return n ? *(const binary_slot *)(const void *)((const char *)n + offset) : NULL;
}

static __attribute__((noinline)) mor_obj *proto_binary(mor_rt *rt, mor_obj *a, mor_obj *b,
                                                       size_t offset, const char *sym)
{
    binary_slot fa = proto_slot(a, offset), fb = proto_slot(b, offset);
    if (fa != NULL) {
        mor_obj *r = fa(rt, a, b);
        if (r != &rt->notimpl)
            return r;
    }
    if (fb != NULL && fb != fa) {
        mor_obj *r = fb(rt, a, b);
        if (r != &rt->notimpl)
            return r;
    }
    mor_raise(rt, MOR_EXC_TYPE, "unsupported operand type(s) for %s: '%s' and '%s'", sym, tname(a),
              tname(b));
    return NULL;
}

#define PROTO_BINARY(fn, slot, sym)                                                            \
    mor_obj *fn(mor_rt *rt, mor_obj *a, mor_obj *b)                                            \
    {                                                                                          \
        return proto_binary(rt, a, b, offsetof(mor_number_slots, slot), sym);                  \
    }

/* Fast paths ahead of the slots: two ints in the small form (not bools) whose
 * result fits int64, computed exactly as the int slots do; two floats for
 * + - *. Anything else, an overflow included, goes through the slots. */
static inline bool proto_small_ints(const mor_obj *a, const mor_obj *b)
{
    return mori_int_is_plain_small(a) && mori_int_is_plain_small(b);
}

static inline bool proto_floats(const mor_obj *a, const mor_obj *b)
{
    return a->type == &mori_float_type && b->type == &mori_float_type;
}

#define PROTO_ARITH(fn, slot, sym, overflow, op)                                               \
    mor_obj *fn(mor_rt *rt, mor_obj *a, mor_obj *b)                                            \
    {                                                                                          \
        int64_t r;                                                                             \
        if (MOR_LIKELY(proto_small_ints(a, b)) && !overflow(ival(a), ival(b), &r))             \
            return mori_int_new(rt, r);                                                        \
        if (proto_floats(a, b))                                                                \
            return mori_float_new(rt, fval(a) op fval(b));                                     \
        return proto_binary(rt, a, b, offsetof(mor_number_slots, slot), sym);                  \
    }

PROTO_ARITH(mori_add, add, "+", __builtin_add_overflow, +)
MORI_EXPORT_AS(mor_add, mori_add);
PROTO_ARITH(mor_sub, sub, "-", __builtin_sub_overflow, -)
PROTO_ARITH(mor_mul, mul, "*", __builtin_mul_overflow, *)

/* x // y and x % y with Python's floor rounding, for y not 0 or -1 (0
 * raises, -1 may overflow: both are left to the int slots). */
mor_obj *mor_floordiv(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (MOR_LIKELY(proto_small_ints(a, b)) && (uint64_t)ival(b) + 1u > 1u) {
        int64_t x = ival(a), y = ival(b), q = x / y;
        if (x % y != 0 && ((x % y) ^ y) < 0)
            q--;
        return mori_int_new(rt, q);
    }
    return proto_binary(rt, a, b, offsetof(mor_number_slots, floordiv), "//");
}

mor_obj *mor_mod(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (MOR_LIKELY(proto_small_ints(a, b)) && (uint64_t)ival(b) + 1u > 1u) {
        int64_t y = ival(b), r = ival(a) % y;
        if (r != 0 && (r ^ y) < 0)
            r += y;
        return mori_int_new(rt, r);
    }
    return proto_binary(rt, a, b, offsetof(mor_number_slots, mod), "%");
}

PROTO_BINARY(mor_truediv, truediv, "/")
PROTO_BINARY(mor_pow, pow, "** or pow()")

mor_obj *mor_neg(mor_rt *rt, mor_obj *a)
{
    const mor_number_slots *n = a->type->number;
    if (n != NULL && n->neg != NULL)
        return n->neg(rt, a);
    mor_raise(rt, MOR_EXC_TYPE, "bad operand type for unary -: '%s'", tname(a));
    return NULL;
}
