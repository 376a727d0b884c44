#include <immintrin.h>
__attribute__((noinline)) __m512d probe_run(int reps, __m512d s){
  __m512d a0=_mm512_set1_pd(0e-3);__m512d a1=_mm512_set1_pd(1e-3);__m512d a2=_mm512_set1_pd(2e-3);__m512d a3=_mm512_set1_pd(3e-3);__m512d a4=_mm512_set1_pd(4e-3);__m512d a5=_mm512_set1_pd(5e-3);__m512d a6=_mm512_set1_pd(6e-3);__m512d a7=_mm512_set1_pd(7e-3);__m512d a8=_mm512_set1_pd(8e-3);__m512d a9=_mm512_set1_pd(9e-3);__m512d a10=_mm512_set1_pd(10e-3);__m512d a11=_mm512_set1_pd(11e-3);__m512d a12=_mm512_set1_pd(12e-3);__m512d a13=_mm512_set1_pd(13e-3);__m512d a14=_mm512_set1_pd(14e-3);__m512d a15=_mm512_set1_pd(15e-3);
  const __m512d m=_mm512_set1_pd(0.999999);
  for(int r=0;r<reps;r++){ a0=_mm512_fmadd_pd(a0,m,s);a1=_mm512_fmadd_pd(a1,m,s);a2=_mm512_fmadd_pd(a2,m,s);a3=_mm512_fmadd_pd(a3,m,s);a4=_mm512_fmadd_pd(a4,m,s);a5=_mm512_fmadd_pd(a5,m,s);a6=_mm512_fmadd_pd(a6,m,s);a7=_mm512_fmadd_pd(a7,m,s);a8=_mm512_fmadd_pd(a8,m,s);a9=_mm512_fmadd_pd(a9,m,s);a10=_mm512_fmadd_pd(a10,m,s);a11=_mm512_fmadd_pd(a11,m,s);a12=_mm512_fmadd_pd(a12,m,s);a13=_mm512_fmadd_pd(a13,m,s);a14=_mm512_fmadd_pd(a14,m,s);a15=_mm512_fmadd_pd(a15,m,s); }
  return a0+a1+a2+a3+a4+a5+a6+a7+a8+a9+a10+a11+a12+a13+a14+a15;
}
