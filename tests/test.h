/* test.h - a minimal test harness: CHECK, CHECK_NEAR, TEST_DONE.
 *
 * Each test binary ends with the line "N passed, N failed" and exits non-zero on any
 * failure; tests/run_tests.sh adds the counts of all suites. */
#ifndef OVS_TEST_H
#define OVS_TEST_H

#include <math.h>
#include <stdio.h>

static int test_passed_, test_failed_;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (cond) {                                                                        \
            test_passed_++;                                                                \
        } else {                                                                           \
            test_failed_++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

/* |a - b| <= tol, and neither is NaN. */
#define CHECK_NEAR(a, b, tol)                                                              \
    do {                                                                                   \
        double a_ = (a), b_ = (b);                                                         \
        if (fabs(a_ - b_) <= (tol)) {                                                      \
            test_passed_++;                                                                \
        } else {                                                                           \
            test_failed_++;                                                                \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g, %s = %.17g, tol %g\n",  \
                    __FILE__, __LINE__, #a, a_, #b, b_, (double)(tol));                    \
        }                                                                                  \
    } while (0)

#define TEST_DONE()                                                                        \
    do {                                                                                   \
        printf("%s: %d passed, %d failed\n", __FILE__, test_passed_, test_failed_);        \
        return test_failed_ ? 1 : 0;                                                       \
    } while (0)

#endif
