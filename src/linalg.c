/* linalg.c - CBLAS wrappers for the GD step; see linalg.h. */
#include "linalg.h"

#include <cblas.h>

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
