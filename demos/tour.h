/* demos/tour.h: what the files of the tour share: the helpers (tour_util.h), the CPython
 * column's label, and the sections kept in tour_objects.c (1 to 12; tour.c has 13 to 23 and
 * the driver). Each section prints its tables, checks its claims (tour_claim) and ends with
 * its lesson; it runs in the fresh runtime t->rt and must release every object it makes. */
#ifndef TOUR_H
#define TOUR_H

#include "tour_util.h"

#define MILLION 1000000
/* The heading of the columns of CPython 3.11 figures: fixed values measured with Python
 * 3.11.7 (shared/reference/cpython311-figures.md), never measured by the tour. */
#define CPY "CPython 3.11 (measured)"

void sec_sizes(tour *t);
void sec_small_ints(tour *t);
void sec_interning(tour *t);
void sec_references(tour *t);
void sec_containers(tour *t);
void sec_generators(tour *t);
void sec_pipeline(tour *t);
void sec_lazy(tour *t);
void sec_string_building(tour *t);
void sec_slots(tour *t);
void sec_arrays(tour *t);
void sec_no_copies(tour *t);

#endif
