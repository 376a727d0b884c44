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

/* Rows j..j+R-1 of g, C column vectors [c, c + 8C): for each sample i in order, every
 * accumulator gains m_ji x_i[cols] (outer-product accumulation: broadcast the factor,
 * vectorise over the columns; no horizontal sums, each element of g summed over i in order
 * whichever block computes it). Rows past k - 1 repeat row k - 1: the copies compute the
 * same values into the same place. R x C accumulators stay in registers; per sample the
 * block loads C + R values for R C FMAs. */
static inline __attribute__((always_inline)) void grad_block(int n, int k, int d, int np,
                                                            int dp, const double *mt,
                                                            const double *x, double *g,
                                                            int j, int c, const int R,
                                                            const int C)
{
    const double *m[8];
    ovs_v8d acc[8][4];
    for (int u = 0; u < R; u++) {
        m[u] = mt + (long)(j + u < k ? j + u : k - 1) * np;
        for (int v = 0; v < C; v++)
            acc[u][v] = (ovs_v8d){0};
    }
    for (int i = 0; i < n; i++) {
        ovs_v8d y[4];
        for (int v = 0; v < C; v++)
            y[v] = LOAD(x + (long)i * dp + c + v * OVS_VL);
        for (int u = 0; u < R; u++) {
            const double f = m[u][i];
            for (int v = 0; v < C; v++)
                acc[u][v] += f * y[v];
        }
    }
    for (int u = 0; u < R && j + u < k; u++)
        for (int b = 0; b < C * OVS_VL && c + b < d; b++)
            g[(long)(j + u) * d + c + b] = acc[u][b / OVS_VL][b % OVS_VL];
}

/* All rows for the column vectors [c, c + 8C), C <= 4, in blocks of R rows: eight or more
 * independent accumulator chains per block (two FMAs issue per cycle, 4 cycles latency). */
static inline __attribute__((always_inline)) void grad_cols(int n, int k, int d, int np,
                                                           int dp, const double *mt,
                                                           const double *x, double *g,
                                                           int c, const int C)
{
    const int R = C == 1 ? 8 : 4;
    for (int j = 0; j < k; j += R)
        grad_block(n, k, d, np, dp, mt, x, g, j, c, R, C);
}

OVS_CLONES
void ovs_smallmm_grad(int n, int k, int d, int np, const double *mt, const double *x,
                      double *g)
{
    const int dp = ovs_pad(d);
    for (int c = 0; c < dp; c += 4 * OVS_VL) {
        switch ((dp - c) / OVS_VL) {
        case 1: grad_cols(n, k, d, np, dp, mt, x, g, c, 1); break;
        case 2: grad_cols(n, k, d, np, dp, mt, x, g, c, 2); break;
        case 3: grad_cols(n, k, d, np, dp, mt, x, g, c, 3); break;
        default: grad_cols(n, k, d, np, dp, mt, x, g, c, 4); break;
        }
    }
}
