/* forward.c - the fused forward pass of a GD step; see forward.h.
 *
 * Compiled once per instruction set (simd.h, Makefile): every build defines its own
 * OVS_ISA(...) functions on its native vectors (ovs_vd, OVS_NW doubles); the baseline build
 * also defines the public entry points, which call the best build the CPU runs. The
 * arithmetic of a sample does not depend on the vector width: every build with FMA gives the
 * same bits. */
#include "forward.h"

#include "fetch.h"
#include "simd.h"
#include "vmath.h"

#include <string.h>

#define LOAD(p) (*(const ovs_vd *)(p))
#define STORE(p, v) (*(ovs_vd *)(p) = (v))

/* Register blocks of the pre-activations: FWD_R units x S <= FWD_S native sample vectors of
 * accumulators, sharing each load of x and broadcast of w: AVX-512 (32 registers) 4 x 4,
 * AVX2 and SSE2 (16) 4 x 3. Softplus's stages run over SOFTPLUS_GROUP vectors at a time
 * (vmath.h interleaves them): 4 beat 8 by 0.3-7% (docs/BENCHMARKS.md rounds 3, 13). */
#define FWD_R 4
#if OVS_NW == 8
#define FWD_S 4
#define FWD_R_MAX 6       /* unit_blocks' leading blocks of 5 or 6 units, */
#define FWD_LEAD_MIN_D 64 /* from d = 64 inputs */
#else
#define FWD_S 3
#define FWD_R_MAX FWD_R
#endif
#define SOFTPLUS_GROUP 4
/* Prefetches of the next sample block's x and m_t where they are larger than L2 (big): their
 * d + k rows np apart are more streams than the hardware follows (5-7%, round 5). */
#define BIG_BYTES (512L * 1024)
#define PREFETCH(p, w) __builtin_prefetch((p), (w))
_Static_assert(SOFTPLUS_GROUP == 4, "softplus_stage's tail switch covers groups of 4");
_Static_assert(FWD_S * OVS_NW <= 32, "forward.h's scratch holds 32 samples per unit");

/* Units j..j+R-1 (R <= 4, or 5-6 leading: unit_blocks) for the S sample vectors at i:
 * z summed over rows l0..l1-1 of x in order, in R S chains sharing each load of x (from zs
 * where chunked, else 0; unit_blocks). Then where l1 = d, kind a constant:
 *  - ReLU, in registers: z's key (vmath.h's ovs_vrelu_key) to ds (row j at ds + j ldd: the L1
 *    scratch, or m_t; sample_block turns it into the factor m), f += v_j phi_j;
 *  - softplus: z of the real units to the scratch zs (row j's S vectors at zs + j S NW).
 * (One function for both: handed to a helper, the accumulators went through memory: 1.2x.) */
OVS_INLINE void unit_block(const int kind, int d, const double *w, const double *xs,
                           int ldx, const double *v, double *ds, int ldd, double *zs, int j,
                           const int R, const int S, ovs_vd *f, ovs_fetch *next,
                           const int chunked, int l0, int l1)
{
    const double *wr[FWD_R_MAX];
    ovs_vd a[FWD_R_MAX][FWD_S];
    for (int u = 0; u < R; u++) {
        wr[u] = w + (long)(j + u) * d;
        for (int s = 0; s < S; s++)
            a[u][s] = chunked ? LOAD(zs + ((long)(j + u) * S + s) * OVS_NW) : (ovs_vd){0};
    }
    const char *at = next ? next->at : NULL;
    const unsigned mask = next ? ovs_fetch_mask(next) : 0;
    for (int l = l0; l < l1; l++) {
        ovs_vd x[FWD_S];
        if (next)
            ovs_fetch_steps(&at, next->end, l, mask, 1 + (R > FWD_R));
        for (int s = 0; s < S; s++)
            x[s] = LOAD(xs + (long)l * ldx + s * OVS_NW);
        for (int u = 0; u < R; u++) {
            const double c = wr[u][l];
            for (int s = 0; s < S; s++)
                a[u][s] += c * x[s];
        }
    }
    if (next)
        next->at = at;
    if (chunked && l1 < d) { /* a chunk of the rows: the sums so far wait in zs */
        for (int u = 0; u < R; u++)
            for (int s = 0; s < S; s++)
                STORE(zs + ((long)(j + u) * S + s) * OVS_NW, a[u][s]);
        return;
    }
    for (int u = 0; u < R; u++) {
        const double vj = v[j + u]; /* read once: the stores below may alias v */
        for (int s = 0; s < S; s++) {
            if (kind == OVS_ACT_RELU) {
                const ovs_vd key = ovs_vrelu_key(a[u][s]);
                STORE(ds + (long)(j + u) * ldd + s * OVS_NW, key);
                f[s] += vj * ovs_vrelu_phi_key(a[u][s], key);
            } else {
                STORE(zs + ((long)(j + u) * S + s) * OVS_NW, a[u][s]);
            }
        }
    }
}

/* All k units in blocks of 4, then the k mod 4 left (units in order, so f sums them in
 * order: the same bits however the blocks fall). On AVX-512 from d = 64 a k mod 4 of 1 or 2
 * goes first as a block of 5 or 6 (and of 3, from k = 11, as 5 and 6; 25 and 29 of the 32
 * registers), fetching two lines a step: a block of 1 or 2 reads an x vector per 4 or 8 FMAs.
 * Zen 4 (docs/BENCHMARKS.md round 38): the update 0.84-0.97 of its time at (6400, 5-21, 640),
 * the grid's cells (d <= 25) 1.02-1.09 and d = 40-60 level: hence from d = 64. */
OVS_INLINE void unit_blocks_rows(const int kind, int k, int d, const double *w,
                                 const double *xs, int ldx, const double *v, double *ds,
                                 int ldd, double *zs, const int S, ovs_vd *f, ovs_fetch *next,
                                 const int chunked, int l0, int l1)
{
    int j = 0;
#define UNITS(J, R) unit_block(kind, d, w, xs, ldx, v, ds, ldd, zs, J, R, S, f, next, chunked, l0, l1)
#if FWD_R_MAX > FWD_R
    const int lead = d >= FWD_LEAD_MIN_D, eleven = lead && k % 4 == 3 && k >= 11;
    if ((lead && k % 4 == 1 && k >= 5) || eleven) {
        UNITS(0, 5);
        j = 5;
    }
    if ((lead && k % 4 == 2 && k >= 6) || eleven) {
        UNITS(j, 6);
        j += 6;
    }
#endif
    for (; j + 4 <= k; j += 4)
        UNITS(j, 4);
    switch (k - j) {
    case 3: UNITS(j, 3); break;
    case 2: UNITS(j, 2); break;
    case 1: UNITS(j, 1); break;
    default: break;
    }
#undef UNITS
}

/* AVX-512: where a sample block's d rows of x pass 48 KiB and several blocks of units read
 * them, each block sums a chunk of rows under 16 KiB in turn (zs keeps the sums between: the
 * same sums in order, the same bits), which stays in L1 for the next block. Not inlined: the
 * blocks of 5 and 6 spilled. Zen 5 (docs/BENCHMARKS.md round 40): the update 0.91-1.00 of
 * its time at (1600-6400, 16-80, 256-640); AVX2 1.01-1.04: not there. */
#if OVS_NW == 8
#define FWD_CHUNK_BYTES (16L * 1024)
#define FWD_CHUNKED(KIND, NAME)                                                                \
    static __attribute__((noinline)) void NAME(int k, int d, const double *w, const double *xs, \
                                               int ldx, const double *v, double *ds, int ldd,  \
                                               double *zs, ovs_vd *f, ovs_fetch *next)         \
    {                                                                                          \
        const long bytes = 8L * FWD_S * OVS_NW * d, chunks = bytes / FWD_CHUNK_BYTES + 1;      \
        const int rows = (int)((d + chunks - 1) / chunks);                                     \
        memset(zs, 0, sizeof(double) * FWD_S * OVS_NW * k);                                    \
        for (int l0 = 0; l0 < d; l0 += rows)                                                   \
            unit_blocks_rows(KIND, k, d, w, xs, ldx, v, ds, ldd, zs, FWD_S, f, next, 1, l0,    \
                             d - l0 > rows ? l0 + rows : d);                                   \
    }
FWD_CHUNKED(OVS_ACT_RELU, relu_chunked)
FWD_CHUNKED(OVS_ACT_SOFTPLUS, softplus_chunked)
#define CHUNKED(S, k, d) ((S) == FWD_S && (k) > FWD_R_MAX && 8L * FWD_S * OVS_NW * (d) > 48 * 1024)
#else
#define CHUNKED(S, k, d) 0
#define relu_chunked(...) (void)0
#define softplus_chunked(...) (void)0
#endif

OVS_INLINE void unit_blocks(const int kind, int k, int d, const double *w,
                            const double *xs, int ldx, const double *v, double *ds, int ldd,
                            double *zs, const int S, ovs_vd *f, ovs_fetch *next)
{
    if (!CHUNKED(S, k, d))
        unit_blocks_rows(kind, k, d, w, xs, ldx, v, ds, ldd, zs, S, f, next, 0, 0, d);
    else if (kind == OVS_ACT_RELU)
        relu_chunked(k, d, w, xs, ldx, v, ds, ldd, zs, f, next);
    else
        softplus_chunked(k, d, w, xs, ldx, v, ds, ldd, zs, f, next);
}

/* Softplus of the scratch vectors q0..q0+nv-1 (row j's S vectors at zs + j S NW), in two
 * stages (vmath.h): exp_stage leaves e = exp(-|z|) where phi' goes (row j at ds + j ldd),
 * log_stage makes phi (to ps, laid out as zs) and phi' (over e) from z and e. */
OVS_INLINE double *ds_at(double *ds, int ldd, const int S, int q)
{
    return ds + (long)(q / S) * ldd + (q % S) * OVS_NW;
}

OVS_INLINE void exp_stage(double *ds, int ldd, const double *zs, const int S, int q0,
                          const int nv)
{
    ovs_vd z[SOFTPLUS_GROUP], e[SOFTPLUS_GROUP];
    for (int u = 0; u < nv; u++)
        z[u] = LOAD(zs + (long)(q0 + u) * OVS_NW);
    ovs_vsoftplus_exp(z, e, nv);
    for (int u = 0; u < nv; u++)
        STORE(ds_at(ds, ldd, S, q0 + u), e[u]);
}

OVS_INLINE void log_stage(double *ds, int ldd, const double *zs, double *ps, const int S,
                          int q0, const int nv)
{
    ovs_vd z[SOFTPLUS_GROUP], e[SOFTPLUS_GROUP], phi[SOFTPLUS_GROUP], dphi[SOFTPLUS_GROUP];
    for (int u = 0; u < nv; u++) {
        z[u] = LOAD(zs + (long)(q0 + u) * OVS_NW);
        e[u] = LOAD(ds_at(ds, ldd, S, q0 + u));
    }
    ovs_vsoftplus_log(z, e, phi, dphi, nv);
    for (int u = 0; u < nv; u++) {
        STORE(ps + (long)(q0 + u) * OVS_NW, phi[u]);
        STORE(ds_at(ds, ldd, S, q0 + u), dphi[u]);
    }
}

/* One stage over the m scratch vectors (second: the log stage, phi to ps), SOFTPLUS_GROUP at
 * a time, the last m mod SOFTPLUS_GROUP as a group (a lane's result does not depend on it). */
OVS_INLINE void softplus_stage(const int second, double *ds, int ldd, const double *zs,
                               double *ps, const int S, int m)
{
    int q0 = 0;
    for (; q0 + SOFTPLUS_GROUP <= m; q0 += SOFTPLUS_GROUP)
        second ? log_stage(ds, ldd, zs, ps, S, q0, SOFTPLUS_GROUP)
               : exp_stage(ds, ldd, zs, S, q0, SOFTPLUS_GROUP);
    switch (m - q0) {
    case 3: second ? log_stage(ds, ldd, zs, ps, S, q0, 3) : exp_stage(ds, ldd, zs, S, q0, 3); break;
    case 2: second ? log_stage(ds, ldd, zs, ps, S, q0, 2) : exp_stage(ds, ldd, zs, S, q0, 2); break;
    case 1: second ? log_stage(ds, ldd, zs, ps, S, q0, 1) : exp_stage(ds, ldd, zs, S, q0, 1); break;
    default: break;
    }
}

/* Units per group of softplus's stages in the fused pass: whole units (the log stage adds
 * v_j phi_j to f from registers) filling 2 FWD_S vectors (AVX2: 2 units of 3 vectors). */
#define STAGE_UNITS(S) (2 * FWD_S / (S))
_Static_assert(2 * FWD_S <= OVS_SOFTPLUS_MAX, "a stage's group: 2 FWD_S vectors at most");

/* The exp stage of units j..j+U-1, their U S vectors in one group: e = exp(-|z|) to ds, where
 * phi' goes, rows indexed by unit (exp_stage's q / S, q mod S: 1.008-1.015 of the time). */
OVS_INLINE void exp_units(double *ds, int ldd, const double *zs, const int S, int j,
                          const int U)
{
    ovs_vd z[2 * FWD_S], e[2 * FWD_S];
    for (int q = 0; q < U * S; q++)
        z[q] = LOAD(zs + ((long)j * S + q) * OVS_NW);
    ovs_vsoftplus_exp(z, e, U * S);
    for (int u = 0; u < U; u++)
        for (int s = 0; s < S; s++)
            STORE(ds + (long)(j + u) * ldd + s * OVS_NW, e[u * S + s]);
}

/* The log stage of units j..j+U-1 in one group: phi' over e in ds, and f += v_j phi_j from
 * the registers, units in order (phi is never stored and read back). */
OVS_INLINE void log_units(double *ds, int ldd, const double *zs, const int S, int j,
                          const int U, const double *v, ovs_vd *f)
{
    ovs_vd z[2 * FWD_S], e[2 * FWD_S], phi[2 * FWD_S], dphi[2 * FWD_S];
    for (int u = 0; u < U; u++)
        for (int s = 0; s < S; s++) {
            z[u * S + s] = LOAD(zs + ((long)(j + u) * S + s) * OVS_NW);
            e[u * S + s] = LOAD(ds + (long)(j + u) * ldd + s * OVS_NW);
        }
    ovs_vsoftplus_log(z, e, phi, dphi, U * S);
    for (int u = 0; u < U; u++) {
        const double vj = v[j + u]; /* read once: the stores to ds may alias v */
        for (int s = 0; s < S; s++) {
            STORE(ds + (long)(j + u) * ldd + s * OVS_NW, dphi[u * S + s]);
            f[s] += vj * phi[u * S + s];
        }
    }
}

/* Softplus for the S sample vectors at i, all units: the k S pre-activation vectors go to the
 * L1 scratch zs, softplus runs over them stage by stage (each stage's chain is half the
 * kernel's, so the core overlaps more groups: 0.82-0.90 of the time, docs/BENCHMARKS.md
 * round 13), in groups of STAGE_UNITS(S) whole units (the rest: exp in groups of 4 vectors,
 * log a unit at a time), the log stage adding v_j phi_j to f in unit order from registers
 * (round 20: 0.97-0.99 of the update's time; groups of 3 units 1.02-1.09). */
OVS_INLINE void softplus_block(int k, int d, const double *w, const double *xs, int ldx,
                               const double *v, double *ds, int ldd, double *zs, const int S,
                               ovs_vd *f, ovs_fetch *next)
{
    unit_blocks(OVS_ACT_SOFTPLUS, k, d, w, xs, ldx, v, ds, ldd, zs, S, f, next);
    const int G = STAGE_UNITS(S), whole = k / G * G;
    for (int j = 0; j < whole; j += G)
        exp_units(ds, ldd, zs, S, j, G);
    softplus_stage(0, ds + (long)whole * ldd, ldd, zs + (long)whole * S * OVS_NW, zs, S,
                   (k - whole) * S);
    for (int j = 0; j < whole; j += G)
        log_units(ds, ldd, zs, S, j, G, v, f);
    for (int j = whole; j < k; j++)
        log_units(ds, ldd, zs, S, j, 1, v, f);
}

/* Where the sample block at i reads x, its rows *ldx apart: xt (panel 0) or i's panel. */
OVS_INLINE const double *x_at(const double *x, int d, int np, int panel, int i, int *ldx)
{
    if (!panel) {
        *ldx = np;
        return x + i;
    }
    const int p0 = i / panel * panel;
    *ldx = np - p0 < panel ? np - p0 : panel;
    return x + (long)p0 * d + (i - p0);
}

/* v with its lanes from `live` on set to +0 (the samples past n in sample n - 1's vector). */
OVS_INLINE ovs_vd lanes_below(ovs_vd v, int live)
{
    ovs_vi lane;
    for (int l = 0; l < OVS_NW; l++)
        lane[l] = l;
    return (ovs_vd)((ovs_vi)v & (lane < live));
}

/* r2 += the squares of the block's residuals, lane l of the 8 (forward.h) taking the
 * samples i = l mod 8: ovs_smallmm_sum_squares's acc[h] += x x, vector for vector in the
 * order of i (an FMA where the build contracts one, in both files), so the same bits. */
OVS_INLINE void add_squares(double *r2, const ovs_vd *f, int i, const int S)
{
#if OVS_NH == 1
    (void)i; /* every vector holds all 8 lanes */
    ovs_vd acc = LOAD(r2);
    for (int s = 0; s < S; s++)
        acc += f[s] * f[s];
    STORE(r2, acc);
#else
    for (int s = 0; s < S; s++) {
        ovs_vd *acc = (ovs_vd *)(r2 + (i + s * OVS_NW) % OVS_VL);
        *acc += f[s] * f[s];
    }
#endif
}

/* The S sample vectors at i: f, then r = f - y and m_ji = phi'_ji (v_j r_i) while the
 * block's phi' is still in L1 (the same products as train.c's scale_factors), and the
 * squares of r into the lanes r2. In the vector that holds sample n - 1 the lanes past it
 * (padding: x = 0, y = 0, but softplus's f(0) is not 0) get r = 0 and m = +0 here, so that
 * their squares add nothing and no loop over them follows. */
OVS_INLINE void sample_block(const int kind, int n, int k, int d, int np, const double *w,
                             const double *x, int panel, const double *v, const double *y,
                             double *m_t, int ldm, int m0, double *zs, int big, double *r,
                             double *r2, int i, const int S, ovs_fetch *next)
{
    ovs_vd f[FWD_S] = {{0}};
    int ldx;
    const double *xs = x_at(x, d, np, panel, i, &ldx);
    if (big && !panel) /* in a panel the block's rows are one stretch: no prefetch needed */
        for (int l = 0; l < d; l++)
            PREFETCH(xs + (long)l * ldx + 2 * FWD_S * OVS_NW, 0);
    /* z's key (ReLU) or phi' (softplus) of the block: in the scratch after zs where it has room
     * (AVX2, SSE2), so that m_t is only written, row by row, at the end; else in m_t */
    double *ds = m_t + (i - m0);
    int ldd = ldm;
    if (2 * FWD_S * OVS_NW <= 32) {
        ds = zs + (long)k * S * OVS_NW;
        ldd = S * OVS_NW;
    }
    if (kind == OVS_ACT_RELU)
        unit_blocks(OVS_ACT_RELU, k, d, w, xs, ldx, v, ds, ldd, zs, S, f, next);
    else
        softplus_block(k, d, w, xs, ldx, v, ds, ldd, zs, S, f, next);
    /* the block's vector past which all lanes are padding: S when none is */
    const int cut = n - i < S * OVS_NW ? (n - i) / OVS_NW : S;
    for (int s = 0; s < S; s++) {
        f[s] -= LOAD(y + i + s * OVS_NW);
        if (s == cut)
            f[s] = lanes_below(f[s], n - i - s * OVS_NW);
        STORE(r + i + s * OVS_NW, f[s]);
    }
    add_squares(r2, f, i, S);
    for (int j = 0; j < k; j++) {
        const double vj = v[j]; /* read once: the stores to m_t may alias v */
        for (int s = 0; s < S; s++) {
            const ovs_vd dj = LOAD(ds + (long)j * ldd + s * OVS_NW);
            double *mj = m_t + (long)j * ldm + (i - m0) + s * OVS_NW;
            if (big && s == 0)
                PREFETCH(mj + 2 * FWD_S * OVS_NW, 1);
            ovs_vd m = dj * (vj * f[s]);
            if (kind == OVS_ACT_RELU)
                m = ovs_vrelu_scale_key(dj, vj * f[s]);
            if (s == cut)
                m = lanes_below(m, n - i - s * OVS_NW);
            STORE(mj, m);
        }
    }
}

/* The samples i0..i1-1 (i0 a multiple of the block, i1 of OVS_NW), sample i's factor of unit
 * j at m_t + j ldm + (i - i0): sample blocks of FWD_S vectors, then the vectors left (in the
 * last panel), up to the vector of sample n - 1: past it padding only (n = 100: one of the 26
 * AVX2 vectors of np = 104), r and m zeros, set below. Each sample's own values: same bits. */
OVS_INLINE void forward(const int kind, int n, int k, int d, int np, const double *w,
                        const double *x, int panel, const double *v, const double *y,
                        double *m_t, int ldm, double *zs, double *r, double *r2, int i0,
                        int i1, ovs_fetch *next)
{
    const int big = 8L * np * (k + d) > BIG_BYTES;
    const int live = (n + OVS_NW - 1) / OVS_NW * OVS_NW;
    const int iend = i1 < live ? i1 : live;
    int i = i0;
    int end4 = iend; /* blocks of FWD_S vectors up to here, then the rest */
#if FWD_S == 4
    /* Without panels (a block of 3 could straddle two), 4 q + 1 vectors as blocks of 4 and
     * three of 3, 4 q + 2 as blocks of 4 and two of 3 (the grid's np = 104, 200): a block of
     * one vector has 4 chains, half the FMA pipes' rate. The same bits; 0.96-0.99 of the
     * time at grid cells (Zen 5, docs/BENCHMARKS.md round 27). */
    const int nvec = iend > i0 ? (iend - i0) / OVS_NW : 0;
    if (!panel && nvec % 4 == 1 && nvec >= 9)
        end4 = iend - 9 * OVS_NW;
    else if (!panel && nvec % 4 == 2 && nvec >= 6)
        end4 = iend - 6 * OVS_NW;
#endif
#define BLOCK(S)                                                                           \
    sample_block(kind, n, k, d, np, w, x, panel, v, y, m_t, ldm, i0, zs, big, r, r2, i, S, next)
    for (; i + FWD_S * OVS_NW <= end4; i += FWD_S * OVS_NW)
        BLOCK(FWD_S);
#if FWD_S == 4
    for (; i + 3 * OVS_NW <= iend && end4 < iend; i += 3 * OVS_NW)
        BLOCK(3);
#endif
    switch (iend > i ? (iend - i) / OVS_NW : 0) {
#if FWD_S > 3
    case 3: BLOCK(3); break;
#endif
    case 2: BLOCK(2); break;
    case 1: BLOCK(1); break;
    default: break;
    }
#undef BLOCK
    /* The padding samples (x = 0, y = 0) are no samples: r and m zero there, in the vector
     * of sample n - 1 by sample_block, in the whole vectors past it (AVX2, SSE2) here. */
    const int p0 = iend > i0 ? iend : i0;
    for (i = p0; i < i1; i += OVS_NW)
        STORE(r + i, (ovs_vd){0});
    for (int j = 0; j < k; j++)
        for (i = p0; i < i1; i += OVS_NW)
            STORE(m_t + (long)j * ldm + (i - i0), (ovs_vd){0});
}

_Static_assert(96 % (FWD_S * OVS_NW) == 0, "a panel of 96 samples holds whole blocks");
_Static_assert(OVS_FORWARD_PANEL % 96 == 0, "forward.h's panel is a multiple of 96");

/* AVX2: ReLU's pass without a fetch at d <= FWD_CONST_D (the grid's d = 1..25, the study's
 * up to 40) with d a compile-time constant, a function per d (the same operations, the same
 * bits): gcc unrolls some loops over d (why it helps is not known). The update took 0.85-0.98
 * of the time at d = 1-40 on the AVX2 machine of docs/BENCHMARKS.md rounds 19-20; a forced
 * full unroll 1.00-1.28; softplus level to 1.15, so it keeps the general pass. */
#ifdef OVS_BUILD_V3
#define FWD_CONST_D 40
typedef void relu_pass(int n, int k, int np, const double *w, const double *x, int panel,
                       const double *v, const double *y, double *m_t, int ldm, double *zs,
                       double *r, double *r2, int i0, int i1);
#define RELU_D(D)                                                                          \
    static __attribute__((noinline)) void relu_d##D(                                       \
        int n, int k, int np, const double *w, const double *x, int panel, const double *v, \
        const double *y, double *m_t, int ldm, double *zs, double *r, double *r2, int i0,  \
        int i1)                                                                            \
    {                                                                                      \
        forward(OVS_ACT_RELU, n, k, D, np, w, x, panel, v, y, m_t, ldm, zs, r, r2, i0, i1, \
                NULL);                                                                     \
    }
RELU_D(1) RELU_D(2) RELU_D(3) RELU_D(4) RELU_D(5) RELU_D(6) RELU_D(7) RELU_D(8) RELU_D(9)
RELU_D(10) RELU_D(11) RELU_D(12) RELU_D(13) RELU_D(14) RELU_D(15) RELU_D(16) RELU_D(17)
RELU_D(18) RELU_D(19) RELU_D(20) RELU_D(21) RELU_D(22) RELU_D(23) RELU_D(24) RELU_D(25)
RELU_D(26) RELU_D(27) RELU_D(28) RELU_D(29) RELU_D(30) RELU_D(31) RELU_D(32) RELU_D(33)
RELU_D(34) RELU_D(35) RELU_D(36) RELU_D(37) RELU_D(38) RELU_D(39) RELU_D(40)
static relu_pass *const relu_by_d[] = {
    NULL,      relu_d1,  relu_d2,  relu_d3,  relu_d4,  relu_d5,  relu_d6,  relu_d7,  relu_d8,
    relu_d9,   relu_d10, relu_d11, relu_d12, relu_d13, relu_d14, relu_d15, relu_d16, relu_d17,
    relu_d18,  relu_d19, relu_d20, relu_d21, relu_d22, relu_d23, relu_d24, relu_d25, relu_d26,
    relu_d27,  relu_d28, relu_d29, relu_d30, relu_d31, relu_d32, relu_d33, relu_d34, relu_d35,
    relu_d36,  relu_d37, relu_d38, relu_d39, relu_d40};
_Static_assert(sizeof relu_by_d / sizeof *relu_by_d == FWD_CONST_D + 1, "one pass per d");
#else
#define FWD_CONST_D 0
#endif

/* Both entry points: the range checked, r2 zeroed by the range from sample 0, the pass. */
OVS_INLINE int fused_range(int kind, int n, int k, int d, int np, const double *w,
                           const double *x, int panel, const double *v, const double *y,
                           double *m_t, int ldm, double *scratch, double *r, double *r2,
                           int i0, int i1, ovs_fetch *next)
{
    if (panel < 0 || panel % 96 != 0 || i0 < 0 || i0 % 96 != 0 || i1 > np || i1 < i0 ||
        (i1 < np && i1 % 96 != 0) || !ovs_forward_takes(kind))
        return -1;
    if (i0 == 0)
        for (int l = 0; l < OVS_VL; l++)
            r2[l] = 0.0;
#if FWD_CONST_D > 0
    if (kind == OVS_ACT_RELU && !next && d >= 1 && d <= FWD_CONST_D) {
        relu_by_d[d](n, k, np, w, x, panel, v, y, m_t, ldm, scratch, r, r2, i0, i1);
        return 0;
    }
#endif
    if (kind == OVS_ACT_SOFTPLUS)
        forward(OVS_ACT_SOFTPLUS, n, k, d, np, w, x, panel, v, y, m_t, ldm, scratch, r, r2, i0,
                i1, next);
    else
        forward(OVS_ACT_RELU, n, k, d, np, w, x, panel, v, y, m_t, ldm, scratch, r, r2, i0, i1,
                next);
    return 0;
}

/* With and without a fetch: its test stays out of the loops of the pass without one. */
int OVS_ISA(ovs_forward_fused_part)(int kind, int n, int k, int d, int np, const double *w,
                                    const double *x, int panel, const double *v,
                                    const double *y, double *m_t, int ldm, double *scratch,
                                    double *r, double *r2, int i0, int i1, ovs_fetch *next)
{
    if (next)
        return fused_range(kind, n, k, d, np, w, x, panel, v, y, m_t, ldm, scratch, r, r2, i0,
                           i1, next);
    return fused_range(kind, n, k, d, np, w, x, panel, v, y, m_t, ldm, scratch, r, r2, i0, i1,
                       NULL);
}

int OVS_ISA(ovs_forward_fused)(int kind, int n, int k, int d, int np, const double *w,
                               const double *x, int panel, const double *v, const double *y,
                               double *m_t, double *scratch, double *r, double *r2)
{
    return fused_range(kind, n, k, d, np, w, x, panel, v, y, m_t, np, scratch, r, r2, 0, np,
                       NULL);
}

/* In chunks of up to 64 vectors: the exp stage over the chunk, e into dphi, then the log
 * stage, in groups of 4 vectors (softplus_stage): this kernel alone is the floor of
 * bench/scaling.sh and floor.py, so the fastest form measured alone (groups of 6: level or
 * slower, docs/BENCHMARKS.md round 20). Where dphi is z (the GD loop's call) e goes to a
 * buffer, then to dphi. The last m mod OVS_NW values through one vector padded with zeros.
 * Each element's result is the same wherever it sits. */
void OVS_ISA(ovs_forward_softplus_array)(const double *z, double *phi, double *dphi, size_t m)
{
    enum { CHUNK = 64 * OVS_NW };
    double buf[CHUNK] __attribute__((aligned(64)));
    const size_t whole = m / OVS_NW * OVS_NW;
    for (size_t c0 = 0; c0 < whole; c0 += CHUNK) {
        const int nv = (int)((whole - c0 < CHUNK ? whole - c0 : CHUNK) / OVS_NW);
        double *e = dphi == z ? buf : dphi + c0;
        softplus_stage(0, e, OVS_NW, z + c0, phi + c0, 1, nv);
        softplus_stage(1, e, OVS_NW, z + c0, phi + c0, 1, nv);
        if (e == buf)
            memcpy(dphi + c0, buf, sizeof(double) * OVS_NW * (size_t)nv);
    }
    if (whole < m) {
        double zb[OVS_NW] __attribute__((aligned(64))) = {0};
        double pb[OVS_NW] __attribute__((aligned(64))), eb[OVS_NW] __attribute__((aligned(64)));
        memcpy(zb, z + whole, sizeof(double) * (m - whole));
        softplus_stage(0, eb, OVS_NW, zb, pb, 1, 1);
        softplus_stage(1, eb, OVS_NW, zb, pb, 1, 1);
        memcpy(phi + whole, pb, sizeof(double) * (m - whole));
        memcpy(dphi + whole, eb, sizeof(double) * (m - whole));
    }
}

/* The floor's kernel (forward.h): the array kernel on m values, a multiple of 8. */
void OVS_ISA(ovs_forward_softplus)(const double *z, double *phi, double *dphi, int m)
{
    OVS_ISA(ovs_forward_softplus_array)(z, phi, dphi, (size_t)m);
}

#if !defined(OVS_BUILD_V3) && !defined(OVS_BUILD_V4)
/* The public entry points, in the baseline build: the best build this CPU runs (simd.h). */
int ovs_forward_fused(int kind, int n, int k, int d, int np, const double *w, const double *x,
                      int panel, const double *v, const double *y, double *m_t,
                      double *scratch, double *r, double *r2)
{
    return OVS_PICK(ovs_forward_fused)(kind, n, k, d, np, w, x, panel, v, y, m_t, scratch, r,
                                       r2);
}

int ovs_forward_fused_part(int kind, int n, int k, int d, int np, const double *w,
                           const double *x, int panel, const double *v, const double *y,
                           double *m_t, int ldm, double *scratch, double *r, double *r2, int i0,
                           int i1, ovs_fetch *next)
{
    return OVS_PICK(ovs_forward_fused_part)(kind, n, k, d, np, w, x, panel, v, y, m_t, ldm,
                                            scratch, r, r2, i0, i1, next);
}

int ovs_forward_takes(int kind)
{
    return kind == OVS_ACT_SOFTPLUS || kind == OVS_ACT_RELU;
}

int ovs_forward_panel_width(int k, int d, int np)
{
    return 8L * np * (k + d) > BIG_BYTES ? OVS_FORWARD_PANEL : 0;
}

void ovs_forward_panels_fill(int n, int d, int np, int w, const double *x, long si, long sl,
                             double *xp)
{
    for (int p0 = 0; p0 < np; p0 += w) {
        const int q = np - p0 < w ? np - p0 : w; /* the panel's row l: its q samples' x_l */
        for (int l = 0; l < d; l++)
            for (int i = 0; i < q; i++)
                xp[(long)p0 * d + (long)l * q + i] = p0 + i < n ? x[(p0 + i) * si + l * sl] : 0.0;
    }
}

void ovs_forward_softplus(const double *z, double *phi, double *dphi, int m)
{
    OVS_PICK(ovs_forward_softplus)(z, phi, dphi, m);
}

void ovs_forward_softplus_array(const double *z, double *phi, double *dphi, size_t m)
{
    OVS_PICK(ovs_forward_softplus_array)(z, phi, dphi, m);
}
#endif
