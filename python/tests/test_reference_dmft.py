"""`reference_ordering=True` against an independent port of the reference implementation's
two-time DMFT scheme (benches/numpy/cb_dmft_reference.py, docs/theory §3.11 and §3.8): the
same S(0), tensor and gains give the same trajectories over N_t = 2500 to ~1e-12 and the same
classes under `classifier="reference"`."""

import csv
import importlib.util
import os
import subprocess

import numpy as np
import pytest

import lowrank

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PORT = os.path.join(ROOT, "benches", "numpy", "cb_dmft_reference.py")

spec = importlib.util.spec_from_file_location("cb_dmft_reference", PORT)
port = importlib.util.module_from_spec(spec)
spec.loader.exec_module(port)

NT, DT = 2500, 0.05
# the accumulated round-off of 2500 steps (the fast arctan differs from NumPy's by ≤ 3 ulp per
# source value; the recursion is contracting), relative to the series' largest value
TOL = 1e-12


def scenario(r, g, t):
    return lowrank.Scenario.from_dict(
        {
            "name": f"reference-r{r}",
            "cb2025": {"regions": r, "g": list(g), "t": list(t)},
            "simulation": {"n": 100, "t": 10.0, "dt": DT, "seed": 1},
        }
    )


def cases():
    rng = np.random.default_rng(7)
    out = [
        # the rotation-like T̂ of cb2025-limit-cycle with disorder: a limit cycle
        ("limit-cycle", 2, [0.5, 0.5], [0, -2, 0, 2, 2, 0, 2, 0], [0.1, 0.2, 0.3, 0.4]),
    ]
    # [CB] Fig. 5 draws: T ~ N(0, |λ|²/R), g = 1.5, S(0) ~ U[0, 1)
    for lam in (1.6, 2.2):
        t = rng.normal(0.0, lam / np.sqrt(2), 8)
        out.append((f"fig5-|λ|={lam}", 2, [1.5, 1.5], t.tolist(), rng.random(4).tolist()))
    # three regions, different gains (Δ00 = g_1² in every region is the reference's quirk)
    t = rng.normal(0.0, 2.0 / np.sqrt(3), 27)
    out.append(("r3", 3, [0.8, 1.2, 0.4], t.tolist(), rng.random(9).tolist()))
    return out


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("name,r,g,t,s0", cases(), ids=[c[0] for c in cases()])
def test_reference_ordering_equals_the_port(name, r, g, t, s0):
    want = port.run(np.array(t), np.array(g), np.array(s0), DT, NT)
    got = lowrank.dmft(
        scenario(r, g, t),
        t=NT * DT,
        dt=DT,
        s0=s0,
        reference_ordering=True,
        classifier="reference",
        slice_t0=want["t0"] * DT,
    )
    assert got.currents.shape == (NT, r * r)
    errors = {
        "currents": rel(got.currents, want["currents"]),
        "drives": rel(got.kappa, want["drives"]),
        "gains": rel(got.gain, want["gains"]),
        "delta_diag": rel(got.delta0, want["delta_diag"]),
        "row": rel(got.slice, want["row"]),
        "delta_hat": rel(got.slice_hat, want["delta_hat"]),
    }
    print(name, {k: f"{v:.1e}" for k, v in errors.items()})
    for what, e in errors.items():
        assert e <= TOL, f"{name}: {what} differs from the port by {e:.2e} (relative)"
    assert list(got.regime) == list(want["classes"])


def test_default_ordering_differs_from_the_port():
    """The check above can fail: without the reference ordering the same inputs give other
    trajectories (an O(dt) difference)."""
    name, r, g, t, s0 = cases()[0]
    want = port.run(np.array(t), np.array(g), np.array(s0), DT, 400)
    got = lowrank.dmft(scenario(r, g, t), t=400 * DT, dt=DT, s0=s0)
    assert rel(got.currents, want["currents"]) > 1e-4


def test_cli_reference_ordering_equals_the_port(tmp_path):
    exe = os.environ.get("LOWRANK_BIN") or os.path.join(ROOT, "target", "release", "lowrank")
    if not os.path.exists(exe):
        pytest.skip(f"no CLI binary at {exe} (set LOWRANK_BIN)")
    name, r, g, t, s0 = cases()[1]
    out = tmp_path / "series.csv"
    subprocess.run(
        [
            exe, "dmft", "cb2025-limit-cycle",
            "--set", f"cb2025.g.0={g[0]}", "--set", f"cb2025.g.1={g[1]}",
            "--tensor", ",".join(repr(x) for x in t),
            "--s0", ",".join(repr(x) for x in s0),
            "--reference-ordering", "--t", str(NT * DT), "--dt", str(DT), "--csv", str(out),
        ],
        check=True,
        capture_output=True,
    )
    with open(out) as f:
        rows = list(csv.reader(f))
    data = np.array([[float(x) for x in row] for row in rows[1:]])
    want = port.run(np.array(t), np.array(g), np.array(s0), DT, NT)
    k = r * r
    assert data.shape == (NT, 1 + 2 * k + 2 * r)
    assert rel(data[:, 1 : 1 + k], want["currents"]) <= TOL
    assert rel(data[:, 1 + k : 1 + 2 * k], want["drives"]) <= TOL
    assert rel(data[:, 1 + 2 * k + r :], want["delta_diag"]) <= TOL
