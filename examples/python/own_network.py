# %% [markdown]
# # Your own network: two populations with positive rates, from a Python dict
#
# An excitatory population E (80 %) and an inhibitory one I (20 %), disorder within and across
# them, one rank-one structure m nᵀ/N whose vectors have population-specific statistics, and
# positive, saturating rates φ(x) = 1 + tanh(x − 0.5) (an affine form of tanh, docs/scenarios.md).
# The general mean-field theory (docs/theory/) needs nothing else: `lowrank.solve` finds every
# state, `lowrank.threshold` locates where the states change, `lowrank.sweep` follows them
# through a parameter, and a simulation checks the stable one.
#
# Run top to bottom: `python examples/python/own_network.py` (jupytext percent format).

# %%
import numpy as np

import lowrank

network = {
    "name": "ei-rates",
    "description": "E/I with positive saturating rates and one rank-one term",
    "nonlinearity": {"kind": "tanh", "threshold": 0.5, "offset": 1.0},
    "population": [
        {"name": "E", "fraction": 0.8, "gain": 1.0, "gain_from": {"I": 0.4}},
        {"name": "I", "fraction": 0.2, "gain": 1.0, "gain_from": {"E": 0.6}},
    ],
    "vector": [
        {"name": "m", "population": {"E": {"mean": 1.0, "variance": 1.0},
                                     "I": {"mean": 0.5, "variance": 0.5}}},
        {"name": "n", "population": {"E": {"mean": 0.4, "variance": 1.0},
                                     "I": {"mean": -0.8, "variance": 1.0}}},
    ],
    "term": [{"name": "1", "left": "m", "right": "n"}],
}
sc = lowrank.Scenario.from_dict(network)
print(sc.describe())
# what the theory sees: the overlap matrix Ω and the disorder coupling G_pq = α_q g_pq²
report = sc.check()
print("Omega =", report["overlap_matrix"], " G =", np.round(report["disorder_coupling"], 4))
# the same network as a scenario file, for the command line (`lowrank solve FILE`)
print(sc.to_toml())

# %% [markdown]
# ## Every state
#
# The search says whether it is complete in its stated domain, and why not (here: with
# disorder across populations it has no κ scan yet, only seeded Newton runs).

# %%
sols = lowrank.solve(sc)
print("search:", "complete" if sols.search["complete"] else "NOT complete", sols.search["notes"])
for s in sols:
    print(s)
assert any(s.stable for s in sols), "a stable state was expected at these gains"

# %% [markdown]
# ## Thresholds and a sweep through the excitatory gain
#
# `threshold` locates every bifurcation of every branch on the interval by Newton on an
# extended system (folds, branch points, chaos onsets where the bulk radius of the stability
# matrix reaches 1, Hopf points); `sweep` solves on a grid and returns one array per column.

# %%
th = lowrank.threshold(sc, "population.E.gain", (0.5, 3.0))
for t in th:
    print(f"{t['kind']:>12} at g_E = {t['value']:.6f} on the {t['branch']} branch "
          f"(residual {t['residual']:.1e})")
onsets = [t["value"] for t in th if t["kind"] == "chaos-onset"]

g_e = np.linspace(0.5, 3.0, 26)
table = lowrank.sweep(sc, {"population.E.gain": g_e})
stable = table["stable"]
for g, regime, r in zip(table["population.E.gain"][stable], table["regime"][stable],
                        table["bulk_radius"][stable]):
    print(f"g_E = {g:.2f}: stable {regime:10s} bulk radius {r:.3f}")

# %% [markdown]
# Beyond the chaos onset the static state loses stability through the bulk of its stability
# spectrum (`instability == "bulk"`): the network is chaotic there. With disorder across
# populations the stationary chaotic states are looked for by seeded Newton runs only — the
# search reports it (`complete: False`, `failed_refinements`) instead of claiming there is no
# chaotic state; the two-time DMFT (`lowrank.dmft`) covers that regime.

# %%
assert len(onsets) == 1
above = table["population.E.gain"] > onsets[0]
print("above the onset:", set(table["instability"][above].tolist()), "stable:", set(table["stable"][above].tolist()))
assert not table["stable"][above].any() and set(table["instability"][above]) == {"bulk"}
assert table["stable"][~above].all()
beyond = lowrank.solve(sc.set("population.E.gain", 3.0))
print("search at g_E = 3:", beyond.search["notes"], "failed refinements:",
      beyond.search["failed_refinements"])

# %% [markdown]
# ## A bad value is a Python exception that names the field

# %%
try:
    sc.set("population.E.gain", -1.0)
except lowrank.ScenarioError as e:
    print("refused:", e.field, "-", e)

# %% [markdown]
# ## The stable state against a simulation (N = 2000)
#
# One network of N neurons deviates from the mean-field values by O(N^{-1/2}) — here mostly
# through the sample means of n in each population, which set how the mean rates feed κ.

# %%
stable_sols = [s for s in sols if s.stable]
r = lowrank.simulate(sc, n=2000, seed=2, trials=2, t=40.0, burn_in=20.0)
print("theory kappa:", [np.round(s.kappa, 4) for s in stable_sols])
print("simulated kappa:", np.round(r.kappa, 4), " mu:", np.round(r.mu, 4), " delta0:", np.round(r.delta0, 4))
print("theory mu, delta0:", [(np.round(s.mu, 4), np.round(s.delta0, 4)) for s in stable_sols])
