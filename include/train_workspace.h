/* train_workspace.h - the buffers of one trial's GD step (train.h): X in the layouts the
 * passes read (its panels, or X transposed), W, the factors, the residuals, the gradient and
 * its lane sums, with the CPU's plan for reading them (train_plan.h).
 *
 * Pure: allocation and copies only, no arithmetic on the values (so no rounding: the kernel
 * files' flags do not apply here). */
#ifndef OVS_TRAIN_WORKSPACE_H
#define OVS_TRAIN_WORKSPACE_H

#include <stddef.h>

#include "activation.h"
#include "names.h"
#include "problem.h"

/* Which code computes the two matrix products of a step (both in float64; they differ only
 * in rounding): the hand-written register-blocked kernels (smallmm.h, the default: several
 * times faster at these sizes) or CBLAS (OpenBLAS). */
enum { OVS_KERNEL_SIMD = 0, OVS_KERNEL_BLAS = 1 };
extern const ovs_names ovs_kernel_names; /* "simd", "blas" */

/* Buffers of one trial, 64-byte aligned. Samples run along rows ("transposed" layout) padded
 * to np = n rounded up to the vector length; padding entries are kept at zero. */
typedef struct ovs_train_workspace {
    int n, k, d, np;
    double *xt;  /* d x np, X transposed, allocated by the first run that reads X whole;
                    NULL while the step goes panel by panel (it reads xp only) */
    double *w;   /* k x d, current weights */
    double *w_next; /* k x d, the next update's (ovs_train_run swaps it with w) */
    double *zt;  /* k x np, pre-activations W x_i, then phi'(.) v_j r_i */
    double *phi; /* k x np, phi(W x_i) */
    double *r;   /* np, residuals f(x_i) - y_i (0 in the padding) */
    double *g;   /* k x d, gradient; its padding up to ovs_pad(k d) stays 0 (never written) */
    double *yp;  /* np, y padded with zeros */
    double *scratch; /* the fused forward pass's (forward.h) */
    double *xp;  /* X in the fused pass's panels of `panel` samples (forward.h), allocated
                    by the first run that reads them; NULL: the fused pass reads xt (or,
                    in lockstep, another training's xp) */
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

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d);
void ovs_train_workspace_free(ovs_train_workspace *ws);

/* Whether a step of kernel and act on ws goes panel by panel (train.c's step_by_panels): the
 * fused pass reads X in panels at this size and the plan goes by panels on this CPU. */
int ovs_train_goes_by_panels(const ovs_activation *act, int kernel, const ovs_train_workspace *ws);

/* p's X and y into ws for a run of kernel and act: the copies of X it reads, each allocated on
 * first use (its panels where the fused pass reads panels, unless own_panels is 0: it reads
 * another training's, lockstep's followers; X transposed unless the step goes panel by
 * panel), and y padded. Returns OVS_OK or OVS_ENOMEM. */
int ovs_train_workspace_load(ovs_train_workspace *ws, const ovs_problem *p,
                             const ovs_activation *act, int kernel, int own_panels);

/* count zeroed doubles, 64-byte aligned, on transparent huge pages from 2 MiB on; NULL when
 * memory runs out. Free with free(). */
double *ovs_train_doubles(size_t count);

#endif
