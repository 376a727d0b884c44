/* grad_kernel_round37.c - the gradient kernel alone: ovs_smallmm_grad_part over P panels of C
 * samples (lane sums in and out), best of 20 runs of 50 ms. Scratch harness, round 37, kept as
 * run (docs/BENCHMARKS.md round 37). Arguments: K D C P [FIRST LAST GROUP_BYTES [FETCH]]; FETCH
 * given: a fetch of that many bytes from the start of X (0: one with nothing left). Build, in
 * the checkout after `make all`:
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O2 bench/results/grad_kernel_round37.c build/smallmm.o build/smallmm_v3.o build/smallmm_v4.o -o gk -lm */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "smallmm.h"
#include "fetch.h"
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int k=atoi(argv[1]),d=atoi(argv[2]),cnt=atoi(argv[3]),panels=atoi(argv[4]);
  int first=argc>5?atoi(argv[5]):0,last=argc>6?atoi(argv[6]):0,gb=argc>7?atoi(argv[7]):0;
  double *mt=aligned_alloc(64,8L*k*cnt*panels+64),*x=aligned_alloc(64,8L*d*cnt*panels+64);
  double *g=aligned_alloc(64,8L*k*d+64),*lanes=aligned_alloc(64,64L*k*d+64);
  for(long i=0;i<(long)k*cnt*panels;i++)mt[i]=1e-3*(i%97);
  for(long i=0;i<(long)d*cnt*panels;i++)x[i]=1e-3*(i%89);
  for(long i=0;i<8L*k*d;i++)lanes[i]=0;
  double best=1e9;
  for(int rep=0;rep<20;rep++){
    int iters=0; double t0=now(),t;
    do{ for(int p=0;p<panels;p++) { ovs_fetch f={(const char*)x,(const char*)x+(argc>8?atoi(argv[8]):0),1}; ovs_smallmm_grad_part(k,d,mt+(long)p*k*cnt,cnt,x+(long)p*d*cnt,cnt,cnt,g,lanes,first,last,argc>8?&f:NULL,gb);}; iters++; }while((t=now()-t0)<0.05);
    t/=iters; if(t<best)best=t;
  }
  double fl=2.0*k*d*cnt*panels;
  printf("k=%d d=%d count=%d panels=%d first=%d last=%d: %.2f us, %.1f GFLOP/s\n",k,d,cnt,panels,first,last,best*1e6,fl/best*1e-9);
  return 0;}
