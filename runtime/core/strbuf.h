/* runtime/core/strbuf.h: a growable UTF-8 byte buffer for building reprs and
 * messages, allocated through the funnel. Any failure is sticky: later adds do
 * nothing and mori_sb_finish returns NULL with the MemoryError pending. */
#ifndef MORI_STRBUF_H
#define MORI_STRBUF_H

#include "rt.h"

typedef struct mori_sb {
    mor_rt *rt;
    char *buf;
    size_t len, cap;
    bool failed;
    char small[120]; /* most reprs fit here without touching the heap */
} mori_sb;

/* ---- "strbuf.c" ---------------------------------------------------------------- */
MOR_INTERNAL void mori_sb_init(mori_sb *sb, mor_rt *rt);
MOR_INTERNAL int mori_sb_add(mori_sb *sb, const char *p, size_t n);
MOR_INTERNAL int mori_sb_adds(mori_sb *sb, const char *s);
MOR_INTERNAL int mori_sb_addc(mori_sb *sb, char c);
MOR_INTERNAL int mori_sb_addf(mori_sb *sb, const char *fmt, ...) MOR_PRINTF(2, 3);
MOR_INTERNAL int mori_sb_addv(mori_sb *sb, const char *fmt, va_list ap) MOR_PRINTF(2, 0);
/* Append mor_repr(o) (propagating its exception). */
MOR_INTERNAL int mori_sb_add_repr(mori_sb *sb, mor_obj *o);
/* Append the text of a str. */
MOR_INTERNAL int mori_sb_add_str(mori_sb *sb, const mor_obj *s);
/* The text as a str (valid UTF-8 assumed); releases the buffer. */
MOR_INTERNAL mor_obj *mori_sb_finish(mori_sb *sb);
/* Release the buffer without making a str. */
MOR_INTERNAL void mori_sb_discard(mori_sb *sb);
/* NUL-terminated view of the text so far (valid until the next add). */
MOR_INTERNAL const char *mori_sb_cstr(mori_sb *sb);

#endif
