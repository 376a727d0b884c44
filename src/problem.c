/* problem.c - draws X, y, v, W0 for one trial; see problem.h. */
#include "problem.h"

#include "rng.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int ovs_problem_alloc_sharing(ovs_problem *p, const ovs_problem *data, int k)
{
    *p = (ovs_problem){.n = data->n, .k = k, .d = data->d, .x_shared = 1};
    if (k < 1 || !data->x)
        return OVS_EINVAL;
    p->x = data->x;
    p->y = malloc(sizeof(double) * (size_t)p->n);
    p->v = malloc(sizeof(double) * (size_t)k);
    p->w0 = malloc(sizeof(double) * (size_t)k * (size_t)p->d);
    if (!p->y || !p->v || !p->w0) {
        ovs_problem_free(p);
        return OVS_ENOMEM;
    }
    return OVS_OK;
}

void ovs_problem_free(ovs_problem *p)
{
    if (!p->x_shared)
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

/* Gaussian inputs N(0, I_d / d): the same normals as the sphere model, not normalised. */
static void draw_gaussian_points(ovs_rng *rng, double *x, int n, int d)
{
    const double scale = 1.0 / sqrt((double)d);
    for (size_t i = 0; i < (size_t)n * (size_t)d; i++)
        x[i] = scale * ovs_rng_normal(rng);
}

/* The twin of unit x at chord distance delta: cos(t) x + sin(t) u with u a random unit
 * vector orthogonal to x and 2 sin(t/2) = delta, so ||x - twin|| = delta exactly. */
static void draw_twin(ovs_rng *rng, const double *x, double *twin, int d, double delta)
{
    double u2;
    do {
        double dot = 0.0;
        for (int j = 0; j < d; j++) {
            twin[j] = ovs_rng_normal(rng);
            dot += twin[j] * x[j];
        }
        u2 = 0.0;
        for (int j = 0; j < d; j++) {
            twin[j] -= dot * x[j];
            u2 += twin[j] * twin[j];
        }
    } while (d > 1 && u2 < 1e-20); /* a draw parallel to x has probability 0: redraw */
    const double t = 2.0 * asin(delta / 2.0);
    const double c = cos(t), s = d > 1 ? sin(t) / sqrt(u2) : 0.0;
    for (int j = 0; j < d; j++)
        twin[j] = d > 1 ? c * x[j] + s * twin[j] : x[j];
}

/* Worst case: rows 2i uniform on the sphere, rows 2i+1 their twins at distance delta; with
 * odd n the last row has no twin. */
static void draw_worst_points(ovs_rng *rng, double *x, int n, int d, double delta)
{
    for (int i = 0; i < n; i += 2) {
        double *row = x + (size_t)i * (size_t)d;
        draw_sphere_points(rng, row, 1, d);
        if (i + 1 < n)
            draw_twin(rng, row, row + d, d, delta);
    }
}

OVS_NAMES_OF(ovs_data_names, "data model", "sphere", "gaussian", "worst");
OVS_NAMES_OF(ovs_labels_names, "labels", "gaussian", "sign");

/* v and W0, which depend on k, once X and y are drawn. */
static void draw_weights(ovs_problem *p, uint64_t seed, int trial)
{
    /* Theorem 2.1: |v_l| = ||y|| / sqrt(k n), half of each sign. */
    ovs_problem_output_weights(p->v, p->k, p->y_norm / sqrt((double)p->k * p->n));
    ovs_rng rng;
    const int64_t init_coords[] = {p->n, p->k, p->d, trial};
    ovs_rng_for_tuple(&rng, seed, OVS_STREAM_INIT, init_coords, 4);
    for (int i = 0; i < p->k * p->d; i++)
        p->w0[i] = ovs_rng_normal(&rng);
}

void ovs_problem_draw(ovs_problem *p, uint64_t seed, int trial)
{
    const ovs_data_model m = OVS_DATA_MODEL_DEFAULT;
    ovs_problem_draw_model(p, &m, seed, trial);
}

void ovs_problem_draw_model(ovs_problem *p, const ovs_data_model *m, uint64_t seed, int trial)
{
    ovs_rng rng;
    const int64_t data_coords[] = {p->n, p->d, trial};
    ovs_rng_for_tuple(&rng, seed, OVS_STREAM_DATA, data_coords, 3);
    if (m->inputs == OVS_DATA_GAUSSIAN)
        draw_gaussian_points(&rng, p->x, p->n, p->d);
    else if (m->inputs == OVS_DATA_WORST)
        draw_worst_points(&rng, p->x, p->n, p->d, m->delta);
    else
        draw_sphere_points(&rng, p->x, p->n, p->d);
    double y2 = 0.0;
    for (int i = 0; i < p->n; i++) {
        p->y[i] = m->labels == OVS_LABELS_SIGN ? (ovs_rng_uniform(&rng) < 0.5 ? -1.0 : 1.0)
                                               : ovs_rng_normal(&rng);
        y2 += p->y[i] * p->y[i];
    }
    p->y_norm = sqrt(y2);
    draw_weights(p, seed, trial);
}

void ovs_problem_draw_sharing(ovs_problem *p, const ovs_problem *data, uint64_t seed, int trial)
{
    memcpy(p->y, data->y, sizeof(double) * (size_t)p->n);
    p->y_norm = data->y_norm;
    draw_weights(p, seed, trial);
}
