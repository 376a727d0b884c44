/* linalg.h - BLAS/LAPACK (OpenBLAS) behind plain C calls: the two matrix products of a GD
 * step (CBLAS), minimum-norm least squares (dgelsd, for rf), symmetric eigenvalues
 * (dsyevd, for the diagnostics) and the top eigenpair of a tridiagonal matrix (dstebz, dstein,
 * for --eta auto's Lanczos).
 *
 * Pure; the only module that includes cblas.h or declares LAPACK. Matrices are row-major. */
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
/* The CPU kernels OpenBLAS picked at run time ("Haswell", "SkylakeX", "Zen": a DYNAMIC_ARCH
 * build picks per CPU, and each kernel sums its products in its own order). */
const char *ovs_linalg_core(void);

/* Minimum-norm least squares through LAPACK dgelsd (SVD by divide and conquer):
 * x (n) = the minimiser of ||A x - b|| of least ||x||, A m x n row-major, b (m). A and b are
 * not modified (the column-major copies LAPACK overwrites are made inside). Singular values
 * below max(m, n) * DBL_EPSILON * sigma_max count as zero (numpy's lstsq default): the
 * rounding errors of computing A's entries already perturb its singular values by about
 * sqrt(min(m, n)) eps sigma_max, so smaller ones carry no information, and inverting them
 * would only blow up ||x||. *rank gets the effective rank (not NULL).
 * Returns OVS_OK, OVS_EINVAL (m or n < 1, LAPACK rejecting an argument) or OVS_ENOMEM.
 * A non-finite entry in A or b, or an SVD that does not converge, is not an error: x is
 * filled with NaN and *rank = -1, so callers see the failure as a non-finite result. */
int ovs_linalg_lstsq_min_norm(int m, int n, const double *a, const double *b, double *x,
                              int *rank);
/* Eigen-decomposition of the symmetric n x n matrix a (row-major, both triangles filled; it is
 * overwritten) by LAPACK's divide-and-conquer dsyevd. eigvals (n) receives the eigenvalues in
 * ascending order. If vectors is non-zero, row i of a is then the unit eigenvector of
 * eigvals[i]; otherwise a's contents are unspecified. Returns OVS_OK, OVS_EINVAL (n < 1 or
 * LAPACK failure) or OVS_ENOMEM (its workspace). */
int ovs_linalg_sym_eig(int n, double *a, double *eigvals, int vectors);
/* The largest eigenvalue of the symmetric m x m tridiagonal matrix with diagonal diag (m) and
 * off-diagonal off (m - 1), to full accuracy by LAPACK's bisection (dstebz), in *top,
 * and its unit eigenvector by inverse iteration (dstein) in vec (m). Returns OVS_OK, OVS_EINVAL
 * (m < 1 or LAPACK failure) or OVS_ENOMEM. */
int ovs_linalg_tridiag_top(int m, const double *diag, const double *off, double *top,
                           double *vec);

#endif
