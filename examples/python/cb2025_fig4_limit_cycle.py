# %% [markdown]
# # [CB] from Python: generator–transmitter tension (Fig. 4a) and a two-time DMFT limit cycle
#
# Clark & Beiran 2025 study R regions of N neurons with φ = erf(√π x/2), disorder of strength g_μ
# inside each region, and a rank-one block from every region ν to every region μ. The currents
# S^{μν} carry activity from region ν to region μ; their drives H^{μν} are what this package
# calls κ (docs/theory §1.3, §1.4, §3). This tutorial reproduces two results of the paper:
#
# 1. **Fig. 4a** (docs/theory §3.2, §3.3, §3.6): one region with a self-loop T¹¹¹ = b. The
#    mean-field states against g — the current magnitude √A, the total variance Δ₀ and the
#    static variance Δ∞ — for b = 2 and b = 3, with finite-N simulations on top.
# 2. **A limit cycle** (docs/theory §3.4, §3.8, §3.11): two regions whose effective-interaction
#    matrix T̂ has complex leading eigenvalues, integrated with the two-time DMFT: the currents
#    oscillate, the autocorrelation Δ(t₀, t₀ + τ) is periodic, and the classifier says "LC".
#
# Run top to bottom: `python examples/python/cb2025_fig4_limit_cycle.py [OUT.png]` (jupytext
# percent format); needs matplotlib. It runs in well under two minutes on two cores.

# %%
import sys

import numpy as np

import lowrank

fig4a = lowrank.Scenario("cb2025-fig4a-b2")
print(fig4a.description)
print(fig4a.describe())

# %% [markdown]
# ## Fig. 4a: the theory
#
# With one region and U = 1 the structured variance is A = S² (docs/theory §1.4), and at a
# steady state S = κ, so √A = |κ| (`Solution.structured_variance` is A). A region that carries a
# current must sit at gain ψ = Ψ(Δ₀) = 1/b (gain pinning, §3.2), which fixes its total variance
#
# $$\Delta_0 = \tfrac{2}{\pi}(b^2 - 1)$$
#
# whatever g is. Disorder uses up part of this budget (A = Δ∞ − g² C(Δ∞; Δ₀), §3.2), so √A falls
# with g (§3.6):
#
# - the **static** branch (Δ∞ = Δ₀) is a stable fixed point iff g²(1 + πΔ₀)^(-1/2) < 1, i.e. up
#   to g_c(b) = (2b² − 1)^(1/4) (§3.3); beyond it its continuation is unstable (dashed);
# - the **chaotic branch with currents** (Δ∞ < Δ₀, A > 0) takes over for g_c < g < g*;
# - at g*, where the gain of pure chaos ψ₀(g*) reaches 1/b, A reaches 0: beyond it the region
#   is purely chaotic (A = Δ∞ = 0) and only generates activity, transmitting nothing.
#
# The scenario file's keys: `cb2025.t.0` is T¹¹¹ = b and `cb2025.g.0` is g (docs/scenarios.md).
# `lowrank.solve` returns every state at one (b, g), with its stability; we loop over g.

# %%
BS = [2.0, 3.0]
gs = np.round(np.arange(0.0, 3.2001, 0.025), 4)


def at(b, g):
    """The Fig. 4a scenario with self-loop b and disorder g."""
    return fig4a.set("cb2025.t.0", float(b)).set("cb2025.g.0", float(g))


def pinned_delta0(b):
    return 2.0 / np.pi * (b * b - 1.0)


def g_c(b):
    return (2.0 * b * b - 1.0) ** 0.25


theory = {}  # (b, kind, stable) -> list of (g, sqrt A, delta0, delta_inf)
psi0 = {}  # g -> gain of pure chaos (A = 0, so the same for every b; 1 for g <= 1)
attractor = {b: {} for b in BS}  # b -> g -> the stable state(s)
for b in BS:
    for g in gs:
        sols = lowrank.solve(at(b, g))
        assert sols.search["complete"], sols.search
        for s in sols:
            sqrt_a = float(np.sqrt(s.structured_variance[0]))
            # √A = |κ| (U = 1, S = κ at a steady state)
            assert abs(sqrt_a - abs(s.kappa[0])) < 1e-8 * max(1.0, sqrt_a), s
            if s.branch == "heterogeneous":  # carries a current: A > 0
                kind = "static" if s.regime == "stationary" else "chaotic"
                if s.kappa[0] < 0:
                    continue  # the ± states have the same √A, Δ₀, Δ∞: keep one
            elif s.branch == "central" and s.regime == "chaotic":
                kind = "pure chaos"
                psi0[float(g)] = float(s.gain[0])
            else:
                continue  # the zero state and the static disordered state at S = 0: unstable here
            theory.setdefault((b, kind, bool(s.stable)), []).append(
                (float(g), sqrt_a, float(s.delta0[0]), float(s.delta_inf[0]))
            )
            if s.stable:
                attractor[b].setdefault(float(g), []).append((kind, sqrt_a, s))
print(f"{len(gs)} values of g for b = {BS}: {sum(map(len, theory.values()))} states kept")
for b in BS:
    print(f"b = {b}: pinned delta0 = {pinned_delta0(b):.4f}, g_c = {g_c(b):.4f}")

# %% [markdown]
# Sanity checks of the theory, each against a formula of docs/theory rather than a number
# copied from the output:
#
# - at small g the static branch exists, is stable, and at g = 0 has A = Δ₀ (§3.5);
# - every state that carries a current has Δ₀ pinned at (2/π)(b² − 1) (§3.2);
# - the static branch is stable exactly below g_c(b) (§3.3);
# - the attractor carries a current exactly where the gain of pure chaos exceeds 1/b (g < g*,
#   §3.6), and is pure chaos (A = 0) beyond.

# %%
g_stars = {}  # b -> first grid g where the attractor is pure chaos
for b in BS:
    static_ok = sorted(theory[(b, "static", True)])
    assert static_ok[0][0] == 0.0, "the static branch must exist at g = 0"
    assert abs(static_ok[0][1] ** 2 - pinned_delta0(b)) < 1e-8, static_ok[0]
    for kind in ("static", "chaotic"):
        for stable in (True, False):
            for g, sqrt_a, d0, dinf in theory.get((b, kind, stable), []):
                assert abs(d0 - pinned_delta0(b)) < 1e-6, (b, kind, g, d0)
                assert sqrt_a > 0.0 and dinf <= d0 + 1e-9
    for g, *_ in theory[(b, "static", True)]:
        assert g < g_c(b), (b, g)
    for g, *_ in theory.get((b, "static", False), []):
        assert g > g_c(b), (b, g)
    g_star = None
    for g in gs:
        states = attractor[b][float(g)]
        assert len(states) == 1, (b, g, states)  # one attractor (up to the sign of S)
        kind, sqrt_a, _ = states[0]
        p = psi0.get(float(g), 1.0)
        if abs(p - 1.0 / b) < 1e-3:
            continue  # too close to g* to call on this grid
        if p > 1.0 / b:
            assert kind in ("static", "chaotic") and sqrt_a > 0.0, (b, g, kind)
        else:
            g_star = g_star or float(g)
            assert kind == "pure chaos" and sqrt_a == 0.0, (b, g, kind)
    g_stars[b] = g_star
    print(f"b = {b}: static stable up to g_c = {g_c(b):.3f}; currents vanish at g* ≈ {g_star:.3f} (grid)")

# %% [markdown]
# ## Fig. 4a: finite-N simulations
#
# One network of N = 2000 neurons per value (single precision, as in docs/validation.md), two
# trials from x(0) ~ N(0, 1), Heun with dt = 0.1, 30 time units of burn-in and 100 recorded. The sign of S is random, so √A is measured as
# |S(t)| averaged over the recorded series; Δ₀ is the measured variance, and Δ∞ the tail of the
# measured autocorrelation Δ(τ) (lags up to 40). Finite-N deviations are O(N^{-1/2}) with a
# sizeable constant (docs/validation.md): most of it is quenched — the realised loading
# statistics of the one network drawn — so another seed moves the points by about as much.
# They are larger on the chaotic branch near g*, where the current mode is soft and S(t)
# wanders, and in pure chaos, where |S(t)| of a current that fluctuates about 0 has a positive
# mean that shrinks as N^{-1/2} but grows with σ_n (σ_n² = b² here, docs/scenarios.md) and
# with the softness of the current mode.

# %%
SIM_N = 2000
sim_points = {2.0: [0.0, 1.2, 1.8, 2.6], 3.0: [0.0, 1.5, 2.4, 3.0]}
sim = {b: [] for b in BS}
acf_b3 = None
for b in BS:
    for g in sim_points[b]:
        r = lowrank.simulate(at(b, g), n=SIM_N, seed=1, trials=2, t=100.0, burn_in=30.0, dt=0.1,
                             method="heun", max_lag=40.0, lag_step=0.5, record_every=0.5, f32=True)
        s_abs = np.mean([np.abs(np.asarray(tr["currents"])[:, 0]).mean() for tr in r.series["trials"]])
        sim[b].append((g, s_abs, r.delta0[0], r.delta_inf[0]))
        if (b, g) == (3.0, 2.4):
            acf_b3 = r.autocorrelation
        kind, sqrt_a, s = attractor[b][g][0]
        print(f"b = {b}, g = {g} ({kind}): sqrt(A) theory {sqrt_a:.3f} sim {s_abs:.3f} | "
              f"delta0 {s.delta0[0]:.3f} / {r.delta0[0]:.3f} | "
              f"delta_inf {s.delta_inf[0]:.3f} / {r.delta_inf[0]:.3f}")

# %% [markdown]
# A loose check that the simulations land on the right branch: where the theory has currents,
# the network carries a current; deep in pure chaos its current is much smaller than on the
# branch with currents.

# %%
for b in BS:
    for g, s_abs, d0, dinf in sim[b]:
        kind, sqrt_a, _ = attractor[b][g][0]
        if kind == "pure chaos":
            assert s_abs < 0.5 * max(a for _, a, *_ in theory[(b, "static", True)]), (b, g, s_abs)
        else:
            assert s_abs > 0.5 * sqrt_a, (b, g, s_abs, sqrt_a)

# %% [markdown]
# ## [CB] Fig. 4b: the autocorrelation on the chaotic branch
#
# On the chaotic branch with currents (b = 3, g = 2.4) Δ(τ) decays from Δ₀ to Δ∞ > 0 (the
# frozen part carried by the current), from the energy equation Δ̈ = −V′(Δ) of §3.2;
# `solve(..., autocorrelation=TMAX)` returns it.

# %%
chaotic_b3 = [s for s in lowrank.solve(at(3.0, 2.4), autocorrelation=40.0)
              if s.branch == "heterogeneous" and s.regime == "chaotic" and s.stable][0]
acf_theory = chaotic_b3.autocorrelation
assert acf_theory["delta"][0][0] > acf_theory["delta"][0][-1] > 0.0

# %% [markdown]
# ## A limit cycle: two regions, two-time DMFT
#
# `cb2025-limit-cycle` has R = 2 and T chosen so that the four currents form a directed cycle
# S¹¹ → S²¹ → S²² → S¹² → S¹¹ with one negative weight: T̂ has eigenvalues λ = √2(±1 ± i).
# At zero currents the linearised current dynamics is δṠ = (−1 + diag(ψ₀) T̂) δS (§3.4, §1.9),
# so zero currents are unstable iff Re λ_max > 1/ψ₀(g); a complex leading eigenvalue makes this
# a Hopf bifurcation. `solve` reports these outliers ψ₀λ at the zero-current states. At g = 0,
# ψ₀ = 1 and the outliers have Re = √2 > 1: no stable steady state exists. At g = 1.5 the gain of
# pure chaos is ψ₀ ≈ 0.66 < 1/√2 and the zero-current chaotic state is stable again.

# %%
lc = lowrank.Scenario("cb2025-limit-cycle")
print(lc.description)
for g in (0.0, 1.5):
    sols = lowrank.solve(lc.set("cb2025.g", [g, g]))
    for s in sols:
        lead = s.outliers[np.argmax(s.outliers.real)] if len(s.outliers) else None
        print(f"g = {g}: {s.branch} {s.regime}, stable = {s.stable}, gain = {np.round(s.gain, 3)}, "
              f"leading outlier = {np.round(lead, 3)}")
    if g == 0.0:
        assert not any(s.stable for s in sols), "at g = 0 no steady state should be stable"
        zero = [s for s in sols if s.branch == "trivial"][0]
        lead = zero.outliers[np.argmax(zero.outliers.real)]
        assert lead.real > 1.0 and abs(lead.imag) > 0.0, "Hopf: complex outlier with Re > 1"
    else:
        chaos = [s for s in sols if s.stable]
        assert len(chaos) == 1 and chaos[0].regime == "chaotic" and not np.any(chaos[0].kappa)
        assert np.max(chaos[0].outliers.real) < 1.0

# %% [markdown]
# The two-time DMFT (§1.8, scheme of §3.11) integrates the currents S(t), the gains ψ(t) and the
# whole autocorrelation Δ^μ(t, t′) from random initial currents; no stationarity is assumed. The
# classifier of §3.8 reads the normalised slice Δ̂(t₀, t₀ + τ) of each region (t₀ = t/3 by
# default) and says FP, FP+chaos, LC, LC+chaos or chaos; `frequency` is the dominant frequency of
# the currents on t ≥ t₀ (cycles per unit time). A cheap estimate of that frequency: the gains
# drop until the leading eigenvalue of diag(ψ^ν)T̂ reaches Re = 1; for this T̂ all its
# eigenvalues lie on the diagonals (Re = ±Im, for any gains ψ¹, ψ²), so the currents should
# rotate at an angular frequency near 1. This is a frozen-gain heuristic, not an exact result:
# the gains oscillate along the cycle.

# %%
T_DMFT = 300.0
d = lowrank.dmft(lc, t=T_DMFT, dt=0.05)
assert d.frequency is not None and d.frequency > 0.0, "the currents must oscillate"
omega = 2 * np.pi * d.frequency
late = d.t >= d.t0
amp_dmft = float(np.sqrt(np.mean((d.currents[late] - d.currents[late].mean(0)) ** 2)))
print(d)
print(f"regime per region: {d.regime}; frequency {d.frequency:.4f} (omega = {omega:.3f}); "
      f"RMS current amplitude {amp_dmft:.3f}; period {1 / d.frequency:.2f}")
assert d.regime == ["LC", "LC"], d.regime
assert 0.8 < omega < 1.2, omega  # the frozen-gain estimate, to 20 %
assert amp_dmft > 0.1  # a cycle of finite amplitude, not a decaying transient

d_chaos = lowrank.dmft(lc.set("cb2025.g", [1.5, 1.5]), t=T_DMFT, dt=0.05)
amp_chaos = float(np.sqrt(np.mean(d_chaos.currents[d_chaos.t >= d_chaos.t0] ** 2)))
print(f"g = 1.5: regime {d_chaos.regime}, RMS current {amp_chaos:.4f}")
assert all(r == "chaos" for r in d_chaos.regime), d_chaos.regime
assert amp_chaos < 0.1 * amp_dmft  # disorder silences the oscillation (§3.4)

# %% [markdown]
# ## The limit cycle in a finite network
#
# The phase of a limit cycle is marginal, so a simulation is compared through phase-free
# numbers: the dominant frequency of its currents and their RMS amplitude (as in
# docs/validation.md, `cb-limit-cycle`). One network of N = 1000 neurons per region.

# %%
r = lowrank.simulate(lc, n=1000, seed=3, trials=1, t=250.0, burn_in=50.0, dt=0.05,
                     record_every=0.25)
s_t = np.asarray(r.series["t"])
s_cur = np.asarray(r.series["trials"][0]["currents"])  # (N_t, 4)
centred = s_cur - s_cur.mean(0)
power = (np.abs(np.fft.rfft(centred, axis=0)) ** 2).sum(1)
freqs = np.fft.rfftfreq(len(s_t), d=s_t[1] - s_t[0])
f_sim = float(freqs[1:][np.argmax(power[1:])])
amp_sim = float(np.sqrt(np.mean(centred ** 2)))
print(f"simulation N = 1000: frequency {f_sim:.4f} (DMFT {d.frequency:.4f}), "
      f"RMS amplitude {amp_sim:.3f} (DMFT {amp_dmft:.3f})")
assert abs(f_sim - d.frequency) < 0.15 * d.frequency
assert abs(amp_sim - amp_dmft) < 0.3 * amp_dmft

# %% [markdown]
# The whole two-time matrix Δ¹(t, t′) (`matrix=True`; 8·P·N_t² bytes, so a shorter run): at
# g = 0 it is Σ_ν S^{1ν}(t) S^{1ν}(t′) (§1.8 with U = 1), periodic in t and in t′ with the
# period of the cycle.

# %%
d_mat = lowrank.dmft(lc, t=60.0, dt=0.05, matrix=True)
print("two-time matrix:", d_mat.delta.shape)
assert np.allclose(d_mat.delta[0], d_mat.delta[0].T, equal_nan=True)  # Δ(t, t′) = Δ(t′, t)

# %% [markdown]
# ## Figure

# %%
import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes a PNG; a notebook shows the figure inline
import matplotlib.pyplot as plt

fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
colors = {2.0: "C0", 3.0: "C3"}

ax = axes[0, 0]
for b in BS:
    c = colors[b]
    for (bb, kind, stable), pts in theory.items():
        if bb != b or (kind == "pure chaos" and not stable):
            continue  # unstable pure chaos sits at √A = 0 under the other branches
        g, sa, *_ = map(np.array, zip(*sorted(pts)))
        ax.plot(g, sa, "-" if stable else "--", color=c, lw=2.2 if kind == "chaotic" else 1.2)
    ax.axvline(g_c(b), color=c, lw=0.6, ls=":")
    sg, ssa, *_ = map(np.array, zip(*sim[b]))
    ax.plot(sg, ssa, "o", color=c, mfc="white")
    ax.plot([], [], "s", color=c, label=f"b = {b:g}")
ax.plot([], [], "k-", lw=1.2, label="static (stable)")
ax.plot([], [], "k--", lw=1.2, label="static (unstable)")
ax.plot([], [], "k-", lw=2.2, label="chaotic with currents")
ax.plot([], [], "ko", mfc="white", label=f"simulation N = {SIM_N}")
ax.set_xlabel("g")
ax.set_ylabel("√A = |S|")
ax.set_title("[CB] Fig. 4a: current magnitude (dotted: g_c(b))")
ax.legend(fontsize=7)

ax = axes[0, 1]
for b in BS:
    c = colors[b]
    pts = sorted((g, st[0][2].delta0[0], st[0][2].delta_inf[0]) for g, st in attractor[b].items())
    g, d0, dinf = map(np.array, zip(*pts))
    ax.plot(g, d0, "-", color=c, label=f"Δ₀, b = {b:g}")
    ax.plot(g, dinf, "--", color=c, label=f"Δ∞, b = {b:g}")
    sg, _, sd0, sdinf = map(np.array, zip(*sim[b]))
    ax.plot(sg, sd0, "o", color=c, mfc="white")
    ax.plot(sg, sdinf, "s", color=c, mfc="white")
ax.set_xlabel("g")
ax.set_title("stable state: Δ₀ (solid, ○) and Δ∞ (dashed, □)")
ax.legend(fontsize=7)

ax = axes[0, 2]
ax.plot(acf_theory["lags"], acf_theory["delta"][0], "C3-", label="theory")
ax.plot(acf_b3["lags"], acf_b3["delta"][0], "C3o", ms=3, mfc="white", label=f"simulation N = {SIM_N}")
ax.axhline(chaotic_b3.delta_inf[0], color="C3", lw=0.6, ls=":")
ax.set_xlabel("τ")
ax.set_ylabel("Δ(τ)")
ax.set_title("[CB] Fig. 4b: b = 3, g = 2.4 (dotted: Δ∞)")
ax.legend(fontsize=7)

ax = axes[1, 0]
names = lc.describe()["terms"]
shown = d.t <= 60.0
for k, name in enumerate(names):
    ax.plot(d.t[shown], d.currents[shown, k], lw=1, label=f"S({name}), g = 0")
ax.plot(d_chaos.t[shown], d_chaos.currents[shown, 0], "k--", lw=0.8, label="S(1<-1), g = 1.5")
ax.set_xlabel("t")
ax.set_title(f"DMFT currents: {', '.join(d.regime)}, ω = {omega:.3f}")
ax.legend(fontsize=7, ncol=2)

ax = axes[1, 1]
for p in range(d.slice_hat.shape[0]):
    ax.plot(d.lags, d.slice_hat[p], lw=1, label=f"region {p + 1}: {d.regime[p]}")
ax.plot(d_chaos.lags, d_chaos.slice_hat[0], "k--", lw=0.8, label=f"g = 1.5: {d_chaos.regime[0]}")
ax.set_xlim(0, 40)
ax.set_xlabel("τ")
ax.set_title(f"Δ̂(t₀, t₀ + τ), t₀ = {d.t0:.1f}")
ax.legend(fontsize=7)

ax = axes[1, 2]
step = 4  # every 4th time: plenty for the picture, and a small PNG
im = ax.contourf(d_mat.t[::step], d_mat.t[::step], d_mat.delta[0][::step, ::step], levels=12,
                 cmap="viridis")
ax.set_aspect("equal")
fig.colorbar(im, ax=ax, shrink=0.8)
ax.set_xlabel("t′")
ax.set_ylabel("t")
ax.set_title("Δ¹(t, t′), region 1")

fig.tight_layout()
out = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1].endswith(".png") else "cb2025_fig4_limit_cycle.png"
fig.savefig(out, dpi=110, bbox_inches="tight")
print("saved", out)

# %% [markdown]
# On the static branch the simulated √A and Δ₀ sit on the theory up to O(N^{-1/2}); on the
# chaotic branch near g* (b = 2, g = 1.8) the soft current mode makes the finite-N values
# scatter more, and Δ∞ needs much larger N there (docs/validation.md, "Soft modes"). The DMFT
# limit cycle and the simulated one agree in frequency and amplitude; their phases are
# unrelated, as they should be. `cargo xtask validate` checks all of these as N grows.

# %%
print("summary:")
for b in BS:
    print(f"  b = {b:g}: Delta0 pinned at {pinned_delta0(b):.4f}; static branch stable below "
          f"g_c = {g_c(b):.4f}; currents vanish at g* ≈ {g_stars[b]:.3f} (grid step {gs[1] - gs[0]:g})")
print(f"  limit cycle (g = 0): {d.regime}, frequency {d.frequency:.4f} (DMFT) vs {f_sim:.4f} "
      f"(N = 1000); g = 1.5: {d_chaos.regime}")
