/* method.c - method names, costs and the dispatch on (method, precision); see method.h. */
#include "method.h"

#include "rf.h"
#include "sgd.h"
#include "status.h"
#include "train.h"

OVS_NAMES_OF(ovs_method_names, "method", "gd", "sgd", "rf");
OVS_NAMES_OF(ovs_precision_names, "precision", "double");

const char *ovs_method_iteration_unit(int method)
{
    static const char *const units[OVS_METHOD_COUNT] = {"update", "epoch", "none"};
    return method >= 0 && method < OVS_METHOD_COUNT ? units[method] : "?";
}

double ovs_method_cost(int method, int n, int k, int d, int max_iter)
{
    const double nk = (double)n * k, kd = (double)k * d;
    switch (method) {
    case OVS_METHOD_SGD: /* per epoch: n single-sample steps and one full evaluation */
        return (double)max_iter * ((double)n * (4.0 * kd + 20.0 * k + 100.0) + 2.0 * nk * d);
    case OVS_METHOD_RF: { /* forming Phi, then an SVD-based least squares */
        double m = n < k ? n : k;
        return 2.0 * nk * d + 12.0 * nk * m + 1e4;
    }
    default: /* two n*k*d products, elementwise work on n*k entries, call overhead */
        return (double)max_iter * (4.0 * nk * d + 20.0 * nk + 2000.0);
    }
}

/* gd in float64 with a workspace of the problem's shape. */
static int run_gd(const ovs_method_spec *m, const ovs_problem *p, const ovs_protocol *proto,
                  ovs_result *res)
{
    ovs_train_workspace ws;
    int rc = ovs_train_workspace_alloc(&ws, p->n, p->k, p->d);
    if (rc == OVS_OK) {
        const ovs_gd_opts o = {m->act, m->eta, m->kernel};
        rc = ovs_train_run(p, &o, proto, &ws, res);
    }
    ovs_train_workspace_free(&ws);
    return rc;
}

int ovs_method_run(const ovs_method_spec *m, const ovs_problem *p, const ovs_protocol *proto,
                   ovs_result *res)
{
    ovs_protocol plain = *proto; /* the other methods have no early stop */
    plain.early_fail = 0;
    switch (m->method) {
    case OVS_METHOD_GD: return m->precision == OVS_PRECISION_DOUBLE ? run_gd(m, p, proto, res)
                                                                    : OVS_EINVAL;
    case OVS_METHOD_SGD: return ovs_sgd_run(p, m->act, m->eta, &plain, m->seed, m->trial, res);
    case OVS_METHOD_RF: return ovs_rf_run(p, m->act, &plain, res);
    default: return OVS_EINVAL;
    }
}

static int all_gd(int count, const ovs_method_spec *m)
{
    int gd = 1;
    for (int j = 0; j < count; j++)
        gd &= m[j].method == OVS_METHOD_GD && m[j].precision == OVS_PRECISION_DOUBLE;
    return gd;
}

int ovs_method_run_lockstep(int count, const ovs_method_spec *m, const ovs_problem *p,
                            const ovs_protocol *proto, ovs_result *res)
{
    if (count == 1)
        return ovs_method_run(m, p, proto, res);
    if (count < 1 || count > OVS_LOCKSTEP_MAX || !all_gd(count, m))
        return OVS_EINVAL;
    ovs_train_workspace ws[OVS_LOCKSTEP_MAX];
    ovs_gd_opts o[OVS_LOCKSTEP_MAX];
    ovs_train_job jobs[OVS_LOCKSTEP_MAX];
    int rc = OVS_OK, made = 0;
    for (; made < count && rc == OVS_OK; made++) {
        rc = ovs_train_workspace_alloc(&ws[made], p[made].n, p[made].k, p[made].d);
        o[made] = (ovs_gd_opts){m[made].act, m[made].eta, m[made].kernel};
        jobs[made] = (ovs_train_job){&p[made], &o[made], &proto[made], &ws[made], &res[made], 0};
    }
    if (rc == OVS_OK)
        rc = ovs_train_run_lockstep(count, jobs);
    for (int j = 0; j < made; j++)
        ovs_train_workspace_free(&ws[j]);
    return rc;
}
