/* problem.h - one trial's data (X, y), output weights v and initial weights W0.
 *
 * Pure. Draws follow the paper's Section 4 / Theorem 2.1 setting:
 *   x_i uniform on the unit sphere of R^d (a standard Gaussian vector, normalised),
 *   y_i i.i.d. N(0, 1),
 *   v: floor(k/2) entries +||y||/sqrt(kn), floor(k/2) entries -||y||/sqrt(kn), and for odd k
 *      one zero entry (the last),
 *   W0 i.i.d. N(0, 1).
 * Seeding: (X, y) depend only on (seed, n, d, trial), so every k and every activation at the
 * same (n, d, trial) see the same data; W0 depends only on (seed, n, k, d, trial).
 *
 * Other data models (opt-in, --data/--labels; the defaults above are the paper's):
 *   gaussian: x_i ~ N(0, I_d / d) (E||x_i||^2 = 1, rows not normalised);
 *   worst:    near-duplicate pairs, the case Assumption 1 (delta-separable data) rules out:
 *             x_{2i} uniform on the sphere, x_{2i+1} on the sphere at distance exactly delta
 *             from it (a random direction orthogonal to x_{2i}); labels stay independent, so
 *             the pair must be fitted to unrelated values. For d = 1 the sphere S^0 has no
 *             point at distance delta < 2 other than x itself: the twin is a duplicate.
 *   labels sign: y_i = +1 or -1 with probability 1/2 instead of N(0, 1).
 * All models draw from the same per-trial stream in the same order, so the sphere/gaussian
 * models see the same directions (common random numbers). */
#ifndef OVS_PROBLEM_H
#define OVS_PROBLEM_H

#include <stdint.h>

#include "names.h"

typedef struct ovs_problem {
    int n, k, d;
    double *x;  /* n x d row-major, rows of unit norm */
    double *y;  /* n */
    double *v;  /* k, fixed output weights */
    double *w0; /* k x d row-major, initial hidden weights */
    double y_norm;
    int x_shared; /* 1: x is another problem's (ovs_problem_alloc_sharing), not freed here */
} ovs_problem;

enum { OVS_DATA_SPHERE = 0, OVS_DATA_GAUSSIAN = 1, OVS_DATA_WORST = 2 };
enum { OVS_LABELS_GAUSSIAN = 0, OVS_LABELS_SIGN = 1 };

typedef struct ovs_data_model {
    int inputs;   /* OVS_DATA_* */
    double delta; /* OVS_DATA_WORST: distance of the twins, 0 < delta <= 2 */
    int labels;   /* OVS_LABELS_* */
} ovs_data_model;

/* The paper's model: sphere inputs, Gaussian labels. */
#define OVS_DATA_MODEL_DEFAULT ((ovs_data_model){OVS_DATA_SPHERE, 0.0, OVS_LABELS_GAUSSIAN})

extern const ovs_names ovs_data_names;   /* OVS_DATA_*: "sphere", "gaussian", "worst" */
extern const ovs_names ovs_labels_names; /* OVS_LABELS_*: "gaussian", "sign" */

/* Allocate buffers for an (n, k, d) problem. Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_problem_alloc(ovs_problem *p, int n, int k, int d);
/* The same for a problem of data's n and d and its own k that holds data's X, not a copy:
 * every k at one (n, d, trial) sees the same X (above). data must outlive p. */
int ovs_problem_alloc_sharing(ovs_problem *p, const ovs_problem *data, int k);
void ovs_problem_free(ovs_problem *p);

/* Fill p (allocated for its n, k, d) with the draws of trial `trial` under master `seed`,
 * for the paper's data model / for model m. */
void ovs_problem_draw(ovs_problem *p, uint64_t seed, int trial);
void ovs_problem_draw_model(ovs_problem *p, const ovs_data_model *m, uint64_t seed, int trial);
/* The draws of ovs_problem_draw_model for p (allocated by ovs_problem_alloc_sharing with data)
 * where data was drawn by it for the same seed, trial and model: X is data's, y and ||y||
 * copied from data, v and W0 drawn for p's k. The same values, without drawing X again. */
void ovs_problem_draw_sharing(ovs_problem *p, const ovs_problem *data, uint64_t seed, int trial);

/* Fill v (length k) with the paper's output weights for scale c = ||y|| / sqrt(k n). */
void ovs_problem_output_weights(double *v, int k, double c);

#endif
