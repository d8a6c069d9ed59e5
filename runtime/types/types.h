/* runtime/types/types.h: the built-in types' objects, the layouts other
 * runtime files need, and the cross-file functions of the type files, grouped
 * by the file that defines them. Layouts no other file needs stay private to
 * their type's file. */
#ifndef MORI_TYPES_H
#define MORI_TYPES_H

#include "../core/rt.h"

/* ---- "singletons.c": None, NotImplemented, the True/False objects ----------- */
extern const mor_type mori_none_type MOR_INTERNAL;
extern const mor_type mori_notimpl_type MOR_INTERNAL;
MOR_INTERNAL int mori_singletons_init(mor_rt *rt);
MOR_INTERNAL void mori_singletons_fini(mor_rt *rt);

/* ---- "int.c", "bigint.c": integers ----------------------------------------- */
/* An int is either small (fits int64: `value`) or big (MORI_INT_BIG set:
 * `size` limbs in sign-magnitude, |size| >= 1, value outside int64). Results
 * that fit int64 always come back in the small form. bool objects share the
 * small layout (value 0 or 1) under mori_bool_type. */
typedef struct mori_int {
    mor_obj head;
    int64_t value;
} mori_int;
typedef struct mori_bigint {
    mor_obj head;
    int64_t size;      /* number of limbs, negative for negative values */
    uint64_t limbs[];  /* least significant first (GMP mp_limb_t) */
} mori_bigint;
#define MORI_INT_BIG MORI_OF_TYPE_BIT(0)

extern const mor_type mori_int_type MOR_INTERNAL;
extern const mor_type mori_bool_type MOR_INTERNAL;

/* small int or bool: the int64 value is in ((mori_int *)o)->value */
static inline bool mori_int_is_small(const mor_obj *o)
{
    return (o->type == &mori_int_type && !(o->flags & MORI_INT_BIG)) || o->type == &mori_bool_type;
}
static inline int64_t mori_int_small_value(const mor_obj *o) { return ((const mori_int *)o)->value; }

/* mor_int and mor_float under their hidden names (no PLT hop). */
MOR_INTERNAL mor_obj *mori_int_new(mor_rt *rt, int64_t v);
MOR_INTERNAL mor_obj *mori_float_new(mor_rt *rt, double v);
/* an int in the small form, not a bool: what the arithmetic fast paths take */
static inline bool mori_int_is_plain_small(const mor_obj *o)
{
    return o->type == &mori_int_type && !(o->flags & MORI_INT_BIG);
}

MOR_INTERNAL int mori_int_init(mor_rt *rt); /* the small-int cache */
MOR_INTERNAL void mori_int_fini(mor_rt *rt);
/* An integer index from an int or bool; TypeError "<what> must be integers
 * or slices, not str" otherwise; IndexError "cannot fit 'int' into an
 * index-sized integer" for big ints. */
MOR_INTERNAL int mori_int_as_index(mor_rt *rt, mor_obj *o, int64_t *out, const char *what);
/* Python's numeric hash (mod 2^61 - 1) of a double, so that equal ints and
 * floats hash equal; inf 314159, -inf -314159, NaN 0 (float objects hash a
 * NaN by identity instead). */
MOR_INTERNAL int64_t mori_hash_double(double v);
/* int -> double, correctly rounded; OverflowError when too large. */
MOR_INTERNAL int mori_int_to_double(mor_rt *rt, mor_obj *o, double *out);
/* Exact comparison of an int (small, big or bool) with a double:
 * returns -1, 0, 1, or 2 when v is NaN (unordered). */
MOR_INTERNAL int mori_int_cmp_double(const mor_obj *i, double v);

/* ---- "float.c" --------------------------------------------------------------- */
typedef struct mori_float {
    mor_obj head;
    double value;
} mori_float;
extern const mor_type mori_float_type MOR_INTERNAL;
/* The shortest repr that reads back to v ("0.1", "1e+16", "inf", "nan").
 * buf must hold at least 32 bytes. Returns the length. */
MOR_INTERNAL size_t mori_float_repr_buf(double v, char *buf);
/* x ** y with Python's rules: ZeroDivisionError for 0.0 to a negative power,
 * ValueError for a negative number to a fractional power (Python would give a
 * complex), OverflowError when finite operands overflow. Used by int ** int
 * with a negative exponent. */
MOR_INTERNAL mor_obj *mori_float_pow(mor_rt *rt, double x, double y);

/* ---- "str.c", "intern.c", "siphash.c": strings -------------------------------- */
/* Immutable UTF-8. Layout: this header, then (only when not ASCII) a uint64_t
 * code-point length, then nbytes of text and a NUL. The hash is cached once
 * computed (MORI_STR_HASHED); ASCII strings need no length field. */
typedef struct mori_str {
    mor_obj head;
    int64_t hash;
    uint64_t nbytes;
} mori_str;
#define MORI_STR_ASCII MORI_OF_TYPE_BIT(0)
#define MORI_STR_HASHED MORI_OF_TYPE_BIT(1)

extern const mor_type mori_str_type MOR_INTERNAL;

static inline bool mori_is_str(const mor_obj *o) { return o->type == &mori_str_type; }
/* The text of a str (writable only while the caller builds a fresh string;
 * the uintptr_t round trip keeps -Wcast-qual quiet about the const). */
static inline char *mori_str_data(const mor_obj *s)
{
    return (char *)(uintptr_t)s + sizeof(mori_str) +
           ((s->flags & MORI_STR_ASCII) ? 0 : sizeof(uint64_t));
}
static inline uint64_t mori_str_nbytes(const mor_obj *s) { return ((const mori_str *)s)->nbytes; }
static inline uint64_t mori_str_len(const mor_obj *s)
{
    return (s->flags & MORI_STR_ASCII) ? ((const mori_str *)s)->nbytes
                                       : *(const uint64_t *)((const char *)s + sizeof(mori_str));
}

MOR_INTERNAL int mori_str_init(mor_rt *rt); /* "", one-char cache, intern table, hash key */
MOR_INTERNAL void mori_str_fini(mor_rt *rt);
/* The cached hash, computed (SipHash-1-3 keyed per runtime) on first use. */
MOR_INTERNAL int64_t mori_str_hash(mor_rt *rt, mor_obj *s);
/* Equal text (identity and cached hashes used as shortcuts). */
MOR_INTERNAL bool mori_str_equal(const mor_obj *a, const mor_obj *b);
/* A string from text already known to be valid UTF-8 (not validated). */
MOR_INTERNAL mor_obj *mori_str_from_valid(mor_rt *rt, const char *p, size_t n);
/* A string of n ASCII bytes. */
MOR_INTERNAL mor_obj *mori_str_from_ascii(mor_rt *rt, const char *p, size_t n);
/* Intern table: remove a dying interned string. */
MOR_INTERNAL void mori_intern_remove(mor_rt *rt, mor_obj *s);
MOR_INTERNAL uint64_t mori_siphash13(uint64_t k0, uint64_t k1, const void *p, size_t n);
/* Append the Python repr of the text (quotes and escapes) to sb. */
struct mori_sb;
MOR_INTERNAL int mori_str_repr_into(struct mori_sb *sb, const mor_obj *s);
/* A string from arbitrary bytes: each ill-formed UTF-8 sequence (its maximal
 * subpart, as Python's errors="replace") becomes U+FFFD. For messages built
 * from C strings of unknown origin. */
MOR_INTERNAL mor_obj *mori_str_from_lossy(mor_rt *rt, const char *p, size_t n);

/* Largest text a str may hold; beyond it OverflowError. */
#define MORI_STR_MAX_BYTES ((uint64_t)(SIZE_MAX < INT64_MAX ? SIZE_MAX : INT64_MAX) - 64u)
/* Bytes of a string's block (header, length field if any, text, NUL): what
 * mor_sizeof reports and what its dealloc frees. */
static inline size_t mori_str_size(const mor_obj *s)
{
    return sizeof(mori_str) + ((s->flags & MORI_STR_ASCII) ? 0 : sizeof(uint64_t)) +
           (size_t)mori_str_nbytes(s) + 1;
}
static inline void mori_str_set_len(mor_obj *s, uint64_t len)
{
    if (!(s->flags & MORI_STR_ASCII))
        memcpy((char *)s + sizeof(mori_str), &len, sizeof(len));
}
/* A new mortal string of nbytes bytes of text holding len code points (len ==
 * nbytes means ASCII), text uninitialised, NUL written. The caller fills the
 * text; results of 0 or 1 byte should be the cached singletons instead.
 * NULL + MemoryError, or OverflowError past MORI_STR_MAX_BYTES. */
MOR_INTERNAL mor_obj *mori_str_alloc(mor_rt *rt, uint64_t nbytes, uint64_t len);
/* Intern table ("intern.c"): the interned string with this text (borrowed), or
 * NULL; hash is the text's mori_siphash13 under the runtime's key. */
MOR_INTERNAL mor_obj *mori_intern_find(mor_rt *rt, const char *p, size_t n, int64_t hash);
/* Enter s (a str with no equal string interned yet; its hash is computed) in
 * the table and flag it MORI_OF_INTERNED. -1 + MemoryError. */
MOR_INTERNAL int mori_intern_add(mor_rt *rt, mor_obj *s);
/* Free the table; strings still in it lose their INTERNED flag. */
MOR_INTERNAL void mori_intern_fini(mor_rt *rt);

/* ---- "bytes.c" --------------------------------------------------------------- */
typedef struct mori_bytes {
    mor_varobj v; /* v.size bytes follow, then a NUL */
    char data[];
} mori_bytes;
extern const mor_type mori_bytes_type MOR_INTERNAL;
MOR_INTERNAL int mori_bytes_init(mor_rt *rt);
MOR_INTERNAL void mori_bytes_fini(mor_rt *rt);

/* ---- "tuple.c" --------------------------------------------------------------- */
typedef struct mori_tuple {
    mor_varobj v;
    mor_obj *items[];
} mori_tuple;
extern const mor_type mori_tuple_type MOR_INTERNAL;
/* A tuple of n NULL items (filled by the caller, then mori_gc_track if n>0).
 * n == 0 returns the shared empty tuple. */
MOR_INTERNAL mor_obj *mori_tuple_new(mor_rt *rt, size_t n);
MOR_INTERNAL int mori_tuple_init(mor_rt *rt);
MOR_INTERNAL void mori_tuple_fini(mor_rt *rt);
/* Shared by tuple and list: compare item arrays lexicographically (MOR_EQ and
 * MOR_NE look for equality only). 1/0/-1. */
MOR_INTERNAL int mori_seq_compare(mor_rt *rt, mor_obj *const *a, int64_t na, mor_obj *const *b,
                                  int64_t nb, mor_cmp op);
/* Shared by tuple, list, str and bytes repetition: if (a, b) is (seq of type
 * t, small int) or (small int, seq), set *seq and *count (negative -> 0) and
 * return 1; else 0. */
MOR_INTERNAL int mori_seq_repeat_count(mor_rt *rt, mor_obj *a, mor_obj *b, const mor_type *t,
                                       mor_obj **seq, int64_t *count);

/* ---- "list.c", "listsort.c" -------------------------------------------------- */
typedef struct mori_list {
    mor_obj head;
    int64_t size;
    mor_obj **items;
    int64_t allocated;
} mori_list;
extern const mor_type mori_list_type MOR_INTERNAL;
/* A list with room for n items and size 0. */
MOR_INTERNAL mor_obj *mori_list_new(mor_rt *rt, size_t n);
MOR_INTERNAL int mori_list_resize(mor_rt *rt, mor_obj *l, int64_t newsize);
MOR_INTERNAL int mori_listsort(mor_rt *rt, mor_obj **items, int64_t n);

/* ---- "dict.c" ---------------------------------------------------------------- */
extern const mor_type mori_dict_type MOR_INTERNAL;
/* Iterate: *pos starts at 0; 1 with borrowed key/value, 0 at the end. */
MOR_INTERNAL int mori_dict_next(mor_obj *d, int64_t *pos, mor_obj **key, mor_obj **value);
MOR_INTERNAL int64_t mori_dict_size(const mor_obj *d);
/* Lookup with a precomputed hash: 1 found (*out borrowed), 0 missing, -1 error. */
MOR_INTERNAL int mori_dict_get_hashed(mor_rt *rt, mor_obj *d, mor_obj *k, int64_t hash, mor_obj **out);
MOR_INTERNAL int mori_dict_set_hashed(mor_rt *rt, mor_obj *d, mor_obj *k, int64_t hash, mor_obj *v);

/* ---- "set.c" ----------------------------------------------------------------- */
extern const mor_type mori_set_type MOR_INTERNAL;
MOR_INTERNAL int mori_set_next(mor_obj *s, int64_t *pos, mor_obj **key);
MOR_INTERNAL int64_t mori_set_size(const mor_obj *s);

/* ---- "exc.c": exception objects -------------------------------------------------- */
extern const mor_type mori_exc_type MOR_INTERNAL;
/* A new exception of kind with message (a str, borrowed) and value (borrowed,
 * may be NULL). NULL if memory is short (no exception raised). */
MOR_INTERNAL mor_obj *mori_exc_make(mor_rt *rt, mor_exc kind, mor_obj *msg, mor_obj *value);
MOR_INTERNAL int mori_exc_init(mor_rt *rt); /* the preallocated MemoryError */
MOR_INTERNAL void mori_exc_fini(mor_rt *rt);

/* ---- "func.c": native functions ------------------------------------------------------ */
extern const mor_type mori_func_type MOR_INTERNAL;
MOR_INTERNAL mor_obj *mori_func_name(mor_obj *f); /* borrowed str */

/* ---- "seqiter.c": iterators over the built-in sequences --------------------------- */
MOR_INTERNAL mor_obj *mori_seqiter_new(mor_rt *rt, mor_obj *seq);

/* ---- "buffer.c", "array.c", "bytearray.c", "memoryview.c": the buffer area ----- */
/* The item formats arrays and memoryviews know: the native single-character
 * struct formats b B h H i I l L q Q f d (sizes 1 1 2 2 4 4 8 8 8 8 4 8). */
typedef enum mori_fmt_kind { MORI_FMT_SIGNED, MORI_FMT_UNSIGNED, MORI_FMT_FLOAT } mori_fmt_kind;
typedef struct mori_fmt {
    char code;          /* the typecode / format character */
    uint8_t size;       /* bytes per item */
    uint8_t kind;       /* mori_fmt_kind */
    const char *format; /* the format as a static string ("i"), for mor_buffer.format */
    const char *cname;  /* the C type in overflow messages ("signed char") */
    int64_t min;        /* integer kinds: the range of values */
    uint64_t max;
} mori_fmt;

/* One item's value, unpacked: i for SIGNED, u for UNSIGNED, d for FLOAT. */
typedef struct mori_item {
    uint8_t kind; /* mori_fmt_kind */
    union {
        int64_t i;
        uint64_t u;
        double d;
    } v;
} mori_item;

/* Why a value does not fit a format (mori_item_from_obj); nothing is raised. */
#define MORI_ITEM_OK 0
#define MORI_ITEM_BADTYPE 1  /* not an int (integer formats) / not a number (floats) */
#define MORI_ITEM_TOOBIG 2   /* above the format's maximum */
#define MORI_ITEM_TOOSMALL 3 /* below its minimum */

/* The format of a typecode, NULL if unknown. */
MOR_INTERNAL const mori_fmt *mori_fmt_find(char code);
/* The format of a struct format string: one known character, optionally after
 * '@'; NULL format means "B". NULL if not one of ours. */
MOR_INTERNAL const mori_fmt *mori_fmt_parse(const char *format);
/* Load the item at p (any alignment). */
MOR_INTERNAL void mori_item_load(const mori_fmt *f, const void *p, mori_item *out);
/* Store v (already checked against f by mori_item_from_obj) at p. */
MOR_INTERNAL void mori_item_store(const mori_fmt *f, void *p, const mori_item *v);
/* Convert an object to an item of format f: MORI_ITEM_OK or why not. */
MOR_INTERNAL int mori_item_from_obj(mor_rt *rt, const mori_fmt *f, mor_obj *o, mori_item *out);
/* Raise the array-style error for a failed conversion (TypeError
 * "'float' object cannot be interpreted as an integer", OverflowError
 * "signed char is greater than maximum (127)", ...). */
MOR_INTERNAL void mori_item_raise(mor_rt *rt, const mori_fmt *f, mor_obj *o, int why);
/* The item as a new int or float. */
MOR_INTERNAL mor_obj *mori_item_to_obj(mor_rt *rt, const mori_item *v);
/* Compare two items by value: -1, 0, 1, or 2 when unordered (a NaN). */
MOR_INTERNAL int mori_item_cmp(const mori_item *a, const mori_item *b);
/* Does the object equal the item (ints and floats by value; anything else 0)? */
MOR_INTERNAL bool mori_item_equals_obj(const mori_item *v, mor_obj *o);
/* Copy the items of a held view, in order, to dst (view->len bytes). */
MOR_INTERNAL void mori_buffer_copy_out(const mor_buffer *view, void *dst);

/* The message of every resize refused while buffers are exported. */
#define MORI_BUFFER_RESIZE_MSG "Existing exports of data: object cannot be re-sized"

extern const mor_type mori_array_type MOR_INTERNAL;
extern const mor_type mori_bytearray_type MOR_INTERNAL;
extern const mor_type mori_memoryview_type MOR_INTERNAL;

#endif
