/* runtime/core/debug.c: the freed-object type, poisoning and the quarantine of
 * freed objects (debug.h). The type is defined in every build; poisoning and
 * the quarantine only when MORI_POISON. */
#include "debug.h"

#include "rt.h"

#include "mor/buffer.h"

const char *mori_freed_name(const mor_obj *o)
{
    if (o->flags & MORI_FREED_NAME_BODY)
        return (const char *)(o + 1);
    if (o->flags & MORI_FREED_NAME_HEAD)
        return (const char *)mori_gc_head(o);
    return "(type unknown)";
}

/* ---- the freed-object type: every slot is fatal -------------------------------- */

MOR_NORETURN static void freed_used(const mor_obj *o, const char *what)
{
    mor_fatal(o, "use of a freed object: %s of a freed '%.*s' object at %p", what,
              MORI_FREED_NAME_MAX, mori_freed_name(o), (const void *)o);
}

static void freed_dealloc(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    mor_fatal(self, "mor_decref of a freed '%.*s' object at %p (one decref too many, or a use "
              "after free)", MORI_FREED_NAME_MAX, mori_freed_name(self), (void *)self);
}

static int freed_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    (void)visit, (void)arg;
    freed_used(self, "traverse");
}

static void freed_clear(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "clear"); }
static mor_obj *freed_repr(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "repr"); }

static int freed_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt, (void)out;
    freed_used(self, "hash");
}

static int freed_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt, (void)other;
    freed_used(self, "comparison");
}

static int freed_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    (void)rt, (void)other, (void)op;
    freed_used(self, "comparison");
}

static mor_obj *freed_iter(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "iter"); }
static mor_obj *freed_next(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "next"); }

static mor_obj *freed_call(mor_rt *rt, mor_obj *self, size_t nargs, mor_obj *const *args)
{
    (void)rt, (void)nargs, (void)args;
    freed_used(self, "call");
}

static mor_obj *freed_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    (void)rt, (void)name;
    freed_used(self, "getattr");
}

static int freed_setattr(mor_rt *rt, mor_obj *self, const char *name, mor_obj *v)
{
    (void)rt, (void)name, (void)v;
    freed_used(self, "setattr");
}

static size_t freed_size_of(const mor_obj *self) { freed_used(self, "sizeof"); }

static mor_obj *freed_binary(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    (void)rt;
    freed_used(mori_is_freed(a) ? a : b, "arithmetic");
}

static mor_obj *freed_neg(mor_rt *rt, mor_obj *a) { (void)rt, freed_used(a, "arithmetic"); }
static int freed_truth(mor_rt *rt, mor_obj *a) { (void)rt, freed_used(a, "truth test"); }
static int64_t freed_len(mor_rt *rt, mor_obj *self) { (void)rt, freed_used(self, "len"); }

static mor_obj *freed_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    (void)rt, (void)key;
    freed_used(self, "getitem");
}

static int freed_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    (void)rt, (void)key, (void)v;
    freed_used(self, "setitem");
}

static int freed_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    (void)rt, (void)x;
    freed_used(self, "contains");
}

static mor_obj *freed_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                            int64_t count)
{
    (void)rt, (void)start, (void)stop, (void)step, (void)count;
    freed_used(self, "slice");
}

static int freed_buffer_get(mor_rt *rt, mor_obj *self, mor_buffer *view, bool writable)
{
    (void)rt, (void)view, (void)writable;
    freed_used(self, "buffer export");
}

static void freed_buffer_release(mor_rt *rt, mor_obj *self, mor_buffer *view)
{
    (void)rt, (void)view;
    freed_used(self, "buffer release");
}

static int64_t freed_buffer_exports(const mor_obj *self) { freed_used(self, "buffer exports"); }

static bool freed_untrack_ok(const mor_obj *self, bool full)
{
    (void)full;
    freed_used(self, "collection");
}

static const mor_number_slots freed_number = {
    freed_binary, freed_binary, freed_binary, freed_binary, freed_binary,
    freed_binary, freed_binary, freed_neg,    freed_truth,
};

static const mor_container_slots freed_container = {
    freed_len, freed_getitem, freed_setitem, freed_contains, freed_slice,
};

static const mor_buffer_slots freed_buffer = {
    freed_buffer_get,
    freed_buffer_release,
    freed_buffer_exports,
};

const mor_type mori_freed_type = {
    .name = "freed object",
    .basicsize = sizeof(mor_obj),
    .dealloc = freed_dealloc,
    .traverse = freed_traverse,
    .clear = freed_clear,
    .repr = freed_repr,
    .hash = freed_hash,
    .eq = freed_eq,
    .compare = freed_compare,
    .iter = freed_iter,
    .next = freed_next,
    .call = freed_call,
    .getattr = freed_getattr,
    .setattr = freed_setattr,
    .size_of = freed_size_of,
    .number = &freed_number,
    .container = &freed_container,
    .buffer = &freed_buffer,
    .untrack_ok = freed_untrack_ok,
};

/* ---- poisoning and the quarantine (debug builds) ----------------------------------- */
#if MORI_POISON

static mor_obj *debug_obj_of(void *block, mori_mem_kind kind)
{
    return kind == MORI_MEM_GC_OBJECT ? mori_gc_obj(block) : (mor_obj *)block;
}

/* Poison a block of n bytes (a freed object of `kind` whose type was named
 * `name`): the pattern over the first MORI_POISON_SPAN bytes, then the header
 * and the copy of the name. Deterministic: the check redoes it and compares. */
static void debug_poison(void *block, size_t n, mori_mem_kind kind, const char *name)
{
    size_t span = n < MORI_POISON_SPAN ? n : MORI_POISON_SPAN;
    memset(block, MORI_FREED_BYTE, span);
    mor_obj *o = debug_obj_of(block, kind);
    size_t body = (size_t)((char *)block + span - (char *)(o + 1)); /* room after the header */
    char *copy = NULL;
    size_t room = 0;
    o->refcnt = 0;
    o->flags = 0;
    o->type = &mori_freed_type;
    if (body >= 8) {
        o->flags = MORI_FREED_NAME_BODY;
        copy = (char *)(o + 1);
        room = body;
    } else if (kind == MORI_MEM_GC_OBJECT) {
        o->flags = MORI_FREED_NAME_HEAD;
        copy = block;
        room = MORI_GC_HEAD_SIZE;
    }
    if (copy != NULL) {
        if (room > MORI_FREED_NAME_MAX)
            room = MORI_FREED_NAME_MAX;
        size_t len = strnlen(name, room - 1);
        memcpy(copy, name, len);
        copy[len] = '\0';
    }
}

/* Was the block written to since it was poisoned? The first span bytes must
 * be what poisoning wrote. */
static bool debug_intact(const mori_quarantined *q)
{
    _Alignas(16) unsigned char expect[MORI_POISON_SPAN];
    size_t span = q->size < MORI_POISON_SPAN ? q->size : MORI_POISON_SPAN;
    debug_poison(expect, span, (mori_mem_kind)q->kind, q->name);
    return memcmp(expect, q->block, span) == 0;
}

/* The oldest block leaves: check it, then hand it on. */
static void debug_evict(mor_rt *rt)
{
    mori_quarantine *qr = &rt->quarantine;
    unsigned tail = (qr->head + MORI_QUARANTINE - qr->n) % MORI_QUARANTINE;
    mori_quarantined q = qr->ring[tail];
    qr->n--;
    qr->bytes -= q.size;
    if (!debug_intact(&q))
        mor_fatal(NULL, "a freed '%s' object at %p was written to after it was freed "
                  "(a use after free)", q.name,
                  (void *)debug_obj_of(q.block, (mori_mem_kind)q.kind));
    if (q.pool == NULL) { /* counted as freed when it came in */
        mori_backend_free(rt->mem.backend, q.block, (mori_mem_kind)q.kind);
        return;
    }
    qr->pool_blocks--;
    qr->pool_bytes -= q.size;
    mori_pool *pool = q.pool;
    if (pool->count < pool->max && rt->mem.slow == 0) {
        *(void **)q.block = pool->head;
        pool->head = q.block;
        pool->count++;
    } else {
        /* counted as held by the pool: the funnel does the accounting, and
         * the block, being poisoned, goes straight to the backend */
        mori_mem_free(rt, q.block, pool->blocksize, pool->kind);
    }
}

static void debug_quarantine(mor_rt *rt, void *block, size_t n, mori_mem_kind kind,
                             mori_pool *pool)
{
    mori_quarantine *qr = &rt->quarantine;
    while (qr->n == MORI_QUARANTINE || (qr->n > 0 && qr->bytes + n > MORI_QUARANTINE_MAX_BYTES))
        debug_evict(rt);
    mori_quarantined *q = &qr->ring[qr->head];
    const mor_type *t = debug_obj_of(block, kind)->type;
    /* bounded: the type's name is read at most this far (no snprintf: this
     * runs at every free of a debug build) */
    const char *name = t != NULL && t->name != NULL ? t->name : "?";
    size_t len = strnlen(name, sizeof(q->name) - 1);
    memcpy(q->name, name, len);
    q->name[len] = '\0';
    q->block = block;
    q->pool = pool;
    q->size = (uint32_t)n;
    q->kind = (uint8_t)kind;
    debug_poison(block, n, kind, q->name);
    qr->head = (qr->head + 1) % MORI_QUARANTINE;
    qr->n++;
    qr->bytes += n;
    if (pool != NULL) {
        qr->pool_blocks++;
        qr->pool_bytes += n;
    }
}

void mori_debug_free_object(mor_rt *rt, void *block, size_t n, mori_mem_kind kind)
{
    mor_obj *o = debug_obj_of(block, kind);
    if (mori_is_freed(o) || n > MORI_QUARANTINE_MAX_BLOCK) {
        mori_backend_free(rt->mem.backend, block, kind);
        return;
    }
    debug_quarantine(rt, block, n, kind, NULL);
}

void mori_debug_pool_give(mor_rt *rt, mori_pool *pool, void *block)
{
    if (pool->count < pool->max && rt->mem.slow == 0)
        debug_quarantine(rt, block, pool->blocksize, pool->kind, pool);
    else
        mori_pool_give_slow(rt, pool, block);
}

void mori_debug_quarantine_flush(mor_rt *rt)
{
    while (rt->quarantine.n > 0)
        debug_evict(rt);
}

#endif
