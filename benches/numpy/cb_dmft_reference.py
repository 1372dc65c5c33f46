#!/usr/bin/env python3
"""Independent loop-level reference of the two-time DMFT scheme for multiregion networks
(docs/theory/3-multiregion.md §3.11) and of the dynamics classifier (same file, §3.8).

It follows the original reference code step by step, quirks included:

* phi(x) = erf(sqrt(pi) x / 2), zero means, U = identity, Psi(D) = 1 / sqrt(1 + pi D / 2);
* source kernel C(D11, D22, D12) = (2/pi) atan(D12 / sqrt(max((D11 + 2/pi)(D22 + 2/pi) - D12^2, 1e-20)))
  (only the square-root argument is clipped; D12 itself is not clamped);
* H_0 = 0 and psi_0 = 0 (they are NOT computed from S_0);
* Delta_mu[0, 0] = g[0]^2 for every region mu (the first region's gain, for all regions);
* Gamma_mu[0, j] = 0 for all j;
* at step j: psi_j = Psi(Delta[j-1, j-1]); H_j from psi_{j-1} and S_{j-1};
  S_j = (1 - dt) S_{j-1} + dt H_{j-1};
* Delta[i, j] = (1 - dt) Delta[i, j-1] + dt Gamma[i, j-1] for i < j, Delta[j, j] provisionally
  Delta[j-1, j-1];
* Gamma[i, j] = (1 - dt) Gamma[i-1, j] + dt (g_mu^2 C(Delta[i, i], Delta[j, j], Delta[i, j])
  + sum_nu H_i^{mu nu} H_j^{mu nu}) for i = 1..j in increasing order, source evaluated at (i, j),
  with the provisional Delta[j, j] used both as the second variance and, at i = j, as the first;
* Delta[j, j] = (1 - dt) Delta[j-1, j] + dt Gamma[j-1, j] (final).

Only the previous column of Delta and Gamma is kept per region (O(N_t R) memory), plus the
diagonal, the row Delta[t0, t0 + tau], and the per-step S, H, psi.

The source term is evaluated with NumPy over i (elementwise, same floating-point operations as a
scalar loop); the Gamma recursion along i is a plain sequential Python loop, so the recursion order
is exactly the one above.

Usage:
  python3 benches/numpy/cb_dmft_reference.py --tensor "v0,v1,..." --g "g1,g2,..." \
      --s0 "s0,s1,..." [--dt 0.05] [--nt 2500] [--t0 NT//3] [--csv FILE]

T[mu, nu, rho] is given flat at index (mu*R + nu)*R + rho; S0[mu, nu] flat at mu*R + nu.
Prints one JSON object with keys dt, nt, t0, currents, drives, gains, delta_diag, row, delta_hat,
classes. Bad input: message on stderr and exit code 2.

Importable: run(T, g, S0, dt, nt, t0=None) -> dict, classify(x) -> str.
"""
import argparse
import json
import math
import sys

import numpy as np

TWO_OVER_PI = 2.0 / math.pi
CLIP = 1e-20


# ---------------------------------------------------------------------------------------------
# model pieces
# ---------------------------------------------------------------------------------------------
def gain(D):
    """Psi(D) = 1 / sqrt(1 + pi D / 2) (elementwise)."""
    D = np.asarray(D, dtype=float)
    return 1.0 / np.sqrt(1.0 + math.pi * D / 2.0)


def source_kernel(d11, d22, d12):
    """Zero-mean source kernel C(D11, D22, D12), elementwise; only the sqrt argument is clipped."""
    d11 = np.asarray(d11, dtype=float)
    d22 = np.asarray(d22, dtype=float)
    d12 = np.asarray(d12, dtype=float)
    arg = (d11 + TWO_OVER_PI) * (d22 + TWO_OVER_PI) - d12 * d12
    return TWO_OVER_PI * np.arctan(d12 / np.sqrt(np.maximum(arg, CLIP)))


def drives(T, psi, S):
    """H^{mu nu} = psi^nu * sum_rho T[mu, nu, rho] S^{nu rho}; T is (R, R, R), psi (R,), S (R, R)."""
    R = psi.shape[0]
    H = np.zeros((R, R))
    for mu in range(R):
        for nu in range(R):
            acc = 0.0
            for rho in range(R):
                acc += T[mu, nu, rho] * S[nu, rho]
            H[mu, nu] = psi[nu] * acc
    return H


# ---------------------------------------------------------------------------------------------
# scheme (§3.11)
# ---------------------------------------------------------------------------------------------
def _as_inputs(T, g, S0):
    g = np.asarray(g, dtype=float).reshape(-1)
    R = g.shape[0]
    if R < 1:
        raise ValueError("g must have at least one entry")
    T = np.asarray(T, dtype=float).reshape(-1)
    if T.shape[0] != R * R * R:
        raise ValueError("tensor has %d entries, expected R^3 = %d for R = len(g) = %d"
                         % (T.shape[0], R ** 3, R))
    S0 = np.asarray(S0, dtype=float).reshape(-1)
    if S0.shape[0] != R * R:
        raise ValueError("s0 has %d entries, expected R*R = %d" % (S0.shape[0], R * R))
    return T.reshape(R, R, R), g, S0.reshape(R, R), R


def run(T, g, S0, dt, nt, t0=None):
    """Run the two-time DMFT scheme and classify each region.

    T: R^3 values (flat (mu*R + nu)*R + rho, or an (R, R, R) array); g: R disorder gains;
    S0: R*R initial currents (flat mu*R + nu, or (R, R)); dt: step; nt: number of grid points;
    t0: grid index of the autocorrelation row (default nt // 3).
    Returns a dict with the same keys as the command-line JSON output (plain Python lists).
    """
    T, g, S0, R = _as_inputs(T, g, S0)
    dt = float(dt)
    nt = int(nt)
    if nt < 1:
        raise ValueError("nt must be >= 1")
    if t0 is None:
        t0 = nt // 3
    t0 = int(t0)
    if not 0 <= t0 <= nt - 1:
        raise ValueError("t0 = %d outside the grid 0..%d" % (t0, nt - 1))

    a = 1.0 - dt
    g2 = g * g  # g[mu]^2 in the source term

    S = np.zeros((nt, R, R))    # S_j
    H = np.zeros((nt, R, R))    # H_j  (H_0 = 0: quirk)
    psi = np.zeros((nt, R))     # psi_j (psi_0 = 0: quirk)
    diag = np.zeros((nt, R))    # final Delta_mu[j, j]
    row = np.zeros((R, nt - t0))  # Delta_mu[t0, t0 + tau]

    S[0] = S0
    diag[0, :] = g[0] * g[0]     # quirk: the first region's g^2 for every region

    # previous column of Delta_mu[:, j-1] and Gamma_mu[:, j-1], entries 0..j-1 valid
    Dcol = np.zeros((R, nt))
    Gcol = np.zeros((R, nt))
    Dcol[:, 0] = diag[0]
    Gcol[:, 0] = 0.0              # Gamma[0, 0] = 0
    if t0 == 0:
        row[:, 0] = diag[0]

    for j in range(1, nt):
        # 1. gains, drives, currents (with their lags)
        psi[j] = gain(diag[j - 1])
        H[j] = drives(T, psi[j - 1], S[j - 1])
        S[j] = a * S[j - 1] + dt * H[j - 1]
        Hj = H[j]

        for mu in range(R):
            Dc = Dcol[mu]
            Gc = Gcol[mu]
            # 2. Euler step along the column: Delta[i, j] for i < j (uses Gamma[i, j-1])
            Dc[:j] = a * Dc[:j] + dt * Gc[:j]
            Dc[j] = diag[j - 1, mu]        # provisional Delta[j, j]
            if j - 1 >= t0:
                row[mu, j - t0] = Dc[t0]   # Delta[t0, j] for t0 < j is final here

            # 3. sweep along i = 1..j: source at (i, j)
            d11 = diag[1:j + 1, mu].copy()  # final Delta[i, i] for i < j
            d11[-1] = Dc[j]                # provisional Delta[j, j] at i = j
            c = source_kernel(d11, Dc[j], Dc[1:j + 1])
            hh = np.zeros(j)
            for nu in range(R):
                hh = hh + H[1:j + 1, mu, nu] * Hj[mu, nu]
            b = (dt * (g2[mu] * c + hh)).tolist()
            col = [0.0]                    # Gamma[0, j] = 0
            acc = 0.0
            for bi in b:                   # Gamma[i, j] = (1-dt) Gamma[i-1, j] + dt * src(i, j)
                acc = a * acc + bi
                col.append(acc)
            Gc[:j + 1] = col

            # 4. final diagonal
            djj = a * Dc[j - 1] + dt * Gc[j - 1]
            diag[j, mu] = djj
            Dc[j] = djj
            if j == t0:
                row[mu, 0] = djj

    with np.errstate(divide="ignore", invalid="ignore"):
        delta_hat = row / np.sqrt(diag[t0, :][:, None] * diag[t0:, :].T)

    classes = [classify(delta_hat[mu]) for mu in range(R)]
    return {
        "dt": dt,
        "nt": nt,
        "t0": t0,
        "currents": S.reshape(nt, R * R).tolist(),
        "drives": H.reshape(nt, R * R).tolist(),
        "gains": psi.tolist(),
        "delta_diag": diag.tolist(),
        "row": row.tolist(),
        "delta_hat": delta_hat.tolist(),
        "classes": classes,
    }


# ---------------------------------------------------------------------------------------------
# classifier (§3.8)
# ---------------------------------------------------------------------------------------------
def classify(x):
    """Classify a normalised autocorrelation row x[tau] = Delta_hat(t0, t0 + tau)."""
    x = np.asarray(x, dtype=float).reshape(-1)
    n = x.shape[0]
    # 1.
    if np.all(x == 0):
        return "invalid"
    if np.std(x) < 1e-2:
        return "FP"
    # 2. interior local maxima: x[k] > x[k-1] and x[k] >= x[k+1]
    peaks = [k for k in range(1, n - 1) if x[k] > x[k - 1] and x[k] >= x[k + 1]]
    if len(peaks) == 0:
        return "invalid"
    if peaks[0] < 10:
        peaks[0] = 0
    npk = len(peaks)
    # 3.
    if npk == 1 and x[-1] > 0.05:
        return "FP+chaos"
    # 4.
    if (npk >= 2 and x[peaks[1]] > 0.98) or \
            (npk >= 3 and x[peaks[1]] > 0.97 and x[peaks[2]] > 0.97):
        return "LC"
    # 5.
    if npk == 1 or npk == 2 or (npk >= 3 and x[peaks[-2]] > 1.05 * x[peaks[-1]]):
        return "chaos"
    # 6.
    return "LC+chaos"


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
class _UsageError(Exception):
    pass


def _floats(name, text):
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 0 or any(p == "" for p in parts):
        raise _UsageError("--%s: expected a comma-separated list of numbers, got %r" % (name, text))
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise _UsageError("--%s: expected a comma-separated list of numbers, got %r" % (name, text))


def _join_option_values(argv, names):
    """Turn '--opt value' into '--opt=value' so values starting with '-' (e.g. '-2,0,...') parse."""
    out = []
    k = 0
    while k < len(argv):
        tok = argv[k]
        if tok in names and k + 1 < len(argv):
            out.append(tok + "=" + argv[k + 1])
            k += 2
        else:
            out.append(tok)
            k += 1
    return out


def _write_csv(path, res):
    R = len(res["gains"][0])
    cols = ["k", "t"]
    cols += ["S_%d_%d" % (m, n) for m in range(R) for n in range(R)]
    cols += ["H_%d_%d" % (m, n) for m in range(R) for n in range(R)]
    cols += ["psi_%d" % m for m in range(R)]
    cols += ["delta_diag_%d" % m for m in range(R)]
    dt = res["dt"]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for k in range(res["nt"]):
            vals = [str(k), repr(k * dt)]
            vals += [repr(v) for v in res["currents"][k]]
            vals += [repr(v) for v in res["drives"][k]]
            vals += [repr(v) for v in res["gains"][k]]
            vals += [repr(v) for v in res["delta_diag"][k]]
            f.write(",".join(vals) + "\n")


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    argv = _join_option_values(list(argv), {"--tensor", "--g", "--s0", "--dt", "--nt", "--t0",
                                            "--csv"})
    p = argparse.ArgumentParser(description="Reference two-time DMFT (docs/theory/3-multiregion.md "
                                            "§3.11) and classifier (§3.8).")
    p.add_argument("--tensor", required=True,
                   help="R^3 comma-separated values, T[mu,nu,rho] at (mu*R+nu)*R+rho")
    p.add_argument("--g", required=True, help="R comma-separated disorder gains")
    p.add_argument("--s0", required=True, help="R*R comma-separated initial currents, mu*R+nu")
    p.add_argument("--dt", type=float, default=0.05, help="time step (default 0.05)")
    p.add_argument("--nt", type=int, default=2500, help="number of grid points (default 2500)")
    p.add_argument("--t0", type=int, default=None, help="row index for the classifier "
                                                        "(default nt // 3)")
    p.add_argument("--csv", default=None, help="also write per-step S, H, psi, Delta_jj to FILE")
    args = p.parse_args(argv)  # argparse itself exits with code 2 on malformed options

    try:
        tensor = _floats("tensor", args.tensor)
        g = _floats("g", args.g)
        s0 = _floats("s0", args.s0)
        n = len(tensor)
        R = int(round(n ** (1.0 / 3.0)))
        while R ** 3 > n:
            R -= 1
        while (R + 1) ** 3 <= n:
            R += 1
        if R < 1 or R ** 3 != n:
            raise _UsageError("--tensor: %d values is not a cube R^3" % n)
        if len(g) != R:
            raise _UsageError("--g: %d values, but the tensor gives R = %d" % (len(g), R))
        if len(s0) != R * R:
            raise _UsageError("--s0: %d values, expected R*R = %d" % (len(s0), R * R))
        if not (args.dt > 0.0 and math.isfinite(args.dt)):
            raise _UsageError("--dt must be a positive finite number, got %r" % args.dt)
        if args.nt < 1:
            raise _UsageError("--nt must be >= 1, got %d" % args.nt)
        t0 = args.nt // 3 if args.t0 is None else args.t0
        if not 0 <= t0 <= args.nt - 1:
            raise _UsageError("--t0 = %d outside the grid 0..%d" % (t0, args.nt - 1))
    except _UsageError as e:
        sys.stderr.write("cb_dmft_reference.py: error: %s\n" % e)
        return 2

    res = run(tensor, g, s0, args.dt, args.nt, t0)
    if args.csv:
        _write_csv(args.csv, res)
    sys.stdout.write(json.dumps(res) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
