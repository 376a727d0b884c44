/* ieee.h - the arithmetic ovsweep's results are defined in: IEEE 754 doubles, no reordering
 * beyond the FMA contraction the kernels ask for.
 *
 * A trial's divergence is found by isfinite(), and every build gives the same bits
 * (tests/h5same.sh, the golden test). -ffast-math, -Ofast and -ffinite-math-only let the
 * compiler assume that no NaN or infinity occurs (isfinite() then folds to true: a diverged
 * trial would be stored as an ordinary failure) and reorder sums (other bits), so a build
 * with them stops here, in every file that includes it (status.h does), rather than produce
 * such a binary from a site's CFLAGS. */
#ifndef OVS_IEEE_H
#define OVS_IEEE_H

#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__)
#error "ovsweep needs IEEE arithmetic: build without -ffast-math, -Ofast or -ffinite-math-only (docs/INSTALL.md)"
#endif

#endif
