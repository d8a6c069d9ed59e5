/* runtime/types/intern.c: the per-runtime string intern table. It holds
 * BORROWED references, so interning never keeps a string alive: a dying
 * interned string removes itself (str_dealloc -> mori_intern_remove), as
 * CPython 3.11's mortal interning does. */
#include "types.h"

/* The deleted-slot marker's address (MORI_INTERN_DUMMY); its value is unused. */
const int mori_intern_dummy_ = 0;

#define INTERN_MIN_SLOTS 64

/* MORI_INTERN_DUMMY, cast through uintptr_t: the marker is const data, and
 * -Wcast-qual objects to the macro's direct cast. */
#define INTERN_DUMMY ((mor_obj *)(uintptr_t)&mori_intern_dummy_)

/* Open addressing with CPython's perturbed probe: every slot is reached
 * eventually, and the high bits of the hash take part early. The table is
 * kept at most 2/3 full (dummies included), so a probe always ends on a NULL
 * slot. */
#define INTERN_PROBE_NEXT(i, perturb, mask)                                                        \
    do {                                                                                           \
        (perturb) >>= 5;                                                                           \
        (i) = ((i)*5 + (perturb) + 1) & (mask);                                                    \
    } while (0)

static bool intern_match(const mor_obj *s, const char *p, size_t n, int64_t hash)
{
    return ((const mori_str *)s)->hash == hash && mori_str_nbytes(s) == n &&
           memcmp(mori_str_data(s), p, n) == 0;
}

mor_obj *mori_intern_find(mor_rt *rt, const char *p, size_t n, int64_t hash)
{
    mori_intern_table *t = &rt->interned;
    if (t->slots == NULL)
        return NULL;
    size_t perturb = (size_t)(uint64_t)hash;
    size_t i = perturb & t->mask;
    for (;;) {
        mor_obj *s = t->slots[i];
        if (s == NULL)
            return NULL;
        if (s != INTERN_DUMMY && intern_match(s, p, n, hash)) {
            mori_gc_revive(s); /* handed out again: see collector.h */
            return s;
        }
        INTERN_PROBE_NEXT(i, perturb, t->mask);
    }
}

/* Place s at the first free (NULL or dummy) slot of its probe sequence. */
static void intern_place(mori_intern_table *t, mor_obj *s)
{
    size_t perturb = (size_t)(uint64_t)((mori_str *)s)->hash;
    size_t i = perturb & t->mask;
    while (t->slots[i] != NULL && t->slots[i] != INTERN_DUMMY)
        INTERN_PROBE_NEXT(i, perturb, t->mask);
    if (t->slots[i] == NULL)
        t->fill++;
    t->slots[i] = s;
    t->used++;
}

/* Rebuild the table with room for `used + 1` strings at most half full,
 * dropping the dummies. -1 + MemoryError (the old table is kept). */
static int intern_resize(mor_rt *rt)
{
    mori_intern_table *t = &rt->interned;
    size_t cap = INTERN_MIN_SLOTS;
    while (cap / 2 < t->used + 1)
        cap *= 2;
    mor_obj **slots = mori_mem_zalloc(rt, cap * sizeof(mor_obj *), MORI_MEM_ATOMIC);
    if (slots == NULL)
        return -1;
    mor_obj **old = t->slots;
    size_t oldcap = old != NULL ? t->mask + 1 : 0;
    t->slots = slots;
    t->mask = cap - 1;
    t->used = t->fill = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i] != NULL && old[i] != INTERN_DUMMY)
            intern_place(t, old[i]);
    if (old != NULL)
        mori_mem_free(rt, old, oldcap * sizeof(mor_obj *), MORI_MEM_ATOMIC);
    return 0;
}

int mori_intern_add(mor_rt *rt, mor_obj *s)
{
    mori_intern_table *t = &rt->interned;
    MOR_ASSERT(mori_is_str(s) && !(s->flags & MORI_OF_INTERNED));
    mori_str_hash(rt, s);
    if (t->slots == NULL || (t->fill + 1) * 3 > (t->mask + 1) * 2) {
        if (intern_resize(rt) < 0)
            return -1;
    }
    intern_place(t, s);
    s->flags |= MORI_OF_INTERNED;
    if (!(s->flags & MORI_OF_STATIC))
        mori_gc_watch_interned(rt, s); /* a tracing collector must tell the table */
    return 0;
}

/* Called from str_dealloc: never allocates, never fails. The table may be
 * gone already at runtime shutdown. */
void mori_intern_remove(mor_rt *rt, mor_obj *s)
{
    mori_intern_table *t = &rt->interned;
    s->flags &= ~MORI_OF_INTERNED;
    if (t->slots == NULL)
        return;
    size_t perturb = (size_t)(uint64_t)((mori_str *)s)->hash;
    size_t i = perturb & t->mask;
    for (;;) {
        mor_obj *e = t->slots[i];
        if (e == s) {
            t->slots[i] = INTERN_DUMMY;
            t->used--;
            return;
        }
        if (e == NULL) {
            MOR_ASSERT_OBJ(s, !"an interned string is missing from the intern table");
            return;
        }
        INTERN_PROBE_NEXT(i, perturb, t->mask);
    }
}

void mori_intern_fini(mor_rt *rt)
{
    mori_intern_table *t = &rt->interned;
    if (t->slots != NULL) {
        for (size_t i = 0; i <= t->mask; i++)
            if (t->slots[i] != NULL && t->slots[i] != INTERN_DUMMY)
                t->slots[i]->flags &= ~MORI_OF_INTERNED;
        mori_mem_free(rt, t->slots, (t->mask + 1) * sizeof(mor_obj *), MORI_MEM_ATOMIC);
    }
    memset(t, 0, sizeof(*t));
}

/* The canonical interned string equal to s: an equal one already interned,
 * else s itself, which enters the table. */
mor_obj *mor_intern(mor_rt *rt, mor_obj *s)
{
    if (s == NULL || !mori_is_str(s)) {
        mor_raise(rt, MOR_EXC_TYPE, "intern() argument must be str, not %s",
                  s == NULL ? "NULL" : mor_type_name(s));
        return NULL;
    }
    if (s->flags & MORI_OF_INTERNED)
        return mor_newref(s);
    int64_t h = mori_str_hash(rt, s);
    mor_obj *found = mori_intern_find(rt, mori_str_data(s), (size_t)mori_str_nbytes(s), h);
    if (found != NULL)
        return mor_newref(found);
    if (mori_intern_add(rt, s) < 0)
        return NULL;
    return mor_newref(s);
}
