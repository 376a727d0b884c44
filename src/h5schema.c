/* h5schema.c - the dataset tables; see h5schema.h and docs/HDF5_LAYOUT.md. */
#include "h5schema.h"

#include "config.h"
#include "trial.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

size_t ovs_elem_size(ovs_elem t)
{
    return t == OVS_ELEM_I8 ? 1 : t == OVS_ELEM_I32 ? 4 : 8;
}

size_t ovs_schema_block_cells(size_t K, size_t D, size_t T, size_t per, size_t elem,
                              size_t budget)
{
    const size_t cell = T * per * elem;
    const size_t fit = cell > 0 && budget / cell > 0 ? budget / cell : 1;
    if (fit < D)
        return fit;
    const size_t rows = fit / D < K ? fit / D : K;
    return (rows > 0 ? rows : 1) * D;
}

#define REC(field) offsetof(ovs_record, field)

static const ovs_field trial_fields[] = {
    {"success", OVS_ELEM_I8, REC(success), -1, 0, 0}, /* -1: not run (_FillValue) */
    {"diverged", OVS_ELEM_I8, REC(diverged), 0, 0, 0},
    /* written since --early-fail exists; older files lack it (= 0) */
    {"early_stopped", OVS_ELEM_I8, REC(early_stopped), 0, 0, 1},
    {"iterations", OVS_ELEM_I32, REC(iterations), -1, 0, 0},
    {"final_rel_err", OVS_ELEM_F64, REC(final_rel_err), NAN, 0, 0},
    {"dist_from_init", OVS_ELEM_F64, REC(dist_from_init), NAN, 0, 0},
    {"path_length", OVS_ELEM_F64, REC(path_length), NAN, 0, 0},
    {"wall_seconds", OVS_ELEM_F64, REC(wall_seconds), NAN, 0, 0},
    {"x_norm", OVS_ELEM_F64, REC(x_norm), NAN, 1, 0},
    {"kr_sigma_min", OVS_ELEM_F64, REC(kr_sigma_min), NAN, 1, 0},
    {"nn_lambda", OVS_ELEM_F64, REC(nn_lambda), NAN, 1, 0},
    {"jac_sigma_min", OVS_ELEM_F64, REC(jac_sigma_min), NAN, 1, 0},
    {"initial_rel_err", OVS_ELEM_F64, REC(initial_rel_err), NAN, 1, 0},
    {"eta", OVS_ELEM_F64, REC(eta), NAN, OVS_FIELD_ETA_AUTO, 0},
    {"lambda_max", OVS_ELEM_F64, REC(lambda_max), NAN, OVS_FIELD_ETA_AUTO, 0},
    /* written since round 45; older files lack it (= 0: not recorded) */
    {"lambda_products", OVS_ELEM_I32, REC(lambda_products), -1, OVS_FIELD_ETA_AUTO, 1},
};

static const ovs_cell_field cell_fields[] = {
    {"success_prob", OVS_ELEM_F64},
    {"success_count", OVS_ELEM_I32},
    {"trials_done", OVS_ELEM_I32},
    {"planned", OVS_ELEM_I8},
};

static const ovs_dataset_doc docs[] = {
    {"success_prob", "fraction of the cell's finished trials that succeeded", "1", NULL, 1},
    {"success_count", "successful trials in the cell", "1", NULL, 0},
    {"trials_done", "finished trials in the cell", "1", NULL, 0},
    {"planned", "whether the cell is part of the sweep", "1", "not_run planned", 0},
    {OVS_DONE_NAME, "whether the trial has finished", "1", "not_done done", 0},
    {"success", "whether the relative error fell below tol within the budget", "1",
     "failure success", 1},
    {"diverged", "whether the residual became non-finite", "1", "no diverged", 0},
    {"early_stopped", "whether --early-fail stopped the trial", "1", "no early_stopped", 0},
    {"iterations", "iterations applied (see the group's iteration_unit)", "1", NULL, 1},
    {"final_rel_err", "relative error ||f(W_T) - y|| / ||y|| at the stop", "1", NULL, 1},
    {"dist_from_init", "Frobenius distance ||W_T - W_0||", "1", NULL, 1},
    {"path_length", "sum of the steps' Frobenius norms ||W_{t+1} - W_t||", "1", NULL, 1},
    {"wall_seconds", "wall time of the trial", "s", NULL, 1},
    {"x_norm", "spectral norm of the data matrix X", "1", NULL, 1},
    {"kr_sigma_min", "smallest singular value of the Khatri-Rao product X * X", "1", NULL, 1},
    {"nn_lambda", "lambda(X) of Definition 6.1", "1", NULL, 1},
    {"jac_sigma_min", "n-th singular value of the Jacobian at W_0", "1", NULL, 1},
    {"initial_rel_err", "relative error ||f(W_0) - y|| / ||y||", "1", NULL, 1},
    {"eta", "step size of the trial (--eta ACT=auto:C: C / lambda_max)", "1", NULL, 1},
    {"lambda_max", "largest eigenvalue of J(W_0) J(W_0)^T", "1", NULL, 1},
    {"lambda_products", "products with J(W_0) J(W_0)^T that found lambda_max (0: not recorded)",
     "1", NULL, 1},
    {OVS_LADDER_NAME, "first iteration at which the error fell below each rung (-1: never)",
     "1", NULL, 1},
    {"row_midpoint", "kd/n at which half of the row's trainings succeed", "1", NULL, 1},
    {"row_ci_low", "lower end of the midpoint's 95% interval (kd/n)", "1", NULL, 1},
    {"row_ci_high", "upper end of the midpoint's 95% interval (kd/n)", "1", NULL, 1},
    {"row_width", "10-90% width of the row's transition (kd/n)", "1", NULL, 1},
    {"row_trainings", "trainings the adaptive design ran in the row", "1", NULL, 0},
    {"row_status", "why the row stopped (flag_meanings: the design's status names)", "1", NULL,
     0},
    {"history_trainings", "the group's trainings after each round", "1", NULL, 0},
    {"history_ci_low", "each row's lower 95% bound after each round (kd/n)", "1", NULL, 1},
    {"history_ci_high", "each row's upper 95% bound after each round (kd/n)", "1", NULL, 1},
};

const ovs_dataset_doc *ovs_schema_doc(const char *name)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (strcmp(docs[i].name, name) == 0)
            return &docs[i];
    return NULL;
}

int ovs_schema_trial_fields(const ovs_field **fields)
{
    *fields = trial_fields;
    return (int)(sizeof trial_fields / sizeof trial_fields[0]);
}

int ovs_schema_field_stored(const ovs_field *f, const struct ovs_config *c)
{
    if (f->when == OVS_FIELD_DIAGNOSTICS)
        return c->diagnostics;
    if (f->when == OVS_FIELD_ETA_AUTO) {
        for (int a = 0; a < c->act_count; a++)
            if (c->eta_auto[a] > 0)
                return 1;
        return 0;
    }
    return 1;
}

int ovs_schema_cell_fields(const ovs_cell_field **fields)
{
    *fields = cell_fields;
    return (int)(sizeof cell_fields / sizeof cell_fields[0]);
}
