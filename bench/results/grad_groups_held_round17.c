/* grad_groups_held_round17.c - the gradient of one panel held in L2 with its lane sums (first = last = 0):
 * the tree's v3 build (A) against a build with another GRAD_L1 (B, linked renamed), batches
 * interleaved, A and B alternating first; the lane sums compared bit for bit.
 * Kept as run (docs/BENCHMARKS.md round 17). Build, in the checkout after `make all`, for each B:
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O3 -ffp-contract=fast -Wno-psabi \
 *      -DOVS_BUILD_V3 -DGRAD_L1=B -march=x86-64-v3 -c src/smallmm.c -o sm.o
 *   objcopy --redefine-sym ovs_smallmm_grad_part_v3=b_grad_part_v3 \
 *      --redefine-sym ovs_smallmm_grad_lanes_v3=b_grad_lanes_v3 --redefine-sym ovs_smallmm_preact_v3=b_preact_v3 \
 *      --redefine-sym ovs_smallmm_sum_squares_v3=b_sum_squares_v3 sm.o sm_b.o
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wno-psabi bench/results/grad_groups_held_round17.c \
 *      build/activation.o build/smallmm.o build/forward.o build/forward_v3.o build/smallmm_v3.o \
 *      build/forward_v4.o build/smallmm_v4.o build/names.o build/strbuf.o sm_b.o -o gl1 -lm
 * Run: ./gl1 Q K D [CALLS_PER_BATCH]. */
#include "smallmm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void b_grad_part_v3(int k, int d, const double *mt, int ldm, const double *x, int ldx, int count, double *g, double *lanes, int first, int last, ovs_fetch *next);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double *al(long n){double *p=aligned_alloc(64,((n*8+63)/64)*64);for(long i=0;i<n;i++)p[i]=(double)rand()/RAND_MAX-0.5;return p;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
#define REPS 601
static double ta[REPS],tb[REPS],ra[REPS];
int main(int argc,char**argv){
  int q=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),it=argc>4?atoi(argv[4]):10;
  double *mt=al((long)k*q),*x=al((long)q*d),*g=al((long)k*d),*g2=al((long)k*d),*la=al((long)k*d*8),*lb=al((long)k*d*8);
  memcpy(lb,la,8L*k*d*8);
  for(int rep=0;rep<REPS;rep++){
    int sw=rep&1; double t0=now();
    for(int a=0;a<it;a++) sw? b_grad_part_v3(k,d,mt,q,x,q,q,g2,lb,0,0,NULL): ovs_smallmm_grad_part_v3(k,d,mt,q,x,q,q,g,la,0,0,NULL);
    double t1=now();
    for(int a=0;a<it;a++) sw? ovs_smallmm_grad_part_v3(k,d,mt,q,x,q,q,g,la,0,0,NULL): b_grad_part_v3(k,d,mt,q,x,q,q,g2,lb,0,0,NULL);
    double t2=now();
    if(sw){tb[rep]=(t1-t0)/it;ta[rep]=(t2-t1)/it;}else{ta[rep]=(t1-t0)/it;tb[rep]=(t2-t1)/it;}
  }
  int same=!memcmp(la,lb,8L*k*d*8);
  for(int i=0;i<REPS;i++) ra[i]=tb[i]/ta[i];
  qsort(ta,REPS,8,cmp);qsort(tb,REPS,8,cmp);qsort(ra,REPS,8,cmp);
  double fl=2.0*q*k*d;
  printf("q %d k %d d %d lanes same %d A %.1f GF/s (med %.1f) B %.1f (med %.1f) B/A med %.3f [p10 %.3f p90 %.3f]\n",q,k,d,same,fl/ta[0]*1e-9,fl/ta[REPS/2]*1e-9,fl/tb[0]*1e-9,fl/tb[REPS/2]*1e-9,ra[REPS/2],ra[REPS/10],ra[9*REPS/10]);
  return 0;
}
