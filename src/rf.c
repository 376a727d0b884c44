/* rf.c - random features: least squares on the output layer at W0; see rf.h. */
#include "rf.h"

#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ovs_rf_features(const ovs_problem *p, const ovs_activation *act, double *phi,
                     double *scratch)
{
    const int n = p->n, k = p->k, d = p->d;
    for (int i = 0; i < n; i++) {
        const double *x = p->x + (size_t)i * (size_t)d;
        double *z = scratch + (size_t)i * (size_t)k;
        for (int j = 0; j < k; j++) {
            const double *w = p->w0 + (size_t)j * (size_t)d;
            double s = 0.0;
            for (int l = 0; l < d; l++)
                s += w[l] * x[l];
            z[j] = s;
        }
    }
    /* phi' is not needed; it overwrites the pre-activations in place (allowed by eval). */
    act->eval(scratch, phi, scratch, (size_t)n * (size_t)k);
}

int ovs_rf_fit(const ovs_problem *p, const ovs_activation *act, const ovs_protocol *proto,
               ovs_result *res, double *v_out, ovs_rf_extra *extra)
{
    if (!act || ovs_protocol_check(proto, p) != OVS_OK)
        return OVS_EINVAL;
    int rc = OVS_OK;
    const int n = p->n, k = p->k;
    const size_t nk = (size_t)n * (size_t)k;
    double *phi = malloc(sizeof(double) * nk);
    double *scratch = malloc(sizeof(double) * nk);
    double *v = malloc(sizeof(double) * (size_t)k);
    int rank = -1;
    if (!phi || !scratch || !v) {
        rc = OVS_ENOMEM;
        goto out;
    }
    ovs_rf_features(p, act, phi, scratch);
    rc = ovs_linalg_lstsq_min_norm(n, k, phi, p->y, v, &rank);
    if (rc != OVS_OK)
        goto out;

    /* The residual from Phi and v* directly (dgelsd reports residual sums only for
     * overdetermined full-rank systems). */
    double r2 = 0.0, v2 = 0.0;
    for (int i = 0; i < n; i++) {
        const double *phi_i = phi + (size_t)i * (size_t)k;
        double f = 0.0;
        for (int j = 0; j < k; j++)
            f += phi_i[j] * v[j];
        double r = f - p->y[i];
        r2 += r * r;
    }
    for (int j = 0; j < k; j++)
        v2 += v[j] * v[j];
    double rel = sqrt(r2) / p->y_norm;

    ovs_result_start(res);
    res->final_rel_err = rel;
    res->diverged = !isfinite(rel);
    res->success = rel < proto->tol; /* false for NaN */
    ovs_protocol_record_ladder(proto, rel, 0, res);
    if (v_out)
        memcpy(v_out, v, sizeof(double) * (size_t)k);
    if (extra)
        *extra = (ovs_rf_extra){.rank = rank, .v_norm = sqrt(v2)};
out:
    free(phi);
    free(scratch);
    free(v);
    return rc;
}

int ovs_rf_run(const ovs_problem *p, const ovs_activation *act, const ovs_protocol *proto,
               ovs_result *res)
{
    return ovs_rf_fit(p, act, proto, res, NULL, NULL);
}
