/* activation32.h - float32 array kernels of activation.h's table, for the opt-in
 * single-precision GD path (train32.h).
 *
 * Pure. Same contract as ovs_activation.eval: phi_out[i] = phi(z[i]), dphi_out[i] = phi'(z[i])
 * for i < m; dphi_out may alias z; a NaN input gives a NaN phi (divergence cannot hide).
 *
 * softplus: one exp per element (e = e^{-|z|}), then log1p(e) and the sigmoid from it.
 * Error bound (checked by tests/test_train32.c against float64 libm on a dense grid of
 * |z| <= 100): within 4 float ulp for phi and phi' (measured: 3.0 and 2.4) for z >= -64;
 * below, e^{-|z|} is held at e^-64 so that no subnormal float is ever produced (they are
 * ~100x slower on x86): an absolute error below 1.7e-28.
 * relu: phi = max(0, z) with NaN kept, phi' = 1 for z >= 0, else 0 (the paper's convention).
 * Others: ovs_activation32_eval falls back to the table's float64 kernel, rounded. */
#ifndef OVS_ACTIVATION32_H
#define OVS_ACTIVATION32_H

#include "activation.h"

#include <stddef.h>

void ovs_softplus32_eval(const float *z, float *phi_out, float *dphi_out, size_t m);
void ovs_relu32_eval(const float *z, float *phi_out, float *dphi_out, size_t m);

/* The float kernel for act (softplus, relu), or NULL where there is none: the caller then
 * evaluates act->eval in float64 and rounds (train32.c). */
typedef void (*ovs_eval32_fn)(const float *z, float *phi_out, float *dphi_out, size_t m);
ovs_eval32_fn ovs_activation32_kernel(const ovs_activation *act);

#endif
