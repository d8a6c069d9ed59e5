/* runtime/inspect/snapshot.c: snapshots of the traces, their statistics by
 * line, file or traceback, and the differences between two snapshots, in
 * tracemalloc's words and formats. */
#include <fnmatch.h>
#include <math.h>

#include "../core/strbuf.h"
#include "../mem/trace.h"
#include "../types/types.h"
#include "symbolize.h"

extern const mor_type mori_snapshot_type MOR_INTERNAL;
extern const mor_type mori_stat_type MOR_INTERNAL;

/* A snapshot: the traces grouped by traceback, frames copied. Immutable. */
typedef struct snap_entry {
    uint32_t first, nframes; /* frames[first .. first + nframes) */
    uint64_t size;           /* estimated when sampling */
    double count;
} snap_entry;

typedef struct snapshot_obj {
    mor_obj head;
    snap_entry *entries;
    size_t n, ecap;
    mori_frame *frames;
    size_t nframes, fcap;
    int limit; /* frames kept per traceback */
} snapshot_obj;

/* A new empty snapshot with room for ecap entries and fcap frames. */
static snapshot_obj *snap_new(mor_rt *rt, size_t ecap, size_t fcap, int limit)
{
    snapshot_obj *s = (snapshot_obj *)mori_obj_alloc(rt, &mori_snapshot_type, sizeof(snapshot_obj));
    if (s == NULL)
        return NULL;
    s->n = s->nframes = 0;
    s->ecap = ecap ? ecap : 1;
    s->fcap = fcap ? fcap : 1;
    s->limit = limit;
    s->frames = NULL;
    s->entries = mori_mem_alloc(rt, s->ecap * sizeof(snap_entry), MORI_MEM_ATOMIC);
    if (s->entries != NULL)
        s->frames = mori_mem_alloc(rt, s->fcap * sizeof(mori_frame), MORI_MEM_ATOMIC);
    if (s->frames == NULL) {
        mor_decref(rt, &s->head);
        return NULL;
    }
    return s;
}

/* A statistic, or a difference between two. */
typedef struct stat_obj {
    mor_obj head;
    mor_obj *key;       /* str: "file:line", "file", or the traceback's top frame */
    mor_obj *traceback; /* tuple of "file:line" strs, most recent first */
    int64_t size, count, size_diff, count_diff;
    bool is_diff;
} stat_obj;


/* ---- taking a snapshot ----------------------------------------------------------------------- */

mor_obj *mor_trace_snapshot(mor_rt *rt)
{
    mori_tracer *t = rt->tracer;
    if (t == NULL || !t->tracing) {
        mor_raise(rt, MOR_EXC_RUNTIME,
                  "the tracemalloc module must be tracing memory allocations to take a snapshot");
        return NULL;
    }
    /* the snapshot's own memory is not traced */
    t->tracing = false;
    mor_obj *result = NULL;
    size_t nframes = 0, live = 0;
    for (size_t i = 0; i < t->tbcount; i++) {
        if (t->tbv[i]->count_fp == 0)
            continue; /* no live block was allocated there */
        nframes += t->tbv[i]->nframes;
        live++;
    }
    snapshot_obj *s = snap_new(rt, live, nframes, t->nframes);
    if (s == NULL)
        goto out;
    for (size_t i = 0; i < t->tbcount; i++) {
        const mori_tb *tb = t->tbv[i];
        if (tb->count_fp == 0)
            continue;
        snap_entry *se = &s->entries[s->n++];
        se->first = (uint32_t)s->nframes;
        se->nframes = tb->nframes;
        se->size = tb->size;
        se->count = (double)tb->count_fp / MORI_TRACE_ONE;
        memcpy(&s->frames[s->nframes], tb->frames, tb->nframes * sizeof(mori_frame));
        s->nframes += tb->nframes;
    }
    /* an embedder frame's file name points into the tracer: the snapshot
     * keeps its own copy, a str object held in the frame's file field */
    for (size_t i = 0; i < s->nframes; i++) {
        if (s->frames[i].ip == 0 && s->frames[i].file != NULL) {
            mor_obj *f = mor_str(rt, s->frames[i].file);
            s->frames[i].file = (const char *)(void *)f;
            if (f == NULL) {
                /* the frames not converted yet must not look like str objects */
                for (size_t k = i + 1; k < s->nframes; k++)
                    if (s->frames[k].ip == 0)
                        s->frames[k].file = NULL;
                goto fail;
            }
        }
    }
    result = &s->head;
    goto out;
fail:
    if (s != NULL)
        mor_decref(rt, &s->head);
out:
    t->tracing = true;
    return result;
}

/* In a snapshot an embedder frame (ip 0) holds its file as a str object. */
static inline bool frame_is_embedder(const mori_frame *f) { return f->ip == 0 && f->file != NULL; }
static inline mor_obj *frame_file_str(const mori_frame *f)
{
    return (mor_obj *)(void *)(uintptr_t)f->file;
}

/* The frames of an entry as "file:line" sites, runtime frames skipped, at
 * most limit of them. Returns how many were written to sites (file, line). */
typedef struct site {
    const char *file;
    int line;
} site;

static size_t snap_sites(mor_rt *rt, const snapshot_obj *s, const snap_entry *e, site *out,
                         size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < e->nframes && n < max; i++) {
        const mori_frame *f = &s->frames[e->first + i];
        if (frame_is_embedder(f)) {
            out[n].file = mor_str_utf8(frame_file_str(f), NULL);
            out[n].line = f->line;
            n++;
            continue;
        }
        mori_symbol sym;
        mori_symbolize(rt, f->ip, &sym);
        if (sym.runtime)
            continue;
        out[n].file = sym.file;
        out[n].line = sym.line;
        n++;
    }
    return n;
}

mor_obj *mor_snapshot_filter(mor_rt *rt, mor_obj *snap, const char *pattern, bool include)
{
    if (snap->type != &mori_snapshot_type || pattern == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_snapshot_filter: expected a snapshot and a pattern");
        return NULL;
    }
    const snapshot_obj *s = (const snapshot_obj *)snap;
    snapshot_obj *r = snap_new(rt, s->n, s->nframes, s->limit);
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        site top;
        size_t got = snap_sites(rt, s, &s->entries[i], &top, 1);
        bool match = got > 0 && fnmatch(pattern, top.file, 0) == 0;
        if (match != include)
            continue;
        snap_entry e = s->entries[i];
        memcpy(&r->frames[r->nframes], &s->frames[e.first], e.nframes * sizeof(mori_frame));
        for (uint32_t k = 0; k < e.nframes; k++)
            if (frame_is_embedder(&r->frames[r->nframes + k]))
                mor_incref(frame_file_str(&r->frames[r->nframes + k]));
        e.first = (uint32_t)r->nframes;
        r->nframes += e.nframes;
        r->entries[r->n++] = e;
    }
    return &r->head;
}

/* ---- statistics ------------------------------------------------------------------------------ */

typedef enum stat_key { KEY_LINENO, KEY_FILENAME, KEY_TRACEBACK } stat_key;

static int stat_parse_key(mor_rt *rt, const char *key, stat_key *out)
{
    if (key != NULL && strcmp(key, "lineno") == 0)
        *out = KEY_LINENO;
    else if (key != NULL && strcmp(key, "filename") == 0)
        *out = KEY_FILENAME;
    else if (key != NULL && strcmp(key, "traceback") == 0)
        *out = KEY_TRACEBACK;
    else {
        mor_raise(rt, MOR_EXC_VALUE, "unknown key_type: %s", key ? key : "NULL");
        return -1;
    }
    return 0;
}

static mor_obj *stat_new(mor_rt *rt, mor_obj *key, mor_obj *traceback)
{
    stat_obj *st = (stat_obj *)mori_obj_alloc(rt, &mori_stat_type, sizeof(stat_obj));
    if (st == NULL)
        return NULL;
    st->key = mor_newref(key);
    st->traceback = mor_newref(traceback);
    st->size = st->count = st->size_diff = st->count_diff = 0;
    st->is_diff = false;
    return &st->head;
}

/* Group a snapshot's entries by key: a dict from the key text to a stat. */
static mor_obj *stat_group(mor_rt *rt, const snapshot_obj *s, stat_key kind)
{
    mor_obj *groups = mor_dict(rt);
    if (groups == NULL)
        return NULL;
    site sites[MORI_TRACE_MAX_FRAMES];
    for (size_t i = 0; i < s->n; i++) {
        const snap_entry *e = &s->entries[i];
        size_t n = snap_sites(rt, s, e, sites, (size_t)s->limit);
        mori_sb sb;
        mori_sb_init(&sb, rt);
        if (n == 0)
            mori_sb_adds(&sb, "<unknown>:0");
        size_t nkey = kind == KEY_TRACEBACK ? n : (n > 0);
        for (size_t k = 0; k < nkey; k++) {
            if (k > 0)
                mori_sb_addc(&sb, '\n');
            if (kind == KEY_FILENAME)
                mori_sb_adds(&sb, sites[k].file);
            else
                mori_sb_addf(&sb, "%s:%d", sites[k].file, sites[k].line);
        }
        mor_obj *key = mori_sb_finish(&sb);
        mor_obj *tb = key ? mori_tuple_new(rt, n) : NULL;
        for (size_t k = 0; tb != NULL && k < n; k++) {
            mor_obj *f = mor_str_fmt(rt, "%s:%d", sites[k].file, sites[k].line);
            if (f == NULL) {
                mori_gc_track(rt, tb);
                mor_decref(rt, tb);
                tb = NULL;
                break;
            }
            ((mori_tuple *)tb)->items[k] = f;
        }
        if (tb != NULL && n > 0)
            mori_gc_track(rt, tb);
        mor_obj *st = NULL;
        int r = tb ? mor_dict_lookup(rt, groups, key, &st) : -1;
        if (r == 0) {
            /* lineno/filename: the key is the display text; traceback: its top frame */
            mor_obj *shown = key;
            if (kind == KEY_TRACEBACK && n > 0)
                shown = ((mori_tuple *)tb)->items[0];
            st = stat_new(rt, shown, tb);
            r = st ? mor_dict_set(rt, groups, key, st) : -1;
        }
        if (r >= 0) {
            ((stat_obj *)st)->size += (int64_t)e->size;
            ((stat_obj *)st)->count += (int64_t)(e->count + 0.5);
        }
        mor_xdecref(rt, st);
        mor_xdecref(rt, tb);
        mor_xdecref(rt, key);
        if (r < 0) {
            mor_decref(rt, groups);
            return NULL;
        }
    }
    return groups;
}

/* Sort order of tracemalloc: statistics by (size, count, key) descending;
 * differences by (|size_diff|, size, |count_diff|, count, key) descending. */
static int stat_cmp(const stat_obj *a, const stat_obj *b)
{
#define STAT_CMP(x, y)                                                                             \
    do {                                                                                       \
        if ((x) != (y))                                                                        \
            return (x) > (y) ? -1 : 1;                                                         \
    } while (0)
    if (a->is_diff) {
        STAT_CMP(llabs(a->size_diff), llabs(b->size_diff));
        STAT_CMP(a->size, b->size);
        STAT_CMP(llabs(a->count_diff), llabs(b->count_diff));
    } else {
        STAT_CMP(a->size, b->size);
    }
    STAT_CMP(a->count, b->count);
#undef STAT_CMP
    return -mor_str_cmp(a->key, b->key);
}

static int stat_qsort_cmp(const void *x, const void *y)
{
    return stat_cmp(*(const stat_obj *const *)x, *(const stat_obj *const *)y);
}

/* The values of a dict of stats as a sorted list. */
static mor_obj *stat_sorted(mor_rt *rt, mor_obj *groups)
{
    mor_obj *list = mori_list_new(rt, (size_t)mori_dict_size(groups));
    if (list == NULL)
        return NULL;
    int64_t pos = 0;
    mor_obj *k, *v;
    mori_list *l = (mori_list *)list;
    while (mori_dict_next(groups, &pos, &k, &v))
        l->items[l->size++] = mor_newref(v);
    if (l->size > 1)
        qsort(l->items, (size_t)l->size, sizeof(mor_obj *), stat_qsort_cmp);
    return list;
}

static int snap_check(mor_rt *rt, mor_obj *o, const char *fn)
{
    if (o->type == &mori_snapshot_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a snapshot, got '%s'", fn, o->type->name);
    return -1;
}

mor_obj *mor_snapshot_statistics(mor_rt *rt, mor_obj *snap, const char *key)
{
    stat_key kind;
    if (snap_check(rt, snap, "mor_snapshot_statistics") < 0 || stat_parse_key(rt, key, &kind) < 0)
        return NULL;
    mor_obj *groups = stat_group(rt, (snapshot_obj *)snap, kind);
    if (groups == NULL)
        return NULL;
    mor_obj *r = stat_sorted(rt, groups);
    mor_decref(rt, groups);
    return r;
}

mor_obj *mor_snapshot_compare(mor_rt *rt, mor_obj *newer, mor_obj *older, const char *key)
{
    stat_key kind;
    if (snap_check(rt, newer, "mor_snapshot_compare") < 0 ||
        snap_check(rt, older, "mor_snapshot_compare") < 0 || stat_parse_key(rt, key, &kind) < 0)
        return NULL;
    mor_obj *gn = stat_group(rt, (snapshot_obj *)newer, kind);
    mor_obj *go = gn ? stat_group(rt, (snapshot_obj *)older, kind) : NULL;
    if (go == NULL) {
        mor_xdecref(rt, gn);
        return NULL;
    }
    int rc = 0;
    int64_t pos = 0;
    mor_obj *k, *v;
    while (rc == 0 && mori_dict_next(gn, &pos, &k, &v)) {
        stat_obj *sn = (stat_obj *)v;
        mor_obj *old = NULL;
        rc = mor_dict_lookup(rt, go, k, &old);
        if (rc < 0)
            break;
        sn->is_diff = true;
        sn->size_diff = sn->size - (old ? ((stat_obj *)old)->size : 0);
        sn->count_diff = sn->count - (old ? ((stat_obj *)old)->count : 0);
        if (old != NULL)
            rc = mor_dict_del(rt, go, k) < 0 ? -1 : 0;
        mor_xdecref(rt, old);
    }
    /* sites only in the older snapshot: gone to zero */
    pos = 0;
    while (rc == 0 && mori_dict_next(go, &pos, &k, &v)) {
        stat_obj *so = (stat_obj *)v;
        mor_obj *st = stat_new(rt, so->key, so->traceback);
        if (st == NULL) {
            rc = -1;
            break;
        }
        stat_obj *d = (stat_obj *)st;
        d->is_diff = true;
        d->size_diff = -so->size;
        d->count_diff = -so->count;
        rc = mor_dict_set(rt, gn, k, st);
        mor_decref(rt, st);
    }
    mor_obj *r = rc == 0 ? stat_sorted(rt, gn) : NULL;
    mor_decref(rt, gn);
    mor_decref(rt, go);
    return r;
}

/* ---- formatting (tracemalloc's _format_size) ------------------------------------------------- */

static void stat_format_size(mori_sb *sb, double size, bool sign)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    for (int u = 0; u < 5; u++) {
        if (fabs(size) < 100 && u > 0) {
            mori_sb_addf(sb, sign ? "%+.1f %s" : "%.1f %s", size, units[u]);
            return;
        }
        if (fabs(size) < 10 * 1024 || u == 4) {
            mori_sb_addf(sb, sign ? "%+.0f %s" : "%.0f %s", size, units[u]);
            return;
        }
        size /= 1024;
    }
}

static mor_obj *stat_repr(mor_rt *rt, mor_obj *self)
{
    stat_obj *st = (stat_obj *)self;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_add_str(&sb, st->key);
    mori_sb_adds(&sb, ": size=");
    stat_format_size(&sb, (double)st->size, false);
    if (st->is_diff) {
        mori_sb_adds(&sb, " (");
        stat_format_size(&sb, (double)st->size_diff, true);
        mori_sb_addf(&sb, "), count=%lld (%+lld)", (long long)st->count, (long long)st->count_diff);
    } else {
        mori_sb_addf(&sb, ", count=%lld", (long long)st->count);
    }
    if (st->count > 0) {
        mori_sb_adds(&sb, ", average=");
        stat_format_size(&sb, (double)st->size / (double)st->count, false);
    }
    return mori_sb_finish(&sb);
}

static mor_obj *stat_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    stat_obj *st = (stat_obj *)self;
    if (strcmp(name, "size") == 0)
        return mor_int(rt, st->size);
    if (strcmp(name, "count") == 0)
        return mor_int(rt, st->count);
    if (strcmp(name, "size_diff") == 0)
        return mor_int(rt, st->size_diff);
    if (strcmp(name, "count_diff") == 0)
        return mor_int(rt, st->count_diff);
    if (strcmp(name, "traceback") == 0)
        return mor_newref(st->traceback);
    if (strcmp(name, "key") == 0)
        return mor_newref(st->key);
    if (strcmp(name, "filename") == 0 || strcmp(name, "lineno") == 0) {
        size_t n;
        mor_obj *const *items = mor_seq_items(st->traceback, &n);
        const char *top = n ? mor_str_utf8(items[0], NULL) : "<unknown>:0";
        const char *colon = strrchr(top, ':');
        if (name[0] == 'f')
            return mor_str_n(rt, top, colon ? (size_t)(colon - top) : strlen(top));
        return mor_int(rt, colon ? strtoll(colon + 1, NULL, 10) : 0);
    }
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'Statistic' object has no attribute '%s'", name);
    return NULL;
}

static void stat_dealloc(mor_rt *rt, mor_obj *self)
{
    stat_obj *st = (stat_obj *)self;
    mor_obj *k = st->key, *tb = st->traceback;
    mori_obj_free(rt, self, sizeof(stat_obj));
    mor_decref(rt, k);
    mor_decref(rt, tb);
}

const mor_type mori_stat_type = {
    .name = "Statistic",
    .basicsize = sizeof(stat_obj),
    .dealloc = stat_dealloc,
    .repr = stat_repr,
    .getattr = stat_getattr,
};

static void snapshot_dealloc(mor_rt *rt, mor_obj *self)
{
    snapshot_obj *s = (snapshot_obj *)self;
    for (size_t i = 0; s->frames != NULL && i < s->nframes; i++)
        if (frame_is_embedder(&s->frames[i]))
            mor_decref(rt, frame_file_str(&s->frames[i]));
    mori_mem_free(rt, s->entries, s->ecap * sizeof(snap_entry), MORI_MEM_ATOMIC);
    mori_mem_free(rt, s->frames, s->fcap * sizeof(mori_frame), MORI_MEM_ATOMIC);
    mori_obj_free(rt, self, sizeof(snapshot_obj));
}

static mor_obj *snapshot_repr(mor_rt *rt, mor_obj *self)
{
    snapshot_obj *s = (snapshot_obj *)self;
    return mor_str_fmt(rt, "<Snapshot at %p: %zu tracebacks>", (void *)self, s->n);
}

static int64_t snapshot_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return (int64_t)((snapshot_obj *)self)->n;
}

static const mor_container_slots snapshot_container = {.len = snapshot_len};

const mor_type mori_snapshot_type = {
    .name = "Snapshot",
    .basicsize = sizeof(snapshot_obj),
    .dealloc = snapshot_dealloc,
    .repr = snapshot_repr,
    .container = &snapshot_container,
};
