/* inproc.h - a command line's trials run in this process, without MPI or HDF5: the
 * reference that the known answers (test_known.c) and the file checks (reference_run.c,
 * tests/file_test.sh) hold the engine to. The command line goes through the same parser,
 * settings table and plan as bin/ovsweep's, so that a wrong default or a wrong step size in
 * the plan changes the reference's results too, and the stored answers catch it.
 * Test-only. */
#ifndef OVS_INPROC_H
#define OVS_INPROC_H

#include "cli.h"
#include "plan.h"
#include "status.h"
#include "trial.h"

#include <stdio.h>
#include <string.h>

typedef struct inproc {
    ovs_config cfg;
    ovs_plan plan;
} inproc;

/* Parse "ovsweep ARGS..." (argv[0] is the program name) and build its plan. OVS_OK, or an
 * error with one line in err. */
static inline int inproc_open(inproc *r, int argc, char **argv, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int rc = ovs_cli_parse(argc, argv, &r->cfg, err, errlen);
    if (rc == OVS_OK && (rc = ovs_plan_build(&r->cfg, &r->plan)) != OVS_OK)
        snprintf(err, errlen, "out of memory building the plan");
    return rc;
}

static inline void inproc_close(inproc *r)
{
    ovs_plan_free(&r->plan);
    ovs_cli_free(&r->cfg);
}

/* Item number of (group g, trial t) in a plan of one cell per group. */
static inline int64_t inproc_item(const inproc *r, int g, int t)
{
    return (int64_t)g * r->plan.K * r->plan.D * r->plan.T + t;
}

/* Run item from scratch as a rank of the sweep would (no cache, no poll hook). */
static inline int inproc_run(const inproc *r, int64_t item, ovs_record *rec)
{
    int aborted = 0;
    int rc = ovs_trial_run(&r->plan, item, NULL, NULL, NULL, rec, &aborted);
    return rc == OVS_OK && aborted ? OVS_EINVAL : rc;
}

#endif
