/* runtime/core/strbuf.c: the growable byte buffer behind reprs and messages. */
#include "strbuf.h"

#include "../types/types.h"

void mori_sb_init(mori_sb *sb, mor_rt *rt)
{
    sb->rt = rt;
    sb->buf = sb->small;
    sb->len = 0;
    sb->cap = sizeof(sb->small);
    sb->failed = false;
}

/* Make room for `extra` more bytes plus a NUL. */
static int sb_reserve(mori_sb *sb, size_t extra)
{
    if (sb->failed)
        return -1;
    if (sb->len + extra + 1 <= sb->cap)
        return 0;
    size_t need = sb->len + extra + 1;
    size_t cap = sb->cap * 2;
    if (cap < need)
        cap = need;
    char *nb;
    if (sb->buf == sb->small) {
        nb = mori_mem_alloc(sb->rt, cap, MORI_MEM_ATOMIC);
        if (nb != NULL)
            memcpy(nb, sb->small, sb->len);
    } else {
        nb = mori_mem_realloc(sb->rt, sb->buf, sb->cap, cap, MORI_MEM_ATOMIC);
    }
    if (nb == NULL) {
        sb->failed = true;
        return -1;
    }
    sb->buf = nb;
    sb->cap = cap;
    return 0;
}

int mori_sb_add(mori_sb *sb, const char *p, size_t n)
{
    if (sb_reserve(sb, n) < 0)
        return -1;
    memcpy(sb->buf + sb->len, p, n);
    sb->len += n;
    return 0;
}

int mori_sb_adds(mori_sb *sb, const char *s) { return mori_sb_add(sb, s, strlen(s)); }

int mori_sb_addc(mori_sb *sb, char c) { return mori_sb_add(sb, &c, 1); }

int mori_sb_addv(mori_sb *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || sb_reserve(sb, (size_t)n) < 0) {
        sb->failed = true;
        return -1;
    }
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    return 0;
}

int mori_sb_addf(mori_sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = mori_sb_addv(sb, fmt, ap);
    va_end(ap);
    return r;
}

int mori_sb_add_str(mori_sb *sb, const mor_obj *s)
{
    return mori_sb_add(sb, mori_str_data(s), (size_t)mori_str_nbytes(s));
}

int mori_sb_add_repr(mori_sb *sb, mor_obj *o)
{
    if (sb->failed)
        return -1;
    if (mori_is_str(o))
        return mori_str_repr_into(sb, o);
    mor_obj *r = mor_repr(sb->rt, o);
    if (r == NULL) {
        sb->failed = true;
        return -1;
    }
    int rc = mori_sb_add_str(sb, r);
    mor_decref(sb->rt, r);
    return rc;
}

const char *mori_sb_cstr(mori_sb *sb)
{
    if (sb->failed)
        return "";
    sb->buf[sb->len] = '\0';
    return sb->buf;
}

void mori_sb_discard(mori_sb *sb)
{
    if (sb->buf != sb->small)
        mori_mem_free(sb->rt, sb->buf, sb->cap, MORI_MEM_ATOMIC);
    sb->buf = sb->small;
    sb->cap = sizeof(sb->small);
    sb->len = 0;
}

mor_obj *mori_sb_finish(mori_sb *sb)
{
    mor_obj *s = NULL;
    if (!sb->failed)
        s = mori_str_from_valid(sb->rt, sb->buf, sb->len);
    mori_sb_discard(sb);
    return s;
}
