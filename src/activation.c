/* activation.c - phi/phi' pairs for the network f(x) = v^T phi(W x) (paper Sec. 4). */
#include "activation.h"

#include "simd.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* softplus(z) = log(1 + e^z), computed overflow-safe as max(z, 0) + log1p(e^{-|z|});
 * its derivative is the logistic sigmoid. One exp serves both (e = e^{-|z|}). */
static double softplus(double z)
{
    double e = exp(-fabs(z));
    return (z > 0 ? z : 0.0) + log1p(e); /* NaN reaches log1p(exp(NaN)) = NaN */
}

static double sigmoid(double z)
{
    double e = exp(-fabs(z));
    double inv = 1.0 / (1.0 + e);
    return z >= 0 ? inv : e * inv;
}

/* ---- vectorised softplus: one exp and one log1p per element, 8 lanes at a time ----
 *
 * e = exp(x) for x = -|z| <= 0: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, a degree-13
 * Taylor polynomial for e^r (truncation < 6e-19 relative), and 2^k added to the exponent bits.
 * x is clamped at -707 so 2^k stays a normal number (then e ~ 9e-308 instead of a smaller
 * value: an absolute error below 1e-307 in phi and phi').
 * log1p(e) for e in (0, 1] = 2 atanh(s) with s = e / (2 + e) in (0, 1/3], the odd series
 * truncated after s^33 (truncation < 2e-17 relative). No 1 + e is ever rounded, so tiny e keep
 * full relative accuracy. The bound checked by tests/test_train.c: within 6 ulp of a long
 * double reference for phi and phi' (absolute 1e-300 near underflow). */
#define LOG2E 1.4426950408889634074
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define SHIFTER 0x1.8p52

static inline __attribute__((always_inline)) ovs_v8d vselect(ovs_v8i mask, ovs_v8d a, ovs_v8d b)
{
    return (ovs_v8d)(((ovs_v8i)a & mask) | ((ovs_v8i)b & ~mask));
}

static inline __attribute__((always_inline)) ovs_v8d vexp_nonpos(ovs_v8d x)
{
    const ovs_v8d lo = {-707, -707, -707, -707, -707, -707, -707, -707};
    x = vselect(x < lo, lo, x); /* a NaN compares false and stays NaN */
    ovs_v8d t = x * LOG2E + SHIFTER;
    ovs_v8d kd = t - SHIFTER;
    ovs_v8d r = (x - kd * LN2_HI) - kd * LN2_LO;
    ovs_v8d p = (ovs_v8d){0} + 1.0 / 6227020800.0; /* 1/13! */
    static const double inv_fact[] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                      1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0,
                                      1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0,
                                      0.5, 1.0, 1.0};
#pragma GCC unroll 16
    for (int i = 0; i < 13; i++)
        p = p * r + inv_fact[i];
    ovs_v8i ki = (ovs_v8i)t - (ovs_v8i)((ovs_v8d){0} + SHIFTER);
    ovs_v8d e = (ovs_v8d)((ovs_v8i)p + (ki << 52));
    return vselect(x == x, e, x);
}

/* log1p(e) for e in (0, 1], given s = e / (2 + e). */
static inline __attribute__((always_inline)) ovs_v8d vlog1p_unit(ovs_v8d s)
{
    ovs_v8d s2 = s * s;
    ovs_v8d q = (ovs_v8d){0} + 1.0 / 33.0;
#pragma GCC unroll 16
    for (int m = 15; m >= 0; m--)
        q = q * s2 + 1.0 / (2 * m + 1);
    return 2.0 * s * q;
}

static inline __attribute__((always_inline)) void softplus_v8(ovs_v8d z, ovs_v8d *phi,
                                                             ovs_v8d *dphi)
{
    const ovs_v8i sign = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN,
                          INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
    ovs_v8d negabs = (ovs_v8d)((ovs_v8i)z | sign);
    ovs_v8d e = vexp_nonpos(negabs);
    /* One division serves both quotients: 1/(1+e) = (2+e) q and e/(2+e) = e (1+e) q with
     * q = 1/((1+e)(2+e)); division is the slowest vector operation. */
    ovs_v8d one_e = 1.0 + e, two_e = 2.0 + e;
    ovs_v8d q = 1.0 / (one_e * two_e);
    ovs_v8d inv = two_e * q;
    ovs_v8d s = e * one_e * q;
    ovs_v8i pos = z >= 0;
    ovs_v8d zpos = vselect(z > 0, z, z - z); /* max(z, 0), NaN kept by the log1p term */
    *phi = zpos + vlog1p_unit(s);
    *dphi = vselect(pos, inv, vselect(z < 0, e * inv, z)); /* NaN in, NaN out */
}

/* Four vectors per step: the polynomials are long dependency chains, so independent lanes
 * groups are interleaved to keep the floating-point units busy. */
OVS_CLONES
static void softplus_eval(const double *z, double *phi_out, double *dphi_out, size_t m)
{
    size_t i = 0;
    for (; i + 4 * OVS_VL <= m; i += 4 * OVS_VL) {
        ovs_v8d p[4], dp[4];
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++)
            softplus_v8(*(const ovs_v8d *)(z + i + u * OVS_VL), &p[u], &dp[u]);
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++) {
            *(ovs_v8d *)(phi_out + i + u * OVS_VL) = p[u];
            *(ovs_v8d *)(dphi_out + i + u * OVS_VL) = dp[u];
        }
    }
    for (; i < m; i += OVS_VL) { /* the tail through the same vector code */
        double zb[OVS_VL] = {0}, pb[OVS_VL], db[OVS_VL];
        size_t len = m - i < OVS_VL ? m - i : OVS_VL;
        for (size_t j = 0; j < len; j++)
            zb[j] = z[i + j];
        ovs_v8d p, dp;
        softplus_v8(*(const ovs_v8d *)zb, &p, &dp);
        *(ovs_v8d *)pb = p;
        *(ovs_v8d *)db = dp;
        for (size_t j = 0; j < len; j++) {
            phi_out[i + j] = pb[j];
            dphi_out[i + j] = db[j];
        }
    }
}

/* ReLU as the paper defines it: phi(z) = max(0, z), phi'(z) = 1 for z >= 0, else 0.
 * Written with "z < 0" so that NaN passes through instead of being clamped to 0. */
static double relu(double z)
{
    return z < 0 ? 0.0 : z;
}

static double relu_deriv(double z)
{
    return z >= 0 ? 1.0 : (z < 0 ? 0.0 : z);
}

OVS_CLONES
static void relu_eval(const double *restrict z, double *restrict phi_out, double *dphi_out,
                      size_t m)
{
    for (size_t i = 0; i < m; i++) {
        double zi = z[i];
        phi_out[i] = zi < 0 ? 0.0 : zi;
        dphi_out[i] = zi >= 0 ? 1.0 : (zi < 0 ? 0.0 : zi);
    }
}

/* More of the world (beyond Figure 2): tanh; the quadratic z^2/2 of the paper's reduction
 * (Lemma 6.4); leaky ReLU with slope 0.01; GELU z Phi(z) in its exact erf form. */
static double tanh_deriv(double z)
{
    double t = tanh(z);
    return 1.0 - t * t;
}

static double quadratic(double z)
{
    return 0.5 * z * z;
}

static double identity(double z)
{
    return z;
}

#define LEAK 0.01
static double leaky_relu(double z)
{
    return z < 0 ? LEAK * z : z;
}

static double leaky_relu_deriv(double z)
{
    return z >= 0 ? 1.0 : (z < 0 ? LEAK : z);
}

#define INV_SQRT2 0.70710678118654752440    /* 1/sqrt(2) */
#define INV_SQRT2PI 0.39894228040143267794  /* 1/sqrt(2 pi) */
static double gelu(double z)
{
    return 0.5 * z * erfc(-z * INV_SQRT2);
}

static double gelu_deriv(double z)
{
    return 0.5 * erfc(-z * INV_SQRT2) + z * exp(-0.5 * z * z) * INV_SQRT2PI;
}

/* An array kernel from a scalar pair, for activations without a vectorised one. */
#define SCALAR_EVAL(NAME, PHI, DPHI)                                                       \
    static void NAME(const double *z, double *phi_out, double *dphi_out, size_t m)        \
    {                                                                                      \
        for (size_t i = 0; i < m; i++) {                                                   \
            double zi = z[i];                                                              \
            phi_out[i] = PHI(zi);                                                          \
            dphi_out[i] = DPHI(zi);                                                        \
        }                                                                                  \
    }
SCALAR_EVAL(tanh_eval, tanh, tanh_deriv)
SCALAR_EVAL(quadratic_eval, quadratic, identity)
SCALAR_EVAL(leaky_relu_eval, leaky_relu, leaky_relu_deriv)
SCALAR_EVAL(gelu_eval, gelu, gelu_deriv)

static const ovs_activation table[] = {
    {"softplus", softplus, sigmoid, softplus_eval},
    {"relu", relu, relu_deriv, relu_eval},
    {"tanh", tanh, tanh_deriv, tanh_eval},
    {"quadratic", quadratic, identity, quadratic_eval},
    {"leaky_relu", leaky_relu, leaky_relu_deriv, leaky_relu_eval},
    {"gelu", gelu, gelu_deriv, gelu_eval},
};

int ovs_activation_count(void)
{
    return (int)(sizeof table / sizeof table[0]);
}

const ovs_activation *ovs_activation_at(int i)
{
    return (i >= 0 && i < ovs_activation_count()) ? &table[i] : NULL;
}

const ovs_activation *ovs_activation_find(const char *name)
{
    for (int i = 0; i < ovs_activation_count(); i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}
