/* linalg.c - CBLAS wrappers for the GD step and LAPACK wrappers (least squares, symmetric
 * eigenvalues) for rf and the diagnostics; see linalg.h. */
#include "linalg.h"

#include "status.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

void ovs_linalg_preact(int k, int d, int np, const double *w, const double *xt, double *zt)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, np, d, /* zt = w xt */
                1.0, w, d, /* w: k x d */
                xt, np,    /* xt: d x np */
                0.0, zt, np /* zt: k x np */);
}

void ovs_linalg_grad(int k, int d, int np, const double *mt, const double *xt, double *g)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, d, np, /* g = mt xt^T */
                1.0, mt, np, /* mt: k x np */
                xt, np,      /* xt: d x np, used transposed */
                0.0, g, d    /* g: k x d */);
}
void ovs_linalg_single_thread(void)
{
    openblas_set_num_threads(1);
}

const char *ovs_linalg_config(void)
{
    return openblas_get_config();
}

const char *ovs_linalg_core(void)
{
    return openblas_get_corename();
}

/* ---- minimum-norm least squares (LAPACK dgelsd) ----
 * OpenBLAS exports the Fortran LAPACK symbols but Debian ships no lapacke.h, so the Fortran
 * prototype is declared here: every argument by reference, matrices column-major, LP64
 * integers (libopenblas, not libopenblas64), no character arguments (so no hidden lengths). */
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);

static void fill_nan(double *x, int n, int *rank)
{
    for (int j = 0; j < n; j++)
        x[j] = NAN;
    *rank = -1;
}

int ovs_linalg_lstsq_min_norm(int m, int n, const double *a, const double *b, double *x,
                              int *rank)
{
    if (m < 1 || n < 1)
        return OVS_EINVAL;
    const size_t mn = (size_t)m * (size_t)n;
    for (size_t i = 0; i < mn; i++)
        if (!isfinite(a[i])) {
            fill_nan(x, n, rank);
            return OVS_OK;
        }
    for (int i = 0; i < m; i++)
        if (!isfinite(b[i])) {
            fill_nan(x, n, rank);
            return OVS_OK;
        }
    const int one = 1, ldb = m > n ? m : n, minmn = m < n ? m : n;
    const double rcond = (double)ldb * DBL_EPSILON;
    /* Integer workspace: LAPACK's documented minimum 3 minmn nlvl + 11 minmn with
     * nlvl = max(0, floor(log2(minmn / (smlsiz + 1))) + 1) and smlsiz = 25 (ILAENV's value);
     * the query below reports it too, and the larger of the two is used. */
    int nlvl = (int)floor(log2((double)minmn / 26.0)) + 1;
    nlvl = nlvl > 0 ? nlvl : 0;
    int liwork = 3 * minmn * nlvl + 11 * minmn;
    liwork = liwork > 1 ? liwork : 1;

    double *acm = malloc(sizeof(double) * mn);
    double *bcm = malloc(sizeof(double) * (size_t)ldb);
    double *s = malloc(sizeof(double) * (size_t)minmn);
    double *work = NULL;
    int *iwork = NULL, info = 0, lwork = -1, iwork_query = 0;
    double work_query = 0.0;
    if (!acm || !bcm || !s) {
        info = -1000;
        goto out;
    }
    for (int i = 0; i < m; i++) /* row-major m x n into column-major, lda = m */
        for (int j = 0; j < n; j++)
            acm[(size_t)j * (size_t)m + (size_t)i] = a[(size_t)i * (size_t)n + (size_t)j];
    for (int i = 0; i < ldb; i++)
        bcm[i] = i < m ? b[i] : 0.0; /* b needs max(m, n) rows: x comes back in it */

    /* Workspace query (lwork = -1): the optimal lwork in work[0], the minimum liwork in
     * iwork[0]; nothing else is touched. */
    dgelsd_(&m, &n, &one, acm, &m, bcm, &ldb, s, &rcond, rank, &work_query, &lwork,
            &iwork_query, &info);
    if (info != 0)
        goto out;
    lwork = (int)work_query;
    lwork = lwork > 1 ? lwork : 1;
    liwork = iwork_query > liwork ? iwork_query : liwork;
    work = malloc(sizeof(double) * (size_t)lwork);
    iwork = malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) {
        info = -1000;
        goto out;
    }
    dgelsd_(&m, &n, &one, acm, &m, bcm, &ldb, s, &rcond, rank, work, &lwork, iwork, &info);
    if (info == 0)
        for (int j = 0; j < n; j++)
            x[j] = bcm[j];
out:
    free(acm);
    free(bcm);
    free(s);
    free(work);
    free(iwork);
    if (info == -1000)
        return OVS_ENOMEM;
    if (info < 0)
        return OVS_EINVAL;
    if (info > 0) /* the SVD did not converge */
        fill_nan(x, n, rank);
    return OVS_OK;
}

/* LAPACK's symmetric eigensolver, from OpenBLAS (no lapacke.h on Debian): the Fortran
 * interface, everything by reference, plus gfortran's hidden lengths (size_t since gfortran 8)
 * of the two character arguments. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork,
             int *info, size_t jobz_len, size_t uplo_len);

int ovs_linalg_sym_eig(int n, double *a, double *eigvals, int vectors)
{
    if (n < 1 || !a || !eigvals)
        return OVS_EINVAL;
    /* A symmetric row-major matrix is its own column-major transpose, so LAPACK's column-major
     * eigenvectors (columns) are rows in our layout. */
    const char jobz = vectors ? 'V' : 'N', uplo = 'L';
    int lwork = -1, liwork = -1, info = 0, iwork_query = 0;
    double work_query = 0.0;
    dsyevd_(&jobz, &uplo, &n, a, &n, eigvals, &work_query, &lwork, &iwork_query, &liwork, &info,
            1, 1); /* workspace query */
    if (info != 0)
        return OVS_EINVAL;
    lwork = (int)work_query;
    liwork = iwork_query;
    double *work = malloc(sizeof(double) * (size_t)(lwork > 1 ? lwork : 1));
    int *iwork = malloc(sizeof(int) * (size_t)(liwork > 1 ? liwork : 1));
    if (work && iwork)
        dsyevd_(&jobz, &uplo, &n, a, &n, eigvals, work, &lwork, iwork, &liwork, &info, 1, 1);
    int rc = !work || !iwork ? OVS_ENOMEM : info != 0 ? OVS_EINVAL : OVS_OK;
    free(work);
    free(iwork);
    return rc;
}

/* LAPACK's tridiagonal bisection (dstebz) and inverse iteration (dstein), by reference as
 * above; dstebz has two character arguments. */
void dstebz_(const char *range, const char *order, const int *n, const double *vl,
             const double *vu, const int *il, const int *iu, const double *abstol,
             const double *d, const double *e, int *m, int *nsplit, double *w, int *iblock,
             int *isplit, double *work, int *iwork, int *info, size_t range_len,
             size_t order_len);
void dstein_(const int *n, const double *d, const double *e, const int *m, const double *w,
             const int *iblock, const int *isplit, double *z, const int *ldz, double *work,
             int *iwork, int *ifail, int *info);

int ovs_linalg_tridiag_top(int m, const double *diag, const double *off, double *top,
                           double *vec)
{
    if (m < 1 || !diag || !off || !top || !vec)
        return OVS_EINVAL;
    /* Bisection to full accuracy (2 * the smallest normal number, as dstein's documentation
     * asks for), then one eigenvector by inverse iteration: O(m) each. */
    const char range = 'I', order = 'B';
    const double none = 0.0, abstol = 2 * DBL_MIN;
    int found = 0, nsplit = 0, info = 0, ifail = 0, one = 1;
    double *work = malloc(sizeof(double) * 5 * (size_t)m);
    int *iwork = malloc(sizeof(int) * 3 * (size_t)m), *iblock = malloc(sizeof(int) * (size_t)m),
        *isplit = malloc(sizeof(int) * (size_t)m);
    double *w = malloc(sizeof(double) * (size_t)m);
    int rc = work && iwork && iblock && isplit && w ? OVS_OK : OVS_ENOMEM;
    if (rc == OVS_OK)
        dstebz_(&range, &order, &m, &none, &none, &m, &m, &abstol, diag, off, &found, &nsplit, w,
                iblock, isplit, work, iwork, &info, 1, 1);
    if (rc == OVS_OK && (info != 0 || found != 1))
        rc = OVS_EINVAL;
    if (rc == OVS_OK)
        dstein_(&m, diag, off, &one, w, iblock, isplit, vec, &m, work, iwork, &ifail, &info);
    if (rc == OVS_OK && info != 0)
        rc = OVS_EINVAL;
    if (rc == OVS_OK)
        *top = w[0];
    free(work), free(iwork), free(iblock), free(isplit), free(w);
    return rc;
}
