/* round 22 probe: the forward pass's 4 x 3 block loop over l as gcc builds it in relu_d15
 * (3 register copies and 2 address operations more per step: 27 instructions per 12 FMAs) and
 * as written out in asm (22), blocks of d = D steps with 12 stores each; min of 15 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double X[64*12] __attribute__((aligned(64)));
static double W[4*64] __attribute__((aligned(64)));
static double OUT[12*4*2] __attribute__((aligned(64)));
#define ZERO "vxorpd %%xmm0,%%xmm0,%%xmm0\n\t" "vxorpd %%xmm1,%%xmm1,%%xmm1\n\t" "vxorpd %%xmm2,%%xmm2,%%xmm2\n\t" "vxorpd %%xmm3,%%xmm3,%%xmm3\n\t" \
  "vxorpd %%xmm4,%%xmm4,%%xmm4\n\t" "vxorpd %%xmm5,%%xmm5,%%xmm5\n\t" "vxorpd %%xmm6,%%xmm6,%%xmm6\n\t" "vxorpd %%xmm7,%%xmm7,%%xmm7\n\t" \
  "vxorpd %%xmm8,%%xmm8,%%xmm8\n\t" "vxorpd %%xmm9,%%xmm9,%%xmm9\n\t" "vxorpd %%xmm10,%%xmm10,%%xmm10\n\t" "vxorpd %%xmm11,%%xmm11,%%xmm11\n\t"
#define STOREALL "vmovapd %%ymm0,(%[o])\n\t vmovapd %%ymm1,32(%[o])\n\t vmovapd %%ymm2,64(%[o])\n\t vmovapd %%ymm3,96(%[o])\n\t" \
  "vmovapd %%ymm4,128(%[o])\n\t vmovapd %%ymm5,160(%[o])\n\t vmovapd %%ymm6,192(%[o])\n\t vmovapd %%ymm7,224(%[o])\n\t" \
  "vmovapd %%ymm8,256(%[o])\n\t vmovapd %%ymm9,288(%[o])\n\t vmovapd %%ymm10,320(%[o])\n\t vmovapd %%ymm11,352(%[o])\n\t"
#define FMA3(b, a0, a1, a2) "vfmadd231pd %%ymm12,%%ymm" #b ",%%ymm" #a0 "\n\t vfmadd231pd %%ymm13,%%ymm" #b ",%%ymm" #a1 "\n\t vfmadd231pd %%ymm14,%%ymm" #b ",%%ymm" #a2 "\n\t"
#define BODY_CLEAN "vmovupd (%[px]),%%ymm12\n\t vmovupd 32(%[px]),%%ymm13\n\t vmovupd 64(%[px]),%%ymm14\n\t" \
  "vbroadcastsd (%[pw]),%%ymm15\n\t" FMA3(15,0,1,2) "vbroadcastsd (%[pw],%[lw]),%%ymm15\n\t" FMA3(15,3,4,5) \
  "vbroadcastsd (%[pw],%[lw],2),%%ymm15\n\t" FMA3(15,6,7,8) "vbroadcastsd (%[pw],%[lw3]),%%ymm15\n\t" FMA3(15,9,10,11) \
  "add $96,%[px]\n\t add $8,%[pw]\n\t"
#define EXTRA "vmovapd %%ymm15,%%ymm15\n\t vmovapd %%ymm14,%%ymm14\n\t vmovapd %%ymm13,%%ymm13\n\t mov %[pw],%[t]\n\t sub %[lw],%[t]\n\t"
#define RUNNER(NAME, BODY) __attribute__((noinline)) void NAME(int blocks, int D){ \
  for(int b=0;b<blocks;b++){ const char *px=(const char*)(X+(b&1)*12), *pw=(const char*)W; const char *end=pw+8*D; long t=0; \
    __asm__ volatile(ZERO "1:\n\t" BODY "cmp %[pw],%[end]\n\t jne 1b\n\t" STOREALL \
      : [px]"+r"(px), [pw]"+r"(pw), [t]"+r"(t) : [lw]"r"(512L), [lw3]"r"(1536L), [end]"r"(end), [o]"r"(OUT+(b&1)*48) \
      : "memory","xmm0","xmm1","xmm2","xmm3","xmm4","xmm5","xmm6","xmm7","xmm8","xmm9","xmm10","xmm11","xmm12","xmm13","xmm14","xmm15"); } }
RUNNER(clean, BODY_CLEAN)
RUNNER(extra, EXTRA BODY_CLEAN)
int main(void){
  for(int i=0;i<64*12;i++) X[i]=1e-3*(i%7); for(int i=0;i<4*64;i++) W[i]=1e-3*(i%5);
  for(int D=8; D<=24; D+=8){
    double bc=1e9,be=1e9; int blocks=3000000/D;
    for(int t=0;t<15;t++){ double t0=now(); clean(blocks,D); double tc=(now()-t0)/blocks; if(tc<bc)bc=tc; t0=now(); extra(blocks,D); double te=(now()-t0)/blocks; if(te<be)be=te; }
    printf("d %2d: ns per block: 22 instructions per step %.2f, 27 %.2f (ratio %.3f); ideal at 6.33 G FMA/s %.2f\n", D, bc*1e9, be*1e9, be/bc, 12.0*D/6.33);
  }
}
