/* linalg.c - CBLAS wrappers for the GD step; see linalg.h. */
#include "linalg.h"

#include "status.h"

#include <cblas.h>
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
