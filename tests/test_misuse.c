/* tests/test_misuse.c: misuse is caught by mor_fatal, naming the object's type
 * and address. Each case runs in a forked child whose stderr comes back
 * through a pipe; the child must die of SIGABRT after printing the message.
 *  - one decref too many, and any use of a freed object (poisoned memory,
 *    builds with debug_level >= 1: core/debug.h);
 *  - a traverse reporting more references than the refcount ("refcount is
 *    too small", hard case 17), found by the collector in every build. */
#include <sys/wait.h>

#include "testutil.h"

#include "core/debug.h"

/* A case: provokes the misuse on rt (it should not return), after printing
 * "at=<address>" for the object the message must name. */
typedef void (*misuse_fn)(mor_rt *rt);

static void say_at(const mor_obj *o)
{
    fprintf(stderr, "at=%p\n", (const void *)o);
    fflush(stderr);
}

/* The body of a child: a fresh runtime that ignores leaks, given to the case. */
static void misuse_child(void *arg)
{
    misuse_fn fn = *(misuse_fn *)arg;
    mor_config c;
    mor_config_init(&c);
    c.leaks = MOR_LEAKS_IGNORE;
    mor_rt *rt = mor_rt_new(&c);
    fn(rt);
    fprintf(stderr, "misuse went unnoticed\n");
}

/* Run fn in a child; return its stderr (malloc'd) and how it ended. */
static char *run_child(misuse_fn fn, int *status)
{
    return t_run_child(misuse_child, &fn, status);
}

/* The child aborted with mor_fatal's message containing `what` and the
 * type name, and naming the address it announced. */
static void expect_fatal(misuse_fn fn, const char *what, const char *type_name)
{
    int status = 0;
    char *out = run_child(fn, &status);
    const char *at = strstr(out, "at=");
    char addr[64] = "";
    if (at != NULL)
        sscanf(at + 3, "%63s", addr);
    const char *fatal = strstr(out, "mor: fatal error:");
    char quoted[80];
    snprintf(quoted, sizeof(quoted), "'%s'", type_name);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || fatal == NULL || addr[0] == '\0' ||
        strstr(fatal, what) == NULL || strstr(fatal, quoted) == NULL || strstr(fatal, addr) == NULL)
        fail_msg("expected an abort naming \"%s\", %s and %s; the child %s %d and said:\n%s", what,
                 quoted, addr[0] ? addr : "(no address)",
                 WIFSIGNALED(status) ? "died of signal" : "exited with",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), out);
    if (getenv("MISUSE_VERBOSE"))
        fputs(out, stderr);
    free(out);
}

#define NEED_POISON()                                                                         \
    do {                                                                                       \
        if (!MORI_POISON) {                                                                    \
            print_message("skipped: freed objects are poisoned only with debug_level >= 1\n"); \
            skip();                                                                            \
        }                                                                                      \
    } while (0)

/* ---- one decref too many --------------------------------------------------------------------- */

static void over_release_dict(mor_rt *rt)
{
    mor_obj *d = mor_dict(rt);
    say_at(d);
    mor_decref(rt, d);
    mor_decref(rt, d);
}

static void over_release_str(mor_rt *rt)
{
    mor_obj *s = mor_str(rt, "not a cached string");
    say_at(s);
    mor_decref(rt, s);
    mor_decref(rt, s);
}

static void over_release_float(mor_rt *rt) /* a pooled type */
{
    mor_obj *f = mor_float(rt, 2.5);
    say_at(f);
    mor_decref(rt, f);
    mor_decref(rt, f);
}

/* the instance holds the last reference to its class: the class (and the
 * name of the instance's type) dies with it, so the message needs the copy
 * of the name poisoning kept */
static void over_release_instance(mor_rt *rt)
{
    mor_obj *cls = mor_class_new(rt, "Widget", NULL, MOR_CLASS_DICT);
    mor_obj *w = mor_call(rt, cls, 0, NULL);
    mor_decref(rt, cls);
    say_at(w);
    mor_decref(rt, w);
    mor_gc_collect(rt, -1); /* the class, if a cycle kept it */
    mor_decref(rt, w);
}

/* an incref of the freed object first: its count goes 0 -> 1 -> 0, and the
 * deallocation is asked for once more */
static void over_release_after_incref(mor_rt *rt)
{
    mor_obj *t = mor_tuple(rt, 2, mor_none(rt), mor_none(rt));
    say_at(t);
    mor_decref(rt, t);
    mor_incref(t);
    mor_decref(rt, t);
}

static void test_decref_below_zero(void **state)
{
    (void)state;
    NEED_POISON();
    const char *what = "refcount is already 0";
    expect_fatal(over_release_dict, what, "dict");
    expect_fatal(over_release_str, what, "str");
    expect_fatal(over_release_float, what, "float");
    expect_fatal(over_release_instance, what, "Widget");
    expect_fatal(over_release_after_incref, "mor_decref of a freed", "tuple");
}

/* ---- use after free --------------------------------------------------------------------------------- */

static void use_repr(mor_rt *rt)
{
    mor_obj *l = mor_list(rt, 2, mor_none(rt), mor_none(rt));
    say_at(l);
    mor_decref(rt, l);
    mor_repr(rt, l);
}

static void use_len(mor_rt *rt)
{
    mor_obj *d = mor_dict(rt);
    say_at(d);
    mor_decref(rt, d);
    mor_len(rt, d);
}

static void use_getattr(mor_rt *rt)
{
    mor_obj *cls = mor_class_new(rt, "Gadget", NULL, MOR_CLASS_DICT);
    mor_obj *g = mor_call(rt, cls, 0, NULL);
    say_at(g);
    mor_decref(rt, g);
    mor_getattr(rt, g, "x");
}

static void use_hash(mor_rt *rt)
{
    mor_obj *b = mor_bytes(rt, "some bytes", 10);
    say_at(b);
    mor_decref(rt, b);
    int64_t h;
    mor_hash(rt, b, &h);
}

/* a container still holding an object whose last reference was dropped by
 * mistake (a borrowed reference released): the container's repr uses it */
static void use_through_container(mor_rt *rt)
{
    mor_obj *x = mor_set(rt);
    mor_obj *l = mor_list(rt, 1, x);
    say_at(x);
    mor_decref(rt, x);
    mor_decref(rt, x); /* the list's reference */
    mor_repr(rt, l);
}

/* a write through a stale pointer (an incref) is found when the block leaves
 * the quarantine */
static void write_after_free(mor_rt *rt)
{
    mor_obj *b = mor_bytearray(rt, "abc", 3);
    say_at(b);
    mor_decref(rt, b);
    mor_incref(b);
    for (int i = 0; i < 2 * MORI_QUARANTINE; i++)
        mor_decref(rt, mor_str_fmt(rt, "churn %d", i));
}

static void test_use_after_free(void **state)
{
    (void)state;
    NEED_POISON();
    expect_fatal(use_repr, "repr of a freed", "list");
    expect_fatal(use_len, "len of a freed", "dict");
    expect_fatal(use_getattr, "getattr of a freed", "Gadget");
    expect_fatal(use_hash, "hash of a freed", "bytes");
    expect_fatal(use_through_container, "repr of a freed", "set");
    expect_fatal(write_after_free, "written to after it was freed", "bytearray");
}

/* Every slot of the freed-object type is fatal: each operation of the
 * generic protocol on a freed list. */
static int slot_case;

static void use_slot(mor_rt *rt)
{
    mor_obj *l = mor_list(rt, 1, mor_none(rt));
    mor_obj *other = mor_list(rt, 0);
    say_at(l);
    mor_decref(rt, l);
    mor_buffer view;
    switch (slot_case) {
    case 0: mor_eq(rt, l, other); break;
    case 1: mor_compare(rt, l, other, MOR_LT); break;
    case 2: mor_iter(rt, l); break;
    case 3: mor_next(rt, l); break;
    case 4: mor_call(rt, l, 0, NULL); break;
    case 5: mor_setattr(rt, l, "x", other); break;
    case 6: mor_add(rt, l, other); break;
    case 7: mor_neg(rt, l); break;
    case 8: mor_is_true(rt, l); break;
    case 9: mor_getitem(rt, l, mor_none(rt)); break;
    case 10: mor_setitem(rt, l, mor_none(rt), other); break;
    case 11: mor_contains(rt, l, other); break;
    case 12: mor_slice(rt, l, 0, 1, 1); break;
    case 13: mor_buffer_get(rt, l, &view, false); break;
    case 14: mor_sizeof(l); break;
    default: break;
    }
}

static void test_every_slot(void **state)
{
    (void)state;
    NEED_POISON();
    for (slot_case = 0; slot_case < 15; slot_case++)
        expect_fatal(use_slot, "of a freed", "list");
}

/* ---- refcount too small (hard case 17) ----------------------------------------------------------- */

/* x is referenced twice by a list but counts one reference less than it
 * has (a missing incref): the collection finds it. */
static void refcount_too_small(mor_rt *rt)
{
    mor_obj *x = mor_list(rt, 0);
    mor_obj *l = mor_list(rt, 2, x, x);
    mor_decref(rt, x); /* ours: 2 left, both the list's */
    say_at(x);
    x->refcnt--; /* the bug: one reference the count does not know about */
    mor_gc_collect(rt, -1);
    mor_decref(rt, l);
}

static void test_refcount_too_small(void **state)
{
    (void)state;
    expect_fatal(refcount_too_small, "refcount is too small", "list");
}

/* ---- the runtime stays quiet when used correctly --------------------------------------------------- */

static void no_misuse(mor_rt *rt)
{
    mor_obj *l = mor_list(rt, 0);
    for (int i = 0; i < 1000; i++)
        mor_list_append_steal(rt, l, mor_float(rt, i));
    mor_decref(rt, l);
    mor_gc_collect(rt, -1);
    mor_rt_free(rt);
}

static void test_no_false_alarm(void **state)
{
    (void)state;
    int status = 0;
    char *out = run_child(no_misuse, &status);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(strstr(out, "misuse went unnoticed")); /* the child's own last word */
    assert_null(strstr(out, "mor: fatal error"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decref_below_zero),
        cmocka_unit_test(test_use_after_free),
        cmocka_unit_test(test_every_slot),
        cmocka_unit_test(test_refcount_too_small),
        cmocka_unit_test(test_no_false_alarm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
