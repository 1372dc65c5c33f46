//! Quadrature rules, built once and cached: probabilists' Gauss–Hermite, Gauss–Legendre, and the
//! Gaussian-weighted trapezoid rule used for steep (large-variance) tanh integrands.
//!
//! docs/theory §4: one-dimensional Gaussian integrals ⟨f⟩ = ∫Dz f(z), Dz = e^{−z²/2}/√(2π) dz, are
//! computed as Σ_i w_i f(z_i) with the n-point probabilists' rule (exact for polynomials of
//! degree ≤ 2n − 1, Σ w_i = 1).
//!
//! Construction (no overflow for any order): the nodes are the eigenvalues of the Jacobi matrix of
//! the orthonormal Hermite polynomials p_k (diagonal 0, off-diagonal √k). Each positive node is
//! bracketed by Sturm-sequence bisection (LDLᵀ inertia count), then polished by Newton on
//! p_n / p_n′ = p_n / (√n p_{n−1}) using the normalised three-term recurrence
//! p_{k+1} = (z p_k − √k p_{k−1}) / √(k+1) with running rescaling. The weight is
//! w_i = 1 / (n p_{n−1}(z_i)²), evaluated in logarithms. Negative nodes are exact mirrors.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Probabilists' Gauss–Hermite rule: Σ_i w_i f(z_i) ≈ ∫Dz f(z), Σ w_i = 1, exact for polynomials
/// of degree ≤ 2n − 1 (docs/theory §4, "physicists' nodes × √2, weights / √π").
///
/// Nodes are sorted ascending and exactly symmetric (z_{n−1−i} = −z_i, equal weights).
///
/// ```
/// use lowrank_gauss::GaussHermite;
/// let gh = GaussHermite::cached(20);
/// // E[z^4] = 3 for a standard normal
/// let m4: f64 = gh.nodes.iter().zip(&gh.weights).map(|(z, w)| w * z.powi(4)).sum();
/// assert!((m4 - 3.0).abs() < 1e-13);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussHermite {
    /// Nodes z_i (ascending, symmetric about 0).
    pub nodes: Vec<f64>,
    /// Weights w_i > 0 with Σ w_i = 1.
    pub weights: Vec<f64>,
}

/// Orthonormal Hermite recurrence at `x`: returns (p_n, p_{n−1}, ln scale) such that the true
/// values are the returned ones times e^{ln scale}.
fn hermite_eval(sqrt_k: &[f64], n: usize, x: f64) -> (f64, f64, f64) {
    let mut p_prev = 0.0;
    let mut p = 1.0;
    let mut log_scale = 0.0;
    for k in 0..n {
        // p_{k+1} = (x p_k − √k p_{k−1}) / √(k+1)
        let next = (x * p - sqrt_k[k] * p_prev) / sqrt_k[k + 1];
        p_prev = p;
        p = next;
        if p.abs() > 1e150 {
            p *= 1e-150;
            p_prev *= 1e-150;
            log_scale += 150.0 * std::f64::consts::LN_10;
        }
    }
    (p, p_prev, log_scale)
}

/// Number of eigenvalues of the n×n Hermite Jacobi matrix that are < x (Sylvester inertia of
/// the LDLᵀ factorisation of J − xI).
fn count_below(n: usize, x: f64) -> usize {
    let mut count = 0;
    let mut d = -x;
    for k in 0..n {
        if k > 0 {
            d = -x - (k as f64) / d;
        }
        if d == 0.0 {
            d = -f64::MIN_POSITIVE;
        }
        if d < 0.0 {
            count += 1;
        }
    }
    count
}

impl GaussHermite {
    /// Build the `order`-point probabilists' rule (accurate to ~1e-14 in nodes and weights for
    /// orders into the thousands). `order = 0` is promoted to 1 (the rule z = 0, w = 1), the
    /// smallest rule that integrates constants exactly.
    ///
    /// Cost O(order²); use [`GaussHermite::cached`] in library code.
    pub fn new(order: usize) -> GaussHermite {
        let n = order.max(1);
        let sqrt_k: Vec<f64> = (0..=n).map(|k| (k as f64).sqrt()).collect();
        let mut nodes = vec![0.0; n];
        let mut weights = vec![0.0; n];
        let half = n / 2;
        let ln_n = (n as f64).ln();
        let weight_at = |x: f64| -> f64 {
            let (_, pm1, ls) = hermite_eval(&sqrt_k, n, x);
            (-ln_n - 2.0 * (pm1.abs().ln() + ls)).exp()
        };
        let upper = 2.0 * (n as f64).sqrt() + 1.0; // Gershgorin bound on the nodes
        let mut lo = 0.0;
        for r in 0..half {
            // target: the (n − half + r)-th eigenvalue in ascending order (0-based)
            let target = n - half + r;
            let (mut a, mut b) = (lo, upper);
            for _ in 0..200 {
                let m = 0.5 * (a + b);
                if m <= a || m >= b || b - a <= 1e-11 * b.max(1.0) {
                    break;
                }
                if count_below(n, m) > target {
                    b = m;
                } else {
                    a = m;
                }
            }
            lo = a;
            let mut x = 0.5 * (a + b);
            for _ in 0..10 {
                let (pn, pm1, _) = hermite_eval(&sqrt_k, n, x);
                let dx = pn / (sqrt_k[n] * pm1);
                if !dx.is_finite() {
                    break;
                }
                x -= dx;
                if dx.abs() <= 1e-16 * x.abs().max(1e-300) {
                    break;
                }
            }
            let w = weight_at(x);
            nodes[target] = x;
            weights[target] = w;
            nodes[half - 1 - r] = -x;
            weights[half - 1 - r] = w;
        }
        if n % 2 == 1 {
            nodes[half] = 0.0;
            weights[half] = weight_at(0.0);
        }
        GaussHermite { nodes, weights }
    }

    /// The process-wide cached rule of this order (built on first use, then shared; never freed).
    pub fn cached(order: usize) -> &'static GaussHermite {
        static CACHE: OnceLock<Mutex<HashMap<usize, &'static GaussHermite>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(order)
            .or_insert_with(|| Box::leak(Box::new(GaussHermite::new(order))))
    }

    /// Number of nodes n.
    pub fn order(&self) -> usize {
        self.nodes.len()
    }

    /// Σ_i w_i f(μ + √Δ z_i) ≈ ⟨f(μ + √Δ z)⟩ with no argument checks (Δ ≥ 0 assumed; `sd` = √Δ).
    /// At `sd == 0` this is exactly f(μ).
    #[inline]
    pub fn sum(&self, f: impl Fn(f64) -> f64, mu: f64, sd: f64) -> f64 {
        if sd == 0.0 {
            return f(mu);
        }
        let mut s = 0.0;
        for (z, w) in self.nodes.iter().zip(&self.weights) {
            s += w * f(mu + sd * z);
        }
        s
    }
}

/// Gauss–Legendre rule on [−1, 1]: Σ_i w_i f(x_i) ≈ ∫_{−1}^{1} f(x) dx, exact for degree ≤ 2n − 1.
///
/// Used for the θ-integral of the bivariate normal CDF (erf closed forms, docs/theory §1.10) and
/// available for ∫C dΔ (F differences).
///
/// ```
/// use lowrank_gauss::GaussLegendre;
/// let gl = GaussLegendre::cached(8);
/// let i: f64 = gl.nodes.iter().zip(&gl.weights).map(|(x, w)| w * x * x).sum();
/// assert!((i - 2.0 / 3.0).abs() < 1e-15);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussLegendre {
    /// Nodes in (−1, 1), ascending.
    pub nodes: Vec<f64>,
    /// Weights, Σ w_i = 2.
    pub weights: Vec<f64>,
}

impl GaussLegendre {
    /// Build the `order`-point rule (Newton on the Legendre recurrence from Chebyshev-like
    /// initial guesses). `order = 0` is promoted to 1.
    pub fn new(order: usize) -> GaussLegendre {
        let n = order.max(1);
        let nf = n as f64;
        let mut nodes = vec![0.0; n];
        let mut weights = vec![0.0; n];
        let legendre = |x: f64| -> (f64, f64) {
            // returns (P_n(x), P_n'(x))
            let (mut p0, mut p1) = (1.0, x);
            for k in 1..n {
                let kf = k as f64;
                let p2 = ((2.0 * kf + 1.0) * x * p1 - kf * p0) / (kf + 1.0);
                p0 = p1;
                p1 = p2;
            }
            let dp = nf * (p0 - x * p1) / (1.0 - x * x);
            (p1, dp)
        };
        for i in 0..n.div_ceil(2) {
            // i-th largest root
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
            for _ in 0..100 {
                let (p, dp) = legendre(x);
                let dx = p / dp;
                x -= dx;
                if dx.abs() <= 1e-16 {
                    break;
                }
            }
            let (_, dp) = legendre(x);
            let w = 2.0 / ((1.0 - x * x) * dp * dp);
            nodes[n - 1 - i] = x;
            weights[n - 1 - i] = w;
            nodes[i] = -x;
            weights[i] = w;
        }
        if n % 2 == 1 {
            nodes[n / 2] = 0.0;
        }
        GaussLegendre { nodes, weights }
    }

    /// The process-wide cached rule of this order.
    pub fn cached(order: usize) -> &'static GaussLegendre {
        static CACHE: OnceLock<Mutex<HashMap<usize, &'static GaussLegendre>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(order)
            .or_insert_with(|| Box::leak(Box::new(GaussLegendre::new(order))))
    }

    /// Number of nodes.
    pub fn order(&self) -> usize {
        self.nodes.len()
    }

    /// ∫_a^b f(x) dx ≈ (b−a)/2 Σ w_i f((a+b)/2 + (b−a)/2 x_i).
    #[inline]
    pub fn integrate(&self, f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
        let c = 0.5 * (a + b);
        let h = 0.5 * (b - a);
        let mut s = 0.0;
        for (x, w) in self.nodes.iter().zip(&self.weights) {
            s += w * f(c + h * x);
        }
        s * h
    }
}

/// Trapezoidal rule for ∫Dz on the real line: nodes z_k = k h (|z_k| ≤ [`TrapezoidRule::HALF_WIDTH`]),
/// weights h 𝖿(z_k).
///
/// For integrands analytic in the strip |Im z| < d (tanh(μ + √Δ z): d = π/(2√Δ)) the error is
/// O(e^{−2πd/h}) + O(e^{−2π²/h²}) + the truncated tail (< 1e−16 relative), i.e. far better than
/// Gauss–Hermite at equal node count when Δ is large: an n-point GH rule has error
/// ≈ 10² e^{−π√(n/Δ)} for tanh, so GH-200 is only good to 1e−12 for Δ ≲ 2. [`crate::Gauss`] uses
/// these rules automatically for the tanh-specific integrals when Δ is too large for its GH order.
///
/// ```
/// use lowrank_gauss::TrapezoidRule;
/// let t = TrapezoidRule::for_variance(20.0);
/// let s: f64 = t.weights.iter().sum();
/// assert!((s - 1.0).abs() < 1e-14);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TrapezoidRule {
    /// Step h.
    pub step: f64,
    /// Nodes k h, ascending, symmetric about 0 (odd count, middle node 0).
    pub nodes: Vec<f64>,
    /// Weights h 𝖿(k h).
    pub weights: Vec<f64>,
}

/// Number of cached step levels h_j = 0.5·2^{−j/8}, j < `TRAP_LEVELS`.
const TRAP_LEVELS: usize = 72;

impl TrapezoidRule {
    /// Nodes cover |z| ≤ 9 (standard normal tail mass beyond: 2.3e−19).
    pub const HALF_WIDTH: f64 = 9.0;

    /// Step needed for tanh-like integrands (poles at distance π/2 from the real axis in x) at
    /// variance Δ: h = 0.25/√Δ, at most 0.5 (Gaussian aliasing error e^{−2π²/h²} ≈ 5e−35).
    /// The pole error ≈ e^{−π²/(h√Δ)} = e^{−39.5} times a prefactor that grows with the pole
    /// order: φ‴ (order-4 poles) needs this margin — with 0.3/√Δ its error reaches 1e−10.
    pub fn step_for_variance(delta: f64) -> f64 {
        if delta > 0.25 {
            0.25 / delta.sqrt()
        } else {
            0.5
        }
    }

    /// Build the rule with step `h` (> 0; non-positive or non-finite steps are replaced by 0.5).
    pub fn new(step: f64) -> TrapezoidRule {
        let h = if step.is_finite() && step > 0.0 {
            step.min(0.5)
        } else {
            0.5
        };
        let k_max = (Self::HALF_WIDTH / h).floor() as i64;
        let mut nodes = Vec::with_capacity((2 * k_max + 1) as usize);
        let mut weights = Vec::with_capacity((2 * k_max + 1) as usize);
        for k in -k_max..=k_max {
            let z = k as f64 * h;
            nodes.push(z);
            weights.push(h * 0.398_942_280_401_432_7 * (-0.5 * z * z).exp());
        }
        TrapezoidRule {
            step: h,
            nodes,
            weights,
        }
    }

    /// The cached rule whose step is the largest level h_j = 0.5·2^{−j/8} ≤
    /// [`TrapezoidRule::step_for_variance`]`(delta)` (lock-free after first use). Levels stop at
    /// j = 71 (h ≈ 1.1e−3, adequate up to Δ ≈ 5·10⁴).
    pub fn for_variance(delta: f64) -> &'static TrapezoidRule {
        static LEVELS: [OnceLock<TrapezoidRule>; TRAP_LEVELS] =
            [const { OnceLock::new() }; TRAP_LEVELS];
        let h = Self::step_for_variance(delta);
        let j = (8.0 * (0.5 / h).log2())
            .ceil()
            .clamp(0.0, (TRAP_LEVELS - 1) as f64) as usize;
        LEVELS[j].get_or_init(|| TrapezoidRule::new(0.5 * (-(j as f64) / 8.0).exp2()))
    }

    /// Number of nodes.
    pub fn order(&self) -> usize {
        self.nodes.len()
    }
}
