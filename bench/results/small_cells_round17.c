/* small_cells_round17.c - small cells: the fused forward pass, ReLU and softplus, and the softplus kernel
 * alone on the same k np values, batches interleaved; implied ns per evaluation in the fused
 * pass = (softplus - relu) / (k np) against the kernel's. Scratch harness, round 17.
 * Kept as run (docs/BENCHMARKS.md round 17). Build, in the checkout after `make all`:
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wno-psabi bench/results/small_cells_round17.c build/activation.o build/smallmm.o build/forward.o build/forward_v3.o build/smallmm_v3.o build/forward_v4.o build/smallmm_v4.o build/names.o build/strbuf.o -o small -lm
 * Run: ./small N K D [CALLS_PER_BATCH]. */
#include "forward.h"
#include "smallmm.h"
#include "activation.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double *al(long n){double *p=aligned_alloc(64,((n*8+63)/64)*64);for(long i=0;i<n;i++)p[i]=(double)rand()/RAND_MAX-0.5;return p;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
#define REPS 401
int main(int argc,char**argv){
  int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),np=(n+95)/96*96; /* pad as the trainer? */
  np=n%8?n+8-n%8:n;
  double *w=al((long)k*d),*x=al((long)np*d),*v=al(k),*y=al(np),*mt=al((long)k*np),*sc=al((long)k*64+64),*r=al(np),*g=al((long)k*d);
  double *z=al((long)k*np),*phi=al((long)k*np),*dphi=al((long)k*np);
  for(long i=0;i<(long)k*np;i++) z[i]*=8;
  static double tr[REPS],ts[REPS],tk[REPS],tg[REPS];
  int it=atoi(argc>4?argv[4]:"20");
  for(int rep=0;rep<REPS;rep++){
    double t0=now();
    for(int a=0;a<it;a++) ovs_forward_fused(OVS_ACT_RELU,n,k,d,np,w,x,0,v,y,mt,sc,r);
    double t1=now();
    for(int a=0;a<it;a++) ovs_forward_fused(OVS_ACT_SOFTPLUS,n,k,d,np,w,x,0,v,y,mt,sc,r);
    double t2=now();
    for(int a=0;a<it;a++) ovs_forward_softplus(z,phi,dphi,k*np);
    double t3=now();
    for(int a=0;a<it;a++) ovs_smallmm_grad(k,d,np,mt,x,g);
    double t4=now();
    tr[rep]=(t1-t0)/it; ts[rep]=(t2-t1)/it; tk[rep]=(t3-t2)/it; tg[rep]=(t4-t3)/it;
  }
  qsort(tr,REPS,8,cmp);qsort(ts,REPS,8,cmp);qsort(tk,REPS,8,cmp);qsort(tg,REPS,8,cmp);
  double fl=2.0*np*k*d, e=(double)k*np;
  int m=REPS/2;
  printf("(%d,%d,%d) relu fwd %.2f us (%.1f GF/s) softplus fwd %.2f us  kernel %.2f us (%.2f ns/el)  fused evals %.2f ns/el  grad %.2f us (%.1f GF/s)  [medians]\n",
    n,k,d,tr[m]*1e6,fl/tr[m]*1e-9,ts[m]*1e6,tk[m]*1e6,tk[m]/e*1e9,(ts[m]-tr[m])/e*1e9,tg[m]*1e6,fl/tg[m]*1e-9);
  printf("(%d,%d,%d) relu fwd %.2f us (%.1f GF/s) softplus fwd %.2f us  kernel %.2f us (%.2f ns/el)  fused evals %.2f ns/el  grad %.2f us (%.1f GF/s)  [best]\n",
    n,k,d,tr[0]*1e6,fl/tr[0]*1e-9,ts[0]*1e6,tk[0]*1e6,tk[0]/e*1e9,(ts[0]-tr[0])/e*1e9,tg[0]*1e6,fl/tg[0]*1e-9);
  return 0;
}
