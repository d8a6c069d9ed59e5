/* demos/embed.c: how a host program defines its own object type on top of mor,
 * using only the public API: a 2-D vector that refers to a parent object, taking
 * part in the cycle collector, weak references, repr, and dict keys (eq/hash). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mor.h>

/* ---- the host's type ----------------------------------------------------------------------------
 * Every object starts with the mor_obj header; the rest is the host's. `parent`
 * is an owned reference (or NULL), so the type must tell the collector about it
 * (traverse) and be able to drop it to break a cycle (clear). */
typedef struct vec2 {
    mor_obj head;
    double x, y;
    mor_obj *parent;
} vec2;

static const mor_type vec2_type; /* defined at the bottom, after its slots */
static vec2 *as_vec2(mor_obj *o) { return (vec2 *)o; }

/* Make a Vec2: a new reference, or NULL with MemoryError pending. */
static mor_obj *vec2_new(mor_rt *rt, double x, double y)
{
    mor_obj *o = mor_object_new(rt, &vec2_type, 0); /* zeroed, refcount 1, tracked */
    if (o != NULL) {
        as_vec2(o)->x = x;
        as_vec2(o)->y = y;
    }
    return o;
}

/* v.parent = p (borrowed; NULL clears it). Store first, release the old value
 * last: releasing may run arbitrary code that looks at v. */
static void vec2_set_parent(mor_rt *rt, mor_obj *v, mor_obj *p)
{
    mor_obj *old = as_vec2(v)->parent;
    as_vec2(v)->parent = p != NULL ? mor_newref(p) : NULL;
    mor_xdecref(rt, old);
}

/* traverse: report every reference the object owns; no allocation, no refcounts. */
static int vec2_traverse(mor_obj *self, mor_visit_fn visit, void *arg)
{
    mor_obj *p = as_vec2(self)->parent;
    return p != NULL ? visit(p, arg) : 0;
}

/* clear: called on cyclic garbage; drop the references that can form cycles. */
static void vec2_clear(mor_rt *rt, mor_obj *self) { vec2_set_parent(rt, self, NULL); }

/* dealloc: release what it owns, then free the block. */
static void vec2_dealloc(mor_rt *rt, mor_obj *self)
{
    vec2_clear(rt, self);
    mor_object_free(rt, self);
}

/* repr: "Vec2(1.0, 2.0)", the coordinates written as the runtime writes floats. */
static mor_obj *vec2_repr(mor_rt *rt, mor_obj *self)
{
    mor_obj *x = mor_float(rt, as_vec2(self)->x), *y = mor_float(rt, as_vec2(self)->y);
    mor_obj *xs = x != NULL ? mor_repr(rt, x) : NULL, *ys = y != NULL ? mor_repr(rt, y) : NULL;
    mor_obj *r = NULL;
    if (xs != NULL && ys != NULL)
        r = mor_str_fmt(rt, "Vec2(%s, %s)", mor_str_utf8(xs, NULL), mor_str_utf8(ys, NULL));
    mor_obj *temps[] = {x, y, xs, ys};
    for (int i = 0; i < 4; i++)
        mor_xdecref(rt, temps[i]);
    return r;
}

/* eq: equal coordinates (the parent does not count). Another type: let it decide. */
static int vec2_eq(mor_rt *rt, mor_obj *self, mor_obj *other)
{
    (void)rt;
    if (mor_type_of(other) != &vec2_type)
        return MOR_NOTIMPL;
    return as_vec2(self)->x == as_vec2(other)->x && as_vec2(self)->y == as_vec2(other)->y;
}

/* hash: consistent with eq (equal vectors hash alike; +0.0 and -0.0 too). */
static int vec2_hash(mor_rt *rt, mor_obj *self, int64_t *out)
{
    (void)rt;
    double c[2] = {as_vec2(self)->x + 0.0, as_vec2(self)->y + 0.0}; /* -0.0 + 0.0 is +0.0 */
    uint64_t bits[2];
    memcpy(bits, c, sizeof(bits));
    *out = (int64_t)(bits[0] * 0x9E3779B97F4A7C15u ^ (bits[1] + (bits[0] >> 29)));
    return 0;
}

static const mor_type vec2_type = {
    .name = "Vec2",
    .basicsize = sizeof(vec2),
    .flags = MOR_TYPE_GC | MOR_TYPE_WEAKREF, /* holds references; weakly referenceable */
    .dealloc = vec2_dealloc,
    .traverse = vec2_traverse,
    .clear = vec2_clear,
    .repr = vec2_repr,
    .hash = vec2_hash,
    .eq = vec2_eq,
};

/* ---- the narrative --------------------------------------------------------------------------- */

static int failures;

/* Report a claim and whether it held. */
static void expect(bool ok, const char *claim)
{
    printf("   [%s] %s\n", ok ? "ok" : "FAILED", claim);
    failures += !ok;
}

/* The demo does not try to recover from errors: report and stop. */
static mor_obj *must(mor_rt *rt, mor_obj *o)
{
    if (o == NULL) {
        fprintf(stderr, "embed: %s: %s\n", mor_exc_name(mor_err_kind(rt)), mor_err_message(rt));
        exit(1);
    }
    return o;
}

/* Print "<label><repr of o>" (o borrowed). */
static void show(mor_rt *rt, const char *label, mor_obj *o)
{
    mor_obj *r = must(rt, mor_repr(rt, o));
    printf("   %s%s\n", label, mor_str_utf8(r, NULL));
    mor_decref(rt, r);
}

static bool weak_is_dead(mor_rt *rt, mor_obj *ref)
{
    mor_obj *t = must(rt, mor_weakref_get(rt, ref)); /* a new reference, or None */
    bool dead = mor_is_none(rt, t);
    mor_decref(rt, t);
    return dead;
}

int main(int argc, char **argv)
{
    /* --quick (CI runs every demo with it): accepted; the work is small anyway */
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--quick") != 0)) {
        fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
        return 2;
    }
    mor_rt *rt = mor_rt_new(NULL);
    if (rt == NULL)
        return 1;

    printf("1. Two Vec2 objects, a C type defined by the host\n");
    mor_obj *a = must(rt, vec2_new(rt, 1.0, 2.0)), *b = must(rt, vec2_new(rt, 3.0, 4.0));
    show(rt, "a = ", a);
    show(rt, "b = ", b);
    printf("   mor_sizeof(a) = %zu bytes (its collector links included)\n", mor_sizeof(a));
    expect(mor_sizeof(a) <= 64, "mor_sizeof(a) is at most 64 bytes");

    printf("2. A cycle: a.parent = b, b.parent = a; then the host drops both\n");
    vec2_set_parent(rt, a, b);
    vec2_set_parent(rt, b, a);
    mor_obj *wa = must(rt, mor_weakref(rt, a, NULL));
    size_t live = mor_rt_live_objects(rt);
    mor_decref(rt, a);
    mor_decref(rt, b);
    expect(!weak_is_dead(rt, wa), "reference counting alone cannot free them");
    int64_t found = mor_gc_collect(rt, -1);
    printf("   mor_gc_collect(rt, -1) returned %lld\n", (long long)found);
    expect(found >= 2, "the collector found both");
    expect(weak_is_dead(rt, wa), "the weak reference to a is now dead");
    expect(mor_rt_live_objects(rt) == live - 2, "both were freed");
    mor_decref(rt, wa);

    printf("3. Holding a Vec2 through a weak reference\n");
    mor_obj *c = must(rt, vec2_new(rt, 5.0, -0.5));
    mor_obj *wc = must(rt, mor_weakref(rt, c, NULL));
    show(rt, "alive: ", wc);
    mor_obj *t = must(rt, mor_weakref_get(rt, wc)); /* a new (strong) reference */
    expect(t == c, "the weak reference gives the object back");
    mor_decref(rt, t);
    mor_decref(rt, c); /* the last strong reference */
    show(rt, "dead:  ", wc);
    expect(weak_is_dead(rt, wc), "it died with the last strong reference");
    mor_decref(rt, wc);

    printf("4. Vec2 objects as dict keys (eq and hash)\n");
    mor_obj *d = must(rt, mor_dict(rt));
    mor_obj *k1 = must(rt, vec2_new(rt, 1.0, 2.0)), *k2 = must(rt, vec2_new(rt, 1.0, 2.0));
    mor_obj *k3 = must(rt, vec2_new(rt, 2.0, 1.0));
    mor_obj *first = must(rt, mor_str(rt, "first")), *second = must(rt, mor_str(rt, "second"));
    expect(mor_dict_set(rt, d, k1, first) == 0, "d[Vec2(1.0, 2.0)] = 'first'");
    mor_obj *v = NULL;
    expect(mor_dict_lookup(rt, d, k2, &v) == 1 && v == first,
           "another Vec2(1.0, 2.0) finds 'first'");
    mor_xdecref(rt, v);
    expect(mor_dict_lookup(rt, d, k3, &v) == 0, "Vec2(2.0, 1.0) is not there");
    expect(mor_dict_set(rt, d, k2, second) == 0 && mor_len(rt, d) == 1,
           "setting the equal key replaces the value: one entry");
    show(rt, "d = ", d);
    mor_obj *temps[] = {first, second, k1, k2, k3, d};
    for (int i = 0; i < 6; i++)
        mor_decref(rt, temps[i]);

    expect(mor_rt_live_objects(rt) == 0, "nothing is left alive");
    mor_rt_free(rt);
    printf("%s\n", failures == 0 ? "All steps behaved as claimed." : "Some steps FAILED.");
    return failures == 0 ? 0 : 1;
}
