/* the update against its two kernels (round 21, not shipped): per round, the best of 3 batches of
 * ovs_train_run per update (N + 1 updates less 1) and of forward + gradient alternating, on trial 0 of
 * the cell (seed 2019); prints both and the median of the rounds' ratios. Linked with the objects in build/.
 * Usage: update_overhead N K D SOFTPLUS(0/1) [N K D SOFTPLUS]... */
#define _POSIX_C_SOURCE 200809L
#include "train.h"
#include "forward.h"
#include "smallmm.h"
#include "activation.h"
#include "problem.h"
#include "protocol.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static ovs_problem P; static ovs_train_workspace W; static int kind; static const char *actname;
static void fwd(void){ovs_forward_fused(kind,P.n,P.k,P.d,W.np,W.w,W.xp?W.xp:W.xt,W.xp?W.panel:0,P.v,W.yp,W.zt,W.scratch,W.r);}
static void grd(void){ovs_smallmm_grad_lanes(P.k,P.d,W.np,W.zt,W.xt,W.g,(size_t)W.np>=8*(size_t)P.d?W.phi:NULL);}
static double train(int iters){const double ladder[1]={1e-300};
  const ovs_gd_opts o={.act=ovs_activation_find(actname),.eta=kind==OVS_ACT_SOFTPLUS?0.15:0.1,.kernel=OVS_KERNEL_SIMD};
  const ovs_protocol proto={.max_iter=iters,.tol=ladder[0],.ladder=ladder,.n_ladder=1};ovs_result r;
  double t0=now(); ovs_train_run(&P,&o,&proto,&W,&r); return now()-t0;}
static int cmpd(const void*a,const void*b){double x=*(const double*)a,y=*(const double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  for(int c=1;c+3<argc;c+=4){
  int n=atoi(argv[c]),k=atoi(argv[c+1]),d=atoi(argv[c+2]);kind=atoi(argv[c+3])?OVS_ACT_SOFTPLUS:OVS_ACT_RELU;actname=kind==OVS_ACT_SOFTPLUS?"softplus":"relu";
  ovs_problem_alloc(&P,n,k,d);ovs_train_workspace_alloc(&W,n,k,d);ovs_problem_draw(&P,2019,0);
  double ls; ovs_train_loss_grad(&P,ovs_activation_find(actname),OVS_KERNEL_SIMD,P.w0,&W,&ls,W.g);
  const int N=400; double rat[31];
  for(int round=0;round<31;round++){
    double bu=1e30,bk=1e30;
    for(int rep=0;rep<3;rep++){
      double t=(train(N+1)-train(1))/N; if(t<bu)bu=t;
      double t0=now(); for(int i=0;i<N;i++){fwd();grd();} t=(now()-t0)/N; if(t<bk)bk=t;
    }
    rat[round]=bu/bk;
    if(round==30){qsort(rat,31,sizeof*rat,cmpd);printf("%d %d %d %s update %.3f us kernels %.3f us overhead %.3f us  update/kernels median %.3f [%.3f %.3f]\n",n,k,d,actname,bu*1e6,bk*1e6,(bu-bk)*1e6,rat[15],rat[3],rat[27]);}
  }
  ovs_problem_free(&P);ovs_train_workspace_free(&W);}
}
