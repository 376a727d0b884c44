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

/* ---- vectorised softplus: one exp, one division and one log1p per element, 8 lanes ----
 *
 * e = exp(x) for x = -|z| <= 0, table-driven: x = n ln2/16 + r, n = 16 k + j = round(16 x/ln2),
 * |r| <= ln2/32, e = 2^k 2^(j/16) (1 + r u(r)), u(r) = 1 + r Q(r) ~ (e^r - 1)/r with Q a
 * degree-4 Chebyshev fit (degree 6 in all; error < 3e-17 absolute, 0.25 ulp of 1). The 16
 * values 2^(j/16) are read per lane by a two-vector shuffle (one vpermi2pd on AVX-512).
 * x is clamped at -707 so 2^k 2^(j/16) stays a normal number (then e ~ 9e-308 instead of a
 * smaller value: an absolute error below 1e-307 in phi and phi').
 * log1p(e) for e in (0, 1]: with d = round(8 e)/8 and a 9-entry table of log(1 + d),
 * log1p(e) = log(1 + d) + 2 atanh(s), s = (e - d) / (2 + d + e), |s| <= 1/33. e - d is exact
 * (Sterbenz; d = 0 below e = 1/16, so tiny e keep full relative accuracy and no 1 + e is
 * rounded into the log), and 2 atanh(s)/s is a degree-4 Chebyshev fit in s^2 (relative
 * error < 2e-19). One division serves s and the sigmoid 1/(1+e).
 * No subnormal intermediates (the clamp, and w below), so huge |z| cost no more than others.
 * The bound checked by tests/test_train.c: within 6 ulp of a long double reference for phi
 * and 5 ulp for phi' (absolute 1e-300 near underflow); measured over 10^7 points: 5.1 and
 * 3.9 ulp. The tables are correctly rounded (checked there too). */
#define SHIFTER 0x1.8p52
#define LOG2E_16 0x1.71547652b82fep+4 /* 16 / ln2 */
#define LN2_16_HI 0x1.62e42fefa0000p-5 /* ln2/16 in 37 bits: n LN2_16_HI is exact */
#define LN2_16_LO 0x1.cf79abc9e3b3ap-44 /* ln2/16 - LN2_16_HI */
#define SHIFTER_8 0x1.8p49 /* x + SHIFTER_8 rounds x in [0, 1] to a multiple of 1/8 */

static inline __attribute__((always_inline)) ovs_v8d vselect(ovs_v8i mask, ovs_v8d a, ovs_v8d b)
{
    return (ovs_v8d)(((ovs_v8i)a & mask) | ((ovs_v8i)b & ~mask));
}

/* 2^(j/16) correctly rounded, j = 0..15, with j << 48 taken off its bits: adding n << 48
 * then adds k to the exponent and j back in one integer add. */
static const double exp2_tab[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.fb5586cf9890fp-1, 0x1.f72b83c7d517bp-1, 0x1.f387a6e756238p-1,
    0x1.f06fe0a31b715p-1, 0x1.edea64c123422p-1, 0x1.ebfdad5362a27p-1, 0x1.eab07dd485429p-1,
    0x1.ea09e667f3bcdp-1, 0x1.ea11473eb0187p-1, 0x1.eace5422aa0dbp-1, 0x1.ec49182a3f090p-1,
    0x1.ee89f995ad3adp-1, 0x1.f199bdd85529cp-1, 0x1.f5818dcfba487p-1, 0x1.fa4afa2a490dap-1};
/* log(1 + j/8) correctly rounded, j = 0..8; entries 9..15 are never read. */
static const double log1p_tab[16] __attribute__((aligned(64))) = {
    0.0, 0x1.e27076e2af2e6p-4, 0x1.c8ff7c79a9a22p-3, 0x1.4618bc21c5ec2p-2,
    0x1.9f323ecbf984cp-2, 0x1.f128f5faf06edp-2, 0x1.1e85f5e7040d0p-1, 0x1.41d8fe84672aep-1,
    0x1.62e42fefa39efp-1};

/* For tests/test_train.c (which declares this) to check the tables' rounding; not part of
 * the module's interface. */
void ovs_softplus_tables(const double **exp2_16, const double **log1p_8);
void ovs_softplus_tables(const double **exp2_16, const double **log1p_8)
{
    *exp2_16 = exp2_tab;
    *log1p_8 = log1p_tab;
}

static inline __attribute__((always_inline)) ovs_v8d vexp_nonpos(ovs_v8d x)
{
    const ovs_v8d lo = {-707, -707, -707, -707, -707, -707, -707, -707};
    x = vselect(x < lo, lo, x); /* a NaN compares false and stays NaN */
    ovs_v8d t = x * LOG2E_16 + SHIFTER; /* n in the low bits */
    ovs_v8d nd = t - SHIFTER;
    ovs_v8d r = (x - nd * LN2_16_HI) - nd * LN2_16_LO;
    ovs_v8i n = (ovs_v8i)t;
    const ovs_v8d *tab = (const ovs_v8d *)exp2_tab;
    ovs_v8d tj = __builtin_shuffle(tab[0], tab[1], n); /* index n mod 16 = j */
    /* n << 48 = (k << 52) + (j << 48); the shifter's bits and a negative n's borrow shift out */
    ovs_v8d scale = (ovs_v8d)((ovs_v8i)tj + (n << 48));
    ovs_v8d q = r * 0x1.6c17bb5211739p-10 + 0x1.11120af7211b8p-7;
    q = q * r + 0x1.55555555194d1p-5;
    q = q * r + 0x1.55555554dd44bp-3;
    q = q * r + 0.5;
    ovs_v8d u = q * r + 1.0; /* Horner to the end: no r^2, which would underflow for tiny z */
    return (scale * r) * u + scale; /* a NaN x gives a NaN r and so a NaN e */
}

static inline __attribute__((always_inline)) void softplus_v8(ovs_v8d z, ovs_v8d *phi,
                                                             ovs_v8d *dphi)
{
    const ovs_v8i sign = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN,
                          INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
    ovs_v8d negabs = (ovs_v8d)((ovs_v8i)z | sign);
    ovs_v8d e = vexp_nonpos(negabs);
    ovs_v8d td = e + SHIFTER_8; /* j = 8 d in the low bits */
    ovs_v8d d = td - SHIFTER_8;
    const ovs_v8d *tab = (const ovs_v8d *)log1p_tab;
    ovs_v8d lg = __builtin_shuffle(tab[0], tab[1], (ovs_v8i)td);
    /* One division serves both quotients: 1/(1+e) = den q and s = (e - d)(1 + e) q with
     * q = 1/((1+e) den), den = 2 + d + e; division is the slowest vector operation (a
     * Newton reciprocal from a table start needs ~8 more multiply-adds: slower). */
    ovs_v8d den = (2.0 + d) + e;
    ovs_v8d q = 1.0 / (e * den + den); /* fused: 1 + e is never rounded on its own */
    ovs_v8d inv = den * q;
    ovs_v8d s = (e - d) * (e * q + q);
    /* + 2^-600 (in a fused multiply-add) keeps w normal for e < 1e-154, where s^2 would be
     * subnormal (slow); it changes log1p(e) by a relative 2^-600 at most. */
    ovs_v8d w = s * s + 0x1p-600;
    ovs_v8d pw = w * 0x1.c7f78ebbf1748p-3 + 0x1.249232994576ap-2;
    pw = pw * w + 0x1.9999999b7e39dp-2;
    pw = pw * w + 0x1.55555555554e3p-1;
    pw = pw * w + 2.0;
    ovs_v8i pos = z >= 0;
    ovs_v8d zpos = vselect(pos, z, (ovs_v8d){0}); /* max(z, 0); a NaN z has a NaN s */
    *phi = zpos + (s * pw + lg);
    *dphi = vselect(pos, inv, e * inv); /* a NaN z has a NaN e: NaN in, NaN out */
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
