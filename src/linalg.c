/* linalg.c - CBLAS wrappers for the GD step; see linalg.h. */
#include "linalg.h"

#include <cblas.h>

void ovs_linalg_preact(int n, int k, int d, const double *x, const double *w, double *z)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, d, /* z = x w^T */
                1.0, x, d, /* x: n x d */
                w, d,      /* w: k x d, used transposed */
                0.0, z, k  /* z: n x k */);
}

void ovs_linalg_grad(int n, int k, int d, const double *m, const double *x, double *g)
{
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, n, /* g = m^T x */
                1.0, m, k, /* m: n x k, used transposed */
                x, d,      /* x: n x d */
                0.0, g, d  /* g: k x d */);
}

void ovs_linalg_single_thread(void)
{
    openblas_set_num_threads(1);
}

const char *ovs_linalg_config(void)
{
    return openblas_get_config();
}
