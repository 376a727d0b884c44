/* activation.h - the table of activation functions phi and their derivatives phi'.
 *
 * Pure. Adding an activation is one table row in activation.c: a scalar pair (phi, dphi),
 * used by tests and diagnostics, and a fused array kernel used by the GD loop.
 * Every kernel must propagate NaN (a NaN input gives a NaN phi), so that a diverged trial
 * cannot hide behind an activation that clamps (fmax(NaN, 0) is 0). */
#ifndef OVS_ACTIVATION_H
#define OVS_ACTIVATION_H

#include <stddef.h>

#include "forward.h" /* OVS_ACT_*: which kernel of the fused pass computes an activation */
#include "names.h"

/* How Sigma(X) of Definition 6.1 is computed for the activation (diagnostics.c): in closed
 * form where phi' is a step (relu, leaky_relu: phi' = s + (1 - s) 1(z > 0)) or the identity
 * (quadratic), by quadrature otherwise. */
enum { OVS_SIGMA_QUADRATURE = 0, OVS_SIGMA_STEP, OVS_SIGMA_IDENTITY };

typedef struct ovs_activation {
    const char *name;
    /* Step size when --eta does not name one: the paper's (Sec. 4) for softplus (0.15) and
     * ReLU (0.1); 0.1, untuned, for the activations beyond the paper. */
    double default_eta;
    double (*phi)(double z);
    double (*dphi)(double z);
    /* For i < m: phi_out[i] = phi(z[i]); dphi_out[i] = phi'(z[i]).
     * dphi_out may alias z (the GD loop overwrites the pre-activations in place). */
    void (*eval)(const double *z, double *phi_out, double *dphi_out, size_t m);
    int vector_kernel; /* OVS_ACT_*: the same values as eval, in registers */
    int sigma_kind;    /* OVS_SIGMA_* */
} ovs_activation;

/* The table's names, for --act and --eta. */
extern const ovs_names ovs_activation_names;

/* The activation called name, or NULL if there is none. */
const ovs_activation *ovs_activation_find(const char *name);

/* Number of table rows, and row i (for listings in --help and tests). */
int ovs_activation_count(void);
const ovs_activation *ovs_activation_at(int i);

#endif
