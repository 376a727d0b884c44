/* panel_hotcold_round12.c - docs/BENCHMARKS.md round 12's diagnosis harness, kept as run (tree 4b2ae54).
 * Build from the repository root after 'make all':
 *   gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude bench/results/panel_hotcold_round12.c \
 *     $(for m in $(make -s print-pure); do echo build/$m.o; done) build/*_v3.o build/*_v4.o \
 *     $(pkg-config --libs openblas) -lm -o /tmp/panel_hotcold
 * Run: /tmp/panel_hotcold N K D: per panel of 192, the forward pass and gradient on one panel again and
 * again (in L2: hot) against the forward pass over all panels (from memory: sweep).
 * Not part of the build or the tests. */
/* forward / gradient on one panel hot vs sweeping all panels */
#include "forward.h"
#include "smallmm.h"
#include "activation.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double *al(size_t n){double*p=aligned_alloc(64,(n*8+63)/64*64);for(size_t i=0;i<n;i++)p[i]=((double)rand()/RAND_MAX-0.5);return p;}
int main(int argc,char**argv){
 int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]);int np=n,q=192;
 double*w=al((size_t)k*d),*x=al((size_t)d*np),*v=al(k),*y=al(np),*mt=al((size_t)k*q),*sc=al(32*k+64),*r=al(np),*g=al((size_t)k*d),*lanes=al((size_t)8*k*d);
 double fl=2.0*q*k*d;
 for(int rep=0;rep<3;rep++){
  /* hot: same panel 0 */
  int R=200; double t=now();
  for(int it=0;it<R;it++) ovs_forward_fused_part(OVS_ACT_RELU,n,k,d,np,w,x,q,v,y,mt,q,sc,r,0,q,NULL);
  double th=(now()-t)/R;
  t=now();
  for(int it=0;it<R;it++) ovs_smallmm_grad_part(k,d,mt,q,x,q,q,g,lanes,it==0,0,NULL);
  double tg=(now()-t)/R;
  /* sweep: all panels, forward only */
  int P=np/q; t=now();
  for(int it=0;it<4;it++) for(int p=0;p<P;p++) ovs_forward_fused_part(OVS_ACT_RELU,n,k,d,np,w,x,q,v,y,mt,q,sc,r,p*q,p*q+q,NULL);
  double ts=(now()-t)/(4*P);
  t=now();
  for(int it=0;it<4;it++) for(int p=0;p<P;p++){ovs_forward_fused_part(OVS_ACT_RELU,n,k,d,np,w,x,q,v,y,mt,q,sc,r,p*q,p*q+q,NULL); ovs_smallmm_grad_part(k,d,mt,q,x+(size_t)p*q*d,q,q,g,lanes,p==0,0,NULL);}
  double tb=(now()-t)/(4*P);
  printf("per panel: fwd hot %.1f us (%.1f GF/s)  grad hot %.1f us (%.1f)  fwd sweep %.1f us (%.1f)  both sweep %.1f us (%.1f)\n",th*1e6,fl/th/1e9,tg*1e6,fl/tg/1e9,ts*1e6,fl/ts/1e9,tb*1e6,2*fl/tb/1e9);
 }
}
