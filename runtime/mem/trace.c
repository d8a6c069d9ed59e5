/* runtime/mem/trace.c: recording allocation sites. The funnel calls
 * mori_trace_alloc/mori_trace_free for every block while tracing is on (its
 * slow path); sites are the embedder's frames or native return addresses
 * found by walking the frame-pointer chain, skipping the runtime's own.
 * Each site (interned traceback) keeps the sums of its live blocks; each
 * live block is an 8-byte slot in the chunk of its 4 KiB address window
 * (see trace.h), found again on free to take its size back from its site.
 * Cost, demos/bench_trace: about 2.2x an allocation-heavy loop untraced with
 * nframes 1, ~18 bytes of tables per block. */
#include <dlfcn.h>
#include <link.h>
#include <math.h>
#include <pthread.h>

#include "../core/rt.h"
#include "trace.h"

/* ---- the tracer's memory: the C library's, never the funnel's --------------------------- */

static void *trace_calloc(mori_tracer *t, size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p != NULL)
        t->overhead += n * size;
    return p;
}

static void trace_free_block(mori_tracer *t, void *p, size_t bytes)
{
    if (p != NULL)
        t->overhead -= bytes;
    free(p);
}

/* ---- where the runtime's code and this thread's stack are ----------------------------------- */

typedef struct text_probe {
    uintptr_t addr, lo, hi;
    bool found, main_program;
} text_probe;

static int trace_find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    text_probe *p = arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (p->addr >= lo && p->addr < hi) {
            p->lo = lo;
            p->hi = hi;
            p->found = true;
            p->main_program = info->dlpi_name == NULL || info->dlpi_name[0] == '\0';
            return 1;
        }
    }
    return 0;
}

/* The runtime's code is known precisely only when it is a library of its
 * own; linked statically into the program, its frames are told apart later,
 * at symbolization (by source file). */
static void trace_locate(mori_tracer *t)
{
    text_probe p = {(uintptr_t)&mor_trace_start, 0, 0, false, false};
    dl_iterate_phdr(trace_find_text, &p);
    t->text_known = p.found && !p.main_program;
    t->text_lo = p.lo;
    t->text_hi = p.hi;
    pthread_attr_t attr;
    void *stack = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstack(&attr, &stack, &size);
        pthread_attr_destroy(&attr);
    }
    t->stack_lo = (uintptr_t)stack;
    t->stack_hi = (uintptr_t)stack + size;
}

/* ---- capture ------------------------------------------------------------------------------- */

/* Walk the frame-pointer chain from here. Every frame pointer is checked to
 * lie in this thread's stack and to grow, so a chain broken by code built
 * without frame pointers ends the walk instead of reading garbage. */
static __attribute__((noinline)) int trace_capture_native(mori_tracer *t, mori_frame *out)
{
    void **fp = __builtin_frame_address(0);
    int limit = t->text_known ? t->nframes : t->nframes + MORI_TRACE_SLACK;
    int n = 0;
    while (n < limit) {
        uintptr_t f = (uintptr_t)fp;
        if (f < t->stack_lo || f + 2 * sizeof(void *) > t->stack_hi || (f & (sizeof(void *) - 1)))
            break;
        uintptr_t ret = (uintptr_t)fp[1];
        if (ret == 0)
            break;
        if (!(t->text_known && ret >= t->text_lo && ret < t->text_hi)) {
            out[n].ip = ret;
            out[n].file = NULL;
            out[n].line = 0;
            n++;
        }
        void **next = (void **)fp[0];
        if ((uintptr_t)next <= f)
            break;
        fp = next;
    }
    return n;
}

static int trace_capture(mori_tracer *t, mori_frame *out)
{
    if (t->fdepth == 0)
        return trace_capture_native(t, out);
    int n = 0;
    for (size_t i = t->fdepth; i-- > 0 && n < t->nframes;)
        out[n++] = t->fstack[i];
    return n;
}

/* ---- interned tracebacks --------------------------------------------------------------------- */

static uint64_t tb_hash(const mori_frame *f, int n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= (uint64_t)f[i].ip + (uint64_t)(uintptr_t)f[i].file +
             ((uint64_t)(uint32_t)f[i].line << 40);
        h *= 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    return h;
}

static bool tb_equal(const mori_tb *tb, const mori_frame *f, int n)
{
    if (tb->nframes != (uint32_t)n)
        return false;
    for (int i = 0; i < n; i++)
        if (tb->frames[i].ip != f[i].ip || tb->frames[i].file != f[i].file ||
            tb->frames[i].line != f[i].line)
            return false;
    return true;
}

static int tb_table_grow(mori_tracer *t)
{
    size_t n = t->tbs ? (t->tbmask + 1) * 2 : 1024;
    mori_tb **nt = trace_calloc(t, n, sizeof(mori_tb *));
    if (nt == NULL)
        return -1;
    for (size_t i = 0; t->tbs != NULL && i <= t->tbmask; i++) {
        mori_tb *tb = t->tbs[i];
        if (tb == NULL)
            continue;
        size_t j = (size_t)tb->hash & (n - 1);
        while (nt[j] != NULL)
            j = (j + 1) & (n - 1);
        nt[j] = tb;
    }
    if (t->tbs != NULL)
        trace_free_block(t, t->tbs, (t->tbmask + 1) * sizeof(mori_tb *));
    t->tbs = nt;
    t->tbmask = n - 1;
    return 0;
}

static mori_tb *tb_intern(mori_tracer *t, const mori_frame *f, int n)
{
    if ((t->tbcount + 1) * 2 > (t->tbs ? t->tbmask + 1 : 0) && tb_table_grow(t) < 0)
        return NULL;
    if (t->tbcount == t->tbvcap) {
        size_t cap = t->tbvcap ? t->tbvcap * 2 : 256;
        if (cap > UINT32_MAX)
            return NULL;
        mori_tb **nv = realloc(t->tbv, cap * sizeof(mori_tb *));
        if (nv == NULL)
            return NULL;
        t->overhead += (cap - t->tbvcap) * sizeof(mori_tb *);
        t->tbv = nv;
        t->tbvcap = cap;
    }
    uint64_t h = tb_hash(f, n);
    size_t i = (size_t)h & t->tbmask;
    for (; t->tbs[i] != NULL; i = (i + 1) & t->tbmask)
        if (t->tbs[i]->hash == h && tb_equal(t->tbs[i], f, n))
            return t->tbs[i];
    mori_tb *tb = trace_calloc(t, 1, sizeof(mori_tb) + (size_t)n * sizeof(mori_frame));
    if (tb == NULL)
        return NULL;
    tb->hash = h;
    tb->id = (uint32_t)t->tbcount;
    tb->nframes = (uint32_t)n;
    memcpy(tb->frames, f, (size_t)n * sizeof(mori_frame));
    t->tbs[i] = tb;
    t->tbv[t->tbcount++] = tb;
    return tb;
}

/* The traceback of the current allocation site. */
static mori_tb *trace_site(mori_tracer *t)
{
    mori_frame frames[MORI_TRACE_MAX_FRAMES + MORI_TRACE_SLACK];
    int n = trace_capture(t, frames);
    if (n == 1 && frames[0].ip != 0) { /* one native frame: the cache usually has it */
        size_t slot = (size_t)((frames[0].ip >> 2) * 0x9E3779B97F4A7C15ULL >> 56);
        if (t->cache[slot].ip == frames[0].ip)
            return t->cache[slot].tb;
        mori_tb *tb = tb_intern(t, frames, 1);
        if (tb != NULL) {
            t->cache[slot].ip = frames[0].ip;
            t->cache[slot].tb = tb;
        }
        return tb;
    }
    return tb_intern(t, frames, n);
}

/* ---- what a traced block counts for ---------------------------------------------------------- */

/* Its size and count, scaled when sampling. A sample of n bytes is taken
 * with probability p = 1 - exp(-n / sample_bytes) (see trace_sampled); it
 * stands for 1/p blocks. The same n always gives the same figures, so a free
 * takes back exactly what the allocation added. */
static void trace_weight(const mori_tracer *t, size_t n, uint64_t *size, uint64_t *count_fp)
{
    if (t->sample_bytes == 0) {
        *size = n;
        *count_fp = MORI_TRACE_ONE;
        return;
    }
    double p = -expm1(-(double)n / (double)t->sample_bytes);
    double w = p > 0 ? 1.0 / p : 1.0;
    *size = (uint64_t)((double)n * w + 0.5);
    *count_fp = (uint64_t)(w * MORI_TRACE_ONE + 0.5);
}

static inline void trace_count(mori_tracer *t, mori_tb *tb, size_t n, bool add)
{
    uint64_t size = n, count_fp = MORI_TRACE_ONE;
    if (t->sample_bytes != 0)
        trace_weight(t, n, &size, &count_fp);
    if (add) {
        tb->size += size;
        tb->count_fp += count_fp;
        t->current += size;
        if (t->current > t->peak)
            t->peak = t->current;
    } else {
        tb->size -= size;
        tb->count_fp -= count_fp;
        t->current -= size;
    }
}

/* ---- chunks: the traced blocks of one window ------------------------------------------------- */

#define TRACE_WSHIFT 12
#define TRACE_WMASK (((uintptr_t)1 << TRACE_WSHIFT) - 1)
#define TRACE_SIZE_MAX ((1u << 20) - 1) /* sizes kept saturate here */

typedef struct trace_slot {
    uint32_t tb1;      /* traceback id + 1; 0: empty */
    uint32_t off_size; /* offset in the window (low 12 bits) | size << 12 */
} trace_slot;

/* cap is a power of two >= 8, count <= 3/4 of it; a block's home slot is
 * its offset scaled to cap (monotonic: neighbours stay neighbours), and
 * collisions probe forward, wrapping around. */
struct mori_trace_chunk {
    uint32_t cap, count;
    trace_slot slots[];
};

static inline uint32_t chunk_home(uint32_t off, uint32_t cap)
{
    return (uint32_t)(((uint64_t)off * cap) >> TRACE_WSHIFT) & (cap - 1);
}

static inline uint32_t slot_off(const trace_slot *s) { return s->off_size & (uint32_t)TRACE_WMASK; }

static size_t chunk_bytes(uint32_t cap)
{
    return sizeof(mori_trace_chunk) + (size_t)cap * sizeof(trace_slot);
}

/* The slot holding off, or of the empty slot where it would go. */
static inline uint32_t chunk_find(const mori_trace_chunk *c, uint32_t off)
{
    uint32_t i = chunk_home(off, c->cap);
    while (c->slots[i].tb1 != 0 && slot_off(&c->slots[i]) != off)
        i = (i + 1) & (c->cap - 1);
    return i;
}

static mori_trace_chunk *chunk_new(mori_tracer *t, uint32_t cap)
{
    mori_trace_chunk *c = trace_calloc(t, 1, chunk_bytes(cap));
    if (c != NULL)
        c->cap = cap;
    return c;
}

/* A copy of c with twice the slots (c is freed), or NULL (c is kept). */
static mori_trace_chunk *chunk_grow(mori_tracer *t, mori_trace_chunk *c)
{
    mori_trace_chunk *nc = chunk_new(t, c->cap * 2);
    if (nc == NULL)
        return NULL;
    for (uint32_t i = 0; i < c->cap; i++) {
        if (c->slots[i].tb1 == 0)
            continue;
        nc->slots[chunk_find(nc, slot_off(&c->slots[i]))] = c->slots[i];
    }
    nc->count = c->count;
    trace_free_block(t, c, chunk_bytes(c->cap));
    return nc;
}

/* Empty slot i, shifting back the entries of its probe run that may move. */
static void chunk_remove(mori_trace_chunk *c, uint32_t i)
{
    uint32_t mask = c->cap - 1, hole = i;
    for (uint32_t j = (i + 1) & mask; c->slots[j].tb1 != 0; j = (j + 1) & mask) {
        uint32_t h = chunk_home(slot_off(&c->slots[j]), c->cap);
        bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
        if (movable) {
            c->slots[hole] = c->slots[j];
            hole = j;
        }
    }
    c->slots[hole].tb1 = 0;
    c->count--;
}

/* ---- the directory of windows ---------------------------------------------------------------- */

static inline size_t dir_home(uintptr_t w, size_t mask)
{
    return (size_t)((uint64_t)w * 0x9E3779B97F4A7C15ULL >> 20) & mask;
}

/* The entry of window w, or the empty entry where it would go. */
static inline mori_trace_dirent *dir_find(const mori_tracer *t, uintptr_t w)
{
    size_t i = dir_home(w, t->dirmask);
    while (t->dir[i].window != 0 && t->dir[i].window != w)
        i = (i + 1) & t->dirmask;
    return &t->dir[i];
}

/* Room for one more window at a load of at most 1/2. */
static int dir_reserve(mori_tracer *t)
{
    size_t old = t->dir ? t->dirmask + 1 : 0;
    if ((t->dircount + 1) * 2 <= old)
        return 0;
    size_t n = old ? old * 2 : 64;
    mori_trace_dirent *nd = trace_calloc(t, n, sizeof(mori_trace_dirent));
    if (nd == NULL)
        return -1;
    for (size_t i = 0; i < old; i++) {
        if (t->dir[i].window == 0)
            continue;
        size_t j = dir_home(t->dir[i].window, n - 1);
        while (nd[j].window != 0)
            j = (j + 1) & (n - 1);
        nd[j] = t->dir[i];
    }
    if (t->dir != NULL)
        trace_free_block(t, t->dir, old * sizeof(mori_trace_dirent));
    t->dir = nd;
    t->dirmask = n - 1;
    return 0;
}

static void dir_remove(mori_tracer *t, mori_trace_dirent *e)
{
    size_t mask = t->dirmask, hole = (size_t)(e - t->dir);
    for (size_t j = (hole + 1) & mask; t->dir[j].window != 0; j = (j + 1) & mask) {
        size_t h = dir_home(t->dir[j].window, mask);
        bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
        if (movable) {
            t->dir[hole] = t->dir[j];
            hole = j;
        }
    }
    t->dir[hole].window = 0;
    t->dir[hole].chunk = NULL;
    t->dircount--;
}

static inline mori_trace_dirent *wcache_of(mori_tracer *t, uintptr_t w)
{
    return &t->wcache[(uint64_t)w * 0x9E3779B97F4A7C15ULL >> 58]; /* 64 entries */
}

/* The chunk of window w from the cache or the directory; NULL if none. */
static inline mori_trace_chunk *window_chunk(mori_tracer *t, uintptr_t w)
{
    mori_trace_dirent *c = wcache_of(t, w);
    if (c->window == w)
        return c->chunk;
    if (t->dir == NULL)
        return NULL;
    mori_trace_dirent *e = dir_find(t, w);
    if (e->window == 0)
        return NULL;
    *c = *e;
    return e->chunk;
}

/* A chunk changed place (or went, chunk NULL): the directory and the cache follow. */
static void window_set(mori_tracer *t, uintptr_t w, mori_trace_chunk *chunk)
{
    mori_trace_dirent *e = dir_find(t, w);
    mori_trace_dirent *c = wcache_of(t, w);
    if (chunk == NULL) {
        dir_remove(t, e);
        if (c->window == w)
            c->window = 0;
        return;
    }
    e->chunk = chunk;
    c->window = w;
    c->chunk = chunk;
}

/* The first size of a window's chunk. Allocators keep blocks of one size
 * together, so the window will likely fill with blocks of n bytes: room for
 * those (up to 256), to spare the growths. Samples are sparse: the least. */
static uint32_t chunk_guess(const mori_tracer *t, size_t n)
{
    if (t->sample_bytes != 0 || n >= 512)
        return 8;
    size_t blocks = ((size_t)1 << TRACE_WSHIFT) / (n < 16 ? 16 : n);
    uint32_t cap = 8;
    while (cap < 256 && (blocks + 1) * 4 > (size_t)cap * 3)
        cap *= 2;
    return cap;
}

/* ---- recording ------------------------------------------------------------------------------- */

static void trace_insert(mori_tracer *t, uintptr_t p, size_t n, mori_tb *tb)
{
    uintptr_t w = p >> TRACE_WSHIFT;
    uint32_t off = (uint32_t)(p & TRACE_WMASK);
    mori_trace_chunk *c = window_chunk(t, w);
    if (c == NULL) {
        if (dir_reserve(t) < 0 || (c = chunk_new(t, chunk_guess(t, n))) == NULL)
            return; /* the tracer is out of memory: this block goes untraced */
        mori_trace_dirent *e = dir_find(t, w);
        e->window = w;
        e->chunk = c;
        t->dircount++;
        *wcache_of(t, w) = *e;
    }
    uint32_t i = chunk_find(c, off);
    trace_slot *s = &c->slots[i];
    if (s->tb1 != 0) {
        /* allocated again with no free seen (a collector that frees on its
         * own): the old block is gone; past the kept size, its site's mean */
        mori_tb *old = t->tbv[s->tb1 - 1];
        size_t old_n = s->off_size >> TRACE_WSHIFT;
        if (old_n == TRACE_SIZE_MAX && old->count_fp > 0)
            old_n = (size_t)(old->size * MORI_TRACE_ONE / old->count_fp);
        trace_count(t, old, old_n, false);
    } else {
        if ((c->count + 1) * 4 > c->cap * 3) {
            mori_trace_chunk *nc = chunk_grow(t, c);
            if (nc == NULL)
                return;
            window_set(t, w, nc);
            c = nc;
            i = chunk_find(c, off);
            s = &c->slots[i];
        }
        c->count++;
        t->tcount++;
    }
    s->tb1 = tb->id + 1;
    s->off_size = off | (uint32_t)(n < TRACE_SIZE_MAX ? n : TRACE_SIZE_MAX) << TRACE_WSHIFT;
    trace_count(t, tb, n, true);
}

static void trace_remove(mori_tracer *t, uintptr_t p, size_t n)
{
    uintptr_t w = p >> TRACE_WSHIFT;
    uint32_t off = (uint32_t)(p & TRACE_WMASK);
    mori_trace_chunk *c = window_chunk(t, w);
    if (c == NULL)
        return; /* allocated before tracing started, or not sampled */
    uint32_t i = chunk_find(c, off);
    if (c->slots[i].tb1 == 0)
        return;
    trace_count(t, t->tbv[c->slots[i].tb1 - 1], n, false);
    chunk_remove(c, i);
    t->tcount--;
    if (c->count == 0) {
        window_set(t, w, NULL);
        trace_free_block(t, c, chunk_bytes(c->cap));
    }
}

const mori_tb *mori_trace_find(mori_tracer *t, const void *p)
{
    if (t == NULL)
        return NULL;
    mori_trace_chunk *c = window_chunk(t, (uintptr_t)p >> TRACE_WSHIFT);
    if (c == NULL)
        return NULL;
    uint32_t i = chunk_find(c, (uint32_t)((uintptr_t)p & TRACE_WMASK));
    return c->slots[i].tb1 != 0 ? t->tbv[c->slots[i].tb1 - 1] : NULL;
}

/* Draw the bytes to the next sample: exponential with mean sample_bytes. */
static void trace_next_gap(mori_tracer *t)
{
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    double u = ((double)(t->rng >> 11) + 0.5) / 9007199254740992.0;
    t->sample_left = (int64_t)(-log(u) * (double)t->sample_bytes) + 1;
}

/* Is the current allocation of n bytes sampled? Exact tracing samples
 * everything. Sampling: the bytes between samples are exponentially
 * distributed with mean sample_bytes, so that a block of n bytes is sampled
 * with probability 1 - exp(-n / sample_bytes) whatever came before it. */
static bool trace_sampled(mori_tracer *t, size_t n)
{
    if (t->sample_bytes == 0)
        return true;
    t->sample_left -= (int64_t)n;
    if (t->sample_left > 0)
        return false;
    trace_next_gap(t);
    return true;
}

void mori_trace_alloc(mor_rt *rt, void *p, size_t n)
{
    mori_tracer *t = rt->tracer;
    if (t == NULL || !t->tracing || !trace_sampled(t, n))
        return;
    mori_tb *tb = trace_site(t);
    if (tb != NULL) /* else the tracer is out of memory: this block goes untraced */
        trace_insert(t, (uintptr_t)p, n, tb);
}

void mori_trace_free(mor_rt *rt, void *p, size_t n)
{
    mori_tracer *t = rt->tracer;
    if (t != NULL && t->tcount > 0)
        trace_remove(t, (uintptr_t)p, n);
}

/* ---- control --------------------------------------------------------------------------------- */

/* Forget every trace and traceback (the frame stack and marks stay). */
static void trace_forget(mori_tracer *t)
{
    for (size_t i = 0; t->dir != NULL && i <= t->dirmask; i++)
        if (t->dir[i].window != 0)
            trace_free_block(t, t->dir[i].chunk, chunk_bytes(t->dir[i].chunk->cap));
    if (t->dir != NULL)
        trace_free_block(t, t->dir, (t->dirmask + 1) * sizeof(mori_trace_dirent));
    t->dir = NULL;
    t->dirmask = t->dircount = t->tcount = 0;
    memset(t->wcache, 0, sizeof(t->wcache));
    for (size_t i = 0; t->tbs != NULL && i <= t->tbmask; i++)
        if (t->tbs[i] != NULL)
            trace_free_block(t, t->tbs[i],
                             sizeof(mori_tb) + t->tbs[i]->nframes * sizeof(mori_frame));
    if (t->tbs != NULL)
        trace_free_block(t, t->tbs, (t->tbmask + 1) * sizeof(mori_tb *));
    t->tbs = NULL;
    t->tbmask = t->tbcount = 0;
    if (t->tbv != NULL)
        trace_free_block(t, t->tbv, t->tbvcap * sizeof(mori_tb *));
    t->tbv = NULL;
    t->tbvcap = 0;
    memset(t->cache, 0, sizeof(t->cache));
    t->current = t->peak = 0;
}

static mori_tracer *trace_get(mor_rt *rt)
{
    if (rt->tracer == NULL) {
        mori_tracer *t = calloc(1, sizeof(mori_tracer));
        if (t == NULL) {
            mor_raise(rt, MOR_EXC_MEMORY, "out of memory starting the tracer");
            return NULL;
        }
        t->overhead = sizeof(mori_tracer);
        rt->tracer = t;
    }
    return rt->tracer;
}

int mor_trace_start_sampled(mor_rt *rt, int nframes, size_t bytes)
{
    if (nframes < 1 || nframes > MORI_TRACE_MAX_FRAMES) {
        mor_raise(rt, MOR_EXC_VALUE, "the number of frames must be in the range [1; %d]",
                  MORI_TRACE_MAX_FRAMES);
        return -1;
    }
    mori_tracer *t = trace_get(rt);
    if (t == NULL)
        return -1;
    if (t->tracing && (t->nframes != nframes || t->sample_bytes != bytes))
        trace_forget(t); /* sites of another depth cannot be mixed */
    t->nframes = nframes;
    t->sample_bytes = bytes;
    /* every start draws other samples (splitmix64 of a process-wide count) */
    static uint64_t starts;
    uint64_t z = __atomic_add_fetch(&starts, 1, __ATOMIC_RELAXED) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    t->rng = (z ^ (z >> 31)) | 1; /* xorshift needs a non-zero state */
    if (bytes != 0)
        trace_next_gap(t);
    trace_locate(t);
    t->tracing = true;
    rt->mem.slow |= MORI_MEM_SLOW_TRACE;
    return 0;
}

int mor_trace_start(mor_rt *rt, int nframes) { return mor_trace_start_sampled(rt, nframes, 0); }

void mor_trace_stop(mor_rt *rt)
{
    mori_tracer *t = rt->tracer;
    rt->mem.slow &= ~MORI_MEM_SLOW_TRACE;
    if (t == NULL)
        return;
    t->tracing = false;
    trace_forget(t);
}

bool mor_trace_is_tracing(mor_rt *rt) { return rt->tracer != NULL && rt->tracer->tracing; }

void mor_trace_get_memory(mor_rt *rt, size_t *current, size_t *peak)
{
    mori_tracer *t = rt->tracer;
    if (current != NULL)
        *current = t && t->tracing ? (size_t)t->current : 0;
    if (peak != NULL)
        *peak = t && t->tracing ? (size_t)t->peak : 0;
}

void mor_trace_reset_peak(mor_rt *rt)
{
    if (rt->tracer != NULL)
        rt->tracer->peak = rt->tracer->current;
}

void mor_trace_clear(mor_rt *rt)
{
    if (rt->tracer != NULL)
        trace_forget(rt->tracer);
}

size_t mor_trace_overhead(mor_rt *rt) { return rt->tracer ? rt->tracer->overhead : 0; }

/* ---- the embedder's frame stack -------------------------------------------------------------- */

/* The tracer's copy of a file name (frames compare names by pointer). */
static const char *trace_file(mori_tracer *t, const char *file)
{
    for (size_t i = 0; i < t->nfiles; i++)
        if (strcmp(t->files[i], file) == 0)
            return t->files[i];
    if (t->nfiles == t->filescap) {
        size_t cap = t->filescap ? t->filescap * 2 : 16;
        char **nf = realloc(t->files, cap * sizeof(char *));
        if (nf == NULL)
            return NULL;
        t->overhead += (cap - t->filescap) * sizeof(char *);
        t->files = nf;
        t->filescap = cap;
    }
    size_t len = strlen(file) + 1;
    char *copy = trace_calloc(t, 1, len);
    if (copy == NULL)
        return NULL;
    memcpy(copy, file, len);
    t->files[t->nfiles++] = copy;
    return copy;
}

int mor_trace_push_frame(mor_rt *rt, const char *file, int line)
{
    if (file == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_trace_push_frame: file is NULL");
        return -1;
    }
    mori_tracer *t = trace_get(rt);
    if (t == NULL)
        return -1;
    const char *f = trace_file(t, file);
    if (f == NULL) {
        mor_raise(rt, MOR_EXC_MEMORY, "out of memory in the tracer");
        return -1;
    }
    if (t->fdepth == t->fcap) {
        size_t cap = t->fcap ? t->fcap * 2 : 32;
        mori_frame *ns = realloc(t->fstack, cap * sizeof(mori_frame));
        if (ns == NULL) {
            mor_raise(rt, MOR_EXC_MEMORY, "out of memory in the tracer");
            return -1;
        }
        t->overhead += (cap - t->fcap) * sizeof(mori_frame);
        t->fstack = ns;
        t->fcap = cap;
    }
    t->fstack[t->fdepth].ip = 0;
    t->fstack[t->fdepth].file = f;
    t->fstack[t->fdepth].line = line;
    t->fdepth++;
    return 0;
}

void mor_trace_pop_frame(mor_rt *rt)
{
    if (rt->tracer != NULL && rt->tracer->fdepth > 0)
        rt->tracer->fdepth--;
}

void mori_trace_fini(mor_rt *rt)
{
    mori_tracer *t = rt->tracer;
    rt->mem.slow &= ~MORI_MEM_SLOW_TRACE;
    if (t == NULL)
        return;
    trace_forget(t);
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    free(t->files);
    free(t->fstack);
    free(t->marks);
    free(t);
    rt->tracer = NULL;
}
