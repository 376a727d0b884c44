/* bench_methods.c - what one unit of each issue-7 method costs, on the benchmark cells:
 * a gd update, an sgd epoch (n single-sample steps plus the epoch's full error evaluation),
 * an rf trial (features + minimum-norm least squares), and the --diagnostics of one trial.
 * Best of REPS runs each; tol so small that no trial stops early. */
#include "activation.h"
#include "diagnostics.h"
#include "method.h"
#include "problem.h"
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Best wall time per unit (update, epoch or trial) of method on problem p. */
static double time_method(int method, const ovs_problem *p, const ovs_activation *act,
                          double eta, int units)
{
    double ladder[1] = {1e-300};
    const ovs_method_spec m = {.method = method, .act = act, .eta = eta, .seed = 2019};
    const ovs_protocol proto = {.max_iter = units, .tol = ladder[0], .ladder = ladder,
                                .n_ladder = 1};
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        ovs_result r;
        double t0 = seconds();
        ovs_method_run(&m, p, &proto, &r);
        double t = (seconds() - t0) / (method == OVS_METHOD_RF ? 1 : (r.iterations > 0 ? r.iterations : 1));
        best = t < best ? t : best;
    }
    return best;
}

static double time_diagnostics(const ovs_problem *p, const ovs_activation *act)
{
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        ovs_diagnostics dg;
        double t0 = seconds();
        ovs_diagnostics_compute(p, act, &dg);
        double t = seconds() - t0;
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    const int cells[][3] = {{100, 10, 10}, {200, 25, 25}, {100, 25, 4}};
    const char *acts[] = {"softplus", "relu"};
    int units = argc > 1 ? atoi(argv[1]) : 1000;
    printf("%-9s %5s %3s %3s %12s %12s %12s %14s %13s\n", "act", "n", "k", "d", "gd us/update",
           "sgd us/epoch", "sgd/gd", "rf ms/trial", "diag ms/trial");
    for (int a = 0; a < 2; a++)
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            int n = cells[c][0], k = cells[c][1], d = cells[c][2];
            ovs_problem p;
            ovs_problem_alloc(&p, n, k, d);
            ovs_problem_draw(&p, 2019, 0);
            const ovs_activation *act = ovs_activation_find(acts[a]);
            const double eta = a == 0 ? 0.15 : 0.1;
            double gd = time_method(OVS_METHOD_GD, &p, act, eta, 3 * units);
            double sgd = time_method(OVS_METHOD_SGD, &p, act, eta, units / 4 > 0 ? units / 4 : 1);
            double rf = time_method(OVS_METHOD_RF, &p, act, eta, 1);
            double dg = time_diagnostics(&p, act);
            printf("%-9s %5d %3d %3d %12.2f %12.2f %12.1f %14.3f %13.2f\n", acts[a], n, k, d,
                   gd * 1e6, sgd * 1e6, sgd / gd, rf * 1e3, dg * 1e3);
            ovs_problem_free(&p);
        }
    return 0;
}
