/* which vector operations share the FMA pipes (round 21 probe, not shipped): a loop of 8
 * independent FMA chains (4 cycles per iteration at 2 FMAs per cycle) plus 3 independent
 * operations of one kind per iteration (3 chains of 1 op each); ns per iteration. Check the
 * loops for spills (objdump): with more chains gcc spilled and the probe read nonsense.
 * gcc -O2 -mavx2 -mfma ports_round21.c -o ports */
#include <stdio.h>
#include <time.h>
#include <immintrin.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define ITERS 20000000L
#define F(x) x=_mm256_fmadd_pd(x,m,c);
#define RUN(name, OP) { \
  __m256d a0=_mm256_set1_pd(1.0),a1=_mm256_set1_pd(1.01),a2=_mm256_set1_pd(1.02),a3=_mm256_set1_pd(1.03),a4=_mm256_set1_pd(1.04),a5=_mm256_set1_pd(1.05), \
          a6=_mm256_set1_pd(1.06),a7=_mm256_set1_pd(1.07),a8=_mm256_set1_pd(1.08),a9=_mm256_set1_pd(1.09),a10=_mm256_set1_pd(1.10),a11=_mm256_set1_pd(1.11); \
  __m256d m=_mm256_set1_pd(0.999999),c=_mm256_set1_pd(1e-7), e0=_mm256_set1_pd(0.5), e1=_mm256_set1_pd(0.6), e2=_mm256_set1_pd(0.7), e3=_mm256_set1_pd(0.8), z=_mm256_setzero_pd(); \
  double t0=now(); \
  for(long i=0;i<ITERS;i++){ F(a0)F(a1)F(a2)F(a3)F(a4)F(a5)F(a6)F(a7) OP(e0) OP(e1) OP(e2) \
     __asm__ volatile("" : "+x"(e0), "+x"(e1), "+x"(e2), "+x"(e3), "+x"(m), "+x"(c), "+x"(z)); } \
  double t=now()-t0; __m256d s=_mm256_add_pd(_mm256_add_pd(_mm256_add_pd(a0,a1),_mm256_add_pd(a2,a3)),_mm256_add_pd(_mm256_add_pd(a4,a5),_mm256_add_pd(a6,a7))); \
   s=_mm256_add_pd(s,_mm256_add_pd(_mm256_add_pd(e0,e1),_mm256_add_pd(e2,e3))); \
  double o[4]; _mm256_storeu_pd(o,s); printf("%-12s %.3f ns/iter (%g)\n", name, t/ITERS*1e9, o[0]); }
#define NONE(e)
#define CMP(e) e=_mm256_cmp_pd(e,z,_CMP_NLT_UQ);
#define AND(e) e=_mm256_and_pd(e,m);
#define MUL(e) e=_mm256_mul_pd(e,m);
#define ADD(e) e=_mm256_add_pd(e,c);
#define MAX(e) e=_mm256_max_pd(z,e);
#define BLV(e) e=_mm256_blendv_pd(z,e,m);
#define PBLV(e) e=_mm256_castsi256_pd(_mm256_blendv_epi8(_mm256_castpd_si256(z),_mm256_castpd_si256(e),_mm256_castpd_si256(m)));
#define ANDOR(e) e=_mm256_or_pd(_mm256_and_pd(e,m),_mm256_andnot_pd(m,c));
#define SHL(e) e=_mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(e),1));
#define IADD(e) e=_mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(e),_mm256_castpd_si256(c)));
#define INS(e) e=_mm256_insertf128_pd(e,_mm256_castpd256_pd128(m),1);
int main(void){
  for (int r=0;r<2;r++){
  RUN("8 FMA", NONE) RUN("+3 cmp", CMP) RUN("+3 and", AND) RUN("+3 mul", MUL) RUN("+3 add", ADD) RUN("+3 max", MAX) RUN("+3 blendv", BLV) RUN("+3 pblendvb", PBLV) RUN("+3 and-andn-or", ANDOR) RUN("+3 psllq", SHL) RUN("+3 paddq", IADD) RUN("+3 vinsertf128", INS)
  }
}
