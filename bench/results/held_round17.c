/* held_round17.c - one panel held in L2: the fused forward pass (tree's v3 build, A, against a variant
 * build, B, linked renamed) and the gradient, batches interleaved A B G, best and median of
 * batch times. Scratch harness, round 17.
 * Kept as run (docs/BENCHMARKS.md round 17). Build, in the checkout after `make all` with the tree
 * as A, and B = the same forward.c built with -DFWD_CHUNK=0 (round 17's chunked source,
 * forward_chunk_round17.diff) and its v3 entry renamed:
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O3 -ffp-contract=fast -Wno-psabi \
 *      -DOVS_BUILD_V3 -DFWD_CHUNK=0 -march=x86-64-v3 -c src/forward.c -o nc.o
 *   objcopy --redefine-sym ovs_forward_fused_part_v3=nc_forward_fused_part_v3 \
 *      --redefine-sym ovs_forward_fused_v3=nc_fused_v3 --redefine-sym ovs_forward_softplus_v3=nc_softplus_v3 nc.o nc_b.o
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wno-psabi bench/results/held_round17.c build/activation.o build/smallmm.o build/forward.o build/forward_v3.o build/smallmm_v3.o build/forward_v4.o build/smallmm_v4.o build/names.o build/strbuf.o nc_b.o -o held -lm
 * Run: ./held Q K D relu|softplus [CALLS_PER_BATCH]. */
#include "forward.h"
#include "smallmm.h"
#include "activation.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int nc_forward_fused_part_v3(int kind, int n, int k, int d, int np, const double *w,
                           const double *x, int panel, const double *v, const double *y,
                           double *m_t, int ldm, double *scratch, double *r, int i0, int i1,
                           ovs_fetch *next);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double *al(long n){double *p=aligned_alloc(64,((n*8+63)/64)*64);for(long i=0;i<n;i++)p[i]=(double)rand()/RAND_MAX-0.5;return p;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
#define REPS 301
int main(int argc,char**argv){
  int np=6400,q=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),kind=argv[4][0]=='r'?OVS_ACT_RELU:OVS_ACT_SOFTPLUS;
  double *w=al((long)k*d),*x=al((long)q*d),*v=al(k),*y=al(np),*mt=al((long)k*q),*mt2=al((long)k*q),*sc=al((long)k*64+64),*r=al(np),*g=al((long)k*d),*lanes=al((long)k*d*8);
  static double ta[REPS],tb[REPS],tg[REPS],tn[REPS];
  int it=atoi(argc>5?argv[5]:"10");
  for(int rep=0;rep<REPS;rep++){
    double t0=now();
    for(int a=0;a<it;a++) ovs_forward_fused_part_v3(kind,np,k,d,np,w,x,q,v,y,mt,q,sc,r,0,q,NULL);
    double t1=now();
    for(int a=0;a<it;a++) nc_forward_fused_part_v3(kind,np,k,d,np,w,x,q,v,y,mt2,q,sc,r,0,q,NULL);
    double t2=now();
    for(int a=0;a<it;a++) ovs_smallmm_grad_part_v3(k,d,mt,q,x,q,q,g,lanes,0,0,NULL);
    double t3=now();
    for(int a=0;a<it;a++) ovs_smallmm_grad_part_v3(k,d,mt,q,x,q,q,g,lanes,1,1,NULL);
    double t4=now(); tn[rep]=(t4-t3)/it;
    ta[rep]=(t1-t0)/it; tb[rep]=(t2-t1)/it; tg[rep]=(t3-t2)/it;
  }
  int same=memcmp(mt,mt2,sizeof(double)*k*q)==0;
  double fl=2.0*q*k*d;
  double ra[REPS]; for(int i=0;i<REPS;i++) ra[i]=tb[i]/ta[i];
  qsort(ta,REPS,8,cmp);qsort(tb,REPS,8,cmp);qsort(tg,REPS,8,cmp);qsort(tn,REPS,8,cmp);qsort(ra,REPS,8,cmp);
  printf("q %d k %d d %d %-8s same %d A %.1f GF/s (med %.1f) B %.1f (med %.1f) B/A med %.3f [p10 %.3f p90 %.3f] grad %.1f (med %.1f) nolanes %.1f (med %.1f)\n",q,k,d,argv[4],same,
     fl/ta[0]*1e-9,fl/ta[REPS/2]*1e-9,fl/tb[0]*1e-9,fl/tb[REPS/2]*1e-9,ra[REPS/2],ra[REPS/10],ra[9*REPS/10],fl/tg[0]*1e-9,fl/tg[REPS/2]*1e-9,fl/tn[0]*1e-9,fl/tn[REPS/2]*1e-9);
  return 0;
}
