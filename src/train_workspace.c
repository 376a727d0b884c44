/* train_workspace.c - a trial's buffers for the GD step; see train_workspace.h. */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#endif
#include "train_workspace.h"

#include "forward.h"
#include "simd.h"
#include "smallmm.h"
#include "status.h"
#include "train_plan.h"

#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

OVS_NAMES_OF(ovs_kernel_names, "kernel", "simd", "blas");

/* Zeroed doubles, 64-byte aligned. Arrays of 2 MiB or more (X and its panels, the factors
 * at large n) go on transparent huge pages where Linux gives them on request (THP mode
 * madvise): a panel's rows span dozens of 4 KiB pages, and with 2 MiB pages the fetch and the
 * kernels' loads miss the TLB less: 0.93-1.00 of the time per update at the large-n study's
 * shapes (docs/BENCHMARKS.md round 12). Only where pages lie: no value changes. */
#define HUGE_PAGE (2UL << 20)
double *ovs_train_doubles(size_t count)
{
    size_t bytes = (sizeof(double) * count + 63) / 64 * 64;
    double *p;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_PAGE) {
        const size_t whole = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        p = aligned_alloc(HUGE_PAGE, whole);
        if (p)
            (void)madvise(p, whole, MADV_HUGEPAGE); /* a refusal leaves 4 KiB pages */
    } else
#endif
        p = aligned_alloc(64, bytes > 0 ? bytes : 64);
    if (p)
        memset(p, 0, bytes);
    return p;
}

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d)
{
    *ws = (ovs_train_workspace){.n = n, .k = k, .d = d, .np = ovs_pad(n)};
    if (n < 1 || k < 1 || d < 1)
        return OVS_EINVAL;
    size_t np = (size_t)ws->np, kd = (size_t)k * (size_t)d;
    ws->w = ovs_train_doubles(kd); /* xt and xp: on first use (use_inputs) */
    ws->w_next = ovs_train_doubles(kd);
    ws->zt = ovs_train_doubles((size_t)k * np);
    /* phi, free once the factors are made, keeps the lane sums between panels (or chunks) */
    const size_t lanes = OVS_SMALLMM_LANES(k, d);
    ws->phi = ovs_train_doubles(k * np > lanes ? k * np : lanes);
    ws->r = ovs_train_doubles(np);
    ws->g = ovs_train_doubles(kd);
    ws->scratch = ovs_train_doubles(OVS_FORWARD_SCRATCH(k));
    ws->yp = ovs_train_doubles(np);
    const ovs_step_plan plan = ovs_train_step_plan(k, d, ws->np);
    ws->panel = plan.panel;
    ws->by_panels = plan.by_panels;
    ws->fetch_next = plan.fetch_next;
    ws->fetch_each_step = plan.fetch_each_step;
    ws->fetch_forward_each_step = plan.fetch_forward_each_step;
    ws->grad_chunk = plan.grad_chunk;
    ws->grad_group_bytes = plan.grad_group_bytes;
    if (!ws->w || !ws->w_next || !ws->zt || !ws->phi || !ws->r || !ws->g ||
        !ws->scratch || !ws->yp) {
        ovs_train_workspace_free(ws);
        return OVS_ENOMEM;
    }
    return OVS_OK;
}

void ovs_train_workspace_free(ovs_train_workspace *ws)
{
    free(ws->xt);
    free(ws->w);
    free(ws->w_next);
    free(ws->zt);
    free(ws->phi);
    free(ws->r);
    free(ws->g);
    free(ws->scratch);
    free(ws->yp);
    free(ws->xp);
    ws->xt = ws->w = ws->w_next = ws->zt = ws->phi = ws->r = ws->g = NULL;
    ws->scratch = ws->yp = ws->xp = NULL;
}

/* Whether a step of kernel and act goes panel by panel (step_by_panels): the fused pass reads
 * X in panels at this size and the plan goes by panels on this CPU. */
int ovs_train_goes_by_panels(const ovs_activation *act, int kernel, const ovs_train_workspace *ws)
{
    return ws->by_panels && ws->panel > 0 && kernel == OVS_KERNEL_SIMD &&
           ovs_forward_takes(act->vector_kernel);
}

/* The copies of X that a run of kernel and act reads, each allocated on its first use:
 * - xp, X in panels, where the fused pass reads X in panels at this size (ws->panel > 0),
 *   unless the run reads another training's panels (own_panels 0: lockstep's followers,
 *   whose copy goes);
 * - xt, X transposed, unless the step goes panel by panel (goes_by_panels), which reads xp
 *   only: there xt goes too. X is then held twice, the problem's and one copy, not three
 *   times: 33 MB less per trial at (6400, 640).
 * Returns OVS_OK or OVS_ENOMEM. */
static int use_inputs(const ovs_activation *act, int kernel, int own_panels,
                      ovs_train_workspace *ws)
{
    const size_t nd = (size_t)ws->d * (size_t)ws->np;
    const int fused = kernel == OVS_KERNEL_SIMD && ovs_forward_takes(act->vector_kernel);
    if (!own_panels || !fused || !ws->panel) {
        free(ws->xp);
        ws->xp = NULL;
    } else if (!ws->xp && !(ws->xp = ovs_train_doubles(nd)))
        return OVS_ENOMEM;
    if (ovs_train_goes_by_panels(act, kernel, ws)) {
        free(ws->xt);
        ws->xt = NULL;
    } else if (!ws->xt && !(ws->xt = ovs_train_doubles(nd)))
        return OVS_ENOMEM;
    return OVS_OK;
}

/* X (n x d) into whichever of xt (d x np) and its panels (xp) the workspace holds, y into yp
 * (np); padding zero. */
static void load_inputs(const ovs_problem *p, ovs_train_workspace *ws)
{
    const size_t np = (size_t)ws->np, d = (size_t)p->d, n = (size_t)p->n;
    memset(ws->yp, 0, sizeof(double) * np);
    memcpy(ws->yp, p->y, sizeof(double) * n);
    if (ws->xt) {
        memset(ws->xt, 0, sizeof(double) * d * np);
        for (size_t i = 0; i < n; i++)
            for (size_t l = 0; l < d; l++)
                ws->xt[l * np + i] = p->x[i * d + l];
    }
    if (ws->xp)
        ovs_forward_panels_fill(p->n, p->d, ws->np, ws->panel, p->x, p->d, 1, ws->xp);
}

int ovs_train_workspace_load(ovs_train_workspace *ws, const ovs_problem *p,
                             const ovs_activation *act, int kernel, int own_panels)
{
    const int rc = use_inputs(act, kernel, own_panels, ws);
    if (rc == OVS_OK)
        load_inputs(p, ws);
    return rc;
}
