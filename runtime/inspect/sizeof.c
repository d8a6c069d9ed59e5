/* runtime/inspect/sizeof.c: shallow sizes, as sys.getsizeof counts them. */
#include "../core/rt.h"

size_t mor_sizeof(const mor_obj *o)
{
    const mor_type *t = o->type;
    if (t->size_of != NULL)
        return t->size_of(o);
    size_t n = t->basicsize;
    if (t->itemsize != 0)
        n += t->itemsize * (size_t)((const mor_varobj *)o)->size;
    if (t->flags & MOR_TYPE_GC)
        n += MORI_GC_HEAD_SIZE;
    return n;
}
