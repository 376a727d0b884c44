/* simd.h - portable vectors (GCC vector extensions, which clang also reads) for the
 * hand-written kernels.
 *
 * Two kinds. ovs_v8d (8 doubles) is semantic: its lanes fix the order of the lane-ordered
 * sums (the gradient's and the norms': lane q sums the elements i = q mod 8 in order, then
 * ovs_hsum's tree), whatever the instruction set. It is what the files built once for every
 * CPU use, with their hot functions cloned per instruction set (OVS_CLONES). ovs_vd is the native vector of the build that includes this header:
 * forward.c and smallmm.c are compiled once per instruction set (Makefile: baseline x86-64,
 * x86-64-v3 = AVX2 + FMA, x86-64-v4 = AVX-512; any other CPU: its baseline) and their
 * dispatchers call the best build the CPU runs (ovs_simd_isa). There OVS_NH native vectors
 * hold the 8 lanes of a lane-ordered sum. (gcc 12 cannot hold a vector wider than its
 * target's registers in registers: an ovs_v8d in an AVX2 function lives in memory and every
 * operation goes through loads, stores and general registers, which made the 8-lane kernels
 * 10-30x slower on AVX2 machines than on the AVX-512 machine they were written on;
 * docs/BENCHMARKS.md, round 5. The files built once still compute on ovs_v8d in their AVX2
 * clones and stay that slow there with gcc: sgd, and the activation's array kernels of the
 * unfused path.)
 * Rounding: every build and clone with FMA (x86-64-v3, v4) fuses the same multiply-adds
 * (the kernel files are compiled with -ffp-contract=fast) and gives the same bits, with gcc
 * or clang (tests/clang_test.sh); the baseline x86-64 build, for CPUs without FMA (before
 * 2013), rounds them twice, so its results differ in the last bits (the sanitizer builds of
 * the tests run that build; test_train and test_kernels accept either). */
#ifndef OVS_SIMD_H
#define OVS_SIMD_H

#include <stdint.h>

#define OVS_VL 8

/* x (a double or a native vector) rounded where it stands: the compiler cannot see through
 * the empty asm, so -ffp-contract=fast cannot fuse the product held in x into the add that
 * follows. For a*b+c that the default build (baseline x86-64, no FMA) rounds twice in code
 * outside the instruction-set builds and clones: there a user's -mfma (say CFLAGS="-O3
 * -mavx2 -mfma"; a -march is undone by the Makefile's BASE_ARCH) would otherwise fuse it, and
 * that binary's results would differ in the last bits (tests/install_test.sh compares). */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
#define OVS_ROUNDED(x) __asm__("" : "+x"(x))
#else
#define OVS_ROUNDED(x) __asm__("" : "+m"(x))
#endif
typedef double ovs_v8d __attribute__((vector_size(64), aligned(8), may_alias));
typedef int64_t ovs_v8i __attribute__((vector_size(64), aligned(8), may_alias));

/* The files built once clone their hot functions for AVX-512, AVX2 + FMA and baseline
 * x86-64. clang 14 accepts target_clones("arch=x86-64-v3") but its resolver never picks such
 * a clone (it compares CPU model names), so it gets a feature clone instead: "fma" (AVX and
 * FMA, so the same fused multiply-adds as gcc's x86-64-v3 clone, hence the same results).
 * No "avx512f" clone for clang: there it refused the 64-byte vector arguments of the
 * always-inline helpers of the files built once (the float32 path's activation32.c, since
 * removed), which the other clones accept with -Wno-psabi. */
#if defined(__SANITIZE_ADDRESS__)
#define OVS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OVS_ASAN 1
#endif
#endif
#if defined(__x86_64__) && defined(__clang__) && !defined(OVS_ASAN)
#define OVS_CLONES __attribute__((target_clones("fma", "default")))
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(OVS_ASAN) && defined(__AVX512F__)
/* a user's -mavx512f...: the binary runs on AVX-512 CPUs only, and gcc 12 stopped with an
 * internal error in the x86-64-v3 clone of activation.c's softplus_eval under -mavx512vl */
#define OVS_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))
#elif defined(__x86_64__) && defined(__GNUC__) && !defined(OVS_ASAN)
#define OVS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OVS_CLONES
#endif

/* ---- the native vector of this build (forward.c, smallmm.c) ----
 * On x86-64 the objects other than the per-instruction-set builds are baseline code whose
 * target_clones must compile for x86-64-v3 as well: their width stays 2 even where a user's
 * -mavx512f or -mavx2 defines the macros below (with -mavx512f vmath.h's AVX-512 intrinsics
 * had stopped the build in the v3 clones, as -march=native did before round 30). */
#if defined(__x86_64__) && !defined(OVS_BUILD_V3) && !defined(OVS_BUILD_V4)
#define OVS_NW 2
#elif defined(__AVX512F__)
#define OVS_NW 8
#elif defined(__AVX__)
#define OVS_NW 4
#else
#define OVS_NW 2
#endif
#define OVS_NH (OVS_VL / OVS_NW) /* native vectors per 8 semantic lanes */
typedef double ovs_vd __attribute__((vector_size(OVS_NW * 8), aligned(8), may_alias));
typedef int64_t ovs_vi __attribute__((vector_size(OVS_NW * 8), aligned(8), may_alias));

/* The builds of the kernel files: OVS_ISA(f) names this build's f (f_base, f_v3, f_v4; the
 * Makefile defines OVS_BUILD_V3 or OVS_BUILD_V4 for the per-instruction-set objects and
 * OVS_HAVE_V3 / OVS_HAVE_V4 for the baseline objects whose dispatchers may call them). */
enum { OVS_ISA_BASE = 0, OVS_ISA_V3 = 1, OVS_ISA_V4 = 2 };
#if defined(OVS_BUILD_V4)
#define OVS_ISA(f) f##_v4
#elif defined(OVS_BUILD_V3)
#define OVS_ISA(f) f##_v3
#else
#define OVS_ISA(f) f##_base
#endif

/* The best build of the kernel files that this CPU runs and this binary holds: OVS_ISA_V4 if
 * the CPU has AVX-512 F/BW/CD/DQ/VL (what x86-64-v4 adds), OVS_ISA_V3 for AVX2, FMA, BMI1
 * and BMI2 (every such CPU also has the F16C, LZCNT and MOVBE of x86-64-v3), else
 * OVS_ISA_BASE; asked once (smallmm.c). AVX-512 also where the CPU runs its 512-bit
 * operations in two 256-bit halves (Zen 4): there the AVX2 build took 1.05-1.74 of the
 * time per update from (100, 5, 5) to (3200, 96, 50) (docs/BENCHMARKS.md round 34). */
int ovs_simd_isa(void);

/* The name of a build (ovs_simd_isa), for provenance: the two FMA builds give the same bits,
 * the baseline (CPUs without FMA) other bits in the last places. */
static inline const char *ovs_simd_isa_name(int isa)
{
    return isa == OVS_ISA_V4 ? "x86-64-v4" : isa == OVS_ISA_V3 ? "x86-64-v3" : "baseline";
}

/* OVS_PICK(f): the build of f that this CPU runs (f_v4, f_v3 or f_base), for the entry points
 * in the baseline builds. */
#ifdef OVS_HAVE_V4
#define OVS_IF_V4(x) x
#else
#define OVS_IF_V4(x)
#endif
#ifdef OVS_HAVE_V3
#define OVS_IF_V3(x) x
#else
#define OVS_IF_V3(x)
#endif
#define OVS_PICK(f)                                                                            \
    (OVS_IF_V4(ovs_simd_isa() == OVS_ISA_V4 ? f##_v4 :)                                        \
         OVS_IF_V3(ovs_simd_isa() == OVS_ISA_V3 ? f##_v3 :) f##_base)

/* The 8 lanes of a lane-ordered sum, held as OVS_NH native vectors (lanes 0..OVS_NW-1 in
 * h[0], ...), summed in ovs_hsum's tree ((0+4)+(2+6)) + ((1+5)+(3+7)). */
static inline __attribute__((always_inline)) double ovs_tree8(const ovs_vd *h)
{
#if OVS_NW == 8
    const ovs_vd a = h[0];
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
#elif OVS_NW == 4
    ovs_vd t = h[0] + h[1]; /* lanes (0+4), (1+5), (2+6), (3+7) */
    return (t[0] + t[2]) + (t[1] + t[3]);
#else
    ovs_vd p = h[0] + h[2], q = h[1] + h[3]; /* (0+4) (1+5) and (2+6) (3+7) */
    return (p[0] + q[0]) + (p[1] + q[1]);
#endif
}

/* The 8 lanes of a (an ovs_v8d expression without side effects: it is read 8 times) summed
 * in a fixed tree, ((0+4)+(2+6)) + ((1+5)+(3+7)): the same on every instruction set. A macro
 * over 8 scalars: clang 14 refuses to pass a 64-byte vector by value inside a clone for AVX
 * without AVX-512 ("changes the ABI"), even to a function it inlines. */
#define ovs_hsum(a) ovs_tree8_lanes((a)[0], (a)[1], (a)[2], (a)[3], (a)[4], (a)[5], (a)[6], (a)[7])
static inline __attribute__((always_inline)) double ovs_tree8_lanes(double a0, double a1,
                                                                     double a2, double a3,
                                                                     double a4, double a5,
                                                                     double a6, double a7)
{
    return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
}

/* Round n up to a multiple of the vector length (row strides of padded buffers). */
static inline int ovs_pad(int n)
{
    return (n + OVS_VL - 1) / OVS_VL * OVS_VL;
}

#endif
