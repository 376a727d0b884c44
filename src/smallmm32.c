/* smallmm32.c - register-blocked small products in float32; see smallmm32.h.
 * The structure of smallmm.c with 16-lane vectors: one vector holds twice the samples (zt)
 * or inputs (g), so each FMA does twice the work of the float64 kernel. */
#include "smallmm32.h"

#include "simd.h"

#define LOAD(p) (*(const ovs_v16f *)(p))
#define STORE(p, v) (*(ovs_v16f *)(p) = (v))
#define VL OVS_VLF

/* Four rows of zt, 32 columns at a time, accumulating over l in order. */
static inline __attribute__((always_inline)) void preact_rows4(int d, int np, const float *w,
                                                              const float *xt, float *zt)
{
    const float *w0 = w, *w1 = w + d, *w2 = w + 2 * d, *w3 = w + 3 * d;
    int i = 0;
    for (; i + 2 * VL <= np; i += 2 * VL) {
        ovs_v16f a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0},
                 a31 = {0};
        for (int l = 0; l < d; l++) {
            ovs_v16f x0 = LOAD(xt + (long)l * np + i), x1 = LOAD(xt + (long)l * np + i + VL);
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
        STORE(zt + i + VL, a01);
        STORE(zt + np + i, a10);
        STORE(zt + np + i + VL, a11);
        STORE(zt + 2L * np + i, a20);
        STORE(zt + 2L * np + i + VL, a21);
        STORE(zt + 3L * np + i, a30);
        STORE(zt + 3L * np + i + VL, a31);
    }
    for (; i < np; i += VL) {
        ovs_v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int l = 0; l < d; l++) {
            ovs_v16f x0 = LOAD(xt + (long)l * np + i);
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
static inline __attribute__((always_inline)) void preact_row1(int d, int np, const float *w,
                                                             const float *xt, float *zt)
{
    int i = 0;
    for (; i + 4 * VL <= np; i += 4 * VL) {
        ovs_v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int l = 0; l < d; l++) {
            const float *x = xt + (long)l * np + i;
            a0 += w[l] * LOAD(x);
            a1 += w[l] * LOAD(x + VL);
            a2 += w[l] * LOAD(x + 2 * VL);
            a3 += w[l] * LOAD(x + 3 * VL);
        }
        STORE(zt + i, a0);
        STORE(zt + i + VL, a1);
        STORE(zt + i + 2 * VL, a2);
        STORE(zt + i + 3 * VL, a3);
    }
    for (; i < np; i += VL) {
        ovs_v16f a = {0};
        for (int l = 0; l < d; l++)
            a += w[l] * LOAD(xt + (long)l * np + i);
        STORE(zt + i, a);
    }
}

OVS_CLONES
void ovs_smallmm32_preact(int k, int d, int np, const float *w, const float *xt, float *zt)
{
    int j = 0;
    for (; j + 4 <= k; j += 4)
        preact_rows4(d, np, w + (long)j * d, xt, zt + (long)j * np);
    for (; j < k; j++)
        preact_row1(d, np, w + (long)j * d, xt, zt + (long)j * np);
}

/* g rows j0..j0+3, columns [c, c + 32) as two vectors: sum over samples i, in order, of
 * m_ji x_i (outer-product accumulation; x is n x dp, padded to dp columns). */
static inline __attribute__((always_inline)) void grad_rows4_cols32(int n, int np, int dp,
                                                                   const float *mt,
                                                                   const float *x, float *acc)
{
    const float *m0 = mt, *m1 = mt + np, *m2 = mt + 2L * np, *m3 = mt + 3L * np;
    ovs_v16f a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0},
             a31 = {0};
    for (int i = 0; i < n; i++) {
        ovs_v16f y0 = LOAD(x + (long)i * dp), y1 = LOAD(x + (long)i * dp + VL);
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
    STORE(acc + VL, a01);
    STORE(acc + 32, a10);
    STORE(acc + 32 + VL, a11);
    STORE(acc + 64, a20);
    STORE(acc + 64 + VL, a21);
    STORE(acc + 96, a30);
    STORE(acc + 96 + VL, a31);
}

/* The same for rows j0..j0+3 and one vector of columns. */
static inline __attribute__((always_inline)) void grad_rows4_cols16(int n, int np, int dp,
                                                                   const float *mt,
                                                                   const float *x, float *acc)
{
    const float *m0 = mt, *m1 = mt + np, *m2 = mt + 2L * np, *m3 = mt + 3L * np;
    ovs_v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (int i = 0; i < n; i++) {
        ovs_v16f y = LOAD(x + (long)i * dp);
        a0 += m0[i] * y;
        a1 += m1[i] * y;
        a2 += m2[i] * y;
        a3 += m3[i] * y;
    }
    STORE(acc, a0);
    STORE(acc + 32, a1);
    STORE(acc + 64, a2);
    STORE(acc + 96, a3);
}

/* One row, one vector of columns: one chain, so the result equals the 4-row blocks'. */
static inline __attribute__((always_inline)) void grad_row1_cols16(int n, int dp, const float *m,
                                                                  const float *x, float *acc)
{
    ovs_v16f a = {0};
    for (int i = 0; i < n; i++)
        a += m[i] * LOAD(x + (long)i * dp);
    STORE(acc, a);
}

static void copy_cols(float *g, int d, int rows, int c, int width, const float *acc)
{
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < width && c + b < d; b++)
            g[(long)a * d + c + b] = acc[32 * a + b];
}

OVS_CLONES
void ovs_smallmm32_grad(int n, int k, int d, int np, const float *mt, const float *x, float *g)
{
    const int dp = ovs_padf(d);
    float acc[128] __attribute__((aligned(64)));
    int j = 0;
    for (; j + 4 <= k; j += 4) {
        const float *m = mt + (long)j * np;
        int c = 0;
        for (; c + 2 * VL <= dp; c += 2 * VL) {
            grad_rows4_cols32(n, np, dp, m, x + c, acc);
            copy_cols(g + (long)j * d, d, 4, c, 32, acc);
        }
        for (; c < dp; c += VL) {
            grad_rows4_cols16(n, np, dp, m, x + c, acc);
            copy_cols(g + (long)j * d, d, 4, c, 16, acc);
        }
    }
    for (; j < k; j++)
        for (int c = 0; c < dp; c += VL) {
            grad_row1_cols16(n, dp, mt + (long)j * np, x + c, acc);
            copy_cols(g + (long)j * d, d, 1, c, 16, acc);
        }
}
