#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void sp_A(const double*, double*, double*, int);
void sp_P(const double*, double*, double*, int);
void sp_G(const double*, double*, double*, int);
typedef void (*fn)(const double*, double*, double*, int);
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
enum { M = 4096 };
static double z[M] __attribute__((aligned(64))), p[3][M] __attribute__((aligned(64))), d[3][M] __attribute__((aligned(64)));
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
    int rounds=argc>1?atoi(argv[1]):2000;
    for(int i=0;i<M;i++) z[i]=-8.0+16.0*(double)((i*2654435761u)%M)/M;
    fn f[3]={sp_A,sp_P,sp_G};
    for(int v=0;v<3;v++) f[v](z,p[v],d[v],M);
    for(int v=1;v<3;v++) if(memcmp(p[0],p[v],sizeof p[0])||memcmp(d[0],d[v],sizeof d[0])) {printf("variant %d differs\n",v);return 1;}
    double *t=malloc(sizeof(double)*3*rounds), *r=malloc(sizeof(double)*2*rounds);
    for(int k=0;k<rounds;k++){
        for(int s=0;s<3;s++){int v=(k+s)%3; double t0=now(); for(int it=0;it<5;it++) f[v](z,p[v],d[v],M); t[v*rounds+k]=(now()-t0)/(5.0*M)*1e9;}
        r[k]=t[1*rounds+k]/t[k]; r[rounds+k]=t[2*rounds+k]/t[k];
    }
    /* split rounds by A's time: fast state below the median of A */
    const char*nm[3]={"lane","perm","gather"};
    for(int v=0;v<3;v++){double*x=t+v*rounds;qsort(x,rounds,sizeof*x,cmp);printf("%-6s ns/elem p10 %.3f p50 %.3f p90 %.3f\n",nm[v],x[rounds/10],x[rounds/2],x[9*rounds/10]);}
    for(int v=0;v<2;v++){double*x=r+v*rounds;qsort(x,rounds,sizeof*x,cmp);printf("%s/lane paired p10 %.3f p50 %.3f p90 %.3f\n",nm[v+1],x[rounds/10],x[rounds/2],x[9*rounds/10]);}
    return 0;
}
