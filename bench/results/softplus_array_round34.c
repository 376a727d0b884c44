/* softplus_array_round34.c - the activation table's softplus eval (act->eval) against forward.c's
 * ovs_forward_softplus, ns per element, best of 50 calls on 76800 values, and whether their bits agree
 * (docs/BENCHMARKS.md round 34). Build after make all: cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude
 * bench/results/softplus_array_round34.c $(for m in $(make -s print-pure); do echo build/$m.o; done)
 * build/*_v3.o build/*_v4.o $(pkg-config --libs openblas) -lm -o /tmp/spbench */
#include "activation.h"
#include "forward.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(void){
  const int m=76800; double *z=aligned_alloc(64,8*m),*p=aligned_alloc(64,8*m),*d=aligned_alloc(64,8*m),*p2=aligned_alloc(64,8*m),*d2=aligned_alloc(64,8*m);
  for(int i=0;i<m;i++) z[i]=((i*7919)%2001-1000)/300.0;
  const ovs_activation *a=ovs_activation_find("softplus");
  for(int rep=0;rep<3;rep++){
  double best1=1e9,best2=1e9;
  for(int r=0;r<50;r++){double t=now(); a->eval(z,p,d,m); t=now()-t; if(t<best1)best1=t;
     t=now(); ovs_forward_softplus(z,p2,d2,m); t=now()-t; if(t<best2)best2=t;}
  int same=1; for(int i=0;i<m;i++) if(p[i]!=p2[i]||d[i]!=d2[i]) same=0;
  printf("act->eval %.3f ns/elem, ovs_forward_softplus %.3f ns/elem, same bits %d\n",best1/m*1e9,best2/m*1e9,same);}
  return 0;}
