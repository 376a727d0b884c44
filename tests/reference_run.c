/* reference_run.c - every planned trial of an ovsweep command line, run in this process
 * without MPI or HDF5, printed one line per trial: the reference against which
 * tests/file_check.py holds each per-trial dataset of the file that bin/ovsweep writes for
 * the same command line.
 *
 *   build/reference_run OVSWEEP-OPTIONS...  >ref.txt
 *
 * The fields are printed by their record members' names, not through the file schema
 * (h5schema.c): a schema that sends a value to the wrong dataset must not fool the check.
 * Floats in C99 hexadecimal (exact). Test-only. */
#include "inproc.h"

#include <math.h>
#include <stdio.h>

static void print_record(const inproc *r, const ovs_record *rec)
{
    ovs_item it;
    ovs_plan_item(&r->plan, rec->item, &it);
    printf("%s %d %d %d %d %d %d %d %a %a %a", r->plan.groups[it.g].name, it.k, it.d, it.t,
           rec->success, rec->diverged, rec->early_stopped, rec->iterations,
           rec->final_rel_err, rec->dist_from_init, rec->path_length);
    printf(" %a %a %a %a %a ", rec->x_norm, rec->kr_sigma_min, rec->nn_lambda,
           rec->jac_sigma_min, rec->initial_rel_err);
    for (int j = 0; j < r->plan.n_ladder; j++)
        printf("%s%d", j ? "," : "", rec->ladder_hit[j]);
    putchar('\n');
}

int main(int argc, char **argv)
{
    inproc r;
    char err[OVS_ERR_MAX];
    if (inproc_open(&r, argc, argv, err, sizeof err) != OVS_OK) {
        fprintf(stderr, "reference_run: %s\n", err);
        return 2;
    }
    printf("# group k d trial success diverged early_stopped iterations final_rel_err "
           "dist_from_init path_length x_norm kr_sigma_min nn_lambda jac_sigma_min "
           "initial_rel_err ladder_hit_iter\n");
    int rc = 0;
    for (int64_t item = 0; item < r.plan.n_items && rc == 0; item++) {
        ovs_item it;
        ovs_plan_item(&r.plan, item, &it);
        if (!ovs_plan_cell_planned(&r.plan, it.g, it.ki, it.di))
            continue;
        ovs_record rec;
        if (inproc_run(&r, item, &rec) != OVS_OK) {
            fprintf(stderr, "reference_run: item %lld failed\n", (long long)item);
            rc = 1;
        } else {
            print_record(&r, &rec);
        }
    }
    inproc_close(&r);
    return rc;
}
