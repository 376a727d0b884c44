/* main.c - ovsweep entry point: MPI start-up, parse, run the sweep, exit status.
 *
 * Usage errors: every rank parses the same argv and reaches the same verdict, so rank 0
 * prints one line and all ranks finalise and exit 2 without touching any file. */
#include "cli.h"
#include "compiler.h"
#include "h5write.h"
#include "linalg.h"
#include "resumeargs.h"
#include "settings_text.h"
#include "simd.h"
#include "status.h"
#include "stop.h"
#include "version.h"
#include "sweep.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Signals are caught from before main: a rank that mpirun has just started may be signalled
 * while its shared libraries still load, and MPI_Init itself takes seconds at 64 ranks. */
__attribute__((constructor)) static void catch_signals_early(void)
{
    ovs_stop_catch_signals();
}

/* --version: the program, and what it was built with and runs on here (run it on each kind
 * of node: the file records the same for the ranks of a run). */
static void print_version(void)
{
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi, &len);
    mpi[strcspn(mpi, "\n")] = '\0';
    printf("ovsweep %s (git %s)\n"
           "compiler: %s\n"
           "kernels: %s (the build this CPU runs)\n"
           "OpenBLAS: %s; kernels %s\n"
           "HDF5: %s\n"
           "MPI: %s\n",
           OVS_VERSION, OVS_GIT, OVS_COMPILER, ovs_simd_isa_name(ovs_simd_isa()),
           ovs_linalg_config(), ovs_linalg_core(), ovs_h5_library_version(), mpi);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    /* One rank = one core: BLAS threads would oversubscribe the node (also set
     * OPENBLAS_NUM_THREADS=1 so the idle thread pool is not even created). */
    ovs_linalg_single_thread();
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    ovs_config cfg;
    char err[OVS_ERR_MAX];
    int status;
    int rc = ovs_cli_parse(argc, argv, &cfg, err, sizeof err);
    const int info = cfg.help || cfg.version || cfg.print_settings;
    if (rc == OVS_OK && cfg.resume && !info)
        rc = ovs_resume_args(MPI_COMM_WORLD, argc, argv, &cfg, err, sizeof err);
    else if (rc == OVS_OK && cfg.merge[0] && !info)
        rc = ovs_merge_args(MPI_COMM_WORLD, argc, argv, &cfg, err, sizeof err);
    if (rc == OVS_ESTOPPED) { /* a stop while --resume read the file's settings */
        if (rank == 0)
            fprintf(stderr, "ovsweep: %s\n", err);
        status = OVS_EXIT_INTERRUPTED;
    } else if (rc != OVS_OK) {
        if (rank == 0)
            fprintf(stderr, "ovsweep: %s (see --help)\n", err);
        status = OVS_EXIT_USAGE;
    } else if (cfg.help || cfg.version || cfg.print_settings) {
        if (rank == 0 && cfg.help)
            ovs_cli_usage(stdout);
        else if (rank == 0 && cfg.print_settings)
            ovs_settings_print_table(stdout);
        else if (rank == 0)
            print_version();
        status = OVS_EXIT_OK;
    } else {
        int unclean = 0;
        status = ovs_sweep_run(MPI_COMM_WORLD, &cfg, &unclean);
        if (unclean) {
            /* HDF5 would retry closing the file it could not close inside MPI_Finalize, a
             * collective that the ranks, in different states after the error, never finish.
             * Every rank agreed on the failure and leaves here alike. */
            fflush(NULL);
            _exit(status);
        }
    }
    ovs_cli_free(&cfg);
    MPI_Finalize();
    return status;
}
