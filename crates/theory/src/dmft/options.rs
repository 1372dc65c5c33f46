//! Options of a DMFT run ([`DmftOptions`]): the step, the horizon, the band of lags, the
//! source method, the ordering and the classifier, with the memory they need.

use super::*;

/// How the source C_φ(t,t′) = E[φ(x(t))φ(x(t′))] is evaluated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub enum SourceMethod {
    /// φ with an O(1) closed form ([`Phi::closed_form_source`]: erf, linear and their affine
    /// forms): the closed forms of `lowrank_gauss::erf::c_phi` (arctan at zero means,
    /// bivariate-normal CDF otherwise), linear exact. Every other φ (tanh, sigmoid, softplus,
    /// relu, hard-tanh, custom, …): the Mehler expansion C_φ = Σ_k a_k(t) b_k(t′) ρ^k
    /// (`lowrank_gauss::mehler`, docs/theory §1.8, §1.10 (3)) with the Hermite coefficients
    /// computed once per time point and population, each pair accepted only when its rigorous
    /// truncation bound is at most 10⁻¹⁰·√(⟨φ²⟩(t)⟨φ²⟩(t′)); the other pairs (|ρ| near 1 with
    /// slowly decaying coefficients) use the accuracy-controlled `Gauss::c_phi`
    /// ([`DmftResult::source_fallbacks`] counts them).
    #[default]
    Auto,
    /// Generic bivariate Gauss–Hermite tensor quadrature of φ(x₁)φ(x₂) with `order` nodes per
    /// dimension (any φ; an explicit cross-check of the closed forms and of the Mehler source,
    /// accurate only where a degree-2·order polynomial resolves φ: for tanh at variance Δ it needs
    /// order ≳ 300Δ for ~10⁻¹², see `lowrank_gauss::integrals::GH_TANH_NODES_PER_VARIANCE`).
    Quadrature {
        /// Nodes per dimension.
        order: usize,
    },
}

/// A per-dimension Gauss–Hermite order for [`SourceMethod::Quadrature`] cross-checks of the tanh
/// source (the order the tanh source used before the Mehler source; on the R = 2 test model of
/// the integration tests its Δ trajectories agree with order 80 to < 10⁻⁵). [`SourceMethod::Auto`]
/// no longer uses it.
pub const DEFAULT_TANH_ORDER: usize = 40;

/// Memory (bytes) the source of [`run`] keeps beyond the O(N_t) time series: the Mehler
/// coefficient sets of [`SourceMethod::Auto`] for a φ without closed form, for `populations`
/// populations and the last `times` = min(N_t, band + 1) time points (0 for a closed-form φ or
/// [`SourceMethod::Quadrature`]).
///
/// ```
/// use lowrank_gauss::Phi;
/// use lowrank_theory::dmft::{source_memory, SourceMethod};
/// assert_eq!(source_memory(Phi::Erf, SourceMethod::Auto, 2, 2500), 0.0);
/// assert!(source_memory(Phi::Tanh, SourceMethod::Auto, 2, 2500) < 5e7);
/// ```
pub fn source_memory(phi: Phi, source: SourceMethod, populations: usize, times: usize) -> f64 {
    match source {
        SourceMethod::Auto if !phi.closed_form_source() => {
            8.0 * mehler_source::values_per_time(phi) as f64 * populations as f64 * times as f64
        }
        _ => 0.0,
    }
}

/// Options of [`run`].
#[derive(Clone, Debug, PartialEq)]
pub struct DmftOptions {
    /// Time step dt (reference 0.05).
    pub dt: f64,
    /// Number of grid points N_t (reference 2500 or 3000).
    pub nt: usize,
    /// Initial currents S(0); `None` draws S_k(0) ~ U[0, 1) from `seed` (reference).
    pub s0: Option<Vec<f64>>,
    /// Seed of the initial currents.
    pub seed: u64,
    /// Initial total variances Δ_p(0,0); `None`: per population Σ_q G_pq + 𝒮_p(S0, u(0)) (the
    /// variance of x(0) = Σ_k m^k S_k(0) + Σ_a I^a u_a(0) + h(0) with Var h(0) = Σ_q G_pq), or G_11
    /// for every population under `reference_ordering`.
    pub delta00: Option<Vec<f64>>,
    /// Reproduce the reference implementation's scheme step for step (§3.11, §6): its lag order,
    /// ψ_0 = κ_0 = 0, Γ_{0,j} = 0, Δ00 = G_11 for every population and the unclamped zero-mean
    /// erf source (module docs, "Orderings").
    pub reference_ordering: bool,
    /// Keep only the `b` most recent lags (O(N_t·b) cost); `None` = all lags.
    pub band: Option<usize>,
    /// Source evaluation.
    pub source: SourceMethod,
    /// Grid index t0 of the classification row Δ(t0, t0+τ); `None` = N_t/3 (833 for N_t = 2500).
    pub t0: Option<usize>,
    /// Keep the whole two-time matrix Δ_p(t_i, t_j) in [`DmftResult::matrix`] (8·P·N_t² bytes;
    /// check the size first with [`matrix_memory`]).
    pub keep_matrix: bool,
    /// Rules that classify Δ̂(t0, t0+τ) ([`DmftResult::classify`]).
    pub classifier: Classifier,
    /// Stop request, checked once per time step: when raised, [`run`] returns
    /// [`TheoryError::Interrupted`].
    pub interrupt: lowrank_model::Interrupt,
}

/// Bytes of the two-time matrix kept with [`DmftOptions::keep_matrix`]: 8·P·N_t².
///
/// ```
/// assert_eq!(lowrank_theory::dmft::matrix_memory(2, 1000), 16.0e6);
/// ```
pub fn matrix_memory(populations: usize, nt: usize) -> f64 {
    8.0 * populations as f64 * (nt as f64) * (nt as f64)
}

impl Default for DmftOptions {
    fn default() -> Self {
        DmftOptions {
            dt: 0.05,
            nt: 2500,
            s0: None,
            seed: 0,
            delta00: None,
            reference_ordering: false,
            band: None,
            source: SourceMethod::Auto,
            t0: None,
            keep_matrix: false,
            classifier: Classifier::Default,
            interrupt: lowrank_model::Interrupt::default(),
        }
    }
}
