/* problem.h - one trial's data (X, y), output weights v and initial weights W0.
 *
 * Pure. Draws follow the paper's Section 4 / Theorem 2.1 setting:
 *   x_i uniform on the unit sphere of R^d (a standard Gaussian vector, normalised),
 *   y_i i.i.d. N(0, 1),
 *   v: floor(k/2) entries +||y||/sqrt(kn), floor(k/2) entries -||y||/sqrt(kn), and for odd k
 *      one zero entry (the last),
 *   W0 i.i.d. N(0, 1).
 * Seeding: (X, y) depend only on (seed, n, d, trial), so every k and every activation at the
 * same (n, d, trial) see the same data; W0 depends only on (seed, n, k, d, trial). */
#ifndef OVS_PROBLEM_H
#define OVS_PROBLEM_H

#include <stdint.h>

typedef struct ovs_problem {
    int n, k, d;
    double *x;  /* n x d row-major, rows of unit norm */
    double *y;  /* n */
    double *v;  /* k, fixed output weights */
    double *w0; /* k x d row-major, initial hidden weights */
    double y_norm;
} ovs_problem;

/* Allocate buffers for an (n, k, d) problem. Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_problem_alloc(ovs_problem *p, int n, int k, int d);
void ovs_problem_free(ovs_problem *p);

/* Fill p (allocated for its n, k, d) with the draws of trial `trial` under master `seed`. */
void ovs_problem_draw(ovs_problem *p, uint64_t seed, int trial);

/* Fill v (length k) with the paper's output weights for scale c = ||y|| / sqrt(k n). */
void ovs_problem_output_weights(double *v, int k, double c);

#endif
