/* lookup_and_round17.c - tree (A) against base (B, renamed): the softplus kernel on m values and the fused
 * forward pass at (n, k, d), batches interleaved, median of B/A with p10 and p90 and whether
 * the outputs agree bit for bit. Scratch harness, round 17.
 * Kept as run (docs/BENCHMARKS.md round 17). Build, with the variant in the checkout after
 * `make all`, and base d51942b's forward.c built apart, its v3 entries renamed:
 *   git archive d51942b src include | tar -x -C base
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O3 -ffp-contract=fast -Wno-psabi -Ibase/include \
 *      -DOVS_BUILD_V3 -march=x86-64-v3 -c base/src/forward.c -o b.o
 *   objcopy --redefine-sym ovs_forward_fused_part_v3=b_forward_fused_part_v3 \
 *      --redefine-sym ovs_forward_fused_v3=b_fused_v3 --redefine-sym ovs_forward_softplus_v3=b_softplus_v3 b.o b_b.o
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wno-psabi bench/results/lookup_and_round17.c build/activation.o build/smallmm.o build/forward.o build/forward_v3.o build/smallmm_v3.o build/forward_v4.o build/smallmm_v4.o build/names.o build/strbuf.o b_b.o -o spab -lm
 * Run: ./spab N K D. */
#include "forward.h"
#include "activation.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void b_softplus_v3(const double *z, double *phi, double *dphi, int m);
int b_fused_v3(int kind, int n, int k, int d, int np, const double *w, const double *x, int panel, const double *v, const double *y, double *m_t, double *scratch, double *r);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double *al(long n){double *p=aligned_alloc(64,((n*8+63)/64)*64);for(long i=0;i<n;i++)p[i]=(double)rand()/RAND_MAX-0.5;return p;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
#define REPS 2001
static double ta[REPS],tb[REPS],ra[REPS];
static void report(const char*what,double el){
  for(int i=0;i<REPS;i++) ra[i]=tb[i]/ta[i];
  qsort(ta,REPS,8,cmp);qsort(tb,REPS,8,cmp);qsort(ra,REPS,8,cmp);
  printf("%-28s A %.3f B %.3f ns/el (medians; best %.3f %.3f)  B/A med %.3f [p10 %.3f p90 %.3f]\n",what,ta[REPS/2]/el*1e9,tb[REPS/2]/el*1e9,ta[0]/el*1e9,tb[0]/el*1e9,ra[REPS/2],ra[REPS/10],ra[9*REPS/10]);
}
int main(int argc,char**argv){
  int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),np=n%8?n+8-n%8:n,m=k*np;
  double *z=al(m),*p1=al(m),*d1=al(m),*p2=al(m),*d2=al(m);
  for(int i=0;i<m;i++) z[i]*=8;
  int it=3;
  for(int rep=0;rep<REPS;rep++){
    int sw=rep&1; double t0=now();
    for(int a=0;a<it;a++) sw? b_softplus_v3(z,p2,d2,m): ovs_forward_softplus_v3(z,p1,d1,m);
    double t1=now();
    for(int a=0;a<it;a++) sw? ovs_forward_softplus_v3(z,p1,d1,m): b_softplus_v3(z,p2,d2,m);
    double t2=now();
    if(sw){tb[rep]=(t1-t0)/it;ta[rep]=(t2-t1)/it;}else{ta[rep]=(t1-t0)/it;tb[rep]=(t2-t1)/it;}
  }
  printf("kernel same %d\n",!memcmp(p1,p2,8*m)&&!memcmp(d1,d2,8*m));
  char w[64]; snprintf(w,64,"kernel m=%d",m); report(w,m);
  double *W=al((long)k*d),*x=al((long)np*d),*v=al(k),*y=al(np),*mt=al((long)k*np),*mt2=al((long)k*np),*sc=al((long)k*64+64),*r=al(np),*r2=al(np);
  for(int rep=0;rep<REPS;rep++){
    int sw=rep&1; double t0=now();
    for(int a=0;a<it;a++) sw? b_fused_v3(OVS_ACT_SOFTPLUS,n,k,d,np,W,x,0,v,y,mt2,sc,r2): ovs_forward_fused_v3(OVS_ACT_SOFTPLUS,n,k,d,np,W,x,0,v,y,mt,sc,r);
    double t1=now();
    for(int a=0;a<it;a++) sw? ovs_forward_fused_v3(OVS_ACT_SOFTPLUS,n,k,d,np,W,x,0,v,y,mt,sc,r): b_fused_v3(OVS_ACT_SOFTPLUS,n,k,d,np,W,x,0,v,y,mt2,sc,r2);
    double t2=now();
    if(sw){tb[rep]=(t1-t0)/it;ta[rep]=(t2-t1)/it;}else{ta[rep]=(t1-t0)/it;tb[rep]=(t2-t1)/it;}
  }
  printf("fused same %d\n",!memcmp(mt,mt2,8*m)&&!memcmp(r,r2,8*np));
  snprintf(w,64,"fused softplus (%d,%d,%d)",n,k,d); report(w,m);
  return 0;
}
