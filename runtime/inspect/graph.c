/* runtime/inspect/graph.c: heap graphs in Graphviz DOT: breadth first from a
 * root along references (or referrers) to a depth; every object and every edge
 * written once. */
#include "../core/strbuf.h"
#include "../types/types.h"

typedef struct graph_ctx {
    mor_rt *rt;
    FILE *out;
    mori_ptrmap ids; /* object -> node id + 1 */
    struct graph_item {
        mor_obj *o; /* held: a repr may run code */
        int depth;
    } *queue;        /* the breadth-first queue */
    size_t head, n, cap;
    size_t next_id;
    int err;
    mor_obj *from; /* the node whose edges are being found */
    int from_depth, max_depth;
    bool reverse; /* referrers: edges point at the node being expanded */
} graph_ctx;

/* Write a DOT-safe, shortened repr of o. */
static void graph_label(graph_ctx *g, mor_obj *o)
{
    mor_rt *rt = g->rt;
    mor_obj *saved = mor_err_fetch(rt);
    mor_obj *r = mor_repr(rt, o);
    const char *text = r ? mor_str_utf8(r, NULL) : "<repr failed>";
    mor_err_clear(rt);
    if (saved != NULL) {
        mor_raise_obj(rt, saved);
        mor_decref(rt, saved);
    }
    fprintf(g->out, "%s\\n", o->type->name);
    size_t shown = 0;
    for (const char *p = text; *p && shown < 40; p++, shown++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', g->out);
        if (*p == '\n')
            fputs("\\n", g->out);
        else
            fputc(*p, g->out);
    }
    if (strlen(text) > 40)
        fputs("...", g->out);
    fprintf(g->out, "\\n%zu B", mor_sizeof(o));
    mor_xdecref(rt, r);
}

/* The node id of o, writing the node (and queueing it) the first time. */
static size_t graph_node(graph_ctx *g, mor_obj *o, int depth)
{
    uintptr_t id = (uintptr_t)mori_ptrmap_get(&g->ids, o);
    if (id != 0)
        return id - 1;
    id = ++g->next_id;
    if (mori_ptrmap_put(g->rt, &g->ids, o, (void *)id) < 0) {
        g->err = -1;
        return 0;
    }
    fprintf(g->out, "  n%zu [label=\"", (size_t)(id - 1));
    graph_label(g, o);
    fprintf(g->out, "\"%s];\n", depth == 0 ? ", style=bold" : "");
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct graph_item *q = mori_mem_realloc(g->rt, g->queue, g->cap * sizeof(*q),
                                                cap * sizeof(*q), MORI_MEM_BUFFER);
        if (q == NULL) {
            g->err = -1;
            return id - 1;
        }
        g->queue = q;
        g->cap = cap;
    }
    g->queue[g->n].o = mor_newref(o);
    g->queue[g->n].depth = depth;
    g->n++;
    return id - 1;
}

static int graph_edge(mor_obj *ref, void *arg)
{
    graph_ctx *g = arg;
    if (ref == NULL || g->err)
        return 0;
    size_t a = graph_node(g, g->from, g->from_depth);
    size_t b = graph_node(g, ref, g->from_depth + 1);
    if (g->reverse)
        fprintf(g->out, "  n%zu -> n%zu;\n", b, a);
    else
        fprintf(g->out, "  n%zu -> n%zu;\n", a, b);
    return 0;
}

int mor_graph_dot(mor_rt *rt, mor_obj *root, int max_depth, unsigned direction, FILE *out)
{
    if (out == NULL) {
        mor_raise(rt, MOR_EXC_TYPE, "mor_graph_dot: out is NULL");
        return -1;
    }
    if (direction > MOR_GRAPH_REFERRERS) {
        mor_raise(rt, MOR_EXC_VALUE, "mor_graph_dot: unknown direction %u", direction);
        return -1;
    }
    graph_ctx g;
    memset(&g, 0, sizeof(g));
    g.rt = rt;
    g.out = out;
    g.max_depth = max_depth < 0 ? 0 : max_depth;
    g.reverse = direction == MOR_GRAPH_REFERRERS;
    mori_ptrmap_init(&g.ids, MORI_MEM_ATOMIC);
    fprintf(out, "digraph mor {\n  node [shape=box, fontname=\"monospace\"];\n");
    graph_node(&g, root, 0);
    while (g.head < g.n && g.err == 0) {
        mor_obj *o = g.queue[g.head].o;
        int d = g.queue[g.head].depth;
        g.head++;
        if (d >= g.max_depth)
            continue;
        g.from = o;
        g.from_depth = d;
        if (!g.reverse) {
            if (o->type->traverse != NULL)
                o->type->traverse(o, graph_edge, &g);
            continue;
        }
        mor_obj *refs = mor_gc_get_referrers(rt, o);
        if (refs == NULL) {
            g.err = -1;
            break;
        }
        size_t n;
        mor_obj *const *items = mor_seq_items(refs, &n);
        for (size_t i = 0; i < n; i++)
            graph_edge(items[i], &g);
        mor_decref(rt, refs);
    }
    fprintf(out, "}\n");
    for (size_t i = 0; i < g.n; i++)
        mor_decref(rt, g.queue[i].o);
    mori_mem_free(rt, g.queue, g.cap * sizeof(*g.queue), MORI_MEM_BUFFER);
    mori_ptrmap_free(rt, &g.ids);
    return g.err;
}
