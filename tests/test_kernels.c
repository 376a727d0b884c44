/* test_kernels.c - the builds of the kernel files (forward.c, smallmm.c: baseline, x86-64-v3,
 * x86-64-v4; simd.h) against scalar references of the orders they state, bit for bit:
 *  - the gradient product: lane q sums the samples i = q mod 8 in order, then ovs_hsum's
 *    tree; in one pass and in chunks of samples with the lane sums kept between them;
 *  - the lane-ordered sum of squares (the norms of train.c);
 *  - the pre-activations (summed over l in order) and the fused forward pass (f summed over
 *    units in order, r = f - y, the factors m), ReLU and softplus;
 *  - the gradient of a training step at a size where train.c cuts it into chunks.
 * The references are computed twice, with every multiply-add fused (fma) and with all of
 * them rounded twice: the builds with FMA must match the first, the baseline x86-64 build
 * (no FMA) the second; each build must match one of them everywhere. The builds linked in
 * (OVS_HAVE_V3 / OVS_HAVE_V4, from the Makefile) are run where the CPU has their
 * instructions, and the dispatcher must pick the best of them. */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "rng.h"
#include "simd.h"
#include "smallmm.h"
#include "status.h"
#include "train.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct build {
    const char *name;
    int isa;
    int (*fwd)(int, int, int, int, int, const double *, const double *, int, const double *,
               const double *, double *, double *, double *, double *);
    void (*softplus)(const double *, double *, double *, int);
    void (*softplus_array)(const double *, double *, double *, size_t);
    void (*preact)(int, int, int, const double *, const double *, double *);
    void (*grad)(int, int, int, const double *, const double *, double *, double *, int);
    double (*sumsq)(const double *, int);
    double (*descend)(double *, const double *, const double *, double, int);
    int (*fwd_part)(int, int, int, int, int, const double *, const double *, int,
                    const double *, const double *, double *, int, double *, double *, double *,
                    int, int, ovs_fetch *);
    void (*grad_part)(int, int, const double *, int, const double *, int, int, double *,
                      double *, int, int, ovs_fetch *, int);
    int (*group)(int, int, int);
    int gc; /* the gradient's inputs per register block (smallmm.c's GC) */
} build;

static const build builds[] = {
    {"base", OVS_ISA_BASE, ovs_forward_fused_base, ovs_forward_softplus_base,
     ovs_forward_softplus_array_base,
     ovs_smallmm_preact_base, ovs_smallmm_grad_lanes_base, ovs_smallmm_sum_squares_base,
     ovs_smallmm_descend_base, ovs_forward_fused_part_base, ovs_smallmm_grad_part_base,
     ovs_smallmm_group_width_base, 1},
#ifdef OVS_HAVE_V3
    {"x86-64-v3", OVS_ISA_V3, ovs_forward_fused_v3, ovs_forward_softplus_v3,
     ovs_forward_softplus_array_v3,
     ovs_smallmm_preact_v3, ovs_smallmm_grad_lanes_v3, ovs_smallmm_sum_squares_v3,
     ovs_smallmm_descend_v3, ovs_forward_fused_part_v3, ovs_smallmm_grad_part_v3,
     ovs_smallmm_group_width_v3, 2},
#endif
#ifdef OVS_HAVE_V4
    {"x86-64-v4", OVS_ISA_V4, ovs_forward_fused_v4, ovs_forward_softplus_v4,
     ovs_forward_softplus_array_v4,
     ovs_smallmm_preact_v4, ovs_smallmm_grad_lanes_v4, ovs_smallmm_sum_squares_v4,
     ovs_smallmm_descend_v4, ovs_forward_fused_part_v4, ovs_smallmm_grad_part_v4,
     ovs_smallmm_group_width_v4, 4},
#endif
};
enum { NBUILDS = sizeof builds / sizeof builds[0] };

/* a b + c, fused or rounded twice */
static double madd(double a, double b, double c, int fused)
{
    return fused ? fma(a, b, c) : a * b + c;
}

static double tree8(const double *a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

static double *dalloc(size_t count)
{
    size_t bytes = (sizeof(double) * (count ? count : 1) + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes);
    memset(p, 0, bytes);
    return p;
}

/* Normal values in the n real columns of a rows x np array, zero in the padding. */
static void fill(double *a, int rows, int n, int np, uint64_t seed, double scale)
{
    ovs_rng rng;
    const int64_t coord = (int64_t)seed;
    ovs_rng_for_tuple(&rng, 2026, 5, &coord, 1);
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < np; i++)
            a[(size_t)r * np + i] = i < n ? scale * ovs_rng_normal(&rng) : 0.0;
}

static int same(const double *a, const double *b, size_t count)
{
    return memcmp(a, b, sizeof(double) * count) == 0;
}

/* Which references a build matched: bit 0 fused, bit 1 plain; a build must keep one bit set
 * through all its checks. */
static void match(int *ok, int fused_same, int plain_same)
{
    *ok &= (fused_same ? 1 : 0) | (plain_same ? 2 : 0);
}

static void grad_ref(int k, int d, int np, const double *mt, const double *xt, double *g,
                     int fused)
{
    for (int j = 0; j < k; j++)
        for (int l = 0; l < d; l++) {
            double lanes[8] = {0};
            for (int i = 0; i < np; i++)
                lanes[i % 8] = madd(mt[(size_t)j * np + i], xt[(size_t)l * np + i], lanes[i % 8],
                                    fused);
            g[j * d + l] = tree8(lanes);
        }
}

/* The 8 lanes of sum_i a_i^2 (lane l: the i = l mod 8, in order of i) */
static void sumsq_lanes(const double *a, int m, int fused, double *lanes)
{
    for (int l = 0; l < 8; l++)
        lanes[l] = 0.0;
    for (int i = 0; i < m; i++)
        lanes[i % 8] = madd(a[i], a[i], lanes[i % 8], fused);
}

static double sumsq_ref(const double *a, int m, int fused)
{
    double lanes[8];
    sumsq_lanes(a, m, fused, lanes);
    return tree8(lanes);
}

/* The gradient on shapes that give every block form of every build (k mod 2, 3, 4; d mod 2,
 * 3, 4), also at the Figure-2 grid's np = 104 and 200, whose AVX2 and AVX-512 loops are
 * unrolled in full (smallmm.c's GRAD_CONST_NP: k mod 3 = 0-2 and k mod 4 = 0-3, d mod 4 = 0-3
 * there), and, with lanes, one chunk or several
 * (d np 8 bytes above 256 KB: 1040 x 40, 3000 x 11, 4096 x 64 and 1200 x 270), against the
 * references; with and without lanes, the same bits. 1200 x 270: chunks of 120 samples whose
 * x rows (259 KB) run in groups of 24 inputs on AVX2 and AVX-512 (smallmm.c's grad_group; the
 * last group 6 wide), and with no groups (group_bytes 0) the same bits. */
static void test_gradient(const build *b)
{
    const int shapes[][3] = {{5, 1, 1},     {16, 3, 2},   {40, 7, 3},  {64, 8, 4},
                             {104, 9, 5},   {200, 25, 25}, {33, 12, 6}, {100, 6, 7},
                             {48, 17, 9},   {24, 14, 3},  {1040, 7, 40}, {3000, 5, 11},
                             {4096, 10, 64}, {1200, 9, 270}, {100, 8, 6},  {197, 11, 4},
                             {200, 4, 1}};
    int ok = 3, chunked_same = 1;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2], np = ovs_pad(n);
        double *mt = dalloc((size_t)k * np), *xt = dalloc((size_t)d * np);
        double *g = dalloc((size_t)k * d), *g2 = dalloc((size_t)k * d);
        double *gf = dalloc((size_t)k * d), *gp = dalloc((size_t)k * d);
        double *lanes = dalloc(OVS_SMALLMM_LANES(k, d));
        fill(mt, k, n, np, 10 + c, 1.0);
        fill(xt, d, n, np, 40 + c, 1.0);
        b->grad(k, d, np, mt, xt, g, NULL, OVS_SMALLMM_GROUP_BYTES);
        b->grad(k, d, np, mt, xt, g2, lanes, OVS_SMALLMM_GROUP_BYTES);
        grad_ref(k, d, np, mt, xt, gf, 1);
        grad_ref(k, d, np, mt, xt, gp, 0);
        chunked_same &= same(g, g2, (size_t)k * d);
        b->grad(k, d, np, mt, xt, g2, lanes, 0); /* no input groups (Zen 4): the same bits */
        chunked_same &= same(g, g2, (size_t)k * d);
        match(&ok, same(g, gf, (size_t)k * d), same(g, gp, (size_t)k * d));
        free(mt), free(xt), free(g), free(g2), free(gf), free(gp), free(lanes);
    }
    CHECK(chunked_same);
    CHECK(ok != 0);
    CHECK(b->isa == OVS_ISA_BASE || (ok & 1)); /* the FMA builds: the fused order */
}

/* The gradient's input groups (smallmm.c's grad_group), known answers: x rows of 24 KiB
 * (OVS_SMALLMM_GROUP_BYTES; a multiple of the build's GC) where d >= 256 and the chunk's x
 * rows take 96 KiB or more; else one group of all d (round 17: groups cost 3-10% at
 * d = 80-256 on a 512 KiB L2). Other sizes scale alike (12 KiB: from 48 KiB of rows); 0 bytes
 * (train.c's choice on Zen 4): all d always. The shapes of test_gradient and test_parts that
 * run in groups are among them. */
static void test_group_width(const build *b)
{
    const int cases[][4] = {/* d, count, bytes, inputs per group (0: bytes of rows, to GC) */
                            {270, 120, 24576, 0},   {276, 96, 24576, 32},    {276, 192, 24576, 16},
                            {276, 16, 24576, 276},  {255, 1000, 24576, 255}, {256, 192, 24576, 16},
                            {160, 192, 24576, 160}, {80, 192, 24576, 80},    {640, 64, 24576, 48},
                            {640, 96, 24576, 32},   {2000, 4096, 24576, 2000},
                            {640, 96, 12288, 16},   {640, 48, 12288, 32},    {276, 20, 12288, 276},
                            {640, 96, 0, 640},      {276, 192, 0, 276},      {2000, 96, 0, 2000}};
    int ok = OVS_SMALLMM_GROUP_BYTES == 24576;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int d = cases[c][0], count = cases[c][1], bytes = cases[c][2];
        const int want = cases[c][3] ? cases[c][3] : bytes / (8 * count) / b->gc * b->gc;
        const int got = b->group(d, count, bytes);
        if (got != want) {
            printf("    group width at d = %d, %d samples, %d bytes: %d, want %d\n", d, count,
                   bytes, got, want);
            ok = 0;
        }
    }
    CHECK(ok);
}

static void test_sum_squares(const build *b)
{
    const int sizes[] = {1, 7, 8, 9, 15, 100, 625, 1001, 6400};
    int ok = 3;
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        const int m = sizes[c];
        double *a = dalloc((size_t)m);
        fill(a, 1, m, m, 70 + c, 3.0);
        double s = b->sumsq(a, m), sf = sumsq_ref(a, m, 1), sp = sumsq_ref(a, m, 0);
        match(&ok, memcmp(&s, &sf, sizeof s) == 0, memcmp(&s, &sp, sizeof s) == 0);
        free(a);
    }
    CHECK(ok != 0);
    CHECK(b->isa == OVS_ISA_BASE || (ok & 1));
}

/* The GD step's weights and the gradient's norm in one pass (train.c's descend), against w_i -
 * (eta g_i) with the product rounded on its own (the loop the trainer ran until round 30, as
 * the baseline build compiles it) and the build's own sum of squares, bit for bit, in place
 * too; one FMA per weight gives other bits at some of these sizes (checked, so that a build
 * that fused them would fail here). */
static void test_descend(const build *b)
{
    const int sizes[] = {1, 7, 8, 9, 15, 100, 625, 1001, 6400};
    const double eta = 0.15;
    int ok = 1, fma_differs = 0;
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        const int m = sizes[c];
        double *w = dalloc((size_t)m), *g = dalloc((size_t)m), *next = dalloc((size_t)m);
        double *want = dalloc((size_t)m), *inplace = dalloc((size_t)m);
        fill(w, 1, m, m, 90 + c, 1.0);
        fill(g, 1, m, m, 120 + c, 3.0);
        for (int i = 0; i < m; i++) {
            volatile double step = eta * g[i]; /* rounded here: no FMA across the store */
            want[i] = w[i] - step;
            const double fused = fma(-eta, g[i], w[i]);
            fma_differs |= memcmp(&fused, &want[i], sizeof fused) != 0;
        }
        memcpy(inplace, w, sizeof(double) * (size_t)m);
        const double s = b->descend(next, w, g, eta, m), want_s = b->sumsq(g, m);
        const double s2 = b->descend(inplace, inplace, g, eta, m);
        ok &= same(next, want, (size_t)m) && same(inplace, want, (size_t)m);
        ok &= memcmp(&s, &want_s, sizeof s) == 0 && memcmp(&s2, &want_s, sizeof s) == 0;
        free(w), free(g), free(next), free(want), free(inplace);
    }
    CHECK(ok);
    CHECK(fma_differs);
}

/* The forward pass's reference at (n, k, d): z by preact's order, phi and phi' of softplus
 * from the build's own softplus kernel (its accuracy is test_train's), f over units in
 * order, r = f - y, m = phi' (v_j r_i) (ReLU: v_j r_i where z >= 0, else 0). */
static void forward_ref(const build *b, int kind, int n, int k, int d, int np, const double *w,
                        const double *xt, const double *v, const double *y, double *m,
                        double *r, double *z, int fused)
{
    double *phi = dalloc((size_t)k * np), *dphi = dalloc((size_t)k * np);
    for (int j = 0; j < k; j++)
        for (int i = 0; i < np; i++) {
            double a = 0.0;
            for (int l = 0; l < d; l++)
                a = madd(w[j * d + l], xt[(size_t)l * np + i], a, fused);
            z[(size_t)j * np + i] = a;
        }
    if (kind == OVS_ACT_SOFTPLUS)
        b->softplus(z, phi, dphi, k * np);
    for (int i = 0; i < np; i++) {
        double f = 0.0;
        for (int j = 0; j < k; j++) {
            double zj = z[(size_t)j * np + i];
            double p = kind == OVS_ACT_RELU ? (zj < 0 ? 0.0 : zj) : phi[(size_t)j * np + i];
            f = madd(v[j], p, f, fused);
        }
        r[i] = i < n ? f - y[i] : 0.0;
        for (int j = 0; j < k; j++) {
            double zj = z[(size_t)j * np + i], c = v[j] * r[i];
            double mj = kind == OVS_ACT_RELU ? (zj < 0 ? 0.0 : c) : dphi[(size_t)j * np + i] * c;
            m[(size_t)j * np + i] = i < n ? mj : 0.0;
        }
    }
    free(phi), free(dphi);
}

/* A forward pass's inputs at (n, k, d) from seed: weights spread so that the
 * pre-activations take both signs, x rows of norm about 1, small output weights, labels. */
static void forward_inputs(int n, int k, int d, int np, uint64_t seed, double *w, double *xt,
                           double *v, double *y)
{
    fill(w, 1, k * d, k * d, seed, 3.0);
    fill(xt, d, n, np, seed + 30, 1.0 / sqrt((double)d));
    fill(v, 1, k, k, seed + 60, 0.3);
    fill(y, 1, n, np, seed + 90, 1.0);
}

/* The fused forward pass and the pre-activations on shapes that give every block form
 * (k mod 4; np mod 12, 24 and 32; from d = 64 the AVX-512 build's leading blocks of 5 and
 * 6 units: k = 5, 6, 11 (5 + 6), 14, 15, 21, and k = 7 without; from d = 193 its rows in
 * chunks, k = 7, 11, 14 at d = 193, 250, 401) and, at n = 1040 and 2000, the paths for
 * arrays larger than L2 (prefetches; no change in value), ReLU and softplus, pre-activations
 * spread over both signs; the fused pass with X in xt and in panels of 96 and OVS_FORWARD_PANEL samples
 * (last panels 8 to 184 wide, and none narrower than the rest), each against the same
 * reference. ReLU's pass without a fetch has a function per d up to 40 in the AVX2 build
 * (forward.c's relu_by_d): d = 1-7, 9, 11, 17, 20, 25, 29, 32 and 40 take one, d = 44 the
 * general pass. The lanes of ||r||^2 the pass gives (r2) against the reference's r: softplus
 * at n no multiple of 8 (7, 30, 33, 61, 90, 390) makes r non-zero in the padding samples
 * before the pass zeroes them, so a pass that squared them first fails here. */
static void test_forward(const build *b)
{
    const int shapes[][3] = {{7, 1, 1},   {30, 3, 9},  {33, 4, 3},  {40, 5, 25}, {100, 25, 4},
                             {104, 6, 17}, {200, 25, 25}, {61, 2, 32}, {48, 7, 5}, {24, 9, 2},
                             {56, 3, 11}, {90, 13, 1}, {1040, 7, 40}, {2000, 30, 20},
                             {384, 5, 6},  {390, 9, 3}, {568, 6, 7}, {76, 10, 29},
                             {130, 5, 44}, {72, 5, 64}, {100, 6, 70}, {40, 11, 80},
                             {24, 14, 66}, {56, 21, 64}, {30, 7, 65}, {104, 15, 96},
                             {104, 7, 193}, {96, 11, 250}, {40, 14, 401}};
    const int panels[3] = {0, 96, OVS_FORWARD_PANEL};
    const int kinds[2] = {OVS_ACT_RELU, OVS_ACT_SOFTPLUS};
    int ok = 3, refused = -1, accepted = -1; /* first shape that went wrong */
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2], np = ovs_pad(n);
        double *w = dalloc((size_t)k * d), *xt = dalloc((size_t)d * np), *v = dalloc(k);
        double *y = dalloc(np), *m = dalloc((size_t)k * np), *r = dalloc(np);
        double *mf = dalloc((size_t)k * np), *rf = dalloc(np), *zf = dalloc((size_t)k * np);
        double *mp = dalloc((size_t)k * np), *rp = dalloc(np), *zp = dalloc((size_t)k * np);
        double *z = dalloc((size_t)k * np), *scratch = dalloc(OVS_FORWARD_SCRATCH(k));
        double *xp = dalloc((size_t)d * np), r2[8] __attribute__((aligned(64)));
        double lf[8], lp[8];
        forward_inputs(n, k, d, np, 100 + c, w, xt, v, y);
        for (int a = 0; a < 2; a++) {
            forward_ref(b, kinds[a], n, k, d, np, w, xt, v, y, mf, rf, zf, 1);
            forward_ref(b, kinds[a], n, k, d, np, w, xt, v, y, mp, rp, zp, 0);
            sumsq_lanes(rf, np, 1, lf);
            sumsq_lanes(rp, np, 0, lp);
            for (int q = 0; q < 3; q++) {
                if (panels[q])
                    ovs_forward_panels_fill(np, d, np, panels[q], xt, 1, np, xp);
                memset(m, 0x55, sizeof(double) * (size_t)k * np); /* no stale result */
                memset(r, 0x55, sizeof(double) * (size_t)np);
                memset(r2, 0x55, sizeof r2); /* the pass sets them */
                if (b->fwd(kinds[a], n, k, d, np, w, panels[q] ? xp : xt, panels[q], v, y, m,
                           scratch, r, r2) != 0 && refused < 0)
                    refused = (int)c;
                /* a ReLU factor of zero may be -0 in one and +0 in the other: compare values */
                int mf_same = 1, mp_same = 1;
                for (size_t e = 0; e < (size_t)k * np; e++) {
                    mf_same &= m[e] == mf[e];
                    mp_same &= m[e] == mp[e];
                }
                match(&ok, mf_same && same(r, rf, np) && same(r2, lf, 8),
                      mp_same && same(r, rp, np) && same(r2, lp, 8));
            }
            b->preact(k, d, np, w, xt, z);
            match(&ok, same(z, zf, (size_t)k * np), same(z, zp, (size_t)k * np));
        }
        if (b->fwd(OVS_ACT_SCALAR, n, k, d, np, w, xt, 0, v, y, m, scratch, r, r2) != -1 &&
            accepted < 0)
            accepted = (int)c;
        if (b->fwd(OVS_ACT_RELU, n, k, d, np, w, xp, 48, v, y, m, scratch, r, r2) != -1 &&
            accepted < 0)
            accepted = (int)c; /* a panel width that is no multiple of 96 */
        free(w), free(xt), free(v), free(y), free(m), free(r), free(mf), free(rf), free(zf);
        free(mp), free(rp), free(zp), free(z), free(scratch), free(xp);
    }
    CHECK_MSG(refused < 0, "%s: the fused pass refused ReLU/softplus at shape %d", b->name, refused);
    CHECK_MSG(accepted < 0, "%s: the fused pass took a scalar activation at shape %d", b->name,
              accepted);
    CHECK(ok != 0);
    CHECK(b->isa == OVS_ISA_BASE || (ok & 1));
}

/* The forward pass and the gradient panel by panel, as train.c's step_by_panels runs them:
 * the fused pass over each panel's samples with its factors in a k x q buffer (row stride
 * q), then the gradient of that panel from the buffer and the panel of X, the lane sums kept
 * between panels. r, each panel's factors and g bit for bit equal to the references, with
 * panels of 96 and OVS_FORWARD_PANEL (last panels 8 to 176 wide, padding samples in the
 * last), both activations, with and without a fetch of the next panel (which moves
 * through that panel and no further); ranges that do not start on a multiple of 96, end past
 * np or end inside it off a multiple of 96 are refused. 400 x 276: each whole panel's x rows
 * (212 or 424 KB) run in groups of 32 or 16 inputs on AVX2 and AVX-512 (smallmm.c's
 * grad_group; the last group 20 or 4 wide), the last panel of 192's (16 samples) in one;
 * half the runs (each panel width with each activation once) take no groups (group_bytes 0).
 * The AVX-512 build runs these chunks in blocks of 6 units from k = 40 on (smallmm.c's
 * GR_PART): k = 40 (6 x 6 + 4), 43 (6 x 6 + 4 + 3), 44 (6 x 6 + 4 + 4), 45 (7 x 6 + 3),
 * 47 (7 x 6 + 5) and 48 (8 x 6) give every split of its units; its forward pass leads
 * with blocks of 5 and 6 units from d = 64 (forward.c's unit_blocks): (296, 10, 96),
 * (200, 9, 128), (104, 11, 70); there its gradient runs k = 5, 9 and 10 in blocks of 5
 * (smallmm.c's grad_part_five): (200, 5, 72), (200, 9, 128), (296, 10, 96). The lanes of ||r||^2,
 * zeroed by the first range and added up over the panels in order, against the reference's
 * r (1001: padding samples). */
static void test_parts(const build *b)
{
    const int shapes[][3] = {{200, 9, 6}, {1001, 7, 5}, {1040, 13, 40}, {392, 5, 3},
                             {400, 7, 276}, {200, 40, 3}, {200, 43, 6}, {392, 44, 3},
                             {296, 45, 2},  {200, 47, 5}, {104, 48, 2}, {296, 10, 96},
                             {200, 9, 128}, {104, 11, 70}, {200, 5, 72}, {104, 13, 64}};
    const int panels[2] = {96, OVS_FORWARD_PANEL};
    const int kinds[2] = {OVS_ACT_RELU, OVS_ACT_SOFTPLUS};
    int ok = 3, m_same = 1, refused = 1, fetched = 1;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2], np = ovs_pad(n);
        double *w = dalloc((size_t)k * d), *xt = dalloc((size_t)d * np), *v = dalloc(k);
        double *y = dalloc(np), *r = dalloc(np), *xp = dalloc((size_t)d * np);
        double *mf = dalloc((size_t)k * np), *rf = dalloc(np), *zf = dalloc((size_t)k * np);
        double *mp = dalloc((size_t)k * np), *rp = dalloc(np), *zp = dalloc((size_t)k * np);
        double *g = dalloc((size_t)k * d), *gf = dalloc((size_t)k * d), *gp = dalloc((size_t)k * d);
        double *buf = dalloc((size_t)k * OVS_FORWARD_PANEL);
        double *lanes = dalloc(OVS_SMALLMM_LANES(k, d));
        double *scratch = dalloc(OVS_FORWARD_SCRATCH(k));
        double r2[8] __attribute__((aligned(64))), lf[8], lp[8];
        forward_inputs(n, k, d, np, 300 + c, w, xt, v, y);
        for (int a = 0; a < 2; a++) {
            forward_ref(b, kinds[a], n, k, d, np, w, xt, v, y, mf, rf, zf, 1);
            forward_ref(b, kinds[a], n, k, d, np, w, xt, v, y, mp, rp, zp, 0);
            grad_ref(k, d, np, mf, xt, gf, 1);
            grad_ref(k, d, np, mp, xt, gp, 0);
            sumsq_lanes(rf, np, 1, lf);
            sumsq_lanes(rp, np, 0, lp);
            for (int q = 0; q < 4; q++) {
                const int panel = panels[q % 2], fetching = q / 2;
                ovs_forward_panels_fill(np, d, np, panel, xt, 1, np, xp);
                memset(r, 0x55, sizeof(double) * (size_t)np);
                memset(g, 0x55, sizeof(double) * (size_t)k * d);
                memset(r2, 0x55, sizeof r2); /* the range from sample 0 zeroes them */
                for (int p0 = 0; p0 < np; p0 += panel) {
                    const int p1 = p0 + panel < np ? p0 + panel : np, width = p1 - p0;
                    memset(buf, 0x55, sizeof(double) * (size_t)k * panel);
                    const int n0 = p1 < np ? p1 : 0, n1 = n0 + panel < np ? n0 + panel : np;
                    const char *from = (const char *)(xp + (size_t)n0 * d);
                    const char *to = (const char *)(xp + (size_t)n1 * d);
                    ovs_fetch next = {.at = from, .end = to};
                    if (b->fwd_part(kinds[a], n, k, d, np, w, xp, panel, v, y, buf, width,
                                    scratch, r, r2, p0, p1, fetching ? &next : NULL) != 0)
                        refused = 0;
                    for (int j = 0; j < k; j++) /* values: a zero factor's sign may differ */
                        for (int i = p0; i < p1; i++) {
                            const double got = buf[(size_t)j * width + (i - p0)];
                            const double want = mf[(size_t)j * np + i];
                            const double plain = mp[(size_t)j * np + i];
                            m_same &= got == want || (b->isa == OVS_ISA_BASE && got == plain);
                        }
                    b->grad_part(k, d, buf, width, xp + (size_t)p0 * d, width, width, g, lanes,
                                 p0 == 0, p1 == np, fetching ? &next : NULL,
                                 (q + a) % 2 ? 0 : OVS_SMALLMM_GROUP_BYTES);
                    /* a line at a time, from the start, never past the end */
                    fetched &= !fetching || (next.at > from && next.end == to &&
                                             (next.at - from) % 64 == 0 && next.at <= to + 63);
                }
                match(&ok, same(r, rf, np) && same(g, gf, (size_t)k * d) && same(r2, lf, 8),
                      same(r, rp, np) && same(g, gp, (size_t)k * d) && same(r2, lp, 8));
            }
        }
        const int bad[][2] = {{48, 96}, {0, np + 8}, {96, 100}, {96, 48}, {-96, 0}};
        for (size_t e = 0; e < sizeof bad / sizeof bad[0]; e++)
            if (b->fwd_part(OVS_ACT_RELU, n, k, d, np, w, xt, 0, v, y, buf, 96, scratch, r, r2,
                            bad[e][0], bad[e][1], NULL) != -1)
                refused = -1 - (int)e;
        free(w), free(xt), free(v), free(y), free(r), free(xp), free(mf), free(rf), free(zf);
        free(mp), free(rp), free(zp), free(g), free(gf), free(gp), free(buf), free(lanes);
        free(scratch);
    }
    CHECK_MSG(refused == 1, "%s: the fused pass over a range refused a good range (0) or took "
              "bad range %d", b->name, refused == 0 ? 0 : -1 - refused);
    CHECK_MSG(m_same, "%s: a panel's factors differ from the reference", b->name);
    CHECK_MSG(fetched, "%s: a fetch of the next panel did not move by lines within it",
              b->name);
    CHECK(ok != 0);
    CHECK(b->isa == OVS_ISA_BASE || (ok & 1));
}

/* a and b equal as values, or both NaN */
static int same_or_nan(const double *a, const double *b, size_t count)
{
    for (size_t e = 0; e < count; e++)
        if (!(a[e] == b[e] || (isnan(a[e]) && isnan(b[e]))))
            return 0;
    return 1;
}

/* The fetch's pace (fetch.h): over one panel of 96 samples at k = 5, d = 40, the two kernels
 * with each_step set fetch twice the lines they fetch at every second step (their steps are
 * even in number per loop here), from a stretch longer than either walks; the factors, r and
 * the gradient do not change (test_parts checks the values with the fetch). */
static void test_fetch_pace(const build *b)
{
    const int n = 96, k = 5, d = 40, np = 96;
    double *w = dalloc((size_t)k * d), *xt = dalloc((size_t)d * np), *v = dalloc(k);
    double *y = dalloc(np), *r = dalloc(np), *m = dalloc((size_t)k * np);
    double *g = dalloc((size_t)k * d), *lanes = dalloc(OVS_SMALLMM_LANES(k, d));
    double *scratch = dalloc(OVS_FORWARD_SCRATCH(k)), *stretch = dalloc(1 << 17);
    double r2[8] __attribute__((aligned(64)));
    forward_inputs(n, k, d, np, 77, w, xt, v, y);
    long lines[2];
    for (int each = 0; each < 2; each++) {
        const char *from = (const char *)stretch;
        ovs_fetch next = {.at = from, .end = from + sizeof(double) * (1 << 17),
                          .each_step = each};
        b->fwd_part(OVS_ACT_SOFTPLUS, n, k, d, np, w, xt, 96, v, y, m, np, scratch, r, r2, 0,
                    np, &next);
        b->grad_part(k, d, m, np, xt, np, np, g, lanes, 1, 1, &next, OVS_SMALLMM_GROUP_BYTES);
        lines[each] = (long)(next.at - from) / 64;
    }
    CHECK_MSG(lines[0] > 0 && lines[1] == 2 * lines[0] && lines[1] < (1 << 17) / 8,
              "%s: the fetch at every step took %ld lines, at every second %ld", b->name,
              lines[1], lines[0]);
    /* From d = 64 the AVX-512 build's forward pass runs k = 5 and 6 as one block of 5 or 6
     * units (forward.c's unit_blocks) and its gradient k = 5 as one of 5 (smallmm.c's
     * grad_part_five), each fetching the lines of the two blocks of k = 8 (4 + 1 and 4 + 2
     * elsewhere; the other builds' gradients take blocks of 2-3 units): the panel's share of
     * the next one is not cut. */
    const int dd = 64, ks[3] = {8, 5, 6};
    double *xt2 = dalloc((size_t)dd * np), *w2 = dalloc((size_t)8 * dd);
    double *m2 = dalloc((size_t)8 * np), *scratch2 = dalloc(OVS_FORWARD_SCRATCH(8));
    double *v2 = dalloc(8);
    fill(w2, 1, 8 * dd, 8 * dd, 78, 1.0), fill(xt2, dd, n, np, 79, 0.1), fill(v2, 1, 8, 8, 80, 0.3);
    long fwd_lines[3];
    for (int c = 0; c < 3; c++) {
        const char *from = (const char *)stretch;
        ovs_fetch next = {.at = from, .end = from + sizeof(double) * (1 << 17), .each_step = 1};
        b->fwd_part(OVS_ACT_RELU, n, ks[c], dd, np, w2, xt2, 96, v2, y, m2, np, scratch2, r,
                    r2, 0, np, &next);
        fwd_lines[c] = (long)(next.at - from) / 64;
    }
    CHECK_MSG(fwd_lines[0] > 0 && fwd_lines[1] == fwd_lines[0] && fwd_lines[2] == fwd_lines[0],
              "%s: at d = 64 the forward pass fetched %ld lines at k = 5, %ld at k = 6, %ld at "
              "k = 8", b->name, fwd_lines[1], fwd_lines[2], fwd_lines[0]);
    double *g2 = dalloc((size_t)8 * dd), *lanes2 = dalloc(OVS_SMALLMM_LANES(8, dd));
    long grad_lines[2];
    for (int c = 0; c < 2; c++) {
        const char *from = (const char *)stretch;
        ovs_fetch next = {.at = from, .end = from + sizeof(double) * (1 << 17), .each_step = 1};
        b->grad_part(ks[c], dd, m2, np, xt2, np, np, g2, lanes2, 1, 1, &next,
                     OVS_SMALLMM_GROUP_BYTES);
        grad_lines[c] = (long)(next.at - from) / 64;
    }
    CHECK_MSG(grad_lines[0] > 0 && (b->isa != OVS_ISA_V4 || grad_lines[1] == grad_lines[0]),
              "%s: at d = 64 the gradient fetched %ld lines at k = 5, %ld at k = 8", b->name,
              grad_lines[1], grad_lines[0]);
    free(g2), free(lanes2);
    free(xt2), free(w2), free(m2), free(scratch2), free(v2);
    free(w), free(xt), free(v), free(y), free(r), free(m), free(g), free(lanes);
    free(scratch), free(stretch);
}

/* ReLU's fused pass where z is exactly +0 (a real sample with x = 0: phi' = 1, so its factors
 * are v_j r_i, not 0), +-inf (one unit's z; phi'(-inf) = 0) and NaN (phi and the factor
 * NaN): the kept mask of the AVX2 build (z not < 0, unordered true) must decide these lanes as
 * the reference's z < 0 does; no other test reaches them. Samples 0-5 of 40 in every build's
 * first and later sample blocks. */
static void test_relu_edges(const build *b)
{
    const int n = 40, k = 5, d = 3, np = ovs_pad(n);
    double *w = dalloc((size_t)k * d), *xt = dalloc((size_t)d * np), *v = dalloc(k);
    double *y = dalloc(np), *m = dalloc((size_t)k * np), *r = dalloc(np);
    double *z = dalloc((size_t)k * np), *mf = dalloc((size_t)k * np), *rf = dalloc(np);
    double *scratch = dalloc(OVS_FORWARD_SCRATCH(k));
    fill(w, 1, k * d, k * d, 7, 1.0);
    fill(xt, d, n, np, 8, 1.0);
    fill(v, 1, k, k, 9, 0.3);
    fill(y, 1, n, np, 10, 1.0);
    const int zero[2] = {1, 33}, nan_at = 2, inf_at = 34;
    for (int l = 0; l < d; l++) { /* samples 1 and 33: x = 0, so every z is +0 */
        xt[(size_t)l * np + zero[0]] = 0.0;
        xt[(size_t)l * np + zero[1]] = 0.0;
    }
    xt[nan_at] = NAN;                            /* sample 2: every z NaN */
    for (int l = 1; l < d; l++)                  /* sample 34: z_j = w_j0 inf, others 0 */
        xt[(size_t)l * np + inf_at] = 0.0;
    xt[inf_at] = INFINITY;
    w[0] = -fabs(w[0]), v[0] = 0.5;              /* unit 0: z = -inf at sample 34 */
    for (int j = 1; j < k; j++)                  /* the rest: z = +inf there, f = +inf */
        w[(size_t)j * d] = fabs(w[(size_t)j * d]) + 0.1, v[j] = fabs(v[j]) + 0.1;
    forward_ref(b, OVS_ACT_RELU, n, k, d, np, w, xt, v, y, mf, rf, z, b->isa != OVS_ISA_BASE);
    CHECK(z[zero[0]] == 0.0 && !signbit(z[zero[0]]) && isnan(z[nan_at]) && z[inf_at] == -INFINITY);
    CHECK(mf[zero[0]] != 0.0 && mf[zero[1]] != 0.0); /* the case a mask z > 0 would get wrong */
    double r2[8] __attribute__((aligned(64)));
    CHECK(b->fwd(OVS_ACT_RELU, n, k, d, np, w, xt, 0, v, y, m, scratch, r, r2) == 0);
    int r_ok = same_or_nan(r, rf, np), m_ok = same_or_nan(m, mf, (size_t)k * np);
    if (b->isa == OVS_ISA_BASE && !(r_ok && m_ok)) { /* fused where a user's -mfma gave it FMA */
        forward_ref(b, OVS_ACT_RELU, n, k, d, np, w, xt, v, y, mf, rf, z, 1);
        r_ok = same_or_nan(r, rf, np), m_ok = same_or_nan(m, mf, (size_t)k * np);
    }
    CHECK_MSG(r_ok, "%s: ReLU residuals at z = +0, inf, NaN", b->name);
    CHECK_MSG(m_ok, "%s: ReLU factors at z = +0, inf, NaN", b->name);
    free(w), free(xt), free(v), free(y), free(m), free(r), free(z), free(mf), free(rf);
    free(scratch);
}

/* Whether a and b hold the same m values bit for bit (any NaN equal to any NaN). */
static int same_bits(const double *a, const double *b, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (memcmp(a + i, b + i, 8) != 0 && !(isnan(a[i]) && isnan(b[i])))
            return 0;
    return 1;
}

/* The FMA builds' softplus kernels agree bit for bit, with each other and with the
 * activation's array kernel (since round 34 the best build's ovs_forward_softplus_array: one of
 * the builds matches it).
 * M = 4152: the builds' kernels run in chunks of 64 vectors, stage by stage, and 4152 ends in
 * a partial chunk (7 vectors of 8, 14 of 4) with a partial group. */
static void test_softplus_builds(int nrun)
{
    enum { M = 4152 };
    double *z = dalloc(M), *p = dalloc(M), *dp = dalloc(M), *pa = dalloc(M), *da = dalloc(M);
    for (int i = 0; i < M; i++)
        z[i] = -760.0 + 1520.0 * (double)((i * 2654435761u) % M) / M;
    z[0] = 0.0, z[1] = -0.0, z[2] = NAN, z[3] = INFINITY, z[4] = -INFINITY, z[5] = 4.9e-324;
    ovs_activation_find("softplus")->eval(z, pa, da, M);
    int any = 0, fma_same = 1;
    double *p3 = dalloc(M), *d3 = dalloc(M);
    int have_fma_ref = 0;
    for (int q = 0; q < nrun; q++) {
        for (int i = 0; i < M; i++)
            p[i] = dp[i] = 12345.0; /* no value left from the build before */
        builds[q].softplus(z, p, dp, M);
        any |= same_bits(p, pa, M) && same_bits(dp, da, M);
        if (builds[q].isa != OVS_ISA_BASE) {
            if (have_fma_ref)
                fma_same &= memcmp(p, p3, 8 * M) == 0 && memcmp(dp, d3, 8 * M) == 0;
            memcpy(p3, p, 8 * M), memcpy(d3, dp, 8 * M), have_fma_ref = 1;
        }
    }
    CHECK(any);
    CHECK(fma_same);
    free(z), free(p), free(dp), free(pa), free(da), free(p3), free(d3);
}

/* Each build's array kernel (the activation's eval: any m, dphi may be z, no alignment) gives
 * the bits of its softplus kernel on aligned arrays (the floor's entry point, which calls it
 * with dphi apart) over M = 4152 values (a partial chunk): from a misaligned start, and with
 * dphi = z (e then in the chunk's buffer); and each value at 11 lengths m from 1 to 25
 * (tails through a padded vector), 515 and 1025 (past one and two chunks) as the same value
 * in the whole array. The public entry point calls one of them. */
static void test_softplus_array_builds(int nrun)
{
    enum { M = 4152 };
    double *z = dalloc(M + 1), *p = dalloc(M), *dp = dalloc(M), *pa = dalloc(M + 1);
    double *da = dalloc(M + 1), *zz = dalloc(M + 1);
    for (int i = 0; i < M; i++)
        z[i] = -760.0 + 1520.0 * (double)((i * 2654435761u) % M) / M;
    z[0] = 0.0, z[1] = -0.0, z[2] = NAN, z[3] = INFINITY, z[4] = -INFINITY, z[5] = 4.9e-324;
    double *pp = dalloc(M), *dpp = dalloc(M);
    ovs_forward_softplus_array(z, pp, dpp, M); /* the public entry point */
    int tails = 1, pub = 0;
    for (int q = 0; q < nrun; q++) {
        const build *b = &builds[q];
        b->softplus(z, p, dp, M);
        memcpy(zz + 1, z, 8 * M); /* one double past the 64-byte boundary */
        b->softplus_array(zz + 1, pa + 1, da + 1, M);
        CHECK_MSG(same_bits(pa + 1, p, M) && same_bits(da + 1, dp, M),
                  "%s: the array kernel, misaligned, gives the kernel's bits", b->name);
        memcpy(zz, z, 8 * M);
        b->softplus_array(zz, pa, zz, M); /* dphi = z, as the GD loop calls it */
        CHECK_MSG(same_bits(pa, p, M) && same_bits(zz, dp, M),
                  "%s: the array kernel with dphi = z gives the kernel's bits", b->name);
        const size_t lens[] = {1, 2, 3, 5, 7, 8, 9, 15, 17, 23, 25, 64 * 8 + 3, 64 * 8 * 2 + 1};
        for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
            const size_t m = lens[t], at = 1000 + t; /* any offset: no alignment asked */
            b->softplus_array(z + at, pa, da, m);
            tails &= same_bits(pa, p + at, m) && same_bits(da, dp + at, m);
        }
        pub |= same_bits(pp, p, M) && same_bits(dpp, dp, M);
    }
    CHECK_MSG(tails, "11 lengths from 1 to 25 values, 515 and 1025: each as in the whole array");
    CHECK_MSG(pub, "the public array kernel is one of the builds'");
    free(z), free(p), free(dp), free(pa), free(da), free(zz), free(pp), free(dpp);
}

/* A training step at sizes where the fused pass reads X in panels (np (k + d) 8 bytes
 * > 512 KB) and train.c's gradient runs in chunks (d np 8 bytes > 256 KB, np >= 8 d): loss
 * and gradient of ovs_train_loss_grad bit for bit equal to the references of the dispatched
 * build, both activations, with the forward pass and gradient panel by panel
 * (ws.by_panels, whatever this CPU's L2 chose) and one after the other; n = 1001 has
 * padding samples and a last panel 48 wide. */
static void test_train_chunked(const build *b)
{
    const int shapes[2][3] = {{1040, 30, 40}, {1001, 30, 40}};
    const char *acts[2] = {"relu", "softplus"};
    const int kinds[2] = {OVS_ACT_RELU, OVS_ACT_SOFTPLUS};
    int ok = 3, ran = 1, panels = 1;
    for (int c = 0; c < 2; c++)
        for (int a = 0; a < 2; a++)
            for (int by_panels = 1; by_panels >= 0; by_panels--) {
                const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2], np = ovs_pad(n);
                ovs_problem p;
                ovs_train_workspace ws;
                if (ovs_problem_alloc(&p, n, k, d) != OVS_OK ||
                    ovs_train_workspace_alloc(&ws, n, k, d) != OVS_OK) {
                    fprintf(stderr, "test_kernels: out of memory\n");
                    exit(1);
                }
                panels &= ovs_forward_panel_width(k, d, np) > 0;
                ws.by_panels = by_panels;
                ovs_problem_draw(&p, 7, a);
                double *w = dalloc((size_t)k * d), *g = dalloc((size_t)k * d);
                for (int i = 0; i < k * d; i++)
                    w[i] = 3.0 * p.w0[i];
                double loss;
                ran &= ovs_train_loss_grad(&p, ovs_activation_find(acts[a]), OVS_KERNEL_SIMD, w,
                                           &ws, &loss, g) == OVS_OK;
                double *xt = dalloc((size_t)d * np), *y = dalloc(np), *m = dalloc((size_t)k * np);
                double *r = dalloc(np), *z = dalloc((size_t)k * np), *gr = dalloc((size_t)k * d);
                for (int i = 0; i < n; i++) {
                    y[i] = p.y[i];
                    for (int l = 0; l < d; l++)
                        xt[(size_t)l * np + i] = p.x[(size_t)i * d + l];
                }
                for (int fused = 1; fused >= 0; fused--) {
                    forward_ref(b, kinds[a], n, k, d, np, w, xt, p.v, y, m, r, z, fused);
                    grad_ref(k, d, np, m, xt, gr, fused);
                    double rn = sqrt(sumsq_ref(r, n, fused)), want = 0.5 * rn * rn;
                    int eq = memcmp(&loss, &want, sizeof loss) == 0 && same(g, gr, (size_t)k * d);
                    ok &= ~(eq ? 0 : fused ? 1 : 2);
                }
                free(w), free(g), free(xt), free(y), free(m), free(r), free(z), free(gr);
                ovs_problem_free(&p);
                ovs_train_workspace_free(&ws);
            }
    CHECK_MSG(ran, "ovs_train_loss_grad refused a chunked shape");
    CHECK_MSG(panels, "a shape of test_train_chunked no longer uses panels");
    CHECK(ok != 0);
}

/* The Figure-2 grid (n 100 and 200, k and d 1..25) never reads X in panels: the panel
 * path (bit-identical anyway, test_forward) changes nothing in the paper's experiment, and
 * its speed there is the measured one of docs/BENCHMARKS.md. */
static void test_panels_off_on_grid(void)
{
    int first = 0;
    for (int n = 100; n <= 200 && !first; n += 100)
        for (int k = 1; k <= 25 && !first; k++)
            for (int d = 1; d <= 25 && !first; d++)
                if (ovs_forward_panel_width(k, d, ovs_pad(n)) != 0)
                    first = n * 10000 + k * 100 + d;
    CHECK_MSG(first == 0, "the Figure-2 cell (n, k, d) coded %d reads X in panels", first);
    CHECK(ovs_forward_panel_width(120, 80, ovs_pad(6400)) == OVS_FORWARD_PANEL);
}

/* Which builds this CPU runs: every one up to ovs_simd_isa(), which must be the best build
 * linked that the CPU supports. */
static int runnable_builds(void)
{
    int isa = ovs_simd_isa(), best = OVS_ISA_BASE;
#if defined(__x86_64__) && defined(OVS_HAVE_V3)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2"))
        best = OVS_ISA_V3;
#ifdef OVS_HAVE_V4
    if (best == OVS_ISA_V3 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
        best = OVS_ISA_V4;
#endif
#endif
    CHECK(isa == best);
    int nrun = 0;
    while (nrun < NBUILDS && builds[nrun].isa <= isa)
        nrun++;
    return nrun;
}

int main(void)
{
    const int nrun = runnable_builds();
    for (int q = 0; q < nrun; q++) {
        printf("build %s\n", builds[q].name);
        test_gradient(&builds[q]);
        test_group_width(&builds[q]);
        test_sum_squares(&builds[q]);
        test_descend(&builds[q]);
        test_forward(&builds[q]);
        test_relu_edges(&builds[q]);
        test_parts(&builds[q]);
        test_fetch_pace(&builds[q]);
    }
    test_softplus_builds(nrun);
    test_softplus_array_builds(nrun);
    test_train_chunked(&builds[nrun - 1]);
    test_panels_off_on_grid();
    TEST_DONE();
}
