"""NumPy reference implementation of the [MO] rank-one mean-field equations (docs/theory §2.1, §4),
for timing against the Rust solvers (benches/theory.rs).

Same equations, the reference's numerics: 200-node Gauss-Hermite (physicists' nodes x sqrt(2),
weights / sqrt(pi)), 200x200 tensor product for the nested integrals, damped iteration
y <- (1-eps) y + eps F(y) with eps = 0.2 and relative tolerance 1e-10.

Usage: python3 benches/numpy/mo_meanfield.py   (prints the solutions and the time per solve)
"""
import time
import numpy as np

X, W = np.polynomial.hermite.hermgauss(200)
Z = X * np.sqrt(2.0)
WZ = W / np.sqrt(np.pi)


def lncosh(x):
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


def mean(f, mu, delta):
    return np.dot(WZ, f(mu + np.sqrt(delta) * Z))


def nested(f, mu, delta0, delta):
    """int Dz [int Dx f(mu + sqrt(delta0-delta) x + sqrt(delta) z)]^2 (200 x 200)."""
    arg = mu + np.sqrt(delta0 - delta) * Z[None, :] + np.sqrt(delta) * Z[:, None]
    inner = f(arg) @ WZ
    return np.dot(WZ, inner * inner)


def static(g, mm, mn, sm, y0=(50.0, 50.0), eps=0.2, tol=1e-10, max_iter=100000):
    """Heterogeneous fixed point: mu = M_m kappa, kappa = M_n <phi>, Delta0 = g^2 <phi^2> + Sm^2 kappa^2."""
    mu, d0 = y0
    for it in range(max_iter):
        phi = mean(np.tanh, mu, d0)
        phi2 = mean(lambda x: np.tanh(x) ** 2, mu, d0)
        kappa = mn * phi
        new = np.array([mm * kappa, g * g * phi2 + sm * sm * kappa * kappa])
        old = np.array([mu, d0])
        y = (1 - eps) * old + eps * new
        if np.all(np.abs(y - old) <= tol * np.maximum(np.abs(old), 1e-300)):
            return mu, d0, kappa, it
        mu, d0 = y
    raise RuntimeError("static: no convergence")


def chaotic(g, mm, mn, sm, y0, eps=0.2, tol=1e-10, max_iter=100000):
    """Stationary chaotic heterogeneous state (mu, Delta0, Delta_inf), docs/theory §4 update."""
    mu, d0, dinf = y0
    for it in range(max_iter):
        kappa = mn * mean(np.tanh, mu, d0)
        s = sm * sm * kappa * kappa
        f0 = mean(lambda x: lncosh(x) ** 2, mu, d0)
        finf = nested(lncosh, mu, d0, dinf)
        cinf = nested(np.tanh, mu, d0, dinf)
        d0_new = np.sqrt(max(0.0, dinf ** 2 + 2.0 * (g * g * (f0 - finf) + s * (d0 - dinf))))
        dinf_new = g * g * cinf + s
        new = np.array([mm * kappa, d0_new, dinf_new])
        old = np.array([mu, d0, dinf])
        y = (1 - eps) * old + eps * new
        if np.all(np.abs(y - old) <= tol * np.maximum(np.abs(old), 1e-300)):
            return mu, d0, dinf, kappa, it
        mu, d0, dinf = y
        if dinf > d0:
            dinf = d0
    raise RuntimeError("chaotic: no convergence")


if __name__ == "__main__":
    mm, mn, sm = 1.1, 2.0, 1.0  # Fig. 1 set
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        st = static(1.5, mm, mn, sm)
    ts = (time.perf_counter() - t) / reps
    print(f"static g=1.5: mu={st[0]:.10f} delta0={st[1]:.10f} kappa={st[2]:.10f} iterations={st[3]} time={ts*1e3:.3f} ms")
    t = time.perf_counter()
    for _ in range(reps):
        near = static(1.5, mm, mn, sm, y0=(0.5 * mm, 2.0))
    tn = (time.perf_counter() - t) / reps
    print(f"static g=1.5 from (mu, delta0) = (0.55, 2.0): iterations={near[3]} time={tn*1e3:.3f} ms")
    s2 = static(2.0, mm, mn, sm)
    y0 = (s2[0], 1.2 * s2[1], 0.9 * s2[1])
    t = time.perf_counter()
    ch = chaotic(2.0, mm, mn, sm, y0)
    tc = time.perf_counter() - t
    print(f"chaotic g=2.0: mu={ch[0]:.10f} delta0={ch[1]:.10f} delta_inf={ch[2]:.10f} kappa={ch[3]:.10f} iterations={ch[4]} time={tc*1e3:.1f} ms")
