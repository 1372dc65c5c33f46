# %% [markdown]
# # [MO] Fig. 1 from Python: states of a rank-one network against the disorder g
#
# Rank one, M_m = 1.1, M_n = 2, Σ_m = Σ_n = 1, φ = tanh (`mo2018-fig1`). For each g the
# mean-field theory gives every state (static and chaotic, with stability); a finite network
# of N neurons, simulated from random initial conditions, settles on a stable one. The plot
# shows |κ|, Δ₀ and Δ∞ of the stable states against g with simulation points.
#
# Run top to bottom: `python examples/python/mo2018_fig1.py [OUT.png]` (jupytext percent format).

# %%
import sys

import numpy as np

import lowrank

sc = lowrank.Scenario("mo2018-fig1")
print(sc.description)

# %% [markdown]
# ## Theory: every state at each g, the stable ones kept

# %%
gs = np.linspace(0.3, 3.0, 28)
rows = []
for g in gs:
    for s in lowrank.solve(sc.set("mo2018.g", float(g))):
        if s.stable:  # the attractors: linearly stable static states, stable chaotic states
            rows.append((g, f"{s.branch} {s.regime}", abs(s.kappa[0]), s.delta0[0], s.delta_inf[0]))
print(f"{len(rows)} stable states over {len(gs)} values of g")

# %% [markdown]
# ## Simulation: N = 1000, 2 trials, time-averaged |κ| and Δ₀

# %%
sim_g = [0.5, 1.5, 2.5]
sim = []
for g in sim_g:
    r = lowrank.simulate(sc.set("mo2018.g", g), n=1000, seed=1, trials=2, t=60.0, burn_in=30.0,
                         method="heun")
    kappa = np.mean([abs(t["kappa"][0]) for t in r.to_dict()["per_trial"]])
    sim.append((g, kappa, r.delta0[0]))
    print(f"g = {g}: simulated |kappa| = {kappa:.3f}, delta0 = {r.delta0[0]:.3f}")

# %% [markdown]
# ## Figure

# %%
import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes a PNG; a notebook shows the figure inline
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
styles = {"heterogeneous stationary": "-", "heterogeneous chaotic": "--", "central chaotic": ":"}
for branch in sorted({b for _, b, *_ in rows}):
    style = styles.get(branch, "-.")
    # the ± states have the same |κ|, Δ₀, Δ∞: one line each
    pts = sorted({(g, round(k, 12), d0, di) for g, b, k, d0, di in rows if b == branch})
    g, k, d0, di = map(np.array, zip(*pts))
    ax.plot(g, k, "C0" + style, label=f"|κ| {branch}")
    ax.plot(g, d0, "C1" + style, label=f"Δ₀ {branch}")
    if "chaotic" in branch:
        ax.plot(g, di, "C2" + style, label=f"Δ∞ {branch}")
sg, sk, sd = map(np.array, zip(*sim))
ax.plot(sg, sk, "C0o", label="|κ| simulation (N = 1000)")
ax.plot(sg, sd, "C1o", label="Δ₀ simulation")
ax.set_xlabel("g")
ax.set_title("[MO] Fig. 1: rank one, M_m = 1.1, M_n = 2")
ax.legend(fontsize=7)
out = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1].endswith(".png") else "mo2018_fig1.png"
fig.savefig(out, dpi=120, bbox_inches="tight")
print("saved", out)

# %% [markdown]
# The simulated points sit on the stable branch up to O(N^{-1/2}); `cargo xtask validate`
# checks that they converge to it as N grows.
