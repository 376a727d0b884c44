/* h5schema.h - the ovsweep file's schema, stated once: the per-trial and per-cell datasets
 * (names, element types, fill values, where each per-trial value sits in a record) and the
 * format's name and version. The writer (h5write.c), the resume reader (h5read.c) and the
 * layout documentation (docs/HDF5_LAYOUT.md) follow these tables.
 *
 * Pure: no HDF5 here (the element types are mapped to HDF5 types in h5attr.h). */
#ifndef OVS_H5SCHEMA_H
#define OVS_H5SCHEMA_H

#include <stddef.h>

#define OVS_FORMAT_NAME "ovsweep-sweep"
#define OVS_FORMAT_VERSION 1

typedef enum { OVS_ELEM_I8, OVS_ELEM_I32, OVS_ELEM_F64 } ovs_elem;

size_t ovs_elem_size(ovs_elem t);

/* A per-trial dataset, shape [k][d][trial], filled from ovs_record (trial.h). */
typedef struct ovs_field {
    const char *name;
    ovs_elem type;
    size_t offset; /* of the value in ovs_record */
    double fill;   /* value of a trial not run yet */
    int when;      /* OVS_FIELD_*: in which sweeps it is stored */
    int optional;  /* may be absent in older files (read as fill) */
} ovs_field;

enum {
    OVS_FIELD_ALWAYS = 0,
    OVS_FIELD_DIAGNOSTICS = 1, /* sweeps with --diagnostics */
    OVS_FIELD_ETA_AUTO = 2     /* sweeps with an --eta ACT=auto rule */
};

/* Every per-trial field (besides `done` and the 4-D `ladder_hit_iter`), in file order. */
int ovs_schema_trial_fields(const ovs_field **fields);

struct ovs_config;
/* Whether the sweep of c stores field f. */
int ovs_schema_field_stored(const ovs_field *f, const struct ovs_config *c);

/* The group attribute that holds C of --eta ACT=auto:C (absent for a fixed eta). */
#define OVS_ETA_AUTO_ATTR "eta_auto"

/* A per-cell summary dataset, shape [k][d]. */
typedef struct ovs_cell_field {
    const char *name;
    ovs_elem type;
} ovs_cell_field;

/* success_prob, success_count, trials_done, planned, in file order. */
int ovs_schema_cell_fields(const ovs_cell_field **fields);

/* The per-trial flag of finished trials and the first-hit iterations of the tolerance
 * ladder ([k][d][trial][rung]; fill -1). */
#define OVS_DONE_NAME "done"
#define OVS_LADDER_NAME "ladder_hit_iter"

/* What a dataset means, for other tools (CF / netCDF conventions; the root attribute
 * Conventions names them): long_name and units on every result dataset; flag_values 0..n-1
 * with flag_meanings on the int8 flags; _FillValue on the datasets whose "not run" marker is
 * a value no result takes (-1 counts, NaN reals), so xarray masks them without hand work. */
typedef struct ovs_dataset_doc {
    const char *name;
    const char *long_name;
    const char *units;         /* CF units: "1" for a dimensionless quantity */
    const char *flag_meanings; /* int8 flags: one word per value 0, 1, ...; else NULL */
    int has_fill;              /* _FillValue: -1 for integers, NaN for reals */
} ovs_dataset_doc;

#define OVS_CONVENTIONS "CF-1.8"

/* The doc of the dataset called name, or NULL (scales and others carry none). */
const ovs_dataset_doc *ovs_schema_doc(const char *name);

/* Rank 0 writes a per-trial dataset [K][D][T][per] (elem bytes a value: the fill values and
 * its own records) in blocks of consecutive (k, d) cells, each one hyperslab: whole rows of k
 * where a row fits in budget bytes, else part of one row, at least one cell (T * per values).
 * Returns the cells of a block: a multiple of D (rows) or fewer than D (part of a row). A
 * block then holds at most max(budget, one cell's bytes): with T <= OVS_MAX_TRIALS and
 * per <= OVS_LADDER_MAX, 6.4 MB, where a whole row at the caps would be 6.1 GiB. */
size_t ovs_schema_block_cells(size_t K, size_t D, size_t T, size_t per, size_t elem,
                              size_t budget);

#endif
