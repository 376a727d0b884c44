/* vmath.h - inline vector kernels of the activations, on values in registers.
 *
 * Pure, header-only: static inline functions for the hand-written kernels (forward.c's fused
 * forward pass and its array kernels, which activation.c's table calls too), so that the
 * activation can be applied to a block of pre-activations while it is still in registers.
 * They work on the native vectors of the including build (ovs_vd, simd.h). Lanes are
 * independent and every lane's result is the same wherever and in whichever width it is
 * computed.
 * Where the including file is compiled for AVX-512 (the x86-64-v4 build of forward.c: the
 * target_clones of the files built once cannot hold intrinsics), a few selects and the clamp
 * use instructions that give the same bits in fewer operations (OVS_VMATH_AVX512 below), and
 * the table lookups are two-table permutes; for AVX2 (OVS_VMATH_AVX) softplus's clamp and
 * max(z, 0) are maxima and its phi' one blend on z's sign bit, likewise. */
#ifndef OVS_VMATH_H
#define OVS_VMATH_H

#include "simd.h"

#include <stdint.h>

#if OVS_NW == 8 && defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define OVS_VMATH_AVX512 1
#elif OVS_NW == 4 && defined(__AVX__)
#include <immintrin.h>
#define OVS_VMATH_AVX 1
#endif

#define OVS_INLINE static inline __attribute__((always_inline))

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros, as comparisons give). */
OVS_INLINE ovs_vd ovs_vselect(ovs_vi mask, ovs_vd a, ovs_vd b)
{
    return (ovs_vd)(((ovs_vi)a & mask) | ((ovs_vi)b & ~mask));
}

/* ReLU as the paper defines it: phi(z) = max(0, z), phi'(z) = 1 for z >= 0, else 0, with
 * "z < 0" deciding, so that a NaN passes through instead of being clamped.
 *
 * What the fused pass keeps of a pre-activation z until it forms the factor phi'(z) c is z's
 * key (ovs_vrelu_key). On AVX-512 the key is z itself: phi is one vmaxpd, and the factor
 * compares then. Elsewhere it is the mask of the lanes kept, "z not < 0" (all ones where
 * z >= 0 or z is NaN: one vcmpnltpd on AVX2), so that phi = key & z and the factor key & c
 * are one AND each, with no second comparison and no inversion of a mask z < 0 (gcc made
 * that a vpxor with all ones and a vpand: ReLU updates 1-13% faster at small d,
 * docs/BENCHMARKS.md round 8). Every build gives the same lanes. */
OVS_INLINE ovs_vd ovs_vrelu_key(ovs_vd z)
{
#ifdef OVS_VMATH_AVX512
    return z;
#elif defined(OVS_VMATH_AVX)
    return (ovs_vd)_mm256_cmp_pd((__m256d)z, _mm256_setzero_pd(), _CMP_NLT_UQ);
#else
    return (ovs_vd)~(z < 0);
#endif
}

/* phi(z) from z and its key: 0 where z < 0, else z (NaN and -0 included). */
OVS_INLINE ovs_vd ovs_vrelu_phi_key(ovs_vd z, ovs_vd key)
{
#ifdef OVS_VMATH_AVX512
    (void)key; /* vmaxpd(0, z) = 0 > z ? 0 : z: the same lanes; 1 operation for 2 */
    return (ovs_vd)_mm512_max_pd(_mm512_setzero_pd(), (__m512d)z);
#else
    return (ovs_vd)((ovs_vi)key & (ovs_vi)z);
#endif
}

/* phi'(z) c without forming phi': c where z >= 0 (1 c is c), +0 where z < 0, and c where z
 * is NaN (the NaN reached f, and so c = v_j r_i, already: NaN either way). The product
 * phi'(z) c gave -0 for z < 0 and c < 0; a zero of either sign adds nothing to the gradient's
 * sums. */
OVS_INLINE ovs_vd ovs_vrelu_scale_key(ovs_vd key, ovs_vd c)
{
#ifdef OVS_VMATH_AVX512
    return ovs_vselect(key < 0, (ovs_vd){0}, c);
#else
    return (ovs_vd)((ovs_vi)key & (ovs_vi)c);
#endif
}

/* softplus(z) = log(1 + e^z) and its derivative, the logistic sigmoid, 8 lanes a vector:
 * one exp, one division and one log1p per element.
 *
 * e = exp(x) for x = -|z| <= 0, table-driven: x = n ln2/16 + r, n = 16 k + j = round(16 x/ln2),
 * |r| <= ln2/32, e = 2^k 2^(j/16) (1 + r u(r)), u(r) = 1 + r Q(r) ~ (e^r - 1)/r with Q a
 * degree-4 Chebyshev fit (degree 6 in all; error < 3e-17 absolute, 0.25 ulp of 1). The 16
 * values 2^(j/16) are read per lane (ovs_vlookup16).
 * x is clamped at -700, so that 2^k 2^(j/16) and its product with r stay normal numbers
 * (e = 9.9e-305 instead of a smaller value for |z| > 700: an absolute error below 1e-304 in
 * phi and phi'). With the earlier clamp at -707 the scaled term was subnormal, and every
 * element of a trial whose weights had grown huge (n = 100, d = 1-2, k ~ 20: errors of
 * 1e127-1e152 before overflow) took a microcode assist: 40-48 us per update against ~5.
 * log1p(e) for e in (0, 1]: with d = round(8 e)/8 and a 9-entry table of log(1 + d),
 * log1p(e) = log(1 + d) + 2 atanh(s), s = (e - d) / (2 + d + e), |s| <= 1/33. e - d is exact
 * (Sterbenz; d = 0 below e = 1/16, so tiny e keep full relative accuracy and no 1 + e is
 * rounded into the log), and 2 atanh(s)/s is a degree-4 Chebyshev fit in s^2 (relative
 * error < 2e-19). One division serves s and the sigmoid 1/(1+e).
 * No subnormal intermediates (the clamp, and w below), so huge |z| cost no more than others.
 * The bound checked by tests/test_train.c: within 6 ulp of a long double reference for phi
 * and 5 ulp for phi' (absolute 1e-300 near underflow); measured over 10^7 points: 5.1 and
 * 3.9 ulp. The tables are correctly rounded (checked there too). */
#define OVS_SHIFTER 0x1.8p52
#define OVS_LOG2E_16 0x1.71547652b82fep+4  /* 16 / ln2 */
#define OVS_LN2_16_HI 0x1.62e42fefa0000p-5 /* ln2/16 in 37 bits: n OVS_LN2_16_HI is exact */
#define OVS_LN2_16_LO 0x1.cf79abc9e3b3ap-44 /* ln2/16 - OVS_LN2_16_HI */
#define OVS_SHIFTER_8 0x1.8p49 /* x + OVS_SHIFTER_8 rounds x in [0, 1] to a multiple of 1/8 */

/* 2^(j/16) correctly rounded, j = 0..15, with j << 48 taken off its bits: adding n << 48
 * then adds k to the exponent and j back in one integer add. */
static const double ovs_exp2_16_tab[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.fb5586cf9890fp-1, 0x1.f72b83c7d517bp-1, 0x1.f387a6e756238p-1,
    0x1.f06fe0a31b715p-1, 0x1.edea64c123422p-1, 0x1.ebfdad5362a27p-1, 0x1.eab07dd485429p-1,
    0x1.ea09e667f3bcdp-1, 0x1.ea11473eb0187p-1, 0x1.eace5422aa0dbp-1, 0x1.ec49182a3f090p-1,
    0x1.ee89f995ad3adp-1, 0x1.f199bdd85529cp-1, 0x1.f5818dcfba487p-1, 0x1.fa4afa2a490dap-1};
/* log(1 + j/8) correctly rounded, j = 0..8; entries 9..15 are never read. */
static const double ovs_log1p_8_tab[16] __attribute__((aligned(64))) = {
    0.0, 0x1.e27076e2af2e6p-4, 0x1.c8ff7c79a9a22p-3, 0x1.4618bc21c5ec2p-2,
    0x1.9f323ecbf984cp-2, 0x1.f128f5faf06edp-2, 0x1.1e85f5e7040d0p-1, 0x1.41d8fe84672aep-1,
    0x1.62e42fefa39efp-1};

/* tab[idx mod 16] per lane (tab: 16 doubles, 64-byte aligned). */
OVS_INLINE ovs_vd ovs_vlookup16(const double *tab, ovs_vi idx)
{
#if defined(OVS_VMATH_AVX512)
    /* one two-table permute (vpermi2pd): bit 3 of the index picks the table half */
    return (ovs_vd)_mm512_permutex2var_pd(_mm512_load_pd(tab), (__m512i)idx,
                                          _mm512_load_pd(tab + 8));
#else
    /* lane by lane: on the AVX2 machine of docs/BENCHMARKS.md (round 5) as fast as a gather
     * (vgatherqpd) with gcc, and 27% faster with clang */
    ovs_vd out;
    for (int l = 0; l < OVS_NW; l++)
        out[l] = tab[idx[l] & 15];
    return out;
#endif
}

#define OVS_SOFTPLUS_MAX 8
#define OVS_FOR_EACH_VECTOR _Pragma("GCC unroll 8") for (int u = 0; u < nv; u++)

/* The first half of ovs_vsoftplus_n: e = exp(-|z|) (clamped, above) of the nv <= 8 native
 * vectors z[0..nv). */
OVS_INLINE void ovs_vsoftplus_exp(const ovs_vd *z, ovs_vd *e, const int nv)
{
    const ovs_vi sign = (ovs_vi){0} + INT64_MIN;
    const ovs_vd lo = (ovs_vd){0} - 700.0;
    ovs_vd r[OVS_SOFTPLUS_MAX], scale[OVS_SOFTPLUS_MAX], q[OVS_SOFTPLUS_MAX];
    /* e = exp(x), x = -|z| clamped at -700 (a NaN compares false and stays NaN) */
    OVS_FOR_EACH_VECTOR {
        ovs_vd x = (ovs_vd)((ovs_vi)z[u] | sign);
#ifdef OVS_VMATH_AVX512
        /* vmaxpd(lo, x) = lo > x ? lo : x, the select below in 1 operation for 3: a NaN x
         * is the second operand and stays. (vrangepd would do both steps in one, but it
         * returns -700 for a NaN z.) */
        x = (ovs_vd)_mm512_max_pd((__m512d)lo, (__m512d)x);
#elif defined(OVS_VMATH_AVX)
        x = (ovs_vd)_mm256_max_pd((__m256d)lo, (__m256d)x); /* the same, AVX2 */
#else
        x = ovs_vselect(x < lo, lo, x);
#endif
        ovs_vd t = x * OVS_LOG2E_16 + OVS_SHIFTER; /* n in the low bits */
        ovs_vd nd = t - OVS_SHIFTER;
        r[u] = (x - nd * OVS_LN2_16_HI) - nd * OVS_LN2_16_LO;
        ovs_vi n = (ovs_vi)t;
        ovs_vd tj = ovs_vlookup16(ovs_exp2_16_tab, n); /* index n mod 16 = j */
        /* n << 48 = (k << 52) + (j << 48); the shifter's bits and a negative n's borrow
         * shift out */
        scale[u] = (ovs_vd)((ovs_vi)tj + (n << 48));
        q[u] = r[u] * 0x1.6c17bb5211739p-10 + 0x1.11120af7211b8p-7;
    }
    OVS_FOR_EACH_VECTOR q[u] = q[u] * r[u] + 0x1.55555555194d1p-5;
    OVS_FOR_EACH_VECTOR q[u] = q[u] * r[u] + 0x1.55555554dd44bp-3;
    OVS_FOR_EACH_VECTOR q[u] = q[u] * r[u] + 0.5;
    OVS_FOR_EACH_VECTOR {
        /* Horner to the end: no r^2, which would underflow for tiny z. A NaN x gives a NaN
         * r and so a NaN e. */
        ovs_vd uu = q[u] * r[u] + 1.0;
        e[u] = (scale[u] * r[u]) * uu + scale[u];
    }
}

/* The second half: phi and phi' from z and e = ovs_vsoftplus_exp(z). */
OVS_INLINE void ovs_vsoftplus_log(const ovs_vd *z, const ovs_vd *e, ovs_vd *phi, ovs_vd *dphi,
                                  const int nv)
{
    ovs_vd inv[OVS_SOFTPLUS_MAX], s[OVS_SOFTPLUS_MAX], w[OVS_SOFTPLUS_MAX],
        pw[OVS_SOFTPLUS_MAX], lg[OVS_SOFTPLUS_MAX];
    OVS_FOR_EACH_VECTOR {
        ovs_vd td = e[u] + OVS_SHIFTER_8; /* j = 8 d in the low bits */
        ovs_vd d = td - OVS_SHIFTER_8;
        lg[u] = ovs_vlookup16(ovs_log1p_8_tab, (ovs_vi)td);
        /* One division serves both quotients: 1/(1+e) = den q and s = (e - d)(1 + e) q with
         * q = 1/((1+e) den), den = 2 + d + e; division is the slowest vector operation (a
         * Newton reciprocal from a table start needs ~8 more multiply-adds: slower). */
        ovs_vd den = (2.0 + d) + e[u];
        ovs_vd qq = 1.0 / (e[u] * den + den); /* fused: 1 + e is never rounded on its own */
        inv[u] = den * qq;
        s[u] = (e[u] - d) * (e[u] * qq + qq);
        /* + 2^-600 (in a fused multiply-add) keeps w normal for e < 1e-154, where s^2 would
         * be subnormal (slow); it changes log1p(e) by a relative 2^-600 at most. */
        w[u] = s[u] * s[u] + 0x1p-600;
        pw[u] = w[u] * 0x1.c7f78ebbf1748p-3 + 0x1.249232994576ap-2;
    }
    OVS_FOR_EACH_VECTOR pw[u] = pw[u] * w[u] + 0x1.9999999b7e39dp-2;
    OVS_FOR_EACH_VECTOR pw[u] = pw[u] * w[u] + 0x1.55555555554e3p-1;
    OVS_FOR_EACH_VECTOR pw[u] = pw[u] * w[u] + 2.0;
    OVS_FOR_EACH_VECTOR {
#ifdef OVS_VMATH_AVX512
        /* vmaxpd(z, 0) = z > 0 ? z : 0 differs from the select only at z = -0 (+0 instead of
         * -0), which the positive log1p term then absorbs; phi' by a masked multiply */
        ovs_vd zpos = (ovs_vd)_mm512_max_pd((__m512d)z[u], _mm512_setzero_pd());
        __mmask8 neg = _mm512_cmp_pd_mask((__m512d)z[u], _mm512_setzero_pd(), _CMP_NGE_UQ);
        dphi[u] = (ovs_vd)_mm512_mask_mul_pd((__m512d)inv[u], neg, (__m512d)e[u],
                                             (__m512d)inv[u]);
#elif defined(OVS_VMATH_AVX)
        /* max(z, 0) as on AVX-512; phi' = e inv where z's sign bit is set (vblendvpd needs no
         * compare): z < 0 as below, and z = -0, where e = exp(-0) = 1 exactly and e inv = inv;
         * a NaN z has a NaN inv and e inv. On the AMD machine gcc made each select of the
         * portable code a vpblendvb, which takes an FMA pipe (docs/BENCHMARKS.md round 21). */
        ovs_vd zpos = (ovs_vd)_mm256_max_pd((__m256d)z[u], _mm256_setzero_pd());
        dphi[u] = (ovs_vd)_mm256_blendv_pd((__m256d)inv[u], (__m256d)(e[u] * inv[u]),
                                           (__m256d)z[u]);
#else
        ovs_vi pos = z[u] >= 0;
        ovs_vd zpos = ovs_vselect(pos, z[u], (ovs_vd){0}); /* max(z, 0); a NaN z has a NaN s */
        dphi[u] = ovs_vselect(pos, inv[u], e[u] * inv[u]); /* a NaN z: NaN e, NaN out */
#endif
        phi[u] = zpos + (s[u] * pw[u] + lg[u]);
    }
}

/* phi and phi' of the nv <= 8 native vectors z[0..nv) (nv a constant after inlining).
 * Every step is written for all nv vectors at once: the polynomials are chains of dependent
 * FMAs (4 cycles each), and a core issues two FMAs per cycle, so several independent
 * chains are needed to keep it busy. Written one vector after the other, gcc emitted each
 * chain whole and the core ran them nearly serially (the previous, degree-13/16 kernel took
 * 3.8-4.0 ns per element that way against 1.8-2.1 ns interleaved, on 5120-element arrays).
 * The fused forward pass takes a group size per build (forward.c): more vectors at once
 * spill registers. */
OVS_INLINE void ovs_vsoftplus_n(const ovs_vd *z, ovs_vd *phi, ovs_vd *dphi, const int nv)
{
    ovs_vd e[OVS_SOFTPLUS_MAX];
    ovs_vsoftplus_exp(z, e, nv);
    ovs_vsoftplus_log(z, e, phi, dphi, nv);
}

#endif
