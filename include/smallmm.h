/* smallmm.h - hand-written matrix products for the GD step, and the lane-ordered norms.
 *
 * Pure. For k, d <= a few dozen and n <= a few hundred, library GEMM spends much of its time
 * on call overhead, packing and edge handling; these register-blocked loops keep the whole
 * product in cache and registers; for larger n the gradient runs over chunks of samples that
 * stay in L2. Layout (row-major, "t" = transposed, np = padded n, a multiple of OVS_VL,
 * padding columns of xt are zero):
 *   w: k x d, xt: d x np, zt/mt: k x np, g: k x d.
 * Both products vectorise over the samples; every element is summed in a fixed order (over l
 * for zt; over i in eight lanes and a fixed tree for g): results are deterministic, and the
 * same in every build with FMA (simd.h: smallmm.c is built once per instruction set). */
#ifndef OVS_SMALLMM_H
#define OVS_SMALLMM_H

#include "fetch.h"

#include <stddef.h>

/* zt = w xt: the pre-activations w_j . x_i. */
void ovs_smallmm_preact(int k, int d, int np, const double *w, const double *xt, double *zt);

/* g = mt xt^T: g_jl = sum_i mt_ji xt_li (the padding samples are zero in both). Vectorised
 * over the samples: lane q sums the samples i = q mod 8 in order, then the lanes are added in
 * ovs_hsum's fixed tree, so each element is summed in one fixed order. */
void ovs_smallmm_grad(int k, int d, int np, const double *mt, const double *xt, double *g);

/* The input groups of the products below (group_bytes): where X's rows are wide (d >= 256),
 * the inputs run in groups whose rows of a chunk fill about group_bytes of L1, each group's
 * rows read once while every block of units passes over them; 0: all d inputs in one group,
 * the rows read from L2 by each block of units. Speed only, never the bits. The default, 24 KiB,
 * is what ovs_smallmm_grad takes; train_plan.c chooses per CPU (ovs_train_grad_group_bytes). */
#define OVS_SMALLMM_GROUP_BYTES (24 * 1024)

/* The same product, bit for bit, with lanes: OVS_SMALLMM_LANES(k, d) doubles (64-byte
 * aligned) where the lane sums wait between chunks of samples, when mt and xt are too large
 * for L2 (lanes NULL: one pass over all samples, as ovs_smallmm_grad). */
#define OVS_SMALLMM_LANES(k, d) (8 * (size_t)(k) * (size_t)(d))
void ovs_smallmm_grad_lanes(int k, int d, int np, const double *mt, const double *xt,
                            double *g, double *lanes, int group_bytes);
#define OVS_SMALLMM_GROUP_ARG 1 /* for benchmarks that also build older trees */

/* One chunk of that product: the count samples (a multiple of 8) whose factors start at mt
 * (row j at mt + j ldm) and inputs at x (row l at x + l ldx). The lane sums start at zero if
 * first, else from lanes, and end in g if last, else in lanes. The chunks of a product, run
 * in order of their samples, each starting at a multiple of 8, give ovs_smallmm_grad's g bit
 * for bit, whatever the chunks' sizes and wherever their rows lie (train.c's panels of X).
 * next: memory to fetch into L2 meanwhile (fetch.h; advanced), or NULL (as is one with nothing
 * left: the faster loops without a fetch run). */
void ovs_smallmm_grad_part(int k, int d, const double *mt, int ldm, const double *x, int ldx,
                           int count, double *g, double *lanes, int first, int last,
                           ovs_fetch *next, int group_bytes);

/* The inputs per group of one chunk of count samples at d inputs with group_bytes of rows a
 * group, in the build this CPU runs (d: all in one group): the gradient runs the blocks of
 * units over one group's x rows, then the next, where the rows are wide (smallmm.c's
 * grad_group). Which inputs share a group changes speed only, never the bits. For tests and
 * benchmarks. */
int ovs_smallmm_group_width(int d, int count, int bytes);

/* sum_i a_i^2 over m doubles in the lane order: lane q sums the a_i^2 with i = q mod 8 in
 * order of i, then ovs_hsum's tree (the norms of train.c, bit for bit). */
double ovs_smallmm_sum_squares(const double *a, int m);

/* One GD step's weights and the gradient's norm, in one pass over m doubles (train.c):
 * w_next_i = w_i - eta g_i, with eta g_i rounded before the difference in every build (never
 * one FMA), and the return value sum_i g_i^2 as ovs_smallmm_sum_squares(g, m) gives it, bit
 * for bit. w_next, w and g 64-byte aligned; w_next may be w. */
double ovs_smallmm_descend(double *w_next, const double *w, const double *g, double eta, int m);
#define OVS_SMALLMM_DESCEND 1 /* for benchmarks built against older trees too */

/* The builds' own entry points (simd.h's OVS_ISA), called by the functions above. */
#define OVS_SMALLMM_BUILD(isa)                                                                 \
    void ovs_smallmm_preact_##isa(int k, int d, int np, const double *w, const double *xt,     \
                                  double *zt);                                                 \
    void ovs_smallmm_grad_lanes_##isa(int k, int d, int np, const double *mt,                  \
                                      const double *xt, double *g, double *lanes,              \
                                      int group_bytes);                                        \
    void ovs_smallmm_grad_part_##isa(int k, int d, const double *mt, int ldm, const double *x, \
                                     int ldx, int count, double *g, double *lanes, int first,  \
                                     int last, ovs_fetch *next, int group_bytes);              \
    double ovs_smallmm_sum_squares_##isa(const double *a, int m);                              \
    double ovs_smallmm_descend_##isa(double *w_next, const double *w, const double *g,         \
                                     double eta, int m);                                       \
    int ovs_smallmm_group_width_##isa(int d, int count, int bytes);
OVS_SMALLMM_BUILD(base)
OVS_SMALLMM_BUILD(v3)
OVS_SMALLMM_BUILD(v4)
#undef OVS_SMALLMM_BUILD

#endif
