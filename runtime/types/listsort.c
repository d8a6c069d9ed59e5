/* runtime/types/listsort.c: the stable sort behind mor_list_sort: binary
 * insertion sort for short runs, then bottom-up merges through a buffer. If a
 * comparison raises, the array still holds every item exactly once (in some
 * order), so the list loses nothing. */
#include "types.h"

#define SORT_RUN 32

/* a < b through the protocol, with a fast path for small ints. */
static inline int sort_lt(mor_rt *rt, mor_obj *a, mor_obj *b)
{
    if (mori_int_is_small(a) && mori_int_is_small(b))
        return mori_int_small_value(a) < mori_int_small_value(b);
    return mor_compare(rt, a, b, MOR_LT);
}

/* Sort a[lo..hi) by binary insertion. An item is moved only after its place
 * is known, so an error leaves the array a permutation of its items. */
static int sort_insertion(mor_rt *rt, mor_obj **a, int64_t lo, int64_t hi)
{
    for (int64_t i = lo + 1; i < hi; i++) {
        mor_obj *x = a[i];
        int64_t l = lo, r = i;
        while (l < r) { /* first position whose item is > x: stability */
            int64_t m = l + (r - l) / 2;
            int lt = sort_lt(rt, x, a[m]);
            if (lt < 0)
                return -1;
            if (lt)
                r = m;
            else
                l = m + 1;
        }
        memmove(&a[l + 1], &a[l], (size_t)(i - l) * sizeof(mor_obj *));
        a[l] = x;
    }
    return 0;
}

/* Merge the sorted runs a[lo..mid) and a[mid..hi) using tmp (room for
 * mid - lo items). On error the remaining left items are copied back into the
 * gap, which is exactly their size. */
static int sort_merge(mor_rt *rt, mor_obj **a, mor_obj **tmp, int64_t lo, int64_t mid, int64_t hi)
{
    int64_t nl = mid - lo;
    memcpy(tmp, &a[lo], (size_t)nl * sizeof(mor_obj *));
    int64_t i = 0, j = mid, k = lo;
    int rc = 0;
    while (i < nl && j < hi) {
        int lt = sort_lt(rt, a[j], tmp[i]); /* take from the right only if strictly less */
        if (lt < 0) {
            rc = -1;
            break;
        }
        a[k++] = lt ? a[j++] : tmp[i++];
    }
    memcpy(&a[k], &tmp[i], (size_t)(nl - i) * sizeof(mor_obj *));
    return rc;
}

int mori_listsort(mor_rt *rt, mor_obj **a, int64_t n)
{
    if (n < 2)
        return 0;
    for (int64_t lo = 0; lo < n; lo += SORT_RUN) {
        int64_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
        if (sort_insertion(rt, a, lo, hi) < 0)
            return -1;
    }
    if (n <= SORT_RUN)
        return 0;
    size_t tmp_bytes = (size_t)n * sizeof(mor_obj *); /* a left run is at most n - 1 items */
    mor_obj **tmp = mori_mem_alloc(rt, tmp_bytes, MORI_MEM_BUFFER);
    if (tmp == NULL)
        return -1;
    int rc = 0;
    for (int64_t width = SORT_RUN; width < n && rc == 0; width *= 2) {
        for (int64_t lo = 0; lo + width < n; lo += 2 * width) {
            int64_t mid = lo + width;
            int64_t hi = mid + width < n ? mid + width : n;
            /* runs already in order need no merge */
            int lt = sort_lt(rt, a[mid], a[mid - 1]);
            if (lt < 0) {
                rc = -1;
                break;
            }
            if (lt && sort_merge(rt, a, tmp, lo, mid, hi) < 0) {
                rc = -1;
                break;
            }
        }
    }
    mori_mem_free(rt, tmp, tmp_bytes, MORI_MEM_BUFFER);
    return rc;
}
