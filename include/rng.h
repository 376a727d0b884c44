/* rng.h - PCG32 random numbers and the counter-based seeding of trials.
 *
 * Pure: no globals, all state in the arguments. pcg32 is O'Neill's PCG-XSH-RR 64/32
 * (the "pcg32" of the reference pcg-c library), reimplemented here because Debian ships
 * only the C++ header.
 *
 * Seeding rule (documented in README "Reproducibility"): the generator of a stream is seeded
 * from a SplitMix64-style hash of the whole tuple (master seed, stream tag, coordinates), used
 * for both the PCG state and the PCG stream selector, never from raw consecutive integers. */
#ifndef OVS_RNG_H
#define OVS_RNG_H

#include <stdint.h>

typedef struct ovs_pcg32 {
    uint64_t state;
    uint64_t inc; /* stream selector, always odd */
} ovs_pcg32;

/* A pcg32 plus the spare normal deviate of the polar method. */
typedef struct ovs_rng {
    ovs_pcg32 pcg;
    int has_spare;
    double spare;
} ovs_rng;

/* Stream tags: which part of a trial a generator draws. */
enum {
    OVS_STREAM_DATA = 1,
    OVS_STREAM_INIT = 2,
    OVS_STREAM_SGD = 3,   /* SGD sample indices */
    OVS_STREAM_DESIGN = 4 /* the adaptive design's draws (design.h) */
};

/* Seed as pcg32_srandom_r(initstate, initseq) of the reference implementation. */
void ovs_pcg32_seed(ovs_pcg32 *rng, uint64_t initstate, uint64_t initseq);
uint32_t ovs_pcg32_next(ovs_pcg32 *rng);

/* SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche. */
uint64_t ovs_mix64(uint64_t x);

/* Seed rng from the hash of (seed, tag, coords[0..ncoords-1]). */
void ovs_rng_for_tuple(ovs_rng *rng, uint64_t seed, uint64_t tag, const int64_t *coords,
                       int ncoords);

/* Uniform double in [0, 1) with 53 random bits (two pcg32 outputs). */
double ovs_rng_uniform(ovs_rng *rng);

/* Uniform integer in [0, bound), bound >= 1, without modulo bias: Lemire's multiply-shift
 * with rejection ("Fast random integer generation in an interval", 2019). Consumes one
 * pcg32 output, rarely more (probability < bound / 2^32 per extra draw). */
uint32_t ovs_rng_below(ovs_rng *rng, uint32_t bound);

/* Standard normal deviate by Marsaglia's polar method (exact; rejection sampling on the
 * unit disc; each accepted pair yields two independent N(0,1) values). */
double ovs_rng_normal(ovs_rng *rng);

#endif
