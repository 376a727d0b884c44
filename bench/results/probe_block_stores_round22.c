/* round 22 probe: 4x3 unit blocks, 12 stores per block against none; min of 15 interleaved runs */
#include <stdio.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
typedef double vd __attribute__((vector_size(32)));
static double X[80*12] __attribute__((aligned(64)));
static double W[4*64] __attribute__((aligned(64)));
static double OUT[12*4] __attribute__((aligned(64)));
#define F(NAME, DD, STORE) __attribute__((noinline)) void NAME(int blocks){ vd a[12]; \
  for(int b=0;b<blocks;b++){ for(int q=0;q<12;q++) a[q]=(vd){0}; const double *xb=X+(b&1)*12; \
    for(int l=0;l<DD;l++){ vd x0=*(vd*)(xb+l*12),x1=*(vd*)(xb+l*12+4),x2=*(vd*)(xb+l*12+8); \
      for(int u=0;u<4;u++){ double c=W[u*64+l]; a[u*3]+=c*x0; a[u*3+1]+=c*x1; a[u*3+2]+=c*x2; } } \
    for(int q=0;q<12;q++) { if (STORE) *(vd*)(OUT+q*4)=a[q]; else __asm__ volatile("" :: "x"(a[q])); } } }
F(s8,8,1) F(n8,8,0) F(s15,15,1) F(n15,15,0) F(s24,24,1) F(n24,24,0)
int main(void){
  for(int i=0;i<80*12;i++) X[i]=1e-3*(i%7); for(int i=0;i<4*64;i++) W[i]=1e-3*(i%5);
  double best[6]={1e9,1e9,1e9,1e9,1e9,1e9}; void (*fn[6])(int)={s8,n8,s15,n15,s24,n24}; int dd[6]={8,8,15,15,24,24};
  for(int rep=0;rep<15;rep++) for(int v=0;v<6;v++){ int blocks=3000000/dd[v]; double t0=now(); fn[v](blocks); double t=(now()-t0)/blocks*1e9; if(t<best[v]) best[v]=t; }
  for(int v=0;v<6;v+=2) printf("d %2d: ns per block, 12 stores %.2f, none %.2f: ratio %.3f; ideal at 6.33 G FMA/s %.2f\n", dd[v], best[v], best[v+1], best[v]/best[v+1], 12.0*dd[v]/6.33);
}
