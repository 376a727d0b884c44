/* method.c - method names, costs and dispatch; see method.h. */
#include "method.h"

#include "rf.h"
#include "sgd.h"
#include "status.h"

#include <string.h>

static const char *const names[OVS_METHOD_COUNT] = {"gd", "sgd", "rf"};
static const char *const units[OVS_METHOD_COUNT] = {"update", "epoch", "none"};

const char *ovs_method_name(int method)
{
    return method >= 0 && method < OVS_METHOD_COUNT ? names[method] : "?";
}

int ovs_method_find(const char *name)
{
    for (int m = 0; m < OVS_METHOD_COUNT; m++)
        if (strcmp(names[m], name) == 0)
            return m;
    return -1;
}

const char *ovs_method_iteration_unit(int method)
{
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

int ovs_method_run(int method, const ovs_problem *p, const ovs_train_opts *opts,
                   ovs_train_workspace *ws, uint64_t seed, int trial, ovs_train_result *res)
{
    switch (method) {
    case OVS_METHOD_GD: return ovs_train_run(p, opts, ws, res);
    case OVS_METHOD_SGD: return ovs_sgd_run(p, opts, seed, trial, res);
    case OVS_METHOD_RF: return ovs_rf_run(p, opts, res);
    default: return OVS_EINVAL;
    }
}
