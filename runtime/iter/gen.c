/* runtime/iter/gen.c: stackless generators: the resume loop behind mor_next,
 * mor_gen_send, mor_gen_throw and mor_gen_close, delegation (yield from),
 * and the helpers the protothread macros of mor/iter.h call. */
#include "../core/strbuf.h"
#include "../types/types.h"
#include "iter.h"

/* flags beyond the public ones (MOR_GEN_FLAG_THROWN_, MOR_GEN_FLAG_DELEGATE_) */
#define GEN_CLEANUP 4u /* the cleanup section was entered */
#define GEN_STASHED 8u /* `value` holds the exception set aside during the cleanup */

static inline mor_gen *as_gen(mor_obj *o) { return (mor_gen *)o; }

static size_t gen_bytes(size_t nlocals, size_t cbytes)
{
    return sizeof(mor_gen) + nlocals * sizeof(mor_obj *) + ((cbytes + 7) & ~(size_t)7);
}

mor_obj *mor_gen_new(mor_rt *rt, const char *name, mor_gen_fn fn, size_t nlocals, size_t cbytes)
{
    if (fn == NULL || name == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_gen_new: %s is NULL", fn == NULL ? "fn" : "name");
        return NULL;
    }
    if (nlocals > UINT16_MAX || cbytes > UINT32_MAX / 2) {
        mor_raise(rt, MOR_EXC_OVERFLOW, "mor_gen_new: %zu locals and %zu bytes of state is too many",
                  nlocals, cbytes);
        return NULL;
    }
    mor_obj *n = mor_str_const(rt, name);
    if (n == NULL)
        return NULL;
    mor_gen *g = (mor_gen *)mori_gc_alloc(rt, &mori_gen_type, gen_bytes(nlocals, cbytes));
    if (g == NULL) {
        mor_decref(rt, n);
        return NULL;
    }
    g->rt = rt;
    g->fn = fn;
    g->name = n;
    g->state = MOR_GEN_CREATED;
    g->nlocals = (uint16_t)nlocals;
    g->cbytes = (uint32_t)cbytes;
    mori_gc_track(rt, &g->head);
    return &g->head;
}

bool mor_is_gen(const mor_obj *o) { return o->type == &mori_gen_type; }
mor_obj **mor_gen_locals(mor_gen *g) { return g->locals; }
void *mor_gen_cstate(mor_gen *g) { return (void *)(g->locals + g->nlocals); }

mor_gen_state mor_gen_get_state(const mor_obj *o)
{
    return o->type == &mori_gen_type ? (mor_gen_state)((const mor_gen *)o)->state : MOR_GEN_CLOSED;
}

/* ---- helpers of the macros -------------------------------------------------------------- */

void mor_gen_set_return_(mor_gen *g, mor_obj *v)
{
    mor_obj *old = g->value;
    g->value = v;
    mor_xdecref(g->rt, old);
}

int mor_gen_enter_cleanup_(mor_gen *g)
{
    if (g->flags & GEN_CLEANUP)
        return 1;
    g->flags |= GEN_CLEANUP;
    mor_rt *rt = g->rt;
    if (rt->exc != NULL) { /* set the propagating exception aside */
        mor_obj *old = g->value;
        g->value = mor_err_fetch(rt);
        g->flags |= GEN_STASHED;
        mor_xdecref(rt, old);
    }
    return 0;
}

mor_obj *mor_gen_finish_(mor_gen *g)
{
    mor_rt *rt = g->rt;
    if (g->flags & GEN_STASHED) {
        mor_obj *exc = g->value;
        g->value = NULL;
        g->flags &= ~GEN_STASHED;
        if (rt->exc == NULL) /* an exception raised by the cleanup wins */
            mor_raise_obj(rt, exc);
        mor_decref(rt, exc);
    }
    return NULL;
}

int mor_gen_delegate_(mor_gen *g, mor_obj *iterable)
{
    mor_obj *it = mor_iter(g->rt, iterable);
    if (it == NULL)
        return -1;
    mor_xdecref(g->rt, g->yieldfrom);
    g->yieldfrom = it;
    g->flags |= MOR_GEN_FLAG_DELEGATE_;
    return 0;
}

mor_exc mor_gen_thrown(mor_gen *g)
{
    return (g->flags & MOR_GEN_FLAG_THROWN_) ? mor_err_kind(g->rt) : MOR_EXC_NONE;
}

mor_obj *mor_gen_catch(mor_gen *g)
{
    if (!(g->flags & MOR_GEN_FLAG_THROWN_))
        return NULL;
    g->flags &= ~MOR_GEN_FLAG_THROWN_;
    return mor_err_fetch(g->rt);
}

mor_obj *mor_gen_result(mor_gen *g)
{
    return g->value && !(g->flags & GEN_STASHED) ? g->value : mor_none(g->rt);
}

/* ---- the resume loop ---------------------------------------------------------------------------- */

/* Release what an ended generator holds (its return value stays in `value`
 * for the caller to take). */
static void gen_release_state(mor_rt *rt, mor_gen *g)
{
    g->state = MOR_GEN_CLOSED;
    mor_obj *yf = g->yieldfrom;
    g->yieldfrom = NULL;
    mor_xdecref(rt, yf);
    for (uint16_t i = 0; i < g->nlocals; i++) {
        mor_obj *x = g->locals[i];
        g->locals[i] = NULL;
        mor_xdecref(rt, x);
    }
}

static mor_obj *gen_resume(mor_rt *rt, mor_gen *g, mor_obj *sent, bool throwing);

/* One step of the iterator delegated to. Returns its next value (which the
 * outer generator yields as its own), or NULL when the delegation is over:
 * then *result holds the inner return value (a new reference) or, with an
 * exception pending, the inner iterator raised it. */
static mor_obj *gen_delegate_step(mor_rt *rt, mor_gen *g, mor_obj *sent, bool throwing,
                                  mor_obj **result)
{
    mor_obj *inner = mor_newref(g->yieldfrom);
    mor_obj *r = NULL;
    *result = NULL;
    if (throwing) {
        if (inner->type == &mori_gen_type) {
            if (mor_err_kind(rt) == MOR_EXC_GENERATOR_EXIT) {
                /* close the inner one first, then GeneratorExit goes on outward */
                mor_obj *exc = mor_err_fetch(rt);
                if (mor_gen_close(rt, inner) == 0)
                    mor_raise_obj(rt, exc);
                mor_decref(rt, exc);
            } else {
                r = gen_resume(rt, as_gen(inner), NULL, true);
                if (r == NULL && rt->exc == NULL)
                    *result = as_gen(inner)->value ? mor_newref(as_gen(inner)->value) : NULL;
            }
        }
        /* a plain iterator cannot take the exception: it stays pending here */
    } else if (inner->type == &mori_gen_type) {
        r = gen_resume(rt, as_gen(inner), sent, false);
        if (r == NULL && rt->exc == NULL && as_gen(inner)->value != NULL) {
            *result = as_gen(inner)->value;
            as_gen(inner)->value = NULL;
        }
    } else if (sent != NULL && sent != mor_none(rt)) {
        mor_raise(rt, MOR_EXC_TYPE, "cannot send a value to a '%s' iterator", inner->type->name);
    } else {
        r = mori_next(rt, inner);
    }
    mor_decref(rt, inner);
    return r;
}

/* The resume loop of a RUNNING generator: steps its body (or the iterator it
 * delegates to) until it yields (state SUSPENDED, the value returned) or ends
 * (state CLOSED, NULL: with an exception pending it raised, else it returned,
 * its value in g->value). stepped: the body was just stepped by the caller
 * and returned NULL (gen_iternext's fast path). */
static mor_obj *gen_run(mor_rt *rt, mor_gen *g, mor_obj *sent, bool throwing, bool stepped)
{
    mor_obj *r;
    for (;;) {
        if (!stepped) {
            if (g->yieldfrom != NULL) {
                mor_obj *result;
                r = gen_delegate_step(rt, g, sent, throwing, &result);
                if (r != NULL)
                    break; /* the inner iterator's value is ours */
                mor_obj *yf = g->yieldfrom;
                g->yieldfrom = NULL;
                mor_decref(rt, yf);
                throwing = rt->exc != NULL; /* its error is raised at our yield from */
                if (!throwing)
                    mor_gen_set_return_(g, result ? result : mor_newref(mor_none(rt)));
                else
                    mor_xdecref(rt, result);
                sent = NULL;
            }
            g->flags = (uint8_t)((g->flags & ~(MOR_GEN_FLAG_THROWN_ | MOR_GEN_FLAG_DELEGATE_)) |
                                 (throwing ? MOR_GEN_FLAG_THROWN_ : 0));
            r = g->fn(rt, g, sent);
            if (r != NULL)
                break;
        }
        stepped = false;
        if (g->flags & MOR_GEN_FLAG_DELEGATE_) {
            g->flags &= ~MOR_GEN_FLAG_DELEGATE_;
            throwing = false;
            sent = NULL;
            continue;
        }
        /* ended: returned, or raised */
        gen_release_state(rt, g);
        if (mor_err_kind(rt) == MOR_EXC_STOP_ITERATION) { /* PEP 479 */
            mor_err_clear(rt);
            mor_raise(rt, MOR_EXC_RUNTIME, "generator raised StopIteration");
        }
        return NULL;
    }
    g->flags &= ~MOR_GEN_FLAG_THROWN_;
    g->state = MOR_GEN_SUSPENDED;
    return r;
}

/* Resume g. Returns the yielded value; or NULL: with an exception pending
 * the generator raised, else it returned (its value in g->value). throwing:
 * an exception is pending to be raised at the suspension point. */
static mor_obj *gen_resume(mor_rt *rt, mor_gen *g, mor_obj *sent, bool throwing)
{
    if (g->state == MOR_GEN_RUNNING) {
        if (throwing)
            mor_err_clear(rt);
        mor_raise(rt, MOR_EXC_VALUE, "generator already executing");
        return NULL;
    }
    if (g->state == MOR_GEN_CLOSED)
        return NULL;
    if (g->state == MOR_GEN_CREATED && throwing)
        g->resume = MOR_GEN_UNWIND_; /* the body never runs: only its cleanup */
    g->state = MOR_GEN_RUNNING;
    mor_incref(&g->head); /* alive for the whole step, whatever the body drops */
    mor_obj *r = gen_run(rt, g, sent, throwing, false);
    mor_decref(rt, &g->head);
    return r;
}

/* The return value of an ended generator, taken from it (None if none). */
static mor_obj *gen_take_value(mor_rt *rt, mor_gen *g)
{
    mor_obj *v = g->value;
    g->value = NULL;
    return v ? v : mor_newref(mor_none(rt));
}

static int gen_check(mor_rt *rt, mor_obj *o, const char *fn)
{
    if (o->type == &mori_gen_type)
        return 0;
    mor_raise(rt, MOR_EXC_TYPE, "%s: expected a generator, got '%s'", fn, o->type->name);
    return -1;
}

mor_obj *mor_gen_send(mor_rt *rt, mor_obj *o, mor_obj *v)
{
    if (gen_check(rt, o, "mor_gen_send") < 0)
        return NULL;
    mor_gen *g = as_gen(o);
    if (g->state == MOR_GEN_CREATED && v != NULL && v != mor_none(rt)) {
        mor_raise(rt, MOR_EXC_TYPE, "can't send non-None value to a just-started generator");
        return NULL;
    }
    mor_obj *r = gen_resume(rt, g, v, false);
    if (r == NULL && rt->exc == NULL) {
        mor_obj *val = gen_take_value(rt, g);
        mor_raise_stop(rt, val);
        mor_decref(rt, val);
    }
    return r;
}

mor_obj *mor_gen_throw(mor_rt *rt, mor_obj *o, mor_obj *exc)
{
    if (gen_check(rt, o, "mor_gen_throw") < 0)
        return NULL;
    if (mor_exc_kind(exc) == MOR_EXC_NONE) {
        mor_raise(rt, MOR_EXC_TYPE, "exceptions must be exception objects, not '%s'",
                  exc->type->name);
        return NULL;
    }
    mor_gen *g = as_gen(o);
    mor_raise_obj(rt, exc);
    if (g->state == MOR_GEN_CLOSED || g->state == MOR_GEN_RUNNING) {
        if (g->state == MOR_GEN_RUNNING) {
            mor_err_clear(rt);
            mor_raise(rt, MOR_EXC_VALUE, "generator already executing");
        }
        return NULL;
    }
    mor_obj *r = gen_resume(rt, g, NULL, true);
    if (r == NULL && rt->exc == NULL) {
        mor_obj *val = gen_take_value(rt, g);
        mor_raise_stop(rt, val);
        mor_decref(rt, val);
    }
    return r;
}

int mor_gen_close(mor_rt *rt, mor_obj *o)
{
    if (gen_check(rt, o, "mor_gen_close") < 0)
        return -1;
    mor_gen *g = as_gen(o);
    if (g->state == MOR_GEN_CLOSED)
        return 0;
    if (g->state == MOR_GEN_RUNNING) {
        mor_raise(rt, MOR_EXC_VALUE, "generator already executing");
        return -1;
    }
    mor_raise(rt, MOR_EXC_GENERATOR_EXIT, "%s", "");
    mor_obj *r = gen_resume(rt, g, NULL, true);
    if (r != NULL) {
        mor_decref(rt, r);
        mor_raise(rt, MOR_EXC_RUNTIME, "generator ignored GeneratorExit");
        return -1;
    }
    mor_exc k = mor_err_kind(rt);
    if (k == MOR_EXC_GENERATOR_EXIT || k == MOR_EXC_STOP_ITERATION || k == MOR_EXC_NONE) {
        mor_err_clear(rt);
        mor_obj *v = g->value; /* a return value after catching GeneratorExit: dropped */
        g->value = NULL;
        mor_xdecref(rt, v);
        return 0;
    }
    return -1;
}

/* ---- slots ---------------------------------------------------------------------------------------- */

/* Drop the return value of a generator resumed by next: nobody asked for it. */
static void gen_drop_value(mor_rt *rt, mor_gen *g)
{
    if (rt->exc == NULL && g->value != NULL) {
        mor_obj *v = g->value;
        g->value = NULL;
        mor_decref(rt, v);
    }
}

/* The common case inline: a generator suspended at a plain yield (no
 * delegation) stepped once; anything else goes through gen_resume. */
static mor_obj *gen_iternext(mor_rt *rt, mor_obj *self)
{
    mor_gen *g = as_gen(self);
    mor_obj *r;
    if (MOR_LIKELY(g->state == MOR_GEN_SUSPENDED && g->yieldfrom == NULL)) {
        g->state = MOR_GEN_RUNNING;
        mor_incref(self); /* alive for the whole step, whatever the body drops */
        g->flags &= (uint8_t)~(MOR_GEN_FLAG_THROWN_ | MOR_GEN_FLAG_DELEGATE_);
        r = g->fn(rt, g, NULL);
        if (MOR_LIKELY(r != NULL))
            g->state = MOR_GEN_SUSPENDED;
        else if ((r = gen_run(rt, g, NULL, false, true)) == NULL)
            gen_drop_value(rt, g);
        mor_decref(rt, self);
        return r;
    }
    mor_incref(self);
    r = gen_resume(rt, g, NULL, false);
    if (r == NULL)
        gen_drop_value(rt, g);
    mor_decref(rt, self);
    return r;
}

static mor_obj *gen_iter(mor_rt *rt, mor_obj *self)
{
    (void)rt;
    return mor_newref(self);
}

/* PEP 442: a generator that dies suspended (or never started) is closed, which
 * runs its cleanup. An error (a body ignoring GeneratorExit) stays pending:
 * the caller reports it as unraisable. */
static void gen_finalize(mor_rt *rt, mor_obj *self)
{
    if (as_gen(self)->state != MOR_GEN_CLOSED)
        mor_gen_close(rt, self);
}

static int gen_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mor_gen *g = as_gen(self);
    int r = 0;
    for (uint16_t i = 0; i < g->nlocals && r == 0; i++)
        if (g->locals[i] != NULL)
            r = visit(g->locals[i], arg);
    if (r == 0 && g->yieldfrom != NULL)
        r = visit(g->yieldfrom, arg);
    if (r == 0 && g->value != NULL)
        r = visit(g->value, arg);
    return r;
}

static void gen_clear(mor_rt *rt, mor_obj *self)
{
    mor_gen *g = as_gen(self);
    gen_release_state(rt, g);
    mor_obj *v = g->value;
    g->value = NULL;
    mor_xdecref(rt, v);
}

static void gen_dealloc(mor_rt *rt, mor_obj *self)
{
    mor_gen *g = as_gen(self);
    gen_clear(rt, self);
    mor_decref(rt, g->name);
    mori_gc_free(rt, self, gen_bytes(g->nlocals, g->cbytes));
}

static mor_obj *gen_repr(mor_rt *rt, mor_obj *self)
{
    return mor_str_fmt(rt, "<generator object %s at %p>", mor_str_utf8(as_gen(self)->name, NULL),
                       (void *)self);
}

static size_t gen_size_of(const mor_obj *self)
{
    const mor_gen *g = (const mor_gen *)self;
    return MORI_GC_HEAD_SIZE + gen_bytes(g->nlocals, g->cbytes);
}

static mor_obj *gen_getattr(mor_rt *rt, mor_obj *self, const char *name)
{
    mor_gen *g = as_gen(self);
    if (strcmp(name, "__name__") == 0)
        return mor_newref(g->name);
    if (strcmp(name, "gi_yieldfrom") == 0)
        return mor_newref(g->yieldfrom ? g->yieldfrom : mor_none(rt));
    if (strcmp(name, "gi_running") == 0)
        return mor_newref(mor_bool(rt, g->state == MOR_GEN_RUNNING));
    mor_raise(rt, MOR_EXC_ATTRIBUTE, "'generator' object has no attribute '%s'", name);
    return NULL;
}

const mor_type mori_gen_type = {
    .name = "generator",
    .basicsize = sizeof(mor_gen),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF,
    .dealloc = gen_dealloc,
    .traverse = gen_traverse,
    .clear = gen_clear,
    .finalize = gen_finalize,
    .repr = gen_repr,
    .iter = gen_iter,
    .next = gen_iternext,
    .getattr = gen_getattr,
    .size_of = gen_size_of,
};
