/* runtime/core/debug.h: misuse detection in builds with debug_level >= 1
 * (MORI_POISON): freed objects are poisoned and quarantined, so that using
 * one, or releasing it once more, ends in mor_fatal naming its type and
 * address. Release builds (debug_level 0) compile none of it.
 *
 * A freed object, while in quarantine:
 *   refcnt 0     a mor_decref goes to mor_decref_special (fatal); an incref
 *                then a decref reaches mor_dealloc, whose dealloc slot is fatal
 *   flags        MORI_FREED_FLAGS (tells where the original type is kept)
 *   type         &mori_freed_type: every slot calls mor_fatal
 *   the rest     MORI_FREED_BYTE, except the original type's pointer, kept in
 *                the collector links' `prev` (GC objects) or in the word after
 *                the header (other objects of at least 24 bytes).
 * The quarantine is a ring of the last MORI_QUARANTINE freed objects: their
 * blocks go back to their pool or the backend only when they leave it, after
 * a check that nothing wrote to them meanwhile. The statistics count a block
 * as freed (or pooled) as soon as it enters. */
#ifndef MORI_DEBUG_H
#define MORI_DEBUG_H

#include "internal.h"

#if MOR_DEBUG_LEVEL >= 1 && !defined(MOR_BACKEND_BOEHM)
#define MORI_POISON 1
#else
#define MORI_POISON 0 /* release builds; and a tracing collector frees nothing itself */
#endif

#define MORI_QUARANTINE 64
#define MORI_FREED_BYTE 0xDB
#define MORI_FREED_GC MORI_OF_TYPE_BIT(0)   /* original type in the collector links */
#define MORI_FREED_BODY MORI_OF_TYPE_BIT(1) /* original type in the first body word */

/* The type of every freed (poisoned) object. Defined in every build. */
extern const mor_type mori_freed_type MOR_INTERNAL;

static inline bool mori_is_freed(const mor_obj *o) { return o->type == &mori_freed_type; }

/* The type a poisoned object had, or NULL if it could not be kept (an object
 * of 16 bytes). */
MOR_INTERNAL const mor_type *mori_freed_origin(const mor_obj *o);

#endif
