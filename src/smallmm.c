/* smallmm.c - register-blocked small products; see smallmm.h. */
#include "smallmm.h"

#include "simd.h"

#define LOAD(p) (*(const ovs_v8d *)(p))
#define STORE(p, v) (*(ovs_v8d *)(p) = (v))

/* Four rows of zt, 16 columns at a time, accumulating over l in order. */
static inline __attribute__((always_inline)) void preact_rows4(int d, int np, const double *w, const double *xt, double *zt)
{
    const double *w0 = w, *w1 = w + d, *w2 = w + 2 * d, *w3 = w + 3 * d;
    int i = 0;
    for (; i + 2 * OVS_VL <= np; i += 2 * OVS_VL) {
        ovs_v8d a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0},
                a31 = {0};
        for (int l = 0; l < d; l++) {
            ovs_v8d x0 = LOAD(xt + (long)l * np + i), x1 = LOAD(xt + (long)l * np + i + OVS_VL);
            a00 += w0[l] * x0;
            a01 += w0[l] * x1;
            a10 += w1[l] * x0;
            a11 += w1[l] * x1;
            a20 += w2[l] * x0;
            a21 += w2[l] * x1;
            a30 += w3[l] * x0;
            a31 += w3[l] * x1;
        }
        STORE(zt + i, a00);
        STORE(zt + i + OVS_VL, a01);
        STORE(zt + np + i, a10);
        STORE(zt + np + i + OVS_VL, a11);
        STORE(zt + 2L * np + i, a20);
        STORE(zt + 2L * np + i + OVS_VL, a21);
        STORE(zt + 3L * np + i, a30);
        STORE(zt + 3L * np + i + OVS_VL, a31);
    }
    for (; i < np; i += OVS_VL) {
        ovs_v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int l = 0; l < d; l++) {
            ovs_v8d x0 = LOAD(xt + (long)l * np + i);
            a0 += w0[l] * x0;
            a1 += w1[l] * x0;
            a2 += w2[l] * x0;
            a3 += w3[l] * x0;
        }
        STORE(zt + i, a0);
        STORE(zt + np + i, a1);
        STORE(zt + 2L * np + i, a2);
        STORE(zt + 3L * np + i, a3);
    }
}

/* One row; four column vectors at a time so the accumulation chains overlap. */
static inline __attribute__((always_inline)) void preact_row1(int d, int np, const double *w,
                                                             const double *xt, double *zt)
{
    int i = 0;
    for (; i + 4 * OVS_VL <= np; i += 4 * OVS_VL) {
        ovs_v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int l = 0; l < d; l++) {
            const double *x = xt + (long)l * np + i;
            a0 += w[l] * LOAD(x);
            a1 += w[l] * LOAD(x + OVS_VL);
            a2 += w[l] * LOAD(x + 2 * OVS_VL);
            a3 += w[l] * LOAD(x + 3 * OVS_VL);
        }
        STORE(zt + i, a0);
        STORE(zt + i + OVS_VL, a1);
        STORE(zt + i + 2 * OVS_VL, a2);
        STORE(zt + i + 3 * OVS_VL, a3);
    }
    for (; i < np; i += OVS_VL) {
        ovs_v8d a = {0};
        for (int l = 0; l < d; l++)
            a += w[l] * LOAD(xt + (long)l * np + i);
        STORE(zt + i, a);
    }
}

OVS_CLONES
void ovs_smallmm_preact(int k, int d, int np, const double *w, const double *xt, double *zt)
{
    int j = 0;
    for (; j + 4 <= k; j += 4)
        preact_rows4(d, np, w + (long)j * d, xt, zt + (long)j * np);
    for (; j < k; j++)
        preact_row1(d, np, w + (long)j * d, xt, zt + (long)j * np);
}

/* ---- the gradient, vectorised over the samples ----
 * g_jl = sum_i mt_ji xt_li: lane q of an accumulator sums the samples i = q mod 8 in order
 * of i, then the 8 lanes are added in ovs_hsum's fixed tree. Every element of g is summed in
 * this one order, whichever block computes it. (The earlier kernel vectorised over the
 * inputs l and so computed d rounded up to 8 columns: 8 for d = 1, 32 for d = 25; this one
 * computes exactly k d sums and was 3-25% faster per update on every cell measured, d = 25
 * and d = 16 included: docs/BENCHMARKS.md.) */

/* The lane sums of a[0..8) as one vector, lane m = ovs_hsum(a[m]) bit for bit. The inputs go
 * in as a0 a2 a1 a3 a4 a6 a5 a7: the three transposing levels below put them back in order. */
static inline __attribute__((always_inline)) ovs_v8d hsum8(const ovs_v8d *a)
{
    const ovs_v8i lo4 = {0, 1, 2, 3, 8, 9, 10, 11}, hi4 = {4, 5, 6, 7, 12, 13, 14, 15};
    const ovs_v8i lo2 = {0, 1, 8, 9, 4, 5, 12, 13}, hi2 = {2, 3, 10, 11, 6, 7, 14, 15};
    const ovs_v8i ev = {0, 2, 4, 6, 8, 10, 12, 14}, od = {1, 3, 5, 7, 9, 11, 13, 15};
    const int in[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    ovs_v8d c[4], e[2];
    for (int p = 0; p < 4; p++) {
        ovs_v8d x = a[in[2 * p]], y = a[in[2 * p + 1]];
        c[p] = __builtin_shuffle(x, y, lo4) + __builtin_shuffle(x, y, hi4);
    }
    for (int p = 0; p < 2; p++)
        e[p] = __builtin_shuffle(c[2 * p], c[2 * p + 1], lo2) +
               __builtin_shuffle(c[2 * p], c[2 * p + 1], hi2);
    return __builtin_shuffle(e[0], e[1], ev) + __builtin_shuffle(e[0], e[1], od);
}

/* Units j..j+R-1 (past k - 1: copies of unit k - 1, not stored) and inputs c..c+C-1: R C
 * accumulators in registers, R + C loads per sample vector. Then the sums, eight at a time. */
static inline __attribute__((always_inline)) void grad_lanes_block(int k, int d, int np,
                                                                  const double *mt,
                                                                  const double *xt, double *g,
                                                                  int j, int c, const int R,
                                                                  const int C)
{
    const double *m[8], *x[4];
    ovs_v8d acc[16];
    for (int u = 0; u < R; u++)
        m[u] = mt + (long)(j + u < k ? j + u : k - 1) * np;
    for (int v = 0; v < C; v++)
        x[v] = xt + (long)(c + v) * np;
    for (int q = 0; q < R * C; q++)
        acc[q] = (ovs_v8d){0};
    for (int i = 0; i < np; i += OVS_VL) {
        ovs_v8d xv[4];
        for (int v = 0; v < C; v++)
            xv[v] = LOAD(x[v] + i);
        for (int u = 0; u < R; u++) {
            const ovs_v8d mv = LOAD(m[u] + i);
            for (int v = 0; v < C; v++)
                acc[u * C + v] += mv * xv[v];
        }
    }
    for (int q0 = 0; q0 < R * C; q0 += 8) {
        ovs_v8d a[8], s;
        for (int q = 0; q < 8; q++)
            a[q] = q0 + q < R * C ? acc[q0 + q] : (ovs_v8d){0};
        s = hsum8(a);
        for (int q = 0; q < 8 && q0 + q < R * C; q++) {
            const int u = (q0 + q) / C, v = (q0 + q) % C;
            if (j + u < k)
                g[(long)(j + u) * d + c + v] = s[q];
        }
    }
}

static inline __attribute__((always_inline)) void grad_lanes_cols(int k, int d, int np,
                                                                 const double *mt,
                                                                 const double *xt, double *g,
                                                                 int c, const int C)
{
    int j = 0;
    if (C == 1)
        for (; j + 8 <= k; j += 8)
            grad_lanes_block(k, d, np, mt, xt, g, j, c, 8, C);
    /* Blocks of 4, the last padded with copies of unit k - 1 when 3 units are left; 1 or 2
     * left units get a block of their own size (measured: 2-5% less time per update where
     * k mod 4 is 1 or 2, but 2-6% more for a block of 3, whose 12 chains hide the FMA latency
     * worse than 16 with one wasted row). */
    for (; j + 3 <= k; j += 4)
        grad_lanes_block(k, d, np, mt, xt, g, j, c, 4, C);
    switch (k - j) {
    case 2: grad_lanes_block(k, d, np, mt, xt, g, j, c, 2, C); break;
    case 1: grad_lanes_block(k, d, np, mt, xt, g, j, c, 1, C); break;
    default: break;
    }
}

OVS_CLONES
void ovs_smallmm_grad(int k, int d, int np, const double *mt, const double *xt, double *g)
{
    for (int c = 0; c < d; c += 4) {
        switch (d - c) {
        case 1: grad_lanes_cols(k, d, np, mt, xt, g, c, 1); break;
        case 2: grad_lanes_cols(k, d, np, mt, xt, g, c, 2); break;
        case 3: grad_lanes_cols(k, d, np, mt, xt, g, c, 3); break;
        default: grad_lanes_cols(k, d, np, mt, xt, g, c, 4); break;
        }
    }
}
