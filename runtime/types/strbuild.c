/* runtime/types/strbuild.c: building strings: concatenation, in-place append
 * (amortized linear, as CPython's `s += t` on a uniquely owned string), join
 * with one exactly sized allocation, and printf-style formatting. */
#include "types.h"

/* A printf-like function taking a va_list: declaring it so lets
 * -Wformat-nonliteral accept the vsnprintf calls on its format. */
MOR_API mor_obj *mor_str_vfmt(mor_rt *rt, const char *fmt, va_list ap) MOR_PRINTF(2, 0);

static bool str_is_ascii(const mor_obj *s) { return (s->flags & MORI_STR_ASCII) != 0; }

mor_obj *mor_str_concat(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (!mori_is_str(a) || !mori_is_str(b)) {
        mor_raise(rt, MOR_EXC_TYPE, "can only concatenate str (not \"%s\") to str",
                  mor_type_name(mori_is_str(a) ? b : a));
        return NULL;
    }
    uint64_t na = mori_str_nbytes(a), nb = mori_str_nbytes(b);
    if (na == 0)
        return mor_newref(b);
    if (nb == 0)
        return mor_newref(a);
    mor_obj *s = mori_str_alloc(rt, na + nb, mori_str_len(a) + mori_str_len(b));
    if (s == NULL)
        return NULL;
    char *d = mori_str_data(s);
    memcpy(d, mori_str_data(a), (size_t)na);
    memcpy(d + na, mori_str_data(b), (size_t)nb);
    return s;
}

/* In place when nobody else can see *sp change: refcount 1, not interned (the
 * table would then index stale text), not static, not b itself (its text
 * would move under us), and the ASCII flag unchanged (a string turning
 * non-ASCII needs the length field inserted before its text: that rare case
 * takes the copy). mori_mem_grow keeps geometric slack, so a loop of appends
 * copies O(total) bytes. */
int mor_str_append(mor_rt *rt, mor_obj **sp, mor_obj *b)
{
    mor_obj *s = *sp;
    if (!mori_is_str(s) || !mori_is_str(b)) {
        mor_raise(rt, MOR_EXC_TYPE, "can only concatenate str (not \"%s\") to str",
                  mor_type_name(mori_is_str(s) ? b : s));
        return -1;
    }
    uint64_t nb = mori_str_nbytes(b);
    if (nb == 0)
        return 0;
    uint64_t na = mori_str_nbytes(s);
    bool ascii = str_is_ascii(s) && str_is_ascii(b);
    if (mori_uniquely_owned(s) && !(s->flags & (MORI_OF_INTERNED | MORI_OF_STATIC)) && s != b &&
        ascii == str_is_ascii(s)) {
        if (na + nb > MORI_STR_MAX_BYTES) {
            mor_raise(rt, MOR_EXC_OVERFLOW, "string is too large");
            return -1;
        }
        uint64_t len = mori_str_len(s) + mori_str_len(b);
        size_t old = mori_str_size(s);
        mor_obj *ns = mori_mem_grow(rt, s, old, old + (size_t)nb, MORI_MEM_ATOMIC_OBJECT);
        if (ns == NULL)
            return -1;
        char *d = mori_str_data(ns);
        memcpy(d + na, mori_str_data(b), (size_t)nb);
        d[na + nb] = '\0';
        ((mori_str *)ns)->nbytes = na + nb;
        mori_str_set_len(ns, len);
        ns->flags &= ~MORI_STR_HASHED;
        *sp = ns;
        return 0;
    }
    mor_obj *r = mor_str_concat(rt, s, b);
    if (r == NULL)
        return -1;
    mor_decref(rt, s);
    *sp = r;
    return 0;
}

/* sep.join over a tuple or list: size everything first, allocate once, copy.
 * The allocation can run an emergency collection, and so finalizers that may
 * change a list: the items are fetched again and checked while copying. */
static mor_obj *str_join_seq(mor_rt *rt, mor_obj *sep, mor_obj *seq)
{
    size_t n;
    mor_obj *const *items = mor_seq_items(seq, &n);
    if (n == 0)
        return mor_newref(rt->empty_str);
    if (n == 1 && mori_is_str(items[0]))
        return mor_newref(items[0]);
    uint64_t sepn = mori_str_nbytes(sep);
    if (sepn != 0 && n - 1 > MORI_STR_MAX_BYTES / sepn)
        goto too_long;
    uint64_t total = sepn * (n - 1);
    uint64_t len = mori_str_len(sep) * (n - 1);
    for (size_t i = 0; i < n; i++) {
        mor_obj *it = items[i];
        if (!mori_is_str(it)) {
            mor_raise(rt, MOR_EXC_TYPE, "sequence item %zu: expected str instance, %s found", i,
                      mor_type_name(it));
            return NULL;
        }
        total += mori_str_nbytes(it);
        len += mori_str_len(it);
        if (total > MORI_STR_MAX_BYTES)
            goto too_long;
    }
    if (total == 0)
        return mor_newref(rt->empty_str);
    if (total == 1) { /* one ASCII byte: from the separator or the one non-empty item */
        const mor_obj *one = sep;
        for (size_t i = 0; sepn == 0 && i < n; i++)
            if (mori_str_nbytes(items[i]) != 0)
                one = items[i];
        return mor_newref(rt->chars[(unsigned char)mori_str_data(one)[0]]);
    }

    mor_obj *r = mori_str_alloc(rt, total, len);
    if (r == NULL)
        return NULL;
    size_t n2;
    items = mor_seq_items(seq, &n2);
    char *d = mori_str_data(r);
    uint64_t off = 0, len2 = mori_str_len(sep) * (n - 1);
    if (n2 != n)
        goto changed;
    for (size_t i = 0; i < n; i++) {
        mor_obj *it = items[i];
        if (i > 0) {
            if (sepn > total - off)
                goto changed;
            memcpy(d + off, mori_str_data(sep), (size_t)sepn);
            off += sepn;
        }
        if (!mori_is_str(it) || mori_str_nbytes(it) > total - off)
            goto changed;
        memcpy(d + off, mori_str_data(it), (size_t)mori_str_nbytes(it));
        off += mori_str_nbytes(it);
        len2 += mori_str_len(it);
    }
    if (off != total || len2 != len)
        goto changed;
    return r;

changed:
    mor_decref(rt, r);
    mor_raise(rt, MOR_EXC_RUNTIME, "sequence changed during join()");
    return NULL;
too_long:
    mor_raise(rt, MOR_EXC_OVERFLOW, "join() result is too long");
    return NULL;
}

mor_obj *mor_str_join(mor_rt *rt, mor_obj *sep, mor_obj *iterable)
{
    if (!mori_is_str(sep)) {
        mor_raise(rt, MOR_EXC_TYPE, "join() separator must be str, not %s", mor_type_name(sep));
        return NULL;
    }
    size_t n;
    if (mor_seq_items(iterable, &n) != NULL)
        return str_join_seq(rt, sep, iterable);
    /* any other iterable: collect it first, then join the list exactly sized */
    mor_obj *list = mor_list_from(rt, iterable);
    if (list == NULL)
        return NULL;
    mor_obj *r = str_join_seq(rt, sep, list);
    mor_decref(rt, list);
    return r;
}

/* The formatted text must be valid UTF-8, as for mor_str: ValueError naming
 * the offset otherwise (formatting arbitrary bytes is a bug to report, not to
 * paper over; error messages use mori_str_from_lossy instead). */
mor_obj *mor_str_vfmt(mor_rt *rt, const char *fmt, va_list ap)
{
    if (fmt == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_str_fmt: NULL format");
        return NULL;
    }
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        mor_raise(rt, MOR_EXC_VALUE, "mor_str_fmt: invalid format \"%s\"", fmt);
        return NULL;
    }
    if ((size_t)n < sizeof(small))
        return mor_str_n(rt, small, (size_t)n);
    char *buf = mori_mem_alloc(rt, (size_t)n + 1, MORI_MEM_ATOMIC);
    if (buf == NULL)
        return NULL;
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    mor_obj *r = mor_str_n(rt, buf, (size_t)n);
    mori_mem_free(rt, buf, (size_t)n + 1, MORI_MEM_ATOMIC);
    return r;
}

mor_obj *mor_str_fmt(mor_rt *rt, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mor_obj *r = mor_str_vfmt(rt, fmt, ap);
    va_end(ap);
    return r;
}
