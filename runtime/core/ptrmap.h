/* runtime/core/ptrmap.h: a map from addresses to pointers, allocated through
 * the funnel. Used for the weak reference side table and the identity memos
 * of deep operations: their keys are object addresses, met in runs of
 * neighbours (objects are allocated, walked and often freed in order).
 *
 * Two levels keep neighbours together. The keys of one 64 KiB chunk of
 * address space share a small open-addressing table (linear probing;
 * removal shifts entries back, so there are no tombstones) whose home slot for
 * a key is its 16-byte granule number modulo the table's size: keys met in
 * address order touch their table in order, four to a cache line, and keys
 * of different chunks never collide. A chunk table doubles past 3/4 full (at
 * 4096 slots, one per granule, keys at least 16 bytes apart never collide);
 * a new table next to the chunk used last starts at that chunk's size, so a
 * dense run in address order does not regrow every table from the minimum.
 * The chunk tables are found through a directory (chunk number -> table;
 * hashed, linear probing) with a one-entry cache, which a run of neighbours
 * hits.
 *
 * A table whose last key goes stays in place, empty (all slots NULL), on the
 * list of empty tables: keys often come back to the same addresses (freed
 * blocks are reused), and a chunk that needs a new table takes an empty one
 * (the smallest at least as large as it would allocate, else the largest)
 * before allocating. So the map's tables never outgrow the most it ever used
 * at once, and a wave of deaths followed by a wave of new keys allocates,
 * zeroes and page-faults nothing. mori_ptrmap_free releases everything.
 *
 * Invariants: `used` is the sum of the tables' `used`; every table is in the
 * directory under its `no`; a table is on the empty list iff its used is 0
 * (nempty of them); `last`, when last_no != 0, is the directory's table for
 * chunk number last_no - 1. */
#ifndef MORI_PTRMAP_H
#define MORI_PTRMAP_H

#include "../mem/mem.h"

#define MORI_PTRMAP_CHUNK_SHIFT 16 /* 64 KiB chunks */
#define MORI_PTRMAP_GRAIN_SHIFT 4  /* 16-byte granules */
#define MORI_PTRMAP_SIZES 10       /* size classes of empty tables: 8 .. 4096 slots and more */

typedef struct mori_ptrmap_entry {
    const void *key; /* NULL: empty */
    void *value;
} mori_ptrmap_entry;

typedef struct mori_ptrchunk {
    size_t mask;                /* slots - 1 */
    size_t used;
    uintptr_t no;               /* chunk number + 1 */
    struct mori_ptrchunk *next_empty, *prev_empty; /* the empty list, while used == 0 */
    mori_ptrmap_entry slots[];
} mori_ptrchunk;

typedef struct mori_ptrdir_entry {
    uintptr_t no; /* chunk number + 1; 0: empty */
    mori_ptrchunk *chunk;
} mori_ptrdir_entry;

typedef struct mori_ptrmap {
    mori_ptrdir_entry *dir; /* allocated MORI_MEM_BUFFER: it holds the tables' addresses */
    size_t dir_mask;        /* directory slots - 1 (0 when dir is NULL) */
    size_t nchunks;         /* tables, empty ones included */
    size_t nempty;
    /* the empty tables by size: empty[i] lists those of 8 << i slots (doubly
     * linked, NULL-terminated); the last list takes every larger one */
    mori_ptrchunk *empty[MORI_PTRMAP_SIZES];
    size_t used;            /* keys */
    uintptr_t last_no;      /* the one-entry cache: chunk number + 1 of `last`; 0: none */
    mori_ptrchunk *last;
    mori_mem_kind kind;     /* of the chunk tables */
} mori_ptrmap;

static inline void mori_ptrmap_init(mori_ptrmap *m, mori_mem_kind kind)
{
    memset(m, 0, sizeof(*m));
    m->kind = kind;
}

/* ---- "ptrmap.c" ---------------------------------------------------------------- */
/* The chunk table for chunk number no - 1, or NULL (the directory lookup
 * behind mori_ptrmap_chunk's cache). */
MOR_INTERNAL mori_ptrchunk *mori_ptrmap_chunk_slow(mori_ptrmap *m, uintptr_t no);
/* mori_ptrmap_slot past its inline fast path. */
MOR_INTERNAL void **mori_ptrmap_slot_slow(mor_rt *rt, mori_ptrmap *m, const void *key);
/* Insert or replace (replacing an existing key never allocates); -1 with
 * MemoryError (the map is unchanged). */
MOR_INTERNAL int mori_ptrmap_put(mor_rt *rt, mori_ptrmap *m, const void *key, void *value);
/* c's last key was removed (its slots are all NULL again): list it as empty. */
MOR_INTERNAL void mori_ptrmap_emptied(mori_ptrmap *m, mori_ptrchunk *c);
MOR_INTERNAL void mori_ptrmap_free(mor_rt *rt, mori_ptrmap *m);

static inline size_t mori_ptrmap_home(const void *key)
{
    return (size_t)((uintptr_t)key >> MORI_PTRMAP_GRAIN_SHIFT);
}

/* The chunk table that holds key's chunk, or NULL. */
static inline mori_ptrchunk *mori_ptrmap_chunk(mori_ptrmap *m, const void *key)
{
    uintptr_t no = ((uintptr_t)key >> MORI_PTRMAP_CHUNK_SHIFT) + 1;
    if (MOR_LIKELY(no == m->last_no))
        return m->last;
    return mori_ptrmap_chunk_slow(m, no);
}

/* The value slot of key, or NULL; valid until the next insertion or removal. */
static inline void **mori_ptrmap_find(mori_ptrmap *m, const void *key)
{
    mori_ptrchunk *c = mori_ptrmap_chunk(m, key);
    if (c == NULL)
        return NULL;
    for (size_t i = mori_ptrmap_home(key) & c->mask;; i = (i + 1) & c->mask) {
        const void *k = c->slots[i].key;
        if (k == key)
            return &c->slots[i].value;
        if (k == NULL)
            return NULL;
    }
}

/* The value slot of key, inserting key with a NULL value if absent (one
 * lookup: insert-or-find). The slot is valid until the next insertion or
 * removal; store a non-NULL value before then (get cannot tell a NULL value
 * from no key). NULL with MemoryError (the map is unchanged). Inline: a key
 * in the cached chunk whose table has room and keys already. */
static inline void **mori_ptrmap_slot(mor_rt *rt, mori_ptrmap *m, const void *key)
{
    uintptr_t no = ((uintptr_t)key >> MORI_PTRMAP_CHUNK_SHIFT) + 1;
    mori_ptrchunk *c = m->last;
    if (MOR_LIKELY(no == m->last_no) && c->used != 0) {
        size_t i = mori_ptrmap_home(key) & c->mask;
        for (;; i = (i + 1) & c->mask) {
            const void *k = c->slots[i].key;
            if (k == key)
                return &c->slots[i].value;
            if (k == NULL)
                break;
        }
        if ((c->used + 1) * 4 <= (c->mask + 1) * 3) {
            c->slots[i].key = key;
            c->slots[i].value = NULL;
            c->used++;
            m->used++;
            return &c->slots[i].value;
        }
    }
    return mori_ptrmap_slot_slow(rt, m, key);
}

/* The value stored for key, or NULL. */
static inline void *mori_ptrmap_get(mori_ptrmap *m, const void *key)
{
    void **v = mori_ptrmap_find(m, key);
    return v != NULL ? *v : NULL;
}

/* Remove key; returns its value or NULL. Never allocates. The entries that
 * probed past the hole shift back into it (no tombstones). */
static inline void *mori_ptrmap_remove(mori_ptrmap *m, const void *key)
{
    mori_ptrchunk *c = mori_ptrmap_chunk(m, key);
    if (c == NULL)
        return NULL;
    size_t i = mori_ptrmap_home(key) & c->mask;
    while (c->slots[i].key != key) {
        if (c->slots[i].key == NULL)
            return NULL;
        i = (i + 1) & c->mask;
    }
    void *value = c->slots[i].value;
    for (size_t j = i;;) {
        j = (j + 1) & c->mask;
        const void *k = c->slots[j].key;
        if (k == NULL)
            break;
        /* the entry at j may fill the hole at i unless its home lies in (i, j] */
        size_t home = mori_ptrmap_home(k) & c->mask;
        if (((j - home) & c->mask) >= ((j - i) & c->mask)) {
            c->slots[i] = c->slots[j];
            i = j;
        }
    }
    c->slots[i].key = NULL;
    c->slots[i].value = NULL;
    m->used--;
    if (--c->used == 0)
        mori_ptrmap_emptied(m, c);
    return value;
}

#endif
