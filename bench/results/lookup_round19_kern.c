/* one softplus array kernel, stages as forward.c's ovs_forward_softplus, lookup per VARIANT */
#include "simd.h"
#include "vmath_v.h"
#define LOAD(p) (*(const ovs_vd *)(p))
#define STORE(p, v) (*(ovs_vd *)(p) = (v))
static inline __attribute__((always_inline)) void exp_g(double *e, const double *z, int q0, const int nv) {
    ovs_vd zz[4], ee[4];
    for (int u = 0; u < nv; u++) zz[u] = LOAD(z + (long)(q0 + u) * OVS_NW);
    ovs_vsoftplus_exp(zz, ee, nv);
    for (int u = 0; u < nv; u++) STORE(e + (long)(q0 + u) * OVS_NW, ee[u]);
}
static inline __attribute__((always_inline)) void log_g(double *e, const double *z, double *p, int q0, const int nv) {
    ovs_vd zz[4], ee[4], ph[4], dp[4];
    for (int u = 0; u < nv; u++) { zz[u] = LOAD(z + (long)(q0 + u) * OVS_NW); ee[u] = LOAD(e + (long)(q0 + u) * OVS_NW); }
    ovs_vsoftplus_log(zz, ee, ph, dp, nv);
    for (int u = 0; u < nv; u++) { STORE(p + (long)(q0 + u) * OVS_NW, ph[u]); STORE(e + (long)(q0 + u) * OVS_NW, dp[u]); }
}
void NAME(const double *z, double *phi, double *dphi, int m) {
    for (int c0 = 0; c0 < m; c0 += 64 * OVS_NW) {
        const int nv = (m - c0 < 64 * OVS_NW ? m - c0 : 64 * OVS_NW) / OVS_NW;
        for (int q = 0; q + 4 <= nv; q += 4) exp_g(dphi + c0, z + c0, q, 4);
        for (int q = 0; q + 4 <= nv; q += 4) log_g(dphi + c0, z + c0, phi + c0, q, 4);
    }
}
