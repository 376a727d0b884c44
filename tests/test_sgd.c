/* test_sgd.c - the SGD method (eq. 2.9): convergence when overparameterised, failure when
 * not, determinism and the trial's own sample stream, the step against finite differences,
 * divergence, the ladder, epochs of exactly n steps, and the poll hook. */
#include "activation.h"
#include "problem.h"
#include "rng.h"
#include "sgd.h"
#include "status.h"
#include "testopts.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static double ladder[OVS_LADDER_MAX];

static topts paper_opts(const char *act, int max_iter, double tol)
{
    topts o = {0};
    o.act = ovs_activation_find(act);
    o.eta = strcmp(act, "relu") == 0 ? 0.1 : 0.15;
    o.max_iter = max_iter;
    o.tol = tol;
    o.ladder = ladder;
    o.n_ladder = ovs_protocol_ladder(o.tol, ladder, OVS_LADDER_MAX);
    return o;
}

/* Draw problem (n, k, d, data_trial) under seed 5 and run SGD with sample stream sgd_trial. */
static ovs_result sgd_cell(int n, int k, int d, int data_trial, int sgd_trial,
                                 const topts *o)
{
    ovs_problem p;
    ovs_result r;
    memset(&r, 0xff, sizeof r);
    if (ovs_problem_alloc(&p, n, k, d) != OVS_OK)
        return r;
    ovs_problem_draw(&p, 5, data_trial);
    if (run_sgd(&p, o, 5, sgd_trial, &r) != OVS_OK) { /* fails every check on it */
        r.success = r.diverged = r.aborted = -1;
        r.final_rel_err = NAN;
    }
    ovs_problem_free(&p);
    return r;
}

/* A successful trial's ladder: every rung hit, in order, the last at the stopping epoch,
 * nothing beyond the ladder. */
static int ladder_ok(const topts *o, const ovs_result *r)
{
    int ok = r->ladder_hit[o->n_ladder - 1] == r->iterations;
    for (int j = 1; j < o->n_ladder; j++)
        ok &= r->ladder_hit[j - 1] >= 0 && r->ladder_hit[j] >= r->ladder_hit[j - 1];
    for (int j = o->n_ladder; j < OVS_LADDER_MAX; j++)
        ok &= r->ladder_hit[j] == -1;
    return ok;
}

static void test_known_answers(void)
{
    const char *acts[] = {"softplus", "relu"};
    int converges = 1, ladders = 1, moves = 1, fails = 1, diverges = 1;
    for (int a = 0; a < 2; a++) {
        /* Overparameterised: kd = 400 = 20 n. Converges in ~500-1800 epochs. */
        topts o = paper_opts(acts[a], 5000, 2.5e-3);
        for (int trial = 0; trial < 2; trial++) {
            ovs_result r = sgd_cell(20, 40, 10, trial, trial, &o);
            converges &= r.success == 1 && r.diverged == 0 && r.aborted == 0 &&
                         r.early_stopped == 0 && r.iterations > 0 && r.iterations < 5000 &&
                         r.final_rel_err < 2.5e-3;
            ladders &= ladder_ok(&o, &r);
            moves &= r.dist_from_init > 0 && r.path_length >= r.dist_from_init;
        }
        /* Underparameterised: kd = 10 = n / 4. */
        o.max_iter = 300;
        ovs_result r = sgd_cell(40, 2, 5, 0, 0, &o);
        fails &= r.success == 0 && r.diverged == 0 && r.iterations == 300 &&
                 r.final_rel_err > 0.1 && isfinite(r.final_rel_err) &&
                 r.ladder_hit[o.n_ladder - 1] == -1;
        /* An absurd step size diverges within the first epochs and is reported. */
        o.eta = 1e8;
        r = sgd_cell(40, 6, 5, 0, 0, &o);
        diverges &= r.diverged == 1 && r.success == 0 && r.iterations < 5 &&
                    isfinite(r.dist_from_init) && isfinite(r.path_length);
    }
    CHECK_MSG(converges, "sgd does not converge at kd = 20 n");
    CHECK_MSG(ladders, "a successful sgd trial's ladder is not ordered or not ending at it");
    CHECK_MSG(moves, "sgd: dist_from_init = 0 or path_length < dist_from_init");
    CHECK_MSG(fails, "sgd at kd = n / 4 does not fail after its budget");
    CHECK_MSG(diverges, "sgd with eta = 1e8 is not reported as diverged at once");
    /* max_iter = 0: one evaluation at W0, nothing moves. */
    topts o = paper_opts("softplus", 0, 2.5e-3);
    ovs_result r = sgd_cell(20, 4, 5, 0, 0, &o);
    CHECK(r.iterations == 0 && r.success == 0 && r.dist_from_init == 0 && r.path_length == 0 &&
          r.final_rel_err > 0.1 && isfinite(r.final_rel_err));
}

static void test_determinism_and_streams(void)
{
    topts o = paper_opts("softplus", 200, 2.5e-3);
    ovs_result a = sgd_cell(30, 4, 5, 1, 1, &o);
    ovs_result a2 = sgd_cell(30, 4, 5, 1, 1, &o);
    CHECK(memcmp(&a, &a2, sizeof a) == 0); /* bit-identical */
    /* Same data and W0, another trial's sample stream: another path. */
    ovs_result b = sgd_cell(30, 4, 5, 1, 2, &o);
    CHECK(b.final_rel_err != a.final_rel_err && b.path_length != a.path_length);
    CHECK(b.dist_from_init != a.dist_from_init);
    /* The master seed enters too. */
    ovs_problem p;
    ovs_result c;
    ovs_problem_alloc(&p, 30, 4, 5);
    ovs_problem_draw(&p, 5, 1);
    CHECK(run_sgd(&p, &o, 6, 1, &c) == OVS_OK);
    CHECK(c.path_length != a.path_length);
    ovs_problem_free(&p);
}

/* Scalar model for the reference computations below: f(x; W) with act->phi. */
static double f_scalar(const ovs_activation *act, int k, int d, const double *v, const double *w,
                       const double *x)
{
    double f = 0.0;
    for (int j = 0; j < k; j++) {
        double z = 0.0;
        for (int l = 0; l < d; l++)
            z += w[j * d + l] * x[l];
        f += v[j] * act->phi(z);
    }
    return f;
}

/* The step equals -eta times the gradient of 1/2 (f(x_g; W) - y_g)^2, by central
 * differences with the scalar phi, for both activations and several shapes and samples. */
static void test_step_fd(void)
{
    const int shapes[][3] = {{7, 3, 2}, {20, 4, 5}, {15, 9, 3}, {30, 17, 9}, {9, 26, 11}};
    int residual_ok = 1, step_ok = 1, norm_ok = 1, enough = 1, nan_skipped = 1;
    for (int a = 0; a < 2; a++) {
        const ovs_activation *act = ovs_activation_at(a);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int n = shapes[s][0], k = shapes[s][1], d = shapes[s][2], kd = k * d;
            ovs_problem p;
            ovs_problem_alloc(&p, n, k, d);
            ovs_problem_draw(&p, 13, (int)s);
            double *w = malloc(sizeof(double) * kd), *w1 = malloc(sizeof(double) * kd);
            int nonzero = 0;
            for (int g = 0; g < n; g += n / 3) {
                const double *x = p.x + g * d;
                const double y = p.y[g], eta = 0.37;
                memcpy(w1, p.w0, sizeof(double) * kd);
                double r, sn;
                int rc = ovs_sgd_step(k, d, act, p.v, x, y, eta, w1, &r, &sn);
                double r_ref = f_scalar(act, k, d, p.v, p.w0, x) - y;
                residual_ok &= rc == OVS_OK && fabs(r - r_ref) <= 1e-13 * (1 + fabs(r_ref));
                double err2 = 0, g2 = 0, step2 = 0;
                memcpy(w, p.w0, sizeof(double) * kd);
                for (int i = 0; i < kd; i++) {
                    double h = 1e-6, wi = w[i];
                    w[i] = wi + h;
                    double rp = f_scalar(act, k, d, p.v, w, x) - y;
                    w[i] = wi - h;
                    double rm = f_scalar(act, k, d, p.v, w, x) - y;
                    w[i] = wi;
                    double grad = (0.5 * rp * rp - 0.5 * rm * rm) / (2 * h);
                    double delta = w1[i] - w[i];
                    err2 += (delta + eta * grad) * (delta + eta * grad);
                    g2 += eta * grad * eta * grad;
                    step2 += delta * delta;
                }
                /* g2 = 0 happens (ReLU: every unit with v_j != 0 inactive at x_g); then
                 * the step must be exactly zero. */
                int ok = g2 > 0 ? sqrt(err2 / g2) < 1e-6 : step2 == 0.0;
                step_ok &= ok;
                nonzero += g2 > 0;
                if (!ok)
                    fprintf(stderr, "  %s n=%d k=%d d=%d g=%d rel=%g\n", act->name, n, k, d, g,
                            sqrt(err2 / g2));
                norm_ok &= fabs(sn - sqrt(step2)) <= 1e-12 * sqrt(step2);
            }
            enough &= nonzero >= 2;
            /* A non-finite step is not applied. */
            memcpy(w1, p.w0, sizeof(double) * kd);
            double r, sn;
            nan_skipped &= ovs_sgd_step(k, d, act, p.v, p.x, NAN, 0.1, w1, &r, &sn) == OVS_OK &&
                           isnan(r) && memcmp(w1, p.w0, sizeof(double) * kd) == 0;
            free(w);
            free(w1);
            ovs_problem_free(&p);
        }
    }
    CHECK_MSG(residual_ok, "the step's residual != f(x_g; W) - y_g");
    CHECK_MSG(step_ok, "the step != -eta times the finite-difference gradient");
    CHECK_MSG(norm_ok, "the step's reported norm != ||W1 - W0||");
    CHECK_MSG(enough, "fewer than 2 samples with a non-zero gradient in a shape");
    CHECK_MSG(nan_skipped, "a non-finite step was applied");
}

/* One epoch is exactly n steps on the trial's stream: ovs_sgd_run with max_iter = E against
 * a hand-rolled loop of E n scalar steps drawing from the same generator. n - 1 or n + 1
 * steps per epoch would land elsewhere (checked, so the comparison can fail). */
typedef struct hand_result {
    double rel, dist, path;
} hand_result;

static hand_result hand_rolled(const ovs_problem *p, const ovs_activation *act, double eta,
                               uint64_t seed, int trial, int steps)
{
    const int n = p->n, k = p->k, d = p->d;
    double *w = malloc(sizeof(double) * k * d), *c = malloc(sizeof(double) * k);
    memcpy(w, p->w0, sizeof(double) * k * d);
    ovs_rng rng;
    const int64_t coords[] = {n, k, d, trial};
    ovs_rng_for_tuple(&rng, seed, OVS_STREAM_SGD, coords, 4);
    hand_result h = {0, 0, 0};
    for (int s = 0; s < steps; s++) {
        int g = (int)ovs_rng_below(&rng, (uint32_t)n);
        const double *x = p->x + g * d;
        double r = f_scalar(act, k, d, p->v, w, x) - p->y[g], c2 = 0, x2 = 0;
        for (int j = 0; j < k; j++) {
            double z = 0.0;
            for (int l = 0; l < d; l++)
                z += w[j * d + l] * x[l];
            c[j] = eta * r * p->v[j] * act->dphi(z);
            c2 += c[j] * c[j];
        }
        for (int j = 0; j < k; j++)
            for (int l = 0; l < d; l++)
                w[j * d + l] -= c[j] * x[l];
        for (int l = 0; l < d; l++)
            x2 += x[l] * x[l];
        h.path += sqrt(c2 * x2);
    }
    double r2 = 0, dist2 = 0;
    for (int i = 0; i < n; i++) {
        double r = f_scalar(act, k, d, p->v, w, p->x + i * d) - p->y[i];
        r2 += r * r;
    }
    for (int i = 0; i < k * d; i++)
        dist2 += (w[i] - p->w0[i]) * (w[i] - p->w0[i]);
    h.rel = sqrt(r2) / p->y_norm;
    h.dist = sqrt(dist2);
    free(w);
    free(c);
    return h;
}

static void test_epoch_is_n_steps(void)
{
    int ran = 1, same = 1;
    for (int a = 0; a < 2; a++) {
        const ovs_activation *act = ovs_activation_at(a);
        ovs_problem p;
        ovs_problem_alloc(&p, 25, 6, 4);
        ovs_problem_draw(&p, 3, 0);
        for (int epochs = 1; epochs <= 2; epochs++) {
            topts o = paper_opts(act->name, epochs, 1e-12);
            ovs_result r;
            ran &= run_sgd(&p, &o, 3, 7, &r) == OVS_OK && r.iterations == epochs &&
                   r.success == 0 && r.diverged == 0;
            hand_result h = hand_rolled(&p, act, o.eta, 3, 7, epochs * p.n);
            /* and n - 1 or n + 1 steps land elsewhere: the comparison can fail */
            hand_result fewer = hand_rolled(&p, act, o.eta, 3, 7, epochs * p.n - 1);
            hand_result more = hand_rolled(&p, act, o.eta, 3, 7, epochs * p.n + 1);
            same &= fabs(r.final_rel_err - h.rel) <= 1e-12 &&
                    fabs(r.dist_from_init - h.dist) <= 1e-12 &&
                    fabs(r.path_length - h.path) <= 1e-12 && fabs(fewer.dist - h.dist) > 1e-6 &&
                    fabs(more.dist - h.dist) > 1e-6;
        }
        ovs_problem_free(&p);
    }
    CHECK(ran);
    CHECK_MSG(same, "an sgd epoch is not exactly n steps of the trial's stream");
}

static int abort_now(void *ctx)
{
    int *calls = ctx;
    return ++*calls >= 1;
}

static int count_calls(void *ctx)
{
    ++*(int *)ctx;
    return 0;
}

static void test_poll(void)
{
    topts o = paper_opts("relu", 50, 1e-12);
    int calls = 0;
    o.poll = abort_now;
    o.poll_ctx = &calls;
    o.poll_every = 3;
    ovs_result r = sgd_cell(20, 4, 5, 0, 0, &o);
    CHECK(r.aborted == 1 && r.iterations == 3 && calls == 1);
    calls = 0;
    o.poll = count_calls;
    r = sgd_cell(20, 4, 5, 0, 0, &o);
    CHECK(r.aborted == 0 && r.iterations == 50 && calls == 50 / 3);
}

static void test_bad_args(void)
{
    ovs_problem p;
    ovs_result r;
    ovs_problem_alloc(&p, 10, 2, 2);
    ovs_problem_draw(&p, 1, 0);
    topts o = paper_opts("relu", 10, 2.5e-3);
    o.eta = 0;
    CHECK(run_sgd(&p, &o, 1, 0, &r) == OVS_EINVAL);
    o = paper_opts("relu", 10, 2.5e-3);
    o.tol = 1e-3; /* last rung must be tol */
    CHECK(run_sgd(&p, &o, 1, 0, &r) == OVS_EINVAL);
    o = paper_opts("relu", -1, 2.5e-3);
    CHECK(run_sgd(&p, &o, 1, 0, &r) == OVS_EINVAL);
    o = paper_opts("relu", 10, 2.5e-3);
    o.act = NULL;
    CHECK(run_sgd(&p, &o, 1, 0, &r) == OVS_EINVAL);
    ovs_problem_free(&p);
}

int main(void)
{
    test_known_answers();
    test_determinism_and_streams();
    test_step_fd();
    test_epoch_is_n_steps();
    test_poll();
    test_bad_args();
    TEST_DONE();
}
