/* forward.c - the fused forward pass of a GD step; see forward.h. */
#include "forward.h"

#include "activation.h"
#include "simd.h"
#include "vmath.h"

/* Softplus runs over this many vectors at a time (ovs_vsoftplus interleaves them step by
 * step). 4 measured 0.3-7% faster per update than 8 on nine softplus cells
 * (bench/ab_step.sh, docs/BENCHMARKS.md), 3 about the same as 4, 6 the same as 8: fewer
 * spills. softplus_block's tail takes the last 1-3 vectors, so it stays 4. */
#define SOFTPLUS_GROUP 4
_Static_assert(SOFTPLUS_GROUP == 4, "softplus_block's tail switch covers groups of 4");
#define LOAD(p) (*(const ovs_v8d *)(p))
#define STORE(p, v) (*(ovs_v8d *)(p) = (v))

/* Units j..j+R-1 (R <= 4; the last block of k takes k mod 4) for the S sample vectors at i:
 * z summed over l in order, in R S accumulator chains that share each load of x (enough
 * independent chains for both FMA pipes but when R S < 8, i.e. small tail blocks, which cost
 * less than the copies of unit k - 1 that padded the tail to 4 units before). Then, kind a
 * constant after inlining:
 *  - ReLU, in registers: z itself to m_t (sample_block turns it into the factor m),
 *    f += v_j phi_j;
 *  - softplus: z of the real units to the scratch zs (row j's S vectors at zs + j S 8).
 * (One function for both: the accumulators stay in registers only while the epilogue is
 * inlined with them; handed to a helper as an array they went through memory, 20% slower.) */
OVS_INLINE void unit_block(const int kind, int d, int np, const double *w, const double *xt,
                           const double *v, double *m_t, double *zs, int j, const int R, int i,
                           const int S, ovs_v8d *f)
{
    const double *wr[4];
    ovs_v8d a[4][4];
    for (int u = 0; u < R; u++) {
        wr[u] = w + (long)(j + u) * d;
        for (int s = 0; s < S; s++)
            a[u][s] = (ovs_v8d){0};
    }
    for (int l = 0; l < d; l++) {
        ovs_v8d x[4];
        for (int s = 0; s < S; s++)
            x[s] = LOAD(xt + (long)l * np + i + s * OVS_VL);
        for (int u = 0; u < R; u++) {
            const double c = wr[u][l];
            for (int s = 0; s < S; s++)
                a[u][s] += c * x[s];
        }
    }
    for (int u = 0; u < R; u++)
        for (int s = 0; s < S; s++) {
            if (kind == OVS_ACT_RELU) {
                STORE(m_t + (long)(j + u) * np + i + s * OVS_VL, a[u][s]);
                f[s] += v[j + u] * ovs_vrelu_phi(a[u][s]);
            } else {
                STORE(zs + ((long)(j + u) * S + s) * OVS_VL, a[u][s]);
            }
        }
}

/* All k units in blocks of 4, then the k mod 4 left (units in order, so f sums them in
 * order). */
OVS_INLINE void unit_blocks(const int kind, int k, int d, int np, const double *w,
                            const double *xt, const double *v, double *m_t, double *zs, int i,
                            const int S, ovs_v8d *f)
{
    int j = 0;
    for (; j + 4 <= k; j += 4)
        unit_block(kind, d, np, w, xt, v, m_t, zs, j, 4, i, S, f);
    switch (k - j) {
    case 3: unit_block(kind, d, np, w, xt, v, m_t, zs, j, 3, i, S, f); break;
    case 2: unit_block(kind, d, np, w, xt, v, m_t, zs, j, 2, i, S, f); break;
    case 1: unit_block(kind, d, np, w, xt, v, m_t, zs, j, 1, i, S, f); break;
    default: break;
    }
}

/* Softplus of the scratch vectors q0..q0+nv-1: phi back to zs (row j's S vectors at
 * zs + j S 8), phi' to m_t. */
OVS_INLINE void softplus_group(int np, double *m_t, double *zs, int i, const int S, int q0,
                               const int nv)
{
    ovs_v8d z[SOFTPLUS_GROUP], phi[SOFTPLUS_GROUP], dphi[SOFTPLUS_GROUP];
    for (int u = 0; u < nv; u++)
        z[u] = LOAD(zs + (long)(q0 + u) * OVS_VL);
    ovs_vsoftplus(z, phi, dphi, nv);
    for (int u = 0; u < nv; u++) {
        const int q = q0 + u;
        STORE(zs + (long)q * OVS_VL, phi[u]);
        STORE(m_t + (long)(q / S) * np + i + (q % S) * OVS_VL, dphi[u]);
    }
}

/* Softplus for the S sample vectors at i, all units: the k S pre-activation vectors go to the
 * L1 scratch zs, softplus runs over them SOFTPLUS_GROUP vectors at a time and the last
 * k S mod SOFTPLUS_GROUP in a group of their own size (a lane's result does not depend on
 * the group: ovs_vsoftplus), then f += v_j phi_j, units in order. (The last group was
 * padded to SOFTPLUS_GROUP before: for S = 1, the n = 100 and 200 grids' last sample
 * vector, that computed up to 3 vectors for nothing, e.g. 8 for the 5 of k = 5.) */
OVS_INLINE void softplus_block(int k, int d, int np, const double *w, const double *xt,
                               const double *v, double *m_t, double *zs, int i, const int S,
                               ovs_v8d *f)
{
    unit_blocks(OVS_ACT_SOFTPLUS, k, d, np, w, xt, v, m_t, zs, i, S, f);
    const int m = k * S;
    int q0 = 0;
    for (; q0 + SOFTPLUS_GROUP <= m; q0 += SOFTPLUS_GROUP)
        softplus_group(np, m_t, zs, i, S, q0, SOFTPLUS_GROUP);
    switch (m - q0) {
    case 3: softplus_group(np, m_t, zs, i, S, q0, 3); break;
    case 2: softplus_group(np, m_t, zs, i, S, q0, 2); break;
    case 1: softplus_group(np, m_t, zs, i, S, q0, 1); break;
    default: break;
    }
    for (int j = 0; j < k; j++)
        for (int s = 0; s < S; s++)
            f[s] += v[j] * LOAD(zs + ((long)j * S + s) * OVS_VL);
}

/* The S sample vectors at i: f, then r = f - y and m_ji = phi'_ji (v_j r_i) while the
 * block's phi' is still in L1 (the same products as train.c's scale_factors). */
OVS_INLINE void sample_block(const int kind, int k, int d, int np, const double *w,
                             const double *xt, const double *v, const double *y, double *m_t,
                             double *zs, double *r, int i, const int S)
{
    ovs_v8d f[4] = {{0}};
    if (kind == OVS_ACT_RELU)
        unit_blocks(OVS_ACT_RELU, k, d, np, w, xt, v, m_t, zs, i, S, f);
    else
        softplus_block(k, d, np, w, xt, v, m_t, zs, i, S, f);
    for (int s = 0; s < S; s++) {
        f[s] -= LOAD(y + i + s * OVS_VL);
        STORE(r + i + s * OVS_VL, f[s]);
    }
    for (int j = 0; j < k; j++)
        for (int s = 0; s < S; s++) {
            double *mj = m_t + (long)j * np + i + s * OVS_VL;
            if (kind == OVS_ACT_RELU)
                STORE(mj, ovs_vrelu_scale(LOAD(mj), v[j] * f[s]));
            else
                STORE(mj, LOAD(mj) * (v[j] * f[s]));
        }
}

OVS_INLINE void forward(const int kind, int n, int k, int d, int np, const double *w,
                        const double *xt, const double *v, const double *y, double *m_t,
                        double *zs, double *r)
{
    int i = 0;
    for (; i + 4 * OVS_VL <= np; i += 4 * OVS_VL)
        sample_block(kind, k, d, np, w, xt, v, y, m_t, zs, r, i, 4);
    switch ((np - i) / OVS_VL) {
    case 3: sample_block(kind, k, d, np, w, xt, v, y, m_t, zs, r, i, 3); break;
    case 2: sample_block(kind, k, d, np, w, xt, v, y, m_t, zs, r, i, 2); break;
    case 1: sample_block(kind, k, d, np, w, xt, v, y, m_t, zs, r, i, 1); break;
    default: break;
    }
    /* The padding samples (x = 0, y = 0) are no samples: r and m zero there. */
    for (i = n; i < np; i++)
        r[i] = 0.0;
    for (int j = 0; j < k; j++)
        for (i = n; i < np; i++)
            m_t[(long)j * np + i] = 0.0;
}

/* One entry per build of this file: ovs_forward_fused_avx512 when the Makefile builds it for
 * x86-64-v4 (OVS_FORWARD_AVX512_BUILD), where vmath.h uses AVX-512 instructions that have no
 * portable spelling; otherwise the portable kernel for every instruction set (target_clones).
 * Both compute the same bits: the AVX-512 instructions replace selects and a clamp by exact
 * operations of the same results (vmath.h; test_train compares the two paths). */
int ovs_forward_fused_avx512(int kind, int n, int k, int d, int np, const double *w,
                             const double *xt, const double *v, const double *y, double *m_t,
                             double *scratch, double *r);

OVS_INLINE int forward_kind(int kind, int n, int k, int d, int np, const double *w,
                             const double *xt, const double *v, const double *y, double *m_t,
                             double *scratch, double *r)
{
    if (kind == OVS_ACT_SOFTPLUS)
        forward(OVS_ACT_SOFTPLUS, n, k, d, np, w, xt, v, y, m_t, scratch, r);
    else if (kind == OVS_ACT_RELU)
        forward(OVS_ACT_RELU, n, k, d, np, w, xt, v, y, m_t, scratch, r);
    else
        return -1;
    return 0;
}

#ifdef OVS_FORWARD_AVX512_BUILD
int ovs_forward_fused_avx512(int kind, int n, int k, int d, int np, const double *w,
                             const double *xt, const double *v, const double *y, double *m_t,
                             double *scratch, double *r)
{
    return forward_kind(kind, n, k, d, np, w, xt, v, y, m_t, scratch, r);
}
#else
OVS_CLONES
static int forward_portable(int kind, int n, int k, int d, int np, const double *w,
                            const double *xt, const double *v, const double *y, double *m_t,
                            double *scratch, double *r)
{
    return forward_kind(kind, n, k, d, np, w, xt, v, y, m_t, scratch, r);
}

#ifdef OVS_FORWARD_AVX512
/* The CPU runs the AVX-512 build if it has what x86-64-v4 adds (AVX-512 F, BW, CD, DQ, VL;
 * every such CPU has v3's AVX2, FMA and BMI2 too, asked all the same); asked once. */
static int use_avx512(void)
{
    static int answer = -1;
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
                 __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
    }
    return answer;
}
#endif

int ovs_forward_fused(int kind, int n, int k, int d, int np, const double *w, const double *xt,
                      const double *v, const double *y, double *m_t, double *scratch,
                      double *r)
{
#ifdef OVS_FORWARD_AVX512
    if (use_avx512())
        return ovs_forward_fused_avx512(kind, n, k, d, np, w, xt, v, y, m_t, scratch, r);
#endif
    return forward_portable(kind, n, k, d, np, w, xt, v, y, m_t, scratch, r);
}
#endif
