/* mor/scalar.h: None, booleans, integers of any size, floats and arithmetic. */
#ifndef MOR_SCALAR_H
#define MOR_SCALAR_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* None, True and False are immortal singletons of the runtime. */
MOR_API mor_obj *mor_none(mor_rt *rt);
MOR_API mor_obj *mor_bool(mor_rt *rt, bool v);
MOR_API bool mor_is_none(mor_rt *rt, const mor_obj *o);

/* Integers have arbitrary precision. Values in the configured small-int range
 * (default -5..256) are shared immortal objects: mor_int(rt, 100) ==
 * mor_int(rt, 100), while mor_int(rt, 1000) returns a fresh object each time. */
MOR_API mor_obj *mor_int(mor_rt *rt, int64_t v);
MOR_API mor_obj *mor_int_from_u64(mor_rt *rt, uint64_t v);
/* Parse an integer as Python's int(text, base) does: base 2..36 or 0 (take the
 * base from a 0x/0o/0b prefix), optional sign and surrounding whitespace,
 * single underscores between digits. ValueError names the text otherwise (and
 * a bad base); TypeError for NULL. */
MOR_API mor_obj *mor_int_from_str(mor_rt *rt, const char *digits, int base);
/* OverflowError when the value does not fit; TypeError when o is not an int. */
MOR_API int mor_int_to_i64(mor_rt *rt, mor_obj *o, int64_t *out);
MOR_API bool mor_is_int(const mor_obj *o); /* bool is not an int here */
/* Sign of an int: -1, 0 or 1 (0 for non-ints). */
MOR_API int mor_int_sign(const mor_obj *o);

MOR_API mor_obj *mor_float(mor_rt *rt, double v);
/* Accepts floats and ints (OverflowError if the int is too large; TypeError
 * naming the type for anything else). *out is written only on success. */
MOR_API int mor_float_to_double(mor_rt *rt, mor_obj *o, double *out);
MOR_API bool mor_is_float(const mor_obj *o);

/* Arithmetic with Python's semantics: int op int stays exact; mixed int and
 * float gives float; // and % floor; / is true division; ZeroDivisionError.
 * Unsupported operand types: TypeError naming both types. */
MOR_API mor_obj *mor_add(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_sub(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_mul(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_floordiv(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_mod(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_truediv(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_pow(mor_rt *rt, mor_obj *a, mor_obj *b);
MOR_API mor_obj *mor_neg(mor_rt *rt, mor_obj *a);

/* 1 if `a op b` holds, 0 if not, -1 with TypeError for unordered types
 * (ValueError for an op that is no mor_cmp). */
MOR_API int mor_compare(mor_rt *rt, mor_obj *a, mor_obj *b, mor_cmp op);

#ifdef __cplusplus
}
#endif
#endif
