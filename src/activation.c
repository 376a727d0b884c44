/* activation.c - phi/phi' pairs for the network f(x) = v^T phi(W x) (paper Sec. 4). */
#include "activation.h"

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

static void softplus_eval(const double *z, double *phi_out, double *dphi_out, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        double zi = z[i];
        double e = exp(-fabs(zi));
        double inv = 1.0 / (1.0 + e);
        phi_out[i] = (zi > 0 ? zi : 0.0) + log1p(e);
        dphi_out[i] = zi >= 0 ? inv : e * inv;
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

static void relu_eval(const double *z, double *phi_out, double *dphi_out, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        double zi = z[i];
        phi_out[i] = zi < 0 ? 0.0 : zi;
        dphi_out[i] = zi >= 0 ? 1.0 : (zi < 0 ? 0.0 : zi);
    }
}

static const ovs_activation table[] = {
    {"softplus", softplus, sigmoid, softplus_eval},
    {"relu", relu, relu_deriv, relu_eval},
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
