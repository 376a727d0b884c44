/* call_spread_round15.c - docs/BENCHMARKS.md round 15: per-call TSC cycles of the fused forward pass and the gradient at one cell, alone and interleaved with a burst of FMAs (call_spread_probe_round15.c, built with -mavx512f -mfma). Build as update_loop_round14.c, plus that object and -mavx512f; run: PROBE=R ./a.out N K D ACT CALLS. */
/* per-update time distribution in a long loop vs best-of-batch kernels */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "smallmm.h"
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
static ovs_problem P; static ovs_train_workspace W; static int kind; static double acc;
static void fwd(void){ ovs_forward_fused(kind, P.n, P.k, P.d, W.np, W.w, W.xt, 0, P.v, W.yp, W.zt, W.scratch, W.r); }
static void grd(void){ ovs_smallmm_grad_lanes(P.k, P.d, W.np, W.zt, W.xt, W.g, (size_t)W.np >= 8 * (size_t)P.d ? W.phi : NULL); }
static void step(void){
  fwd(); double rn = sqrt(ovs_smallmm_sum_squares(W.r, P.n));
  grd(); double gn = sqrt(ovs_smallmm_sum_squares(W.g, P.k * P.d));
  int kd = P.k * P.d; for (int i = 0; i < kd; i++) W.w[i] -= 1e-9 * W.g[i];
  acc += rn + gn;
}
#include <immintrin.h>
__m512d probe_run(int reps, __m512d s);
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  int n=atoi(argv[1]),k=atoi(argv[2]),d=atoi(argv[3]); const char *an = argc>4?argv[4]:"relu";
  int N = argc>5?atoi(argv[5]):20000;
  ovs_problem_alloc(&P,n,k,d); ovs_train_workspace_alloc(&W,n,k,d); ovs_problem_draw(&P,2019,0);
  const ovs_activation *act=ovs_activation_find(an); kind=act->vector_kernel;
  const double ladder[1]={1e-300}; const ovs_gd_opts o={.act=act,.eta=0.1,.kernel=OVS_KERNEL_SIMD};
  ovs_protocol proto={.max_iter=3,.tol=1e-300,.ladder=ladder,.n_ladder=1}; ovs_result res;
  ovs_train_run(&P,&o,&proto,&W,&res);
  double *t = malloc(sizeof(double)*N);
  for (int rep=0; rep<3; rep++){
    unsigned long long c0=__rdtsc();
    for (int i=0;i<N;i++){ unsigned long long a=__rdtsc(); step(); unsigned long long b=__rdtsc(); t[i]=(double)(b-a);}
    unsigned long long c1=__rdtsc();
    double mean=(double)(c1-c0)/N;
    qsort(t,N,sizeof(double),cmp);
    /* fwd only, grad only: per-call distribution */
    printf("%d %d %d %s step cycles(tsc): min %.0f p10 %.0f p50 %.0f p90 %.0f p99 %.0f mean %.0f\n",n,k,d,an,t[0],t[N/10],t[N/2],t[N*9/10],t[N*99/100],mean);
    for (int i=0;i<N;i++){ unsigned long long a=__rdtsc(); fwd(); unsigned long long b=__rdtsc(); t[i]=(double)(b-a);}
    qsort(t,N,sizeof(double),cmp);
    printf("   fwd alone: min %.0f p10 %.0f p50 %.0f p90 %.0f\n",t[0],t[N/10],t[N/2],t[N*9/10]);
    for (int i=0;i<N;i++){ unsigned long long a=__rdtsc(); grd(); unsigned long long b=__rdtsc(); t[i]=(double)(b-a);}
    qsort(t,N,sizeof(double),cmp);
    printf("   grad alone: min %.0f p10 %.0f p50 %.0f p90 %.0f\n",t[0],t[N/10],t[N/2],t[N*9/10]);
  }

  {
    double *pf=malloc(sizeof(double)*N), *pg=malloc(sizeof(double)*N), *pp=malloc(sizeof(double)*N), *rf=malloc(sizeof(double)*N), *rg=malloc(sizeof(double)*N);
    __m512d s=_mm512_set1_pd(1e-9), pa=_mm512_setzero_pd();
    int reps=atoi(getenv("PROBE")?getenv("PROBE"):"500");
    for(int i=0;i<N;i++){
      unsigned long long a=__rdtsc(); pa=_mm512_add_pd(pa,probe_run(reps,s)); unsigned long long b=__rdtsc();
      fwd(); unsigned long long c=__rdtsc(); grd(); unsigned long long e=__rdtsc();
      pp[i]=b-a; pf[i]=c-b; pg[i]=e-c; rf[i]=pf[i]/pp[i]; rg[i]=pg[i]/pp[i];
    }
    qsort(pp,N,sizeof(double),cmp);qsort(pf,N,sizeof(double),cmp);qsort(pg,N,sizeof(double),cmp);qsort(rf,N,sizeof(double),cmp);qsort(rg,N,sizeof(double),cmp);
    printf("interleaved: probe(%d FMAs) min %.0f p50 %.0f p90 %.0f | fwd min %.0f p50 %.0f p90 %.0f | grad min %.0f p50 %.0f p90 %.0f\n",reps*16,pp[0],pp[N/2],pp[N*9/10],pf[0],pf[N/2],pf[N*9/10],pg[0],pg[N/2],pg[N*9/10]);
    double fl=2.0*n*k*d/16.0/(reps*16.0); /* kernel FMA-vector count / probe FMA count */
    printf("  fwd/probe p10 %.3f p50 %.3f p90 %.3f -> fwd at %.2f of peak (p50); grad/probe p10 %.3f p50 %.3f p90 %.3f -> %.2f of peak\n",rf[N/10],rf[N/2],rf[N*9/10],fl/rf[N/2],rg[N/10],rg[N/2],rg[N*9/10],fl/rg[N/2]);
    double o[8]; _mm512_storeu_pd(o,pa); acc+=o[0];
  }
  return acc==1.2345;
}
