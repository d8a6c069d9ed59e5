/* runtime/iter/consume.c: consumers of iterables: sum (exact), min, max, any,
 * all. */
#include "iter.h"

/* sum, in one of three modes. INT: the total is an int (of any size) and
 * small items accumulate in an int64 partial sum, flushed into the total only
 * when it would overflow, so big-int additions stay rare (the sum of x*x for
 * x below 10**7 makes a handful). FLOAT: the total is a double and floats and
 * small ints are added in order in double precision, as Python does. OBJ:
 * anything else, through mor_add. */
typedef enum sum_mode { SUM_INT, SUM_FLOAT, SUM_OBJ } sum_mode;

typedef struct sum_state {
    sum_mode mode;
    mor_obj *total; /* INT, OBJ: the total (owned); FLOAT: NULL */
    int64_t partial;
    double ftotal;
} sum_state;

/* total += o (a new reference taken over); -1 on error. */
static int sum_add_obj(mor_rt *rt, sum_state *s, mor_obj *o)
{
    mor_obj *t = o ? mori_add(rt, s->total, o) : NULL;
    mor_xdecref(rt, o);
    mor_decref(rt, s->total);
    s->total = t;
    return t ? 0 : -1;
}

static int sum_flush_partial(mor_rt *rt, sum_state *s)
{
    if (s->partial == 0)
        return 0;
    mor_obj *p = mori_int_new(rt, s->partial);
    s->partial = 0;
    return sum_add_obj(rt, s, p);
}

/* Leave the fast modes: the total becomes an object. */
static int sum_to_obj(mor_rt *rt, sum_state *s)
{
    if (s->mode == SUM_INT && sum_flush_partial(rt, s) < 0)
        return -1;
    if (s->mode == SUM_FLOAT) {
        s->total = mori_float_new(rt, s->ftotal);
        if (s->total == NULL)
            return -1;
    }
    s->mode = SUM_OBJ;
    return 0;
}

/* Add one item (borrowed). */
static int sum_step(mor_rt *rt, sum_state *s, mor_obj *x)
{
    if (s->mode == SUM_INT) {
        if (mori_int_is_small(x)) {
            int64_t v = mori_int_small_value(x), r;
            if (!__builtin_add_overflow(s->partial, v, &r)) {
                s->partial = r;
                return 0;
            }
            if (sum_flush_partial(rt, s) < 0)
                return -1;
            s->partial = v;
            return 0;
        }
        if (mor_is_int(x)) /* a big int */
            return sum_flush_partial(rt, s) < 0 ? -1 : sum_add_obj(rt, s, mor_newref(x));
        if (mor_is_float(x)) {
            double t;
            if (sum_flush_partial(rt, s) < 0 || mor_float_to_double(rt, s->total, &t) < 0)
                return -1;
            mor_decref(rt, s->total);
            s->total = NULL;
            s->mode = SUM_FLOAT;
            s->ftotal = t + ((mori_float *)x)->value;
            return 0;
        }
    } else if (s->mode == SUM_FLOAT) {
        if (mor_is_float(x)) {
            s->ftotal += ((mori_float *)x)->value;
            return 0;
        }
        if (mori_int_is_small(x)) {
            s->ftotal += (double)mori_int_small_value(x);
            return 0;
        }
    }
    if (s->mode != SUM_OBJ && sum_to_obj(rt, s) < 0)
        return -1;
    return sum_add_obj(rt, s, mor_newref(x));
}

mor_obj *mor_sum(mor_rt *rt, mor_obj *iterable, mor_obj *start)
{
    if (start != NULL && (mor_is_str(start) || mor_is_bytes(start))) {
        mor_raise(rt, MOR_EXC_TYPE, "sum() can't sum %s [use ''.join(seq) instead]",
                  mor_is_str(start) ? "strings" : "bytes");
        return NULL;
    }
    mor_obj *it = mor_iter(rt, iterable);
    if (it == NULL)
        return NULL;
    sum_state s = {SUM_OBJ, mor_newref(start ? start : mori_int_new(rt, 0)), 0, 0.0};
    if (mor_is_int(s.total)) {
        s.mode = SUM_INT;
    } else if (mor_is_float(s.total)) {
        s.mode = SUM_FLOAT;
        s.ftotal = ((mori_float *)s.total)->value;
        mor_decref(rt, s.total);
        s.total = NULL;
    }
    mori_next_fn next = mori_next_slot(it);
    int rc = 0;
    mor_obj *x;
    while ((x = next(rt, it)) != NULL) {
        int64_t r; /* the hot case inline: a small int onto the int64 partial sum */
        if (s.mode == SUM_INT && mori_int_is_plain_small(x) &&
            !__builtin_add_overflow(s.partial, mori_int_small_value(x), &r)) {
            s.partial = r;
            mor_decref(rt, x);
            continue;
        }
        rc = sum_step(rt, &s, x);
        mor_decref(rt, x);
        if (rc < 0)
            break;
    }
    mor_decref(rt, it);
    if (rc == 0 && mor_err_kind(rt) != MOR_EXC_NONE)
        rc = -1;
    if (rc == 0 && s.mode == SUM_INT)
        rc = sum_flush_partial(rt, &s);
    if (rc < 0) {
        mor_xdecref(rt, s.total);
        return NULL;
    }
    return s.mode == SUM_FLOAT ? mori_float_new(rt, s.ftotal) : s.total;
}

/* min or max: the first item that no later one beats (op: MOR_LT for min). */
static mor_obj *minmax(mor_rt *rt, mor_obj *iterable, mor_cmp op, const char *name)
{
    mor_obj *it = mor_iter(rt, iterable);
    if (it == NULL)
        return NULL;
    mor_obj *best = NULL, *x;
    while ((x = mori_next(rt, it)) != NULL) {
        if (best == NULL) {
            best = x;
            continue;
        }
        int r = mor_compare(rt, x, best, op);
        if (r < 0) {
            mor_decref(rt, x);
            mor_decref(rt, best);
            best = NULL;
            break;
        }
        if (r) {
            mor_decref(rt, best);
            best = x;
        } else {
            mor_decref(rt, x);
        }
    }
    mor_decref(rt, it);
    if (mor_err_kind(rt) != MOR_EXC_NONE) {
        mor_xdecref(rt, best);
        return NULL;
    }
    if (best == NULL)
        mor_raise(rt, MOR_EXC_VALUE, "%s() arg is an empty sequence", name);
    return best;
}

mor_obj *mor_min(mor_rt *rt, mor_obj *it) { return minmax(rt, it, MOR_LT, "min"); }
mor_obj *mor_max(mor_rt *rt, mor_obj *it) { return minmax(rt, it, MOR_GT, "max"); }

/* any (want 1) or all (want 0): stops at the first item whose truth is want. */
static int anyall(mor_rt *rt, mor_obj *iterable, int want)
{
    mor_obj *it = mor_iter(rt, iterable);
    if (it == NULL)
        return -1;
    int result = !want;
    mor_obj *x;
    while ((x = mori_next(rt, it)) != NULL) {
        int t = mori_is_true(rt, x);
        mor_decref(rt, x);
        if (t < 0) {
            result = -1;
            break;
        }
        if (t == want) {
            result = want;
            break;
        }
    }
    mor_decref(rt, it);
    if (result >= 0 && mor_err_kind(rt) != MOR_EXC_NONE)
        result = -1;
    return result;
}

int mor_any(mor_rt *rt, mor_obj *it) { return anyall(rt, it, 1); }
int mor_all(mor_rt *rt, mor_obj *it) { return anyall(rt, it, 0); }
