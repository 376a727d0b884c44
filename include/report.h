/* report.h - text output of rank 0: the dry-run plan, progress lines, the final heatmaps.
 *
 * Pure: writes to a FILE* it is given; no MPI, no HDF5. */
#ifndef OVS_REPORT_H
#define OVS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "plan.h"

/* The plan: groups, cells, trials, estimated cost (rate = cost units per second per rank,
 * measured by the caller; 0 if unknown). */
void ovs_report_plan(FILE *out, const ovs_plan *plan, int64_t todo, double todo_cost,
                     double rate, int ranks);

/* One progress line: done/total trials, successes, elapsed, ETA from the cost model, and the
 * caller's extra text (or NULL). */
void ovs_report_progress(FILE *out, int64_t done, int64_t total, int64_t successes,
                         double elapsed, double eta_seconds, const char *extra);

/* Text heatmap of group g: a row per k (largest on top), a column per d; each cell is the
 * success probability in tenths ('0'..'9', '#' for 1, '.' for no trials); a '|' stands
 * before the first cell of each row with k*d >= n, tracing the kd = n curve.
 * counts are [groups][K][D]. */
void ovs_report_heatmap(FILE *out, const ovs_plan *plan, int g, const int32_t *success_count,
                        const int32_t *trials_done);

/* --design adaptive: the cost bound of --max-trainings (capped_cost: the most expensive
 * --max-trainings trials of each group, in the plan's cost units; ignored without a cap).
 * Prints nothing for a grid, or when the rate or the bound is unknown (< 0). */
void ovs_report_adaptive_bound(FILE *out, const ovs_plan *plan, double capped_cost, double rate,
                               int ranks);

/* One line, after `lead`, where an adaptive design leaves ranks waiting: each round proposes
 * --batch trainings and closes when all of them are done, so at most that many of the ranks
 * train at once (the large-n study's --batch 12 on 64 ranks: 52 wait). Nothing for a grid
 * or where the batch covers the ranks. */
void ovs_report_design_ranks(FILE *out, const ovs_plan *p, int ranks, const char *lead);

/* The storage a run needs: the file (and the free space where it goes; < 0: unknown), rank
 * 0's memory (loaded: finished trials read from a resumed file) and the other ranks' (worker
 * bytes, at the given ranks: 1 means a singleton, then said for 2). */
void ovs_report_storage(FILE *out, double file_bytes, double free_bytes, double rank0_bytes,
                        int64_t loaded, double worker_bytes, int ranks);

/* Rank 0's peak memory, about (bytes): the process itself, the queue, its share of the
 * records (ranks share the work), a resumed file's records while they are loaded and shared
 * (loaded > 0), one trial, and the checkpoint's read-back on top (ovs_report_readback_bytes).
 * docs/RUNNING.md gives the measured band. */
double ovs_report_rank0_bytes(const ovs_plan *plan, int64_t loaded, int ranks);

/* The peak memory of a rank but rank 0 (bytes) on ranks ranks (1: as on 2): see report.c. */
double ovs_report_worker_bytes(const ovs_plan *plan, int ranks);

/* What rank 0's read-back of a checkpoint adds to its memory (bytes): see report.c. */
double ovs_report_readback_bytes(const ovs_plan *plan);

/* "HH:MM:SS", or "12.3 s" below a minute */
void ovs_report_hms(double seconds, char *buf, size_t len);

#endif
