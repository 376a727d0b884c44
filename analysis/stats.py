"""Statistics used by the boundary analysis: binomial GLMs with a logit or probit link fitted by
maximum likelihood (Fisher scoring with step halving), exact detection of (quasi-)separation by a
linear program, profile-likelihood confidence intervals, and Wilson score intervals.

Log-likelihoods are Bernoulli log-likelihoods summed over trials (no binomial coefficients), so
fits on data aggregated differently (by kd or by (k, d) cell) are directly comparable.
"""

from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np
from scipy import optimize, special, stats

Z95 = float(stats.norm.ppf(0.975))          # 1.959964...
CHI2_95_1DF = float(stats.chi2.ppf(0.95, 1))  # 3.841459...


class Link:
    """A symmetric link: F(-eta) = 1 - F(eta), so P(fail) = F(-eta)."""

    def __init__(self, name: str):
        if name not in ("logit", "probit"):
            raise ValueError(f"unknown link {name!r}")
        self.name = name

    def cdf(self, eta):
        return special.expit(eta) if self.name == "logit" else special.ndtr(eta)

    def logcdf(self, eta):
        return special.log_expit(eta) if self.name == "logit" else special.log_ndtr(eta)

    def dlogcdf(self, eta):
        """d/deta log F(eta) = f(eta)/F(eta), computed stably."""
        if self.name == "logit":
            return special.expit(-eta)
        logpdf = -0.5 * eta * eta - 0.5 * np.log(2 * np.pi)
        return np.exp(logpdf - special.log_ndtr(eta))

    def fisher_weight(self, eta):
        """f(eta)^2 / (F(eta) F(-eta)) per trial."""
        if self.name == "logit":
            p = special.expit(eta)
            return p * (1.0 - p)
        logpdf = -0.5 * eta * eta - 0.5 * np.log(2 * np.pi)
        return np.exp(2 * logpdf - special.log_ndtr(eta) - special.log_ndtr(-eta))

    def ppf(self, p):
        return special.logit(p) if self.name == "logit" else special.ndtri(p)

    def formula(self, rhs: str) -> str:
        return f"logit P = {rhs}" if self.name == "logit" else f"Phi^-1(P) = {rhs}"


def loglik(eta, s, t, link: Link) -> float:
    s = np.asarray(s, float)
    t = np.asarray(t, float)
    with np.errstate(invalid="ignore"):
        terms = s * link.logcdf(eta) + (t - s) * link.logcdf(-eta)
    # 0 * -inf (a certain outcome that never occurred) contributes 0.
    terms = np.where(((s == 0) & (eta == -np.inf)) | ((t - s == 0) & (eta == np.inf)), 0.0, terms)
    return float(np.sum(terms))


@dataclass
class GLMFit:
    beta: np.ndarray
    loglik: float
    converged: bool
    iterations: int
    cov: Optional[np.ndarray]   # inverse Fisher information at beta (None if singular)

    @property
    def se(self) -> np.ndarray:
        if self.cov is None:
            return np.full(len(self.beta), np.nan)
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))


def fit_glm(X, s, t, link: Link, offset=None, beta0=None, max_iter: int = 200,
            tol: float = 1e-11) -> GLMFit:
    """Maximise sum s*log F(eta) + (t-s)*log F(-eta), eta = offset + X beta, over beta.
    X: [m, p]; s, t: successes and trials per row (rows with t = 0 are ignored).
    Fisher scoring with step halving; the log-likelihood is concave for both links."""
    X = np.asarray(X, float)
    s = np.asarray(s, float)
    t = np.asarray(t, float)
    keep = t > 0
    X, s, t = X[keep], s[keep], t[keep]
    off = np.zeros(len(s)) if offset is None else np.asarray(offset, float)[keep]
    p = X.shape[1]
    beta = np.zeros(p) if beta0 is None else np.asarray(beta0, float).copy()
    ll = loglik(off + X @ beta, s, t, link)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        eta = off + X @ beta
        score_eta = s * link.dlogcdf(eta) - (t - s) * link.dlogcdf(-eta)
        grad = X.T @ score_eta
        w = t * link.fisher_weight(eta)
        info = X.T @ (X * w[:, None])
        step = np.linalg.lstsq(info, grad, rcond=None)[0]
        scale = 1.0
        while True:
            cand = beta + scale * step
            ll_c = loglik(off + X @ cand, s, t, link)
            if ll_c >= ll - 1e-13 * max(1.0, abs(ll)) or scale < 1e-12:
                break
            scale *= 0.5
        if scale < 1e-12:
            converged = True   # no ascent direction left: at the optimum (to precision)
            break
        gain = ll_c - ll
        beta, ll = cand, ll_c
        if gain <= tol * max(1.0, abs(ll)) and np.max(np.abs(scale * step)) < 1e-7 * (
                1.0 + np.max(np.abs(beta))):
            converged = True
            break
    eta = off + X @ beta
    w = t * link.fisher_weight(eta)
    info = X.T @ (X * w[:, None])
    try:
        cov = np.linalg.inv(info) if np.linalg.cond(info) < 1e14 else None
    except np.linalg.LinAlgError:
        cov = None
    return GLMFit(beta=beta, loglik=ll, converged=converged, iterations=it, cov=cov)


def separated(X, s, t) -> bool:
    """True iff the binomial data admit (quasi-)complete separation for design X, i.e. the MLE
    does not exist (some coefficient runs to +-infinity). Exact LP test: is there beta != 0 with
    x_i.beta >= 0 wherever a success was seen, x_i.beta <= 0 wherever a failure was seen, and at
    least one of these strict?"""
    X = np.asarray(X, float)
    s = np.asarray(s, float)
    t = np.asarray(t, float)
    keep = t > 0
    X, s, f = X[keep], s[keep], (t - s)[keep]
    if len(X) == 0:
        return False
    rows = np.vstack([-X[s > 0], X[f > 0]])          # A beta <= 0
    # maximise sum over constraints of the slack, i.e. minimise sum(A beta)
    c = rows.sum(axis=0)
    res = optimize.linprog(c, A_ub=rows, b_ub=np.zeros(len(rows)),
                           bounds=[(-1.0, 1.0)] * X.shape[1], method="highs")
    if res.status != 0:
        return False
    scale = max(1.0, float(np.abs(rows).max()))
    return -res.fun > 1e-7 * scale


def profile_interval(prof: Callable[[float], float], theta_hat: float, ll_hat: float,
                     step: float, lower_limit: float, upper_limit: float,
                     crit: float = CHI2_95_1DF) -> Tuple[Optional[float], Optional[float]]:
    """Profile-likelihood interval {theta: 2*(ll_hat - prof(theta)) <= crit}. Searches outward
    from theta_hat with doubling steps up to the limits; an end that is not crossed within its
    limit is returned as None (unbounded within the explored range)."""
    target = ll_hat - crit / 2.0

    def f(theta):
        return prof(theta) - target

    ends = []
    for direction, limit in ((-1.0, lower_limit), (1.0, upper_limit)):
        prev = theta_hat
        h = max(step, 1e-8)
        found = None
        for _ in range(80):
            cand = theta_hat + direction * h
            at_limit = (cand <= limit) if direction < 0 else (cand >= limit)
            if at_limit:
                cand = limit
            fc = f(cand)
            if fc < 0:
                lo, hi = sorted((prev, cand))
                found = optimize.brentq(f, lo, hi, xtol=1e-9 * max(1.0, abs(theta_hat)),
                                        rtol=1e-10)
                break
            if at_limit:
                break
            prev = cand
            h *= 2.0
        ends.append(found)
    return ends[0], ends[1]


def wilson(s, t, z: float = Z95):
    """Wilson score interval for s successes out of t trials; NaN where t == 0."""
    s = np.asarray(s, float)
    t = np.asarray(t, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s / t
        denom = 1.0 + z * z / t
        center = (p + z * z / (2 * t)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / t + z * z / (4 * t * t))
        lo = np.clip(center - half, 0.0, 1.0)
        hi = np.clip(center + half, 0.0, 1.0)
    lo = np.where(t > 0, lo, np.nan)
    hi = np.where(t > 0, hi, np.nan)
    # exact ends: 0 successes -> lower 0, all successes -> upper 1
    lo = np.where((t > 0) & (s == 0), 0.0, lo)
    hi = np.where((t > 0) & (s == t), 1.0, hi)
    return lo, hi


def lr_test(ll_restricted: float, ll_full: float, df: int):
    """Likelihood-ratio statistic, df and chi-square p-value (NaN when df < 1)."""
    if df < 1 or not np.isfinite(ll_restricted) or not np.isfinite(ll_full):
        return float("nan"), df, float("nan")
    stat = max(0.0, 2.0 * (ll_full - ll_restricted))
    return stat, df, float(stats.chi2.sf(stat, df))
