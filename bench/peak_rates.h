/* peak_rates.h - one core's double FMAs and divisions per second with its native vectors:
 * the peak that bench_peak prints and that bench_scaling's grid replay measures between
 * cells. Header-only (static functions) for the bench programs; compile them with
 * -ffp-contract=fast so that a m + c is one FMA.
 *
 * Each instruction set gets a function of its own with vectors of its own width (AVX-512:
 * 8 doubles, AVX2 + FMA: 4, baseline SSE2: 2, multiply and add). Until round 5 this code
 * ran 8-lane vectors everywhere: gcc 12 keeps a 64-byte vector that its target cannot hold
 * in one register in memory, and on an AVX2 machine it measured 2.7 GFLOP/s for a core that
 * does 40-60 (docs/BENCHMARKS.md, round 5). */
#ifndef OVS_BENCH_PEAK_RATES_H
#define OVS_BENCH_PEAK_RATES_H

#include <time.h>

/* CPU time of this thread: on a shared machine the wall clock also counts the time other
 * processes hold the core (under a load of 5 on 2 cores it read 0.4-1x the CPU time). */
static inline double bench_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Twelve independent chains a = a m + c (loop-carried: none can be dropped) of vector type
 * V with W lanes; sets *fma to vector FMAs per second, *div to vector divisions per second
 * (eight chains a = c / a). */
#define RATES(NAME, TARGET, V, W)                                                              \
    TARGET static void NAME(long reps, double *fma, double *div)                               \
    {                                                                                          \
        V m = (V){0} + 0.999999, c = (V){0} + 1e-7, a[12], q[8];                               \
        for (int u = 0; u < 12; u++)                                                           \
            a[u] = (V){0} + (double)u;                                                         \
        double t0 = bench_seconds();                                                               \
        for (long it = 0; it < reps; it++)                                                     \
            for (int u = 0; u < 12; u++)                                                       \
                a[u] = a[u] * m + c;                                                           \
        double t = bench_seconds() - t0;                                                           \
        for (int u = 0; u < 8; u++)                                                            \
            q[u] = (V){0} + 2.0 + 0.1 * u;                                                     \
        V three = (V){0} + 3.0;                                                                \
        double t1 = bench_seconds();                                                               \
        for (long it = 0; it < reps / 10; it++)                                                \
            for (int u = 0; u < 8; u++)                                                        \
                q[u] = three / q[u];                                                           \
        double td = bench_seconds() - t1;                                                          \
        V s = a[0];                                                                            \
        for (int u = 1; u < 12; u++)                                                           \
            s += a[u] + (u < 8 ? q[u] : (V){0});                                               \
        *fma = s[0] == 12345.0 ? 0 : 12.0 * (double)reps / t;                                  \
        *div = 8.0 * (double)(reps / 10) / td;                                                 \
    }

#if defined(__x86_64__) && defined(__GNUC__)
typedef double v8d __attribute__((vector_size(64)));
typedef double v4d __attribute__((vector_size(32)));
RATES(rates_avx512, __attribute__((target("avx512f,fma"))), v8d, 8)
RATES(rates_avx2, __attribute__((target("avx2,fma"))), v4d, 4)
#endif
typedef double v2d __attribute__((vector_size(16)));
RATES(rates_base, , v2d, 2)

/* Bytes per second of one core's stores of vector type V into a 16 KiB buffer (in L1),
 * `reps` passes; the empty asm after each pass keeps every store. */
#define STORES(NAME, TARGET, V)                                                                \
    TARGET static double NAME(double *buf, long reps)                                          \
    {                                                                                          \
        V v = (V){0} + 1.0;                                                                    \
        const long nv = 16384 / (long)sizeof(V);                                               \
        double t0 = bench_seconds();                                                           \
        for (long r = 0; r < reps; r++) {                                                      \
            for (long i = 0; i < nv; i++)                                                      \
                ((V *)buf)[i] = v;                                                             \
            __asm__ volatile("" : : "r"(buf) : "memory");                                      \
            v += 1.0;                                                                          \
        }                                                                                      \
        return 16384.0 * (double)reps / (bench_seconds() - t0);                                \
    }

#if defined(__x86_64__) && defined(__GNUC__)
STORES(stores_avx512, __attribute__((target("avx512f"))), v8d)
STORES(stores_avx2, __attribute__((target("avx2"))), v4d)
#endif
STORES(stores_base, , v2d)

/* GB/s of one core's stores of its widest vectors into L1: best of `tries` runs of `reps`
 * passes over 16 KiB. On the shared hosts of docs/BENCHMARKS.md (round 10) this rate, not the
 * FMA peak, fell with the fused forward pass's speed. */
static inline double store_gbs(long reps, int tries)
{
    static double buf[16384 / sizeof(double)] __attribute__((aligned(64)));
    double (*stores)(double *, long) = stores_base;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        stores = stores_avx512;
    else if (__builtin_cpu_supports("avx2"))
        stores = stores_avx2;
#endif
    double best = 0;
    for (int t = 0; t < tries; t++) {
        const double b = stores(buf, reps);
        best = b > best ? b : best;
    }
    return best * 1e-9;
}

/* The rates function of the best vectors this CPU runs (force_base: the baseline's), with
 * its lane count and name. */
typedef void (*peak_rates_fn)(long, double *, double *);
static peak_rates_fn peak_pick(int force_base, int *lanes, const char **isa)
{
    peak_rates_fn rates = rates_base;
    *lanes = 2, *isa = "baseline (no FMA)";
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!force_base && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
        rates = rates_avx512, *lanes = 8, *isa = "AVX-512";
    else if (!force_base && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        rates = rates_avx2, *lanes = 4, *isa = "AVX2+FMA";
#else
    (void)force_base;
#endif
    return rates;
}

/* GFLOP/s of one core's FMAs: best of `tries` runs of `reps` x 12 vector FMAs (an FMA is 2
 * flops per lane). */
static inline double peak_gflops(long reps, int tries)
{
    int lanes;
    const char *isa;
    peak_rates_fn rates = peak_pick(0, &lanes, &isa);
    double best = 0;
    for (int t = 0; t < tries; t++) {
        double f, d;
        rates(reps, &f, &d);
        best = f > best ? f : best;
    }
    return best * 2e-9 * lanes;
}

/* `reps` rounds of twelve independent chains a = a m + c, as RATES, untimed: 12 reps vector
 * FMAs at the core's peak, for a caller that times a burst of them beside other work
 * (bench_scaling --matched). Returns a lane of the chains' sum, so that none can be dropped. */
#define BURST(NAME, TARGET, V)                                                                 \
    TARGET static inline double NAME(long reps)                                                \
    {                                                                                          \
        V m = (V){0} + 0.999999, c = (V){0} + 1e-7, a[12];                                     \
        for (int u = 0; u < 12; u++)                                                           \
            a[u] = (V){0} + (double)u;                                                         \
        for (long it = 0; it < reps; it++)                                                     \
            for (int u = 0; u < 12; u++)                                                       \
                a[u] = a[u] * m + c;                                                           \
        V s = a[0];                                                                            \
        for (int u = 1; u < 12; u++)                                                           \
            s += a[u];                                                                         \
        return s[0];                                                                           \
    }

#if defined(__x86_64__) && defined(__GNUC__)
BURST(burst_avx512, __attribute__((target("avx512f,fma"))), v8d)
BURST(burst_avx2, __attribute__((target("avx2,fma"))), v4d)
#endif
BURST(burst_base, , v2d)

/* The burst of the vectors peak_pick picks, with their lane count. */
typedef double (*fma_burst_fn)(long);
static inline fma_burst_fn fma_burst_pick(int *lanes)
{
    const char *isa;
    const peak_rates_fn rates = peak_pick(0, lanes, &isa);
#if defined(__x86_64__) && defined(__GNUC__)
    if (rates == rates_avx512)
        return burst_avx512;
    if (rates == rates_avx2)
        return burst_avx2;
#endif
    (void)rates;
    return burst_base;
}

#endif
