/* bench_peak.c - what one core of this machine can do with the kernels' vector type:
 * 8-lane double FMAs per second (12 independent chains, enough to cover the latency of two
 * FMA pipes) and 8-lane double divisions per second (the one division of the softplus
 * kernel). The peak GFLOP/s it prints is the ceiling for the products of bench_kernel. */
#include "simd.h"

#include <stdio.h>
#include <time.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Twelve independent chains a = a m + c (loop-carried: none can be dropped). */
OVS_CLONES
static double fma_rate(long reps)
{
    ovs_v8d m = (ovs_v8d){0} + 0.999999, c = (ovs_v8d){0} + 1e-7;
    ovs_v8d a0 = {0}, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5,
            a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11;
    double t0 = seconds();
    for (long it = 0; it < reps; it++) {
        a0 = a0 * m + c, a1 = a1 * m + c, a2 = a2 * m + c, a3 = a3 * m + c;
        a4 = a4 * m + c, a5 = a5 * m + c, a6 = a6 * m + c, a7 = a7 * m + c;
        a8 = a8 * m + c, a9 = a9 * m + c, a10 = a10 * m + c, a11 = a11 * m + c;
    }
    double t = seconds() - t0;
    ovs_v8d s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    return s[0] == 12345.0 ? 0 : 12.0 * (double)reps / t; /* vector FMAs per second */
}

/* Eight independent chains a = c / a (divisions of the same kind as softplus's). */
OVS_CLONES
static double div_rate(long reps)
{
    ovs_v8d c = (ovs_v8d){0} + 3.0;
    ovs_v8d a0 = (ovs_v8d){0} + 2.0, a1 = a0 + 0.1, a2 = a0 + 0.2, a3 = a0 + 0.3,
            a4 = a0 + 0.4, a5 = a0 + 0.5, a6 = a0 + 0.6, a7 = a0 + 0.7;
    double t0 = seconds();
    for (long it = 0; it < reps; it++) {
        a0 = c / a0, a1 = c / a1, a2 = c / a2, a3 = c / a3;
        a4 = c / a4, a5 = c / a5, a6 = c / a6, a7 = c / a7;
    }
    double t = seconds() - t0;
    ovs_v8d s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    return s[0] == 12345.0 ? 0 : 8.0 * (double)reps / t;
}

int main(void)
{
    double fma = 0, div = 0;
    for (int rep = 0; rep < 5; rep++) { /* best of 5: other processes share the cores */
        double f = fma_rate(50000000), d = div_rate(5000000);
        fma = f > fma ? f : fma;
        div = d > div ? d : div;
    }
    printf("one core: %.2f G 8-lane FMAs/s = %.1f GFLOP/s peak; %.3f G 8-lane divisions/s "
           "(%.1f FMAs per division)\n",
           fma * 1e-9, fma * 16e-9, div * 1e-9, fma / div);
    return 0;
}
