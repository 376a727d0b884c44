/* linalg.h - the two matrix products of a GD step, through CBLAS (OpenBLAS).
 *
 * Pure; the only module that includes cblas.h. All matrices are row-major. */
#ifndef OVS_LINALG_H
#define OVS_LINALG_H

/* zt (k x np) = w (k x d) * xt (d x np): the pre-activations w_j . x_i, samples along rows. */
void ovs_linalg_preact(int k, int d, int np, const double *w, const double *xt, double *zt);

/* g (k x d) = mt (k x np) * xt^T (xt: d x np): the weight gradient from the per-unit,
 * per-sample factors mt. */
void ovs_linalg_grad(int k, int d, int np, const double *mt, const double *xt, double *g);

/* Make BLAS single-threaded in this process (one rank = one core). */
void ovs_linalg_single_thread(void);

/* OpenBLAS's configuration string (version, kernel), for provenance. */
const char *ovs_linalg_config(void);

/* Eigen-decomposition of the symmetric n x n matrix a (row-major, both triangles filled; it is
 * overwritten) by LAPACK's divide-and-conquer dsyevd. eigvals (n) receives the eigenvalues in
 * ascending order. If vectors is non-zero, row i of a is then the unit eigenvector of
 * eigvals[i]; otherwise a's contents are unspecified. Returns OVS_OK, OVS_EINVAL (n < 1 or
 * LAPACK failure) or OVS_ENOMEM (its workspace). */
int ovs_linalg_sym_eig(int n, double *a, double *eigvals, int vectors);

#endif
