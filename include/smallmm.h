/* smallmm.h - hand-written matrix products for the small shapes of the GD step.
 *
 * Pure. For k, d <= a few dozen and n <= a few hundred, library GEMM spends much of its time
 * on call overhead, packing and edge handling; these register-blocked loops keep the whole
 * product in cache and registers. Layout (row-major, "t" = transposed, np = padded n, a
 * multiple of OVS_VL, padding columns of xt are zero):
 *   w: k x d, xt: d x np, zt/mt: k x np, g: k x d, and x: n x dp (X padded to dp = d
 *   rounded up to OVS_VL columns, padding zero).
 * Both products vectorise over an index that is not summed (samples for zt, inputs for g)
 * and broadcast the other factor, so no horizontal sums are needed and every element is
 * summed in a fixed order (over l for zt, over i for g): results are deterministic. */
#ifndef OVS_SMALLMM_H
#define OVS_SMALLMM_H

/* zt = w xt: the pre-activations w_j . x_i. */
void ovs_smallmm_preact(int k, int d, int np, const double *w, const double *xt, double *zt);

/* g = mt x: g_jl = sum_{i < n} mt_ji x_il. */
void ovs_smallmm_grad(int n, int k, int d, int np, const double *mt, const double *x,
                      double *g);

#endif
