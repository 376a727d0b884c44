"""The statistical building blocks: Wilson intervals, GLM fits, separation, profile intervals."""

import math

import numpy as np
import pytest

from analysis import stats


def test_wilson_matches_textbook_values():
    lo, hi = stats.wilson([0, 5, 10, 3], [10, 10, 10, 0])
    # 0/10: [0, z^2/(n+z^2)]; 5/10: 0.2366..0.7634; 10/10: [n/(n+z^2), 1]
    z2 = stats.Z95 ** 2
    np.testing.assert_allclose(lo[:3], [0.0, 0.236593, 10 / (10 + z2)], atol=1e-5)
    np.testing.assert_allclose(hi[:3], [z2 / (10 + z2), 0.763407, 1.0], atol=1e-5)
    assert math.isnan(lo[3]) and math.isnan(hi[3])


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_fit_glm_recovers_known_coefficients(link):
    rng = np.random.default_rng(3)
    x = np.linspace(-2, 2, 41)
    lk = stats.Link(link)
    t = np.full(len(x), 400)
    s = rng.binomial(t, lk.cdf(0.4 + 1.7 * x))
    fit = stats.fit_glm(np.column_stack([np.ones_like(x), x]), s, t, lk)
    assert fit.converged
    assert abs(fit.beta[0] - 0.4) < 3 * fit.se[0] and abs(fit.beta[1] - 1.7) < 3 * fit.se[1]
    assert fit.se[1] < 0.1


def test_separation_detected_exactly_and_only_when_present():
    x = np.arange(6.0)
    X = np.column_stack([np.ones_like(x), x])
    t = np.full(6, 3)
    assert stats.separated(X, np.array([0, 0, 0, 3, 3, 3]), t)          # complete
    assert stats.separated(X, np.array([0, 0, 1, 3, 3, 3]), t)          # quasi-complete at x=2
    assert not stats.separated(X, np.array([0, 1, 0, 3, 2, 3]), t)      # overlap
    assert stats.separated(X, np.zeros(6, int), t)                      # all failures


def test_profile_interval_of_a_gaussian_loglik_is_the_wald_interval():
    # ll(theta) = -(theta-2)^2 / (2*0.5^2): the 95% profile interval is 2 +- 1.96*0.5
    lo, hi = stats.profile_interval(lambda th: -(th - 2.0) ** 2 / 0.5, 2.0, 0.0, 0.1, -50, 50)
    assert lo == pytest.approx(2 - stats.Z95 * 0.5, abs=1e-6)
    assert hi == pytest.approx(2 + stats.Z95 * 0.5, abs=1e-6)
    lo, hi = stats.profile_interval(lambda th: -abs(th - 2.0) * 1e-3, 2.0, 0.0, 0.1, 0.0, 10.0)
    assert lo is None and hi is None      # flat likelihood: unbounded within the limits


def test_lr_test_p_value_is_chi_square_tail():
    stat, df, p = stats.lr_test(-100.0, -100.0 + 3.841459 / 2, 1)
    assert df == 1 and stat == pytest.approx(3.841459) and p == pytest.approx(0.05, abs=1e-6)
    assert math.isnan(stats.lr_test(-1.0, -1.0, 0)[2])
