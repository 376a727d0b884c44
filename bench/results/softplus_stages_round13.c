/* softplus_stages_round13.c - docs/BENCHMARKS.md round 13's harness, kept as run: the softplus
 * kernel on 640 values in L1, groups of 4 vectors through ovs_vsoftplus_n (exp and log of a
 * group in one go, as before round 13) against the two stages (all exp, then all log) in
 * groups of 2, 4 and 8, and exp by 8 with log by 4. ns per element, best of 2000 x 20 calls.
 * Build from the repository root:
 *   gcc -O3 -ffp-contract=fast -std=c11 -D_POSIX_C_SOURCE=200809L -Wno-psabi -march=x86-64-v4 \
 *     -DOVS_BUILD_V4 -Iinclude bench/results/softplus_stages_round13.c -o /tmp/sp_stages -lm
 * Not part of the build or the tests. */
#include "simd.h"
#include "vmath.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define M 640
static double z[M] __attribute__((aligned(64))), phi[M] __attribute__((aligned(64))), dphi[M] __attribute__((aligned(64)));
#define L(p) (*(const ovs_vd*)(p))
#define S(p,v) (*(ovs_vd*)(p)=(v))
#define STAGE(G) __attribute__((noinline)) static void stage##G(void){ \
  for (int i=0;i<M;i+=G*OVS_NW){ ovs_vd zv[G],e[G]; for(int u=0;u<G;u++) zv[u]=L(z+i+u*OVS_NW); ovs_vsoftplus_exp(zv,e,G); for(int u=0;u<G;u++) S(dphi+i+u*OVS_NW,e[u]);} \
  for (int i=0;i<M;i+=G*OVS_NW){ ovs_vd zv[G],e[G],pv[G],dv[G]; for(int u=0;u<G;u++){ zv[u]=L(z+i+u*OVS_NW); e[u]=L(dphi+i+u*OVS_NW);} ovs_vsoftplus_log(zv,e,pv,dv,G); for(int u=0;u<G;u++){S(phi+i+u*OVS_NW,pv[u]);S(dphi+i+u*OVS_NW,dv[u]);}} }
STAGE(2) STAGE(4) STAGE(8)
__attribute__((noinline)) static void mixed(void){ /* exp by 8, log by 4 */
  for (int i=0;i<M;i+=8*OVS_NW){ ovs_vd zv[8],e[8]; for(int u=0;u<8;u++) zv[u]=L(z+i+u*OVS_NW); ovs_vsoftplus_exp(zv,e,8); for(int u=0;u<8;u++) S(dphi+i+u*OVS_NW,e[u]);}
  for (int i=0;i<M;i+=4*OVS_NW){ ovs_vd zv[4],e[4],pv[4],dv[4]; for(int u=0;u<4;u++){ zv[u]=L(z+i+u*OVS_NW); e[u]=L(dphi+i+u*OVS_NW);} ovs_vsoftplus_log(zv,e,pv,dv,4); for(int u=0;u<4;u++){S(phi+i+u*OVS_NW,pv[u]);S(dphi+i+u*OVS_NW,dv[u]);}} }
__attribute__((noinline)) static void base4(void){
  for (int i=0;i<M;i+=4*OVS_NW){ ovs_vd zv[4],pv[4],dv[4]; for(int u=0;u<4;u++) zv[u]=L(z+i+u*OVS_NW); ovs_vsoftplus_n(zv,pv,dv,4); for(int u=0;u<4;u++){S(phi+i+u*OVS_NW,pv[u]);S(dphi+i+u*OVS_NW,dv[u]);}}
}
static void bench(const char*name, void(*f)(void)){ double best=1e9; for(int r=0;r<2000;r++){double t=now(); for(int it=0;it<20;it++) f(); t=(now()-t)/(20.0*M); if(t<best)best=t;} printf("%s: %.3f ns/elem  ",name,best*1e9);}
int main(void){ for(int i=0;i<M;i++) z[i]=-30.0+60.0*(double)((i*2654435761u)%M)/M;
 for(int k=0;k<3;k++){ bench("base4",base4); bench("st2",stage2); bench("st4",stage4); bench("st8",stage8); bench("mixed",mixed); printf("\n");}
 return 0;}
