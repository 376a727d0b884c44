/* test.h - a minimal test harness: CHECK, CHECK_MSG, CHECK_NEAR, CHECK_ALL_NEAR, TEST_DONE.
 *
 * One check per property: a loop over cases or elements folds them into one check (an array
 * compared as a whole is one check), and the failure message names the first case that
 * differs. No CHECK(1), no checks of a test's own arithmetic. Each test binary ends with the
 * line "N passed, N failed" and exits non-zero on any failure; tests/run_tests.sh adds the
 * counts of all suites. */
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

/* CHECK that prints a message (printf arguments) when it fails: name the item, the field and
 * both values, so that a failure says what changed. */
#define CHECK_MSG(cond, ...)                                                               \
    do {                                                                                   \
        if (cond) {                                                                        \
            test_passed_++;                                                                \
        } else {                                                                           \
            test_failed_++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: ", __FILE__, __LINE__);                  \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
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

/* Every |a[i] - b[i]| <= tol for i < n, and no NaN: one check for the whole array; the first
 * element that differs is printed. */
#define CHECK_ALL_NEAR(a, b, n, tol)                                                       \
    do {                                                                                   \
        const double *pa_ = (a), *pb_ = (b);                                               \
        int n_ = (n), bad_ = -1;                                                           \
        for (int i_ = 0; i_ < n_ && bad_ < 0; i_++)                                        \
            if (!(fabs(pa_[i_] - pb_[i_]) <= (tol)))                                       \
                bad_ = i_;                                                                 \
        CHECK_MSG(bad_ < 0, "%s vs %s: element %d: %.17g != %.17g (tol %g)", #a, #b, bad_, \
                  bad_ >= 0 ? pa_[bad_] : 0.0, bad_ >= 0 ? pb_[bad_] : 0.0, (double)(tol)); \
    } while (0)

#define TEST_DONE()                                                                        \
    do {                                                                                   \
        printf("%s: %d passed, %d failed\n", __FILE__, test_passed_, test_failed_);        \
        return test_failed_ ? 1 : 0;                                                       \
    } while (0)

#endif
