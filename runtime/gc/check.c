/* runtime/gc/check.c: the heap invariant checker (check.h). It builds a table
 * of the tracked objects (address -> references found to it), then checks each
 * object against it. Test-only: O(tracked objects), memory from malloc. */
#include <inttypes.h>
#include <stdarg.h>

#include "../core/debug.h"
#include "../core/rt.h"
#include "check.h"
#include "weakref.h"

typedef struct check_entry {
    const mor_obj *obj; /* NULL: empty slot */
    uint64_t found;     /* references found from tracked objects */
} check_entry;

typedef struct check_ctx {
    check_entry *tab;
    size_t mask;
    int problems;
    const mor_obj *from; /* the object being traversed */
} check_ctx;

static void check_problem(check_ctx *c, const mor_obj *o, const char *fmt, ...) MOR_PRINTF(3, 4);

/* Count a problem; describe the first one. o's header is printed only when
 * its type pointer was found sane. */
static void check_problem(check_ctx *c, const mor_obj *o, const char *fmt, ...)
{
    if (c->problems++ > 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("mori_heap_check: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (o != NULL)
        fprintf(stderr, " (object at %p)", (const void *)o);
    fputc('\n', stderr);
}

static check_entry *check_slot(check_ctx *c, const mor_obj *o)
{
    uint64_t h = (uint64_t)(uintptr_t)o * 0x9E3779B97F4A7C15ULL;
    for (size_t i = (size_t)(h ^ (h >> 29)) & c->mask;; i = (i + 1) & c->mask)
        if (c->tab[i].obj == o || c->tab[i].obj == NULL)
            return &c->tab[i];
}

/* A type pointer we can follow: aligned, with a name, dealloc, and (for GC
 * types) traverse. Does not catch every wild pointer, only the usual damage
 * (NULL, poison, a freed object's type). */
static const char *check_type_problem(const mor_obj *o)
{
    const mor_type *t = o->type;
    if (t == NULL)
        return "type pointer is NULL";
    if (((uintptr_t)t & (sizeof(void *) - 1)) != 0)
        return "type pointer is misaligned";
    if (t == &mori_freed_type)
        return "object was freed";
    if (t->name == NULL || t->dealloc == NULL)
        return "type has no name or no dealloc";
    return NULL;
}

/* The lists every tracked object lives on outside a collection. */
static size_t check_lists(mor_rt *rt, mori_gchead **lists)
{
    size_t n = 0;
    for (int i = 0; i < MORI_GC_NGENS; i++)
        lists[n++] = &rt->gc.gens[i].head;
    lists[n++] = &rt->gc.permanent;
    lists[n++] = &rt->gc.parked;
    return n;
}

#define CHECK_NLISTS (MORI_GC_NGENS + 2)

/* Pass 1: walk the lists, check links and headers, enter each object in the
 * table. A list that loops or is reached twice stops the walk of that list. */
static void check_walk(mor_rt *rt, check_ctx *c, mori_gchead *list, bool parked, size_t limit)
{
    const uint32_t scratch = MORI_OF_COLLECTING | MORI_OF_UNREACHABLE;
    mori_gchead *prev = list;
    size_t steps = 0;
    for (mori_gchead *h = list->next; h != list; prev = h, h = h->next) {
        if (h == NULL) {
            check_problem(c, NULL, "a collector list is cut (NULL next link)");
            return;
        }
        if (++steps > limit) {
            check_problem(c, NULL, "a collector list does not close (more than %zu objects)", limit);
            return;
        }
        mor_obj *o = mori_gc_obj(h);
        if (h->prev != prev)
            check_problem(c, o, "broken back link on a collector list");
        const char *tp = check_type_problem(o);
        if (tp != NULL) {
            check_problem(c, o, "tracked object: %s", tp);
            continue;
        }
        const char *name = o->type->name;
        if (!(o->type->flags & MOR_TYPE_GC) || o->type->traverse == NULL)
            check_problem(c, o, "tracked '%s' object whose type is not a GC type", name);
        if (!(o->flags & MORI_OF_TRACKED))
            check_problem(c, o, "'%s' object on a collector list without TRACKED", name);
        if (o->flags & scratch)
            check_problem(c, o, "'%s' object keeps scratch bits %#x outside a collection", name,
                          o->flags & scratch);
        if (parked != ((o->flags & MORI_OF_DEFERRED) != 0))
            check_problem(c, o, "'%s' object: DEFERRED is %s on the %s list", name,
                          parked ? "clear" : "set", parked ? "parked" : "generation");
        if (o->refcnt == 0)
            check_problem(c, o, "tracked '%s' object has refcount 0", name);
        check_entry *e = check_slot(c, o);
        if (e->obj == o) {
            check_problem(c, o, "'%s' object is on two collector lists (or twice on one)", name);
            return;
        }
        e->obj = o;
        e->found = 0;
    }
    if (list->prev != prev)
        check_problem(c, NULL, "a collector list's tail link is wrong");
}

static int check_visit(mor_obj *ref, void *arg)
{
    check_ctx *c = arg;
    if (ref == NULL)
        return 0;
    if (((uintptr_t)ref & (sizeof(void *) - 1)) != 0) {
        check_problem(c, c->from, "'%s' object refers to a misaligned address %p",
                      c->from->type->name, (void *)ref);
        return 0;
    }
    const char *tp = check_type_problem(ref);
    if (tp != NULL) {
        check_problem(c, c->from, "'%s' object refers to %p: %s", c->from->type->name,
                      (void *)ref, tp);
        return 0;
    }
    check_entry *e = check_slot(c, ref);
    if (e->obj == ref)
        e->found++;
    return 0;
}

/* One chunk table of the side table. */
static void check_weakref_chunk(mor_rt *rt, check_ctx *c, const mori_ptrmap *m,
                                const mori_ptrchunk *ch)
{
    for (size_t i = 0; i <= ch->mask; i++) {
        const mor_obj *target = ch->slots[i].key;
        if (target == NULL)
            continue;
        const char *tp = check_type_problem(target);
        if (tp != NULL) {
            check_problem(c, target, "weak reference target: %s", tp);
            continue;
        }
        if (!(target->flags & MORI_OF_WEAKREFS))
            check_problem(c, target, "'%s' object has weak references but no WEAKREFS flag",
                          target->type->name);
        size_t steps = 0;
        for (const mori_weakref *w = ch->slots[i].value; w != NULL; w = mori_wr_next(w)) {
            if (++steps > m->used + (size_t)rt->mem.live_objects + 1) {
                check_problem(c, target, "the weak reference chain of a target loops");
                break;
            }
            if (check_type_problem(&w->head) != NULL || !mori_is_weakref(&w->head)) {
                check_problem(c, target, "a weak reference to a '%s' object is not a live weakref",
                              target->type->name);
                break;
            }
            if (w->target != target)
                check_problem(c, &w->head, "weak reference on the chain of %p points at %p",
                              (const void *)target, (const void *)w->target);
            if (w->head.refcnt == 0)
                check_problem(c, &w->head, "weak reference with refcount 0");
        }
    }
}

/* The weak reference side table: target -> newest reference -> older ones. */
static void check_weakrefs(mor_rt *rt, check_ctx *c)
{
    const mori_ptrmap *m = &rt->weakrefs;
    for (size_t d = 0; m->dir != NULL && d <= m->dir_mask; d++)
        if (m->dir[d].no != 0)
            check_weakref_chunk(rt, c, m, m->dir[d].chunk);
}

int mori_heap_check(mor_rt *rt)
{
    check_ctx c = {NULL, 0, 0, NULL};
    if (rt->gc.collecting) {
        check_problem(&c, NULL, "called during a collection");
        return c.problems;
    }
    mori_gchead *lists[CHECK_NLISTS];
    size_t nlists = check_lists(rt, lists);
    /* a bound on list lengths so that a corrupt list cannot loop forever:
     * every tracked object is a live object (static ones are few) */
    size_t limit = (size_t)rt->mem.live_objects + 4096;
    size_t cap = 64;
    while (cap < 2 * limit)
        cap *= 2;
    c.tab = calloc(cap, sizeof(check_entry));
    if (c.tab == NULL) {
        check_problem(&c, NULL, "out of memory (%zu table slots)", cap);
        return c.problems;
    }
    c.mask = cap - 1;

    for (size_t i = 0; i < nlists; i++)
        check_walk(rt, &c, lists[i], lists[i] == &rt->gc.parked, limit);
    /* pass 2: count the references among tracked objects. Only entries that
     * passed the header checks are traversed. */
    if (c.problems == 0) {
        for (size_t i = 0; i <= c.mask; i++) {
            if (c.tab[i].obj == NULL)
                continue;
            c.from = c.tab[i].obj;
            c.from->type->traverse((mor_obj *)c.from, check_visit, &c);
        }
        for (size_t i = 0; i <= c.mask; i++) {
            const check_entry *e = &c.tab[i];
            if (e->obj != NULL && e->obj->refcnt != MOR_REFCNT_IMMORTAL && e->found > e->obj->refcnt)
                check_problem(&c, e->obj,
                              "refcount too small: '%s' object has refcount %" PRIu32
                              " but %" PRIu64 " references from tracked objects",
                              e->obj->type->name, e->obj->refcnt, e->found);
        }
    }
    check_weakrefs(rt, &c);
    free(c.tab);
    return c.problems;
}
