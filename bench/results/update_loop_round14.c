/* update_loop_round14.c - docs/BENCHMARKS.md round 14's harness, kept as run: at one cell,
 * the fused forward pass and the gradient alone, the loop of both with the norms (no weight
 * update), the same with the weight update (each: best of 500 batches of 20 calls, wall
 * clock), and ovs_train_run itself (best of 5 runs of 2001 updates less best of 5 runs of 1),
 * us per update, three rounds. No values checked. Build from the repository root after `make`:
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude bench/results/update_loop_round14.c \
 *     $(for m in $(make -s --no-print-directory print-pure); do echo build/$m.o; done) \
 *     build/*_v3.o build/*_v4.o -o /tmp/loop $(pkg-config --libs openblas) -lm
 *   /tmp/loop N K D [ACT] */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "smallmm.h"
#include "train.h"
#include "protocol.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static ovs_problem P; static ovs_train_workspace W; static int kind; static double acc;
static void fwd(void){ ovs_forward_fused(kind, P.n, P.k, P.d, W.np, W.w, W.xt, 0, P.v, W.yp, W.zt, W.scratch, W.r); }
static void grd(void){ ovs_smallmm_grad_lanes(P.k, P.d, W.np, W.zt, W.xt, W.g, (size_t)W.np >= 8 * (size_t)P.d ? W.phi : NULL); }
static void step(int mode){
  fwd(); double rn = sqrt(ovs_smallmm_sum_squares(W.r, P.n));
  grd(); double gn = sqrt(ovs_smallmm_sum_squares(W.g, P.k * P.d));
  if (mode == 1) { int kd = P.k * P.d; for (int i = 0; i < kd; i++) W.w[i] -= 0.1 * W.g[i]; }
  acc += rn + gn;
}
static double best_of(void (*f)(void), int mode, int reps){
  double best=1e30; for(int r=0;r<reps;r++){ double t0=now(); for(int b=0;b<20;b++){ if(f) f(); else step(mode);} double t=(now()-t0)/20; if(t<best)best=t;} return best; }
int main(int argc,char**argv){
  int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]); const char *an = argc>4?argv[4]:"relu";
  ovs_problem_alloc(&P,n,k,d); ovs_train_workspace_alloc(&W,n,k,d); ovs_problem_draw(&P,2019,0);
  const ovs_activation *act=ovs_activation_find(an); kind=act->vector_kernel;
  const double ladder[1]={1e-300}; const ovs_gd_opts o={.act=act,.eta=0.1,.kernel=OVS_KERNEL_SIMD};
  ovs_protocol proto={.max_iter=3,.tol=1e-300,.ladder=ladder,.n_ladder=1}; ovs_result res;
  ovs_train_run(&P,&o,&proto,&W,&res);
  for(int round=0;round<3;round++){
    double f=best_of(fwd,0,500), g=best_of(grd,0,500), s0=best_of(NULL,0,500), s1=best_of(NULL,1,500);
    /* the trainer itself: runs of 2001 less runs of 1 */
    double tr=1e30, t1=1e30; for(int r=0;r<5;r++){ proto.max_iter=1; double t0=now(); ovs_train_run(&P,&o,&proto,&W,&res); double a=now()-t0; if(a<t1)t1=a;
      proto.max_iter=2001; t0=now(); ovs_train_run(&P,&o,&proto,&W,&res); a=now()-t0; if(a<tr)tr=a; }
    printf("%d %d %d %s: fwd %.3f grad %.3f sum %.3f | step(no W update) %.3f step %.3f | trainer %.3f us\n", n,k,d,an, f*1e6,g*1e6,(f+g)*1e6,s0*1e6,s1*1e6,(tr-t1)/2000*1e6);
  }
  return acc == 1.2345;
}
