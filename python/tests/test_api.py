"""The Python API against the command line (same JSON, bit for bit), shapes and dtypes of
the arrays, every error type, and the round trip of solutions through to_dict."""

import json
import os
import subprocess

import numpy as np
import pytest

import lowrank

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args):
    """The `lowrank` binary of this checkout (built by `cargo build --release`), or skip."""
    exe = os.environ.get("LOWRANK_BIN")
    if exe is None:
        exe = os.path.join(ROOT, "target", "release", "lowrank")
        if not os.path.exists(exe):
            pytest.skip(f"no CLI binary at {exe} (set LOWRANK_BIN to compare with the CLI)")
    assert os.path.exists(exe), f"LOWRANK_BIN={exe} does not exist"
    out = subprocess.run([exe, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_bundled_scenarios_load():
    names = lowrank.bundled_scenarios()
    assert "mo2018-fig1" in names and "cb2025-pure-chaos" in names
    for name in names:
        sc = lowrank.Scenario(name)
        assert sc.name == name
        d = sc.describe()
        assert len(d["populations"]) >= 1 and len(d["weights"]) == len(d["populations"])


def test_solve_equals_the_cli_bit_for_bit():
    sc = lowrank.Scenario("mo2018-fig1").set("mo2018.g", 2.0)
    sols = lowrank.solve(sc)
    doc = cli("solve", "mo2018-fig1", "--set", "mo2018.g=2.0", "--json")
    assert sols.to_dict() == doc
    for s, d in zip(sols, doc["solutions"]):
        assert s.kappa.dtype == np.float64 and s.kappa.shape == (1,)
        assert s.delta0.shape == (1,) and s.delta0[0] == d["delta0"][0]
        assert s.outliers.dtype == np.complex128
        # round trip
        assert lowrank.Solution(s.to_dict()).to_dict() == s.to_dict()


def test_solve_autocorrelation():
    sc = lowrank.Scenario("cb2025-pure-chaos")
    sols = lowrank.solve(sc, autocorrelation=3.0, tau_step=0.5)
    chaos = [s for s in sols if s.regime == "chaotic"]
    assert chaos
    a = chaos[0].autocorrelation
    np.testing.assert_array_equal(a["lags"], np.arange(7) * 0.5)
    assert a["delta"].shape == (1, 7)
    assert a["delta"][0, 0] == chaos[0].delta0[0]
    doc = cli("solve", "cb2025-pure-chaos", "--autocorrelation", "3", "--tau-step", "0.5", "--json")
    acf = [s for s in doc["solutions"] if s["regime"] == "chaotic"][0]["autocorrelation"]
    assert acf["delta"] == a["delta"].tolist()


def test_simulate_equals_the_cli_and_is_reproducible():
    sc = lowrank.Scenario("mo2018-fig1")
    r = lowrank.simulate(sc, n=200, seed=3, t=10.0, trials=2, max_lag=2.0, lag_step=0.5)
    doc = cli("simulate", "mo2018-fig1", "--n", "200", "--seed", "3", "--t", "10",
              "--trials", "2", "--max-lag", "2", "--lag-step", "0.5", "--json")
    assert r.to_dict() == doc
    assert r.kappa.shape == (1,) and r.autocorrelation["delta"].shape == (1, 5)
    again = lowrank.simulate(sc, n=200, seed=3, t=10.0, trials=2, max_lag=2.0, lag_step=0.5)
    assert again.to_dict() == r.to_dict()


def test_dmft_shapes_and_slice():
    sc = lowrank.Scenario("cb2025-pure-chaos")
    r = lowrank.dmft(sc, t=10.0, dt=0.05, slice_t0=5.0)
    assert r.nt == 200 and r.t.shape == (200,)
    assert r.delta0.shape == (200, 1) and r.delta0.dtype == np.float64
    assert r.currents.shape[0] == 200
    assert r.slice.shape[0] == 1 and r.slice.shape == r.slice_hat.shape
    assert abs(r.slice_hat[0, 0] - 1.0) < 1e-12
    assert abs(r.t0 - 5.0) < 1e-12
    assert not hasattr(r, "delta")
    m = lowrank.dmft(sc, t=10.0, dt=0.05, slice_t0=5.0, matrix=True)
    assert m.delta.shape == (1, 200, 200) and m.delta.dtype == np.float64
    np.testing.assert_array_equal(m.delta[0], m.delta[0].T)
    np.testing.assert_array_equal(np.diag(m.delta[0]), m.delta0[:, 0])
    np.testing.assert_array_equal(m.delta[0, 100, 100:100 + m.slice.shape[1]], m.slice[0])


def test_scenario_errors_name_the_field():
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.Scenario("mo2018-fig1").set("mo2018.g", -1.0)
    assert e.value.field == "mo2018.g"
    assert isinstance(e.value, ValueError)
    with pytest.raises(lowrank.ScenarioError):
        lowrank.Scenario("no-such-scenario")
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.Scenario("mo2018-fig1").set("mo2018.nonlinearity", "softsign")
    assert "softsign" in str(e.value)
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.Scenario.from_toml("[mo2018]\nkind = 3\n")
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.simulate(lowrank.Scenario("mo2018-fig1"), n=0)
    assert e.value.field == "n"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.simulate(lowrank.Scenario("mo2018-fig1"), dt=float("nan"))
    assert e.value.field == "dt"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.solve(lowrank.Scenario("cb2025-pure-chaos"), autocorrelation=-1.0)
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.dmft(lowrank.Scenario("cb2025-pure-chaos"), t=10.0, slice_t0=20.0)
    assert e.value.field == "slice_t0"


def test_absurd_sizes_are_refused_not_allocated():
    with pytest.raises(MemoryError):
        lowrank.simulate(lowrank.Scenario("mo2018-fig1"), n=10**8)
    # an endless run is refused before it starts, naming the option
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.simulate(lowrank.Scenario("mo2018-fig1"), n=100, t=1e12)
    assert e.value.field == "t"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.dmft(lowrank.Scenario("cb2025-pure-chaos"), t=1e4, dt=0.01)
    assert e.value.field == "t"
