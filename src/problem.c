/* problem.c - draws X, y, v, W0 for one trial; see problem.h. */
#include "problem.h"

#include "rng.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>

int ovs_problem_alloc(ovs_problem *p, int n, int k, int d)
{
    *p = (ovs_problem){.n = n, .k = k, .d = d};
    if (n < 1 || k < 1 || d < 1)
        return OVS_EINVAL;
    p->x = malloc(sizeof(double) * (size_t)n * (size_t)d);
    p->y = malloc(sizeof(double) * (size_t)n);
    p->v = malloc(sizeof(double) * (size_t)k);
    p->w0 = malloc(sizeof(double) * (size_t)k * (size_t)d);
    if (!p->x || !p->y || !p->v || !p->w0) {
        ovs_problem_free(p);
        return OVS_ENOMEM;
    }
    return OVS_OK;
}

void ovs_problem_free(ovs_problem *p)
{
    free(p->x);
    free(p->y);
    free(p->v);
    free(p->w0);
    p->x = p->y = p->v = p->w0 = NULL;
}

void ovs_problem_output_weights(double *v, int k, double c)
{
    int half = k / 2;
    for (int j = 0; j < k; j++)
        v[j] = j < half ? c : (j < 2 * half ? -c : 0.0);
}

/* Points uniform on the sphere: a standard Gaussian vector divided by its norm is uniform on
 * S^{d-1} by rotation invariance. A zero vector has probability 0; redraw it if it occurs. */
static void draw_sphere_points(ovs_rng *rng, double *x, int n, int d)
{
    for (int i = 0; i < n; i++) {
        double *row = x + (size_t)i * (size_t)d;
        double norm2;
        do {
            norm2 = 0.0;
            for (int j = 0; j < d; j++) {
                row[j] = ovs_rng_normal(rng);
                norm2 += row[j] * row[j];
            }
        } while (norm2 == 0.0);
        double inv = 1.0 / sqrt(norm2);
        for (int j = 0; j < d; j++)
            row[j] *= inv;
    }
}

void ovs_problem_draw(ovs_problem *p, uint64_t seed, int trial)
{
    ovs_rng rng;
    const int64_t data_coords[] = {p->n, p->d, trial};
    ovs_rng_for_tuple(&rng, seed, OVS_STREAM_DATA, data_coords, 3);
    draw_sphere_points(&rng, p->x, p->n, p->d);
    double y2 = 0.0;
    for (int i = 0; i < p->n; i++) {
        p->y[i] = ovs_rng_normal(&rng);
        y2 += p->y[i] * p->y[i];
    }
    p->y_norm = sqrt(y2);
    /* Theorem 2.1: |v_l| = ||y|| / sqrt(k n), half of each sign. */
    ovs_problem_output_weights(p->v, p->k, p->y_norm / sqrt((double)p->k * p->n));

    const int64_t init_coords[] = {p->n, p->k, p->d, trial};
    ovs_rng_for_tuple(&rng, seed, OVS_STREAM_INIT, init_coords, 4);
    for (int i = 0; i < p->k * p->d; i++)
        p->w0[i] = ovs_rng_normal(&rng);
}
