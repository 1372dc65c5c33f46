"""Vectorised NumPy version of the [CB] two-time DMFT scheme (docs/theory §3.11), for timing against
the Rust implementation (crates/theory/src/dmft.rs, benches/dmft.rs).

Same scheme and default ordering as the Rust code: erf(sqrt(pi) x / 2), zero means, U = 1,
per-region Delta00 = g_mu^2 + A_mu(S0), Gamma_{0,j} = 0, source at (i, j), gains from the previous
diagonal, S_j = (1-dt) S_{j-1} + dt H_{j-1}, H_j = psi_j-weighted T contraction at S_j.
Only the previous column is stored (O(Nt R) memory). The Gamma recursion along i,
Gamma_i = a Gamma_{i-1} + dt src_i, is vectorised as Gamma_i = a^i [Gamma_0 + dt sum_{k<=i} a^{-k} src_k].

Usage: python3 benches/numpy/cb_dmft.py [R] [Nt] [dt] [REPEATS]   (prints the best of REPEATS runs,
default 3, and the final Delta_jj; `cargo xtask bench --vs-numpy` runs it with REPEATS = 1 to time
the whole process)
"""
import sys
import time

import numpy as np

TWO_OVER_PI = 2.0 / np.pi


def run(T, g, S0, dt=0.05, nt=2500):
    R = g.shape[0]
    T = T.reshape(R, R, R)  # T[mu, nu, rho]
    a = 1.0 - dt
    S = S0.reshape(R, R).copy()  # S[mu, nu]
    # per-region structured variance A_mu = sum_rho S[mu, rho]^2 (U = 1)
    diag = np.zeros((nt, R))
    diag[0] = g ** 2 + (S ** 2).sum(axis=1)
    psi = 1.0 / np.sqrt(1.0 + 0.5 * np.pi * diag[0])
    H = np.einsum("mnr,nr->mn", T, S) * psi[None, :]  # H^{mu nu} = psi^nu sum_rho T^{mu nu rho} S^{nu rho}
    Hs = np.zeros((nt, R, R))  # H[j, mu, nu]
    Hs[0] = H
    currents = np.zeros((nt, R, R))
    currents[0] = S
    dprev = np.zeros((R, nt))  # Delta_{i, j-1} for i <= j-1, indexed by i
    gprev = np.zeros((R, nt))
    dprev[:, 0] = diag[0]
    powers = a ** np.arange(nt)
    inv_powers = a ** (-np.arange(nt, dtype=float))
    g2 = (g ** 2)[:, None]
    for j in range(1, nt):
        S = a * S + dt * Hs[j - 1]
        dj = diag[j - 1].copy()  # provisional Delta_jj
        psi = 1.0 / np.sqrt(1.0 + 0.5 * np.pi * dj)
        H = np.einsum("mnr,nr->mn", T, S) * psi[None, :]
        Hs[j] = H
        currents[j] = S
        # column update Delta_{i,j} for i < j
        dcur = np.empty((R, j + 1))
        dcur[:, :j] = a * dprev[:, :j] + dt * gprev[:, :j]
        dcur[:, j] = dj
        diag[j] = dj
        # source at (i, j), i = 1..j
        dii = diag[1:j + 1].T  # (R, j)
        qi = dii + TWO_OVER_PI
        qj = (dj + TWO_OVER_PI)[:, None]
        dij = dcur[:, 1:j + 1]
        den = np.sqrt(np.maximum(qi * qj - dij * dij, 1e-20))
        c = TWO_OVER_PI * np.arctan2(dij, den)
        struct = np.einsum("imn,mn->mi", Hs[1:j + 1], H)  # sum_nu H^{mu nu}(t_i) H^{mu nu}(t_j)
        src = g2 * c + struct
        # Gamma_{i,j} = a Gamma_{i-1,j} + dt src_i, Gamma_{0,j} = 0
        csum = np.cumsum(src * inv_powers[None, 1:j + 1], axis=1)
        gcur = np.zeros((R, j + 1))
        gcur[:, 1:] = dt * csum * powers[None, 1:j + 1]
        djj = a * dcur[:, j - 1] + dt * gcur[:, j - 1]
        dcur[:, j] = djj
        diag[j] = djj
        dprev, gprev = dcur, gcur
    return currents, diag, dprev


def main():
    R = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    nt = int(sys.argv[2]) if len(sys.argv) > 2 else 2500
    dt = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    rng = np.random.default_rng(0)
    T = rng.normal(0.0, 2.0 / np.sqrt(R), size=R ** 3)
    g = np.full(R, 1.2)
    S0 = rng.uniform(0.0, 1.0, size=R * R)
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        currents, diag, last = run(T, g, S0, dt, nt)
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(f"R={R} Nt={nt} dt={dt}: best of {repeats} wall {best_wall:.3f} s, cpu {best_cpu:.3f} s; final Delta_jj = {diag[-1]}")


if __name__ == "__main__":
    main()
