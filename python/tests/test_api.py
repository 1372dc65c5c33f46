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


def _csv(text):
    """A `lowrank sweep` CSV as (header, rows of cells), without the metadata trailer."""
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    return lines[0].split(","), [l.split(",") for l in lines[1:]]


def _cli_text(*args):
    exe = os.environ.get("LOWRANK_BIN") or os.path.join(ROOT, "target", "release", "lowrank")
    if not os.path.exists(exe):
        pytest.skip(f"no CLI binary at {exe}")
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout


def test_sweep_2d_equals_the_cli_csv_bit_for_bit():
    sc = lowrank.Scenario("mo2018-fig1")
    seen = []
    r = lowrank.sweep(
        sc,
        {"mo2018.g": [0.5, 1.5, 2.5], "mo2018.mean_n": np.array([1.0, 2.5])},
        progress=lambda done, total: seen.append((done, total)),
    )
    header, rows = _csv(_cli_text("sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:2.5:3",
                                  "--param", "mo2018.mean_n=1:2.5:2"))
    assert list(r.keys()) == header
    assert len(r["point"]) == len(rows)
    for j, name in enumerate(header):
        col = r[name]
        for i, row in enumerate(rows):
            cell = row[j]
            if col.dtype == bool:
                assert col[i] == (cell == "true"), (name, i)
            elif col.dtype.kind in "iu":
                assert col[i] == int(cell), (name, i)
            elif col.dtype.kind == "f":
                if cell == "":
                    assert np.isnan(col[i]), (name, i)
                else:
                    assert col[i] == float(cell), (name, i)  # exact: shortest round trip
            else:
                assert col[i] == cell, (name, i)
    assert sorted(set(r["point"].tolist())) == list(range(6))
    assert seen and seen[-1] == (6, 6)
    # the first key is the outer loop
    assert r["mo2018.g"][r["point"] == 1][0] == 0.5 and r["mo2018.mean_n"][r["point"] == 1][0] == 2.5


def test_sweep_errors():
    sc = lowrank.Scenario("mo2018-fig1")
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.sweep(sc, {"mo2018.g": [1.0, float("nan")]})
    assert e.value.field == "mo2018.g"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.sweep(sc, {"mo2018.g": [-1.0]})
    assert e.value.field == "mo2018.g"
    with pytest.raises(lowrank.ScenarioError):
        lowrank.sweep(sc, {})
    with pytest.raises(lowrank.ScenarioError):
        lowrank.sweep(sc, {"mo2018.g": [[1.0, 2.0]]})


def test_threshold_and_spectrum_equal_the_cli():
    sc = lowrank.Scenario("mo2018-fig1")
    doc = lowrank.threshold_report(sc, "mo2018.g", (1.0, 2.5))
    assert doc == cli("threshold", "mo2018-fig1", "--param", "mo2018.g=1.0:2.5", "--json")
    th = lowrank.threshold(sc, "mo2018.g", (1.0, 2.5))
    assert th == doc["thresholds"] and all(t["converged"] for t in th)
    # the typed report: why Newton stopped, and its a-posteriori error estimate at p*, which
    # the convergence verdict requires below 1e-10·max(1, |p*|) (docs/theory.md, thresholds)
    for t in th:
        assert t["termination"] in ("converged", "residual_floor"), t
        assert 0.0 <= t["error_estimate"] <= 1e-10 * max(1.0, abs(t["value"])), t
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.threshold(sc, "mo2018.g", (2.0, 1.0))
    assert e.value.field == "range"
    sp = lowrank.spectrum(sc, n=200, seed=4)
    ref = cli("spectrum", "mo2018-fig1", "--n", "200", "--seed", "4", "--json")
    assert sp.dtype == np.complex128 and sp.shape == (200,)
    np.testing.assert_array_equal(sp.real, [e[0] for e in ref["eigenvalues"]])
    np.testing.assert_array_equal(sp.imag, [e[1] for e in ref["eigenvalues"]])
    assert sp.predicted_bulk_radius == ref["predicted"]["bulk_radius"]
    assert sp.report["outlier"] == ref["outlier"]
    with pytest.raises(MemoryError):
        lowrank.spectrum(sc, n=10**7)


def test_scenario_dict_toml_and_check_round_trip():
    import tomllib

    sc = lowrank.Scenario("two-populations").set("population.E.gain", 1.3)
    assert sc.check() == cli("check", "two-populations", "--set", "population.E.gain=1.3", "--json")
    again = lowrank.Scenario.from_toml(sc.to_toml())
    assert again.check() == sc.check()
    d = tomllib.loads(sc.to_toml())
    from_dict = lowrank.Scenario.from_dict(d)
    assert from_dict.check() == sc.check()
    assert lowrank.solve(from_dict).to_dict()["solutions"] == lowrank.solve(sc).to_dict()["solutions"]
    with pytest.raises(lowrank.ScenarioError):
        lowrank.Scenario.from_dict({"mo2018": {"kind": "no-such-kind"}})
    with pytest.raises(lowrank.ScenarioError):
        lowrank.Scenario.from_dict([1, 2])


@pytest.mark.parametrize("call", ["simulate", "dmft", "sweep", "study"])
def test_ctrl_c_stops_a_long_computation(call):
    """SIGINT during a long run raises KeyboardInterrupt within a second, not at the end."""
    import signal
    import sys
    import time

    code = {
        "simulate": "lowrank.simulate(sc, n=1500, t=20000.0, dt=0.1)",
        "dmft": "lowrank.dmft(lowrank.Scenario('cb2025-pure-chaos'), t=3000.0, dt=0.05)",
        "sweep": "lowrank.sweep(sc, {'mo2018.g': np.linspace(0.5, 3, 100000)})",
        "study": "lowrank.study('fig5', grid=20, samples=20)",
    }[call]
    prog = (
        "import sys, time, numpy as np, lowrank\n"
        "sc = lowrank.Scenario('mo2018-fig1')\n"
        "print('ready', flush=True)\n"
        "t = time.time()\n"
        "try:\n"
        f"    {code}\n"
        "    print('finished', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', time.time() - t, flush=True)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", prog], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    sent = time.time()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    waited = time.time() - sent
    assert out.startswith("interrupted"), out
    assert waited < 5.0, f"took {waited:.1f} s to stop"


def test_simulate_trace_arrays():
    sc = lowrank.Scenario("mo2018-fig1")
    r = lowrank.simulate(sc, n=200, seed=3, t=2.0, dt=0.1, trials=3, trace=True)
    tr = r.trace
    assert tr["t"].shape == (21,) and tr["t"][0] == 0.0 and abs(tr["t"][-1] - 2.0) < 1e-12
    assert tr["kappa"].shape == (3, 21, 1) and tr["delta0"].shape == (3, 21, 1)
    # recorded every step, the series holds exactly the states the time averages run over:
    # its mean is the reported per-trial mean up to summation-order rounding (21 terms)
    for b in range(3):
        for name in ("kappa", "delta0"):
            x = tr[name][b, :, 0]
            tol = 21 * np.finfo(float).eps * np.abs(x).max()
            assert abs(x.mean() - r.per_trial[b][name][0]) <= tol, (b, name)
    assert not hasattr(lowrank.simulate(sc, n=200, seed=3, t=2.0, dt=0.1), "trace")


def test_study_fig5_equals_the_cli():
    seen = []
    doc = lowrank.study("fig5", grid=2, samples=2, t=10.0, re=(1.0, 2.0), seed=3,
                        progress=lambda d, n: seen.append((d, n)))
    ref = cli("study", "fig5", "--grid", "2", "--samples", "2", "--t", "10", "--re", "1:2",
              "--seed", "3", "--json")
    assert doc == ref
    assert len(doc["cells"]) == 4 and seen[-1] == (4, 4)
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("fig5", grid=0)
    assert e.value.field == "grid"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("fig5", max_tries=0)
    assert e.value.field == "max_tries"
    with pytest.raises(lowrank.ScenarioError):
        lowrank.study("fig7")


def test_study_fig4_equals_the_cli():
    doc = lowrank.study("fig4", b=2.5, g=(0.0, 3.0, 13), acf=[1.5], tau_max=5.0, tau_step=0.5)
    ref = cli("study", "fig4", "--b", "2.5", "--g", "0:3:13", "--acf", "1.5", "--tau-max", "5",
              "--tau-step", "0.5", "--json")
    assert doc == ref
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("fig4", b=0.5)
    assert e.value.field == "b"


def test_studies_fig6_switch_polytope_equal_the_cli():
    doc = lowrank.study("fig6", g1=np.array([0.5, 1.5]), t=20.0)
    assert doc == cli("study", "fig6", "--g1", "0.5,1.5", "--t", "20", "--json")
    tensor = [1, 0, 0, 2, 0, 1.5, 0.5, 0]
    doc = lowrank.study("fig6", regions=2, tensor=tensor, g1=[0.3], t=10.0)
    assert doc == cli("study", "fig6", "--regions", "2", "--tensor", "1,0,0,2,0,1.5,0.5,0",
                      "--g1", "0.3", "--t", "10", "--json")
    sw = lowrank.study("switch", a=[2.5, 2.0], b=[2.0, 2.5], signs=[1, -1], t=100.0,
                       series=True, every=10)
    ref = cli("study", "switch", "--a", "2.5,2", "--b", "2,2.5", "--signs", "1,-1", "--t", "100",
              "--json")
    assert {k: v for k, v in sw.items() if k != "series"} == ref
    # the recorded series ends where each phase's end state is
    s = sw["series"]
    assert set(s) >= {"t", "input", "S_1_1", "S_2_2", "norm2_1", "gain_2"}
    last = s["t"] == s["t"].max()
    assert s["S_1_2"][last][0] == ref["phases"][1]["currents"][1]
    poly = lowrank.study("polytope", b=[2, 2.5, 3], fracture_draws=20, regions=4)
    assert poly == cli("study", "polytope", "--b", "2,2.5,3", "--fracture-draws", "20",
                       "--regions", "4", "--json")
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("switch", region=9)
    assert e.value.field == "region"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("switch", input_gain="stine")
    assert e.value.field == "input_gain"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("polytope", b=[2.0, 0.5])
    assert e.value.field == "b"
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.study("fig6", regions=2, tensor=[1.0, 2.0])
    assert e.value.field == "tensor"


def test_dmft_equals_the_cli(tmp_path):
    """Every array of lowrank.dmft against `lowrank dmft --json --csv --delta-npy`, exactly."""
    sc = lowrank.Scenario("cb2025-limit-cycle")
    r = lowrank.dmft(sc, t=10.0, slice_t0=3.0, matrix=True)
    csv_path, npy_path = tmp_path / "d.csv", tmp_path / "d.npy"
    doc = cli("dmft", "cb2025-limit-cycle", "--t", "10", "--slice", "3", "--json",
              "--csv", str(csv_path), "--delta-npy", str(npy_path))
    assert r.regime == doc["regime"] and r.frequency == doc["frequency"]
    assert r.nt == doc["nt"] and r.dt == doc["dt"]
    np.testing.assert_array_equal(r.slice, doc["slice"]["delta"])
    np.testing.assert_array_equal(r.slice_hat, doc["slice"]["delta_hat"])
    np.testing.assert_array_equal(r.lags, doc["slice"]["lags"])
    np.testing.assert_array_equal(r.currents[-1], doc["currents"])
    np.testing.assert_array_equal(r.kappa[-1], doc["kappa"])
    np.testing.assert_array_equal(r.gain[-1], doc["gain"])
    np.testing.assert_array_equal(r.delta0[-1], doc["delta0"])
    header = open(csv_path).readline().strip().split(",")
    table = np.loadtxt(csv_path, delimiter=",", skiprows=1)
    col = {h: table[:, j] for j, h in enumerate(header)}
    k, p = r.currents.shape[1], r.delta0.shape[1]
    for i in range(k):
        np.testing.assert_array_equal(col[f"S{i}"], r.currents[:, i])
        np.testing.assert_array_equal(col[f"kappa{i}"], r.kappa[:, i])
    for i in range(p):
        np.testing.assert_array_equal(col[f"gain{i}"], r.gain[:, i])
        np.testing.assert_array_equal(col[f"delta0_{i}"], r.delta0[:, i])
    np.testing.assert_array_equal(np.load(npy_path), r.delta)


def test_convergence_errors_are_typed():
    # a search that finds nothing is a kind of convergence failure a caller can tell apart
    assert issubclass(lowrank.NotFoundError, lowrank.ConvergenceError)
    assert issubclass(lowrank.ConvergenceError, RuntimeError)
    # every solution carries its report; `termination` is the solver's typed reason, in the
    # JSON and in Python alike
    sols = lowrank.solve(lowrank.Scenario("mo2018-fig1").set("mo2018.g", 2.0))
    assert len(sols) > 0
    for s in sols:
        d = s.to_dict()
        assert d["converged"] is True
        assert d["termination"] in ("converged", "residual_floor", "closed_form"), d
        assert "reason" not in d
