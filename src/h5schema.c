/* h5schema.c - the dataset tables; see h5schema.h and docs/HDF5_LAYOUT.md. */
#include "h5schema.h"

#include "trial.h"

#include <math.h>
#include <stddef.h>

size_t ovs_elem_size(ovs_elem t)
{
    return t == OVS_ELEM_I8 ? 1 : t == OVS_ELEM_I32 ? 4 : 8;
}

#define REC(field) offsetof(ovs_record, field)

static const ovs_field trial_fields[] = {
    {"success", OVS_ELEM_I8, REC(success), 0, 0, 0},
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
};

static const ovs_cell_field cell_fields[] = {
    {"success_prob", OVS_ELEM_F64},
    {"success_count", OVS_ELEM_I32},
    {"trials_done", OVS_ELEM_I32},
    {"planned", OVS_ELEM_I8},
};

int ovs_schema_trial_fields(const ovs_field **fields)
{
    *fields = trial_fields;
    return (int)(sizeof trial_fields / sizeof trial_fields[0]);
}

int ovs_schema_cell_fields(const ovs_cell_field **fields)
{
    *fields = cell_fields;
    return (int)(sizeof cell_fields / sizeof cell_fields[0]);
}
