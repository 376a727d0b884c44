/* fetch.h - memory a kernel brings into L2 while it computes: the next panel of X.
 *
 * train.c's step runs the forward pass and the gradient panel by panel (192 or 96 samples of
 * X); each panel comes from memory once per update. The hardware prefetchers follow a
 * stream only within a 4 KiB page and never reach the next panel, so the forward pass waited
 * for memory: at (6400, 20, 640) it ran at 49-60 GFLOP/s over a panel already in L2 and at
 * 18-23 over panels straight from memory (docs/BENCHMARKS.md, round 12). So the two kernels of a panel fetch the next one, a cache
 * line every OVS_FETCH_EVERY steps of their inner loops: slow enough that the fetches (each
 * holds one of the core's few line-fill buffers until memory answers) leave room for the
 * kernels' own loads (every step measured slower, and every fourth step too few lines at
 * k = 10-20). On AVX-512 a panel's two kernels take ceil(k / 4) d q / 16 steps for its
 * q d / 8 lines, so they fetch all of the next panel where k >= 13 and part of it below.
 * Only prefetches: no value changes. */
#ifndef OVS_FETCH_H
#define OVS_FETCH_H

/* The stretch still to fetch: [at, end), advanced one 64-byte line at a time; each_step: a
 * line at every step instead of every OVS_FETCH_EVERY-th (train_plan.c's
 * ovs_train_fetch_each_step_k: on the CPUs where that measured faster, up to k = 24 or 8; below
 * k = 13 every second step leaves part of the next panel to memory). */
typedef struct {
    const char *at, *end;
    int each_step;
} ovs_fetch;
#define OVS_FETCH_EACH_STEP 1 /* for benchmarks that also build older trees */

#ifndef OVS_FETCH_EVERY
#define OVS_FETCH_EVERY 2
#endif
_Static_assert((OVS_FETCH_EVERY & (OVS_FETCH_EVERY - 1)) == 0, "a power of two: a mask below");

/* The mask of ovs_fetch_step's steps for f: a line where step & mask is 0. */
static inline __attribute__((always_inline)) unsigned ovs_fetch_mask(const ovs_fetch *f)
{
    return f->each_step ? 0u : OVS_FETCH_EVERY - 1u;
}

/* At every step whose bits in mask are 0 (ovs_fetch_mask): the line at *at into L2 (and *at
 * on), while any is left. */
static inline __attribute__((always_inline)) void ovs_fetch_step(const char **at,
                                                                 const char *end, int step,
                                                                 unsigned mask)
{
    if (((unsigned)step & mask) == 0 && *at < end) {
        __builtin_prefetch(*at, 0, 2);
        *at += 64;
    }
}

/* lines (1 or 2) of ovs_fetch_step at one step: a kernel block that does the work of two
 * blocks' steps at each of its own takes both's lines (forward.c's and smallmm.c's blocks of
 * 5 or 6 units), so that the next panel's fetch is not cut. */
static inline __attribute__((always_inline)) void ovs_fetch_steps(const char **at,
                                                                  const char *end, int step,
                                                                  unsigned mask, int lines)
{
    ovs_fetch_step(at, end, step, mask);
    if (lines > 1)
        ovs_fetch_step(at, end, step, mask);
}

#endif
