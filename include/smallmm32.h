/* smallmm32.h - float32 versions of the register-blocked products of smallmm.h, for the
 * opt-in single-precision GD path (train32.h).
 *
 * Pure. The same layout as smallmm.h with 16-lane float vectors: np = n rounded up to
 * OVS_VLF (padding columns of xt are zero), dp = d rounded up to OVS_VLF:
 *   w: k x d, xt: d x np, zt/mt: k x np, g: k x d, x: n x dp (padding zero).
 * Every element is summed in a fixed order (over l for zt, over i for g) whichever block
 * computes it: results are deterministic. */
#ifndef OVS_SMALLMM32_H
#define OVS_SMALLMM32_H

/* zt = w xt: the pre-activations w_j . x_i. */
void ovs_smallmm32_preact(int k, int d, int np, const float *w, const float *xt, float *zt);

/* g = mt x: g_jl = sum_{i < n} mt_ji x_il. */
void ovs_smallmm32_grad(int n, int k, int d, int np, const float *mt, const float *x,
                        float *g);

#endif
