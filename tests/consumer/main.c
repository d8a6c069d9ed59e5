/* The README's embedding example, built by CI against the installed library
 * (pkg-config) and as a meson subproject. */
#include <mor.h>
#include <stdio.h>

int main(void)
{
    mor_rt *rt = mor_rt_new(NULL);
    mor_obj *d = mor_dict(rt);
    mor_obj *k = mor_str_const(rt, "answer"), *v = mor_int(rt, 42);
    mor_dict_set(rt, d, k, v);
    mor_obj *r = mor_repr(rt, d);
    printf("%s (%zu bytes)\n", mor_str_utf8(r, NULL), mor_sizeof(d));
    mor_decref(rt, r), mor_decref(rt, v), mor_decref(rt, k), mor_decref(rt, d);
    mor_rt_free(rt);
    return 0;
}
