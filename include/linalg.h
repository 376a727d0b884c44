/* linalg.h - the two matrix products of a GD step, through CBLAS (OpenBLAS).
 *
 * Pure; the only module that includes cblas.h. All matrices are row-major. */
#ifndef OVS_LINALG_H
#define OVS_LINALG_H

/* z (n x k) = x (n x d) * w^T (w: k x d): the pre-activations W x_i of every sample. */
void ovs_linalg_preact(int n, int k, int d, const double *x, const double *w, double *z);

/* g (k x d) = m^T (m: n x k) * x (n x d): the weight gradient given the per-sample,
 * per-unit factors m. */
void ovs_linalg_grad(int n, int k, int d, const double *m, const double *x, double *g);

/* Make BLAS single-threaded in this process (one rank = one core). */
void ovs_linalg_single_thread(void);

/* OpenBLAS's configuration string (version, kernel), for provenance. */
const char *ovs_linalg_config(void);

#endif
