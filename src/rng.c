/* rng.c - pcg32 and tuple-hash seeding; see rng.h. */
#include "rng.h"

#include <math.h>

#define PCG32_MULT 6364136223846793005ULL

uint32_t ovs_pcg32_next(ovs_pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG32_MULT + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

void ovs_pcg32_seed(ovs_pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0u;
    rng->inc = (initseq << 1u) | 1u;
    ovs_pcg32_next(rng);
    rng->state += initstate;
    ovs_pcg32_next(rng);
}

uint64_t ovs_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void ovs_rng_for_tuple(ovs_rng *rng, uint64_t seed, uint64_t tag, const int64_t *coords,
                       int ncoords)
{
    /* Chain the mixer over every element so that any change in any coordinate changes
     * every bit of the result; a length term keeps (a) and (a, 0) apart. */
    uint64_t h = ovs_mix64(seed ^ 0x6f7673776565702dULL); /* "ovsweep-" */
    h = ovs_mix64(h ^ tag);
    for (int i = 0; i < ncoords; i++)
        h = ovs_mix64(h ^ (uint64_t)coords[i]);
    h = ovs_mix64(h ^ (uint64_t)ncoords);
    uint64_t initstate = ovs_mix64(h ^ 0x5354415445ULL); /* "STATE" */
    uint64_t initseq = ovs_mix64(h ^ 0x53545245414dULL); /* "STREAM" */
    ovs_pcg32_seed(&rng->pcg, initstate, initseq);
    rng->has_spare = 0;
    rng->spare = 0.0;
}

double ovs_rng_uniform(ovs_rng *rng)
{
    uint64_t hi = ovs_pcg32_next(&rng->pcg) >> 6; /* 26 bits */
    uint64_t lo = ovs_pcg32_next(&rng->pcg) >> 5; /* 27 bits */
    return (double)((hi << 27) | lo) * 0x1.0p-53;
}

uint32_t ovs_rng_below(ovs_rng *rng, uint32_t bound)
{
    /* The high word of x * bound is uniform on [0, bound) except that the low word falls
     * below 2^32 mod bound for some x more often; rejecting those low words removes the
     * bias. The threshold (a division) is computed only when the low word is small. */
    uint64_t m = (uint64_t)ovs_pcg32_next(&rng->pcg) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound; /* 2^32 mod bound */
        while (low < threshold) {
            m = (uint64_t)ovs_pcg32_next(&rng->pcg) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double ovs_rng_normal(ovs_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * ovs_rng_uniform(rng) - 1.0;
        v = 2.0 * ovs_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double scale = sqrt(-2.0 * log(s) / s);
    rng->spare = v * scale;
    rng->has_spare = 1;
    return u * scale;
}
