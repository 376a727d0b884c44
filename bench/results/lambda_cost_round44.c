/* lambda_cost_round44.c - what --eta auto's lambda_max (src/jacobian.c's power iteration, BLAS
 * products, up to 1000 iterations to a relative change of 1e-9) costs per trial, in seconds and
 * iterations, at the large-n study's shapes. Not part of the build; from the repository root:
 *   make all   # (the library objects)
 *   cc -O2 -Iinclude bench/results/lambda_cost_round44.c build/activation.o build/jacobian.o \
 *      build/linalg.o build/problem.o build/rng.o build/names.o build/forward*.o build/smallmm*.o \
 *      -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -lm -o /tmp/lam
 *   /tmp/lam N K D ACT [N K D ACT ...]                                                     */
#include "activation.h"
#include "jacobian.h"
#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    printf("n k d act iterations seconds us_per_iteration lambda_max\n");
    for (int a = 1; a + 3 < argc; a += 4) {
        const int n = atoi(argv[a]), k = atoi(argv[a + 1]), d = atoi(argv[a + 2]);
        const ovs_activation *act = ovs_activation_find(argv[a + 3]);
        ovs_problem p;
        if (!act || ovs_problem_alloc(&p, n, k, d) != 0)
            return 2;
        ovs_problem_draw(&p, 2019, 0);
        double lambda = 0;
        int iters = 0;
        const double t0 = now();
        ovs_jacobian_lambda_max(&p, act, p.w0, &lambda, &iters);
        const double s = now() - t0;
        printf("%d %d %d %s %d %.3f %.1f %.6g\n", n, k, d, act->name, iters, s, 1e6 * s / iters,
               lambda);
        ovs_problem_free(&p);
    }
    return 0;
}
