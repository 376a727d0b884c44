/* test_rng.c - pcg32 against the reference vectors, normal sampler, tuple seeding. */
#include "rng.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_reference_vectors(void)
{
    /* pcg32_srandom_r(&rng, 42u, 54u) in the reference pcg-c library (its pcg32-demo and
     * test-high/expected/check-pcg32.out) begins with these outputs. */
    static const uint32_t expected[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                        0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    ovs_pcg32 rng;
    ovs_pcg32_seed(&rng, 42u, 54u);
    uint32_t got[sizeof expected / sizeof expected[0]];
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        got[i] = ovs_pcg32_next(&rng);
    CHECK(memcmp(got, expected, sizeof expected) == 0);
    /* SplitMix64 (Vigna's splitmix64.c) from state 0 outputs mix(k gamma), k = 1, 2, 3:
     * e220a8397b1dcdaf 6e789e6aa1b965f4 06c45d188009454f. ovs_mix64 adds gamma first. */
    const uint64_t gamma = 0x9e3779b97f4a7c15ULL;
    CHECK(ovs_mix64(0) == 0xe220a8397b1dcdafULL && ovs_mix64(gamma) == 0x6e789e6aa1b965f4ULL &&
          ovs_mix64(2 * gamma) == 0x06c45d188009454fULL);
}

static void test_uniform_range(void)
{
    ovs_rng rng;
    const int64_t c[] = {1};
    ovs_rng_for_tuple(&rng, 7, OVS_STREAM_DATA, c, 1);
    double lo = 1, hi = 0, sum = 0;
    const int m = 100000;
    for (int i = 0; i < m; i++) {
        double u = ovs_rng_uniform(&rng);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    CHECK(lo >= 0.0 && hi < 1.0);
    CHECK(lo < 1e-3 && hi > 1 - 1e-3);
    CHECK_NEAR(sum / m, 0.5, 5 * sqrt(1.0 / 12 / m));
}

/* Moments and a Kolmogorov-Smirnov test of the polar-method normals at a fixed seed. */
static void test_normal_distribution(void)
{
    enum { M = 200000 };
    double *z = malloc(sizeof(double) * M);
    ovs_rng rng;
    const int64_t c[] = {3, 4};
    ovs_rng_for_tuple(&rng, 12345, OVS_STREAM_INIT, c, 2);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (int i = 0; i < M; i++) {
        z[i] = ovs_rng_normal(&rng);
        double x = z[i];
        s1 += x;
        s2 += x * x;
        s3 += x * x * x;
        s4 += x * x * x * x;
    }
    /* 5-sigma bands of the sample moments of N(0,1): var(x)=1, var(x^2)=2, var(x^3)=15,
     * var(x^4)=96. */
    CHECK_NEAR(s1 / M, 0.0, 5 * sqrt(1.0 / M));
    CHECK_NEAR(s2 / M, 1.0, 5 * sqrt(2.0 / M));
    CHECK_NEAR(s3 / M, 0.0, 5 * sqrt(15.0 / M));
    CHECK_NEAR(s4 / M, 3.0, 5 * sqrt(96.0 / M));
    qsort(z, M, sizeof(double), cmp_double);
    double dmax = 0;
    for (int i = 0; i < M; i++) {
        double cdf = 0.5 * erfc(-z[i] / sqrt(2.0));
        double d1 = fabs(cdf - (double)i / M), d2 = fabs(cdf - (double)(i + 1) / M);
        dmax = fmax(dmax, fmax(d1, d2));
    }
    /* KS critical value at the 0.1% level: 1.95 / sqrt(M). */
    CHECK(dmax < 1.95 / sqrt((double)M));
    free(z);
}

static uint32_t first_output(uint64_t seed, uint64_t tag, const int64_t *c, int nc)
{
    ovs_rng rng;
    ovs_rng_for_tuple(&rng, seed, tag, c, nc);
    return ovs_pcg32_next(&rng.pcg);
}

static void test_tuple_seeding(void)
{
    const int64_t a[] = {100, 10, 0}, b[] = {100, 10, 1}, c[] = {100, 11, 0};
    const int64_t a_long[] = {100, 10, 0, 0};
    uint32_t fa = first_output(1, OVS_STREAM_DATA, a, 3);
    CHECK(fa == first_output(1, OVS_STREAM_DATA, a, 3)); /* deterministic */
    CHECK(fa != first_output(1, OVS_STREAM_DATA, b, 3)); /* next trial */
    CHECK(fa != first_output(1, OVS_STREAM_DATA, c, 3)); /* next d */
    CHECK(fa != first_output(2, OVS_STREAM_DATA, a, 3)); /* next master seed */
    CHECK(fa != first_output(1, OVS_STREAM_INIT, a, 3)); /* other stream */
    CHECK(fa != first_output(1, OVS_STREAM_DATA, a_long, 4)); /* longer tuple */
    /* Neighbouring tuples must not get neighbouring PCG streams (hashed, not raw). */
    ovs_rng r1, r2;
    ovs_rng_for_tuple(&r1, 1, OVS_STREAM_DATA, a, 3);
    ovs_rng_for_tuple(&r2, 1, OVS_STREAM_DATA, b, 3);
    CHECK(r1.pcg.inc - r2.pcg.inc != 2 && r2.pcg.inc - r1.pcg.inc != 2);
    CHECK((r1.pcg.inc & 1u) == 1u && (r2.pcg.inc & 1u) == 1u);
    /* The seeding rule pinned: the first outputs of the data and initialisation streams of
     * Figure 2's (n, d, trial) = (100, 20, 0) and (n, k, d, trial) = (100, 10, 20, 0) under
     * the default seed, as produced once by this engine (rng.h's rule; a change of any
     * constant of the tuple hash changes every trial of every sweep). */
    const int64_t data[] = {100, 20, 0}, init[] = {100, 10, 20, 0};
    uint32_t pinned[2] = {first_output(2019, OVS_STREAM_DATA, data, 3),
                          first_output(2019, OVS_STREAM_INIT, init, 4)};
    const uint32_t want[2] = {0x7d0da7e6u, 0x534eeb2du};
    CHECK_MSG(memcmp(pinned, want, sizeof want) == 0, "tuple seeding gives 0x%08x 0x%08x, "
              "stored 0x%08x 0x%08x", pinned[0], pinned[1], want[0], want[1]);
}

/* ovs_rng_below: in range, and unbiased where plain modulo would not be. For
 * bound = 3 2^30, x mod bound puts 2^31 of the 2^32 outputs below 2^30 (probability 1/2);
 * the true probability is 1/3. */
static void test_below(void)
{
    ovs_rng rng;
    const int64_t c[] = {1};
    ovs_rng_for_tuple(&rng, 17, OVS_STREAM_SGD, c, 1);
    int bad = 0, counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        bad += ovs_rng_below(&rng, 1) != 0;
        uint32_t u = ovs_rng_below(&rng, 7);
        bad += u >= 7;
        if (u < 7)
            counts[u]++;
    }
    CHECK(bad == 0);
    double chi2 = 0;
    for (int j = 0; j < 7; j++)
        chi2 += (counts[j] - 10000.0) * (counts[j] - 10000.0) / 10000.0;
    CHECK(chi2 < 22.5); /* chi-square, 6 degrees of freedom, 0.1% level */
    const uint32_t big = 3u << 30;
    int below = 0, m = 90000;
    for (int i = 0; i < m; i++) {
        uint32_t u = ovs_rng_below(&rng, big);
        bad += u >= big;
        below += u < (1u << 30);
    }
    CHECK(bad == 0);
    CHECK(fabs(below / (double)m - 1.0 / 3.0) < 0.01); /* sd 0.0016; modulo gives 1/2 */
}

int main(void)
{
    test_reference_vectors();
    test_uniform_range();
    test_normal_distribution();
    test_tuple_seeding();
    test_below();
    TEST_DONE();
}
