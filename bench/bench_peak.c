/* bench_peak.c - what one core of this machine can do with its native vectors: double FMAs
 * per second (12 independent chains, enough to cover the latency of two FMA pipes) and
 * double divisions per second (the one division of the softplus kernel). The peak GFLOP/s
 * it prints is the ceiling for the products of the kernels (bench_kernel, bench_scaling).
 * The loops are bench/peak_rates.h's. */
#include "peak_rates.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int lanes;
    const char *isa;
    peak_rates_fn rates = peak_pick(argc > 1 && strcmp(argv[1], "--baseline") == 0, &lanes, &isa);
    double fma = 0, div = 0;
    for (int rep = 0; rep < 5; rep++) { /* best of 5: other processes share the cores */
        double f, d;
        rates(20000000, &f, &d);
        fma = f > fma ? f : fma;
        div = d > div ? d : div;
    }
    /* an FMA is 2 flops per lane (baseline: a multiply and an add, also 2) */
    printf("one core (%s, %d-lane vectors): %.2f G FMAs/s = %.1f GFLOP/s peak; %.3f G "
           "divisions/s (%.1f FMAs per division)\n",
           isa, lanes, fma * 1e-9, fma * 2e-9 * lanes, div * 1e-9, fma / div);
    return 0;
}
