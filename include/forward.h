/* forward.h - the fused forward pass of a GD step, for the activations with an inline vector
 * kernel (vmath.h: softplus and ReLU, the paper's two).
 *
 * Pure. One pass over blocks of 32 samples computes the pre-activations z_ji = w_j . x_i
 * (register blocks of 4 units x 32 samples), applies phi and phi' (ReLU in registers,
 * softplus over the block's k x 32 values in an L1 scratch, exp of all then log of all, four
 * vectors at a time), stores
 * phi' (ReLU: the mask "z not < 0", or z on AVX-512) and accumulates the network outputs
 * f(x_i) = sum_j v_j phi(z_ji); once a block's residuals are known it turns what it stored
 * (still in L1) into the gradient's factors phi' v_j r_i. z and phi(z) never reach the
 * k x n arrays: the separate passes over those (pre-activations, activation, residual,
 * factors) ran through L2 and cost as much as the products at small d.
 * The arithmetic is the one of ovs_smallmm_preact, the activation's array kernel and the
 * residual and factor loops in train.c, operation for operation (z summed over l in order,
 * f over j in order), so the results are bit-identical to that unfused path (but for the
 * sign of a zero factor: ReLU's factor is v_j r_i where z >= 0 and +0 where z < 0, which the
 * unfused product 0 (v_j r_i) makes -0 when v_j r_i < 0; no sum changes).
 * Layouts as in smallmm.h: w k x d, xt d x np (padding columns zero), m_t k x np; or, at
 * sizes where X no longer fits in L2, X in panels of OVS_FORWARD_PANEL samples (below), so
 * that a sample block reads one contiguous stretch of memory, not d rows np doubles apart
 * (the same values in the same order: the results do not depend on the layout).
 * forward.c is built once per instruction set (simd.h: baseline, AVX2 + FMA, AVX-512, each
 * with vectors of its width; the AVX-512 build's clamp and selects are AVX-512 instructions
 * with the same results, vmath.h); the entry points call the best build the CPU runs. */
#ifndef OVS_FORWARD_H
#define OVS_FORWARD_H

#include "fetch.h"

#include <stddef.h>

/* Which inline vector kernel (vmath.h) computes an activation inside the fused pass (the
 * activation table's vector_kernel, activation.h); OVS_ACT_SCALAR: none, the GD loop applies
 * the activation's array kernel `eval`. Here, not in activation.h, so that the activation
 * table can call this module's softplus array kernel without an include cycle. */
enum { OVS_ACT_SCALAR = 0, OVS_ACT_SOFTPLUS, OVS_ACT_RELU };

/* Scratch doubles ovs_forward_fused needs for k units. */
#define OVS_FORWARD_SCRATCH(k) (32 * (size_t)(k) + 64)

/* The panel layout of X: panels of `panel` samples (the last one np mod panel wide where
 * that is not 0), one after the other; the panel of the samples p..p+q-1 (q its width) holds
 * their d rows of q values at xp + p d, row l at xp + p d + l q. OVS_FORWARD_PANEL is a
 * multiple of every build's sample block (6, 12 or 32 samples), so no block straddles two
 * panels. */
#define OVS_FORWARD_PANEL 192

/* The panel width the fused pass should read X in at (k, d, np): OVS_FORWARD_PANEL where
 * X and m_t together exceed L2 (measured faster there, docs/BENCHMARKS.md), else 0 (xt). */
int ovs_forward_panel_width(int k, int d, int np);

/* xp (d np doubles) <- X in the panel layout of width panel: X's n samples of d inputs, input
 * l of sample i at x[i si + l sl] (X as drawn, n x d: si = d, sl = 1; xt: si = 1, sl = np),
 * the padding samples n..np-1 zero. */
void ovs_forward_panels_fill(int n, int d, int np, int panel, const double *x, long si, long sl,
                             double *xp);

/* Whether the fused pass has an inline kernel for kind (OVS_ACT_* above): softplus
 * and ReLU. The one list of them: ovs_forward_fused refuses the others, and train.c asks
 * here before it allocates the panel copy of X. */
int ovs_forward_takes(int kind);

/* r_i = f(x_i) - y_i and the gradient's factors m_t[j][i] = phi'(w_j . x_i) v_j r_i, for
 * i < n (both zero in the padding up to np), for kind OVS_ACT_SOFTPLUS or OVS_ACT_RELU
 * (above). x: xt (d x np) where panel is 0, else X in the panel layout of that width
 * (a positive multiple of 96). y: np values (padding zero); scratch:
 * OVS_FORWARD_SCRATCH(k) doubles, 64-byte aligned. r2: OVS_VL (8) doubles, 64-byte
 * aligned, set to the lanes of ||r||^2 as ovs_smallmm_sum_squares(r, np) adds them (lane l:
 * the r_i^2 with i = l mod 8, in order of i), so that ovs_hsum(r2) (simd.h) is that sum bit
 * for bit without a second pass over r (docs/BENCHMARKS.md round 31). Returns 0, or -1
 * (nothing written) for a kind without an inline kernel or a panel width that is not a
 * multiple of 96. */
int ovs_forward_fused(int kind, int n, int k, int d, int np, const double *w, const double *x,
                      int panel, const double *v, const double *y, double *m_t,
                      double *scratch, double *r, double *r2);

/* The same for the samples i0..i1-1 only: r_i for those i, and their factors in m_t with
 * rows ldm apart from sample i0 on (unit j, sample i at m_t[j ldm + i - i0]; ldm = np and
 * i0 = 0 is ovs_forward_fused's layout), their squares added to the lanes r2 (set to zero
 * first by the range that starts at sample 0); nothing else is touched. i0 a multiple of 96, i1
 * one too or np. Runs over consecutive ranges in order give
 * ovs_forward_fused's results bit for bit (each sample's values depend on that sample only):
 * train.c computes the gradient of each panel while its factors are in cache. next: memory to
 * fetch into L2 meanwhile (fetch.h; advanced), or NULL. Returns 0, or -1 (nothing written)
 * as ovs_forward_fused, or for a range that is not one of these. */
int ovs_forward_fused_part(int kind, int n, int k, int d, int np, const double *w,
                           const double *x, int panel, const double *v, const double *y,
                           double *m_t, int ldm, double *scratch, double *r, double *r2, int i0,
                           int i1, ovs_fetch *next);

/* phi and phi' of softplus for m values z (m a multiple of 8; arrays 64-byte aligned and
 * apart: dphi holds exp(-|z|) between the two stages), by the kernel of the fused pass: the
 * array kernel below, the activation's. For benchmarks (the softplus floor:
 * bench/bench_scaling.c). */
void ovs_forward_softplus(const double *z, double *phi, double *dphi, int m);

/* The activation table's array kernel of softplus (activation.h's eval: any m, dphi may be
 * z, no alignment asked), by the fused pass's stages: the same bits as the fused pass. The
 * files built once (activation.c) cannot hold the AVX-512 build's instructions (vmath.h);
 * their own clone of this kernel took 3.6 times as long per element on Zen 4
 * (docs/BENCHMARKS.md round 34): the --kernel blas path's softplus, SGD's, the random
 * features' and the diagnostics'. */
void ovs_forward_softplus_array(const double *z, double *phi, double *dphi, size_t m);
#define OVS_FORWARD_SOFTPLUS 1 /* for benchmarks that also build older trees */
#define OVS_FORWARD_R2 1       /* round 31 on: the fused pass gives ||r||^2's lanes (r2) */

/* The builds' own entry points (simd.h's OVS_ISA), called by the two above. */
#define OVS_FORWARD_BUILD(isa)                                                                 \
    int ovs_forward_fused_##isa(int kind, int n, int k, int d, int np, const double *w,        \
                                const double *x, int panel, const double *v, const double *y,  \
                                double *m_t, double *scratch, double *r, double *r2);          \
    int ovs_forward_fused_part_##isa(int kind, int n, int k, int d, int np, const double *w,   \
                                     const double *x, int panel, const double *v,              \
                                     const double *y, double *m_t, int ldm, double *scratch,   \
                                     double *r, double *r2, int i0, int i1, ovs_fetch *next);  \
    void ovs_forward_softplus_##isa(const double *z, double *phi, double *dphi, int m);       \
    void ovs_forward_softplus_array_##isa(const double *z, double *phi, double *dphi, size_t m);
OVS_FORWARD_BUILD(base)
OVS_FORWARD_BUILD(v3)
OVS_FORWARD_BUILD(v4)
#undef OVS_FORWARD_BUILD

#endif
