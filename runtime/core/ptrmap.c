/* runtime/core/ptrmap.c: growth, insertion and removal of the address map. */
#include "rt.h"

static int ptrmap_resize(mor_rt *rt, mori_ptrmap *m, size_t nslots)
{
    mori_ptrmap_entry *ns = mori_mem_zalloc(rt, nslots * sizeof(*ns), m->kind);
    if (ns == NULL)
        return -1;
    size_t nmask = nslots - 1;
    for (size_t i = 0; m->slots != NULL && i <= m->mask; i++) {
        const void *k = m->slots[i].key;
        if (k == NULL || k == MORI_PTRMAP_TOMB)
            continue;
        size_t j = mori_ptrmap_hash(k) & nmask;
        while (ns[j].key != NULL)
            j = (j + 1) & nmask;
        ns[j] = m->slots[i];
    }
    if (m->slots != NULL)
        mori_mem_free(rt, m->slots, (m->mask + 1) * sizeof(*m->slots), m->kind);
    m->slots = ns;
    m->mask = nmask;
    m->fill = m->used;
    return 0;
}

/* The slot holding key, or SIZE_MAX. */
static size_t ptrmap_find(const mori_ptrmap *m, const void *key)
{
    if (m->slots == NULL)
        return SIZE_MAX;
    for (size_t i = mori_ptrmap_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        const void *k = m->slots[i].key;
        if (k == key)
            return i;
        if (k == NULL)
            return SIZE_MAX;
    }
}

int mori_ptrmap_put(mor_rt *rt, mori_ptrmap *m, const void *key, void *value)
{
    MOR_ASSERT(key != NULL && key != MORI_PTRMAP_TOMB);
    size_t at = ptrmap_find(m, key);
    if (at != SIZE_MAX) { /* replacing never allocates */
        m->slots[at].value = value;
        return 0;
    }
    if (m->slots == NULL || (m->fill + 1) * 3 > (m->mask + 1) * 2) {
        /* grow, or just sweep the tombstones out when few entries are live */
        size_t n = m->slots ? m->mask + 1 : 16;
        while ((m->used + 1) * 3 > n)
            n *= 2;
        if (ptrmap_resize(rt, m, n) < 0)
            return -1;
    }
    for (size_t i = mori_ptrmap_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        const void *k = m->slots[i].key;
        if (k == NULL || k == MORI_PTRMAP_TOMB) {
            if (k == NULL)
                m->fill++;
            m->slots[i].key = key;
            m->slots[i].value = value;
            m->used++;
            return 0;
        }
    }
}

void *mori_ptrmap_remove(mori_ptrmap *m, const void *key)
{
    if (m->slots == NULL)
        return NULL;
    for (size_t i = mori_ptrmap_hash(key) & m->mask;; i = (i + 1) & m->mask) {
        const void *k = m->slots[i].key;
        if (k == key) {
            void *v = m->slots[i].value;
            m->slots[i].key = MORI_PTRMAP_TOMB;
            m->slots[i].value = NULL;
            m->used--;
            return v;
        }
        if (k == NULL)
            return NULL;
    }
}

void mori_ptrmap_free(mor_rt *rt, mori_ptrmap *m)
{
    if (m->slots != NULL)
        mori_mem_free(rt, m->slots, (m->mask + 1) * sizeof(*m->slots), m->kind);
    mori_ptrmap_init(m, m->kind);
}
