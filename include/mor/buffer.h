/* mor/buffer.h: the buffer protocol (zero-copy access to the memory of an
 * object), typed arrays (Python's array module), bytearray and memoryview. */
#ifndef MOR_BUFFER_H
#define MOR_BUFFER_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the buffer protocol -------------------------------------------------------
 * A view of the memory of an exporter object: `shape` items of `itemsize`
 * bytes, `stride` bytes apart, the first at `buf`. Views are one-dimensional.
 *
 * While a view is held (between mor_buffer_get and mor_buffer_release) the
 * view owns a reference to the exporter and counts as one export of it: the
 * memory stays where it is, so an exporter refuses any resize with BufferError
 * "Existing exports of data: object cannot be re-sized". */
typedef struct mor_buffer {
    mor_obj *obj;     /* the exporter (an owned reference); NULL when not held */
    void *buf;        /* the first item */
    int64_t len;      /* bytes the items cover: shape * itemsize */
    int64_t itemsize; /* bytes per item */
    /* the struct-module format of one item: "B" bytes, "b" "h" "i" "l" "q"
     * signed, "H" "I" "L" "Q" unsigned, "f" "d" floats (native sizes 1, 2, 4,
     * 8, 8 and 4, 8). Static or owned by the exporter: valid while held. */
    const char *format;
    bool readonly;  /* writing through buf is forbidden */
    int ndim;       /* always 1 */
    int64_t shape;  /* number of items */
    int64_t stride; /* bytes from one item to the next (== itemsize when contiguous;
                       may be larger, or negative, for a strided memoryview) */
    void *internal; /* the exporter's own, for its release function */
} mor_buffer;

/* What a type points to from its `buffer` slot to export buffers.
 *
 * get: fill the view (obj excepted: the protocol sets it) and count one more
 *   export; when `writable` is true and the memory is read-only, raise
 *   BufferError instead. The view arrives zeroed: a simple exporter fills buf,
 *   len and readonly only, and the protocol completes the rest (itemsize 0
 *   means 1, format NULL means "B", ndim 0 means 1, shape 0 means
 *   len / itemsize, stride 0 means itemsize). 0, or -1 with an exception.
 * release: (may be NULL) undo one get: drop the export count. Called with the
 *   view as get filled it; it must not raise.
 * exports: (may be NULL) the number of views currently held, for
 *   mor_buffer_exports. */
typedef struct mor_buffer_slots {
    int (*get)(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable);
    void (*release)(mor_rt *rt, mor_obj *self, mor_buffer *view);
    int64_t (*exports)(const mor_obj *self);
} mor_buffer_slots;

/* Fill a view of o's memory (writable: ask for write access). The view owns a
 * reference to o until mor_buffer_release. -1 with TypeError "a bytes-like
 * object is required, not 'int'" when o exports no buffer, BufferError when a
 * writable view of read-only memory (bytes) is asked for (TypeError for a NULL
 * view); view->obj is NULL after any failure. */
MOR_API int mor_buffer_get(mor_rt *rt, mor_obj *o, mor_buffer *view, bool writable);
/* Give the view back (it drops the export and the reference). Harmless on a
 * view already released or never filled (obj NULL). */
MOR_API void mor_buffer_release(mor_rt *rt, mor_buffer *view);
/* Does o's type export buffers? */
MOR_API bool mor_buffer_check(const mor_obj *o);
/* The number of views of o currently held (0 for objects that do not count). */
MOR_API int64_t mor_buffer_exports(const mor_obj *o);

/* ---- arrays: compact sequences of C numbers ------------------------------------
 * Typecodes and their item sizes: b B (1), h H (2), i I (4), l L q Q (8) signed
 * and unsigned integers, f (4) and d (8) floats. Items are read back as ints
 * and floats; storing a value the typecode cannot hold raises OverflowError
 * ("signed char is greater than maximum (127)"), a float into an integer array
 * or a non-number TypeError. A bad typecode raises ValueError "bad typecode
 * (must be b, B, h, H, i, I, l, L, q, Q, f or d)". Arrays hold no object
 * references (they are never tracked by the collector), export writable
 * buffers, and support mor_len, mor_getitem, mor_setitem, mor_delitem (int
 * keys, negative ones from the end), mor_slice (a new array), mor_iter,
 * mor_contains, mor_eq and mor_compare (item by item, by value), mor_repr
 * ("array('i', [1, 2, 3])") and mor_sizeof (CPython's sizes: exact when built
 * from a sized iterable, over-allocated like CPython's array when appended to).
 * The functions below raise TypeError "mor_array_pop: expected an array, got
 * 'list'" for another object, and BufferError for a resize while a view of
 * the array is held. */

/* A new empty array. */
MOR_API mor_obj *mor_array(mor_rt *rt, char typecode);
/* A new array of the items of `iterable` (NULL: empty); storage sized
 * exactly when the iterable knows its length. */
MOR_API mor_obj *mor_array_from(mor_rt *rt, char typecode, mor_obj *iterable);
MOR_API int mor_array_append(mor_rt *rt, mor_obj *a, mor_obj *v);
/* Append every item of `iterable`; an array must have the same typecode
 * (TypeError "can only extend with array of same kind"), it may be `a`
 * itself. On an error the items appended so far stay. */
MOR_API int mor_array_extend(mor_rt *rt, mor_obj *a, mor_obj *iterable);
/* Append the machine values in n bytes (ValueError "bytes length not a
 * multiple of item size" otherwise; TypeError for p NULL with n > 0). */
MOR_API int mor_array_frombytes(mor_rt *rt, mor_obj *a, const void *p, size_t n);
/* Remove and return the item at index (negative: from the end); IndexError
 * on an empty array or an index out of range. */
MOR_API mor_obj *mor_array_pop(mor_rt *rt, mor_obj *a, int64_t index);
MOR_API bool mor_is_array(const mor_obj *o);
/* The typecode of an array, '\0' for any other object. */
MOR_API char mor_array_typecode(const mor_obj *a);
/* Bytes per item of a typecode, 0 for a bad one. */
MOR_API size_t mor_array_itemsize(char typecode);

/* ---- bytearray: a mutable, resizable byte string -------------------------------
 * Supports mor_len, mor_getitem / mor_setitem / mor_delitem with int keys
 * (items are ints 0..255), mor_slice (a new bytearray), mor_iter,
 * mor_contains (an int or a bytes-like substring), mor_eq and mor_compare
 * with bytes and bytearrays, mor_repr ("bytearray(b'ab')") and writable
 * buffers. Resizing grows with CPython's over-allocation. The functions below
 * raise TypeError for an object that is no bytearray, BufferError for a
 * resize while a view is held, MemoryError past 2^63 bytes. */

/* A new bytearray of the n bytes at p (p NULL: n zero bytes). */
MOR_API mor_obj *mor_bytearray(mor_rt *rt, const void *p, size_t n);
/* A new bytearray from a bytes-like object (its buffer, copied) or an
 * iterable of ints in range(0, 256) (TypeError for anything else, or an item
 * that is no int; ValueError for an int out of range). */
MOR_API mor_obj *mor_bytearray_from(mor_rt *rt, mor_obj *src);
/* Append one byte: ValueError "byte must be in range(0, 256)". */
MOR_API int mor_bytearray_append(mor_rt *rt, mor_obj *ba, int byte);
/* Append a bytes-like object or the ints of an iterable (errors as
 * mor_bytearray_from); on an error nothing is appended, as in CPython. */
MOR_API int mor_bytearray_extend(mor_rt *rt, mor_obj *ba, mor_obj *src);
/* Set the length to n: new bytes are zero. */
MOR_API int mor_bytearray_resize(mor_rt *rt, mor_obj *ba, size_t n);
/* The bytes (borrowed; valid until the next resize) and their number; NULL
 * (and *n = 0) for an object that is not a bytearray. */
MOR_API uint8_t *mor_bytearray_data(mor_obj *ba, size_t *n);
MOR_API bool mor_is_bytearray(const mor_obj *o);

/* ---- memoryview: a zero-copy view of an exporter's memory ----------------------
 * A memoryview holds one export of its exporter until released or dead.
 * mor_getitem / mor_setitem with int keys read and write items as the format
 * says (ints, floats); mor_slice gives a memoryview of the same memory (writes
 * through it show in the exporter); mor_len counts items; mor_iter yields the
 * items; mor_eq compares items by value with any exporter; mor_repr is
 * "<memory at 0x...>". After release every operation but repr raises
 * ValueError "operation forbidden on released memoryview object". A
 * memoryview is itself an exporter; it can be weakly referenced. */

/* A view of exporter's memory (writable if the exporter allows it). */
MOR_API mor_obj *mor_memoryview(mor_rt *rt, mor_obj *exporter);
/* A memoryview of the same memory with another item format ("B", "i", "d",
 * optionally prefixed with '@'). As in CPython: the view must be contiguous
 * (TypeError), one of the two formats must be a byte format "B", "b"
 * (TypeError "memoryview: cannot cast between two non-byte formats"), and the
 * length must divide (TypeError "memoryview: length is not a multiple of
 * itemsize"); an unknown (or NULL) format is a ValueError. The memoryview
 * functions raise TypeError for an object that is no memoryview. */
MOR_API mor_obj *mor_memoryview_cast(mor_rt *rt, mor_obj *mv, const char *format);
/* The items as a new list of ints / floats. */
MOR_API mor_obj *mor_memoryview_tolist(mor_rt *rt, mor_obj *mv);
/* The bytes of the items, in order, as a new bytes object. */
MOR_API mor_obj *mor_memoryview_tobytes(mor_rt *rt, mor_obj *mv);
/* Give the export back now (the exporter can resize again); releasing twice is
 * harmless. BufferError "memoryview has 1 exported buffer" while views of
 * this memoryview are held. */
MOR_API int mor_memoryview_release(mor_rt *rt, mor_obj *mv);
MOR_API bool mor_is_memoryview(const mor_obj *o);
/* Has the memoryview been released? (false for other objects) */
MOR_API bool mor_memoryview_released(const mor_obj *mv);

#ifdef __cplusplus
}
#endif
#endif /* MOR_BUFFER_H */
