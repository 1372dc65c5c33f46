# %% [markdown]
# # Your own network: two populations with softplus rates, from TOML text
#
# An excitatory population E (80 %) and an inhibitory one I (20 %), disorder within and across
# them, one rank-one structure m nᵀ/N whose vectors have population-specific statistics, and
# non-negative rates φ = softplus. The general mean-field theory (docs/theory/) needs nothing
# else; `lowrank.solve` finds every state by its complete search, and a simulation checks the
# stable one.
#
# Run top to bottom: `python examples/python/own_network.py` (jupytext percent format).

# %%
import numpy as np

import lowrank

toml = """
name = "ei-softplus"
description = "E/I with softplus rates and one rank-one term"
nonlinearity = "softplus"

[[population]]
name = "E"
fraction = 0.8
gain = 0.6
gain_from = { I = 0.4 }

[[population]]
name = "I"
fraction = 0.2
gain = 0.5
gain_from = { E = 0.6 }

[[vector]]
name = "m"
[vector.population.E]
mean = 1.0
variance = 1.0
[vector.population.I]
mean = 0.5
variance = 0.5

[[vector]]
name = "n"
[vector.population.E]
mean = 0.4
variance = 1.0
[vector.population.I]
mean = -0.8
variance = 1.0

[[term]]
name = "1"
left = "m"
right = "n"
"""
sc = lowrank.Scenario.from_toml(toml)
print(sc.describe())

# %% [markdown]
# ## Every state

# %%
sols = lowrank.solve(sc)
# the search says whether it is complete, and why not (here: cross-population disorder has
# no κ scan yet, so only seeded Newton runs were made)
print("search:", "complete" if sols.search["complete"] else "NOT complete", sols.search["notes"])
for s in sols:
    print(s)

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
stable = [s for s in sols if s.stable]
r = lowrank.simulate(sc, n=2000, seed=2, trials=2, t=40.0, burn_in=20.0)
print("theory kappa:", [np.round(s.kappa, 4) for s in stable])
print("simulated kappa:", np.round(r.kappa, 4), " mu:", np.round(r.mu, 4), " delta0:", np.round(r.delta0, 4))
print("theory mu, delta0:", [(np.round(s.mu, 4), np.round(s.delta0, 4)) for s in stable])
