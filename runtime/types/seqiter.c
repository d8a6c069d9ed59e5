/* runtime/types/seqiter.c: the iterator over lists and tuples: an index into
 * the sequence, re-checked against its current length at every step (a list
 * may shrink or grow while it is iterated, as in Python). */
#include "types.h"

typedef struct seqiter_obj {
    mor_obj head;
    mor_obj *seq; /* NULL once exhausted */
    int64_t index;
} seqiter_obj;

extern const mor_type mori_seqiter_type MOR_INTERNAL;

mor_obj *mori_seqiter_new(mor_rt *rt, mor_obj *seq)
{
    seqiter_obj *it = (seqiter_obj *)mori_gc_alloc(rt, &mori_seqiter_type, sizeof(seqiter_obj));
    if (it == NULL)
        return NULL;
    it->seq = mor_newref(seq);
    it->index = 0;
    mori_gc_track(rt, &it->head);
    return &it->head;
}

static void seqiter_clear(mor_rt *rt, mor_obj *self)
{
    seqiter_obj *it = (seqiter_obj *)self;
    mor_obj *s = it->seq;
    it->seq = NULL;
    mor_xdecref(rt, s);
}

static mor_obj *seqiter_next(mor_rt *rt, mor_obj *self)
{
    seqiter_obj *it = (seqiter_obj *)self;
    if (it->seq == NULL)
        return NULL;
    size_t n;
    mor_obj *const *items = mor_seq_items(it->seq, &n);
    if ((uint64_t)it->index < n)
        return mor_newref(items[it->index++]);
    seqiter_clear(rt, self);
    return NULL;
}

static mor_obj *seqiter_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

static void seqiter_dealloc(mor_rt *rt, mor_obj *self)
{
    seqiter_clear(rt, self);
    mori_gc_free(rt, self, sizeof(seqiter_obj));
}

static int seqiter_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    seqiter_obj *it = (seqiter_obj *)self;
    return it->seq ? visit(it->seq, arg) : 0;
}

const mor_type mori_seqiter_type = {
    .name = "sequence_iterator",
    .basicsize = sizeof(seqiter_obj),
    .flags = MOR_TYPE_GC,
    .dealloc = seqiter_dealloc,
    .traverse = seqiter_traverse,
    .clear = seqiter_clear,
    .iter = seqiter_iter,
    .next = seqiter_next,
};
