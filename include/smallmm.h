/* smallmm.h - hand-written matrix products for the small shapes of the GD step.
 *
 * Pure. For k, d <= a few dozen and n <= a few hundred, library GEMM spends much of its time
 * on call overhead, packing and edge handling; these register-blocked loops keep the whole
 * product in cache and registers. Layout (row-major, "t" = transposed, np = padded n, a
 * multiple of OVS_VL, padding columns of xt are zero):
 *   w: k x d, xt: d x np, zt/mt: k x np, g: k x d.
 * Both products vectorise over the samples; every element is summed in a fixed order (over l
 * for zt; over i in eight lanes and a fixed tree for g): results are deterministic. */
#ifndef OVS_SMALLMM_H
#define OVS_SMALLMM_H

/* zt = w xt: the pre-activations w_j . x_i. */
void ovs_smallmm_preact(int k, int d, int np, const double *w, const double *xt, double *zt);

/* g = mt xt^T: g_jl = sum_i mt_ji xt_li (the padding samples are zero in both). Vectorised
 * over the samples: lane q sums the samples i = q mod 8 in order, then the lanes are added in
 * ovs_hsum's fixed tree, so each element is summed in one fixed order. */
void ovs_smallmm_grad(int k, int d, int np, const double *mt, const double *xt, double *g);

#endif
