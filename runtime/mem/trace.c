/* runtime/mem/trace.c: recording allocation sites. The funnel calls
 * mori_trace_alloc/mori_trace_free for every block while tracing is on (its
 * slow path); sites are the embedder's frames or native return addresses
 * found by walking the frame-pointer chain, skipping the runtime's own. */
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

/* ---- interned tracebacks ----------------------------------------------------------------------- */

static uint64_t tb_hash(const mori_frame *f, int n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= (uint64_t)f[i].ip + (uint64_t)(uintptr_t)f[i].file + ((uint64_t)(uint32_t)f[i].line << 40);
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
    uint64_t h = tb_hash(f, n);
    size_t i = (size_t)h & t->tbmask;
    for (; t->tbs[i] != NULL; i = (i + 1) & t->tbmask)
        if (t->tbs[i]->hash == h && tb_equal(t->tbs[i], f, n))
            return t->tbs[i];
    mori_tb *tb = trace_calloc(t, 1, sizeof(mori_tb) + (size_t)n * sizeof(mori_frame));
    if (tb == NULL)
        return NULL;
    tb->hash = h;
    tb->nframes = (uint32_t)n;
    memcpy(tb->frames, f, (size_t)n * sizeof(mori_frame));
    t->tbs[i] = tb;
    t->tbcount++;
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

/* ---- the traces table ------------------------------------------------------------------------------ */

static inline size_t trace_slot(uintptr_t p, size_t mask)
{
    return (size_t)(((uint64_t)p >> 4) * 0x9E3779B97F4A7C15ULL >> 17) & mask;
}

static int traces_grow(mori_tracer *t)
{
    size_t n = t->traces ? (t->tmask + 1) * 2 : 4096;
    mori_trace_ent *nt = trace_calloc(t, n, sizeof(mori_trace_ent));
    if (nt == NULL)
        return -1;
    for (size_t i = 0; t->traces != NULL && i <= t->tmask; i++) {
        if (t->traces[i].ptr == 0)
            continue;
        size_t j = trace_slot(t->traces[i].ptr, n - 1);
        while (nt[j].ptr != 0)
            j = (j + 1) & (n - 1);
        nt[j] = t->traces[i];
    }
    if (t->traces != NULL)
        trace_free_block(t, t->traces, (t->tmask + 1) * sizeof(mori_trace_ent));
    t->traces = nt;
    t->tmask = n - 1;
    return 0;
}

/* Is the current allocation of n bytes sampled? Sets *weight to the
 * allocations it stands for. Exact tracing samples everything. */
static bool trace_sampled(mori_tracer *t, size_t n, double *weight)
{
    *weight = 1.0;
    if (t->sample_bytes == 0)
        return true;
    t->sample_left -= (int64_t)n;
    if (t->sample_left > 0)
        return false;
    /* the gap to the next sample is exponential with mean sample_bytes */
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    double u = ((double)(t->rng >> 11) + 0.5) / 9007199254740992.0;
    t->sample_left = (int64_t)(-log(u) * (double)t->sample_bytes) + 1;
    double p = 1.0 - exp(-(double)n / (double)t->sample_bytes);
    *weight = p > 0 ? 1.0 / p : 1.0;
    return true;
}

void mori_trace_alloc(mor_rt *rt, void *p, size_t n)
{
    mori_tracer *t = rt->tracer;
    double weight;
    if (t == NULL || !t->tracing || !trace_sampled(t, n, &weight))
        return;
    if ((t->tcount + 1) * 2 > (t->traces ? t->tmask + 1 : 0) && traces_grow(t) < 0)
        return; /* the tracer is out of memory: this block goes untraced */
    mori_tb *tb = trace_site(t);
    if (tb == NULL)
        return;
    size_t i = trace_slot((uintptr_t)p, t->tmask);
    while (t->traces[i].ptr != 0 && t->traces[i].ptr != (uintptr_t)p)
        i = (i + 1) & t->tmask;
    mori_trace_ent *e = &t->traces[i];
    if (e->ptr == 0)
        t->tcount++;
    else
        t->current -= (uint64_t)((double)e->size * e->weight);
    e->ptr = (uintptr_t)p;
    e->size = n;
    e->tb = tb;
    e->weight = weight;
    t->current += (uint64_t)((double)n * weight);
    if (t->current > t->peak)
        t->peak = t->current;
}

void mori_trace_free(mor_rt *rt, void *p)
{
    mori_tracer *t = rt->tracer;
    if (t == NULL || t->traces == NULL)
        return;
    size_t mask = t->tmask;
    size_t i = trace_slot((uintptr_t)p, mask);
    while (t->traces[i].ptr != (uintptr_t)p) {
        if (t->traces[i].ptr == 0)
            return; /* allocated before tracing started, or not sampled */
        i = (i + 1) & mask;
    }
    t->current -= (uint64_t)((double)t->traces[i].size * t->traces[i].weight);
    t->tcount--;
    /* backward-shift deletion keeps linear probing free of tombstones */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; t->traces[j].ptr != 0; j = (j + 1) & mask) {
        size_t home = trace_slot(t->traces[j].ptr, mask);
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            t->traces[hole] = t->traces[j];
            hole = j;
        }
    }
    t->traces[hole].ptr = 0;
}

const mori_trace_ent *mori_trace_find(const mori_tracer *t, const void *p)
{
    if (t == NULL || t->traces == NULL)
        return NULL;
    for (size_t i = trace_slot((uintptr_t)p, t->tmask); t->traces[i].ptr != 0;
         i = (i + 1) & t->tmask)
        if (t->traces[i].ptr == (uintptr_t)p)
            return &t->traces[i];
    return NULL;
}

const mori_trace_ent *mori_trace_next(const mori_tracer *t, size_t *pos)
{
    for (size_t i = *pos; t->traces != NULL && i <= t->tmask; i++) {
        if (t->traces[i].ptr != 0) {
            *pos = i + 1;
            return &t->traces[i];
        }
    }
    return NULL;
}

/* ---- control --------------------------------------------------------------------------------------- */

/* Forget every trace and traceback (the frame stack and marks stay). */
static void trace_forget(mori_tracer *t)
{
    if (t->traces != NULL)
        trace_free_block(t, t->traces, (t->tmask + 1) * sizeof(mori_trace_ent));
    t->traces = NULL;
    t->tmask = t->tcount = 0;
    for (size_t i = 0; t->tbs != NULL && i <= t->tbmask; i++)
        if (t->tbs[i] != NULL)
            trace_free_block(t, t->tbs[i], sizeof(mori_tb) + t->tbs[i]->nframes * sizeof(mori_frame));
    if (t->tbs != NULL)
        trace_free_block(t, t->tbs, (t->tbmask + 1) * sizeof(mori_tb *));
    t->tbs = NULL;
    t->tbmask = t->tbcount = 0;
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
        t->rng = 0x2545F4914F6CDD1DULL ^ (uint64_t)(uintptr_t)t;
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
    t->sample_left = (int64_t)bytes;
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

/* ---- the embedder's frame stack ---------------------------------------------------------------------- */

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
