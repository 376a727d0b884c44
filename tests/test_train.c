/* test_train.c - the GD kernel: gradient vs finite differences, activations, known answers,
 * divergence, determinism, the ladder, and no allocation inside the iteration loop. */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "rng.h"
#include "simd.h"
#include "smallmm.h"
#include "status.h"
#include "testopts.h"
#include "vmath.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Linked with -Wl,--wrap=malloc,calloc,realloc,aligned_alloc: counts the allocations made by
 * ovsweep's own objects (not by the BLAS library); while fail_aligned is set, aligned_alloc
 * fails (out of memory). */
static long alloc_count;
static int fail_aligned;
void *__real_malloc(size_t size);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void *__real_aligned_alloc(size_t alignment, size_t size);
void *__wrap_aligned_alloc(size_t alignment, size_t size);
void *__wrap_aligned_alloc(size_t alignment, size_t size)
{
    alloc_count++;
    return fail_aligned ? NULL : __real_aligned_alloc(alignment, size);
}
void *__wrap_malloc(size_t size)
{
    alloc_count++;
    return __real_malloc(size);
}
void *__wrap_calloc(size_t nmemb, size_t size)
{
    alloc_count++;
    return __real_calloc(nmemb, size);
}
void *__wrap_realloc(void *ptr, size_t size)
{
    alloc_count++;
    return __real_realloc(ptr, size);
}

static double ladder[OVS_LADDER_MAX];

static topts paper_opts(const char *act, int max_iter)
{
    return topts_paper(act, max_iter, ladder);
}

static void test_activation_derivatives(void)
{
    const double zs[] = {-30, -3.7, -1, -0.2, 0.3, 1, 2.5, 40};
    const char *bad_fd = NULL, *bad_phi = NULL, *bad_dphi = NULL, *bad_nan = NULL;
    for (int a = 0; a < ovs_activation_count(); a++) {
        const ovs_activation *act = ovs_activation_at(a);
        double phi[8], dphi[8];
        act->eval(zs, phi, dphi, 8);
        for (int i = 0; i < 8; i++) {
            double h = 1e-6, z = zs[i];
            double fd = (act->phi(z + h) - act->phi(z - h)) / (2 * h);
            if (!(fabs(act->dphi(z) - fd) <= 1e-7 * fmax(1, fabs(fd))))
                bad_fd = act->name;
            if (!(fabs(phi[i] - act->phi(z)) <= 4e-16 * fabs(act->phi(z))))
                bad_phi = act->name;
            if (!(fabs(dphi[i] - act->dphi(z)) <= 4e-16 * fabs(act->dphi(z))))
                bad_dphi = act->name;
        }
        /* NaN must propagate through phi so that divergence cannot hide. */
        double nan_in = NAN, p, dp;
        act->eval(&nan_in, &p, &dp, 1);
        if (!(isnan(p) && isnan(act->phi(NAN))))
            bad_nan = act->name;
    }
    CHECK_MSG(!bad_fd, "%s: phi' != the finite difference of phi", bad_fd);
    CHECK_MSG(!bad_phi, "%s: the array kernel's phi != the scalar phi", bad_phi);
    CHECK_MSG(!bad_dphi, "%s: the array kernel's phi' != the scalar phi'", bad_dphi);
    CHECK_MSG(!bad_nan, "%s: NaN does not propagate through phi", bad_nan);
    const ovs_activation *sp = ovs_activation_find("softplus");
    CHECK(sp->phi(800.0) == 800.0);          /* no overflow */
    CHECK(sp->phi(-800.0) == 0.0);
    CHECK_NEAR(sp->phi(0.0), log(2.0), 1e-15);
    CHECK_NEAR(sp->dphi(0.0), 0.5, 1e-15);
    const ovs_activation *relu = ovs_activation_find("relu");
    CHECK(relu->dphi(0.0) == 1.0 && relu->dphi(-1e-300) == 0.0); /* phi'(0) = 1 (paper) */
    CHECK(ovs_activation_find("tanhh") == NULL);
}

/* Every table entry is the double nearest to its exact value: within 0.499 ulp of a long
 * double reference, itself within 0.001 ulp of the exact value (the entries are at most
 * 0.489 ulp from it: log(1 + 3/8)). */
static int nearest_double(double v, long double ref)
{
    return fabsl(v - ref) <= 0.499L * (nextafter(v, INFINITY) - v);
}

static void test_softplus_tables(void)
{
    const double *exp2_16 = ovs_exp2_16_tab, *log1p_8 = ovs_log1p_8_tab; /* vmath.h */
    int exp_ok = 1, log_ok = log1p_8[0] == 0.0;
    for (int j = 0; j < 16; j++) { /* stored with j << 48 taken off the bits */
        double t = exp2_16[j];
        uint64_t bits;
        memcpy(&bits, &t, sizeof bits);
        bits += (uint64_t)j << 48;
        memcpy(&t, &bits, sizeof t);
        exp_ok &= nearest_double(t, exp2l(j / 16.0L));
    }
    for (int j = 1; j <= 8; j++)
        log_ok &= nearest_double(log1p_8[j], log1pl(j / 8.0L));
    CHECK_MSG(exp_ok, "an entry of 2^(j/16) is not the nearest double");
    CHECK_MSG(log_ok, "an entry of log1p(j/8) is not the nearest double");
}

/* The vectorised softplus against a long double reference: relative error within 6 ulp for
 * phi and 5 ulp for phi' (1e-300 absolute near underflow), on a grid over [-760, 760] (tiny
 * and huge |z|) and a denser one over [-40, 40], where all the table entries are used. */
static void test_softplus_accuracy(void)
{
    const ovs_activation *sp = ovs_activation_find("softplus");
    enum { M1 = 200003, M = 600011 };
    static double z[M], phi[M], dphi[M];
    for (int i = 0; i < M1; i++)
        z[i] = -760.0 + 1520.0 * i / (M1 - 1); /* includes tiny and huge |z| */
    for (int i = M1; i < M; i++)
        z[i] = -40.0 + 80.0 * (i - M1 + 0.371) / (M - M1);
    z[0] = 0.0;
    z[1] = -0.0;
    z[2] = 1e-300;
    z[3] = -1e-17;
    z[4] = 36.7;
    z[5] = 4.9e-324;
    z[6] = -707.5;
    sp->eval(z, phi, dphi, M);
    double worst_phi = 0, worst_dphi = 0;
    int bad = 0;
    for (int i = 0; i < M; i++) {
        long double zl = z[i], e = expl(-fabsl(zl));
        long double ref_phi = (zl > 0 ? zl : 0) + log1pl(e);
        long double ref_dphi = zl >= 0 ? 1 / (1 + e) : e / (1 + e);
        double ulp_phi = nextafter((double)ref_phi, INFINITY) - (double)ref_phi;
        double ulp_dphi = nextafter((double)ref_dphi, INFINITY) - (double)ref_dphi;
        double ep = (double)fabsl(phi[i] - ref_phi), ed = (double)fabsl(dphi[i] - ref_dphi);
        if (ref_phi > 1e-300)
            worst_phi = fmax(worst_phi, ep / ulp_phi);
        if (ref_dphi > 1e-300)
            worst_dphi = fmax(worst_dphi, ed / ulp_dphi);
        bad += !(ep <= 6 * ulp_phi || ep <= 1e-300) || !(ed <= 5 * ulp_dphi || ed <= 1e-300);
    }
    CHECK(bad == 0);
    printf("softplus kernel: max error %.2f ulp (phi), %.2f ulp (phi') over %d points\n",
           worst_phi, worst_dphi, M);
    /* Position in the array never changes a result (vector body and tail agree). */
    double p1, d1;
    int same_alone = 1;
    for (int i = 0; i < 50; i++) {
        sp->eval(&z[1000 + i], &p1, &d1, 1);
        same_alone &= p1 == phi[1000 + i] && d1 == dphi[1000 + i];
    }
    CHECK(same_alone);
    /* z = +-inf: phi = inf / ~0 and phi' = 1 / ~0; NaN in, NaN out. */
    const double zs[3] = {INFINITY, -INFINITY, NAN};
    double ps[3], ds[3];
    sp->eval(zs, ps, ds, 3);
    CHECK(ps[0] == INFINITY && ds[0] == 1.0);
    CHECK(ps[1] >= 0 && ps[1] <= 1e-300 && ds[1] >= 0 && ds[1] <= 1e-300);
    CHECK(isnan(ps[2]) && isnan(ds[2]));
    /* Below z = -700 both saturate at e^-700 (the clamp that keeps the kernel's intermediates
     * normal numbers: vmath.h), within 6 ulp of it. */
    const double far[4] = {-700.5, -720.0, -1e10, -INFINITY};
    double pf[4], df[4];
    sp->eval(far, pf, df, 4);
    const double floor_e = exp(-700.0), ulp = nextafter(floor_e, 1.0) - floor_e;
    int saturated = 1;
    for (int i = 0; i < 4; i++)
        saturated &= fabs(pf[i] - floor_e) <= 6 * ulp && fabs(df[i] - floor_e) <= 6 * ulp;
    CHECK(saturated);
}

/* Analytic gradient against central differences of eq. 2.1, both activations, odd and
 * even k, several shapes. */
static void test_gradient_fd(void)
{
    const int shapes[][3] = {{7, 3, 2}, {20, 4, 5}, {15, 5, 3}, {30, 2, 9}, {9, 1, 4},
                             {37, 7, 3}, {64, 9, 10}};
    int zero_ok = 1, fd_ok = 1;
    for (int kernel = 0; kernel < 2; kernel++)
    for (int a = 0; a < ovs_activation_count(); a++) {
        const ovs_activation *act = ovs_activation_at(a);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int n = shapes[s][0], k = shapes[s][1], d = shapes[s][2], kd = k * d;
            ovs_problem p;
            ovs_train_workspace ws;
            ovs_problem_alloc(&p, n, k, d);
            ovs_train_workspace_alloc(&ws, n, k, d);
            ovs_problem_draw(&p, 11, (int)s);
            double *g = malloc(sizeof(double) * kd), *w = malloc(sizeof(double) * kd);
            double loss, lp, lm, err2 = 0, g2 = 0;
            memcpy(w, p.w0, sizeof(double) * kd);
            ovs_train_loss_grad(&p, act, kernel, w, &ws, &loss, g);
            for (int i = 0; i < kd; i++) {
                double h = 1e-6, wi = w[i];
                w[i] = wi + h;
                ovs_train_loss_grad(&p, act, kernel, w, &ws, &lp, NULL);
                w[i] = wi - h;
                ovs_train_loss_grad(&p, act, kernel, w, &ws, &lm, NULL);
                w[i] = wi;
                double fd = (lp - lm) / (2 * h);
                err2 += (fd - g[i]) * (fd - g[i]);
                g2 += g[i] * g[i];
            }
            if (k == 1) {
                zero_ok &= g2 == 0.0; /* the only output weight is 0 */
            } else {
                double rel = sqrt(err2 / g2);
                fd_ok &= rel < 1e-6;
                if (!(rel < 1e-6))
                    fprintf(stderr, "  %s %s n=%d k=%d d=%d rel=%g\n",
                            ovs_kernel_names.name(kernel), act->name, n, k, d, rel);
            }
            free(g);
            free(w);
            ovs_problem_free(&p);
            ovs_train_workspace_free(&ws);
        }
    }
    CHECK_MSG(zero_ok, "k = 1 (v = 0): the gradient is not exactly zero");
    CHECK_MSG(fd_ok, "the gradient differs from central differences of eq. 2.1");
}

static ovs_result train_cell(const char *act, int n, int k, int d, int trial,
                                   topts *o)
{
    ovs_problem p;
    ovs_train_workspace ws;
    ovs_result r;
    memset(&r, 0xff, sizeof r);
    if (ovs_problem_alloc(&p, n, k, d) != OVS_OK ||
        ovs_train_workspace_alloc(&ws, n, k, d) != OVS_OK)
        return r;
    (void)act;
    ovs_problem_draw(&p, 5, trial);
    if (run_gd(&p, o, &ws, &r) != OVS_OK) { /* fails every check on it */
        r.success = r.diverged = r.aborted = -1;
        r.final_rel_err = NAN;
    }
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
    return r;
}

static void test_known_answers(void)
{
    const char *acts[] = {"softplus", "relu"};
    int converges = 1, ladders = 1, moves = 1, fails = 1, diverges = 1;
    for (int a = 0; a < 2; a++) {
        topts o = paper_opts(acts[a], 15000);
        /* Clearly overparameterised: kd = 200 = 5 n. */
        ovs_result r = train_cell(acts[a], 40, 20, 10, 0, &o);
        converges &= r.success == 1 && r.diverged == 0 && r.iterations < 15000 &&
                     r.final_rel_err < 2.5e-3;
        ladders &= r.ladder_hit[o.n_ladder - 1] == r.iterations;
        for (int j = 1; j < o.n_ladder; j++)
            ladders &= r.ladder_hit[j] >= r.ladder_hit[j - 1] && r.ladder_hit[j - 1] >= 0;
        moves &= r.dist_from_init > 0 && r.path_length >= r.dist_from_init;
        /* Clearly underparameterised: kd = 10 <= n / 2. */
        o.max_iter = 3000;
        r = train_cell(acts[a], 40, 2, 5, 0, &o);
        fails &= r.success == 0 && r.diverged == 0 && r.iterations == 3000 &&
                 r.final_rel_err > 2.5e-3 && isfinite(r.final_rel_err) &&
                 r.ladder_hit[o.n_ladder - 1] == -1;
        /* An absurd step size diverges promptly and is reported, not crashed. */
        o.eta = 1e8;
        r = train_cell(acts[a], 40, 6, 5, 0, &o);
        diverges &= r.diverged == 1 && r.success == 0 && r.iterations < 200;
    }
    CHECK_MSG(converges, "gd does not converge at kd = 5 n");
    CHECK_MSG(ladders, "a successful trial's ladder is not ordered or not ending at it");
    CHECK_MSG(moves, "dist_from_init = 0 or path_length < dist_from_init");
    CHECK_MSG(fails, "gd at kd <= n / 2 does not fail after its budget");
    CHECK_MSG(diverges, "gd with eta = 1e8 is not reported as diverged promptly");
}

/* a and b the same bits, or both NaN (a NaN's sign and payload are not results). */
static int same_or_both_nan(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* The fused pass against the unfused one where their code differs most: pre-activations at
 * and beyond the clamp at -700, infinite, NaN, zero and subnormal (on x86-64 with AVX-512
 * the fused pass runs forward.c's AVX-512 build, whose clamp and selects are other
 * instructions: vmath.h). d = 1 and x_i = +-1, so z_0i = +-w_0 exactly; units 1 and 2 are
 * ordinary. Loss: the same bits, or NaN in both; so is the gradient where the loss is finite.
 * (Where it is not, the trial has diverged and stops before its gradient is used; there the
 * fused ReLU factor is 0 for z = -inf where the unfused 0 (v_j r_i) is NaN.) */
static void test_fused_forward_special_values(void)
{
    const double special[] = {0.0,     1e-310, -1e-310, 700.0,   -700.0,   700.5,
                              -700.5,  745.2,  -745.2,  1e300,   -1e300,   INFINITY,
                              -INFINITY, NAN,  3.5,     -3.5};
    const char *acts[] = {"softplus", "relu"};
    const int n = 37, k = 3, d = 1;
    int checked = 0, differ = 0;
    for (int a = 0; a < 2; a++) {
        ovs_activation unfused = *ovs_activation_find(acts[a]);
        unfused.vector_kernel = OVS_ACT_SCALAR;
        for (size_t c = 0; c < sizeof special / sizeof special[0]; c++) {
            ovs_problem p;
            ovs_train_workspace ws;
            ovs_problem_alloc(&p, n, k, d);
            ovs_train_workspace_alloc(&ws, n, k, d);
            ovs_problem_draw(&p, 5, (int)c);
            for (int i = 0; i < n; i++)
                p.x[i] = i % 2 ? -1.0 : 1.0;
            double w[3] = {special[c], 0.7, -1.3}, g1[3], g2[3], l1, l2;
            ovs_train_loss_grad(&p, ovs_activation_find(acts[a]), OVS_KERNEL_SIMD, w, &ws, &l1,
                                g1);
            ovs_train_loss_grad(&p, &unfused, OVS_KERNEL_SIMD, w, &ws, &l2, g2);
            differ += !same_or_both_nan(l1, l2);
            if (isfinite(l2)) /* else the trial has diverged and its gradient is not used */
                for (int j = 0; j < k * d; j++)
                    differ += !same_or_both_nan(g1[j], g2[j]);
            checked++;
            ovs_problem_free(&p);
            ovs_train_workspace_free(&ws);
        }
    }
    CHECK_MSG(differ == 0 && checked == 32, "fused and unfused passes differ at %d values",
              differ);
}

/* The fused forward pass (forward.c: softplus and relu) against the unfused one (products,
 * array kernel, residual loop) on shapes that exercise every remainder of its blocks
 * (k mod 4; np mod 32 = 0, 8, 16, 24) and, on AVX-512, every end in blocks of 3 vectors
 * (np = 48, 80: two; 104, 200: three): loss and gradient bit-identical, and whole trainings
 * identical. The unfused path is reached through a copy of the activation without its
 * vector kernel. */
static void test_fused_forward_identical(void)
{
    const int shapes[][3] = {{7, 1, 1},    {30, 3, 9},   {33, 4, 3},   {40, 5, 25},
                             {100, 25, 4}, {104, 6, 17}, {200, 25, 25}, {61, 2, 32},
                             {48, 7, 5},   {24, 9, 2},   {56, 3, 11},  {90, 13, 1},
                             {77, 5, 6}};
    const char *acts[] = {"softplus", "relu"};
    int checked = 0, loss_same = 1, grad_same = 1, nan_both = 1, runs_same = 1;
    for (int a = 0; a < 2; a++) {
        ovs_activation unfused = *ovs_activation_find(acts[a]);
        unfused.vector_kernel = OVS_ACT_SCALAR;
        for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
            const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2];
            ovs_problem p;
            ovs_train_workspace ws;
            ovs_problem_alloc(&p, n, k, d);
            ovs_train_workspace_alloc(&ws, n, k, d);
            ovs_problem_draw(&p, 11, (int)c);
            double *g1 = malloc(sizeof(double) * k * d), *g2 = malloc(sizeof(double) * k * d);
            double *w = malloc(sizeof(double) * k * d);
            for (int i = 0; i < k * d; i++) /* spread the pre-activations over both signs */
                w[i] = 3.0 * p.w0[i];
            double l1, l2;
            ovs_train_loss_grad(&p, ovs_activation_find(acts[a]), OVS_KERNEL_SIMD, w, &ws, &l1,
                                g1);
            ovs_train_loss_grad(&p, &unfused, OVS_KERNEL_SIMD, w, &ws, &l2, g2);
            loss_same &= memcmp(&l1, &l2, sizeof l1) == 0 && isfinite(l1);
            grad_same &= memcmp(g1, g2, sizeof(double) * k * d) == 0;
            w[k * d - 1] = NAN; /* a NaN weight reaches the loss either way */
            ovs_train_loss_grad(&p, ovs_activation_find(acts[a]), OVS_KERNEL_SIMD, w, &ws, &l1,
                                NULL);
            ovs_train_loss_grad(&p, &unfused, OVS_KERNEL_SIMD, w, &ws, &l2, NULL);
            nan_both &= isnan(l1) && isnan(l2);
            topts o = paper_opts(acts[a], 400);
            ovs_result r1, r2;
            int rc1 = run_gd(&p, &o, &ws, &r1);
            o.act = &unfused;
            int rc2 = run_gd(&p, &o, &ws, &r2);
            runs_same &= rc1 == OVS_OK && rc2 == OVS_OK && r1.iterations == r2.iterations &&
                         r1.success == r2.success &&
                         memcmp(&r1.final_rel_err, &r2.final_rel_err, sizeof(double)) == 0 &&
                         memcmp(&r1.dist_from_init, &r2.dist_from_init, sizeof(double)) == 0 &&
                         memcmp(&r1.path_length, &r2.path_length, sizeof(double)) == 0;
            checked++;
            free(g1);
            free(g2);
            free(w);
            ovs_problem_free(&p);
            ovs_train_workspace_free(&ws);
        }
    }
    CHECK_MSG(loss_same && checked == 26, "fused and unfused losses differ (or are not finite)");
    CHECK_MSG(grad_same, "fused and unfused gradients differ");
    CHECK_MSG(nan_both, "a NaN weight does not give a NaN loss in both passes");
    CHECK_MSG(runs_same, "fused and unfused trainings differ");
}

/* The gradient product g = mt xt^T (smallmm.c) against two references on shapes that give
 * every block form (d mod 4 = 0..3, d < 4, k mod 4 = 0..3, k mod 8 for one input) and
 * np = 8..208:
 *  - the order it states, written out in scalar code (lane q sums the samples i = q mod 8 in
 *    order; the lanes in ovs_hsum's tree): bit-identical, with the multiply-adds fused (fma:
 *    the AVX2/AVX-512 builds contract them) or all of them plain (the sanitizer builds
 *    target baseline x86-64, which has no FMA);
 *  - a long double sum: within 1e-14 of sum |mt_ji xt_li|. */
static void test_gradient_product(void)
{
    const int shapes[][3] = {{5, 1, 1},    {16, 3, 2},  {40, 7, 3},  {64, 8, 4},
                             {104, 9, 5},  {200, 25, 25}, {33, 12, 6}, {100, 6, 7},
                             {48, 17, 9},  {208, 4, 16}, {40, 10, 1}, {24, 14, 3}};
    int differ_fused = 0, differ_plain = 0, checked = 0;
    double worst_rel = 0.0;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2], np = ovs_pad(n);
        double *mt = aligned_alloc(64, sizeof(double) * (size_t)(k * np));
        double *xt = aligned_alloc(64, sizeof(double) * (size_t)(d * np));
        double *g = malloc(sizeof(double) * (size_t)(k * d));
        ovs_rng rng;
        const int64_t coord = (int64_t)c;
        ovs_rng_for_tuple(&rng, 77, 0, &coord, 1);
        for (int q = 0; q < k * np; q++)
            mt[q] = q % np < n ? ovs_rng_normal(&rng) : 0.0;
        for (int q = 0; q < d * np; q++)
            xt[q] = q % np < n ? ovs_rng_normal(&rng) : 0.0;
        ovs_smallmm_grad(k, d, np, mt, xt, g);
        for (int j = 0; j < k; j++)
            for (int l = 0; l < d; l++) {
                ovs_v8d fused = {0}, plain = {0};
                long double exact = 0, mag = 0;
                for (int i = 0; i < np; i++) {
                    double a = mt[(long)j * np + i], b = xt[(long)l * np + i];
                    fused[i % 8] = fma(a, b, fused[i % 8]);
                    plain[i % 8] += a * b;
                    exact += (long double)a * b;
                    mag += fabsl((long double)a * b);
                }
                double want_fused = ovs_hsum(fused), want_plain = ovs_hsum(plain);
                double got = g[j * d + l];
                differ_fused += memcmp(&want_fused, &got, sizeof got) != 0;
                differ_plain += memcmp(&want_plain, &got, sizeof got) != 0;
                double rel = (double)(fabsl((long double)got - exact) / mag);
                worst_rel = rel > worst_rel ? rel : worst_rel;
                checked++;
            }
        free(mt);
        free(xt);
        free(g);
    }
    /* the two references differ somewhere, so matching one of them is a real test */
    CHECK_MSG((differ_fused == 0 || differ_plain == 0) && differ_fused + differ_plain > 0 &&
                  checked == 1 + 6 + 21 + 32 + 45 + 625 + 72 + 42 + 153 + 64 + 10 + 42,
              "the gradient product is neither in its stated order with FMA (%d differ) nor "
              "without (%d differ)", differ_fused, differ_plain);
    CHECK_MSG(worst_rel < 1e-14, "the gradient product is off a long double sum by %g", worst_rel);
}

static void test_fixed_point(void)
{
    /* k = 1: v = (0), f = 0, the gradient vanishes: the trial runs out its budget with
     * relative error exactly 1 and W never moves. */
    topts o = paper_opts("softplus", 15000);
    ovs_result r = train_cell("softplus", 30, 1, 4, 2, &o);
    CHECK(r.success == 0 && r.diverged == 0 && r.iterations == 15000 &&
          r.final_rel_err == 1.0 && r.dist_from_init == 0.0 && r.path_length == 0.0);
}

static void test_determinism(void)
{
    topts o = paper_opts("softplus", 2000);
    ovs_result a = train_cell("softplus", 30, 4, 5, 1, &o);
    ovs_result b = train_cell("softplus", 30, 6, 5, 2, &o);
    ovs_result a2 = train_cell("softplus", 30, 4, 5, 1, &o);
    CHECK(memcmp(&a, &a2, sizeof a) == 0);
    CHECK(a.final_rel_err != b.final_rel_err);
    ovs_result c = train_cell("softplus", 30, 4, 5, 3, &o);
    CHECK(c.final_rel_err != a.final_rel_err);
}

static int abort_after_first(void *ctx)
{
    int *calls = ctx;
    return ++*calls >= 1;
}

static long allocs_at_poll = -1;
static int check_no_alloc(void *ctx)
{
    (void)ctx;
    if (allocs_at_poll < 0)
        allocs_at_poll = alloc_count;
    return alloc_count != allocs_at_poll; /* abort (and fail below) on any new allocation */
}

static void test_poll_and_allocation(void)
{
    topts o = paper_opts("relu", 500);
    int calls = 0;
    o.poll = abort_after_first;
    o.poll_ctx = &calls;
    o.poll_every = 10;
    ovs_result r = train_cell("relu", 30, 4, 5, 0, &o);
    CHECK(r.aborted == 1 && r.iterations == 10 && calls == 1);

    o.poll = check_no_alloc;
    o.poll_every = 1;
    int no_alloc = 1;
    for (int a = 0; a < 2; a++) {
        o.act = ovs_activation_at(a);
        allocs_at_poll = -1;
        r = train_cell(o.act->name, 30, 4, 5, 0, &o);
        no_alloc &= r.aborted == 0 && r.iterations == 500 && allocs_at_poll >= 0;
    }
    CHECK_MSG(no_alloc, "an allocation inside the GD loop");
}

/* The panel copy of X (forward.h) is made by the first simd training at a panel size, only
 * there: a blas training never allocates it, one that cannot get the memory returns
 * OVS_ENOMEM and leaves the workspace usable: the next training makes it, and the one after
 * reuses it with the same result bit for bit. */
static void test_panel_copy(void)
{
    const int n = 1040, k = 30, d = 40;
    ovs_problem p;
    ovs_train_workspace ws;
    CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK &&
          ovs_train_workspace_alloc(&ws, n, k, d) == OVS_OK);
    ovs_problem_draw(&p, 11, 0);
    CHECK(ws.panel > 0 && ws.xp == NULL);
    topts o = paper_opts("relu", 20);
    ovs_result blas, failed, r1, r2;
    o.kernel = OVS_KERNEL_BLAS;
    CHECK(run_gd(&p, &o, &ws, &blas) == OVS_OK && ws.xp == NULL);
    o.kernel = OVS_KERNEL_SIMD;
    fail_aligned = 1;
    const int rc = run_gd(&p, &o, &ws, &failed);
    fail_aligned = 0;
    CHECK_MSG(rc == OVS_ENOMEM && ws.xp == NULL, "no panel memory: rc %d", rc);
    CHECK(run_gd(&p, &o, &ws, &r1) == OVS_OK && ws.xp != NULL);
    CHECK(run_gd(&p, &o, &ws, &r2) == OVS_OK);
    CHECK(r1.iterations == 20 && r2.iterations == 20 &&
          memcmp(&r1.final_rel_err, &r2.final_rel_err, sizeof(double)) == 0 &&
          memcmp(&r1.dist_from_init, &r2.dist_from_init, sizeof(double)) == 0);
    ovs_train_workspace_free(&ws);
    ovs_problem_free(&p);
}

/* Both trainings ran all iters updates and ended with the same bits: final error, distance
 * from init and path length. */
static int same_run(const ovs_result *a, const ovs_result *b, int iters)
{
    return a->iterations == iters && b->iterations == iters &&
           memcmp(&a->final_rel_err, &b->final_rel_err, sizeof(double)) == 0 &&
           memcmp(&a->dist_from_init, &b->dist_from_init, sizeof(double)) == 0 &&
           memcmp(&a->path_length, &b->path_length, sizeof(double)) == 0;
}

/* Trainings with the forward pass and gradient panel by panel (train.c's step_by_panels),
 * with and without the fetch of the next panel (at every step in the forward pass only, in the
 * gradient only, in neither), in panels of 192 and 96, with and without the gradient's input
 * groups (ws->grad_group_bytes: the CPU's and the other), and one after
 * the other give the same bits: iterations, final error, distance from init and path length,
 * both activations, at four sizes that read X in panels (one with padding samples and a
 * narrow last panel; (2800, 4, 350) runs in input groups where they are on; (1000, 6, 200)
 * has np < 8 d, its lane sums larger than k np doubles), whatever this CPU's L2 would have
 * chosen. Panel by panel the workspace holds no X transposed (the panels are filled from X
 * itself, after runs that had it); pass by pass it does. */
static void test_by_panels_runs(void)
{
    const int shapes[4][3] = {{1001, 30, 40}, {1536, 20, 48}, {2800, 4, 350}, {1000, 6, 200}};
    const char *acts[2] = {"relu", "softplus"};
    int same = 1, panels = 1, copies = 1;
    for (int c = 0; c < 4; c++)
        for (int a = 0; a < 2; a++) {
            const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2];
            ovs_problem p;
            ovs_train_workspace ws;
            CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK &&
                  ovs_train_workspace_alloc(&ws, n, k, d) == OVS_OK);
            ovs_problem_draw(&p, 13, c);
            topts o = paper_opts(acts[a], 60);
            panels &= ws.panel > 0;
            /* pass by pass; by panels; fetching the next; in panels of 96, fetching; the
             * same with the other input groups; fetching at every step in one kernel only */
            const int by[7] = {0, 1, 1, 1, 1, 1, 1}, fetch[7] = {0, 0, 1, 1, 1, 1, 1};
            const int width[7] = {ws.panel, ws.panel, ws.panel, 96, 96, 96, 96};
            const int g0 = ws.grad_group_bytes, g1 = g0 ? 0 : OVS_SMALLMM_GROUP_BYTES;
            const int groups[7] = {g0, g0, g0, g0, g1, g0, g0};
            const int each_fwd[7] = {0, 0, 0, 0, 0, 1, 0}, each_grad[7] = {0, 0, 0, 0, 0, 0, 1};
            ovs_result r[7];
            for (int b = 0; b < 7; b++) {
                ws.by_panels = by[b];
                ws.fetch_next = fetch[b];
                ws.panel = width[b];
                ws.grad_group_bytes = groups[b];
                ws.fetch_forward_each_step = each_fwd[b];
                ws.fetch_each_step = each_grad[b];
                CHECK(run_gd(&p, &o, &ws, &r[b]) == OVS_OK);
                panels &= ws.xp != NULL;
                copies &= by[b] ? ws.xt == NULL : ws.xt != NULL; /* train.c's use_inputs */
            }
            for (int b = 1; b < 7; b++)
                same &= same_run(&r[0], &r[b], 60);
            ovs_train_workspace_free(&ws);
            ovs_problem_free(&p);
        }
    CHECK_MSG(panels, "a shape of test_by_panels_runs does not read X in panels");
    CHECK_MSG(copies, "a training panel by panel kept X transposed, or one pass by pass had "
                      "no transposed X (X is to be held twice: the problem's and one copy)");
    CHECK_MSG(same, "trainings panel by panel (fetching the next or not, in panels of 192 or "
                    "96, with or without input groups) and pass by pass differ");
}

/* train.c takes ||r|| and ||g|| over their padding (np; ovs_pad(k d)), which is only right
 * while the padding is zero: after trainings on every path (fused, panel by panel, unfused,
 * BLAS) at shapes with n and k d no multiples of 8, r and g are zero past n and k d. */
static void test_norm_padding(void)
{
    const int shapes[3][3] = {{100, 5, 5}, {37, 3, 7}, {1001, 30, 41}};
    const char *acts[3] = {"relu", "softplus", "tanh"};
    int zero = 1, runs = 0, panels = 0;
    for (int c = 0; c < 3; c++)
        for (int a = 0; a < 3; a++)
            for (int kernel = 0; kernel < 2; kernel++) {
                const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2];
                ovs_problem p;
                ovs_train_workspace ws;
                CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK &&
                      ovs_train_workspace_alloc(&ws, n, k, d) == OVS_OK);
                ovs_problem_draw(&p, 5, c);
                ws.by_panels = ws.panel > 0; /* (1001, 30, 41): panel by panel on every L2 */
                topts o = paper_opts(strcmp(acts[a], "tanh") ? acts[a] : "softplus", 30);
                o.act = ovs_activation_find(acts[a]);
                o.kernel = kernel ? OVS_KERNEL_BLAS : OVS_KERNEL_SIMD;
                ovs_result r;
                CHECK(run_gd(&p, &o, &ws, &r) == OVS_OK && r.iterations == 30);
                panels += ws.xp != NULL && ws.by_panels;
                for (int q = k * d; q < ovs_pad(k * d); q++)
                    zero &= ws.g[q] == 0.0;
                for (int i = n; i < ws.np; i++)
                    zero &= ws.r[i] == 0.0;
                runs++;
                ovs_train_workspace_free(&ws);
                ovs_problem_free(&p);
            }
    CHECK_MSG(runs == 18 && panels >= 2, "test_norm_padding ran %d trainings, %d by panels",
              runs, panels);
    CHECK_MSG(zero, "a training left r or g non-zero past n or k d");
}

/* Two plans alike in every field. */
static int same_plan(ovs_panel_plan a, ovs_panel_plan b)
{
    return a.panel == b.panel && a.by_panels == b.by_panels && a.fetch_next == b.fetch_next &&
           a.fits == b.fits;
}

/* ovs_train_panel_plan, known answers. On a 2 MiB L2 (the Intel machine of docs/BENCHMARKS.md):
 * the Figure-2 grid never reads panels; the study's (6400, 20, 640) fetches in panels of 96,
 * its (6400, 40, 640) (lane sums 1.6 MiB) goes panel by panel without fetching, the ladder's
 * (6400, 120, 80) fetches in panels of 192; (51200, 480, 160), far past L2, goes panel by panel
 * (k > 24: no fetch). On 512 KiB (the AMD machine of round 16), where nothing fits at the
 * study's wide rows: panels of 96 with the fetch at k <= 24, panel by panel without it at
 * k = 40-120; (3200, 96, 50) takes panels of 192 at 1.16 L2 (the slack of 1.2 below d = 256),
 * (3200, 57, 80) at 1.19 L2 too, (3200, 58, 80) at 1.21 panels of 96; on 2 MiB, d = 255 has
 * the slack and d = 256 not. Where np < 8 d, panel by panel only where X is over 2 L2
 * ((4096, 20, 640) on 2 MiB; (1600, 16, 320) and 1032 samples of d = 256 on 1 MiB, not 1024
 * of them nor (600, 50, 100)); with L2 unknown, never. fits: the fetch's bytes fit (with the slack), not where
 * panels of 96 fetch because nothing fits (k <= 24); on 1 MiB (the Zen 5 machine of round
 * 27) the study's (1600, 10, 160) fits in panels of 192, its (6400, 20, 640) does not, and
 * (6400, 40, 320) goes panel by panel without the fetch at wide_k 24. With wide_k 64 (Zen 4,
 * round 35) panels of 96 fetch where nothing fits up to k = 64 and not at k = 65. */
static void test_panel_plan(void)
{
    const long l2 = 2L << 20, amd = 512L << 10, mib = 1L << 20;
    const struct {
        int k, d, np;
        long l2;
        ovs_panel_plan want;
    } cases[] = {
        {25, 25, 200, l2, {0, 0, 0, 0}},        {20, 640, 6400, l2, {96, 1, 1, 1}},
        {10, 640, 6400, l2, {96, 1, 1, 1}},     {40, 640, 6400, l2, {192, 1, 0, 0}},
        {20, 320, 3200, l2, {192, 1, 1, 1}},    {120, 80, 6400, l2, {192, 1, 1, 1}},
        {20, 640, 4096, l2, {96, 1, 1, 1}},     {480, 160, 51200, l2, {192, 1, 0, 0}},
        {20, 640, 6400, 0, {192, 0, 0, 0}},     {120, 80, 6400, amd, {192, 1, 0, 0}},
        {20, 320, 3200, amd, {96, 1, 1, 0}},    {10, 640, 6400, amd, {96, 1, 1, 0}},
        {24, 640, 6400, amd, {96, 1, 1, 0}},    {25, 640, 6400, amd, {192, 1, 0, 0}},
        {40, 320, 6400, amd, {192, 1, 0, 0}},   {96, 50, 3200, amd, {192, 1, 1, 1}},
        {48, 50, 1600, amd, {192, 1, 1, 1}},    {25, 25, 200, amd, {0, 0, 0, 0}},
        {57, 80, 3200, amd, {192, 1, 1, 1}},    {58, 80, 3200, amd, {96, 1, 1, 1}},
        {80, 255, 6400, l2, {192, 1, 1, 1}},    {80, 256, 6400, l2, {96, 1, 1, 1}},
        {10, 160, 1600, mib, {192, 1, 1, 1}}, {20, 640, 6400, mib, {96, 1, 1, 0}},
        {40, 320, 6400, mib, {192, 1, 0, 0}},   {16, 320, 1600, mib, {96, 1, 1, 1}},
        {20, 256, 1032, mib, {96, 1, 1, 1}},    {20, 256, 1024, mib, {192, 0, 0, 0}},
        {50, 100, 600, mib, {192, 0, 0, 0}},    {20, 640, 4096, 0, {192, 0, 0, 0}},
    };
    /* with wide_k 64 (Zen 4): panels of 96 fetch where nothing fits up to k = 64 */
    const struct {
        int k, d, np;
        ovs_panel_plan want;
    } zen4[] = {
        {40, 320, 6400, {96, 1, 1, 0}},  {64, 640, 6400, {96, 1, 1, 0}},
        {65, 320, 6400, {192, 1, 0, 0}}, {120, 80, 6400, {192, 1, 1, 1}},
        {20, 640, 6400, {96, 1, 1, 0}},  {25, 25, 200, {0, 0, 0, 0}},
    };
    int bad = -1;
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++) {
        const ovs_panel_plan got =
            ovs_train_panel_plan(cases[c].k, cases[c].d, cases[c].np, cases[c].l2, 24);
        if (!same_plan(got, cases[c].want))
            bad = bad < 0 ? c : bad;
    }
    CHECK_MSG(bad < 0, "ovs_train_panel_plan: case %d differs from its known answer", bad);
    for (int c = 0; c < (int)(sizeof zen4 / sizeof zen4[0]); c++)
        if (!same_plan(ovs_train_panel_plan(zen4[c].k, zen4[c].d, zen4[c].np, mib, 64),
                       zen4[c].want))
            bad = bad < 0 ? c : bad;
    CHECK_MSG(bad < 0, "ovs_train_panel_plan, wide_k 64: case %d differs from its known answer",
              bad);
}

/* Which CPUs drop the fetch where the panels fit (ovs_train_cpu_streams), which fetch up to
 * 64 units where nothing fits (ovs_train_fetch_wide_k) and at every step up to 24 (8 on
 * Zen 5; ovs_train_fetch_each_step_k) and run the gradient without input groups
 * (ovs_train_grad_group_bytes), from cpuid's
 * vendor (leaf 0 EBX) and family (leaf 1 EAX): known answers for the machines of
 * docs/BENCHMARKS.md (the Zen 5 of rounds 26-28 reads EAX 0x00B00F21) and their neighbours,
 * and the rule that combines it with the plan (ovs_train_fetch_next). A family decoded
 * without the extended bits (0xF for every AMD since K8) would call Zen 5 "no"; one that
 * added them to every base family would call Intel's 6 "yes" were it AMD. */
static void test_fetch_rule(void)
{
    const unsigned amd = 0x68747541u, intel = 0x756e6547u; /* "Auth", "Genu" */
    const struct {
        unsigned ebx, eax;
        int want;
    } cpus[] = {
        {amd, 0x00B00F21u, 1},   /* family 1Ah model 2 (Zen 5 EPYC, rounds 26-28) */
        {amd, 0x00B40F40u, 1},   /* family 1Ah model 44h (Zen 5 desktop) */
        {amd, 0x00C00F00u, 1},   /* family 1Bh (a later AMD) */
        {amd, 0x00A10F11u, 0},   /* family 19h model 11h (Zen 4 EPYC) */
        {amd, 0x00A00F11u, 0},   /* family 19h model 1 (Zen 3 EPYC, rounds 16-18) */
        {amd, 0x00830F10u, 0},   /* family 17h (Zen 2) */
        {amd, 0x00000600u, 0},   /* a base family 6 with the extended bits clear */
        {amd, 0x0FB00600u, 0},   /* base family 6: the extended bits do not count */
        {intel, 0x000806F8u, 0}, /* Sapphire Rapids (family 6) */
        {intel, 0x00B00F21u, 0}, /* Zen 5's EAX under another vendor */
        {0, 0, 0},
    };
    int bad = -1;
    for (int c = 0; c < (int)(sizeof cpus / sizeof cpus[0]); c++)
        if (ovs_train_cpu_streams(cpus[c].ebx, cpus[c].eax) != cpus[c].want)
            bad = bad < 0 ? c : bad;
    CHECK_MSG(bad < 0, "ovs_train_cpu_streams: cpu %d differs from its known answer", bad);
    /* wide_k: 64 only on family 19h with 1 MiB of L2 or more (Zen 4, not Zen 3's 512 KiB) */
    const long mib = 1L << 20;
    CHECK(ovs_train_fetch_wide_k(amd, 0x00A10F11u, mib) == 64);      /* Zen 4 EPYC */
    CHECK(ovs_train_fetch_wide_k(amd, 0x00A60F12u, mib) == 64);      /* Zen 4 desktop */
    CHECK(ovs_train_fetch_wide_k(amd, 0x00A00F11u, mib / 2) == 24);  /* Zen 3 EPYC */
    CHECK(ovs_train_fetch_wide_k(amd, 0x00A10F11u, mib - 1) == 24);  /* below 1 MiB */
    CHECK(ovs_train_fetch_wide_k(amd, 0x00B00F21u, mib) == 24);      /* Zen 5: 64 slower */
    CHECK(ovs_train_fetch_wide_k(amd, 0x00830F10u, mib) == 24);      /* Zen 2 */
    CHECK(ovs_train_fetch_wide_k(intel, 0x000806F8u, 2 * mib) == 24); /* Sapphire Rapids */
    CHECK(ovs_train_fetch_wide_k(intel, 0x00A10F11u, mib) == 24);     /* another vendor */
    CHECK(ovs_train_fetch_wide_k(0, 0, mib) == 24);
    /* the fetch at every step up to k = 24 on the same CPUs, up to 8 on Zen 5, else never */
    CHECK(ovs_train_fetch_each_step_k(amd, 0x00A10F11u, mib) == 24);
    CHECK(ovs_train_fetch_each_step_k(amd, 0x00A00F11u, mib / 2) == 0);
    CHECK(ovs_train_fetch_each_step_k(amd, 0x00B00F21u, mib) == 8);
    CHECK(ovs_train_fetch_each_step_k(amd, 0x00B00F21u, mib / 2) == 0);
    CHECK(ovs_train_fetch_each_step_k(amd, 0x00C00F00u, mib) == 0); /* family 1Bh */
    CHECK(ovs_train_fetch_each_step_k(intel, 0x000806F8u, 2 * mib) == 0);
    CHECK(ovs_train_fetch_each_step_k(0, 0, mib) == 0);
    /* the forward pass's share: every k that fetches (24) on Zen 5, else as the gradient's */
    CHECK(ovs_train_fetch_forward_each_step_k(amd, 0x00B00F21u, mib) == 24);
    CHECK(ovs_train_fetch_forward_each_step_k(amd, 0x00B00F21u, mib / 2) == 0);
    CHECK(ovs_train_fetch_forward_each_step_k(amd, 0x00A10F11u, mib) == 24);
    CHECK(ovs_train_fetch_forward_each_step_k(amd, 0x00A00F11u, mib / 2) == 0);
    CHECK(ovs_train_fetch_forward_each_step_k(intel, 0x000806F8u, 2 * mib) == 0);
    CHECK(ovs_train_fetch_forward_each_step_k(0, 0, mib) == 0);
    /* the gradient without input groups on Zen 4 only (slower on Zen 5), else groups of 24 KiB */
    const int groups = OVS_SMALLMM_GROUP_BYTES;
    CHECK(ovs_train_grad_group_bytes(amd, 0x00A10F11u, mib) == 0);
    CHECK(ovs_train_grad_group_bytes(amd, 0x00A60F12u, 2 * mib) == 0);
    CHECK(ovs_train_grad_group_bytes(amd, 0x00A00F11u, mib / 2) == groups);
    CHECK(ovs_train_grad_group_bytes(amd, 0x00B00F21u, mib) == groups);
    CHECK(ovs_train_grad_group_bytes(intel, 0x000806F8u, 2 * mib) == groups);
    CHECK(ovs_train_grad_group_bytes(0, 0, mib) == groups);
    const ovs_panel_plan fits = {192, 1, 1, 1}, not_fits = {96, 1, 1, 0}, none = {192, 1, 0, 0};
    CHECK(ovs_train_fetch_next(fits, 1) == 0 && ovs_train_fetch_next(fits, 0) == 1);
    CHECK(ovs_train_fetch_next(not_fits, 1) == 1 && ovs_train_fetch_next(not_fits, 0) == 1);
    CHECK(ovs_train_fetch_next(none, 1) == 0 && ovs_train_fetch_next(none, 0) == 0);
}

/* The gradient in chunks whose rows of X stay in L1 (ws->grad_chunk, train.c's gradient)
 * gives the same trainings, bit for bit, as the kernel's own chunks: chunks of 96 (a short
 * last one), 8 and 400 samples against 0, at sizes that do not read X in panels (so that
 * gradient() runs), one with padding samples, with ReLU and softplus (fused forward pass)
 * and tanh (the forward pass in steps). */
static void test_grad_chunk_runs(void)
{
    const int shapes[2][3] = {{800, 30, 40}, {1001, 12, 30}};
    const char *acts[3] = {"relu", "softplus", "tanh"};
    const int chunks[4] = {0, 96, 8, 400};
    int same = 1, whole = 1;
    for (int c = 0; c < 2; c++)
        for (int a = 0; a < 3; a++) {
            const int n = shapes[c][0], k = shapes[c][1], d = shapes[c][2];
            ovs_problem p;
            ovs_train_workspace ws;
            CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK &&
                  ovs_train_workspace_alloc(&ws, n, k, d) == OVS_OK);
            ovs_problem_draw(&p, 17, c);
            topts o = paper_opts(acts[a], 40);
            whole &= ws.panel == 0 && !ws.by_panels;
            ovs_result r[4];
            for (int b = 0; b < 4; b++) {
                ws.grad_chunk = chunks[b];
                CHECK(run_gd(&p, &o, &ws, &r[b]) == OVS_OK);
            }
            for (int b = 1; b < 4; b++)
                same &= same_run(&r[0], &r[b], 40);
            ovs_train_workspace_free(&ws);
            ovs_problem_free(&p);
        }
    CHECK_MSG(whole, "a shape of test_grad_chunk_runs reads X in panels");
    CHECK_MSG(same, "trainings with the gradient in L1 chunks of 96, 8 or 400 samples and in "
                    "the kernel's own chunks differ");
}

/* ovs_train_grad_chunk, known answers. On a 48 KiB L1 (2/3 of it, 32 KiB, for a chunk's
 * rows): the ladder's (800, 30, 40) in chunks of 96 (102 samples fit, rounded down to 8),
 * d = 42 still 96 and d = 43 none (95 samples fit: fewer than 96); (1600, 24) 168, (4000, 8)
 * 512; X's rows at or under 160 KiB (600 x 30: 144 000 bytes; 163 840 bytes exactly) and
 * the Figure-2 grid: none; a 32 KiB L1, an unknown one (0) or one that holds all samples
 * (2 MiB): none. */
static void test_grad_chunk_plan(void)
{
    const long l1 = 48L << 10;
    const struct {
        int d, np;
        long l1;
        int want;
    } cases[] = {
        {40, 800, l1, 96},   {42, 800, l1, 96},      {43, 800, l1, 0},   {50, 800, l1, 0},
        {24, 1600, l1, 168}, {8, 4000, l1, 512},     {30, 600, l1, 0},   {40, 512, l1, 0},
        {25, 200, l1, 0},    {40, 800, 32L << 10, 0}, {40, 800, 0, 0},   {40, 800, 2L << 20, 0},
    };
    int bad = -1;
    for (int c = 0; c < (int)(sizeof cases / sizeof cases[0]); c++)
        if (ovs_train_grad_chunk(cases[c].d, cases[c].np, cases[c].l1) != cases[c].want)
            bad = bad < 0 ? c : bad;
    CHECK_MSG(bad < 0, "ovs_train_grad_chunk: case %d differs from its known answer", bad);
}

/* --early-fail is opt-in: off by default; on, it stops a hopeless trial early and leaves a
 * quickly converging one untouched. */
static void test_early_fail(void)
{
    topts o = paper_opts("softplus", 15000);
    CHECK(o.early_fail == 0);
    ovs_result full = train_cell("softplus", 40, 2, 5, 0, &o);
    o.early_fail = 1;
    ovs_result early = train_cell("softplus", 40, 2, 5, 0, &o);
    CHECK(full.iterations == 15000 && full.early_stopped == 0);
    CHECK(early.early_stopped == 1 && early.success == 0 && early.iterations >= 10000 &&
          early.iterations < 15000 && early.iterations % 500 == 0);
    ovs_result fast = train_cell("softplus", 40, 20, 10, 0, &o);
    o.early_fail = 0;
    ovs_result fast_ref = train_cell("softplus", 40, 20, 10, 0, &o);
    CHECK(fast.success == 1 && fast.early_stopped == 0);
    CHECK(memcmp(&fast, &fast_ref, sizeof fast) == 0);
}

static void test_ladder(void)
{
    double l[OVS_LADDER_MAX];
    int m = ovs_protocol_ladder(2.5e-3, l, OVS_LADDER_MAX);
    CHECK(m == 7 && l[0] == 1e-1 && l[1] == 5e-2 && l[m - 1] == 2.5e-3);
    m = ovs_protocol_ladder(1e-3, l, OVS_LADDER_MAX);
    CHECK(l[m - 1] == 1e-3 && l[m - 2] == 2.5e-3);
    m = ovs_protocol_ladder(0.5, l, OVS_LADDER_MAX);
    CHECK(m == 1 && l[0] == 0.5);
    m = ovs_protocol_ladder(4e-2, l, OVS_LADDER_MAX);
    CHECK(m == 3 && l[1] == 5e-2 && l[2] == 4e-2);
}

static void test_bad_args(void)
{
    ovs_problem p;
    ovs_train_workspace ws;
    ovs_result r;
    ovs_problem_alloc(&p, 10, 2, 2);
    ovs_train_workspace_alloc(&ws, 10, 2, 3);
    ovs_problem_draw(&p, 1, 0);
    topts o = paper_opts("relu", 10);
    CHECK(run_gd(&p, &o, &ws, &r) == OVS_EINVAL); /* workspace shape mismatch */
    ovs_train_workspace_free(&ws);
    ovs_train_workspace_alloc(&ws, 10, 2, 2);
    o.eta = 0;
    CHECK(run_gd(&p, &o, &ws, &r) == OVS_EINVAL);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
}

int main(void)
{
    test_activation_derivatives();
    test_softplus_tables();
    test_softplus_accuracy();
    test_gradient_fd();
    test_known_answers();
    test_fused_forward_identical();
    test_fused_forward_special_values();
    test_gradient_product();
    test_fixed_point();
    test_determinism();
    test_poll_and_allocation();
    test_panel_copy();
    test_by_panels_runs();
    test_norm_padding();
    test_panel_plan();
    test_fetch_rule();
    test_grad_chunk_runs();
    test_grad_chunk_plan();
    test_early_fail();
    test_ladder();
    test_bad_args();
    TEST_DONE();
}
