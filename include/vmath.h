/* vmath.h - inline vector kernels of the activations, on values in registers.
 *
 * Pure, header-only: static inline functions for the hand-written kernels (activation.c's
 * array kernels and forward.c's fused forward pass), so that the activation can be applied
 * to a block of pre-activations while it is still in registers. Lanes are independent and
 * every lane's result is the same wherever it is computed. */
#ifndef OVS_VMATH_H
#define OVS_VMATH_H

#include "simd.h"

#include <stdint.h>

#define OVS_INLINE static inline __attribute__((always_inline))

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros, as comparisons give). */
OVS_INLINE ovs_v8d ovs_vselect(ovs_v8i mask, ovs_v8d a, ovs_v8d b)
{
    return (ovs_v8d)(((ovs_v8i)a & mask) | ((ovs_v8i)b & ~mask));
}

/* ReLU as the paper defines it: phi(z) = max(0, z), phi'(z) = 1 for z >= 0, else 0; written
 * with "z < 0" so that a NaN passes through to both instead of being clamped. */
OVS_INLINE void ovs_vrelu(ovs_v8d z, ovs_v8d *phi, ovs_v8d *dphi)
{
    const ovs_v8d zero = {0}, one = zero + 1.0;
    *phi = ovs_vselect(z < 0, zero, z);
    *dphi = ovs_vselect(z >= 0, one, ovs_vselect(z < 0, zero, z));
}

/* softplus(z) = log(1 + e^z) and its derivative, the logistic sigmoid, 8 lanes a vector,
 * one exp and one log1p per element.
 *
 * e = exp(x) for x = -|z| <= 0: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, a degree-13
 * Taylor polynomial for e^r (truncation < 6e-19 relative), and 2^k added to the exponent bits.
 * x is clamped at -707 so 2^k stays a normal number (then e ~ 9e-308 instead of a smaller
 * value: an absolute error below 1e-307 in phi and phi').
 * log1p(e) for e in (0, 1] = 2 atanh(s) with s = e / (2 + e) in (0, 1/3], the odd series
 * truncated after s^33 (truncation < 2e-17 relative). No 1 + e is ever rounded, so tiny e keep
 * full relative accuracy. The bound checked by tests/test_train.c: within 6 ulp of a long
 * double reference for phi and phi' (absolute 1e-300 near underflow). */
#define OVS_LOG2E 1.4426950408889634074
#define OVS_LN2_HI 6.93147180369123816490e-01
#define OVS_LN2_LO 1.90821492927058770002e-10
#define OVS_SHIFTER 0x1.8p52

#define OVS_SOFTPLUS_MAX 8
#define OVS_FOR_EACH_VECTOR _Pragma("GCC unroll 8") for (int u = 0; u < nv; u++)

/* phi and phi' of the nv <= 8 vectors z[0..nv) (nv a constant after inlining).
 * Every step is written for all nv vectors at once: the two polynomials are chains of
 * dependent FMAs (4 cycles each), and this CPU issues two 512-bit FMAs per cycle, so eight
 * independent chains are needed to keep it busy. Written one vector after the other, gcc
 * emitted each chain whole and the core ran them nearly serially (3.8-4.0 ns per element
 * against 1.8-2.1 ns interleaved, measured on 5120-element arrays). */
OVS_INLINE void ovs_vsoftplus(const ovs_v8d *z, ovs_v8d *phi, ovs_v8d *dphi, const int nv)
{
    const ovs_v8i sign = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN,
                          INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
    const ovs_v8d lo = {-707, -707, -707, -707, -707, -707, -707, -707};
    static const double inv_fact[] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                      1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0,
                                      1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0,
                                      0.5, 1.0, 1.0};
    ovs_v8d x[OVS_SOFTPLUS_MAX], t[OVS_SOFTPLUS_MAX],
        r[OVS_SOFTPLUS_MAX], p[OVS_SOFTPLUS_MAX];
    /* e = exp(x), x = -|z| clamped at -707 (a NaN compares false and stays NaN) */
    OVS_FOR_EACH_VECTOR {
        x[u] = (ovs_v8d)((ovs_v8i)z[u] | sign);
        x[u] = ovs_vselect(x[u] < lo, lo, x[u]);
        t[u] = x[u] * OVS_LOG2E + OVS_SHIFTER;
        ovs_v8d kd = t[u] - OVS_SHIFTER;
        r[u] = (x[u] - kd * OVS_LN2_HI) - kd * OVS_LN2_LO;
        p[u] = (ovs_v8d){0} + 1.0 / 6227020800.0; /* 1/13! */
    }
#pragma GCC unroll 16
    for (int i = 0; i < 13; i++)
        OVS_FOR_EACH_VECTOR p[u] = p[u] * r[u] + inv_fact[i];
    ovs_v8d e[OVS_SOFTPLUS_MAX], inv[OVS_SOFTPLUS_MAX], s[OVS_SOFTPLUS_MAX],
        s2[OVS_SOFTPLUS_MAX], q[OVS_SOFTPLUS_MAX];
    OVS_FOR_EACH_VECTOR {
        ovs_v8i ki = (ovs_v8i)t[u] - (ovs_v8i)((ovs_v8d){0} + OVS_SHIFTER);
        e[u] = ovs_vselect(x[u] == x[u], (ovs_v8d)((ovs_v8i)p[u] + (ki << 52)), x[u]);
        /* One division serves both quotients: 1/(1+e) = (2+e) q and e/(2+e) = e (1+e) q
         * with q = 1/((1+e)(2+e)); division is the slowest vector operation. */
        ovs_v8d one_e = 1.0 + e[u], two_e = 2.0 + e[u];
        ovs_v8d qq = 1.0 / (one_e * two_e);
        inv[u] = two_e * qq;
        s[u] = e[u] * one_e * qq;
        s2[u] = s[u] * s[u];
        q[u] = (ovs_v8d){0} + 1.0 / 33.0;
    }
    /* log1p(e) = 2 atanh(s), the odd series to s^33 */
#pragma GCC unroll 16
    for (int m = 15; m >= 0; m--)
        OVS_FOR_EACH_VECTOR q[u] = q[u] * s2[u] + 1.0 / (2 * m + 1);
    OVS_FOR_EACH_VECTOR {
        ovs_v8i pos = z[u] >= 0;
        ovs_v8d zpos = ovs_vselect(z[u] > 0, z[u], z[u] - z[u]); /* max(z, 0); NaN kept below */
        phi[u] = zpos + 2.0 * s[u] * q[u];
        dphi[u] = ovs_vselect(pos, inv[u], ovs_vselect(z[u] < 0, e[u] * inv[u], z[u])); /* NaN */
    }
}

#endif
