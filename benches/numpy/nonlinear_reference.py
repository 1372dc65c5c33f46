"""Independent SciPy reference for the rank-one mean-field theory with non-tanh nonlinearities.

What it checks: the stationary solutions of three bundled rank-one scenarios whose phi is not the
plain tanh of docs/theory §2, computed from the equations as written in the docs, independently of
the Rust solver:

- scenarios/relu-input.toml       phi = max(0, x), constant input: the static state
                                  (docs/theory §2.4, §1.6);
- scenarios/rates-chaos.toml      phi = 1 + tanh(x - 0.5): the static heterogeneous state
                                  (docs/theory §2.1, §1.6) and the stationary chaotic one
                                  (docs/theory §1.7, §2.1);
- scenarios/hard-tanh-chaos.toml  phi = clamp(x, -1, 1): the central (kappa = 0) static state and
                                  the central chaotic state, Delta_inf = 0
                                  (docs/theory §2.1, §1.7).

Equations (one population, rank one, constant input u along I; docs/theory §1.4-1.7, §2.1, §2.4):

    mu     = M_m kappa + M_I u
    S      = sigma_mm kappa^2 + 2 sigma_mI kappa u + sigma_II u^2          (structured variance)
    kappa  = M_n <phi> + <phi'> (sigma_mn kappa + sigma_nI u)              (drive, at Delta_0)
    static:   Delta_0   = g^2 <phi^2> + S                                   (Delta_inf = Delta_0)
    chaotic:  Delta_inf = g^2 C(Delta_inf) + S                              (force balance)
              (Delta_0^2 - Delta_inf^2)/2 = g^2 [F(Delta_0) - F(Delta_inf)] + S (Delta_0 - Delta_inf)
    C(D) = int Dz [int Dx phi(mu + sqrt(Delta_0 - D) x + sqrt(D) z)]^2, F likewise with Phi' = phi,
    and F(Delta_0) = <Phi^2> (docs/theory §1.10, nested integrals).

The reported gain is psi = <phi'> over N(mu, Delta_0), the total variance, for static and chaotic
states alike (docs/theory §1.4, §1.8: psi = int Dz phi'(mu + sqrt(Delta(t,t)) z)); for a static
state Delta_inf is reported equal to Delta_0 (docs/theory §1.7).

Scenario keys are mapped with the canonical rank-one construction of docs/theory §1.3 and the
`[mo2018] kind = "rank-one"` table of docs/scenarios.md (phi, also in its affine table form
c + s f(a (x - theta)), from the Nonlinearities table there): sigma_mm = sigma_m^2,
sigma_II = sigma_mi^2/sigma_m^2 + sigma_ni^2/sigma_n^2 + sigma_perp^2, u = input baseline.

Numerics: every Gaussian average is scipy.integrate.quad (adaptive) on the standardised variable,
split at the kinks of the integrand (the segments run to +-inf), and every nested integral is a quad
of quads; no Gauss-Hermite rule. Equations are solved with scipy.optimize.fsolve (xtol 1e-13) from
several starting points, or with brentq on a scanned bracket for the one-unknown central states.
This is a numerical cross-check, not a complete search of the solution set.

Usage:
    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install numpy scipy
    /tmp/refvenv/bin/python benches/numpy/nonlinear_reference.py          (table)
    /tmp/refvenv/bin/python benches/numpy/nonlinear_reference.py --json   (JSON object
        {scenario: {solution: {kappa, mu, delta0, delta_inf, gain, residual}}}, where residual is
        the largest absolute residual of the solution's equations)
The script runs single-threaded and takes about a minute.
"""
import argparse
import json
import math
import os
import sys
import time
import tomllib

import numpy as np
from scipy import integrate, optimize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = ("relu-input", "rates-chaos", "hard-tanh-chaos")

INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# inner (one-dimensional) and outer (nested) quad tolerances
QUAD_INNER = dict(epsabs=1e-14, epsrel=1e-13, limit=200)
QUAD_OUTER = dict(epsabs=1e-14, epsrel=1e-12, limit=200)
KINK_RANGE = 38.0  # kinks further out (in standard deviations) carry no Gaussian mass
XTOL = 1e-13


class QuadStats:
    """Number of quad calls, how many raised a warning flag, and the largest error estimate relative
    to max(1, |value|)."""

    calls = 0
    flagged = 0
    max_err = 0.0


def quad(fun, lo, hi, opts):
    out = integrate.quad(fun, lo, hi, full_output=1, **opts)
    QuadStats.calls += 1
    QuadStats.max_err = max(QuadStats.max_err, out[1] / max(1.0, abs(out[0])))
    if len(out) > 3:  # quad returns a message only when ier > 0
        QuadStats.flagged += 1
    return out[0]


# ---------------------------------------------------------------------------------------------
# Nonlinearities: phi, phi', Phi (Phi' = phi, any additive constant) and the kinks of phi / phi'.
# ---------------------------------------------------------------------------------------------


def _lncosh(x):
    a = abs(x)
    return a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)


class Nonlinearity:
    def __init__(self, label, phi, dphi, Phi, kinks=()):
        self.label, self.phi, self.dphi, self.Phi, self.kinks = label, phi, dphi, Phi, tuple(kinks)

    def sq(self, f):
        return lambda x: f(x) * f(x)


# base functions f: (f, f', F with F' = f, kinks of f or f')
BASE = {
    "tanh": (math.tanh, lambda x: 1.0 - math.tanh(x) ** 2, _lncosh, ()),
    "relu": (lambda x: x if x > 0.0 else 0.0,
             lambda x: 1.0 if x > 0.0 else 0.0,
             lambda x: 0.5 * x * x if x > 0.0 else 0.0, (0.0,)),
    "hard-tanh": (lambda x: min(1.0, max(-1.0, x)),
                  lambda x: 1.0 if -1.0 < x < 1.0 else 0.0,
                  lambda x: 0.5 * x * x if abs(x) <= 1.0 else abs(x) - 0.5, (-1.0, 1.0)),
}
BASE_LABEL = {"tanh": "tanh(y)", "relu": "max(0, y)", "hard-tanh": "clamp(y, -1, 1)"}


def affine(kind, gain=1.0, threshold=0.0, scale=1.0, offset=0.0):
    """phi(x) = c + s f(a (x - theta)) (docs/scenarios.md, Nonlinearities), with
    phi' = s a f'(a (x - theta)), Phi = c x + (s / a) F(a (x - theta)) and kinks theta + k / a."""
    f, df, F, kinks = BASE[kind]
    a, th, s, c = float(gain), float(threshold), float(scale), float(offset)
    if not (a > 0.0 and s != 0.0):
        raise ValueError("nonlinearity: gain must be > 0 and scale nonzero")
    y = "x" if th == 0.0 else (f"x - {th:g}" if th > 0.0 else f"x + {-th:g}")
    y = y if a == 1.0 else f"{a:g} ({y})"
    label = BASE_LABEL[kind].replace("y", y)
    label = label if s == 1.0 else f"{s:g} {label}"
    label = label if c == 0.0 else f"{c:g} + {label}"
    if (a, th, s, c) == (1.0, 0.0, 1.0, 0.0):
        return Nonlinearity(label, f, df, F, kinks)
    return Nonlinearity(
        label,
        lambda x: c + s * f(a * (x - th)),
        lambda x: s * a * df(a * (x - th)),
        lambda x: c * x + (s / a) * F(a * (x - th)),
        kinks=tuple(th + k / a for k in kinks),
    )


def nonlinearity_from_toml(spec):
    spec = {"kind": spec} if isinstance(spec, str) else dict(spec)
    kind = spec.pop("kind", "tanh")
    unknown = set(spec) - {"gain", "threshold", "scale", "offset"}
    if kind not in BASE or unknown:
        raise ValueError(f"nonlinearity {kind!r} {sorted(unknown)}: not handled by this reference")
    return affine(kind, **spec)


# ---------------------------------------------------------------------------------------------
# Gaussian integrals (docs/theory §1.10), all by adaptive quad.
# ---------------------------------------------------------------------------------------------


def gauss_avg(f, mean, std, kinks):
    """<f> = int Dz f(mean + std z), split at the kinks of f."""
    if std <= 0.0:
        return f(mean)
    cuts = sorted((k - mean) / std for k in kinks)
    cuts = [c for c in cuts if abs(c) < KINK_RANGE]
    edges = [-math.inf] + cuts + [math.inf]
    g = lambda z: f(mean + std * z) * math.exp(-0.5 * z * z) * INV_SQRT_2PI
    return sum(quad(g, lo, hi, QUAD_INNER) for lo, hi in zip(edges[:-1], edges[1:]))


def nested(f, mu, delta0, delta, kinks):
    """int Dz [int Dx f(mu + sqrt(delta0 - delta) x + sqrt(delta) z)]^2, 0 <= delta <= delta0.

    The inner average is smooth in z (a Gaussian convolution), so the outer quad needs no split.
    """
    if delta <= 0.0:
        return gauss_avg(f, mu, math.sqrt(delta0), kinks) ** 2
    if delta >= delta0:
        return gauss_avg(lambda x: f(x) * f(x), mu, math.sqrt(delta0), kinks)
    sq, sd = math.sqrt(delta0 - delta), math.sqrt(delta)

    def outer(z):
        inner = gauss_avg(f, mu + sd * z, sq, kinks)
        return inner * inner * math.exp(-0.5 * z * z) * INV_SQRT_2PI

    return quad(outer, -math.inf, math.inf, QUAD_OUTER)


# ---------------------------------------------------------------------------------------------
# Rank-one model (docs/theory §1.3, §2.4; docs/scenarios.md [mo2018] rank-one).
# ---------------------------------------------------------------------------------------------


class RankOne:
    DEFAULTS = dict(g=1.5, mean_m=1.1, mean_n=2.0, sigma_m=1.0, sigma_n=1.0, sigma_mn=0.0,
                    mean_i=0.0, sigma_mi=0.0, sigma_ni=0.0, sigma_perp=0.0)

    def __init__(self, name):
        with open(os.path.join(ROOT, "scenarios", name + ".toml"), "rb") as fh:
            doc = tomllib.load(fh)
        sec = dict(doc["mo2018"])
        if sec.pop("kind") != "rank-one":
            raise ValueError(f"{name}: only [mo2018] kind = 'rank-one' is handled")
        self.phi = nonlinearity_from_toml(sec.pop("nonlinearity", doc.get("nonlinearity", "tanh")))
        inp = sec.pop("input", None)
        p = dict(self.DEFAULTS)
        for k, v in sec.items():
            if k not in p:
                raise ValueError(f"{name}: unknown [mo2018] key {k!r}")
            p[k] = float(v)
        self.name, self.p = name, p
        self.g = p["g"]
        self.Mm, self.Mn, self.MI = p["mean_m"], p["mean_n"], p["mean_i"]
        self.smm, self.snn = p["sigma_m"] ** 2, p["sigma_n"] ** 2
        self.smn, self.smI, self.snI = p["sigma_mn"], p["sigma_mi"], p["sigma_ni"]
        sII = p["sigma_perp"] ** 2
        if p["sigma_m"] > 0.0:
            sII += p["sigma_mi"] ** 2 / p["sigma_m"] ** 2
        if p["sigma_n"] > 0.0:
            sII += p["sigma_ni"] ** 2 / p["sigma_n"] ** 2
        self.sII = sII
        has_input = inp is not None or any(p[k] != 0.0 for k in
                                           ("mean_i", "sigma_mi", "sigma_ni", "sigma_perp"))
        self.u = float((inp or {}).get("baseline", 1.0)) if has_input else 0.0

    # order parameters of docs/theory §1.4 at a constant overlap kappa and input u
    def mu(self, kappa):
        return self.Mm * kappa + self.MI * self.u

    def S(self, kappa):
        return self.smm * kappa ** 2 + 2.0 * self.smI * kappa * self.u + self.sII * self.u ** 2

    def c_n(self, kappa):
        return self.smn * kappa + self.snI * self.u

    def avg(self, f, kappa, delta0):
        return gauss_avg(f, self.mu(kappa), math.sqrt(delta0), self.phi.kinks)

    def gain(self, kappa, delta0):
        return self.avg(self.phi.dphi, kappa, delta0)

    def kappa_res(self, kappa, delta0):
        """kappa - [M_n <phi> + <phi'> c_n], averages at (mu, Delta_0) (docs/theory §1.6, §2.4)."""
        ph = self.phi
        return kappa - (self.Mn * self.avg(ph.phi, kappa, delta0)
                        + self.gain(kappa, delta0) * self.c_n(kappa))

    def static_res(self, kappa, delta0):
        """Static equations (docs/theory §1.6, §2.1, §2.4): kappa and Delta_0 residuals."""
        phi2 = self.avg(self.phi.sq(self.phi.phi), kappa, delta0)
        return np.array([self.kappa_res(kappa, delta0),
                         delta0 - (self.g ** 2 * phi2 + self.S(kappa))])

    def chaos_parts(self, kappa, delta0, dinf):
        """Residuals (kappa, force balance, energy) of docs/theory §1.7, §2.1, §2.4."""
        ph, mu, S, G = self.phi, self.mu(kappa), self.S(kappa), self.g ** 2
        C = nested(ph.phi, mu, delta0, dinf, ph.kinks)
        F0 = nested(ph.Phi, mu, delta0, delta0, ph.kinks)  # = <Phi^2>
        Finf = nested(ph.Phi, mu, delta0, dinf, ph.kinks)
        r_kappa = self.kappa_res(kappa, delta0)
        r_force = dinf - (G * C + S)
        r_energy = 0.5 * (delta0 ** 2 - dinf ** 2) - G * (F0 - Finf) - S * (delta0 - dinf)
        return np.array([r_kappa, r_force, r_energy])


# ---------------------------------------------------------------------------------------------
# Solvers
# ---------------------------------------------------------------------------------------------


def solve_static(model, starts):
    """fsolve on (kappa, ln Delta_0) from each start; distinct converged solutions."""
    found = []
    for k0, d0 in starts:
        fun = lambda y: model.static_res(y[0], math.exp(y[1]))
        y, info, ier, msg = optimize.fsolve(fun, [k0, math.log(d0)], xtol=XTOL, full_output=True)
        kappa, delta0 = y[0], math.exp(y[1])
        res = model.static_res(kappa, delta0)
        if np.max(np.abs(res)) < 1e-9:
            add_distinct(found, (kappa, delta0, delta0, res))
    return found


def solve_chaotic(model, starts):
    """fsolve on (kappa, ln Delta_0, logit(Delta_inf/Delta_0)).

    The energy equation vanishes identically at Delta_inf = Delta_0 (docs/theory §1.7, §4
    Pitfalls); the solver sees it divided by (Delta_0 - Delta_inf), and solutions that collapse
    onto the static branch are dropped.
    """
    found = []

    def unpack(y):
        delta0 = math.exp(y[1])
        frac = 1.0 / (1.0 + math.exp(-y[2]))
        return y[0], delta0, delta0 * frac

    def fun(y):
        kappa, delta0, dinf = unpack(y)
        r = model.chaos_parts(kappa, delta0, dinf)
        r[2] /= delta0 - dinf
        return r

    for k0, d0, dinf0 in starts:
        y0 = [k0, math.log(d0), math.log(dinf0 / (d0 - dinf0))]
        y, info, ier, msg = optimize.fsolve(fun, y0, xtol=XTOL, full_output=True)
        kappa, delta0, dinf = unpack(y)
        if (delta0 - dinf) < 1e-6 * delta0:
            continue
        res = model.chaos_parts(kappa, delta0, dinf)
        if np.max(np.abs(res)) < 1e-9:
            add_distinct(found, (kappa, delta0, dinf, res))
    return found


def solve_scalar(fun, lo, hi, n=13):
    """All roots of fun on [lo, hi] bracketed by an n-point scan, refined by brentq."""
    xs = np.linspace(lo, hi, n)
    fs = [fun(x) for x in xs]
    roots = []
    for a, b, fa, fb in zip(xs[:-1], xs[1:], fs[:-1], fs[1:]):
        if fa == 0.0:
            roots.append(a)
        elif fa * fb < 0.0:
            roots.append(optimize.brentq(fun, a, b, xtol=XTOL, rtol=4 * np.finfo(float).eps,
                                         maxiter=200))
    return roots


def add_distinct(found, sol):
    for other in found:
        if all(abs(a - b) <= 1e-7 * max(1.0, abs(b)) for a, b in zip(sol[:3], other[:3])):
            return
    found.append(sol)


def record(model, kappa, delta0, dinf, res):
    return dict(kappa=float(kappa), mu=float(model.mu(kappa)), delta0=float(delta0),
                delta_inf=float(dinf), gain=float(model.gain(kappa, delta0)),
                residual=float(np.max(np.abs(res))), residuals=[float(r) for r in res])


def labelled(out, label, sols, model):
    for i, s in enumerate(sols):
        out[label if len(sols) == 1 else f"{label}-{i + 1}"] = record(model, *s)


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


def run_relu_input():
    m = RankOne("relu-input")
    starts = [(k, d) for k in (0.5, 1.0, 1.5, 2.0, 2.5) for d in (3.0, 5.0, 10.0, 15.0, 25.0)]
    out = {}
    labelled(out, "static", solve_static(m, starts), m)
    return m, out


def run_rates_chaos():
    m = RankOne("rates-chaos")
    out = {}
    static = solve_static(m, [(k, d) for k in (0.3, 0.39, 0.5) for d in (20.0, 29.0, 40.0)])
    labelled(out, "static", static, m)
    # starts around the static state (docs/theory §4 Solvers: 1.1-1.3 Delta_0s, 0.9 Delta_0s), plus
    # one just below Delta_0s: a chaotic state needs Delta_0 < g^2 <phi^2> + S, i.e. a negative
    # force at Delta_0 (the autocorrelation leaves Delta_0 downwards).
    starts = []
    for k_s, d0_s, _, _ in (static or [(0.39, 29.0, 29.0, None)]):
        starts += [(k_s, f0 * d0_s, fi * d0_s) for f0, fi in ((0.99, 0.93), (1.1, 0.9), (1.3, 0.6))]
    labelled(out, "chaotic", solve_chaotic(m, starts), m)
    return m, out


def run_hard_tanh_chaos():
    m = RankOne("hard-tanh-chaos")
    out = {}

    def static_central(d0):  # Delta_0 = g^2 <phi^2>_{0, Delta_0}  (docs/theory §2.1, family 2)
        return m.static_res(0.0, d0)[1]

    def chaos_central(d0):  # Delta_0^2 / 2 = g^2 [F(Delta_0) - F(0)]  (docs/theory §1.7, §2.1)
        return m.chaos_parts(0.0, d0, 0.0)[2]

    sols = [(0.0, d, d, m.static_res(0.0, d)) for d in solve_scalar(static_central, 3.0, 6.0)]
    labelled(out, "central-static", sols, m)
    sols = [(0.0, d, 0.0, m.chaos_parts(0.0, d, 0.0))
            for d in solve_scalar(chaos_central, 3.0, 6.0)]
    labelled(out, "central-chaotic", sols, m)
    return m, out


def fmt(x):
    return f"{x: #.10g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args()

    results, models, times = {}, {}, {}
    t_all = time.perf_counter()
    for name, fn in zip(SCENARIOS, (run_relu_input, run_rates_chaos, run_hard_tanh_chaos)):
        t0 = time.perf_counter()
        models[name], results[name] = fn()
        times[name] = time.perf_counter() - t0
    t_all = time.perf_counter() - t_all

    if args.json:
        slim = {sc: {lab: {k: v for k, v in r.items() if k != "residuals"}
                     for lab, r in sols.items()}
                for sc, sols in results.items()}
        json.dump(slim, sys.stdout, indent=2)
        print()
        return

    cols = ("kappa", "mu", "delta0", "delta_inf", "gain")
    head = (f"{'scenario':<16} {'solution':<16}" + "".join(f"{c:>18}" for c in cols)
            + f"{'residual':>11}")
    print(head)
    print("-" * len(head))
    for sc, sols in results.items():
        if not sols:
            print(f"{sc:<16} (no solution found from the starting points)")
        for lab, r in sols.items():
            print(f"{sc:<16} {lab:<16}" + "".join(f"{fmt(r[c]):>18}" for c in cols)
                  + f"{r['residual']:>11.1e}")
    print()
    print("equation residuals (static: kappa, Delta_0; chaotic: kappa, force balance, energy):")
    for sc, sols in results.items():
        for lab, r in sols.items():
            print(f"  {sc:<16} {lab:<16} " + "  ".join(f"{x: .2e}" for x in r["residuals"]))
    print()
    for sc, m in models.items():
        print(f"  {sc:<16} phi = {m.phi.label}; g = {m.g:g}, M_m = {m.Mm:g}, M_n = {m.Mn:g}, "
              f"M_I u = {m.MI * m.u:g}, sigma_mm = {m.smm:g}, sigma_mn = {m.smn:g}, "
              f"sigma_mI u = {m.smI * m.u:g}, sigma_nI u = {m.snI * m.u:g}, "
              f"sigma_II u^2 = {m.sII * m.u ** 2:g}; {times[sc]:.1f} s")
    print(f"quad calls {QuadStats.calls}, flagged {QuadStats.flagged}, "
          f"largest error estimate {QuadStats.max_err:.1e} (relative to max(1, |value|)); "
          f"total {t_all:.1f} s")


if __name__ == "__main__":
    main()
