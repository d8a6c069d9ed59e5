/* runtime/types/str.c: the str type: immutable UTF-8 text with a cached
 * SipHash, validation, the empty and one-character singletons, indexing and
 * slicing by code point, comparison, repr, and the str iterator. Building
 * (concat, append, join, fmt) is in strbuild.c, the intern table in intern.c. */
#include "types.h"

#include "../core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

static const mor_type str_iter_type;

/* ---- UTF-8 ----------------------------------------------------------------------------------- */

/* Bytes of the sequence a lead byte starts, in text already known valid. */
static inline size_t utf8_lead_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Length of the well-formed sequence at p (avail >= 1 bytes left), or 0 when
 * it is ill-formed; then *bad is the length of its maximal subpart (>= 1): the
 * bytes one U+FFFD stands for (Unicode's recommended practice, as Python's
 * errors="replace"). Overlongs, surrogates (U+D800..DFFF) and code points
 * past U+10FFFF are excluded through the allowed range of the second byte. */
static size_t utf8_seq(const unsigned char *p, size_t avail, size_t *bad)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong below U+0800 */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong below U+10000 */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        *bad = 1; /* continuation byte, C0/C1 overlong lead, F5..FF */
        return 0;
    }
    size_t i = 1;
    if (avail > 1 && p[1] >= lo && p[1] <= hi) {
        i = 2;
        while (i < need && i < avail && (p[i] & 0xC0) == 0x80)
            i++;
        if (i == need)
            return need;
    }
    *bad = i;
    return 0;
}

/* Length of the leading run of ASCII bytes, a word at a time. */
static size_t utf8_ascii_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof(w));
        if (w & UINT64_C(0x8080808080808080))
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* Validate n bytes: 0 with *len code points, or -1 with *where the offset of
 * the first ill-formed sequence. */
static int utf8_scan(const char *p, size_t n, uint64_t *len, size_t *where)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = utf8_ascii_prefix(s, n);
    uint64_t cps = i;
    while (i < n) {
        if (s[i] < 0x80) { /* back to ASCII: take the run a word at a time */
            size_t run = utf8_ascii_prefix(s + i, n - i);
            i += run;
            cps += run;
            continue;
        }
        size_t bad, k = utf8_seq(s + i, n - i, &bad);
        if (k == 0) {
            *where = i;
            return -1;
        }
        i += k;
        cps++;
    }
    *len = cps;
    return 0;
}

/* Code points in n bytes of valid UTF-8: the bytes that are not continuations. */
static uint64_t utf8_count(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = utf8_ascii_prefix(s, n);
    uint64_t cps = i;
    for (; i < n; i++)
        cps += (s[i] & 0xC0) != 0x80;
    return cps;
}

/* ---- construction ---------------------------------------------------------------------------- */

mor_obj *mori_str_alloc(mor_rt *rt, uint64_t nbytes, uint64_t len)
{
    if (nbytes > MORI_STR_MAX_BYTES) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "string is too large (%llu bytes)",
                  (unsigned long long)nbytes);
        return NULL;
    }
    bool ascii = len == nbytes;
    size_t size = sizeof(mori_str) + (ascii ? 0 : sizeof(uint64_t)) + (size_t)nbytes + 1;
    mor_obj *s = mori_obj_alloc_atomic(rt, &mori_str_type, size);
    if (s == NULL)
        return NULL;
    mori_str *so = (mori_str *)s;
    so->hash = 0;
    so->nbytes = nbytes;
    if (ascii)
        s->flags |= MORI_STR_ASCII;
    else
        mori_str_set_len(s, len);
    mori_str_data(s)[nbytes] = '\0';
    return s;
}

/* A string of n bytes of valid UTF-8 holding len code points; the cached
 * singletons for "" and one ASCII character. */
static mor_obj *str_new_known(mor_rt *rt, const char *p, size_t n, uint64_t len)
{
    if (n == 0)
        return mor_newref(rt->empty_str);
    if (n == 1)
        return mor_newref(rt->chars[(unsigned char)p[0]]);
    mor_obj *s = mori_str_alloc(rt, n, len);
    if (s != NULL)
        memcpy(mori_str_data(s), p, n);
    return s;
}

/* The callers' promise about the text is checked at debug level 3 only. */
mor_obj *mori_str_from_ascii(mor_rt *rt, const char *p, size_t n)
{
    MOR_ASSERT_EXPENSIVE(utf8_ascii_prefix((const unsigned char *)p, n) == n);
    return str_new_known(rt, p, n, n);
}

mor_obj *mori_str_from_valid(mor_rt *rt, const char *p, size_t n)
{
    uint64_t len;
    size_t where;
    MOR_ASSERT_EXPENSIVE(utf8_scan(p, n, &len, &where) == 0);
    return str_new_known(rt, p, n, utf8_count(p, n));
}

mor_obj *mori_str_from_lossy(mor_rt *rt, const char *p, size_t n)
{
    if (p == NULL)
        n = 0;
    uint64_t len;
    size_t where;
    if (utf8_scan(p, n, &len, &where) == 0)
        return str_new_known(rt, p, n, len);
    if (n > MORI_STR_MAX_BYTES / 3) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "string is too large (%zu bytes)", n);
        return NULL;
    }
    /* two passes: size the result, then write it; each bad subpart -> EF BF BD */
    const unsigned char *s = (const unsigned char *)p;
    size_t out = 0;
    uint64_t cps = 0;
    for (size_t i = 0; i < n; cps++) {
        size_t bad, k = utf8_seq(s + i, n - i, &bad);
        out += k ? k : 3;
        i += k ? k : bad;
    }
    mor_obj *r = mori_str_alloc(rt, out, cps);
    if (r == NULL)
        return NULL;
    char *d = mori_str_data(r);
    for (size_t i = 0; i < n;) {
        size_t bad, k = utf8_seq(s + i, n - i, &bad);
        if (k != 0) {
            memcpy(d, s + i, k);
            d += k;
            i += k;
        } else {
            memcpy(d, "\xEF\xBF\xBD", 3);
            d += 3;
            i += bad;
        }
    }
    return r;
}

mor_obj *mor_str_n(mor_rt *rt, const char *utf8, size_t nbytes)
{
    if (utf8 == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_str: NULL text");
        return NULL;
    }
    uint64_t len;
    size_t where;
    if (utf8_scan(utf8, nbytes, &len, &where) < 0) {
        mor_raise(rt, MOR_EXC_VALUE, "invalid UTF-8 at byte offset %zu (byte 0x%02x)", where,
                  (unsigned)(unsigned char)utf8[where]);
        return NULL;
    }
    return str_new_known(rt, utf8, nbytes, len);
}

mor_obj *mor_str(mor_rt *rt, const char *utf8)
{
    if (utf8 == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_str: NULL text");
        return NULL;
    }
    return mor_str_n(rt, utf8, strlen(utf8));
}

/* Made only of ASCII letters, digits and '_', and not empty: what CPython's
 * compiler interns among code constants. */
static bool str_is_identifier_like(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Identifier-like literals are looked up in the intern table by their text
 * first, so asking again for a known constant allocates nothing. */
mor_obj *mor_str_const(mor_rt *rt, const char *utf8)
{
    if (utf8 == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_str_const: NULL text");
        return NULL;
    }
    size_t n = strlen(utf8);
    if (!str_is_identifier_like(utf8, n))
        return mor_str_n(rt, utf8, n);
    int64_t h = (int64_t)mori_siphash13(rt->sip_k0, rt->sip_k1, utf8, n);
    mor_obj *found = mori_intern_find(rt, utf8, n, h);
    if (found != NULL)
        return mor_newref(found);
    mor_obj *s = mori_str_from_ascii(rt, utf8, n);
    if (s == NULL)
        return NULL;
    ((mori_str *)s)->hash = h; /* already computed: save mori_intern_add the work */
    s->flags |= MORI_STR_HASHED;
    if (!(s->flags & MORI_OF_INTERNED) && mori_intern_add(rt, s) < 0) {
        mor_decref(rt, s);
        return NULL;
    }
    return s;
}

/* ---- queries --------------------------------------------------------------------------------- */

bool mor_is_str(const mor_obj *o) { return o != NULL && mori_is_str(o); }

bool mor_str_is_interned(const mor_obj *s)
{
    return s != NULL && mori_is_str(s) && (s->flags & MORI_OF_INTERNED) != 0;
}

const char *mor_str_utf8(const mor_obj *s, size_t *nbytes)
{
    if (s == NULL || !mori_is_str(s)) {
        if (nbytes != NULL)
            *nbytes = 0;
        return NULL;
    }
    if (nbytes != NULL)
        *nbytes = (size_t)mori_str_nbytes(s);
    return mori_str_data(s);
}

int64_t mor_str_length(const mor_obj *s)
{
    if (s == NULL || !mori_is_str(s))
        return -1;
    return (int64_t)mori_str_len(s);
}

int64_t mori_str_hash(mor_rt *rt, mor_obj *s)
{
    mori_str *so = (mori_str *)s;
    if (!(s->flags & MORI_STR_HASHED)) {
        so->hash = (int64_t)mori_siphash13(rt->sip_k0, rt->sip_k1, mori_str_data(s), so->nbytes);
        s->flags |= MORI_STR_HASHED;
    }
    return so->hash;
}

bool mori_str_equal(const mor_obj *a, const mor_obj *b)
{
    if (a == b)
        return true;
    const mori_str *sa = (const mori_str *)a, *sb = (const mori_str *)b;
    if (sa->nbytes != sb->nbytes || ((a->flags ^ b->flags) & MORI_STR_ASCII))
        return false;
    if ((a->flags & b->flags & MORI_STR_HASHED) && sa->hash != sb->hash)
        return false;
    return memcmp(mori_str_data(a), mori_str_data(b), sa->nbytes) == 0;
}

/* Bytewise comparison of UTF-8 orders strings by code point. */
int mor_str_cmp(const mor_obj *a, const mor_obj *b)
{
    MOR_ASSERT(mor_is_str(a) && mor_is_str(b));
    uint64_t na = mori_str_nbytes(a), nb = mori_str_nbytes(b);
    int c = memcmp(mori_str_data(a), mori_str_data(b), (size_t)(na < nb ? na : nb));
    if (c != 0)
        return c < 0 ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

/* Byte offset of code point i (0 <= i <= length), walking from the nearer end
 * of the text: O(1) for ASCII, O(distance) otherwise. */
static size_t str_cp_offset(const mor_obj *s, uint64_t i)
{
    if (s->flags & MORI_STR_ASCII)
        return (size_t)i;
    const unsigned char *d = (const unsigned char *)mori_str_data(s);
    uint64_t len = mori_str_len(s);
    size_t off;
    if (i <= len / 2) {
        for (off = 0; i > 0; i--)
            off += utf8_lead_len(d[off]);
    } else {
        off = (size_t)mori_str_nbytes(s);
        for (uint64_t k = len - i; k > 0; k--) {
            do
                off--;
            while ((d[off] & 0xC0) == 0x80);
        }
    }
    return off;
}

/* The offset `step` code points away from off (either direction); the caller
 * guarantees the target exists. */
static size_t str_cp_step(const unsigned char *d, size_t off, int64_t step)
{
    if (step > 0) {
        for (; step > 0; step--)
            off += utf8_lead_len(d[off]);
    } else {
        for (; step < 0; step++) {
            do
                off--;
            while ((d[off] & 0xC0) == 0x80);
        }
    }
    return off;
}

/* The one-character string at byte offset off. */
static mor_obj *str_char_at(mor_rt *rt, const mor_obj *s, size_t off)
{
    const char *d = mori_str_data(s) + off;
    size_t k = utf8_lead_len((unsigned char)d[0]);
    return str_new_known(rt, d, k, 1);
}

/* Byte offset of needle in s, or -1. */
static int64_t str_find_bytes(const mor_obj *s, const mor_obj *needle)
{
    size_t nn = (size_t)mori_str_nbytes(needle);
    if (nn == 0)
        return 0;
    const char *d = mori_str_data(s);
    const char *hit = memmem(d, (size_t)mori_str_nbytes(s), mori_str_data(needle), nn);
    return hit == NULL ? -1 : hit - d;
}

int64_t mor_str_find(mor_rt *rt, mor_obj *s, mor_obj *needle)
{
    if (!mori_is_str(s) || !mori_is_str(needle)) {
        mor_raise(rt, MOR_EXC_TYPE, "find() needs two str objects, not '%s' and '%s'",
                  mor_type_name(s), mor_type_name(needle));
        return -1;
    }
    int64_t off = str_find_bytes(s, needle);
    if (off <= 0 || (s->flags & MORI_STR_ASCII))
        return off;
    return (int64_t)utf8_count(mori_str_data(s), (size_t)off);
}

/* ---- repr ------------------------------------------------------------------------------------ */

/* Python's quoting: single quotes unless the text has ' and no ". Escaped:
 * the backslash, the quote, \n \r \t, other C0 controls and DEL as \xNN, and
 * the C1 controls U+0080..U+009F as \xNN. Simplification: every code point
 * from U+00A0 up is printed as is, where Python also escapes the few
 * non-printable ones (U+00A0, U+00AD, U+2028, unassigned code points...). */
int mori_str_repr_into(struct mori_sb *sb, const mor_obj *s)
{
    const char *d = mori_str_data(s);
    size_t n = (size_t)mori_str_nbytes(s);
    char q = (memchr(d, '\'', n) != NULL && memchr(d, '"', n) == NULL) ? '"' : '\'';
    mori_sb_addc(sb, q);
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)d[i];
        char esc[8];
        size_t skip = 1;
        if (c >= 0x20 && c < 0x7f) {
            if (c != (unsigned char)q && c != '\\') {
                i++;
                continue;
            }
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c == '\n') {
            memcpy(esc, "\\n", 3);
        } else if (c == '\r') {
            memcpy(esc, "\\r", 3);
        } else if (c == '\t') {
            memcpy(esc, "\\t", 3);
        } else if (c < 0x80) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        } else if (c == 0xC2 && (unsigned char)d[i + 1] < 0xA0) {
            snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)d[i + 1]);
            skip = 2;
        } else {
            i += utf8_lead_len(c);
            continue;
        }
        mori_sb_add(sb, d + run, i - run);
        mori_sb_adds(sb, esc);
        i += skip;
        run = i;
    }
    mori_sb_add(sb, d + run, n - run);
    return mori_sb_addc(sb, q);
}

/* ---- hash key -------------------------------------------------------------------------------- */

static uint64_t str_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Fill buf from the kernel's generator: getrandom(2) without blocking, then
 * /dev/urandom. false if neither answers. */
static bool str_os_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    size_t got = 0;
#if defined(__linux__)
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, GRND_NONBLOCK);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    if (got == n)
        return true;
#endif
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    return got == n;
}

/* The SipHash key: derived from cfg.hash_seed (reproducible hashes, for tests
 * and benchmarks), else random per runtime so that hash flooding needs the
 * key; with no kernel randomness, the clock and addresses (weak but distinct). */
static void str_seed_key(mor_rt *rt)
{
    uint64_t key[2];
    if (rt->cfg.hash_seed != 0) {
        uint64_t st = rt->cfg.hash_seed;
        key[0] = str_splitmix64(&st);
        key[1] = str_splitmix64(&st);
    } else if (!str_os_random(key, sizeof(key))) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t st = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
        st ^= (uint64_t)(uintptr_t)rt ^ ((uint64_t)(uintptr_t)&key << 17) ^ (uint64_t)getpid();
        key[0] = str_splitmix64(&st);
        key[1] = str_splitmix64(&st);
    }
    rt->sip_k0 = key[0];
    rt->sip_k1 = key[1];
}

/* ---- runtime init / fini --------------------------------------------------------------------- */

/* A string owned by the runtime: immortal, STATIC, and not counted among the
 * live objects (mori_obj_free skips the count when STATIC is still set). */
static mor_obj *str_make_static(mor_rt *rt, const char *p, size_t n)
{
    mor_obj *s = mori_str_alloc(rt, n, n);
    if (s == NULL)
        return NULL;
    memcpy(mori_str_data(s), p, n);
    mori_rt_make_static(rt, s);
    return s;
}

int mori_str_init(mor_rt *rt)
{
    str_seed_key(rt);
    memset(&rt->interned, 0, sizeof(rt->interned));
    rt->empty_str = str_make_static(rt, "", 0);
    if (rt->empty_str == NULL)
        goto fail;
    for (unsigned c = 0; c < 128; c++) {
        char ch = (char)c;
        rt->chars[c] = str_make_static(rt, &ch, 1);
        if (rt->chars[c] == NULL)
            goto fail;
    }
    return 0;
fail:
    mori_str_fini(rt);
    return -1;
}

/* Safe after a partial (or no) mori_str_init. Every other object must be gone:
 * the singletons are freed here. */
void mori_str_fini(mor_rt *rt)
{
    mori_intern_fini(rt);
    for (unsigned c = 0; c < 128; c++) {
        if (rt->chars[c] != NULL) {
            mori_obj_free(rt, rt->chars[c], mori_str_size(rt->chars[c]));
            rt->chars[c] = NULL;
        }
    }
    if (rt->empty_str != NULL) {
        mori_obj_free(rt, rt->empty_str, mori_str_size(rt->empty_str));
        rt->empty_str = NULL;
    }
}

/* ---- slots ----------------------------------------------------------------------------------- */

static void str_dealloc(mor_rt *rt, mor_obj *self)
{
    if (self->flags & MORI_OF_INTERNED)
        mori_intern_remove(rt, self);
    mori_obj_free(rt, self, mori_str_size(self));
}

static mor_obj *str_repr(mor_rt *rt, mor_obj *self)
{
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_str_repr_into(&sb, self);
    return mori_sb_finish(&sb);
}

static int str_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    *out = mori_str_hash(rt, self);
    return 0;
}

static int str_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt;
    if (!mori_is_str(other))
        return MOR_NOTIMPL;
    return mori_str_equal(self, other);
}

static int str_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt;
    if (!mori_is_str(other))
        return MOR_NOTIMPL;
    if (op == MOR_EQ || op == MOR_NE)
        return mori_str_equal(self, other) == (op == MOR_EQ);
    int c = mor_str_cmp(self, other);
    switch (op) {
    case MOR_LT: return c < 0;
    case MOR_LE: return c <= 0;
    case MOR_GT: return c > 0;
    case MOR_GE: return c >= 0;
    default: return MOR_NOTIMPL;
    }
}

static size_t str_size_of(const mor_obj *self) { return mori_str_size(self); }

static mor_obj *str_add(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (!mori_is_str(a) || !mori_is_str(b))
        return mor_not_implemented(rt);
    return mor_str_concat(rt, a, b);
}

/* s * count: doubling copies, so O(result) bytes moved in O(log count) calls. */
static mor_obj *str_repeat(mor_rt *rt, mor_obj *s, int64_t count)
{
    uint64_t n = mori_str_nbytes(s);
    if (count <= 0 || n == 0)
        return mor_newref(rt->empty_str);
    if (count == 1)
        return mor_newref(s);
    if ((uint64_t)count > MORI_STR_MAX_BYTES / n) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "repeated string is too long");
        return NULL;
    }
    uint64_t total = n * (uint64_t)count;
    mor_obj *r = mori_str_alloc(rt, total, mori_str_len(s) * (uint64_t)count);
    if (r == NULL)
        return NULL;
    char *d = mori_str_data(r);
    memcpy(d, mori_str_data(s), (size_t)n);
    for (uint64_t done = n; done < total;) {
        uint64_t k = done < total - done ? done : total - done;
        memcpy(d + done, d, (size_t)k);
        done += k;
    }
    return r;
}

static mor_obj *str_mul(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    mor_obj *s = mori_is_str(a) ? a : b;
    mor_obj *k = s == a ? b : a;
    if (!mori_is_str(s) || mori_is_str(k))
        return mor_not_implemented(rt);
    if (mori_int_is_small(k))
        return str_repeat(rt, s, mori_int_small_value(k));
    if (k->type == &mori_int_type) { /* a big int: beyond any possible size */
        mor_raise(rt, MOR_EXC_OVERFLOW, "cannot fit 'int' into an index-sized integer");
        return NULL;
    }
    return mor_not_implemented(rt);
}

static int str_truth(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mori_str_nbytes(self) != 0;
}

static int64_t str_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return (int64_t)mori_str_len(self);
}

static mor_obj *str_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "string indices") < 0)
        return NULL;
    int64_t len = (int64_t)mori_str_len(self);
    if (i < 0)
        i += len;
    if (i < 0 || i >= len) {
        mor_raise(rt, MOR_EXC_INDEX, "string index out of range");
        return NULL;
    }
    return str_char_at(rt, self, str_cp_offset(self, (uint64_t)i));
}

static int str_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    if (!mori_is_str(x)) {
        mor_raise(rt, MOR_EXC_TYPE, "'in <string>' requires string as left operand, not %s",
                  mor_type_name(x));
        return -1;
    }
    return str_find_bytes(self, x) >= 0;
}

/* start/step/count come resolved from the protocol: the code points taken are
 * start, start+step, ... (count of them), all inside the string. */
static mor_obj *str_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                          int64_t count)
{
    (void)stop;
    if (count <= 0)
        return mor_newref(rt->empty_str);
    const char *d = mori_str_data(self);
    uint64_t len = mori_str_len(self);
    if (step == 1) {
        if (start == 0 && (uint64_t)count == len)
            return mor_newref(self); /* immutable: the whole string is itself */
        size_t b0 = str_cp_offset(self, (uint64_t)start);
        size_t b1 = (self->flags & MORI_STR_ASCII)
                        ? b0 + (size_t)count
                        : str_cp_step((const unsigned char *)d, b0, count);
        return str_new_known(rt, d + b0, b1 - b0, (uint64_t)count);
    }
    if (self->flags & MORI_STR_ASCII) {
        if (count == 1)
            return mor_newref(rt->chars[(unsigned char)d[start]]);
        mor_obj *r = mori_str_alloc(rt, (uint64_t)count, (uint64_t)count);
        if (r == NULL)
            return NULL;
        char *out = mori_str_data(r);
        for (int64_t k = 0, i = start; k < count; k++, i += step)
            out[k] = d[i];
        return r;
    }
    /* non-ASCII: size the result by walking it once, then copy on a second walk */
    const unsigned char *u = (const unsigned char *)d;
    size_t first = str_cp_offset(self, (uint64_t)start);
    size_t total = 0;
    for (int64_t k = 0, off = (int64_t)first; k < count; k++) {
        total += utf8_lead_len(u[off]);
        if (k + 1 < count)
            off = (int64_t)str_cp_step(u, (size_t)off, step);
    }
    if (count == 1)
        return str_new_known(rt, d + first, total, 1);
    mor_obj *r = mori_str_alloc(rt, total, (uint64_t)count);
    if (r == NULL)
        return NULL;
    char *out = mori_str_data(r);
    size_t off = first;
    for (int64_t k = 0; k < count; k++) {
        size_t cl = utf8_lead_len(u[off]);
        memcpy(out, d + off, cl);
        out += cl;
        if (k + 1 < count)
            off = str_cp_step(u, off, step);
    }
    return r;
}

/* ---- the str iterator ------------------------------------------------------------------------ */

/* Holds its string until exhausted, then lets it go (as CPython does). Not a
 * GC type: a str cannot reach back to its iterator. */
typedef struct str_iter {
    mor_obj head;
    mor_obj *str; /* owned; NULL once exhausted */
    size_t off;   /* byte offset of the next character */
} str_iter;

static mor_obj *str_iter_new(mor_rt *rt, mor_obj *self)
{
    str_iter *it = (str_iter *)mori_obj_alloc(rt, &str_iter_type, sizeof(str_iter));
    if (it == NULL)
        return NULL;
    it->str = mor_newref(self);
    it->off = 0;
    return &it->head;
}

static void str_iter_dealloc(mor_rt *rt, mor_obj *self)
{
    str_iter *it = (str_iter *)self;
    mor_xdecref(rt, it->str);
    mori_obj_free(rt, self, sizeof(str_iter));
}

static mor_obj *str_iter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static mor_obj *str_iter_next(mor_rt *rt, mor_obj *self)
{
    str_iter *it = (str_iter *)self;
    if (it->str == NULL)
        return NULL;
    if (it->off >= mori_str_nbytes(it->str)) {
        mor_obj *s = it->str;
        it->str = NULL;
        mor_decref(rt, s);
        return NULL;
    }
    mor_obj *c = str_char_at(rt, it->str, it->off);
    if (c != NULL)
        it->off += utf8_lead_len((unsigned char)mori_str_data(it->str)[it->off]);
    return c;
}

static const mor_type str_iter_type = {
    .name = "str_iterator",
    .basicsize = sizeof(str_iter),
    .dealloc = str_iter_dealloc,
    .iter = str_iter_iter,
    .next = str_iter_next,
};

/* ---- the type -------------------------------------------------------------------------------- */

static const mor_number_slots str_number = {
    .add = str_add,
    .mul = str_mul,
    .truth = str_truth,
};

static const mor_container_slots str_container = {
    .len = str_len,
    .getitem = str_getitem,
    .contains = str_contains,
    .slice = str_slice,
};

const mor_type mori_str_type = {
    .name = "str",
    .basicsize = sizeof(mori_str),
    .dealloc = str_dealloc,
    .repr = str_repr,
    .hash = str_hash,
    .eq = str_eq,
    .compare = str_compare,
    .iter = str_iter_new,
    .size_of = str_size_of,
    .number = &str_number,
    .container = &str_container,
};
