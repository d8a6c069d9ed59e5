/* runtime/types/singletons.c: None, NotImplemented, True and False: immortal
 * objects of each runtime (None and NotImplemented live inside the handle). */
#include "types.h"

mor_obj *mor_none(mor_rt *rt) { return &rt->none; }
mor_obj *mor_bool(mor_rt *rt, bool v) { return v ? rt->true_obj : rt->false_obj; }
bool mor_is_none(mor_rt *rt, const mor_obj *o) { return o == &rt->none; }
mor_obj *mor_not_implemented(mor_rt *rt) { return &rt->notimpl; }

static mor_obj *singletons_new_bool(mor_rt *rt, int64_t v)
{
    mori_int *b = (mori_int *)mori_obj_alloc_atomic(rt, &mori_bool_type, sizeof(mori_int));
    if (b == NULL)
        return NULL;
    b->value = v;
    mori_rt_make_static(rt, &b->head);
    return &b->head;
}

int mori_singletons_init(mor_rt *rt)
{
    mori_init_header(&rt->none, &mori_none_type);
    rt->none.refcnt = MOR_REFCNT_IMMORTAL;
    rt->none.flags = MORI_OF_STATIC;
    mori_init_header(&rt->notimpl, &mori_notimpl_type);
    rt->notimpl.refcnt = MOR_REFCNT_IMMORTAL;
    rt->notimpl.flags = MORI_OF_STATIC;
    rt->false_obj = singletons_new_bool(rt, 0);
    rt->true_obj = singletons_new_bool(rt, 1);
    return rt->false_obj && rt->true_obj ? 0 : -1;
}

void mori_singletons_fini(mor_rt *rt)
{
    if (rt->true_obj != NULL)
        mori_obj_free(rt, rt->true_obj, sizeof(mori_int));
    if (rt->false_obj != NULL)
        mori_obj_free(rt, rt->false_obj, sizeof(mori_int));
    rt->true_obj = rt->false_obj = NULL;
}

/* ---- slots ------------------------------------------------------------------------- */

static void singleton_dealloc(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    mor_fatal(self, "deallocating a singleton");
}

static mor_obj *none_repr(mor_rt *rt, mor_obj *self)
{
    (void)self;
    return mori_str_from_ascii(rt, "None", 4);
}

static int none_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    (void)self;
    *out = 0xFCA86420; /* a constant: None is one object per runtime */
    return 0;
}

static int none_truth(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    (void)self;
    return 0;
}

static const mor_number_slots none_number = {.truth = none_truth};

const mor_type mori_none_type = {
    .name = "NoneType",
    .basicsize = sizeof(mor_obj),
    .dealloc = singleton_dealloc,
    .repr = none_repr,
    .hash = none_hash,
    .number = &none_number,
};

static mor_obj *notimpl_repr(mor_rt *rt, mor_obj *self)
{
    (void)self;
    return mori_str_from_ascii(rt, "NotImplemented", 14);
}

const mor_type mori_notimpl_type = {
    .name = "NotImplementedType",
    .basicsize = sizeof(mor_obj),
    .dealloc = singleton_dealloc,
    .repr = notimpl_repr,
    .hash = none_hash,
};
