/* activation32.c - float32 activation kernels; see activation32.h. */
#include "activation32.h"

#include "simd.h"

#include <stdint.h>
#include <string.h>

/* ---- vectorised softplus in float: one exp and one log1p per element, 16 lanes ----
 *
 * e = exp(x) for x = -|z| <= 0: x clamped at -64 (see below), Cody-Waite reduction x = k ln2 + r with |r| <= ln2/2 (ln2 split in a high part
 * with 9 significant bits, so k ln2_hi is exact for |k| <= 127, and a low part), a degree-7
 * Taylor polynomial for e^r (truncation (ln2/2)^8 / 8! < 5.2e-9 relative, 0.09 ulp), and 2^k
 * added to the exponent bits.
 * log1p(e) for e in (0, 1] = 2 atanh(s), s = e / (2 + e) in (0, 1/3]: the odd series up to
 * s^15 (truncation < (1/9)^8 / 17 < 1.4e-9 relative). No 1 + e is rounded before the log, so
 * tiny e keep their relative accuracy; s^2 is formed from max(s, 2^-40), which changes no
 * result (the series beyond its first term is then below 2^-80 relative) but keeps s^2 normal.
 * No subnormal is ever produced: subnormal operands cost a microcode assist of ~100 cycles
 * on x86, and a diverging trial with |z| in the hundreds made the whole kernel 10x slower.
 * That is what the clamp at -64 is for: e >= e^-64 = 1.6e-28 keeps phi', and the factors
 * phi' v_j r_i of the gradient built from it, far from the subnormal range (below 1.2e-38).
 * The price: for z < -64, phi and phi' are e^-64 instead of e^z, an absolute error below
 * 1.7e-28 (while the float ulp of f(x_i) is ~1e-8).
 * The sigmoid is 1/(1+e) (z >= 0) or e/(1+e) = e * that (z < 0).
 * Measured error (tests/test_train32.c prints it) against float64 libm: 3.0 ulp (phi) and
 * 2.4 ulp (phi') over a dense grid of -64 <= z <= 100; the test asserts 4 (1.7e-28 absolute
 * below -64). */
#define LOG2E_F 1.44269504088896341f
#define LN2_HI_F 0.693359375f          /* 355/512 */
#define LN2_LO_F (-2.12194440054690583e-4f) /* ln2 - LN2_HI_F */
#define SHIFTER_F 0x1.8p23f

static inline __attribute__((always_inline)) ovs_v16f vselectf(ovs_v16i mask, ovs_v16f a,
                                                                ovs_v16f b)
{
    return (ovs_v16f)(((ovs_v16i)a & mask) | ((ovs_v16i)b & ~mask));
}

static inline __attribute__((always_inline)) ovs_v16f vexpf_nonpos(ovs_v16f x)
{
    const ovs_v16f lo = (ovs_v16f){0} - 64.0f;
    x = vselectf(x < lo, lo, x); /* a NaN compares false and stays NaN */
    ovs_v16f t = x * LOG2E_F + SHIFTER_F;
    ovs_v16f kf = t - SHIFTER_F;
    ovs_v16f r = (x - kf * LN2_HI_F) - kf * LN2_LO_F;
    ovs_v16f p = (ovs_v16f){0} + 1.0f / 5040.0f; /* 1/7! */
    static const float inv_fact[] = {1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f, 1.0f / 6.0f,
                                     0.5f, 1.0f, 1.0f};
#pragma GCC unroll 8
    for (int i = 0; i < 7; i++)
        p = p * r + inv_fact[i];
    ovs_v16i ki = (ovs_v16i)t - (ovs_v16i)((ovs_v16f){0} + SHIFTER_F);
    ovs_v16f e = (ovs_v16f)((ovs_v16i)p + (ki << 23));
    return vselectf(x == x, e, x);
}

/* log1p(e) for e in (0, 1], given s = e / (2 + e). */
static inline __attribute__((always_inline)) ovs_v16f vlog1pf_unit(ovs_v16f s)
{
    const ovs_v16f lo = (ovs_v16f){0} + 0x1p-40f;
    ovs_v16f sc = vselectf(s < lo, lo, s); /* a NaN stays NaN */
    ovs_v16f s2 = sc * sc;
    ovs_v16f q = (ovs_v16f){0} + 1.0f / 15.0f;
#pragma GCC unroll 8
    for (int m = 6; m >= 0; m--)
        q = q * s2 + 1.0f / (float)(2 * m + 1);
    return 2.0f * s * q;
}

static inline __attribute__((always_inline)) void softplus_v16(ovs_v16f z, ovs_v16f *phi,
                                                              ovs_v16f *dphi)
{
    const ovs_v16i sign = (ovs_v16i){0} + INT32_MIN;
    ovs_v16f negabs = (ovs_v16f)((ovs_v16i)z | sign);
    ovs_v16f e = vexpf_nonpos(negabs);
    /* Two divisions: activation.c shares one between the quotients, which in float would
     * cost about 1.2 ulp more (4.3 instead of 3.2 ulp for phi) and, measured, saves no time. */
    ovs_v16f inv = 1.0f / (1.0f + e);
    ovs_v16f s = e / (2.0f + e);
    const ovs_v16f zero = {0};
    ovs_v16f zpos = vselectf(z > zero, z, zero); /* max(z, 0); a NaN z reaches phi via s */
    *phi = zpos + vlog1pf_unit(s);
    *dphi = vselectf(z >= zero, inv, vselectf(z < zero, e * inv, z)); /* NaN in, NaN out */
}

/* Four vectors per step, interleaved to overlap the polynomial dependency chains. */
OVS_CLONES
void ovs_softplus32_eval(const float *z, float *phi_out, float *dphi_out, size_t m)
{
    size_t i = 0;
    for (; i + 4 * OVS_VLF <= m; i += 4 * OVS_VLF) {
        ovs_v16f p[4], dp[4];
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++)
            softplus_v16(*(const ovs_v16f *)(z + i + u * OVS_VLF), &p[u], &dp[u]);
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++) {
            *(ovs_v16f *)(phi_out + i + u * OVS_VLF) = p[u];
            *(ovs_v16f *)(dphi_out + i + u * OVS_VLF) = dp[u];
        }
    }
    for (; i < m; i += OVS_VLF) { /* the rest through the same vector code */
        float zb[OVS_VLF] = {0}, pb[OVS_VLF], db[OVS_VLF];
        size_t len = m - i < OVS_VLF ? m - i : OVS_VLF;
        memcpy(zb, z + i, sizeof(float) * len);
        ovs_v16f p, dp;
        softplus_v16(*(const ovs_v16f *)zb, &p, &dp);
        *(ovs_v16f *)pb = p;
        *(ovs_v16f *)db = dp;
        memcpy(phi_out + i, pb, sizeof(float) * len);
        memcpy(dphi_out + i, db, sizeof(float) * len);
    }
}

/* Written with "z < 0" so that NaN passes through instead of being clamped to 0. */
OVS_CLONES
void ovs_relu32_eval(const float *z, float *phi_out, float *dphi_out, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        float zi = z[i];
        phi_out[i] = zi < 0 ? 0.0f : zi;
        dphi_out[i] = zi >= 0 ? 1.0f : (zi < 0 ? 0.0f : zi);
    }
}

ovs_eval32_fn ovs_activation32_kernel(const ovs_activation *act)
{
    if (strcmp(act->name, "softplus") == 0)
        return ovs_softplus32_eval;
    if (strcmp(act->name, "relu") == 0)
        return ovs_relu32_eval;
    return NULL;
}
