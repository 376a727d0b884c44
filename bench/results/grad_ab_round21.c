/* gradient A/B (round 21, not shipped): two builds of src/smallmm.c's AVX2 ovs_smallmm_grad_lanes, their
 * symbols renamed A_... and B_... (objcopy --redefine-sym on each defined symbol of an object built
 * like build/smallmm_v3.o: -O2 -g -O3 -ffp-contract=fast -DOVS_BUILD_V3 -march=x86-64-v3), called
 * alternately: per round the best of 3 batches of each, B/A per round; prints the best times,
 * the median ratio with its 10th and 90th percentiles, and whether the two gave the same bits.
 * Usage: grad_ab ROUNDS N K D [N K D]... */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void A_ovs_smallmm_grad_lanes_v3(int k, int d, int np, const double *mt, const double *xt, double *g, double *lanes);
void B_ovs_smallmm_grad_lanes_v3(int k, int d, int np, const double *mt, const double *xt, double *g, double *lanes);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static int cmpd(const void*a,const void*b){double x=*(const double*)a,y=*(const double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  int rounds=atoi(argv[1]);
  for(int c=2;c+2<argc;c+=3){
    int n=atoi(argv[c]),k=atoi(argv[c+1]),d=atoi(argv[c+2]); int np=(n+7)/8*8;
    double *mt=aligned_alloc(64,8*(size_t)k*np+64),*xt=aligned_alloc(64,8*(size_t)d*np+64),*ga=aligned_alloc(64,8*(size_t)k*d+64),*gb=aligned_alloc(64,8*(size_t)k*d+64),*lanes=aligned_alloc(64,64*(size_t)k*d+64);
    srand(1); for(size_t i=0;i<(size_t)k*np;i++)mt[i]=rand()/(double)RAND_MAX-0.5; for(size_t i=0;i<(size_t)d*np;i++)xt[i]=rand()/(double)RAND_MAX-0.5;
    double *L = (np>=8*d)?lanes:NULL;
    A_ovs_smallmm_grad_lanes_v3(k,d,np,mt,xt,ga,L); B_ovs_smallmm_grad_lanes_v3(k,d,np,mt,xt,gb,L);
    int same = memcmp(ga,gb,8*(size_t)k*d)==0;
    int calls = (int)(2e6/((double)np*k*d)); if(calls<5)calls=5;
    double ta=1e30,tb=1e30,*rat=malloc(sizeof(double)*rounds);
    for(int r=0;r<rounds;r++){
      double a=1e30,b=1e30;
      for(int rep=0;rep<3;rep++){
        double t0=now(); for(int i=0;i<calls;i++)A_ovs_smallmm_grad_lanes_v3(k,d,np,mt,xt,ga,L); double t=(now()-t0)/calls; if(t<a)a=t;
        t0=now(); for(int i=0;i<calls;i++)B_ovs_smallmm_grad_lanes_v3(k,d,np,mt,xt,gb,L); t=(now()-t0)/calls; if(t<b)b=t;
      }
      rat[r]=b/a; if(a<ta)ta=a; if(b<tb)tb=b;
    }
    qsort(rat,rounds,sizeof*rat,cmpd);
    printf("%5d %3d %3d  A %8.3f us  B %8.3f us  B/A best %.3f  median %.3f [%.3f %.3f]  GF/s A %.1f B %.1f %s\n",n,k,d,ta*1e6,tb*1e6,tb/ta,rat[rounds/2],rat[rounds/10],rat[rounds*9/10],2.0*n*k*d/ta*1e-9,2.0*n*k*d/tb*1e-9,same?"same":"DIFFER");
    free(mt);free(xt);free(ga);free(gb);free(lanes);free(rat);
  }
}
