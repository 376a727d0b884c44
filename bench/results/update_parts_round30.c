/* update_parts_round30.c - round 30's probe (docs/BENCHMARKS.md): one cell's update loop in
 * variants, taking turns, us per update (best and median of ROUNDS batches of about 2 ms):
 *   var0 the trainer (ovs_train_run); var1 the fused forward pass and the gradient only (W
 *   fixed); var2 var1 and the two norms (sum_squares of r and of g); var3 var2 and the loop
 *   w -= eta g as train.c had it (baseline build: two doubles at a time); var4 var2 and that
 *   loop in AVX-512, the product rounded apart (same bits); var5 var1 and
 *   ovs_smallmm_descend (the step and ||g||); var6 var5 and the norm of r.
 * Build after `make all` (in /work/main):
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wno-psabi -Iinclude -Ibuild \
 *       bench/results/update_parts_round30.c build/{names,protocol,activation,smallmm,smallmm_v3,\
 *       smallmm_v4,forward,forward_v3,forward_v4,train,linalg,problem,rng}.o -lopenblas -lm -o probe
 *   ./probe N K D relu|softplus [ROUNDS] */
#include "forward.h"
#include "problem.h"
#include "smallmm.h"
#include "train.h"
#include "activation.h"
#include "simd.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
static double sink;
typedef double v8 __attribute__((vector_size(64)));
__attribute__((target("avx512f"))) static void upd512(double *w,const double *g,double eta,int kd){
  int i=0; for(;i+8<=kd;i+=8){ v8 gv; memcpy(&gv,g+i,64); v8 s=eta*gv; __asm__("":"+v"(s)); v8 wv; memcpy(&wv,w+i,64); wv-=s; memcpy(w+i,&wv,64);}
  for(;i<kd;i++){ double s=eta*g[i]; __asm__("":"+x"(s)); w[i]-=s; } }
/* variant 0: trainer (ovs_train_run); 1: fwd+grad only; 2: fwd+grad+norms; 3: fwd+grad+norms+update */
static double batch(int var, ovs_problem *p, ovs_train_workspace *ws, int kind, int iters){
  const int n=p->n,k=p->k,d=p->d,np=ws->np,kd=k*d; double eta=0.1;
  double *lanes = (size_t)np >= 8 * (size_t)d ? ws->phi : NULL;
  double t0=now();
  if(var==0){
    const double ladder[1]={1e-300};
    const ovs_gd_opts o={.act=ovs_activation_find(kind==OVS_ACT_RELU?"relu":"softplus"),.eta=eta,.kernel=OVS_KERNEL_SIMD};
    const ovs_protocol proto={.max_iter=iters,.tol=ladder[0],.ladder=ladder,.n_ladder=1};
    ovs_result r; ovs_train_run(p,&o,&proto,ws,&r); sink+=r.final_rel_err;
  } else for(int t=0;t<iters;t++){
    ovs_forward_fused(kind,n,k,d,np,ws->w,ws->xt,0,p->v,ws->yp,ws->zt,ws->scratch,ws->r);
    ovs_smallmm_grad_lanes(k,d,np,ws->zt,ws->xt,ws->g,lanes);
    if(var>=2&&var<=4){ sink+=sqrt(ovs_smallmm_sum_squares(ws->r,np)); sink+=sqrt(ovs_smallmm_sum_squares(ws->g,ovs_pad(kd)));}
    if(var==3) for(int i=0;i<kd;i++) ws->w[i]-=eta*ws->g[i];
    if(var==4) upd512(ws->w,ws->g,eta,kd);
    if(var==5){ sink+=sqrt(ovs_smallmm_descend(ws->w,ws->w,ws->g,eta,ovs_pad(kd)));}
    if(var==6){ sink+=sqrt(ovs_smallmm_sum_squares(ws->r,np)); sink+=sqrt(ovs_smallmm_descend(ws->w,ws->w,ws->g,eta,ovs_pad(kd)));}
  }
  return (now()-t0)/iters;
}
int main(int argc,char**argv){
  int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]),kind=strcmp(argv[4],"relu")?OVS_ACT_SOFTPLUS:OVS_ACT_RELU;
  int rounds=argc>5?atoi(argv[5]):30;
  ovs_problem p; ovs_train_workspace ws;
  ovs_problem_alloc(&p,n,k,d); ovs_train_workspace_alloc(&ws,n,k,d); ovs_problem_draw(&p,2019,0);
  batch(0,&p,&ws,kind,3);
  int iters=(int)(2e-3/ (4.0*n*k*d/80e9)); if(iters<50)iters=50;
  enum{V=7}; double *t[V]; for(int v=0;v<V;v++)t[v]=malloc(sizeof(double)*rounds);
  for(int r=0;r<rounds;r++) for(int v=0;v<V;v++){ memcpy(ws.w,p.w0,sizeof(double)*k*d); t[v][r]=batch(v,&p,&ws,kind,iters);}
  for(int v=0;v<V;v++){ qsort(t[v],rounds,sizeof(double),cmp); printf("%d %d %d %s var%d best %.3f med %.3f us\n",n,k,d,argv[4],v,t[v][0]*1e6,t[v][rounds/2]*1e6);}
  return sink==12345.;
}
