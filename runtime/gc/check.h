/* runtime/gc/check.h: the heap invariant checker, for tests (never called by
 * the runtime itself: it is slow and allocates outside the funnel). */
#ifndef MORI_CHECK_H
#define MORI_CHECK_H

#include "../core/internal.h"

/* Walk every tracked object (generations 0-2, the permanent generation, the
 * parked list) and the weak reference table, and check:
 *  - each list is a well-formed circular doubly linked list, and no object
 *    sits on two lists;
 *  - each tracked object has TRACKED set, no scratch bits, a sane GC type (not
 *    the freed-object type) and a refcount > 0;
 *  - the references that tracked objects hold to tracked objects (found by
 *    traverse) do not exceed any object's refcount ("refcount too small",
 *    the condition that makes a collection's gc_refs go negative);
 *  - no tracked object refers to a freed object;
 *  - every weak reference in the side table points back at its target, which
 *    is alive and has WEAKREFS set.
 * Returns the number of problems found (0: the heap is consistent) and
 * describes the first one on stderr. Must not be called during a collection.
 * Its scratch memory comes from malloc, not the funnel: injected allocation
 * failures and the statistics are unaffected. */
MOR_INTERNAL int mori_heap_check(mor_rt *rt);

#endif
