/* runtime/core/error.c: raising, fetching and clearing exceptions, the
 * unraisable hook, and mor_fatal. The pending exception is an object owned by
 * the runtime (rt->exc). */
#include "strbuf.h"

#include "../types/types.h"

static const char *const exc_names[MOR_EXC_COUNT_] = {
    [MOR_EXC_NONE] = "NoException",
    [MOR_EXC_TYPE] = "TypeError",
    [MOR_EXC_VALUE] = "ValueError",
    [MOR_EXC_MEMORY] = "MemoryError",
    [MOR_EXC_INDEX] = "IndexError",
    [MOR_EXC_KEY] = "KeyError",
    [MOR_EXC_ATTRIBUTE] = "AttributeError",
    [MOR_EXC_STOP_ITERATION] = "StopIteration",
    [MOR_EXC_GENERATOR_EXIT] = "GeneratorExit",
    [MOR_EXC_RUNTIME] = "RuntimeError",
    [MOR_EXC_RECURSION] = "RecursionError",
    [MOR_EXC_REFERENCE] = "ReferenceError",
    [MOR_EXC_OVERFLOW] = "OverflowError",
    [MOR_EXC_ZERO_DIVISION] = "ZeroDivisionError",
    [MOR_EXC_BUFFER] = "BufferError",
    [MOR_EXC_OS] = "OSError",
};

const char *mor_exc_name(mor_exc kind)
{
    if ((unsigned)kind >= MOR_EXC_COUNT_)
        return "UnknownError";
    return exc_names[kind];
}

/* Replace the pending exception by `exc` (a reference the caller gives). */
static void err_set(mor_rt *rt, mor_obj *exc)
{
    mor_obj *old = rt->exc;
    rt->exc = exc;
    if (old != NULL)
        mor_decref(rt, old);
}

/* Build an exception object; when memory is short, the preallocated
 * MemoryError comes back instead (never NULL). */
static mor_obj *err_build(mor_rt *rt, mor_exc kind, mor_obj *value, const char *fmt, va_list ap)
    MOR_PRINTF(4, 0);
static mor_obj *err_build(mor_rt *rt, mor_exc kind, mor_obj *value, const char *fmt, va_list ap)
{
    rt->raising++;
    mori_sb sb;
    mori_sb_init(&sb, rt);
    mori_sb_addv(&sb, fmt, ap);
    mor_obj *exc = NULL;
    if (!sb.failed) {
        mor_obj *msg = mori_str_from_lossy(rt, sb.buf, sb.len);
        if (msg != NULL) {
            exc = mori_exc_make(rt, kind, msg, value);
            mor_decref(rt, msg);
        }
    }
    mori_sb_discard(&sb);
    rt->raising--;
    if (exc == NULL) {
        /* the only thing that can fail here is memory; a stale MemoryError from
         * the attempt may be pending: the preallocated one replaces it */
        exc = rt->memory_error;
    }
    return exc;
}

void mor_raisev(mor_rt *rt, mor_exc kind, const char *fmt, va_list ap)
{
    if (kind <= MOR_EXC_NONE || kind >= MOR_EXC_COUNT_) {
        mor_raise(rt, MOR_EXC_VALUE, "invalid exception kind %d", (int)kind);
        return;
    }
    err_set(rt, err_build(rt, kind, NULL, fmt, ap));
}

void mor_raise(mor_rt *rt, mor_exc kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mor_raisev(rt, kind, fmt, ap);
    va_end(ap);
}

static mor_obj *err_build_f(mor_rt *rt, mor_exc kind, mor_obj *value, const char *fmt, ...)
    MOR_PRINTF(4, 5);
static mor_obj *err_build_f(mor_rt *rt, mor_exc kind, mor_obj *value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mor_obj *exc = err_build(rt, kind, value, fmt, ap);
    va_end(ap);
    return exc;
}

void mor_raise_stop(mor_rt *rt, mor_obj *value)
{
    err_set(rt, err_build_f(rt, MOR_EXC_STOP_ITERATION, value, "%s", ""));
}

void mor_raise_obj(mor_rt *rt, mor_obj *exc)
{
    if (exc == NULL || exc->type != &mori_exc_type) {
        mor_raise(rt, MOR_EXC_TYPE, "exceptions must be exception objects, not %s",
                  exc ? exc->type->name : "NULL");
        return;
    }
    mor_incref(exc);
    err_set(rt, exc);
}

mor_obj *mor_exc_new(mor_rt *rt, mor_exc kind, const char *fmt, ...)
{
    if (kind <= MOR_EXC_NONE || kind >= MOR_EXC_COUNT_) {
        mor_raise(rt, MOR_EXC_VALUE, "invalid exception kind %d", (int)kind);
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    mor_obj *exc = err_build(rt, kind, NULL, fmt, ap);
    va_end(ap);
    if (exc == rt->memory_error) { /* it could not be built: NULL + MemoryError */
        err_set(rt, exc);
        return NULL;
    }
    return exc;
}

mor_exc mor_err_kind(mor_rt *rt) { return rt->exc ? mor_exc_kind(rt->exc) : MOR_EXC_NONE; }

const char *mor_err_message(mor_rt *rt) { return rt->exc ? mor_exc_message(rt->exc) : ""; }

mor_obj *mor_err_fetch(mor_rt *rt)
{
    mor_obj *exc = rt->exc;
    rt->exc = NULL;
    return exc;
}

void mor_err_clear(mor_rt *rt) { err_set(rt, NULL); }

/* ---- unraisable errors -------------------------------------------------------- */

static void err_default_unraisable(mor_rt *rt, mor_obj *exc, const char *where, void *ud)
{
    (void)rt;
    (void)ud;
    fprintf(stderr, "Exception ignored in %s: %s: %s\n", where ? where : "mor",
            mor_exc_name(mor_exc_kind(exc)), mor_exc_message(exc));
}

void mor_set_unraisable_hook(mor_rt *rt, mor_unraisable_fn fn, void *ud)
{
    rt->unraisable = fn ? fn : err_default_unraisable;
    rt->unraisable_ud = fn ? ud : NULL;
}

void mor_err_write_unraisable(mor_rt *rt, const char *where)
{
    mor_obj *exc = mor_err_fetch(rt);
    if (exc == NULL)
        return;
    rt->unraisable(rt, exc, where, rt->unraisable_ud);
    mor_decref(rt, exc);
    /* a hook that raised has nowhere to report to */
    mor_err_clear(rt);
}

/* ---- corruption ----------------------------------------------------------------- */

void mor_fatal(const mor_obj *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mor: fatal error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (o != NULL) {
        /* the object may be corrupt: print the raw header first */
        fprintf(stderr, "mor: object at %p: refcount %u, flags %#x, type %p", (const void *)o,
                o->refcnt, o->flags, (const void *)o->type);
        if (mori_is_freed(o))
            fprintf(stderr, " (a freed '%.*s' object)", MORI_FREED_NAME_MAX, mori_freed_name(o));
        else if (o->type != NULL && o->type->name != NULL)
            fprintf(stderr, " ('%s')", o->type->name);
        fputc('\n', stderr);
    }
    fflush(stderr);
    abort();
}

void mori_error_init(mor_rt *rt) { mor_set_unraisable_hook(rt, NULL, NULL); }
