/* train.h - full-batch gradient descent in float64 for one trial of f(x; W) = v^T phi(W x),
 * the paper's method (Sec. 4, loss eq. 2.1).
 *
 * Pure: no MPI, no HDF5, no output, no exit. All buffers are allocated once per workspace;
 * the iteration loop allocates nothing. Reentrant: all state is in the arguments.
 *
 * L(W) = 1/2 sum_i (v^T phi(W x_i) - y_i)^2, W <- W - eta grad L(W) with constant eta; when
 * to stop, and what is recorded, is the shared protocol (protocol.h), early_fail included. */
#ifndef OVS_TRAIN_H
#define OVS_TRAIN_H

#include "activation.h"
#include "names.h"
#include "problem.h"
#include "protocol.h"

/* Which code computes the two matrix products of a step (both in float64; they differ only
 * in rounding): the hand-written register-blocked kernels (smallmm.h, the default: several
 * times faster at these sizes) or CBLAS (OpenBLAS). */
enum { OVS_KERNEL_SIMD = 0, OVS_KERNEL_BLAS = 1 };
extern const ovs_names ovs_kernel_names; /* "simd", "blas" */

/* What gd is told beyond the protocol. */
typedef struct ovs_gd_opts {
    const ovs_activation *act;
    double eta;
    int kernel; /* OVS_KERNEL_* */
} ovs_gd_opts;

/* Buffers of one trial, 64-byte aligned. Samples run along rows ("transposed" layout) padded
 * to np = n rounded up to the vector length; padding entries are kept at zero. */
typedef struct ovs_train_workspace {
    int n, k, d, np;
    double *xt;  /* d x np, X transposed */
    double *w;   /* k x d, current weights */
    double *w_next; /* k x d, the next update's (ovs_train_run swaps it with w) */
    double *zt;  /* k x np, pre-activations W x_i, then phi'(.) v_j r_i */
    double *phi; /* k x np, phi(W x_i) */
    double *r;   /* np, residuals f(x_i) - y_i (0 in the padding) */
    double *g;   /* k x d, gradient; its padding up to ovs_pad(k d) stays 0 (never written) */
    double *yp;  /* np, y padded with zeros */
    double *scratch; /* the fused forward pass's (forward.h) */
    double *xp;  /* X in the fused pass's panels of `panel` samples (forward.h), allocated
                    by the first run that reads them; NULL: the fused pass reads xt */
    int panel;   /* the panel width at this size (ovs_train_panel_plan), 0: none */
    int by_panels; /* 1: with the fused pass, forward pass and gradient run panel by panel
                      (train.c's step_by_panels), set where that pays on this CPU; the same
                      bits either way (tests set it both ways) */
    int fetch_next; /* 1: step_by_panels fetches the next panel into L2 (fetch.h) while it
                       computes one (ovs_train_panel_plan); the same bits either way */
    int fetch_each_step; /* 1: that fetch takes a line at every step of the gradient's loops
                            (ovs_train_fetch_each_step_k), 0: every second; the same bits */
    int fetch_forward_each_step; /* the same in the forward pass's loops
                                    (ovs_train_fetch_forward_each_step_k); the same bits */
    int grad_group_bytes; /* the simd gradient's input groups (smallmm.h's group_bytes):
                             ovs_train_grad_group_bytes of this CPU; the same bits either way */
    int grad_chunk; /* samples per chunk of the simd gradient where it runs on its own (not
                       by panels): > 0 as ovs_train_grad_chunk chose for this CPU's L1, 0 the
                       kernel's own chunks (smallmm.h); the same bits either way */
} ovs_train_workspace;

/* How the step reads X at one size on one CPU: the workspace's panel, by_panels and
 * fetch_next, chosen from (k, d, np) and the CPU's L2 in bytes (0: unknown) by
 * ovs_train_panel_plan (train.c says where each pays); fits: the lane sums, a panel's
 * factors and two panels of X fit in L2 (fetch_next is then dropped on CPUs whose own
 * prefetchers keep up, train.c). */
typedef struct {
    int panel, by_panels, fetch_next, fits;
} ovs_panel_plan;
ovs_panel_plan ovs_train_panel_plan(int k, int d, int np, long l2, int wide_k);

/* ovs_train_panel_plan's wide_k: the most units at which the step fetches panels of 96 where
 * nothing fits in L2, from cpuid as ovs_train_cpu_streams and the L2 in bytes: 64 on AMD
 * family 19h with 1 MiB of L2 or more (Zen 4), else 24 (train.c says what was measured);
 * ovs_train_cpu_fetch_wide_k: this CPU's. */
int ovs_train_fetch_wide_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_fetch_wide_k(long l2);
#define OVS_TRAIN_WIDE_K 1 /* for benchmarks that also build older trees */

/* The most units at which the fetch takes a line at every step (the workspace's
 * fetch_each_step), from cpuid and the L2 as ovs_train_fetch_wide_k: 24 on those CPUs (Zen 4),
 * 8 on AMD family 1Ah with 1 MiB of L2 or more (Zen 5), else 0 (train.c says what was
 * measured); ovs_train_cpu_fetch_each_step_k: this CPU's. */
int ovs_train_fetch_each_step_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_fetch_each_step_k(long l2);
/* The same bound for the forward pass's share of the fetch (train.c: on Zen 5 every k that
 * fetches, elsewhere ovs_train_fetch_each_step_k); _cpu_: this CPU's. */
int ovs_train_fetch_forward_each_step_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_fetch_forward_each_step_k(long l2);
#define OVS_FETCH_FORWARD_EACH_STEP 1 /* for benchmarks that also build older trees */

/* Whether a CPU's own prefetchers keep up with the next panel where the panels fit in L2,
 * from its cpuid: leaf 0's EBX (the vendor's first four letters) and leaf 1's EAX (the
 * family): 1 for AMD family 1Ah (Zen 5) and later (train.c says what was measured). */
int ovs_train_cpu_streams(unsigned vendor_ebx, unsigned leaf1_eax);

/* The workspace's grad_group_bytes from cpuid and the L2 as ovs_train_fetch_wide_k: 0 (no
 * input groups) where that gives 64 (Zen 4), else OVS_SMALLMM_GROUP_BYTES (train.c says what
 * was measured); ovs_train_cpu_grad_group_bytes: this CPU's. */
int ovs_train_grad_group_bytes(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_grad_group_bytes(long l2);

/* The workspace's fetch_next: the plan's, dropped where the panels fit and the CPU's own
 * prefetchers keep up (cpu_streams: ovs_train_cpu_streams of this CPU). */
int ovs_train_fetch_next(ovs_panel_plan plan, int cpu_streams);

/* The workspace's grad_chunk at (d, np) with l1 bytes of L1 data cache (0: unknown): samples
 * per chunk of the gradient such that a chunk's d rows of X stay in L1, or 0 where the
 * kernel's own chunks (sized for L2) are kept (train.c says where each pays). */
int ovs_train_grad_chunk(int d, int np, long l1);
#define OVS_TRAIN_GRAD_CHUNK 1 /* for benchmarks that also build older trees */

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d);
void ovs_train_workspace_free(ovs_train_workspace *ws);

/* Train p from p->w0 with opts under the protocol. ws must be allocated for p's (n, k, d).
 * Returns OVS_OK (the outcome is in *res), OVS_EINVAL for inconsistent arguments or
 * OVS_ENOMEM when the panel copy of X (allocated on first use) does not fit. */
int ovs_train_run(const ovs_problem *p, const ovs_gd_opts *opts, const ovs_protocol *proto,
                  ovs_train_workspace *ws, ovs_result *res);

/* Evaluate L(W) (eq. 2.1) and, if grad is not NULL, its gradient (k x d) at w.
 * For tests (finite differences) and diagnostics; not used in the GD loop. */
int ovs_train_loss_grad(const ovs_problem *p, const ovs_activation *act, int kernel,
                        const double *w, ovs_train_workspace *ws, double *loss, double *grad);

#endif
