/* testopts.h - the tests' flat view of a trial's options (method options and protocol in one
 * struct, which the tests vary one field at a time), and the calls that split it into what
 * each method takes. Test-only convenience. */
#ifndef OVS_TESTOPTS_H
#define OVS_TESTOPTS_H

#include "activation.h"
#include "protocol.h"
#include "rf.h"
#include "sgd.h"
#include "train.h"

#include <string.h>

typedef struct topts {
    const ovs_activation *act;
    double eta;
    int kernel;
    int early_fail;
    int max_iter;
    double tol;
    const double *ladder;
    int n_ladder;
    int (*poll)(void *ctx);
    void *poll_ctx;
    int poll_every;
} topts;

static inline ovs_protocol topts_protocol(const topts *o)
{
    return (ovs_protocol){.max_iter = o->max_iter, .tol = o->tol, .ladder = o->ladder,
                          .n_ladder = o->n_ladder, .early_fail = o->early_fail,
                          .poll = o->poll, .poll_ctx = o->poll_ctx, .poll_every = o->poll_every};
}

/* The paper's options for act: eta 0.1 (relu) or 0.15, tol 2.5e-3 with its ladder (written to
 * ladder, OVS_LADDER_MAX doubles), max_iter updates; the rest zero. */
static inline topts topts_paper(const char *act, int max_iter, double *ladder)
{
    topts o = {0};
    o.act = ovs_activation_find(act);
    o.eta = strcmp(act, "relu") == 0 ? 0.1 : 0.15;
    o.max_iter = max_iter;
    o.tol = 2.5e-3;
    o.ladder = ladder;
    o.n_ladder = ovs_protocol_ladder(o.tol, ladder, OVS_LADDER_MAX);
    return o;
}

static inline int run_gd(const ovs_problem *p, const topts *o, ovs_train_workspace *ws,
                         ovs_result *res)
{
    const ovs_gd_opts g = {o->act, o->eta, o->kernel};
    const ovs_protocol pr = topts_protocol(o);
    return ovs_train_run(p, &g, &pr, ws, res);
}

static inline int run_sgd(const ovs_problem *p, const topts *o, uint64_t seed, int trial,
                          ovs_result *res)
{
    const ovs_protocol pr = topts_protocol(o);
    return ovs_sgd_run(p, o->act, o->eta, &pr, seed, trial, res);
}

static inline int run_rf(const ovs_problem *p, const topts *o, ovs_result *res, double *v,
                         ovs_rf_extra *extra)
{
    const ovs_protocol pr = topts_protocol(o);
    return ovs_rf_fit(p, o->act, &pr, res, v, extra);
}

#endif
