/* train_plan.c - how the GD step reads X on this CPU; see train_plan.h. */
#include "train_plan.h"

#include "forward.h"
#include "simd.h"
#include "smallmm.h"

#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

/* This CPU's L1 data cache (level 1) or L2 (level 2) in bytes, 0 where unknown. */
long ovs_train_cache_bytes(int level)
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

ovs_step_plan ovs_train_step_plan(int k, int d, int np)
{
    const long l2 = ovs_train_cache_bytes(2);
    const ovs_panel_plan plan = ovs_train_panel_plan(k, d, np, l2, ovs_train_cpu_fetch_wide_k(l2));
    ovs_step_plan s = {.panel = plan.panel, .by_panels = plan.by_panels};
    s.fetch_next = ovs_train_fetch_next(plan, cpu_streams_panels());
    s.fetch_each_step = s.fetch_next && k <= ovs_train_cpu_fetch_each_step_k(l2);
    s.fetch_forward_each_step = s.fetch_next && k <= ovs_train_cpu_fetch_forward_each_step_k(l2);
    s.grad_chunk = ovs_train_grad_chunk(d, np, ovs_train_cache_bytes(1));
    s.grad_group_bytes = ovs_train_cpu_grad_group_bytes(l2);
    return s;
}
