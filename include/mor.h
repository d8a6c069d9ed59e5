/* mor.h: the whole public API of mor, a mini object runtime. */
#ifndef MOR_H
#define MOR_H

#include "mor/core.h"
#include "mor/scalar.h"
#include "mor/str.h"
#include "mor/container.h"
#include "mor/iter.h"
#include "mor/class.h"
#include "mor/gc.h"
#include "mor/inspect.h"
#include "mor/trace.h"
#include "mor/buffer.h"

#endif
