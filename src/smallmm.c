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

/* Lanes summed in a fixed tree: ((0+4)+(2+6)) + ((1+5)+(3+7)). */
static inline __attribute__((always_inline)) double hsum(ovs_v8d a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* g rows j0..j0+3, columns [c, c + 16) as two vectors: sum over samples i, in order, of
 * m_ji x_i (outer-product accumulation; x is n x dp, row-major, padded to dp columns).
 * No horizontal sums, and every element of g is summed over i in order whichever block
 * computes it. */
static inline __attribute__((always_inline)) void grad_rows4_cols16(int n, int np, int dp,
                                                                   const double *mt,
                                                                   const double *x, double *acc)
{
    const double *m0 = mt, *m1 = mt + np, *m2 = mt + 2L * np, *m3 = mt + 3L * np;
    ovs_v8d a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0},
            a31 = {0};
    for (int i = 0; i < n; i++) {
        ovs_v8d y0 = LOAD(x + (long)i * dp), y1 = LOAD(x + (long)i * dp + OVS_VL);
        a00 += m0[i] * y0;
        a01 += m0[i] * y1;
        a10 += m1[i] * y0;
        a11 += m1[i] * y1;
        a20 += m2[i] * y0;
        a21 += m2[i] * y1;
        a30 += m3[i] * y0;
        a31 += m3[i] * y1;
    }
    STORE(acc, a00);
    STORE(acc + OVS_VL, a01);
    STORE(acc + 16, a10);
    STORE(acc + 16 + OVS_VL, a11);
    STORE(acc + 32, a20);
    STORE(acc + 32 + OVS_VL, a21);
    STORE(acc + 48, a30);
    STORE(acc + 48 + OVS_VL, a31);
}

/* The same for rows j0..j0+3 and one vector of columns. */
static inline __attribute__((always_inline)) void grad_rows4_cols8(int n, int np, int dp,
                                                                  const double *mt,
                                                                  const double *x, double *acc)
{
    const double *m0 = mt, *m1 = mt + np, *m2 = mt + 2L * np, *m3 = mt + 3L * np;
    ovs_v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (int i = 0; i < n; i++) {
        ovs_v8d y = LOAD(x + (long)i * dp);
        a0 += m0[i] * y;
        a1 += m1[i] * y;
        a2 += m2[i] * y;
        a3 += m3[i] * y;
    }
    STORE(acc, a0);
    STORE(acc + 16, a1);
    STORE(acc + 32, a2);
    STORE(acc + 48, a3);
}

/* One row, one vector of columns, four partial sums over interleaved samples would change
 * the order; keep one chain so the result equals the 4-row blocks'. */
static inline __attribute__((always_inline)) void grad_row1_cols8(int n, int dp, const double *m,
                                                                 const double *x, double *acc)
{
    ovs_v8d a = {0};
    for (int i = 0; i < n; i++)
        a += m[i] * LOAD(x + (long)i * dp);
    STORE(acc, a);
}

static void copy_cols(double *g, int d, int rows, int c, int width, const double *acc)
{
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < width && c + b < d; b++)
            g[(long)a * d + c + b] = acc[16 * a + b];
}

OVS_CLONES
void ovs_smallmm_grad(int n, int k, int d, int np, const double *mt, const double *x,
                      double *g)
{
    const int dp = ovs_pad(d);
    double acc[64];
    int j = 0;
    for (; j + 4 <= k; j += 4) {
        const double *m = mt + (long)j * np;
        int c = 0;
        for (; c + 2 * OVS_VL <= dp; c += 2 * OVS_VL) {
            grad_rows4_cols16(n, np, dp, m, x + c, acc);
            copy_cols(g + (long)j * d, d, 4, c, 16, acc);
        }
        for (; c < dp; c += OVS_VL) {
            grad_rows4_cols8(n, np, dp, m, x + c, acc);
            copy_cols(g + (long)j * d, d, 4, c, 8, acc);
        }
    }
    for (; j < k; j++)
        for (int c = 0; c < dp; c += OVS_VL) {
            grad_row1_cols8(n, dp, mt + (long)j * np, x + c, acc);
            copy_cols(g + (long)j * d, d, 1, c, 8, acc);
        }
}
