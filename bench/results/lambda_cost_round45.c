/* lambda_cost_round45.c - --eta auto's lambda_max by the two methods of src/jacobian.c, side by
 * side on the same problems (trial t of seed 2019, as the study draws them): products with
 * J J^T, seconds, the value, and where n <= 1600 each one's relative error against the largest
 * eigenvalue of the explicit J J^T (built in long double, LAPACK dsyevd). Not part of the
 * build; from the repository root:
 *   make all   # (the library objects)
 *   cc -O2 -Iinclude bench/results/lambda_cost_round45.c build/activation.o build/jacobian.o \
 *      build/linalg.o build/problem.o build/rng.o build/names.o build/forward*.o build/smallmm*.o \
 *      $(pkg-config --cflags --libs openblas) -lm -o /tmp/lam
 *   OPENBLAS_NUM_THREADS=1 /tmp/lam N K D ACT TRIAL [N K D ACT TRIAL ...]                    */
#include "activation.h"
#include "jacobian.h"
#include "linalg.h"
#include "problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* (J J^T)_ab = (x_a . x_b) sum_j v_j^2 phi'(w_j . x_a) phi'(w_j . x_b), entry by entry. */
static double dense_top(const ovs_problem *p, const ovs_activation *act)
{
    const int n = p->n, k = p->k, d = p->d;
    double *dp = malloc(sizeof(double) * n * k), *m = malloc(sizeof(double) * n * n),
           *ev = malloc(sizeof(double) * n), top = NAN;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            long double z = 0;
            for (int l = 0; l < d; l++)
                z += (long double)p->w0[j * d + l] * p->x[i * d + l];
            dp[i * k + j] = p->v[j] * act->dphi((double)z);
        }
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            long double g = 0, s = 0;
            for (int l = 0; l < d; l++)
                g += (long double)p->x[a * d + l] * p->x[b * d + l];
            for (int j = 0; j < k; j++)
                s += (long double)dp[a * k + j] * dp[b * k + j];
            m[a * n + b] = (double)(g * s);
        }
    if (ovs_linalg_sym_eig(n, m, ev, 0) == 0)
        top = ev[n - 1];
    free(dp), free(m), free(ev);
    return top;
}

int main(int argc, char **argv)
{
    printf("n k d act trial | power: iterations seconds lambda | lanczos: products seconds "
           "lambda | time ratio | (lanczos - power) / lanczos | vs dense: power lanczos\n");
    for (int a = 1; a + 4 < argc; a += 5) {
        const int n = atoi(argv[a]), k = atoi(argv[a + 1]), d = atoi(argv[a + 2]);
        const ovs_activation *act = ovs_activation_find(argv[a + 3]);
        const int trial = atoi(argv[a + 4]);
        ovs_problem p;
        if (!act || ovs_problem_alloc(&p, n, k, d) != 0)
            return 2;
        ovs_problem_draw(&p, 2019, (uint64_t)trial);
        double lp = 0, ll = 0;
        int ip = 0, il = 0;
        const double t0 = now();
        int rc = ovs_jacobian_lambda_max(&p, act, p.w0, OVS_LAMBDA_POWER, &lp, &ip);
        const double t1 = now();
        rc |= ovs_jacobian_lambda_max(&p, act, p.w0, OVS_LAMBDA_LANCZOS, &ll, &il);
        const double t2 = now();
        const double ref = n <= 1600 ? dense_top(&p, act) : NAN;
        printf("%d %d %d %s %d | %d %.3f %.17g | %d %.3f %.17g | %.1fx | %.3g | %.2g %.2g%s\n",
               n, k, d, act->name, trial, ip, t1 - t0, lp, il, t2 - t1, ll,
               (t1 - t0) / (t2 - t1), (ll - lp) / ll, (lp - ref) / ref, (ll - ref) / ref,
               rc ? " ERROR" : "");
        ovs_problem_free(&p);
    }
    return 0;
}
