/* smallmm.c - register-blocked products and lane-ordered norms; see smallmm.h. Compiled once
 * per instruction set (simd.h, Makefile), like forward.c: every build defines its OVS_ISA(...)
 * functions on its native vectors; the baseline build also defines the public entry points
 * and ovs_simd_isa. */
#include "smallmm.h"

#include "simd.h"

#define LOAD(p) (*(const ovs_vd *)(p))
#define STORE(p, v) (*(ovs_vd *)(p) = (v))
#define INLINE static inline __attribute__((always_inline))
/* IN_REGISTER(v): v is loaded once into a register (gcc 12 folded the load of a row of mt
 * into each of its C multiply-adds, and the AVX2 block ran load-bound). No value changes. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(NO_IN_REGISTER)
#define IN_REGISTER(v) __asm__("" : "+v"(v))
#else
#define IN_REGISTER(v) (void)0
#endif

/* ---- the pre-activations zt = w xt ----  Blocks of PR units x S <= PS native sample
 * vectors of accumulators (as forward.c's), each summing over l in order. */
#define PR 4
#define PS (OVS_NW == 8 ? 4 : 3)

INLINE void preact_block(int d, int np, const double *w, const double *xt, double *zt, int j,
                         const int R, int i, const int S)
{
    ovs_vd a[PR][PS];
    for (int u = 0; u < R; u++)
        for (int s = 0; s < S; s++)
            a[u][s] = (ovs_vd){0};
    for (int l = 0; l < d; l++) {
        ovs_vd x[PS];
        for (int s = 0; s < S; s++)
            x[s] = LOAD(xt + (long)l * np + i + s * OVS_NW);
        for (int u = 0; u < R; u++) {
            const double c = w[(long)(j + u) * d + l];
            for (int s = 0; s < S; s++)
                a[u][s] += c * x[s];
        }
    }
    for (int u = 0; u < R; u++)
        for (int s = 0; s < S; s++)
            STORE(zt + (long)(j + u) * np + i + s * OVS_NW, a[u][s]);
}

INLINE void preact_samples(int k, int d, int np, const double *w, const double *xt,
                           double *zt, int i, const int S)
{
    int j = 0;
    for (; j + PR <= k; j += PR)
        preact_block(d, np, w, xt, zt, j, PR, i, S);
    switch (k - j) {
    case 3: preact_block(d, np, w, xt, zt, j, 3, i, S); break;
    case 2: preact_block(d, np, w, xt, zt, j, 2, i, S); break;
    case 1: preact_block(d, np, w, xt, zt, j, 1, i, S); break;
    default: break;
    }
}

void OVS_ISA(ovs_smallmm_preact)(int k, int d, int np, const double *w, const double *xt,
                                 double *zt)
{
    int i = 0;
    for (; i + PS * OVS_NW <= np; i += PS * OVS_NW)
        preact_samples(k, d, np, w, xt, zt, i, PS);
    switch ((np - i) / OVS_NW) {
#if PS > 3
    case 3: preact_samples(k, d, np, w, xt, zt, i, 3); break;
#endif
    case 2: preact_samples(k, d, np, w, xt, zt, i, 2); break;
    case 1: preact_samples(k, d, np, w, xt, zt, i, 1); break;
    default: break;
    }
}

/* ---- the gradient g = mt xt^T, vectorised over the samples ----
 * g_jl = sum_i mt_ji xt_li: lane q of an accumulator sums the samples i = q mod 8 in order
 * of i, then the 8 lanes are added in ovs_hsum's fixed tree (ovs_tree8): every element of g
 * in this one order, whichever block, chunk or build computes it. A block is R units x C
 * inputs, each element's 8 lanes in OVS_NH native vectors: GR x GC x OVS_NH accumulators in
 * registers (AVX-512 4 x 4 x 1, 6 x 4 x 1 from k = 40 in chunks: GR_PART; AVX2 3 x 2 x 2,
 * SSE2 2 x 1 x 4), R + C loads per native sample vector; units outer, inputs inner (a block's
 * R rows of mt stay in L1 while the inputs pass; the lanes below are read in order).
 * At large n, xt (d x np) no longer fits in L2 and every block of units would read it from
 * L3 or memory again (160 MB per update at n = 6400, d = 80, k = 120). There the samples run
 * in chunks whose d rows of xt stay in L2, each element's 8 lane sums waiting in memory
 * (lanes) from one chunk to the next: the same sums in the same order. train.c's
 * step_by_panels calls one chunk (ovs_smallmm_grad_part) per panel of X, after the forward
 * pass made that panel's factors. */
#if OVS_NW == 8
#define GR 4
#define GC 4
#define GR_PART 6
#elif OVS_NW == 4
#define GR 3
#define GC 2
#else
#define GR 2
#define GC 1
#endif
/* GR_PART: the block height of ovs_smallmm_grad_part (chunks and panels past the grid) from
 * k = GR_PART_MIN_K on. AVX-512: 6 units x 4 inputs (29 of 32 registers), 10 loads per 24
 * FMAs instead of 8 per 16, a chunk's x rows read k / 6 times instead of k / 4. Zen 5
 * (docs/BENCHMARKS.md round 29, ab_step): 0.95-1.00 of the time at (1600, 48, 50) to
 * (6400, 120, 80) and (6400, 40, 160), 1.03-1.05 at k = 20, level at (800, 30, 40): below 40
 * the blocks of 4 stay, as in the grid's ovs_smallmm_grad_lanes (1.02 at (200, 20, 20)). */
#ifndef GR_PART
#define GR_PART GR
#endif
#ifndef GR_PART_MIN_K
#define GR_PART_MIN_K 40
#endif
#define GR_MAX (GR_PART > GR ? GR_PART : GR)

#if OVS_NW == 4
/* ovs_tree8 of four elements' lanes at once (AVX2: 8 lanes in 2 vectors): [tree(a), tree(b),
 * tree(c), tree(e)]. t = h0 + h1 holds lanes (0+4) (1+5) (2+6) (3+7); the halves of two
 * elements' t paired give (0+4)+(2+6) and (1+5)+(3+7) in one add, one more add of neighbours
 * their sum: ovs_tree8's additions, operand for operand, in 7 adds and 6 shuffles. */
INLINE ovs_vd tree8_four(const ovs_vd *a, const ovs_vd *b, const ovs_vd *c, const ovs_vd *e)
{
    const ovs_vd ta = a[0] + a[1], tb = b[0] + b[1], tc = c[0] + c[1], te = e[0] + e[1];
    /* [ta0 + ta2, ta1 + ta3, tc0 + tc2, tc1 + tc3], and the same of b and e */
    const ovs_vd ac = __builtin_shufflevector(ta, tc, 0, 1, 4, 5) +
                      __builtin_shufflevector(ta, tc, 2, 3, 6, 7);
    const ovs_vd be = __builtin_shufflevector(tb, te, 0, 1, 4, 5) +
                      __builtin_shufflevector(tb, te, 2, 3, 6, 7);
    return __builtin_shufflevector(ac, be, 0, 4, 2, 6) +
           __builtin_shufflevector(ac, be, 1, 5, 3, 7);
}

/* The last chunk's sums of a block into g, four elements at a time: rows in pairs where
 * C = 2, the units' column where C = 1. */
INLINE void tree8_block(ovs_vd acc[GR_MAX][GC][OVS_NH], double *g, int d, const int R,
                        const int C)
{
    if (C == 2) {
        int u = 0;
        for (; u + 2 <= R; u += 2) {
            const ovs_vd s = tree8_four(acc[u][0], acc[u][1], acc[u + 1][0], acc[u + 1][1]);
            g[(long)u * d] = s[0], g[(long)u * d + 1] = s[1];
            g[(long)(u + 1) * d] = s[2], g[(long)(u + 1) * d + 1] = s[3];
        }
        if (u < R) {
            const ovs_vd s = tree8_four(acc[u][0], acc[u][1], acc[u][0], acc[u][1]);
            g[(long)u * d] = s[0], g[(long)u * d + 1] = s[1];
        }
    } else {
        const ovs_vd s = tree8_four(acc[0][0], acc[R > 1][0], acc[R > 2 ? 2 : 0][0], acc[0][0]);
        for (int u = 0; u < R; u++)
            g[(long)u * d] = s[u];
    }
}
#endif

#if OVS_NW == 8
/* ovs_tree8 of eight elements' lanes at once (AVX-512: each element's 8 lanes in one vector):
 * [tree(e[0]), ..., tree(e[7])]. The halves of two elements paired give their (0+4) (1+5)
 * (2+6) (3+7) in one add; those of two such vectors, (0+4)+(2+6) and (1+5)+(3+7); one more
 * add, the sum: ovs_tree8's additions, operand for operand, in 7 adds and 14 shuffles (gcc
 * made ovs_tree8 one element at a time: about 6 operations each, and spills). */
INLINE ovs_vd tree8_eight(const ovs_vd *e[8])
{
    ovs_vd p[4], q[2];
    for (int t = 0; t < 4; t++) /* [a04 a15 a26 a37 b04 b15 b26 b37], a = e[2t], b = e[2t+1] */
        p[t] = __builtin_shufflevector(*e[2 * t], *e[2 * t + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
               __builtin_shufflevector(*e[2 * t], *e[2 * t + 1], 4, 5, 6, 7, 12, 13, 14, 15);
    for (int t = 0; t < 2; t++) /* [a0426 a1537 c0426 c1537 b.. b.. d.. d..] */
        q[t] = __builtin_shufflevector(p[2 * t], p[2 * t + 1], 0, 1, 8, 9, 4, 5, 12, 13) +
               __builtin_shufflevector(p[2 * t], p[2 * t + 1], 2, 3, 10, 11, 6, 7, 14, 15);
    return __builtin_shufflevector(q[0], q[1], 0, 4, 2, 6, 8, 12, 10, 14) +
           __builtin_shufflevector(q[0], q[1], 1, 5, 3, 7, 9, 13, 11, 15);
}

typedef double ovs_v4u __attribute__((vector_size(32), aligned(8), may_alias));

/* The last chunk's sums of a block into g, eight elements at a time: two rows of four where
 * C = 4 (an odd R's last row alone, its lanes doubled), else the R C elements in row order,
 * stored one by one from a copy in memory. */
INLINE void tree8_block(ovs_vd acc[GR_MAX][GC][OVS_NH], double *g, int d, const int R,
                        const int C)
{
    if (C == 4) {
        for (int u = 0; u < R; u += 2) {
            const int w = u + 1 < R ? u + 1 : u;
            const ovs_vd *e[8] = {acc[u][0], acc[u][1], acc[u][2], acc[u][3],
                                  acc[w][0], acc[w][1], acc[w][2], acc[w][3]};
            const ovs_vd s = tree8_eight(e);
            *(ovs_v4u *)(g + (long)u * d) = __builtin_shufflevector(s, s, 0, 1, 2, 3);
            if (w != u)
                *(ovs_v4u *)(g + (long)w * d) = __builtin_shufflevector(s, s, 4, 5, 6, 7);
        }
        return;
    }
    for (int q0 = 0; q0 < R * C; q0 += 8) {
        const ovs_vd *e[8];
        for (int t = 0; t < 8; t++) {
            const int q = q0 + t < R * C ? q0 + t : q0;
            e[t] = acc[q / C][q % C];
        }
        double out[8] __attribute__((aligned(64)));
        STORE(out, tree8_eight(e));
        for (int t = 0; t < 8 && q0 + t < R * C; t++)
            g[(long)((q0 + t) / C) * d + (q0 + t) % C] = out[t];
    }
}
#endif

/* A block's 8 samples at i, in grad_block: each element's OVS_NH vectors of lanes, R + C loads
 * per vector. A macro, so that both loops below hold the same code (as a function taking the
 * accumulators by pointer it cost the large-n study's ReLU updates 1-3%, round 21). AVX-512,
 * R = 3: gcc 12 folded each x load into its 3 FMAs (3 C loads a step, not C), and a block of
 * 3 took as long as one of 4; x held in registers, 0.79 of it (round 39). Held at R = 2 the
 * update read 1.06-1.15 at (6400, 6, 640) (X's stream), 0.94-1.07 on the grid. R = 4, 6: once. */
#define GRAD_STEP(i)                                                                       \
    for (int h = 0; h < OVS_NH; h++) {                                                     \
        ovs_vd xv[GC];                                                                     \
        if (next)                                                                          \
            ovs_fetch_steps(&at, next->end, (i) / OVS_VL * OVS_NH + h, mask, 1 + (R > 4)); \
        for (int v = 0; v < C; v++)                                                        \
            xv[v] = LOAD(x[v] + (i) + h * OVS_NW);                                         \
        for (int v = 0; v < C && R == 3 && OVS_NW == 8; v++)                               \
            IN_REGISTER(xv[v]);                                                            \
        for (int u = 0; u < R; u++) {                                                      \
            ovs_vd mv = LOAD(m[u] + (i) + h * OVS_NW);                                     \
            IN_REGISTER(mv);                                                               \
            for (int v = 0; v < C; v++)                                                    \
                acc[u][v][h] += mv * xv[v];                                                \
        }                                                                                  \
    }

/* Units j..j+R-1, inputs c..c+C-1, over the count samples (a multiple of 8) of a chunk: row j
 * of its factors at mt + j ldm, row l of its inputs at x + l ldx. The lane sums start at zero
 * (first chunk) or from lanes, and end in g (last chunk) or in lanes (8 doubles per element
 * at lanes + (j d + l) 8). unrolled (GRAD_CONST_NP): count a constant, its loop unrolled. */
INLINE void grad_block(int d, const double *mt, int ldm, const double *xs, int ldx, int count,
                       double *g, double *lanes, int j, int c, const int R, const int C,
                       int first, int last, ovs_fetch *next, const int unrolled)
{
    const double *m[GR_MAX], *x[GC];
    ovs_vd acc[GR_MAX][GC][OVS_NH];
    for (int u = 0; u < R; u++)
        m[u] = mt + (long)(j + u) * ldm;
    for (int v = 0; v < C; v++)
        x[v] = xs + (long)(c + v) * ldx;
    for (int u = 0; u < R; u++)
        for (int v = 0; v < C; v++)
            for (int h = 0; h < OVS_NH; h++)
                acc[u][v][h] = first ? (ovs_vd){0}
                                     : LOAD(lanes + ((long)(j + u) * d + c + v) * 8 + h * OVS_NW);
    const char *at = next ? next->at : NULL;
    const unsigned mask = next ? ovs_fetch_mask(next) : 0;
    if (unrolled) {
#pragma GCC unroll 32
        for (int i = 0; i < count; i += OVS_VL)
            GRAD_STEP(i)
    } else {
        for (int i = 0; i < count; i += OVS_VL)
            GRAD_STEP(i)
    }
    if (next)
        next->at = at;
#if OVS_NW == 4 || OVS_NW == 8
    if (last) {
        tree8_block(acc, g + (long)j * d + c, d, R, C);
        return;
    }
#endif
    for (int u = 0; u < R; u++)
        for (int v = 0; v < C; v++) {
            const long e = (long)(j + u) * d + c + v;
            if (last)
                g[e] = ovs_tree8(acc[u][v]);
            else
                for (int h = 0; h < OVS_NH; h++)
                    STORE(lanes + e * 8 + h * OVS_NW, acc[u][v][h]);
        }
}

/* Units j..j+R-1, inputs c0..c1-1: blocks of GC, then the (c1 - c0) mod GC left. */
INLINE void grad_units(int d, const double *mt, int ldm, const double *xs, int ldx, int count,
                       double *g, double *lanes, int j, const int R, int c0, int c1,
                       int first, int last, ovs_fetch *next, const int unrolled)
{
    int c = c0;
    for (; c + GC <= c1; c += GC)
        grad_block(d, mt, ldm, xs, ldx, count, g, lanes, j, c, R, GC, first, last, next,
                   unrolled);
    switch (c1 - c) {
#if GC > 3
    case 3:
        grad_block(d, mt, ldm, xs, ldx, count, g, lanes, j, c, R, 3, first, last, next, unrolled);
        break;
#endif
#if GC > 2
    case 2:
        grad_block(d, mt, ldm, xs, ldx, count, g, lanes, j, c, R, 2, first, last, next, unrolled);
        break;
#endif
#if GC > 1
    case 1:
        grad_block(d, mt, ldm, xs, ldx, count, g, lanes, j, c, R, 1, first, last, next, unrolled);
        break;
#endif
    default: break;
    }
}

/* Inputs per group: as many x rows of the chunk as fill `bytes` (smallmm.h's group_bytes; a
 * multiple of GC), where d >= GRAD_GROUP_MIN_D (the study's d = n/20, n/10 from n = 3200) and
 * the chunk's x rows are 4 `bytes` or more; else all d, as where fewer than 2 GC would fill
 * it (GC inputs read the factors from L2 once per group) or bytes is 0. 24 KiB groups won at
 * d = 320-640 on Intel (up to 2x, round 15) and Zen 3 (0.82-0.88 of a held panel's gradient,
 * round 17), cost AMD 3-10% at d = 80-256. Zen 4: train_plan.c's ovs_train_grad_group_bytes. */
#ifndef GRAD_GROUP_MIN_D
#define GRAD_GROUP_MIN_D 256
#endif
static inline int grad_group(int d, int count, int bytes)
{
    if (bytes <= 0 || d < GRAD_GROUP_MIN_D || 8L * d * count < 4L * bytes)
        return d;
    const int q = (int)(bytes / (8L * count)) / GC * GC;
    return q >= d || q < 2 * GC ? d : q;
}

int OVS_ISA(ovs_smallmm_group_width)(int d, int count, int bytes)
{
    return grad_group(d, count, bytes);
}

/* One chunk (smallmm.h's ovs_smallmm_grad_part): the inputs in groups whose x rows stay in L1
 * (grad_group) while every block of RB units, then the k mod RB left, passes over them (one
 * group: x rows from L2 once per block); the same sums whichever group computes them.
 * Inlined into both entry points (a call more per update cost the small cells 3-7%). */
INLINE void grad_chunk_all(int k, int d, const double *mt, int ldm, const double *x, int ldx,
                           int count, double *g, double *lanes, int first, int last,
                           ovs_fetch *next, const int unrolled, const int RB, int group_bytes)
{
    const int group = grad_group(d, count, group_bytes);
    for (int c0 = 0; c0 < d; c0 += group) {
        const int c1 = c0 + group < d ? c0 + group : d;
        /* blocks of RB; where RB > 4 leaves 1 or 2 units, the last RB + 1 or RB + 2 as 4 and
         * the rest, so that no block of 1-2 units (8 or fewer chains, more loads per FMA)
         * remains where there are more units to share it */
        int full = k / RB, rest = k - full * RB;
        if (RB > 4 && full > 0 && rest > 0 && rest < 3)
            full--, rest += RB;
        int j = 0;
#define UNITS(R)                                                                                   \
    grad_units(d, mt, ldm, x, ldx, count, g, lanes, j, R, c0, c1, first, last, next, unrolled)
        for (; j < full * RB; j += RB)
            UNITS(RB);
#if GR_MAX > 4
        if (rest > 5) {
            UNITS(4);
            j += 4;
        }
#endif
        switch (k - j) {
#if GR_MAX > 5
        case 5: UNITS(5); break;
#endif
#if GR_MAX > 4
        case 4: UNITS(4); break;
#endif
#if GR_MAX > 3
        case 3: UNITS(3); break;
#endif
#if GR_MAX > 2
        case 2: UNITS(2); break;
#endif
#if GR_MAX > 1
        case 1: UNITS(1); break;
#endif
#undef UNITS
        default: break;
        }
    }
}

/* k = 5, 9, 10 from d = 64 on AVX-512: blocks of 5 (and 4), not 4 and a block of 1 or 2
 * (more loads per FMA, each fetching two lines a step: GRAD_STEP). (5, 640), panels of 96:
 * 48 GFLOP/s against 42; (9, 640) 47.7 against 45.8 (docs/BENCHMARKS.md round 38); k = 10
 * 0.88-0.96 of the update's time at d = 160-640, k = 15 1.00-1.06 (round 42). Not inlined:
 * beside the other loops it cost k = 6-20 4-18% (code placement). The same sums. */
#if GR_MAX > 4
static __attribute__((noinline)) void grad_part_five(int k, int d, const double *mt, int ldm,
    const double *x, int ldx, int count, double *g, double *lanes, int first, int last,
    ovs_fetch *next, int gb)
{
    if (next && next->at < next->end)
        grad_chunk_all(k, d, mt, ldm, x, ldx, count, g, lanes, first, last, next, 0, 5, gb);
    else
        grad_chunk_all(k, d, mt, ldm, x, ldx, count, g, lanes, first, last, NULL, 0, 5, gb);
}
#endif

/* With and without a fetch: its test stays out of the loops without one, which also run where
 * nothing is left (the forward pass fetched all of the next panel from k = 13 or 29, fetch.h;
 * there the loops with a fetch ran 5-7% slower at k = 16-20 on Zen 4, round 37). */
void OVS_ISA(ovs_smallmm_grad_part)(int k, int d, const double *mt, int ldm, const double *x,
                                    int ldx, int count, double *g, double *lanes, int first,
                                    int last, ovs_fetch *next, int group_bytes)
{
#define CHUNK(fetch, RB)                                                                       \
    grad_chunk_all(k, d, mt, ldm, x, ldx, count, g, lanes, first, last, fetch, 0, RB, group_bytes)
#if GR_MAX > 4
    if (d >= 64 && (k == 5 || k == 9 || k == 10)) { /* grad_part_five */
        grad_part_five(k, d, mt, ldm, x, ldx, count, g, lanes, first, last, next, group_bytes);
        return;
    }
#endif
    const int tall = GR_PART > GR && k >= GR_PART_MIN_K;
    if (next && next->at < next->end)
        tall ? CHUNK(next, GR_PART) : CHUNK(next, GR);
    else
        tall ? CHUNK(NULL, GR_PART) : CHUNK(NULL, GR);
#undef CHUNK
}

/* Samples per chunk: all while xt's d rows fit in GRAD_L2 bytes, else as many as fit (a
 * multiple of 8, at least 64); without lanes, all. */
#ifndef GRAD_L2
#define GRAD_L2 (256 * 1024)
#endif
static int grad_chunk(int d, int np, const double *lanes)
{
    const long row = 8L * d;
    if (!lanes || row * np <= GRAD_L2)
        return np;
    int b = (int)(GRAD_L2 / row) / OVS_VL * OVS_VL;
    return b < 64 ? 64 : b;
}

/* The Figure-2 grid's np (n = 100, 200) a compile-time constant: a function per np whose
 * loops over the samples unroll in full (13 and 25 steps of 8; the same bits). A block's loop
 * is that short there and its exit and set-up weigh: the gradient alone 0.89-0.97 of its time
 * at ten grid cells, the update 0.97-1.00 at n = 100 but 1.03 at (100, 5, 5) (AVX2, round 21;
 * unrolling by 2-4 at every np made gcc spill, 1.3-2x); AVX-512 (round 31, Zen 5): the grid's
 * ReLU cells 0.93-0.97, softplus's 0.98-0.99. docs/BENCHMARKS.md rounds 21 and 31. */
#if defined(OVS_BUILD_V3) || defined(OVS_BUILD_V4)
#define GRAD_CONST_NP 1
#define GRAD_NP(NP)                                                                        \
    static __attribute__((noinline)) void grad_np##NP(int k, int d, const double *mt,      \
                                                      const double *xt, double *g, int gb) \
    {                                                                                      \
        grad_chunk_all(k, d, mt, NP, xt, NP, NP, g, NULL, 1, 1, NULL, 1, GR, gb);          \
    }
GRAD_NP(104) GRAD_NP(200)
#else
#define GRAD_CONST_NP 0
#endif

void OVS_ISA(ovs_smallmm_grad_lanes)(int k, int d, int np, const double *mt, const double *xt,
                                     double *g, double *lanes, int group_bytes)
{
    const int b = grad_chunk(d, np, lanes);
#if GRAD_CONST_NP
    if (b == np && np == 104) {
        grad_np104(k, d, mt, xt, g, group_bytes);
        return;
    }
    if (b == np && np == 200) {
        grad_np200(k, d, mt, xt, g, group_bytes);
        return;
    }
#endif
    for (int i0 = 0; i0 < np; i0 += b) {
        const int i1 = i0 + b < np ? i0 + b : np;
        grad_chunk_all(k, d, mt + i0, np, xt + i0, np, i1 - i0, g, lanes, i0 == 0, i1 == np,
                       NULL, 0, GR, group_bytes);
    }
}

/* ---- the lane-ordered sum of squares ---- */
double OVS_ISA(ovs_smallmm_sum_squares)(const double *a, int m)
{
    ovs_vd acc[OVS_NH];
    for (int h = 0; h < OVS_NH; h++)
        acc[h] = (ovs_vd){0};
    int i = 0;
    for (; i + OVS_VL <= m; i += OVS_VL)
        for (int h = 0; h < OVS_NH; h++) {
            ovs_vd x = LOAD(a + i + h * OVS_NW);
            acc[h] += x * x;
        }
    if (i < m) { /* the last partial 8: zeros in the lanes past m, which add +0 */
        double t[OVS_VL] __attribute__((aligned(64))) = {0};
        for (int l = 0; i + l < m; l++)
            t[l] = a[i + l];
        for (int h = 0; h < OVS_NH; h++) {
            ovs_vd x = LOAD(t + h * OVS_NW);
            acc[h] += x * x;
        }
    }
    return ovs_tree8(acc);
}

/* ---- the GD step's weights and the gradient's norm in one pass ----
 * eta g_i rounded before the difference, as train.c's loop w_i -= eta g_i did in the baseline
 * build (no FMA) until round 30 (OVS_ROUNDED): every build gives the baseline's weights. */
double OVS_ISA(ovs_smallmm_descend)(double *w_next, const double *w, const double *g,
                                    double eta, int m)
{
    ovs_vd acc[OVS_NH];
    for (int h = 0; h < OVS_NH; h++)
        acc[h] = (ovs_vd){0};
    const ovs_vd e = (ovs_vd){0} + eta;
    int i = 0;
    for (; i + OVS_VL <= m; i += OVS_VL)
        for (int h = 0; h < OVS_NH; h++) { /* acc as in sum_squares: the same bits */
            const ovs_vd x = LOAD(g + i + h * OVS_NW);
            acc[h] += x * x;
            ovs_vd step = e * x;
            OVS_ROUNDED(step);
            STORE(w_next + i + h * OVS_NW, LOAD(w + i + h * OVS_NW) - step);
        }
    if (i < m) { /* the last partial 8 one by one, its squares as sum_squares adds them */
        double t[OVS_VL] __attribute__((aligned(64))) = {0};
        for (int l = 0; i + l < m; l++) {
            double step = eta * g[i + l];
            OVS_ROUNDED(step);
            w_next[i + l] = w[i + l] - step;
            t[l] = g[i + l];
        }
        for (int h = 0; h < OVS_NH; h++) {
            const ovs_vd x = LOAD(t + h * OVS_NW);
            acc[h] += x * x;
        }
    }
    return ovs_tree8(acc);
}

#if !defined(OVS_BUILD_V3) && !defined(OVS_BUILD_V4)
/* ---- the baseline build: which build runs, and the public entry points ---- */
int ovs_simd_isa(void)
{
    static int isa = -1;
    if (isa < 0) {
        int best = OVS_ISA_BASE;
#if defined(__x86_64__) && (defined(OVS_HAVE_V3) || defined(OVS_HAVE_V4))
        __builtin_cpu_init();
        const int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                       __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
        const int v4 = v3 && __builtin_cpu_supports("avx512f") &&
                       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd") &&
                       __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#ifdef OVS_HAVE_V3
        best = v3 ? OVS_ISA_V3 : best;
#endif
#ifdef OVS_HAVE_V4
        best = v4 ? OVS_ISA_V4 : best;
#endif
        (void)v3, (void)v4;
#endif
        isa = best;
    }
    return isa;
}

void ovs_smallmm_preact(int k, int d, int np, const double *w, const double *xt, double *zt)
{
    OVS_PICK(ovs_smallmm_preact)(k, d, np, w, xt, zt);
}

void ovs_smallmm_grad_lanes(int k, int d, int np, const double *mt, const double *xt,
                            double *g, double *lanes, int group_bytes)
{
    OVS_PICK(ovs_smallmm_grad_lanes)(k, d, np, mt, xt, g, lanes, group_bytes);
}

void ovs_smallmm_grad_part(int k, int d, const double *mt, int ldm, const double *x, int ldx,
                           int count, double *g, double *lanes, int first, int last,
                           ovs_fetch *next, int group_bytes)
{
    OVS_PICK(ovs_smallmm_grad_part)(k, d, mt, ldm, x, ldx, count, g, lanes, first, last, next,
                                    group_bytes);
}

void ovs_smallmm_grad(int k, int d, int np, const double *mt, const double *xt, double *g)
{
    ovs_smallmm_grad_lanes(k, d, np, mt, xt, g, NULL, OVS_SMALLMM_GROUP_BYTES);
}

double ovs_smallmm_sum_squares(const double *a, int m)
{
    return OVS_PICK(ovs_smallmm_sum_squares)(a, m);
}

double ovs_smallmm_descend(double *w_next, const double *w, const double *g, double eta, int m)
{
    return OVS_PICK(ovs_smallmm_descend)(w_next, w, g, eta, m);
}

int ovs_smallmm_group_width(int d, int count, int bytes)
{
    return OVS_PICK(ovs_smallmm_group_width)(d, count, bytes);
}
#endif
