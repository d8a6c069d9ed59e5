/* runtime/inspect/symbolize.c: return address -> file, line, function. With
 * elfutils' libdw the process's modules are read once and each address is
 * looked up in the DWARF line tables; without it, dladdr gives the nearest
 * symbol and an offset. Results are cached per address; the cache and the
 * strings live in C library memory (they are the tracer's, never traced). */
#include <dlfcn.h>
#include <unistd.h>

#ifdef HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

#include "symbolize.h"

#ifndef MOR_SOURCE_ROOT
#define MOR_SOURCE_ROOT ""
#endif

typedef struct sym_ent {
    uintptr_t ip; /* 0: empty */
    mori_symbol sym;
} sym_ent;

struct mori_symbolizer {
#ifdef HAVE_LIBDW
    Dwfl *dwfl;
#endif
    sym_ent *cache;
    size_t mask, count;
    char cwd[4096];
    char runtime_dir[4096]; /* MOR_SOURCE_ROOT "/runtime/" */
};

bool mori_symbolize_has_lines(void)
{
#ifdef HAVE_LIBDW
    return true;
#else
    return false;
#endif
}

static char *sym_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c != NULL)
        memcpy(c, s, n);
    return c;
}

/* Collapse "." and ".." components of an absolute path, in place. */
static void sym_normalize(char *path)
{
    char *out = path, *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        char *seg = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > path && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, len);
        out += len;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

static struct mori_symbolizer *sym_get(mor_rt *rt)
{
    struct mori_symbolizer *s = rt->symbolizer;
    if (s != NULL)
        return s;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    if (getcwd(s->cwd, sizeof(s->cwd)) == NULL)
        s->cwd[0] = '\0';
    snprintf(s->runtime_dir, sizeof(s->runtime_dir), "%s/runtime/", MOR_SOURCE_ROOT);
    sym_normalize(s->runtime_dir);
    size_t rl = strlen(s->runtime_dir);
    if (rl + 1 < sizeof(s->runtime_dir)) { /* normalize dropped the trailing '/' */
        s->runtime_dir[rl] = '/';
        s->runtime_dir[rl + 1] = '\0';
    }
#ifdef HAVE_LIBDW
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
    };
    s->dwfl = dwfl_begin(&callbacks);
    if (s->dwfl != NULL) {
        if (dwfl_linux_proc_report(s->dwfl, getpid()) != 0 ||
            dwfl_report_end(s->dwfl, NULL, NULL) != 0) {
            dwfl_end(s->dwfl);
            s->dwfl = NULL;
        }
    }
#endif
    rt->symbolizer = s;
    return s;
}

/* The path to show for a source file: absolute and normalized, then
 * relative to the working directory when it lies under it. */
static char *sym_path(struct mori_symbolizer *s, const char *file, const char *comp_dir)
{
    char buf[8192];
    if (file[0] == '/' || comp_dir == NULL)
        snprintf(buf, sizeof(buf), "%s", file);
    else
        snprintf(buf, sizeof(buf), "%s/%s", comp_dir, file);
    if (buf[0] == '/')
        sym_normalize(buf);
    size_t cl = strlen(s->cwd);
    if (cl > 1 && strncmp(buf, s->cwd, cl) == 0 && buf[cl] == '/')
        return sym_strdup(buf + cl + 1);
    return sym_strdup(buf);
}

#ifdef HAVE_LIBDW
/* Without .debug_aranges (clang does not emit them by default) libdw cannot
 * go from an address to its compilation unit: look through the units. */
static void sym_lookup_cus(struct mori_symbolizer *s, Dwfl_Module *mod, uintptr_t pc,
                           mori_symbol *out)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = NULL;
    while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
        if (dwarf_haspc(cu, pc - bias) <= 0)
            continue;
        Dwarf_Line *line = dwarf_getsrc_die(cu, pc - bias);
        int lineno = 0;
        const char *file = line ? dwarf_linesrc(line, NULL, NULL) : NULL;
        if (file == NULL || dwarf_lineno(line, &lineno) != 0)
            return;
        Dwarf_Attribute attr;
        const char *comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
        out->file = sym_path(s, file, comp_dir);
        out->line = lineno;
        return;
    }
}
#endif

static void sym_lookup(struct mori_symbolizer *s, uintptr_t ip, mori_symbol *out)
{
    /* a return address points after the call: look up the call itself */
    uintptr_t pc = ip - 1;
    out->file = NULL;
    out->line = 0;
    out->func = NULL;
    out->runtime = false;
#ifdef HAVE_LIBDW
    if (s->dwfl != NULL) {
        Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
        const char *name = mod ? dwfl_module_addrname(mod, pc) : NULL;
        if (name != NULL)
            out->func = sym_strdup(name);
        Dwfl_Line *line = mod ? dwfl_module_getsrc(mod, pc) : NULL;
        int lineno = 0;
        const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
        if (file != NULL) {
            out->file = sym_path(s, file, dwfl_line_comp_dir(line));
            out->line = lineno;
        } else if (mod != NULL) {
            sym_lookup_cus(s, mod, pc, out);
        }
    }
#endif
    if (out->file == NULL) {
        Dl_info info;
        char buf[1024];
        if (dladdr((void *)pc, &info) != 0 && info.dli_sname != NULL) {
            snprintf(buf, sizeof(buf), "%s+0x%lx", info.dli_sname,
                     (unsigned long)(pc - (uintptr_t)info.dli_saddr));
            if (out->func == NULL)
                out->func = sym_strdup(info.dli_sname);
        } else {
            snprintf(buf, sizeof(buf), "0x%lx", (unsigned long)pc);
        }
        out->file = sym_strdup(buf);
    }
    const char *rd = s->runtime_dir;
    if (out->file != NULL && rd[1] != '\0') {
        char abs[8192];
        if (out->file[0] != '/' && s->cwd[0] != '\0')
            snprintf(abs, sizeof(abs), "%s/%s", s->cwd, out->file);
        else
            snprintf(abs, sizeof(abs), "%s", out->file);
        out->runtime = strncmp(abs, rd, strlen(rd)) == 0;
    }
    if (!out->runtime && out->func != NULL)
        out->runtime = strncmp(out->func, "mor_", 4) == 0 || strncmp(out->func, "mori_", 5) == 0;
    if (out->file == NULL)
        out->file = "?";
}

void mori_symbolize(mor_rt *rt, uintptr_t ip, mori_symbol *out)
{
    struct mori_symbolizer *s = sym_get(rt);
    if (s == NULL) {
        out->file = "?";
        out->line = 0;
        out->func = NULL;
        out->runtime = false;
        return;
    }
    if (s->cache == NULL || (s->count + 1) * 2 > s->mask + 1) {
        size_t n = s->cache ? (s->mask + 1) * 2 : 1024;
        sym_ent *nc = calloc(n, sizeof(sym_ent));
        if (nc == NULL) {
            sym_lookup(s, ip, out); /* uncached (leaks its strings: out of memory anyway) */
            return;
        }
        for (size_t i = 0; s->cache != NULL && i <= s->mask; i++) {
            if (s->cache[i].ip == 0)
                continue;
            size_t j = (size_t)(s->cache[i].ip * 0x9E3779B97F4A7C15ULL >> 20) & (n - 1);
            while (nc[j].ip != 0)
                j = (j + 1) & (n - 1);
            nc[j] = s->cache[i];
        }
        free(s->cache);
        s->cache = nc;
        s->mask = n - 1;
    }
    size_t i = (size_t)(ip * 0x9E3779B97F4A7C15ULL >> 20) & s->mask;
    for (; s->cache[i].ip != 0; i = (i + 1) & s->mask) {
        if (s->cache[i].ip == ip) {
            *out = s->cache[i].sym;
            return;
        }
    }
    sym_lookup(s, ip, &s->cache[i].sym);
    s->cache[i].ip = ip;
    s->count++;
    *out = s->cache[i].sym;
}

void mori_symbolize_fini(mor_rt *rt)
{
    struct mori_symbolizer *s = rt->symbolizer;
    if (s == NULL)
        return;
    for (size_t i = 0; s->cache != NULL && i <= s->mask; i++) {
        if (s->cache[i].ip == 0)
            continue;
        if (strcmp(s->cache[i].sym.file, "?") != 0)
            free((void *)(uintptr_t)s->cache[i].sym.file);
        free((void *)(uintptr_t)s->cache[i].sym.func);
    }
    free(s->cache);
#ifdef HAVE_LIBDW
    if (s->dwfl != NULL)
        dwfl_end(s->dwfl);
#endif
    free(s);
    rt->symbolizer = NULL;
}
