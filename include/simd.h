/* simd.h - portable 8-lane double vectors (GCC vector extensions) for the
 * hand-written kernels. The lanes are semantic: the compiler maps a vector to 1 AVX-512,
 * 2 AVX2 or 4 SSE2 registers, and the order of every sum is the code's, not the ISA's.
 * The hot functions are built for several instruction sets (target_clones) and the best one
 * the CPU supports is picked at load time (forward.c also has a separate x86-64-v4 build with
 * AVX-512 intrinsics, same results: forward.h). The kernel files are compiled with
 * -ffp-contract=fast: the x86-64-v3 and v4 clones (AVX2 and AVX-512, both with FMA) fuse
 * the multiply-adds and are expected to agree bit for bit (not tested: this machine runs v4);
 * the baseline clone, for CPUs without FMA (before 2013), rounds them twice, so its results
 * differ in the last bits (the sanitizer builds of the tests run that clone; test_train
 * accepts either). */
#ifndef OVS_SIMD_H
#define OVS_SIMD_H

#include <stdint.h>

#define OVS_VL 8
typedef double ovs_v8d __attribute__((vector_size(64), aligned(8), may_alias));
typedef int64_t ovs_v8i __attribute__((vector_size(64), aligned(8), may_alias));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define OVS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OVS_CLONES
#endif

/* The 8 lanes summed in a fixed tree, ((0+4)+(2+6)) + ((1+5)+(3+7)): the same on every
 * instruction set. */
static inline __attribute__((always_inline)) double ovs_hsum(ovs_v8d a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* Round n up to a multiple of the vector length (row strides of padded buffers). */
static inline int ovs_pad(int n)
{
    return (n + OVS_VL - 1) / OVS_VL * OVS_VL;
}

#endif
