/* scratch: two trainings of a cell updated alternately vs one after the other */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "simd.h"
#include "smallmm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
typedef struct { int n,k,d,np; double *xt,*w,*zt,*phi,*r,*g,*sc,*yp,*v; double eta; int kind; } T;
static double *al(size_t c){ double *p=aligned_alloc(64,(c*8+63)/64*64+64); memset(p,0,(c*8+63)/64*64+64); return p; }
static double secs(void){ struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec+1e-9*t.tv_nsec; }
static void setup(T *t, int n,int k,int d,int trial,int kind){
  ovs_problem p; ovs_problem_alloc(&p,n,k,d); ovs_problem_draw(&p,2019,trial);
  t->n=n;t->k=k;t->d=d;t->np=ovs_pad(n);t->kind=kind;t->eta= kind==OVS_ACT_RELU?0.1:0.15;
  int np=t->np; t->xt=al((size_t)d*np); t->w=al(k*d); t->zt=al((size_t)k*np); t->phi=al((size_t)k*np+8*k*d);
  t->r=al(np); t->g=al(k*d); t->sc=al(OVS_FORWARD_SCRATCH(k)); t->yp=al(np); t->v=al(k);
  memcpy(t->w,p.w0,8*k*d); memcpy(t->yp,p.y,8*n); memcpy(t->v,p.v,8*k);
  for(int i=0;i<n;i++) for(int l=0;l<d;l++) t->xt[(size_t)l*np+i]=p.x[i*d+l];
}
static double step(T *t){
  ovs_forward_fused(t->kind,t->n,t->k,t->d,t->np,t->w,t->xt,0,t->v,t->yp,t->zt,t->sc,t->r);
  double rn=sqrt(ovs_smallmm_sum_squares(t->r,t->n));
  ovs_smallmm_grad_lanes(t->k,t->d,t->np,t->zt,t->xt,t->g,(size_t)t->np>=8*(size_t)t->d?t->phi:NULL);
  double gn=sqrt(ovs_smallmm_sum_squares(t->g,t->k*t->d));
  for(int i=0;i<t->k*t->d;i++) t->w[i]-=t->eta*t->g[i];
  return rn+gn;
}
int main(int argc,char**argv){
  int kind = strcmp(argv[1],"relu")==0?OVS_ACT_RELU:OVS_ACT_SOFTPLUS; int N=atoi(argv[2]), R=atoi(argv[3]);
  for(int a=4;a+2<argc;a+=3){
    int n=atoi(argv[a]),k=atoi(argv[a+1]),d=atoi(argv[a+2]);
    double rat[400]; double bs=1e30,bi=1e30; volatile double sink=0;
    for(int rr=0;rr<R;rr++){
      T A,B,C,D; setup(&A,n,k,d,0,kind); setup(&B,n,k,d,1,kind); setup(&C,n,k,d,0,kind); setup(&D,n,k,d,1,kind);
      double ts,ti,t0;
      for(int o=0;o<2;o++){
        if((o+rr)%2==0){ t0=secs(); for(int i=0;i<N;i++) sink+=step(&A); for(int i=0;i<N;i++) sink+=step(&B); ts=secs()-t0; }
        else { t0=secs(); for(int i=0;i<N;i++){ sink+=step(&C); sink+=step(&D);} ti=secs()-t0; }
      }
      if(memcmp(A.w,C.w,8*k*d)||memcmp(B.w,D.w,8*k*d)) printf("DIFF!\n");
      rat[rr]=ti/ts; if(ts<bs)bs=ts; if(ti<bi)bi=ti;
    }
    for(int i=0;i<R;i++)for(int j=i+1;j<R;j++) if(rat[j]<rat[i]){double x=rat[i];rat[i]=rat[j];rat[j]=x;}
    printf("%d %d %d %s seq %.3f us/upd inter %.3f best %.3f median paired %.3f (p10 %.3f p90 %.3f)\n",n,k,d,argv[1],bs/(2*N)*1e6,bi/(2*N)*1e6,bi/bs,rat[R/2],rat[R/10],rat[R*9/10]);
  }
  return 0;
}
