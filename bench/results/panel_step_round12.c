/* panel_step_round12.c - docs/BENCHMARKS.md round 12's diagnosis harness, kept as run (tree 4b2ae54).
 * Build from the repository root after 'make all':
 *   gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude bench/results/panel_step_round12.c \
 *     $(for m in $(make -s print-pure); do echo build/$m.o; done) build/*_v3.o build/*_v4.o \
 *     $(pkg-config --libs openblas) -lm -o /tmp/panel_step
 * Run: /tmp/panel_step N K D PANEL FETCH (0/1): train.c's step_by_panels on random data, the forward
 * parts and gradient parts timed apart (4 rounds of 5 updates).
 * Not part of the build or the tests. */
/* step_by_panels as train.c runs it, timing forward parts and gradient parts apart */
#include "forward.h"
#include "smallmm.h"
#include "activation.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double *al(size_t n){double*p=aligned_alloc(64,(n*8+63)/64*64);for(size_t i=0;i<n;i++)p[i]=((double)rand()/RAND_MAX-0.5)*0.1;return p;}
int main(int argc,char**argv){
 int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),q=atoi(argv[4]),fetch=atoi(argv[5]);int np=n;
 double*w=al((size_t)k*d),*x=al((size_t)d*np),*v=al(k),*y=al(np),*mt=al((size_t)k*q),*sc=al(OVS_FORWARD_SCRATCH(k)),*r=al(np),*g=al((size_t)k*d),*lanes=al((size_t)8*k*d);
 for(int rep=0;rep<4;rep++){
  double tf=0,tg=0; int U=5;
  for(int u=0;u<U;u++) for(int p0=0;p0<np;p0+=q){int p1=p0+q<np?p0+q:np;
    int n0=p1<np?p1:0,n1=n0+q<np?n0+q:np; ovs_fetch nx={(const char*)(x+(size_t)n0*d),(const char*)(x+(size_t)n1*d)};
    double t=now(); ovs_forward_fused_part(OVS_ACT_RELU,n,k,d,np,w,x,q,v,y,mt,q,sc,r,p0,p1,fetch?&nx:NULL);
    double t2=now(); ovs_smallmm_grad_part(k,d,mt,q,x+(size_t)p0*d,p1-p0,p1-p0,g,lanes,p0==0,p1==np,fetch?&nx:NULL);
    tg+=now()-t2; tf+=t2-t;}
  double fl=2.0*n*k*d*U;
  printf("update %.0f us: forward %.0f us (%.1f GF/s) gradient %.0f us (%.1f GF/s)\n",(tf+tg)/U*1e6,tf/U*1e6,fl/tf/1e9,tg/U*1e6,fl/tg/1e9);
 }
}
