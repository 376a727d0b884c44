/* train.c - gradient descent for one trial; see train.h. */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE */
#endif
#include "train.h"

#include "forward.h"
#include "linalg.h"
#include "simd.h"
#include "smallmm.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif
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
static double *alloc_aligned(size_t count)
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

/* This CPU's L1 data cache (level 1) or L2 (level 2) in bytes, 0 where unknown. */
static long cache_bytes(int level)
{
    long bytes = 0;
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
    bytes = sysconf(level == 1 ? _SC_LEVEL1_DCACHE_SIZE : _SC_LEVEL2_CACHE_SIZE);
#else
    (void)level;
#endif
    return bytes > 0 ? bytes : 0;
}

/* The family of an AMD CPU from cpuid (0 for another vendor): the base family (EAX bits
 * 8-11) plus, where that is 0xF, the extended family (bits 20-27). */
static unsigned amd_family(unsigned vendor_ebx, unsigned leaf1_eax)
{
    if (vendor_ebx != 0x68747541u) /* "Auth"enticAMD */
        return 0;
    const unsigned base = (leaf1_eax >> 8) & 0xf;
    return base == 0xf ? base + ((leaf1_eax >> 20) & 0xff) : base;
}

/* Whether a CPU's own prefetchers bring the next panel into L2 in time where it fits there
 * (ovs_panel_plan's fits), so that the step's fetch (fetch.h) only costs: AMD family 1Ah
 * (Zen 5) and later. On Zen 5 (docs/BENCHMARKS.md round 27) not fetching took 0.90-0.98 of
 * the time per update (ab_step) at (1600, 5-10, 120-160), (2400, 10, 240), (3200, 10-20, 320),
 * 0.96-1.02 at (4800, 90, 80), (6400, 120, 80); round 40: fetching 1.06-1.27 there. On Intel
 * (rounds 11-12), Zen 3 (16-18) and Zen 4 (34: not fetching 1.04-1.28) the fetch paid where
 * it fits; other CPUs are unmeasured and fetch. Where nothing fits, all fetch. */
int ovs_train_cpu_streams(unsigned vendor_ebx, unsigned leaf1_eax)
{
    return amd_family(vendor_ebx, leaf1_eax) >= 0x1a;
}

/* The most units at which panels of 96 fetch where nothing fits in L2 (ovs_train_panel_plan):
 * 64 on AMD family 19h with an L2 of 1 MiB or more (Zen 4; Zen 3 has 512 KiB), else 24. On
 * Zen 4 (docs/BENCHMARKS.md round 35) panels of 96 with the fetch took 0.90-0.94 of the time
 * of panels of 192 without it at k = 40-64, d = 320-640, n = 6400 (bench_scaling --plans),
 * 0.97 at k = 96, 0.98-1.01 from k = 128 (and at d = 80-160). On Zen 3's 512 KiB 0.96-1.05 at
 * k >= 40 (round 16), on Intel's 2 MiB 1.02-1.21 at (6400, 40, 640) (rounds 11-12), on
 * Zen 5's 1 MiB (round 40, ab_step) 1.03-1.04 at (6400, 40-64, 320). */
#define FETCH_WIDE_K 24
#define FETCH_WIDE_K_ZEN4 64
static int zen4_class(unsigned vendor_ebx, unsigned leaf1_eax, long l2)
{
    return amd_family(vendor_ebx, leaf1_eax) == 0x19 && l2 >= (1L << 20);
}
static int zen5_class(unsigned vendor_ebx, unsigned leaf1_eax, long l2)
{
    return amd_family(vendor_ebx, leaf1_eax) == 0x1a && l2 >= (1L << 20);
}

int ovs_train_fetch_wide_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2)
{
    return zen4_class(vendor_ebx, leaf1_eax, l2) ? FETCH_WIDE_K_ZEN4 : FETCH_WIDE_K;
}

/* The most units at which the fetch takes a line at every step of the kernels' loops instead
 * of every second (fetch.h): 24 on the CPUs of FETCH_WIDE_K_ZEN4, 8 on Zen 5, else 0. A
 * panel's two kernels take ceil(k / 4) d q / 16 steps for its q d / 8 lines (AVX-512), so
 * below k = 13 every second step leaves part of the next panel to memory. On the Zen 4 of
 * docs/BENCHMARKS.md round 35 every step took 0.76-0.90 of the time at (6400, 5-12, 640),
 * 0.94-1.00 at k = 16-24 there, 0.91-1.01 at (3200, 5-24, 320) (ab_step, paired medians),
 * 1.00-1.01 at k = 32-40 and at (6400, 120, 80); on the Zen 5 of round 40 (family 1Ah, 1 MiB)
 * 0.87-1.02 (most 0.91-0.98) at (6400, 5-8, 640), level from k = 10 and at (3200, 5-24, 320).
 * Intel (round 14): 0.89-1.41 at k = 5-20; there and where unmeasured every second step stays. */
#define FETCH_EACH_STEP_K_ZEN4 24
#define FETCH_EACH_STEP_K_ZEN5 8
int ovs_train_fetch_each_step_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2)
{
    return zen4_class(vendor_ebx, leaf1_eax, l2)   ? FETCH_EACH_STEP_K_ZEN4
           : zen5_class(vendor_ebx, leaf1_eax, l2) ? FETCH_EACH_STEP_K_ZEN5
                                                   : 0;
}

/* The same for the forward pass's share of the fetch: on Zen 5 every k that fetches (24), the
 * gradient keeping every second step from k = 9 (round 40: 0.90-1.00 of the time at (6400,
 * 10-24, 640), 0.96-1.01 at d = 480, level at 240-320; in both, level). Else the gradient's. */
int ovs_train_fetch_forward_each_step_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2)
{
    return zen5_class(vendor_ebx, leaf1_eax, l2)
               ? FETCH_WIDE_K
               : ovs_train_fetch_each_step_k(vendor_ebx, leaf1_eax, l2);
}

/* The gradient's input groups (smallmm.h's group_bytes): none on Zen 4 (zen4_class), else
 * OVS_SMALLMM_GROUP_BYTES. On Zen 4 (docs/BENCHMARKS.md round 36) one group of all inputs (a
 * panel's rows read from L2 by every block of units) took 0.947-1.010 of the time per update
 * at (6400, 40, 320), (6400, 20, 640), (3200, 16, 320), (4800, 30, 320), (6400, 10, 640) in
 * four runs (ab_step): about 2%. Groups won on Intel (round 15), Zen 3 (round 17) and Zen 5
 * (round 40: without them 1.02-1.08 at those shapes but (6400, 40, 320), 0.96). */
int ovs_train_grad_group_bytes(unsigned vendor_ebx, unsigned leaf1_eax, long l2)
{
    return zen4_class(vendor_ebx, leaf1_eax, l2) ? 0 : OVS_SMALLMM_GROUP_BYTES;
}

int ovs_train_fetch_next(ovs_panel_plan plan, int cpu_streams)
{
    return plan.fetch_next && !(plan.fits && cpu_streams);
}

/* cpuid's leaf 0 EBX and leaf 1 EAX of this CPU, read once per process (in a VM each cpuid
 * traps to the host); zeros where cpuid is not there (no vendor: neither rule above). */
static void this_cpu(unsigned *vendor_ebx, unsigned *leaf1_eax)
{
    static int read;
    static unsigned ebx, eax;
    if (!read) {
        read = 1;
#if defined(__x86_64__) && defined(__GNUC__)
        unsigned a, b, c, d, eax1;
        if (__get_cpuid(0, &a, &b, &c, &d) && __get_cpuid(1, &eax1, &a, &c, &d))
            ebx = b, eax = eax1;
#endif
    }
    *vendor_ebx = ebx, *leaf1_eax = eax;
}

static int cpu_streams_panels(void)
{
    unsigned ebx, eax;
    this_cpu(&ebx, &eax);
    return ovs_train_cpu_streams(ebx, eax);
}

/* The rules above for this CPU (train.h's ovs_train_cpu_...). */
#define THIS_CPU(NAME, RULE)                                                              \
    int NAME(long l2)                                                                     \
    {                                                                                     \
        unsigned ebx, eax;                                                                \
        this_cpu(&ebx, &eax);                                                             \
        return RULE(ebx, eax, l2);                                                        \
    }
THIS_CPU(ovs_train_cpu_fetch_wide_k, ovs_train_fetch_wide_k)
THIS_CPU(ovs_train_cpu_fetch_each_step_k, ovs_train_fetch_each_step_k)
THIS_CPU(ovs_train_cpu_fetch_forward_each_step_k, ovs_train_fetch_forward_each_step_k)
THIS_CPU(ovs_train_cpu_grad_group_bytes, ovs_train_grad_group_bytes)

/* The lane sums (64 k d bytes) with a panel's factors and two panels of X (this one and the
 * next, fetched meanwhile), in bytes. */
static double fetch_bytes(int k, int d, int panel)
{
    return 64.0 * k * d + 8.0 * panel * ((double)k + 2.0 * d);
}

/* How far past L2 a panel's fetch may reach, as a factor of L2: 1.2 for panels of 192 at d
 * below 256, else 1. On the AMD machine's 512 KiB L2 (docs/BENCHMARKS.md round 18, --plans),
 * panels of 192 at 1.09-1.16 L2 took 0.936-0.972 of the time of panels of 96 that fit at
 * (3200, 96, 50), (2400, 72, 60), (3200, 64, 70) and (4800, 100, 48), both activations;
 * 0.986-0.996 at (3200, 57, 80) and (4800, 50, 80); 0.97-1.01 at 1.19-1.48 L2 with
 * d = 100-160. So a gain at d = 50-70 and level above. Where the panel's d rows are most of
 * the bytes, at d = 640 on the Intel machine's 2 MiB (1.34 L2), panels of 192 took 1.24-1.43
 * of the time (round 12): there the fit stays strict. */
#define PANEL_SLACK 1.2
#define PANEL_SLACK_MAX_D 255
static double panel_slack(int d, int q)
{
    return q == OVS_FORWARD_PANEL && d <= PANEL_SLACK_MAX_D ? PANEL_SLACK : 1.0;
}

/* How the step reads X at (k, d, np) with l2 bytes of L2 (train.h). All three choices give
 * the same bits; they differ in speed only (docs/BENCHMARKS.md: rounds 11-12 on a 2 MiB L2,
 * round 16 on a 512 KiB one).
 * - Panel by panel (step_by_panels) wherever X is read in panels (ovs_forward_panel_width)
 *   and np >= 8 d. The two passes move the lane sums between chunks as well, and m_t out to
 *   L3 and back besides, so this never moves more: it measured 0.71-0.95 of their time on
 *   2 MiB from (1600, 48, 50) (0.15 of L2) to (25600, 320, 120) (1.49 of L2), and 0.78-0.93
 *   on 512 KiB up to (6400, 320, 80) (lane sums and a panel 4.2 times L2). Where np < 8 d
 *   (d > n/8), panel by panel where X is over X_BY_PANELS_L2 times L2: there the two passes'
 *   gradient, without lane sums, reads all of X from memory once per block of units. On Zen 4
 *   (1 MiB, docs/BENCHMARKS.md round 37) panels took 0.43-0.91 of the time from
 *   (1600, 5-16, 320) (4 MB of X) to (3200, 5-24, 640), 0.94-1.01 at (1200, 30, 300)
 *   (2.9 MB), about 1.0 at 1.2 MB and 1.05 at (600, 50, 100) (0.5 MB).
 * - Fetching the next panel (fetch.h) where that and the rest fit in L2, with panels of
 *   OVS_FORWARD_PANEL samples (up to 1.2 L2 at d < 256: panel_slack), else of 96 (d over 341
 *   at k = 10-20 on 2 MiB): 0.61-0.95 of the time at the large-n study's shapes,
 *   (1600, 20, 160) to (6400, 20, 640).
 * - Where nothing fits, fetching in panels of 96 up to wide_k units
 *   (ovs_train_fetch_wide_k: 24 where the lane sums are then no larger than the two panels
 *   of X, 64 k d <= 16 x 96 d, the stream of X being the larger): on 512 KiB, 0.84-0.93 of
 *   the time of not fetching at k = 10-20 and d = 320-640; at k >= 40 fetching read
 *   0.96-1.05 (512 KiB) and, at (6400, 40, 640) on 2 MiB (2.6 MiB), 1.02-1.21; on Zen 4's
 *   1 MiB it pays up to k = 64. */
#define X_BY_PANELS_L2 2.0
ovs_panel_plan ovs_train_panel_plan(int k, int d, int np, long l2, int wide_k)
{
    ovs_panel_plan plan = {.panel = ovs_forward_panel_width(k, d, np)};
    if (plan.panel == 0 || l2 <= 0 || (np < 8 * d && 8.0 * d * np <= X_BY_PANELS_L2 * l2))
        return plan;
    plan.by_panels = 1;
    for (int q = plan.panel; q >= 96; q -= 96)
        if (fetch_bytes(k, d, q) <= (double)l2 * panel_slack(d, q)) {
            plan.panel = q;
            plan.fetch_next = 1;
            plan.fits = 1;
            return plan;
        }
    if (k <= wide_k) {
        plan.panel = 96;
        plan.fetch_next = 1;
    }
    return plan;
}

/* Where the gradient runs on its own over X (not by panels), its kernel sums all samples at
 * once while X's d rows fit in 256 KiB, else in chunks of that size (smallmm.c's grad_chunk),
 * each block of units reading the rows from L2. On a 48 KiB L1 (the Zen 5 machine of
 * docs/BENCHMARKS.md round 27) chunks whose rows fill 2/3 of L1 took 0.85-0.97 of the time
 * per update (paired medians, ab_step) where X's rows are over 160 KiB and a chunk holds 96
 * samples or more (d <= 42): (800, 30, 40), (800, 40, 30), (1000, 12, 30), (1000, 30, 30),
 * (1200, 20, 30), both activations ((1600, 16, 24) and (1600, 20, 20): 0.90-1.02 over
 * three runs, level to a gain); 1.00-1.10 with fewer samples per chunk
 * (d = 50-60; the lane sums then move once per 80 samples or fewer) and 0.99-1.03 at
 * 64-144 KiB of rows. On Zen 4's 32 KiB L1 (round 34) such chunks (2/3 of 32 KiB: 112
 * samples at d = 16-24) took 1.00-1.12 of the time at (1000-2400, 12-40, 16-24): on
 * smaller L1s (Zen 3 unmeasured, Intel before Ice Lake) the kernel's chunks stay. The same
 * sums in the same order either way. */
#define GRAD_L1_MIN (48L * 1024)
#define GRAD_L1_ROWS_MIN (160L * 1024)
#define GRAD_L1_CHUNK_MIN 96
int ovs_train_grad_chunk(int d, int np, long l1)
{
    const long row = 8L * d, fill = l1 / 3 * 2;
    if (l1 < GRAD_L1_MIN || row * np <= GRAD_L1_ROWS_MIN || fill / row < GRAD_L1_CHUNK_MIN)
        return 0;
    const int chunk = (int)(fill / row) / OVS_VL * OVS_VL;
    return chunk < np ? chunk : 0;
}

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d)
{
    *ws = (ovs_train_workspace){.n = n, .k = k, .d = d, .np = ovs_pad(n)};
    if (n < 1 || k < 1 || d < 1)
        return OVS_EINVAL;
    size_t np = (size_t)ws->np, kd = (size_t)k * (size_t)d;
    ws->xt = alloc_aligned((size_t)d * np);
    ws->w = alloc_aligned(kd);
    ws->w_next = alloc_aligned(kd);
    ws->zt = alloc_aligned((size_t)k * np);
    /* phi, free once the factors are made, keeps the lane sums between panels (or chunks) */
    ws->phi = alloc_aligned(k * np > OVS_SMALLMM_LANES(k, d) ? k * np : OVS_SMALLMM_LANES(k, d));
    ws->r = alloc_aligned(np);
    ws->g = alloc_aligned(kd);
    ws->scratch = alloc_aligned(OVS_FORWARD_SCRATCH(k));
    ws->yp = alloc_aligned(np);
    const long l2 = cache_bytes(2);
    const ovs_panel_plan plan =
        ovs_train_panel_plan(k, d, ws->np, l2, ovs_train_cpu_fetch_wide_k(l2));
    ws->panel = plan.panel; /* xp: on first use (use_panels) */
    ws->by_panels = plan.by_panels;
    ws->fetch_next = ovs_train_fetch_next(plan, cpu_streams_panels());
    ws->fetch_each_step = ws->fetch_next && k <= ovs_train_cpu_fetch_each_step_k(l2);
    ws->fetch_forward_each_step =
        ws->fetch_next && k <= ovs_train_cpu_fetch_forward_each_step_k(l2);
    ws->grad_chunk = ovs_train_grad_chunk(d, ws->np, cache_bytes(1));
    ws->grad_group_bytes = ovs_train_cpu_grad_group_bytes(l2);
    if (!ws->xt || !ws->w || !ws->w_next || !ws->zt || !ws->phi || !ws->r || !ws->g ||
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

/* The fused pass of kernel and act reads X in panels at this size: allocate xp if not yet
 * (only then: --kernel blas and the activations without a fused kernel never need the d np
 * doubles). Returns OVS_OK or OVS_ENOMEM. */
static int use_panels(const ovs_activation *act, int kernel, ovs_train_workspace *ws)
{
    const int fused = kernel == OVS_KERNEL_SIMD && ovs_forward_takes(act->vector_kernel);
    if (!fused || !ws->panel || ws->xp)
        return OVS_OK;
    ws->xp = alloc_aligned((size_t)ws->d * (size_t)ws->np);
    return ws->xp ? OVS_OK : OVS_ENOMEM;
}

/* X (n x d) into xt (d x np) and, where xp is allocated, into its panels; y into yp (np);
 * padding zero. */
static void load_inputs(const ovs_problem *p, ovs_train_workspace *ws)
{
    const size_t np = (size_t)ws->np, d = (size_t)p->d;
    memset(ws->yp, 0, sizeof(double) * np);
    memcpy(ws->yp, p->y, sizeof(double) * (size_t)p->n);
    memset(ws->xt, 0, sizeof(double) * d * np);
    for (size_t i = 0; i < (size_t)p->n; i++)
        for (size_t l = 0; l < d; l++)
            ws->xt[l * np + i] = p->x[i * d + l];
    if (ws->xp)
        ovs_forward_panels_fill(p->d, ws->np, ws->panel, ws->xt, ws->xp);
}

/* sum_i a_i^2 over m doubles in a fixed order: lane l accumulates the a_i with i = l mod 8
 * in order of i, then the lanes are summed in a fixed tree. (A plain running sum is a chain
 * of m dependent FMAs of 4 cycles each: 800 cycles per iteration for the residual at
 * n = 200 and 2500 for a 25 x 25 gradient, 10-20% of a small cell's iteration.) */
OVS_CLONES
static double sum_squares(const double *a, int m)
{
    ovs_v8d acc = {0};
    int i = 0;
    for (; i + OVS_VL <= m; i += OVS_VL) {
        ovs_v8d x = *(const ovs_v8d *)(a + i);
        acc += x * x;
    }
    if (i < m) {
        ovs_v8d x = {0};
        for (int l = 0; i + l < m; l++)
            x[l] = a[i + l];
        acc += x * x;
    }
    return ovs_hsum(acc);
}

/* r = phi^T v - y over the n samples (phi: k x np); returns ||r||^2. Each f(x_i) sums the
 * units j in order. */
OVS_CLONES
static double residual(int n, int k, int np, const double *restrict phi,
                       const double *restrict v, const double *restrict y, double *restrict r)
{
    for (int i = 0; i < n; i++)
        r[i] = 0.0;
    for (int j = 0; j < k; j++) {
        const double *phi_j = phi + (size_t)j * (size_t)np, vj = v[j];
        for (int i = 0; i < n; i++)
            r[i] += vj * phi_j[i];
    }
    for (int i = 0; i < n; i++)
        r[i] -= y[i];
    return sum_squares(r, n);
}

/* mt_ji <- phi'(w_j . x_i) v_j r_i in place (padding columns zeroed). */
OVS_CLONES
static void scale_factors(int n, int k, int np, const double *restrict v,
                          const double *restrict r, double *restrict mt)
{
    for (int j = 0; j < k; j++) {
        double *m_j = mt + (size_t)j * (size_t)np, vj = v[j];
        for (int i = 0; i < n; i++)
            m_j[i] *= vj * r[i];
        for (int i = n; i < np; i++)
            m_j[i] = 0.0;
    }
}

/* Forward pass at ws->w: r = f - y, and zt <- the gradient's factors
 * M_ji = phi'(w_j . x_i) v_j r_i (padding columns zero). Returns ||r||.
 * The simd kernel with softplus or ReLU fuses it all into one pass (forward.h), with the
 * same arithmetic as the three steps below: products, activation, residual and factors; its
 * norm is ovs_smallmm_sum_squares(r, np)'s lanes, bit for bit, added up as the pass makes r
 * (forward.h; a second pass over r took 2-5% of an update at the grid's small cells,
 * docs/BENCHMARKS.md round 31).
 * The norms of r and g run over their zero padding too (np; ovs_pad(k d)): the same sums,
 * since a padding lane adds 0 x 0 = +0 where sum_squares's tail adds the same zero lanes,
 * without that tail's copy through memory (6 ns a call on the Zen 5 machine; ReLU's updates
 * at (100-200, 2-5, 5-20) 0.93-0.97 of their time, level from k d = 100 on: docs/BENCHMARKS.md
 * round 29). */
static double forward(const ovs_problem *p, const ovs_activation *act, int kernel,
                      ovs_train_workspace *ws)
{
    const int k = p->k, np = ws->np;
    double lanes[OVS_VL] __attribute__((aligned(64)));
    if (kernel == OVS_KERNEL_SIMD &&
        ovs_forward_fused(act->vector_kernel, p->n, k, p->d, np, ws->w,
                          ws->xp ? ws->xp : ws->xt, ws->xp ? ws->panel : 0, p->v, ws->yp, ws->zt,
                          ws->scratch, ws->r, lanes) == 0)
        return sqrt(ovs_hsum(lanes));
    if (kernel == OVS_KERNEL_BLAS)
        ovs_linalg_preact(k, p->d, np, ws->w, ws->xt, ws->zt);
    else
        ovs_smallmm_preact(k, p->d, np, ws->w, ws->xt, ws->zt);
    act->eval(ws->zt, ws->phi, ws->zt, (size_t)k * (size_t)np);
    double r2 = residual(p->n, k, np, ws->phi, p->v, p->y, ws->r);
    scale_factors(p->n, k, np, p->v, ws->r, ws->zt);
    return sqrt(r2);
}

/* Gradient after forward(): grad = diag(v) phi'(W X^T) diag(r) X (Sec. 4 / eq. 2.1),
 * i.e. g = M X with M_ji = phi'(w_j . x_i) v_j r_i, into ws->g. ws->phi is free once
 * forward() has made the factors: where np >= 8 d the simd product keeps its lane sums there
 * between chunks of samples that stay in cache (smallmm.h; the same bits). Below, where X is
 * small enough for the two passes (ovs_train_panel_plan), chunks read 0.96-1.07 of the time of
 * one pass (round 37): one pass. Its norm comes with the step (descend()). */
static void gradient(const ovs_problem *p, int kernel, ovs_train_workspace *ws)
{
    const int k = p->k, d = p->d, np = ws->np, b = ws->grad_chunk;
    double *lanes = (size_t)np >= 8 * (size_t)d ? ws->phi : NULL;
    if (kernel == OVS_KERNEL_BLAS)
        ovs_linalg_grad(k, d, np, ws->zt, ws->xt, ws->g);
    else if (b > 0 && lanes)
        for (int i0 = 0; i0 < np; i0 += b) { /* chunks in L1 (ovs_train_grad_chunk) */
            const int i1 = i0 + b < np ? i0 + b : np;
            ovs_smallmm_grad_part(k, d, ws->zt + i0, np, ws->xt + i0, np, i1 - i0, ws->g,
                                  lanes, i0 == 0, i1 == np, NULL, ws->grad_group_bytes);
        }
    else
        ovs_smallmm_grad_lanes(k, d, np, ws->zt, ws->xt, ws->g, lanes, ws->grad_group_bytes);
}

/* Whether this update runs panel by panel: ws allows it, and the fused pass runs and reads
 * the panels (xp: allocated by use_panels only where ws->panel > 0). */
static int by_panels(const ovs_activation *act, int kernel, const ovs_train_workspace *ws)
{
    return ws->by_panels && ws->xp && kernel == OVS_KERNEL_SIMD &&
           ovs_forward_takes(act->vector_kernel);
}

/* The panel of X that starts at sample p0, as a stretch of memory to fetch (fetch.h). */
static ovs_fetch panel_at(const ovs_train_workspace *ws, int p0)
{
    const int p1 = p0 + ws->panel < ws->np ? p0 + ws->panel : ws->np;
    return (ovs_fetch){.at = (const char *)(ws->xp + (size_t)p0 * (size_t)ws->d),
                       .end = (const char *)(ws->xp + (size_t)p1 * (size_t)ws->d)};
}

/* forward() and gradient() in one pass over the panels of X: each panel's factors, k x q in
 * the first k q doubles of ws->zt, go into the gradient's lane sums (in ws->phi) while they
 * and the panel are in L2, instead of m_t (k x np) going out to L3 and back; meanwhile the
 * two kernels fetch the next panel where ws->fetch_next (the first one during the last: the
 * next update's). The same operations on the same values in the same order (a sample's
 * forward values depend on that sample only; the lane sums run over the samples in order:
 * forward.h, smallmm.h), so the same bits as forward() then gradient(). Returns ||r||. */
static double step_by_panels(const ovs_problem *p, const ovs_activation *act,
                             ovs_train_workspace *ws)
{
    const int k = p->k, d = p->d, np = ws->np, q = ws->panel;
    double r2[OVS_VL] __attribute__((aligned(64))); /* zeroed by the first panel's pass */
    for (int p0 = 0; p0 < np; p0 += q) {
        const int p1 = p0 + q < np ? p0 + q : np;
        ovs_fetch next = panel_at(ws, p1 < np ? p1 : 0);
        ovs_fetch *fetch = ws->fetch_next ? &next : NULL;
        next.each_step = ws->fetch_forward_each_step; /* each kernel at its own pace */
        ovs_forward_fused_part(act->vector_kernel, p->n, k, d, np, ws->w, ws->xp, q, p->v,
                               ws->yp, ws->zt, q, ws->scratch, ws->r, r2, p0, p1, fetch);
        next.each_step = ws->fetch_each_step;
        ovs_smallmm_grad_part(k, d, ws->zt, q, ws->xp + (size_t)p0 * (size_t)d, p1 - p0,
                              p1 - p0, ws->g, ws->phi, p0 == 0, p1 == np, fetch,
                              ws->grad_group_bytes);
    }
    return sqrt(ovs_hsum(r2));
}

/* The GD step W_{t+1} = W_t - eta grad L(W_t) (Theorem 2.1) into ws->w_next, and ||g||_F, in
 * one pass over g (smallmm.h): the same bits as the norm of g and then the loop
 * w_i -= eta g_i, which read g twice, the second time two doubles at a time in this
 * baseline-built file; 0.95-0.98 of the time per ReLU update at grid cells (ab_step;
 * docs/BENCHMARKS.md round 30). The caller swaps w and w_next unless it stops: a diverged
 * trial keeps the weights it had. */
static double descend(double eta, int kd, ovs_train_workspace *ws)
{
    return sqrt(ovs_smallmm_descend(ws->w_next, ws->w, ws->g, eta, ovs_pad(kd)));
}

static int check_args(const ovs_problem *p, const ovs_gd_opts *o, const ovs_protocol *proto,
                      const ovs_train_workspace *ws)
{
    if (!o->act || !(o->eta > 0) || (o->kernel != OVS_KERNEL_SIMD && o->kernel != OVS_KERNEL_BLAS))
        return OVS_EINVAL;
    if (ovs_protocol_check(proto, p) != OVS_OK)
        return OVS_EINVAL;
    if (ws->n != p->n || ws->k != p->k || ws->d != p->d)
        return OVS_EINVAL;
    return OVS_OK;
}

int ovs_train_run(const ovs_problem *p, const ovs_gd_opts *o, const ovs_protocol *proto,
                  ovs_train_workspace *ws, ovs_result *res)
{
    int rc = check_args(p, o, proto, ws);
    if (rc != OVS_OK)
        return rc;
    if ((rc = use_panels(o->act, o->kernel, ws)) != OVS_OK)
        return rc;
    const int kd = p->k * p->d;
    ovs_result_start(res);
    memcpy(ws->w, p->w0, sizeof(double) * (size_t)kd);
    load_inputs(p, ws);

    int t = 0;
    double rel;
    ovs_early_fail_state ef = OVS_EARLY_FAIL_INIT;
    /* by panels the gradient is made before the stop test: on the last update, unused */
    const int panels = by_panels(o->act, o->kernel, ws);
    for (;;) {
        double rnorm = panels ? step_by_panels(p, o->act, ws) : forward(p, o->act, o->kernel, ws);
        if (ovs_protocol_stops(proto, rnorm, p->y_norm, t, res, &ef, &rel))
            break;
        if (!panels)
            gradient(p, o->kernel, ws);
        const double gnorm = descend(o->eta, kd, ws);
        if (ovs_protocol_gradient_stops(proto, gnorm, &t, res))
            break; /* W as it was: the step went to w_next */
        double *w = ws->w;
        ws->w = ws->w_next;
        ws->w_next = w;
        double step = o->eta * gnorm;
        OVS_ROUNDED(step); /* as the default build rounds it, whatever a user's -mfma */
        res->path_length += step;
        t++;
        if (ovs_protocol_polled_stop(proto, t, res))
            break;
    }
    res->iterations = t;
    res->final_rel_err = rel;
    double dist2 = 0.0;
    for (int i = 0; i < kd; i++) {
        double delta = ws->w[i] - p->w0[i], sq = delta * delta;
        OVS_ROUNDED(sq);
        dist2 += sq;
    }
    res->dist_from_init = sqrt(dist2);
    return OVS_OK;
}

int ovs_train_loss_grad(const ovs_problem *p, const ovs_activation *act, int kernel,
                        const double *w, ovs_train_workspace *ws, double *loss, double *grad)
{
    if (ws->n != p->n || ws->k != p->k || ws->d != p->d)
        return OVS_EINVAL;
    if (use_panels(act, kernel, ws) != OVS_OK)
        return OVS_ENOMEM;
    const int kd = p->k * p->d;
    memcpy(ws->w, w, sizeof(double) * (size_t)kd);
    load_inputs(p, ws);
    const int panels = grad && by_panels(act, kernel, ws);
    double rnorm = panels ? step_by_panels(p, act, ws) : forward(p, act, kernel, ws);
    *loss = 0.5 * rnorm * rnorm;
    if (grad) {
        if (!panels)
            gradient(p, kernel, ws);
        memcpy(grad, ws->g, sizeof(double) * (size_t)kd);
    }
    return OVS_OK;
}
