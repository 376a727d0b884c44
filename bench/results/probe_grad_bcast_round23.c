/* gb.c - probe: the gradient g = mt xt^T in its lane order (lane q sums the samples
 * i = q mod 8 in order of i, FMA chains from +0, then ((0+4)+(2+6))+((1+5)+(3+7))), two ways:
 *  shipped: ovs_smallmm_grad_lanes (vectors over the samples, lane sums in registers);
 *  bcast:   vectors over the inputs: for each lane class q, a 4 x 12 block (4 units, 12
 *           inputs in 3 AVX2 vectors) chains acc += m[u][i] (broadcast) * x[i][l..l+11] over
 *           i = q, q + 8, ... in order, reading x sample-major (n x d, its rows as given),
 *           then the 8 lane classes' sums are added in the tree, vector by vector.
 * The same FMA chains, element for element: the results must agree bit for bit.
 * Build: cc -O3 -march=x86-64-v3 -ffp-contract=fast -Iinclude gb.c build/smallmm*.o -lm */
#include "smallmm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef double v4 __attribute__((vector_size(32)));
#define LD(p) (*(const v4 *)(p))
#define LDU(p) ({ v4 _t; memcpy(&_t, (p), 32); _t; })
#define STU(p, v) do { v4 _t = (v); memcpy((p), &_t, 32); } while (0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* lanes: 8 classes x k x dp (dp = d rounded up to 12... to 4), zeroed by the caller */
static inline __attribute__((always_inline)) void block(const double *mt, int ldm,
                                                        const double *x, int d, int n, int u0,
                                                        int l0, const int R, const int C,
                                                        double *lanes, int k, int dp)
{
    for (int q = 0; q < 8; q++) {
        v4 a[4][3];
        for (int u = 0; u < R; u++)
            for (int c = 0; c < C; c++)
                a[u][c] = LD(lanes + ((long)q * k + u0 + u) * dp + l0 + 4 * c);
        for (int i = q; i < n; i += 8) {
            v4 xv[3];
            for (int c = 0; c < C; c++)
                xv[c] = LDU(x + (long)i * d + l0 + 4 * c);
            for (int u = 0; u < R; u++) {
                const double m = mt[(long)(u0 + u) * ldm + i];
                for (int c = 0; c < C; c++)
                    a[u][c] += m * xv[c];
            }
        }
        for (int u = 0; u < R; u++)
            for (int c = 0; c < C; c++)
                *(v4 *)(lanes + ((long)q * k + u0 + u) * dp + l0 + 4 * c) = a[u][c];
    }
}

/* d a multiple of 4 here (probe shapes); x rows padded by reading past: d % 4 == 0 needed */
static void grad_bcast(int k, int d, int n, int np, const double *mt, const double *x,
                       double *g, double *lanes, int chunk)
{
    const int dp = d;
    memset(lanes, 0, sizeof(double) * 8 * k * dp);
    for (int c0 = 0; c0 < n; c0 += chunk) {
        const int cn = n - c0 < chunk ? n - c0 : chunk; /* chunk % 8 == 0 */
        for (int l0 = 0; l0 < d; l0 += 12) {
            const int C = d - l0 >= 12 ? 3 : (d - l0) / 4;
            for (int u0 = 0; u0 < k; u0 += 4) {
                const int R = k - u0 >= 4 ? 4 : k - u0;
#define CASE(r, c) if (R == r && C == c) block(mt + c0, np, x + (long)c0 * d, d, cn, u0, l0, r, c, lanes, k, dp)
                CASE(4, 3); else CASE(4, 2); else CASE(4, 1); else CASE(3, 3); else CASE(3, 2);
                else CASE(3, 1); else CASE(2, 3); else CASE(2, 2); else CASE(2, 1);
                else CASE(1, 3); else CASE(1, 2); else CASE(1, 1);
            }
        }
    }
    (void)np;
    /* the tree, 4 elements at a time */
    const long s = (long)k * dp;
    for (long e = 0; e < s; e += 4) {
        const v4 l0 = LD(lanes + e), l1 = LD(lanes + s + e), l2 = LD(lanes + 2 * s + e),
                 l3 = LD(lanes + 3 * s + e), l4 = LD(lanes + 4 * s + e),
                 l5 = LD(lanes + 5 * s + e), l6 = LD(lanes + 6 * s + e),
                 l7 = LD(lanes + 7 * s + e);
        *(v4 *)(g + e) = ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
    }
}

static void *al(size_t b)
{
    void *p = aligned_alloc(64, (b + 63) / 64 * 64);
    memset(p, 0, b);
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return fprintf(stderr, "gb REPS CHUNK N K D...\n"), 2;
    const int reps = atoi(argv[1]), chunk = atoi(argv[2]);
    for (int a = 3; a + 2 < argc; a += 3) {
        const int n = atoi(argv[a]), k = atoi(argv[a + 1]), d = atoi(argv[a + 2]);
        const int np = (n + 7) / 8 * 8;
        double *mt = al(sizeof(double) * k * np), *xt = al(sizeof(double) * d * np),
               *x = al(sizeof(double) * (np + 1) * d), *g0 = al(sizeof(double) * k * d),
               *g1 = al(sizeof(double) * k * d), *lanes = al(sizeof(double) * 8 * k * d),
               *lanes0 = al(OVS_SMALLMM_LANES(k, d) * sizeof(double));
        uint64_t s = 12345;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                mt[(long)j * np + i] = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            }
            for (int l = 0; l < d; l++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                x[(long)i * d + l] = xt[(long)l * np + i] =
                    (double)(s >> 11) / 9007199254740992.0 - 0.5;
            }
        }
        double best0 = 1e30, best1 = 1e30;
        for (int r = 0; r < reps; r++) {
            double t = now();
            ovs_smallmm_grad_lanes(k, d, np, mt, xt, g0, lanes0);
            t = now() - t;
            best0 = t < best0 ? t : best0;
            t = now();
            grad_bcast(k, d, n, np, mt, x, g1, lanes, chunk);
            t = now() - t;
            best1 = t < best1 ? t : best1;
        }
        const int same = memcmp(g0, g1, sizeof(double) * k * d) == 0;
        const double fl = 2.0 * n * k * d;
        printf("%5d %4d %4d chunk %4d  shipped %9.2f us %5.1f GF/s  bcast %9.2f us %5.1f GF/s  "
               "ratio %.3f  %s\n",
               n, k, d, chunk, best0 * 1e6, fl / best0 * 1e-9, best1 * 1e6, fl / best1 * 1e-9,
               best1 / best0, same ? "same bits" : "BITS DIFFER");
        free(mt), free(xt), free(x), free(g0), free(g1), free(lanes), free(lanes0);
    }
    return 0;
}
