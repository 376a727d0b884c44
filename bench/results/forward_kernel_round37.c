/* forward_kernel_round37.c - the fused forward pass alone: ovs_forward_fused_part over P panels
 * of 96 samples (X in the panel layout), best of 20 runs of 50 ms; products' GFLOP/s. Scratch
 * harness, round 37, kept as run (docs/BENCHMARKS.md round 37). Arguments: KIND (0 ReLU,
 * 1 softplus) K D P MODE (0: no fetch, 1: a fetch with nothing left). Build, after `make all`:
 *   cc -Iinclude -Ibuild -std=c11 -D_POSIX_C_SOURCE=200809L -O2 bench/results/forward_kernel_round37.c build/forward.o build/forward_v3.o build/forward_v4.o build/activation.o build/smallmm.o build/smallmm_v3.o build/smallmm_v4.o build/names.o -o fk -lm */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "forward.h"
#include "activation.h"
#include "fetch.h"
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
/* fk KIND(0 relu 1 softplus) K D PANELS MODE(0 none,1 done fetch) : forward over PANELS panels of 96 held in L2-ish */
int main(int argc,char**argv){
  int sp=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),P=atoi(argv[4]),mode=atoi(argv[5]);
  int q=96,np=q*P,n=np;
  int kind= sp? OVS_ACT_SOFTPLUS: OVS_ACT_RELU;
  double *w=aligned_alloc(64,8L*k*d+64),*x=aligned_alloc(64,8L*d*np+64),*v=aligned_alloc(64,8L*k+64),*y=aligned_alloc(64,8L*np+64);
  double *mt=aligned_alloc(64,8L*k*q+64),*sc=aligned_alloc(64,8L*OVS_FORWARD_SCRATCH(k)+64),*r=aligned_alloc(64,8L*np+64),*r2=aligned_alloc(64,64*8);
  for(long i=0;i<(long)k*d;i++)w[i]=1e-2*((i%13)-6);
  for(long i=0;i<(long)d*np;i++)x[i]=1e-2*((i%11)-5);
  for(int i=0;i<k;i++)v[i]=(i%2)?0.1:-0.1;
  for(int i=0;i<np;i++)y[i]=0.5;
  double best=1e9;
  for(int rep=0;rep<20;rep++){
    int it=0;double t0=now(),t;
    do{ for(int p=0;p<P;p++){ ovs_fetch f={(const char*)x,(const char*)x,1};
        ovs_forward_fused_part(kind,n,k,d,np,w,x,q,v,y,mt,q,sc,r,r2,p*q,(p+1)*q,mode?&f:NULL);} it++;}while((t=now()-t0)<0.05);
    t/=it; if(t<best)best=t;}
  printf("%s k=%d d=%d P=%d mode=%d: %.2f us, products %.1f GFLOP/s\n",sp?"softplus":"relu",k,d,P,mode,best*1e6,2.0*k*d*np/best*1e-9);
  return 0;}
