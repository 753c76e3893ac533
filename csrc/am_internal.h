/* am_internal.h -- helpers shared by the kernels' sources (not part of the
   API in assocmem.h). */
#ifndef AM_INTERNAL_H
#define AM_INTERNAL_H

#include "assocmem.h"

/* A visit-order entry must lie in [0, n).  The Cython layer checks every
   order once before a sweep, so release builds (NDEBUG) do not check again
   on every visit; Debug builds do, and return AM_ERANGE. */
#ifdef NDEBUG
#define AM_CHECK_INDEX(i, n) ((void)0)
#else
#define AM_CHECK_INDEX(i, n)             \
    do {                                 \
        if ((i) < 0 || (i) >= (n))       \
            return AM_ERANGE;            \
    } while (0)
#endif

#endif /* AM_INTERNAL_H */
