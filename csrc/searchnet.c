/* searchnet.c -- backpropagation on a query's dense sub-network (see
   assocmem.h; the links and the forward pass are in linktable.c). */
#include "assocmem.h"

#include <math.h>
#include <stddef.h>

int am_sn_backprop(int64_t nw, int64_t nh, int64_t nu, double *wi,
                   const uint8_t *mi, double *wo, const uint8_t *mo,
                   const double *targets, double rate, double *ah,
                   double *ao, double *dh, double *dout)
{
    if (wi == NULL || mi == NULL || wo == NULL || mo == NULL ||
        targets == NULL || ah == NULL || ao == NULL || dh == NULL ||
        dout == NULL || nw < 0 || nh < 0 || nu < 0)
        return AM_EINVAL;
    for (int64_t j = 0; j < nh; ++j) {
        double s = 0.0;
        for (int64_t i = 0; i < nw; ++i)
            if (mi[i * nh + j]) s += wi[i * nh + j];
        ah[j] = tanh(s);
    }
    for (int64_t k = 0; k < nu; ++k) {
        double s = 0.0;
        for (int64_t j = 0; j < nh; ++j)
            if (mo[j * nu + k]) s += ah[j] * wo[j * nu + k];
        ao[k] = tanh(s);
    }
    for (int64_t k = 0; k < nu; ++k)
        dout[k] = (1.0 - ao[k] * ao[k]) * (targets[k] - ao[k]);
    for (int64_t j = 0; j < nh; ++j) {
        double e = 0.0;
        for (int64_t k = 0; k < nu; ++k)
            if (mo[j * nu + k]) e += dout[k] * wo[j * nu + k];
        dh[j] = (1.0 - ah[j] * ah[j]) * e;
    }
    for (int64_t j = 0; j < nh; ++j)
        for (int64_t k = 0; k < nu; ++k)
            if (mo[j * nu + k]) wo[j * nu + k] += rate * dout[k] * ah[j];
    for (int64_t i = 0; i < nw; ++i)
        for (int64_t j = 0; j < nh; ++j)
            if (mi[i * nh + j]) wi[i * nh + j] += rate * dh[j];
    return AM_OK;
}
