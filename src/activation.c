/* activation.c - phi/phi' pairs for the network f(x) = v^T phi(W x) (paper Sec. 4). */
#include "activation.h"

#include "forward.h"
#include "simd.h"

#include <math.h>
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

/* The array kernel: forward.c's, in the best build the CPU runs (forward.h's
 * ovs_forward_softplus_array: the fused pass's stages, so the same bits as the simd kernel;
 * this file's own vector clone, without the AVX-512 build's instructions, took 3.6 times as
 * long per element). Lanes are independent: each element's result is the same wherever it
 * sits in the array. */
static void softplus_eval(const double *z, double *phi_out, double *dphi_out, size_t m)
{
    ovs_forward_softplus_array(z, phi_out, dphi_out, m);
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
 * (Lemma 6.4); leaky ReLU with slope 0.01; GELU z Phi(z) in its exact erf form. Not cloned:
 * their products are rounded before the sums (OVS_ROUNDED), as the default build rounds them. */
static double tanh_deriv(double z)
{
    double t = tanh(z), t2 = t * t;
    OVS_ROUNDED(t2);
    return 1.0 - t2;
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
    double cdf = 0.5 * erfc(-z * INV_SQRT2), pdf = z * exp(-0.5 * z * z) * INV_SQRT2PI;
    OVS_ROUNDED(cdf);
    OVS_ROUNDED(pdf);
    return cdf + pdf;
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
    {.name = "softplus", .default_eta = 0.15, .phi = softplus, .dphi = sigmoid,
     .eval = softplus_eval, .vector_kernel = OVS_ACT_SOFTPLUS, .sigma_kind = OVS_SIGMA_QUADRATURE},
    {.name = "relu", .default_eta = 0.1, .phi = relu, .dphi = relu_deriv, .eval = relu_eval,
     .vector_kernel = OVS_ACT_RELU, .sigma_kind = OVS_SIGMA_STEP},
    {.name = "tanh", .default_eta = 0.1, .phi = tanh, .dphi = tanh_deriv, .eval = tanh_eval,
     .vector_kernel = OVS_ACT_SCALAR, .sigma_kind = OVS_SIGMA_QUADRATURE},
    {.name = "quadratic", .default_eta = 0.1, .phi = quadratic, .dphi = identity,
     .eval = quadratic_eval, .vector_kernel = OVS_ACT_SCALAR, .sigma_kind = OVS_SIGMA_IDENTITY},
    {.name = "leaky_relu", .default_eta = 0.1, .phi = leaky_relu, .dphi = leaky_relu_deriv,
     .eval = leaky_relu_eval, .vector_kernel = OVS_ACT_SCALAR, .sigma_kind = OVS_SIGMA_STEP},
    {.name = "gelu", .default_eta = 0.1, .phi = gelu, .dphi = gelu_deriv, .eval = gelu_eval,
     .vector_kernel = OVS_ACT_SCALAR, .sigma_kind = OVS_SIGMA_QUADRATURE},
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

static const char *activation_name(int i)
{
    return i >= 0 && i < ovs_activation_count() ? table[i].name : "?";
}

const ovs_names ovs_activation_names = {"activation", ovs_activation_count, activation_name};
