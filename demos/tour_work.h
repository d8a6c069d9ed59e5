/* demos/tour_work.h: the workloads the tour shares with its Boehm comparison: trees whose
 * children point back at their parent (strongly: a cycle per edge, or weakly), and a
 * generator pipeline over a file of numbers. Written once against the public API, built
 * into the tour and into tour-work / tour-work-boehm (demos/tour_versus.c). */
#ifndef TOUR_WORK_H
#define TOUR_WORK_H

#include <stdbool.h>
#include <stdint.h>

#include "mor.h"

/* class Node: fields value, parent, children (dict-based instances, as in the guides:
 *     class Node:
 *         def __init__(self, value): self.value, self.parent, self.children = value, None, []
 * A new reference, NULL with an exception. */
mor_obj *tw_node_class(mor_rt *rt);

/* A tree of Node instances: the root, `fanout` children under every node, `depth` levels
 * below the root. Every child's "parent" is its parent node (weak false: a reference cycle
 * per edge) or a weak reference to it (weak true). *nodes: the number of nodes. The root,
 * a new reference; NULL with an exception. */
mor_obj *tw_tree(mor_rt *rt, mor_obj *node_cls, int fanout, int depth, bool weak,
                 int64_t *nodes);

/* Write the numbers 0 .. n-1, one per line, to path. 0, or -1 with errno. */
int tw_write_numbers(const char *path, int64_t n);

/* sum(squares(evens(read_numbers(path)))), three generators over mor_file_lines:
 *     def read_numbers(path): for line in open(path): yield int(line)
 *     def evens(xs): for x in xs: if x % 2 == 0: yield x
 *     def squares(xs): for x in xs: yield x * x
 * The sum (a new reference), NULL with an exception. */
mor_obj *tw_pipeline(mor_rt *rt, const char *path);

/* The decimal digits of what tw_pipeline returns for a file of 0 .. n-1 (computed in C). */
void tw_pipeline_expect(int64_t n, char out[48]);

#endif
