/* demos/versus/probe_boehm.c: the backend of versus-boehm (libmor-boehm) and,
 * built with VS_PLAIN_BOEHM, of versus-boehm-c (plain C over GC_MALLOC).
 * Collections happen inside allocations, so they are timed from Boehm's own
 * event callback (GC_EVENT_START to GC_EVENT_END: one stop-the-world
 * collection; the lazy sweep done later inside allocations is not in it). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>

#define GC_THREADS /* GC_get_parallel */
#include <gc/gc.h>

#ifndef VS_PLAIN_BOEHM
#include "mor.h"
#endif
#include "versus.h"

#ifdef VS_PLAIN_BOEHM
const char *const vs_backend_name = "boehm-c";
#define VS_LABEL "boehm-c (plain C over GC_MALLOC)"
#else
const char *const vs_backend_name = "boehm";
#define VS_LABEL "mor-boehm"
#endif

static uint64_t started_ns;

static void on_event(GC_EventType e)
{
    if (e == GC_EVENT_START)
        started_ns = vs_now_ns();
    else if (e == GC_EVENT_END && started_ns != 0) {
        vs_pause(vs_now_ns() - started_ns);
        started_ns = 0;
    }
}

void *vs_backend_open(void)
{
#ifdef VS_PLAIN_BOEHM
    GC_INIT();
    void *env = (void *)&vs_backend_name;
#else
    mor_rt *env = mor_rt_new(NULL);
    if (env == NULL)
        return NULL;
#endif
    GC_set_on_collection_event(on_event);
    return env;
}

/* Heap blocks not free: live objects and the garbage not yet collected. */
double vs_backend_live_bytes(void *env)
{
    (void)env;
    GC_word heap, free_bytes; /* both without the memory unmapped to the OS */
    GC_get_heap_usage_safe(&heap, &free_bytes, NULL, NULL, NULL);
    return (double)(heap - free_bytes);
}

void vs_backend_info(void *env, char *buf, size_t size)
{
    (void)env;
    unsigned v = GC_get_version();
    snprintf(buf, size, VS_LABEL ": Boehm GC %u.%u.%u, default settings (%s, %d marker%s)",
             v >> 16, (v >> 8) & 0xff, v & 0xff,
             GC_is_incremental_mode() ? "incremental" : "stop-the-world",
             GC_get_parallel() + 1, GC_get_parallel() ? "s" : "");
}

void vs_backend_reset(void *env) { (void)env; }

void vs_backend_extras(void *env)
{
    (void)env;
    vs_report("heap size", (double)GC_get_heap_size() / (1024.0 * 1024.0), "MiB");
}

void vs_backend_close(void *env)
{
#ifdef VS_PLAIN_BOEHM
    (void)env;
#else
    mor_rt_free(env);
#endif
}
