/* runtime/gc/timeline.c: the collector's timeline as Chrome trace events
 * (JSON array format), one complete event ("ph": "X") per collection and a
 * counter track ("ph": "C") of the allocator's live bytes. */
#include <time.h>

#include "../core/rt.h"

static uint64_t timeline_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void timeline_hook(mor_rt *rt, const mor_gc_info *info)
{
    FILE *out = rt->gc.timeline;
    if (out == NULL)
        return;
    uint64_t end = timeline_now_us();
    uint64_t dur = info->duration_ns / 1000u;
    fprintf(out,
            ",\n{\"name\": \"gc gen %d\", \"cat\": \"gc\", \"ph\": \"X\", \"ts\": %llu, "
            "\"dur\": %llu, \"pid\": 1, \"tid\": 1, \"args\": {\"generation\": %d, "
            "\"scanned\": %lld, \"collected\": %lld, \"uncollectable\": %lld}}",
            info->generation, (unsigned long long)(end - dur), (unsigned long long)dur,
            info->generation, (long long)info->scanned, (long long)info->collected,
            (long long)info->uncollectable);
    fprintf(out,
            ",\n{\"name\": \"live bytes\", \"ph\": \"C\", \"ts\": %llu, \"pid\": 1, "
            "\"args\": {\"bytes\": %llu}}",
            (unsigned long long)end, (unsigned long long)rt->mem.live_bytes);
}

int mor_gc_trace_start(mor_rt *rt, FILE *out)
{
    if (out == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_gc_trace_start: out is NULL");
        return -1;
    }
    if (rt->gc.timeline != NULL)
        mor_gc_trace_stop(rt);
    rt->gc.timeline = out;
    rt->gc.trace_hook = timeline_hook;
    /* a metadata event opens the array, so that every later one starts ",\n" */
    fprintf(out, "[\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, "
                 "\"args\": {\"name\": \"mor\"}}");
    fprintf(out, ",\n{\"name\": \"live bytes\", \"ph\": \"C\", \"ts\": %llu, \"pid\": 1, "
                 "\"args\": {\"bytes\": %llu}}",
            (unsigned long long)timeline_now_us(), (unsigned long long)rt->mem.live_bytes);
    return 0;
}

void mor_gc_trace_stop(mor_rt *rt)
{
    if (rt->gc.timeline == NULL)
        return;
    fputs("\n]\n", rt->gc.timeline);
    fflush(rt->gc.timeline);
    rt->gc.timeline = NULL;
    rt->gc.trace_hook = NULL;
}
