/* runtime/types/list.c: mutable sequences with CPython 3.11's growth policy
 * (so sizes match sys.getsizeof: list(range(1000)) is exactly sized, 1000
 * appends end with 1100 slots). List shells come from a pool. */
#include "../core/strbuf.h"
#include "../mem/pool.h"
#include "types.h"

static inline mori_list *as_list(mor_obj *o) { return (mori_list *)o; }

/* Invariant: 0 <= size <= allocated; items has `allocated` slots (NULL when
 * allocated == 0); items[0..size) are owned references, never NULL. */

/* A tracked list shell from the pool owning `items` (allocated slots, may be
 * NULL), size 0; NULL + MemoryError (items are then the caller's). */
static inline __attribute__((always_inline)) mor_obj *list_shell(mor_rt *rt, mor_obj **items,
                                                                  size_t allocated)
{
    mori_gc_safepoint(rt);
    void *block = mori_pool_take(rt, &rt->mem.pools[MORI_POOL_LIST]);
    if (MOR_UNLIKELY(block == NULL))
        return NULL;
    mor_obj *o = mori_gc_adopt(rt, block, &mori_list_type);
    mori_list *l = as_list(o);
    l->size = 0;
    l->items = items;
    l->allocated = (int64_t)allocated;
    mori_gc_track(rt, o);
    return o;
}

static mor_obj *list_new_sized(mor_rt *rt, size_t n)
{
    if (n > (size_t)INT64_MAX / sizeof(mor_obj *)) {
        mor_raise(rt, MOR_EXC_MEMORY, "list of %zu items is too large", n);
        return NULL;
    }
    mor_obj **items = mori_mem_alloc(rt, n * sizeof(mor_obj *), MORI_MEM_BUFFER);
    if (items == NULL)
        return NULL;
    mor_obj *o = list_shell(rt, items, n);
    if (o == NULL)
        mori_mem_free(rt, items, n * sizeof(mor_obj *), MORI_MEM_BUFFER);
    return o;
}

mor_obj *mori_list_new(mor_rt *rt, size_t n)
{
    return n == 0 ? list_shell(rt, NULL, 0) : list_new_sized(rt, n);
}

int mori_list_resize(mor_rt *rt, mor_obj *o, int64_t newsize)
{
    mori_list *l = as_list(o);
    int64_t allocated = l->allocated;
    if (allocated >= newsize && newsize >= (allocated >> 1)) {
        l->size = newsize;
        return 0;
    }
    /* over-allocate by about 1/8, rounded to 4 slots; a jump past that
     * (extend by many) gets exactly what it needs */
    uint64_t na = ((uint64_t)newsize + ((uint64_t)newsize >> 3) + 6) & ~(uint64_t)3;
    if ((uint64_t)(newsize - l->size) > na - (uint64_t)newsize)
        na = ((uint64_t)newsize + 3) & ~(uint64_t)3;
    if (newsize == 0)
        na = 0;
    if (na > (uint64_t)INT64_MAX / sizeof(mor_obj *)) {
        mor_raise(rt, MOR_EXC_MEMORY, "list of %lld items is too large", (long long)newsize);
        return -1;
    }
    mor_obj **items;
    if (na == 0) {
        mori_mem_free(rt, l->items, (size_t)allocated * sizeof(mor_obj *), MORI_MEM_BUFFER);
        items = NULL;
    } else {
        items = mori_mem_realloc(rt, l->items, (size_t)allocated * sizeof(mor_obj *),
                                 (size_t)na * sizeof(mor_obj *), MORI_MEM_BUFFER);
        if (items == NULL)
            return -1;
    }
    l->items = items;
    l->allocated = (int64_t)na;
    l->size = newsize;
    return 0;
}

static int list_check(mor_rt *rt, mor_obj *l, const char *fn)
{
    if (l->type == &mori_list_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a list, got '%s'", fn, l->type->name);
    return -1;
}

/* ---- public API ------------------------------------------------------------------------ */

mor_obj *mor_list(mor_rt *rt, size_t n, ...)
{
    if (n == 0) /* no argument list to walk */
        return list_shell(rt, NULL, 0);
    mor_obj *o = list_new_sized(rt, n);
    if (o == NULL)
        return NULL;
    mori_list *l = as_list(o);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        l->items[i] = mor_newref(va_arg(ap, mor_obj *));
    va_end(ap);
    l->size = (int64_t)n;
    return o;
}

bool mor_is_list(const mor_obj *o) { return o->type == &mori_list_type; }

int mor_list_append_steal(mor_rt *rt, mor_obj *o, mor_obj *x)
{
    if (list_check(rt, o, "mor_list_append") < 0) {
        mor_decref(rt, x);
        return -1;
    }
    mori_list *l = as_list(o);
    int64_t n = l->size;
    if (MOR_LIKELY(n < l->allocated)) {
        l->items[n] = x;
        l->size = n + 1;
        return 0;
    }
    if (mori_list_resize(rt, o, n + 1) < 0) {
        mor_decref(rt, x);
        return -1;
    }
    l->items[n] = x;
    return 0;
}

int mor_list_append(mor_rt *rt, mor_obj *o, mor_obj *x)
{
    mor_incref(x);
    return mor_list_append_steal(rt, o, x);
}

int mor_list_insert(mor_rt *rt, mor_obj *o, int64_t index, mor_obj *x)
{
    if (list_check(rt, o, "mor_list_insert") < 0)
        return -1;
    mori_list *l = as_list(o);
    int64_t n = l->size;
    if (mori_list_resize(rt, o, n + 1) < 0)
        return -1;
    if (index < 0) {
        index += n;
        if (index < 0)
            index = 0;
    }
    if (index > n)
        index = n;
    memmove(&l->items[index + 1], &l->items[index], (size_t)(n - index) * sizeof(mor_obj *));
    l->items[index] = mor_newref(x);
    return 0;
}

mor_obj *mor_list_pop(mor_rt *rt, mor_obj *o, int64_t index)
{
    if (list_check(rt, o, "mor_list_pop") < 0)
        return NULL;
    mori_list *l = as_list(o);
    int64_t n = l->size;
    if (n == 0) {
        mor_raise(rt, MOR_EXC_INDEX, "pop from empty list");
        return NULL;
    }
    if (index < 0)
        index += n;
    if (index < 0 || index >= n) {
        mor_raise(rt, MOR_EXC_INDEX, "pop index out of range");
        return NULL;
    }
    mor_obj *x = l->items[index];
    memmove(&l->items[index], &l->items[index + 1], (size_t)(n - index - 1) * sizeof(mor_obj *));
    if (mori_list_resize(rt, o, n - 1) < 0) {
        /* shrinking failed: keep the old allocation, just drop the item */
        mor_err_clear(rt);
        l->size = n - 1;
    }
    return x; /* the list's reference becomes the caller's */
}

int mor_list_extend(mor_rt *rt, mor_obj *o, mor_obj *iterable)
{
    if (list_check(rt, o, "mor_list_extend") < 0)
        return -1;
    mori_list *l = as_list(o);
    size_t m;
    mor_obj *const *src = mor_seq_items(iterable, &m);
    if (src != NULL) {
        /* a list or tuple (possibly o itself): size first, then copy */
        int64_t n = l->size;
        if (m == 0)
            return 0;
        if (mori_list_resize(rt, o, n + (int64_t)m) < 0)
            return -1;
        src = mor_seq_items(iterable, &m); /* o's items may have moved */
        if (iterable == o)
            m = (size_t)n;
        for (size_t i = 0; i < m; i++)
            l->items[n + (int64_t)i] = mor_newref(src[i]);
        return 0;
    }
    mor_obj *it = mor_iter(rt, iterable);
    if (it == NULL)
        return -1;
    mor_obj *x;
    while ((x = mor_next(rt, it)) != NULL) {
        if (mor_list_append_steal(rt, o, x) < 0)
            break;
    }
    mor_decref(rt, it);
    return mor_err_kind(rt) != MOR_EXC_NONE ? -1 : 0;
}

mor_obj *mor_list_from(mor_rt *rt, mor_obj *iterable)
{
    /* preallocate exactly when the length is known, as CPython does */
    size_t hint = 0;
    const mor_container_slots *c = iterable->type->container;
    if (c != NULL && c->len != NULL && iterable->type->iter != NULL) {
        int64_t n = c->len(rt, iterable);
        if (n < 0)
            return NULL;
        hint = (size_t)n;
    }
    mor_obj *l = mori_list_new(rt, hint);
    if (l == NULL)
        return NULL;
    if (mor_list_extend(rt, l, iterable) < 0) {
        mor_decref(rt, l);
        return NULL;
    }
    return l;
}

int mor_list_sort(mor_rt *rt, mor_obj *o)
{
    if (list_check(rt, o, "mor_list_sort") < 0)
        return -1;
    mori_list *l = as_list(o);
    /* sort a detached array: comparisons may run code that touches the list */
    mor_obj **items = l->items;
    int64_t n = l->size, allocated = l->allocated;
    l->items = NULL;
    l->size = l->allocated = 0;
    int rc = mori_listsort(rt, items, n);
    bool modified = l->items != NULL || l->size != 0;
    if (modified) {
        mor_obj **extra = l->items;
        int64_t extra_n = l->size, extra_alloc = l->allocated;
        l->items = NULL;
        l->size = l->allocated = 0;
        for (int64_t i = 0; i < extra_n; i++)
            mor_decref(rt, extra[i]);
        mori_mem_free(rt, extra, (size_t)extra_alloc * sizeof(mor_obj *), MORI_MEM_BUFFER);
    }
    l->items = items;
    l->size = n;
    l->allocated = allocated;
    if (rc == 0 && modified) {
        mor_raise(rt, MOR_EXC_VALUE, "list modified during sort");
        rc = -1;
    }
    return rc;
}

/* ---- slots -------------------------------------------------------------------------------- */

static __attribute__((noinline)) void list_dealloc_items(mor_rt *rt, mor_obj *self)
{
    mori_list *l = as_list(self);
    for (int64_t i = l->size; i-- > 0;)
        mor_decref(rt, l->items[i]);
    mori_mem_free(rt, l->items, (size_t)l->allocated * sizeof(mor_obj *), MORI_MEM_BUFFER);
    mori_pool_give(rt, &rt->mem.pools[MORI_POOL_LIST], mori_gc_release(rt, self));
}

/* A list that never had items (no buffer) is just its shell: no frame. */
static void list_dealloc(mor_rt *rt, mor_obj *self)
{
    if (as_list(self)->items != NULL) {
        list_dealloc_items(rt, self);
        return;
    }
    mori_pool_give(rt, &rt->mem.pools[MORI_POOL_LIST], mori_gc_release(rt, self));
}

static int list_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mori_list *l = as_list(self);
    for (int64_t i = 0; i < l->size; i++) {
        int r = visit(l->items[i], arg);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Empty the list before releasing anything: a decref may run code that looks
 * at it. */
static void list_clear(mor_rt *rt, mor_obj *self)
{
    mori_list *l = as_list(self);
    mor_obj **items = l->items;
    int64_t n = l->size, allocated = l->allocated;
    l->items = NULL;
    l->size = l->allocated = 0;
    for (int64_t i = n; i-- > 0;)
        mor_decref(rt, items[i]);
    mori_mem_free(rt, items, (size_t)allocated * sizeof(mor_obj *), MORI_MEM_BUFFER);
}

static mor_obj *list_repr(mor_rt *rt, mor_obj *self)
{
    mori_list *l = as_list(self);
    if (l->size == 0)
        return mori_str_from_ascii(rt, "[]", 2);
    int r = mori_repr_enter(rt, self);
    if (r != 0)
        return r > 0 ? mori_str_from_ascii(rt, "[...]", 5) : NULL;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addc(&sb, '[');
    /* the list may change while items are repr'd: re-read size each time */
    for (int64_t i = 0; i < l->size && !sb.failed; i++) {
        if (i > 0)
            mori_sb_add(&sb, ", ", 2);
        mor_obj *x = mor_newref(l->items[i]);
        mori_sb_add_repr(&sb, x);
        mor_decref(rt, x);
    }
    mori_sb_addc(&sb, ']');
    mori_repr_leave(rt, self);
    return mori_sb_finish(&sb);
}

static int list_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    if (other->type != &mori_list_type)
        return MOR_NOTIMPL;
    mori_list *a = as_list(self), *b = as_list(other);
    return mori_seq_compare(rt, a->items, a->size, b->items, b->size, MOR_EQ);
}

static int list_compare(mor_rt *rt, mor_obj *self, mor_obj *other, mor_cmp op)
{
    if (other->type != &mori_list_type)
        return MOR_NOTIMPL;
    mori_list *a = as_list(self), *b = as_list(other);
    return mori_seq_compare(rt, a->items, a->size, b->items, b->size, op);
}

static int64_t list_len(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return as_list(self)->size;
}

/* Resolve an index key against the list; -1 with IndexError `msg` if out of range. */
static int list_index(mor_rt *rt, mori_list *l, mor_obj *key, int64_t *out, const char *msg)
{
    int64_t i;
    if (mori_int_as_index(rt, key, &i, "list indices") < 0)
        return -1;
    if (i < 0)
        i += l->size;
    if (i < 0 || i >= l->size) {
        mor_raise(rt, MOR_EXC_INDEX, "%s", msg);
        return -1;
    }
    *out = i;
    return 0;
}

static mor_obj *list_getitem(mor_rt *rt, mor_obj *self, mor_obj *key)
{
    mori_list *l = as_list(self);
    int64_t i;
    if (mori_int_is_small(key)) {
        i = mori_int_small_value(key);
        if (i < 0)
            i += l->size;
        if ((uint64_t)i < (uint64_t)l->size)
            return mor_newref(l->items[i]);
    }
    if (list_index(rt, l, key, &i, "list index out of range") < 0)
        return NULL;
    return mor_newref(l->items[i]);
}

static int list_setitem(mor_rt *rt, mor_obj *self, mor_obj *key, mor_obj *v)
{
    mori_list *l = as_list(self);
    int64_t i;
    if (list_index(rt, l, key, &i, "list assignment index out of range") < 0)
        return -1;
    mor_obj *old = l->items[i];
    if (v != NULL) {
        l->items[i] = mor_newref(v);
    } else {
        memmove(&l->items[i], &l->items[i + 1], (size_t)(l->size - i - 1) * sizeof(mor_obj *));
        if (mori_list_resize(rt, self, l->size - 1) < 0) {
            mor_err_clear(rt);
            l->size--;
        }
    }
    mor_decref(rt, old);
    return 0;
}

static int list_contains(mor_rt *rt, mor_obj *self, mor_obj *x)
{
    mori_list *l = as_list(self);
    for (int64_t i = 0; i < l->size; i++) {
        mor_obj *item = mor_newref(l->items[i]);
        int r = mor_eq(rt, item, x);
        mor_decref(rt, item);
        if (r != 0)
            return r;
    }
    return 0;
}

static mor_obj *list_slice(mor_rt *rt, mor_obj *self, int64_t start, int64_t stop, int64_t step,
                           int64_t count)
{
    (void)stop;
    mori_list *l = as_list(self);
    mor_obj *o = mori_list_new(rt, (size_t)count);
    if (o == NULL)
        return NULL;
    mori_list *r = as_list(o);
    for (int64_t i = 0, j = start; i < count; i++, j += step)
        r->items[i] = mor_newref(l->items[j]);
    r->size = count;
    return o;
}

static mor_obj *list_concat(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (a->type != &mori_list_type || b->type != &mori_list_type)
        return mor_not_implemented(rt);
    mori_list *x = as_list(a), *y = as_list(b);
    int64_t n = x->size + y->size;
    mor_obj *o = mori_list_new(rt, (size_t)n);
    if (o == NULL)
        return NULL;
    mori_list *r = as_list(o);
    for (int64_t i = 0; i < x->size; i++)
        r->items[i] = mor_newref(x->items[i]);
    for (int64_t i = 0; i < y->size; i++)
        r->items[x->size + i] = mor_newref(y->items[i]);
    r->size = n;
    return o;
}

static mor_obj *list_repeat(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    mor_obj *seq;
    int64_t times;
    if (!mori_seq_repeat_count(rt, a, b, &mori_list_type, &seq, &times))
        return mor_not_implemented(rt);
    mori_list *l = as_list(seq);
    if (l->size != 0 && times > INT64_MAX / 8 / l->size) {
        mor_raise(rt, MOR_EXC_MEMORY, "repeated list is too large");
        return NULL;
    }
    int64_t n = l->size * times;
    mor_obj *o = mori_list_new(rt, (size_t)n);
    if (o == NULL)
        return NULL;
    mori_list *r = as_list(o);
    for (int64_t i = 0; i < n; i++)
        r->items[i] = mor_newref(l->items[i % l->size]);
    r->size = n;
    return o;
}

static size_t list_size_of(const mor_obj *self)
{
    const mori_list *l = (const mori_list *)self;
    return MORI_GC_HEAD_SIZE + sizeof(mori_list) + (size_t)l->allocated * sizeof(mor_obj *);
}

static mor_obj *list_iter(mor_rt *rt, mor_obj *self) { return mori_seqiter_new(rt, self); }

static const mor_number_slots list_number = {.add = list_concat, .mul = list_repeat};
static const mor_container_slots list_container = {
    .len = list_len,
    .getitem = list_getitem,
    .setitem = list_setitem,
    .contains = list_contains,
    .slice = list_slice,
};

const mor_type mori_list_type = {
    .name = "list",
    .basicsize = sizeof(mori_list),
    .flags = MOR_TYPE_GC,
    .dealloc = list_dealloc,
    .traverse = list_traverse,
    .clear = list_clear,
    .repr = list_repr,
    .eq = list_eq,
    .compare = list_compare,
    .iter = list_iter,
    .size_of = list_size_of,
    .number = &list_number,
    .container = &list_container,
};
