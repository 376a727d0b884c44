/* h5design.c - the adaptive design's rows and history in a group; see h5design.h. */
#include "h5design.h"

#include "h5attr.h"
#include "status.h"

#include <hdf5_hl.h>

#include <stdlib.h>
#include <string.h>

/* A [D] dataset of the rows, the d scale attached. */
static void write_rows(ovs_writer *w, hid_t grp, const char *name, hid_t type,
                       const void *buf, const ovs_scales *sc)
{
    const hsize_t D = (hsize_t)w->plan->D;
    hid_t ds = ovs_writer_dataset(w, grp, name, type, 1, &D, NULL, 1);
    if (ds >= 0) {
        ovs_writer_by_root(w, ds, type, buf);
        ovs_writer_attach(w, ds, sc, 1, OVS_SCALE_D);
        ovs_writer_describe(w, ds, name, type);
    }
    if (ds >= 0 && strcmp(name, "row_status") == 0) { /* CF flags: what each value means */
        int8_t values[OVS_ROW_STATUS_COUNT];
        char meanings[256] = "";
        for (int i = 0; i < OVS_ROW_STATUS_COUNT; i++) {
            values[i] = (int8_t)i;
            strcat(meanings, i ? " " : "");
            strcat(meanings, ovs_row_status_names.name(i));
        }
        H5C(w, ovs_h5_attr_write(ds, "flag_values", H5T_NATIVE_INT8, values,
                                 OVS_ROW_STATUS_COUNT));
        H5C(w, ovs_h5_attr_write_str(ds, "flag_meanings", meanings));
    }
    ovs_writer_close(w, ds);
}

/* The history, [R] and [R][D], with a `round` scale (1..R) on dimension 0 and d on 1, so
 * netCDF readers see named dimensions. */
static void write_history(ovs_writer *w, hid_t grp, int g, const ovs_design *d,
                          const ovs_scales *sc)
{
    const int R = ovs_design_round(d), D = w->plan->D;
    if (R == 0)
        return; /* no round closed yet: no history */
    int32_t *tr = malloc(sizeof *tr * (size_t)R), *rounds = malloc(sizeof *rounds * (size_t)R);
    double *lo = malloc(sizeof *lo * (size_t)R * D), *hi = malloc(sizeof *hi * (size_t)R * D);
    if (!tr || !rounds || !lo || !hi)
        OVS_WRITER_NO_MEMORY(w);
    for (int r = 0; !w->failed && r < R; r++) {
        rounds[r] = r + 1;
        tr[r] = ovs_design_history_trainings(d, g, r);
        for (int di = 0; di < D; di++)
            ovs_design_history_ci(d, g, r, di, &lo[(size_t)r * D + di], &hi[(size_t)r * D + di]);
    }
    const hsize_t dims[2] = {(hsize_t)R, (hsize_t)D};
    const hid_t round_scale = w->failed ? -1 : ovs_writer_scale(w, grp, "round", H5T_NATIVE_INT32,
                                                                 dims[0], rounds);
    const struct {
        const char *name;
        hid_t type;
        int rank;
        const void *buf;
    } sets[] = {{"history_trainings", H5T_NATIVE_INT32, 1, tr},
                {"history_ci_low", H5T_NATIVE_DOUBLE, 2, lo},
                {"history_ci_high", H5T_NATIVE_DOUBLE, 2, hi}};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        hid_t ds = ovs_writer_dataset(w, grp, sets[i].name, sets[i].type, sets[i].rank, dims,
                                      NULL, 1);
        if (ds >= 0) {
            ovs_writer_by_root(w, ds, sets[i].type, sets[i].buf);
            H5C(w, H5DSattach_scale(ds, round_scale, 0));
            if (sets[i].rank == 2)
                H5C(w, H5DSattach_scale(ds, sc->d, 1));
            ovs_writer_describe(w, ds, sets[i].name, sets[i].type);
        }
        ovs_writer_close(w, ds);
    }
    ovs_writer_close(w, round_scale);
    free(rounds);
    free(tr);
    free(lo);
    free(hi);
}

void ovs_h5_write_design(ovs_writer *w, hid_t grp, int g, const ovs_design *d,
                         const ovs_scales *sc)
{
    const int D = w->plan->D;
    double *f[4];
    int32_t *trainings = malloc(sizeof *trainings * (size_t)D);
    int8_t *status = malloc((size_t)D);
    int ok = trainings && status;
    for (int i = 0; i < 4; i++)
        ok &= (f[i] = malloc(sizeof(double) * (size_t)D)) != NULL;
    if (!ok)
        OVS_WRITER_NO_MEMORY(w);
    for (int di = 0; ok && di < D; di++) {
        ovs_row_summary r;
        ovs_design_row(d, g, di, &r);
        f[0][di] = r.midpoint;
        f[1][di] = r.ci_low;
        f[2][di] = r.ci_high;
        f[3][di] = r.width;
        trainings[di] = r.trainings;
        status[di] = (int8_t)r.status;
    }
    const char *names[4] = {"row_midpoint", "row_ci_low", "row_ci_high", "row_width"};
    for (int i = 0; i < 4; i++)
        write_rows(w, grp, names[i], H5T_NATIVE_DOUBLE, f[i], sc);
    write_rows(w, grp, "row_trainings", H5T_NATIVE_INT32, trainings, sc);
    write_rows(w, grp, "row_status", H5T_NATIVE_INT8, status, sc);
    const int32_t round = ovs_design_round(d);
    H5C(w, ovs_h5_attr_write(grp, "design_rounds", H5T_NATIVE_INT32, &round, 0));
    write_history(w, grp, g, d, sc);
    for (int i = 0; i < 4; i++)
        free(f[i]);
    free(trainings);
    free(status);
}
