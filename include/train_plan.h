/* train_plan.h - how the GD step reads X on this CPU: the panel plan, the pace of the next
 * panel's fetch, the gradient's input groups and chunks, chosen from the shape and the CPU
 * (cpuid, cache sizes) by rules that docs/BENCHMARKS.md measured. train.c applies them to
 * each workspace.
 *
 * Pure. Every choice here changes speed only: the same bits whichever is taken (the tests
 * set them each way). */
#ifndef OVS_TRAIN_PLAN_H
#define OVS_TRAIN_PLAN_H

/* How the step reads X at one size on one CPU: the workspace's panel, by_panels and
 * fetch_next, chosen from (k, d, np) and the CPU's L2 in bytes (0: unknown) by
 * ovs_train_panel_plan (train_plan.c says where each pays); fits: the lane sums, a panel's
 * factors and two panels of X fit in L2 (fetch_next is then dropped on CPUs whose own
 * prefetchers keep up, train_plan.c). */
typedef struct {
    int panel, by_panels, fetch_next, fits;
} ovs_panel_plan;
ovs_panel_plan ovs_train_panel_plan(int k, int d, int np, long l2, int wide_k);

/* ovs_train_panel_plan's wide_k: the most units at which the step fetches panels of 96 where
 * nothing fits in L2, from cpuid as ovs_train_cpu_streams and the L2 in bytes: 64 on AMD
 * family 19h with 1 MiB of L2 or more (Zen 4), else 24 (train_plan.c says what was measured);
 * ovs_train_cpu_fetch_wide_k: this CPU's. */
int ovs_train_fetch_wide_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_fetch_wide_k(long l2);
#define OVS_TRAIN_WIDE_K 1 /* for benchmarks that also build older trees */

/* The most units at which the fetch takes a line at every step (the workspace's
 * fetch_each_step), from cpuid and the L2 as ovs_train_fetch_wide_k: 24 on those CPUs (Zen 4),
 * 8 on AMD family 1Ah with 1 MiB of L2 or more (Zen 5), else 0 (train_plan.c says what was
 * measured); ovs_train_cpu_fetch_each_step_k: this CPU's. */
int ovs_train_fetch_each_step_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_fetch_each_step_k(long l2);
/* The same bound for the forward pass's share of the fetch (train_plan.c: on Zen 5 every k that
 * fetches, elsewhere ovs_train_fetch_each_step_k); _cpu_: this CPU's. */
int ovs_train_fetch_forward_each_step_k(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_fetch_forward_each_step_k(long l2);
#define OVS_FETCH_FORWARD_EACH_STEP 1 /* for benchmarks that also build older trees */

/* Whether a CPU's own prefetchers keep up with the next panel where the panels fit in L2,
 * from its cpuid: leaf 0's EBX (the vendor's first four letters) and leaf 1's EAX (the
 * family): 1 for AMD family 1Ah (Zen 5) and later (train_plan.c says what was measured). */
int ovs_train_cpu_streams(unsigned vendor_ebx, unsigned leaf1_eax);

/* The workspace's grad_group_bytes from cpuid and the L2 as ovs_train_fetch_wide_k: 0 (no
 * input groups) where that gives 64 (Zen 4), else OVS_SMALLMM_GROUP_BYTES (train_plan.c says what
 * was measured); ovs_train_cpu_grad_group_bytes: this CPU's. */
int ovs_train_grad_group_bytes(unsigned vendor_ebx, unsigned leaf1_eax, long l2);
int ovs_train_cpu_grad_group_bytes(long l2);

/* The workspace's fetch_next: the plan's, dropped where the panels fit and the CPU's own
 * prefetchers keep up (cpu_streams: ovs_train_cpu_streams of this CPU). */
int ovs_train_fetch_next(ovs_panel_plan plan, int cpu_streams);

/* The workspace's grad_chunk at (d, np) with l1 bytes of L1 data cache (0: unknown): samples
 * per chunk of the gradient such that a chunk's d rows of X stay in L1, or 0 where the
 * kernel's own chunks (sized for L2) are kept (train_plan.c says where each pays). */
int ovs_train_grad_chunk(int d, int np, long l1);
#define OVS_TRAIN_GRAD_CHUNK 1 /* for benchmarks that also build older trees */

/* This CPU's L1 data cache (level 1) or L2 (level 2) in bytes, 0 where unknown. */
long ovs_train_cache_bytes(int level);

/* Everything above for a workspace of (k, d, np) on this CPU (train.c copies it into the
 * workspace's fields of the same names). */
typedef struct {
    int panel, by_panels, fetch_next, fetch_each_step, fetch_forward_each_step;
    int grad_group_bytes, grad_chunk;
} ovs_step_plan;
ovs_step_plan ovs_train_step_plan(int k, int d, int np);

#endif
