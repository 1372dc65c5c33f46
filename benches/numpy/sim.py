"""NumPy version of the finite-N rank-one network simulation (docs/theory §1.1), for timing
against `lowrank simulate` (crates/sim/src/simulate.rs, benches/sim.rs).

Same work as `lowrank simulate mo2018-fig1 --n N --trials B --t T --dt DT --burn-in 0`:
sample J^rand = g chi (chi_ij ~ N(0, 1/N)), m = M_m + Sigma_m x1, n = M_n + Sigma_n x2 and the
initial states x ~ N(0, 1), then forward Euler

    x <- x + dt (-x + J^rand tanh(x) + m (n . tanh(x)) / N)

for round(T/dt) steps on the N x B state, recording the population mean mu, the second moment
and kappa = n . tanh(x) / N at every step (running sums, as the Rust recorders do).
One BLAS GEMV (B = 1) or GEMM (B > 1) per step, the low-rank part kept factored.

Usage: python3 benches/numpy/sim.py N B STEPS [f32]
Prints one line: `seconds=<whole run incl. sampling> kappa=<time-averaged kappa of trial 0>`.
"""
import sys
import time

import numpy as np


def run(n, trials, steps, dtype, g=1.5, mean_m=1.1, mean_n=2.0, dt=0.1, seed=1):
    rng = np.random.default_rng(seed)
    j = rng.standard_normal((n, n), dtype=dtype)
    j *= dtype(g / np.sqrt(n))
    m = (mean_m + rng.standard_normal(n)).astype(dtype)
    nv = ((mean_n + rng.standard_normal(n)) / n).astype(dtype)
    x = rng.standard_normal((n, trials)).astype(dtype)
    if trials == 1:
        x = x[:, 0]
    kappa_sum = np.zeros(trials)
    mu_sum = np.zeros(trials)
    sq_sum = np.zeros(trials)
    dtt = dtype(dt)
    h = np.empty_like(x)
    for _ in range(steps):
        r = np.tanh(x)
        kappa = nv @ r
        kappa_sum += kappa
        mu_sum += x.sum(axis=0)
        sq_sum += (x * x).sum(axis=0)
        np.matmul(j, r, out=h)
        h -= x
        if trials == 1:
            h += m * kappa
        else:
            h += np.outer(m, kappa)
        x += dtt * h
    return kappa_sum / steps


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    dtype = np.float32 if len(sys.argv) > 4 and sys.argv[4] == "f32" else np.float64
    t0 = time.perf_counter()
    kappa = run(n, trials, steps, dtype)
    print(f"seconds={time.perf_counter() - t0:.4f} kappa={float(np.ravel(kappa)[0]):.6f}")


if __name__ == "__main__":
    main()
