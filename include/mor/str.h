/* mor/str.h: immutable UTF-8 strings, interning, building; bytes. */
#ifndef MOR_STR_H
#define MOR_STR_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A fresh string (never interned; "" and one-ASCII-character strings are
 * shared cached objects). Invalid UTF-8 raises ValueError naming the offset;
 * NULL text (or a NULL format) TypeError. */
MOR_API mor_obj *mor_str(mor_rt *rt, const char *utf8);
MOR_API mor_obj *mor_str_n(mor_rt *rt, const char *utf8, size_t nbytes);
/* A literal: interned when made only of ASCII letters, digits and '_' (as
 * CPython's compiler does for code constants), else a fresh string. */
MOR_API mor_obj *mor_str_const(mor_rt *rt, const char *utf8);
MOR_API mor_obj *mor_str_fmt(mor_rt *rt, const char *fmt, ...) MOR_PRINTF(2, 3);
MOR_API mor_obj *mor_str_vfmt(mor_rt *rt, const char *fmt, va_list ap);
/* The canonical interned string equal to s (TypeError if s is not a str). The
 * intern table does not keep strings alive. */
MOR_API mor_obj *mor_intern(mor_rt *rt, mor_obj *s);
MOR_API bool mor_str_is_interned(const mor_obj *s);
MOR_API bool mor_is_str(const mor_obj *o);
/* NUL-terminated UTF-8, valid while s lives; nbytes may be NULL. NULL if s is
 * not a str. */
MOR_API const char *mor_str_utf8(const mor_obj *s, size_t *nbytes);
/* Length in code points; -1 if s is not a str. */
MOR_API int64_t mor_str_length(const mor_obj *s);
/* concat, append, join, find: TypeError naming the type of a non-str. */
MOR_API mor_obj *mor_str_concat(mor_rt *rt, mor_obj *a, mor_obj *b);
/* *s += b: resized in place when *s is uniquely owned and not interned
 * (amortized linear for repeated appends), otherwise a new string replaces *s
 * (the old reference is released). On error *s is left unchanged. */
MOR_API int mor_str_append(mor_rt *rt, mor_obj **s, mor_obj *b);
/* sep.join(iterable): exactly sized, one allocation for a list or tuple. */
MOR_API mor_obj *mor_str_join(mor_rt *rt, mor_obj *sep, mor_obj *iterable);
/* Character-wise comparison (bytewise UTF-8 order equals code-point order).
 * Both must be strs: there is no error channel (debug builds abort). */
MOR_API int mor_str_cmp(const mor_obj *a, const mor_obj *b);
/* Index of the first occurrence of needle in s in code points, or -1. */
MOR_API int64_t mor_str_find(mor_rt *rt, mor_obj *s, mor_obj *needle);

/* Immutable byte strings. b"" is a shared singleton. p NULL with n > 0:
 * TypeError; n past 2^63: OverflowError. */
MOR_API mor_obj *mor_bytes(mor_rt *rt, const void *p, size_t n);
MOR_API bool mor_is_bytes(const mor_obj *o);
MOR_API const uint8_t *mor_bytes_data(const mor_obj *b, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
