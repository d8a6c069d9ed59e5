/* runtime/core/ptrmap.c: the directory, the chunk tables' growth, insertion
 * and removal of the address map (see ptrmap.h). */
#include "rt.h"

#define PTRMAP_CHUNK_MIN 8 /* slots of a new chunk table */

static size_t chunk_bytes(size_t slots)
{
    return sizeof(mori_ptrchunk) + slots * sizeof(mori_ptrmap_entry);
}

/* ---- the directory: chunk number + 1 -> table ------------------------------------- */

static size_t dir_hash(uintptr_t no)
{
    uint64_t h = (uint64_t)no * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 32));
}

/* The directory slot holding no, or of the empty slot where it would go. */
static size_t dir_probe(const mori_ptrmap *m, uintptr_t no)
{
    size_t i = dir_hash(no) & m->dir_mask;
    while (m->dir[i].no != 0 && m->dir[i].no != no)
        i = (i + 1) & m->dir_mask;
    return i;
}

mori_ptrchunk *mori_ptrmap_chunk_slow(mori_ptrmap *m, uintptr_t no)
{
    if (m->dir == NULL)
        return NULL;
    size_t i = dir_probe(m, no);
    if (m->dir[i].no == 0)
        return NULL;
    m->last_no = no;
    m->last = m->dir[i].chunk;
    return m->last;
}

/* Room for one more chunk in the directory (kept at most half full). */
static int dir_reserve(mor_rt *rt, mori_ptrmap *m)
{
    size_t slots = m->dir ? m->dir_mask + 1 : 0;
    if ((m->nchunks + 1) * 2 <= slots)
        return 0;
    size_t n = slots ? slots * 2 : 8;
    mori_ptrdir_entry *nd = mori_mem_zalloc(rt, n * sizeof(*nd), MORI_MEM_BUFFER);
    if (nd == NULL)
        return -1;
    mori_ptrdir_entry *old = m->dir;
    m->dir = nd;
    m->dir_mask = n - 1;
    for (size_t i = 0; i < slots; i++)
        if (old[i].no != 0)
            m->dir[dir_probe(m, old[i].no)] = old[i];
    if (old != NULL)
        mori_mem_free(rt, old, slots * sizeof(*old), MORI_MEM_BUFFER);
    return 0;
}

/* Remove directory slot i, shifting back the entries that probed past it. */
static void dir_delete(mori_ptrmap *m, size_t i)
{
    size_t j = i;
    for (;;) {
        j = (j + 1) & m->dir_mask;
        if (m->dir[j].no == 0)
            break;
        size_t home = dir_hash(m->dir[j].no) & m->dir_mask;
        /* the entry at j may fill the hole at i unless its home lies in (i, j] */
        if (((j - home) & m->dir_mask) >= ((j - i) & m->dir_mask)) {
            m->dir[i] = m->dir[j];
            i = j;
        }
    }
    m->dir[i].no = 0;
    m->dir[i].chunk = NULL;
    m->nchunks--;
}

/* ---- chunk tables ------------------------------------------------------------------- */

/* The empty list for tables of `slots` slots (a power of two >= 8). */
static size_t empty_class(size_t slots)
{
    size_t i = (size_t)__builtin_ctzll((unsigned long long)slots) - 3;
    return i < MORI_PTRMAP_SIZES ? i : MORI_PTRMAP_SIZES - 1;
}

static void empty_push(mori_ptrmap *m, mori_ptrchunk *c)
{
    mori_ptrchunk **head = &m->empty[empty_class(c->mask + 1)];
    c->prev_empty = NULL;
    c->next_empty = *head;
    if (*head != NULL)
        (*head)->prev_empty = c;
    *head = c;
    m->nempty++;
}

static void empty_unlink(mori_ptrmap *m, mori_ptrchunk *c)
{
    if (c->prev_empty != NULL)
        c->prev_empty->next_empty = c->next_empty;
    else
        m->empty[empty_class(c->mask + 1)] = c->next_empty;
    if (c->next_empty != NULL)
        c->next_empty->prev_empty = c->prev_empty;
    c->next_empty = c->prev_empty = NULL;
    m->nempty--;
}

/* An empty table to reuse for a chunk that wants `slots`: the smallest at
 * least that large, else the largest smaller one; NULL if none. */
static mori_ptrchunk *empty_take(mori_ptrmap *m, size_t slots)
{
    if (m->nempty == 0)
        return NULL;
    size_t want = empty_class(slots);
    for (size_t i = want; i < MORI_PTRMAP_SIZES; i++)
        if (m->empty[i] != NULL)
            return m->empty[i];
    for (size_t i = want; i-- > 0;)
        if (m->empty[i] != NULL)
            return m->empty[i];
    return NULL;
}

/* An empty table for chunk number no - 1, entered in the directory (and on
 * an empty list until its first key). It wants as many slots as the chunk
 * used last if that is a neighbour (a run of keys in address order crossing
 * into this chunk), else the minimum; an empty table of another chunk is
 * taken (empty_take) before a new one is allocated. */
static mori_ptrchunk *chunk_new(mor_rt *rt, mori_ptrmap *m, uintptr_t no)
{
    size_t slots = PTRMAP_CHUNK_MIN;
    if (m->last_no != 0 && (m->last_no == no + 1 || m->last_no + 1 == no))
        slots = m->last->mask + 1;
    mori_ptrchunk *c = empty_take(m, slots);
    if (c != NULL) {
        empty_unlink(m, c);
        dir_delete(m, dir_probe(m, c->no));
    } else {
        if (dir_reserve(rt, m) < 0)
            return NULL;
        c = mori_mem_zalloc(rt, chunk_bytes(slots), m->kind);
        if (c == NULL)
            return NULL;
        c->mask = slots - 1;
    }
    c->no = no;
    size_t i = dir_probe(m, no);
    m->dir[i].no = no;
    m->dir[i].chunk = c;
    m->nchunks++;
    m->last_no = no;
    m->last = c;
    empty_push(m, c); /* until its first key */
    return c;
}

/* The slot of key in c, or of the empty slot where it would go. */
static size_t chunk_probe(const mori_ptrchunk *c, const void *key)
{
    size_t i = mori_ptrmap_home(key) & c->mask;
    while (c->slots[i].key != NULL && c->slots[i].key != key)
        i = (i + 1) & c->mask;
    return i;
}

/* Double c's table (it holds keys, so it is on no list); the old one is
 * freed. NULL + MemoryError (the old one is kept). */
static mori_ptrchunk *chunk_grow(mor_rt *rt, mori_ptrmap *m, mori_ptrchunk *c)
{
    size_t slots = c->mask + 1;
    mori_ptrchunk *nc = mori_mem_zalloc(rt, chunk_bytes(2 * slots), m->kind);
    if (nc == NULL)
        return NULL;
    nc->mask = 2 * slots - 1;
    nc->used = c->used;
    nc->no = c->no;
    for (size_t i = 0; i < slots; i++)
        if (c->slots[i].key != NULL)
            nc->slots[chunk_probe(nc, c->slots[i].key)] = c->slots[i];
    m->dir[dir_probe(m, c->no)].chunk = nc;
    m->last_no = c->no;
    m->last = nc;
    mori_mem_free(rt, c, chunk_bytes(slots), m->kind);
    return nc;
}

void **mori_ptrmap_slot_slow(mor_rt *rt, mori_ptrmap *m, const void *key)
{
    MOR_ASSERT(key != NULL);
    mori_ptrchunk *c = mori_ptrmap_chunk(m, key);
    if (c == NULL) {
        c = chunk_new(rt, m, ((uintptr_t)key >> MORI_PTRMAP_CHUNK_SHIFT) + 1);
        if (c == NULL)
            return NULL;
    }
    size_t i = chunk_probe(c, key);
    if (c->slots[i].key == key)
        return &c->slots[i].value;
    if ((c->used + 1) * 4 > (c->mask + 1) * 3) {
        if ((c = chunk_grow(rt, m, c)) == NULL)
            return NULL;
        i = chunk_probe(c, key);
    }
    c->slots[i].key = key;
    c->slots[i].value = NULL;
    if (c->used++ == 0)
        empty_unlink(m, c);
    m->used++;
    return &c->slots[i].value;
}

int mori_ptrmap_put(mor_rt *rt, mori_ptrmap *m, const void *key, void *value)
{
    void **slot = mori_ptrmap_slot(rt, m, key);
    if (slot == NULL)
        return -1;
    *slot = value;
    return 0;
}

void mori_ptrmap_emptied(mori_ptrmap *m, mori_ptrchunk *c) { empty_push(m, c); }

void mori_ptrmap_free(mor_rt *rt, mori_ptrmap *m)
{
    for (size_t i = 0; m->dir != NULL && i <= m->dir_mask; i++)
        if (m->dir[i].no != 0)
            mori_mem_free(rt, m->dir[i].chunk, chunk_bytes(m->dir[i].chunk->mask + 1), m->kind);
    if (m->dir != NULL)
        mori_mem_free(rt, m->dir, (m->dir_mask + 1) * sizeof(*m->dir), MORI_MEM_BUFFER);
    mori_ptrmap_init(m, m->kind);
}
