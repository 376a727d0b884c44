/* stream_round14.c - docs/BENCHMARKS.md round 14: one core's read rate from memory, a sum
 * over BYTES of doubles in four 512-bit accumulators, five passes. Build and run:
 *   gcc -O2 -march=native bench/results/stream_round14.c -o /tmp/stream
 *   /tmp/stream 268435456            (and two at once: ... & /tmp/stream 268435456; wait) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <immintrin.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  size_t n=(size_t)atol(argv[1])/8; double *a=aligned_alloc(64,n*8); for(size_t i=0;i<n;i++)a[i]=i*1e-9;
  for(int rep=0;rep<5;rep++){
    __m512d s0=_mm512_setzero_pd(),s1=s0,s2=s0,s3=s0;
    double t0=now();
    for(size_t i=0;i<n;i+=32){s0=_mm512_add_pd(s0,_mm512_load_pd(a+i));s1=_mm512_add_pd(s1,_mm512_load_pd(a+i+8));s2=_mm512_add_pd(s2,_mm512_load_pd(a+i+16));s3=_mm512_add_pd(s3,_mm512_load_pd(a+i+24));}
    double t=now()-t0; s0=_mm512_add_pd(_mm512_add_pd(s0,s1),_mm512_add_pd(s2,s3));
    printf("%zu MB: %.2f GB/s (%g)\n", n*8>>20, n*8/t*1e-9, _mm512_reduce_add_pd(s0));
  }
}
