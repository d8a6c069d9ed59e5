/* runtime/types/class.h: the layouts of classes and their instances, shared by
 * class.c (classes, attribute tables), instance.c (the instances' slots) and
 * method.c (bound methods). */
#ifndef MORI_CLASS_H
#define MORI_CLASS_H

#include "types.h"

/* A small table of names, in insertion order, with optional values: a class's
 * attributes, and its instance layout (the slot fields, or the shared keys of
 * dict instances). Looked up by C string: a 64-bit FNV-1a hash, then strcmp. */
typedef struct mori_keyent {
    uint64_t hash;
    mor_obj *name;  /* an interned str (owned) */
    mor_obj *value; /* owned, or NULL (layout tables) */
} mori_keyent;

typedef struct mori_keytab {
    mori_keyent *e;
    uint32_t n, cap;
} mori_keytab;

/* Specials looked up at every operation on an instance, cached from the
 * class's attributes (borrowed from its table). */
enum {
    MORI_SPECIAL_DEL,
    MORI_SPECIAL_REPR,
    MORI_SPECIAL_EQ,
    MORI_SPECIAL_HASH,
    MORI_SPECIAL_CALL,
    MORI_SPECIAL_INIT,
    MORI_NSPECIAL
};

/* A class. `itype` is the instances' type: an instance finds its class from
 * its type pointer, so it needs no field for it, and holds a reference to the
 * class for as long as it lives (the type must outlive it). */
typedef struct mori_class {
    mor_obj head;
    mor_type itype;
    mor_obj *name; /* str; itype.name points into it */
    unsigned flags; /* MOR_CLASS_SLOTS or MOR_CLASS_DICT */
    uint32_t nfields;
    mori_keytab layout; /* slots: the fields; dict: the shared keys (fields first) */
    mori_keytab attrs;  /* class attributes */
    mor_obj *special[MORI_NSPECIAL];
} mori_class;

/* Dict instances can share at most this many keys; past it (or past their
 * values array) an instance gets a real dict. */
#define MORI_SHARED_KEYS_MAX 32

/* A dict-based instance. `values` is NULL or a block of
 *   [uint8 cap][uint8 count][uint8 order[cap]] padded to 8 bytes,
 *   then cap slots (mor_obj *, NULL: absent),
 * slot i holding the value of the class's shared key i, order[] the slots in
 * the order they were set (the order a materialised __dict__ shows). Once
 * `dict` is non-NULL it holds every attribute and values is NULL. */
typedef struct mori_dinst {
    mor_obj head;
    mor_obj *dict;
    uint8_t *values;
} mori_dinst;

/* A slot instance: nfields references, NULL while unset. */
typedef struct mori_sinst {
    mor_obj head;
    mor_obj *fields[];
} mori_sinst;

extern const mor_type mori_class_type MOR_INTERNAL;
extern const mor_type mori_method_type MOR_INTERNAL;

static inline mori_class *mori_class_of(const mor_obj *inst)
{
    return (mori_class *)(void *)((char *)(uintptr_t)inst->type - offsetof(mori_class, itype));
}

static inline bool mori_is_instance_type(const mor_type *t) { return (t->flags & MOR_TYPE_HEAP) != 0; }

/* ---- "class.c" ---------------------------------------------------------------------------- */
MOR_INTERNAL uint64_t mori_name_hash(const char *name);
/* Index of name in the table, or -1. */
MOR_INTERNAL int64_t mori_keytab_find(const mori_keytab *t, const char *name, uint64_t hash);
/* Append name (value may be NULL): its index, or -1 with MemoryError. */
MOR_INTERNAL int64_t mori_keytab_add(mor_rt *rt, mori_keytab *t, const char *name, uint64_t hash,
                                     mor_obj *value);
/* Fill an instance type for cls (instance.c). */
MOR_INTERNAL void mori_instance_type_init(mori_class *cls);
/* Make an instance of cls from call arguments (instance.c). */
MOR_INTERNAL mor_obj *mori_instance_new(mor_rt *rt, mori_class *cls, size_t nargs,
                                        mor_obj *const *args);
/* Re-derive the instance type's slots from the class's specials. */
MOR_INTERNAL void mori_instance_type_update(mori_class *cls);
/* Bytes an instance owns that mor_sizeof leaves out (a values array). */
MOR_INTERNAL size_t mori_instance_extra_size(const mor_obj *inst);

/* ---- "method.c" ---------------------------------------------------------------------------- */
MOR_INTERNAL mor_obj *mori_method_new(mor_rt *rt, mor_obj *func, mor_obj *self);
/* Call fn with self prepended to args. */
MOR_INTERNAL mor_obj *mori_call_with_self(mor_rt *rt, mor_obj *fn, mor_obj *self, size_t nargs,
                                          mor_obj *const *args);

#endif
