/* runtime/iter/filelines.c: mor_file_lines, a generator reading a text file
 * one line at a time through a fixed 32 KiB buffer (plus a line buffer as long
 * as the longest line): memory does not grow with the file. */
#include <errno.h>

#include "iter.h"

#define LINES_CHUNK 32768 /* with what is in flight, under the 64 KiB a pipeline may grow */

typedef struct lines_state {
    FILE *f;
    char *chunk;       /* LINES_CHUNK bytes read ahead */
    size_t clen, cpos; /* bytes in chunk, next unread one */
    char *line;        /* a line that spans chunks is assembled here */
    size_t lcap;
} lines_state;

/* Append n bytes to the line buffer at offset len. */
static int lines_grow(mor_rt *rt, lines_state *s, size_t len, const char *p, size_t n)
{
    if (len + n > s->lcap) {
        size_t cap = s->lcap ? s->lcap : 256;
        while (cap < len + n)
            cap *= 2;
        char *nl = mori_mem_realloc(rt, s->line, s->lcap, cap, MORI_MEM_ATOMIC);
        if (nl == NULL)
            return -1;
        s->line = nl;
        s->lcap = cap;
    }
    memcpy(s->line + len, p, n);
    return 0;
}

/* The next line as a str, or NULL: at the end of the file with no exception,
 * else an error. */
static mor_obj *lines_read(mor_rt *rt, lines_state *s, const char *path)
{
    size_t len = 0; /* bytes gathered in s->line */
    for (;;) {
        if (s->cpos == s->clen) {
            s->clen = fread(s->chunk, 1, LINES_CHUNK, s->f);
            s->cpos = 0;
            if (s->clen == 0) {
                if (ferror(s->f)) {
                    mor_raise(rt, MOR_EXC_OS, "[Errno %d] %s: '%s'", errno, strerror(errno), path);
                    return NULL;
                }
                return len ? mor_str_n(rt, s->line, len) : NULL; /* a last line without \n */
            }
        }
        char *start = s->chunk + s->cpos;
        char *nl = memchr(start, '\n', s->clen - s->cpos);
        size_t n = nl ? (size_t)(nl - start) + 1 : s->clen - s->cpos;
        s->cpos += n;
        if (nl != NULL && len == 0)
            return mor_str_n(rt, start, n); /* the common case: no copy */
        if (lines_grow(rt, s, len, start, n) < 0)
            return NULL;
        len += n;
        if (nl != NULL)
            return mor_str_n(rt, s->line, len);
    }
}

static mor_obj *lines_step(mor_rt *rt, mor_gen *g, mor_obj *sent)
{
    lines_state *s = mor_gen_cstate(g);
    MOR_GEN_BEGIN(g);
    s->chunk = mori_mem_alloc(rt, LINES_CHUNK, MORI_MEM_ATOMIC);
    if (s->chunk == NULL)
        MOR_GEN_FAIL(g);
    for (;;) {
        mor_obj *line = lines_read(rt, s, mor_str_utf8(mor_gen_locals(g)[0], NULL));
        if (line == NULL) {
            if (mor_err_kind(rt) != MOR_EXC_NONE)
                MOR_GEN_FAIL(g);
            break;
        }
        MOR_GEN_YIELD(g, line);
    }
    MOR_GEN_FINALLY(g);
    if (s->f != NULL)
        fclose(s->f);
    s->f = NULL;
    mori_mem_free(rt, s->chunk, LINES_CHUNK, MORI_MEM_ATOMIC);
    mori_mem_free(rt, s->line, s->lcap, MORI_MEM_ATOMIC);
    s->chunk = s->line = NULL;
    MOR_GEN_END(g);
}

mor_obj *mor_file_lines(mor_rt *rt, const char *path)
{
    if (path == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_file_lines: path is NULL");
        return NULL;
    }
    mor_obj *p = mor_str(rt, path);
    if (p == NULL)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        mor_raise(rt, MOR_EXC_OS, "[Errno %d] %s: '%s'", errno, strerror(errno), path);
        mor_decref(rt, p);
        return NULL;
    }
    mor_obj *g = mor_gen_new(rt, "file_lines", lines_step, 1, sizeof(lines_state));
    if (g == NULL) {
        fclose(f);
        mor_decref(rt, p);
        return NULL;
    }
    mor_gen_locals((mor_gen *)g)[0] = p;
    ((lines_state *)mor_gen_cstate((mor_gen *)g))->f = f;
    return g;
}
