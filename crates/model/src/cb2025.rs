//! Constructors for Clark & Beiran (2025) \[CB\] (docs/theory §1.3, §3): R regions of N
//! neurons (weight α = 1 each), φ(x) = erf(√π x/2), disorder g_μ inside each region, and a
//! rank-one block m^{μν} n^{μνᵀ}/N from every region ν to every region μ (K = R²).
//!
//! Names (1-based, μ receiving, ν sending): populations `1`..`R`; vectors `m_μ_ν` (lives in
//! region μ) and `n_μ_ν` (lives in region ν); term `μ<-ν` with left `m_μ_ν`, right `n_μ_ν`;
//! input vectors/inputs `I_ν` (live in region ν). Vector order: all `m` (row-major in μ, ν),
//! all `n`, then the inputs. Term k = μR + ν (0-based), so Ω = T̂ in this order.
//!
//! Tensors are flat `Vec<f64>` with 0-based indices: T^{μνρ} at `(μ*R+ν)*R+ρ`,
//! U^{νρρ'} at `(ν*R+ρ)*R+ρ'`.

use crate::builder::ModelBuilder;
use crate::error::{finite, ModelError};
use crate::network::{Model, Schedule};
use crate::validate::{check_psd, min_eigenpair, psd_tolerance};
use lowrank_gauss::Phi;
use nalgebra::DMatrix;
use serde::Serialize;

/// Largest number of regions R: the model has 2R² loading vectors and R covariances of that
/// size, so memory and validation time grow as R⁵ (measured: R = 8 checks in ≈ 0.3 s
/// optimised, R = 16 takes minutes). The papers use R ≤ 5.
pub const MAX_REGIONS: usize = 10;

/// Check 1 ≤ R ≤ [`MAX_REGIONS`] (before anything of size R³ is allocated).
pub fn check_regions(r: usize) -> Result<(), ModelError> {
    if r == 0 || r > MAX_REGIONS {
        return Err(ModelError::invalid(
            "cb2025.regions",
            format!("{r} regions: must be in 1..={MAX_REGIONS}"),
        ));
    }
    Ok(())
}

/// Multiplicative step of the σ_n² inflation rule (docs/theory §4).
pub const INFLATION_STEP: f64 = 1.05;
/// σ_n² above which the inflation report carries a warning (docs/theory §4).
pub const INFLATION_WARNING: f64 = 10.0;
/// Maximum number of inflation steps before giving up (1.05¹⁰⁰⁰ ≈ 1.5·10²¹).
pub const MAX_INFLATION_STEPS: usize = 1000;

/// Name of population/region μ (0-based index → `"μ+1"`).
pub fn region_name(mu: usize) -> String {
    (mu + 1).to_string()
}
/// Name of m^{μν} (0-based indices → `m_{μ+1}_{ν+1}`).
pub fn m_name(mu: usize, nu: usize) -> String {
    format!("m_{}_{}", mu + 1, nu + 1)
}
/// Name of n^{μν}.
pub fn n_name(mu: usize, nu: usize) -> String {
    format!("n_{}_{}", mu + 1, nu + 1)
}
/// Name of the term from region ν to region μ: `"μ+1<-ν+1"`.
pub fn term_name(mu: usize, nu: usize) -> String {
    format!("{}<-{}", mu + 1, nu + 1)
}
/// Name of the input vector (and input) into region ν.
pub fn input_name(nu: usize) -> String {
    format!("I_{}", nu + 1)
}

/// Input into one region (docs/theory §3.10): a vector I^ν living in region ν, unit variance,
/// orthogonal to every m, with σ_{n^{μν} I^ν} = V^{μν}.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionInput {
    /// Receiving region ν (0-based; the scenario file's `region` is 1-based).
    pub region: usize,
    /// V^{μν} for μ = 0..R (length R).
    pub v: Vec<f64>,
    /// Time course u(t) (the amplitude I^ν of §3.10 is its value).
    pub schedule: Schedule,
}

/// The \[CB\] multiregion network (docs/theory §1.3): in region ν the entries
/// (n^{1ν}..n^{Rν}, m^{ν1}..m^{νR}) have covariance [[σ_n² 𝟙, T^{·ν·}], [T^{·ν·ᵀ}, U^ν]].
///
/// ```
/// use lowrank_model::cb2025::Multiregion;
/// // one region with a self-loop T^{111} = b = 2 (Fig. 4a), no disorder
/// let built = Multiregion::new(1, vec![0.0], vec![2.0]).build().unwrap();
/// assert!((built.model.overlap_matrix()[(0, 0)] - 2.0).abs() < 1e-12);
/// assert!((built.inflation.sigma_n2 - 4.0).abs() < 1e-12); // max(1, s_max(T)²)
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Multiregion {
    /// Number of regions R ≥ 1.
    pub regions: usize,
    /// g_μ, disorder gain inside each region (length R).
    pub gain: Vec<f64>,
    /// T^{μνρ}, flat, index (μR+ν)R+ρ (length R³).
    pub t: Vec<f64>,
    /// U^{νρρ'}, flat, index (νR+ρ)R+ρ' (length R³); None: U^ν = 𝟙.
    pub u: Option<Vec<f64>>,
    /// σ_n², variance of every n entry; None: chosen by the §4 rule (see [`Multiregion::build`]).
    pub sigma_n2: Option<f64>,
    /// Cross-region gains g_μν (μ ≠ ν), flat row-major R×R with zero diagonal; None: no
    /// cross-region disorder (\[CB\] A.3, derived).
    pub cross_gain: Option<Vec<f64>>,
    /// Inputs (§3.10), at most one per region.
    pub inputs: Vec<RegionInput>,
}

/// Report of the σ_n² choice (docs/theory §4): starting value, ×1.05 steps until every
/// Σ^{(ν)} is PSD, final value, warning when σ_n² > 10.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Inflation {
    /// σ_n² used.
    pub sigma_n2: f64,
    /// Value requested in the scenario (None: automatic).
    pub requested: Option<f64>,
    /// Starting value: the requested one, or max(1, max_ν s_max(T^{·ν·})²).
    pub start: f64,
    /// Number of ×1.05 multiplications applied.
    pub steps: usize,
    /// σ_n² > 10: finite-N noise is large.
    pub warning: bool,
    /// Smallest eigenvalue of each Σ^{(ν)} at the final σ_n².
    pub min_eigenvalues: Vec<f64>,
}

/// A built multiregion model with its σ_n² report.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiregionModel {
    /// The general model.
    pub model: Model,
    /// How σ_n² was chosen.
    pub inflation: Inflation,
}

/// Symmetric effective interactions (docs/theory §3.5): T^{μνρ} = δ_μρ c^{μν} with
/// c = u uᵀ + diag(a − b), u_μ = s_μ √b^μ. Returns the flat T (length R³).
///
/// ```
/// use lowrank_model::cb2025::symmetric;
/// let t = symmetric(&[2.0, 2.1], &[2.5, 2.4], &[1.0, -1.0]).unwrap();
/// let r = 2;
/// assert!((t[(0 * r + 0) * r + 0] - 2.0).abs() < 1e-15);           // c¹¹ = a¹
/// assert!((t[(0 * r + 1) * r + 0] + (2.5f64 * 2.4).sqrt()).abs() < 1e-15); // c¹² = s₁s₂√(b¹b²)
/// assert_eq!(t[(0 * r + 1) * r + 1], 0.0);                           // ρ ≠ μ
/// ```
pub fn symmetric(a: &[f64], b: &[f64], signs: &[f64]) -> Result<Vec<f64>, ModelError> {
    let r = a.len();
    if r == 0 {
        return Err(ModelError::invalid(
            "cb2025.symmetric.a",
            "needs at least one region",
        ));
    }
    for (name, len) in [("b", b.len()), ("signs", signs.len())] {
        if len != r {
            return Err(ModelError::invalid(
                format!("cb2025.symmetric.{name}"),
                format!("length {len} ≠ R = {r} (length of a)"),
            ));
        }
    }
    for mu in 0..r {
        finite(|| format!("cb2025.symmetric.a.{mu}"), a[mu])?;
        finite(|| format!("cb2025.symmetric.b.{mu}"), b[mu])?;
        if b[mu] < 0.0 {
            return Err(ModelError::invalid(
                format!("cb2025.symmetric.b.{mu}"),
                format!("b = {} must be ≥ 0 (u = s√b)", b[mu]),
            ));
        }
        if signs[mu] != 1.0 && signs[mu] != -1.0 {
            return Err(ModelError::invalid(
                format!("cb2025.symmetric.signs.{mu}"),
                format!("sign {} must be +1 or -1", signs[mu]),
            ));
        }
    }
    let mut t = vec![0.0; r * r * r];
    for mu in 0..r {
        for nu in 0..r {
            let c = if mu == nu {
                a[mu]
            } else {
                signs[mu] * signs[nu] * (b[mu] * b[nu]).sqrt()
            };
            t[(mu * r + nu) * r + mu] = c;
        }
    }
    Ok(t)
}

/// Effective-interaction matrix T̂ (R²×R², docs/theory §1.3):
/// T̂_{(μν),(ρσ)} = δ_νρ T^{μνσ}, rows/columns ordered (μν) ↦ μR + ν. Equals Ω of the built model.
///
/// ```
/// use lowrank_model::cb2025::effective_interaction;
/// let t = vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]; // R = 2
/// let th = effective_interaction(2, &t).unwrap();
/// assert_eq!(th[(1, 2)], t[(0 * 2 + 1) * 2 + 0]); // (μν)=(0,1), (ρσ)=(1,0): T^{010}
/// assert_eq!(th[(1, 0)], 0.0);                   // ν = 1 ≠ ρ = 0
/// ```
pub fn effective_interaction(r: usize, t: &[f64]) -> Result<DMatrix<f64>, ModelError> {
    if r == 0 || t.len() != r * r * r {
        return Err(ModelError::invalid(
            "cb2025.t",
            format!("length {} ≠ R³ = {}", t.len(), r * r * r),
        ));
    }
    Ok(DMatrix::from_fn(r * r, r * r, |row, col| {
        let (mu, nu) = (row / r, row % r);
        let (rho, sigma) = (col / r, col % r);
        if nu == rho {
            t[(mu * r + nu) * r + sigma]
        } else {
            0.0
        }
    }))
}

impl Multiregion {
    /// R regions with gains g_μ and interactions T; U = 𝟙, automatic σ_n², no cross gains,
    /// no inputs.
    pub fn new(regions: usize, gain: Vec<f64>, t: Vec<f64>) -> Self {
        Multiregion {
            regions,
            gain,
            t,
            u: None,
            sigma_n2: None,
            cross_gain: None,
            inputs: Vec::new(),
        }
    }

    /// U^{νρρ'} (identity when `u` is None).
    pub fn u_entry(&self, nu: usize, rho: usize, rho2: usize) -> f64 {
        let r = self.regions;
        match &self.u {
            Some(u) => u[(nu * r + rho) * r + rho2],
            None => f64::from(u8::from(rho == rho2)),
        }
    }

    /// T^{μνρ}.
    pub fn t_entry(&self, mu: usize, nu: usize, rho: usize) -> f64 {
        self.t[(mu * self.regions + nu) * self.regions + rho]
    }

    /// Effective-interaction matrix T̂ of this network (see [`effective_interaction`]).
    pub fn effective_interaction(&self) -> Result<DMatrix<f64>, ModelError> {
        effective_interaction(self.regions, &self.t)
    }

    /// Σ^{(ν)} for a given σ_n², over (n^{1ν}..n^{Rν}, m^{ν1}..m^{νR}[, I^ν]).
    pub fn region_covariance(&self, nu: usize, sigma_n2: f64) -> DMatrix<f64> {
        let r = self.regions;
        let input = self.inputs.iter().find(|i| i.region == nu);
        let dim = 2 * r + usize::from(input.is_some());
        let mut s = DMatrix::zeros(dim, dim);
        for mu in 0..r {
            s[(mu, mu)] = sigma_n2;
            for rho in 0..r {
                let t = self.t_entry(mu, nu, rho);
                s[(mu, r + rho)] = t;
                s[(r + rho, mu)] = t;
                s[(r + mu, r + rho)] = self.u_entry(nu, mu, rho);
            }
        }
        if let Some(inp) = input {
            let k = 2 * r;
            s[(k, k)] = 1.0;
            for mu in 0..r {
                s[(mu, k)] = inp.v[mu];
                s[(k, mu)] = inp.v[mu];
            }
        }
        s
    }

    fn check(&self) -> Result<(), ModelError> {
        let r = self.regions;
        check_regions(r)?;
        let len = |name: &str, got: usize, want: usize| -> Result<(), ModelError> {
            if got != want {
                Err(ModelError::invalid(
                    format!("cb2025.{name}"),
                    format!("length {got} ≠ {want}"),
                ))
            } else {
                Ok(())
            }
        };
        len("g", self.gain.len(), r)?;
        len("t", self.t.len(), r * r * r)?;
        for (k, &g) in self.gain.iter().enumerate() {
            finite(|| format!("cb2025.g.{k}"), g)?;
            if g < 0.0 {
                return Err(ModelError::NegativeGain {
                    field: format!("cb2025.g.{k}"),
                    value: g,
                });
            }
            crate::validate::check_gain_range(&format!("cb2025.g.{k}"), g)?;
        }
        for (k, &t) in self.t.iter().enumerate() {
            finite(|| format!("cb2025.t.{k}"), t)?;
        }
        if let Some(u) = &self.u {
            len("u", u.len(), r * r * r)?;
            for (k, &x) in u.iter().enumerate() {
                finite(|| format!("cb2025.u.{k}"), x)?;
            }
            for nu in 0..r {
                let block = DMatrix::from_fn(r, r, |a, b| self.u_entry(nu, a, b));
                if block != block.transpose() {
                    return Err(ModelError::invalid(
                        format!("cb2025.u (region {})", nu + 1),
                        "U^ν is not symmetric",
                    ));
                }
                let names: Vec<String> = (0..r).map(|rho| m_name(nu, rho)).collect();
                check_psd(&block, &names, &format!("cb2025.u (region {})", nu + 1))?;
            }
        }
        if let Some(s) = self.sigma_n2 {
            finite(|| "cb2025.sigma_n2".into(), s)?;
            if s <= 0.0 {
                return Err(ModelError::invalid(
                    "cb2025.sigma_n2",
                    format!("σ_n² = {s} must be > 0"),
                ));
            }
        }
        if let Some(c) = &self.cross_gain {
            len("cross_gain", c.len(), r * r)?;
            for (k, &g) in c.iter().enumerate() {
                let f = format!("cb2025.cross_gain.{k}");
                finite(|| f.clone(), g)?;
                if g < 0.0 {
                    return Err(ModelError::NegativeGain { field: f, value: g });
                }
                crate::validate::check_gain_range(&f, g)?;
                if k / r == k % r && g != 0.0 {
                    return Err(ModelError::invalid(
                        f,
                        "diagonal entries must be 0 (the diagonal gain is `g`)",
                    ));
                }
            }
        }
        let mut seen = vec![false; r];
        for (k, inp) in self.inputs.iter().enumerate() {
            let f = format!("cb2025.input.{k}");
            if inp.region >= r {
                return Err(ModelError::invalid(
                    format!("{f}.region"),
                    format!("region {} out of 1..={r}", inp.region + 1),
                ));
            }
            if std::mem::replace(&mut seen[inp.region], true) {
                return Err(ModelError::DuplicateName {
                    field: "cb2025.input".into(),
                    name: input_name(inp.region),
                });
            }
            len(&format!("input.{k}.v"), inp.v.len(), r)?;
            for (mu, &v) in inp.v.iter().enumerate() {
                finite(|| format!("{f}.v.{mu}"), v)?;
            }
            inp.schedule.validate(&f)?;
        }
        Ok(())
    }

    fn all_psd(&self, sigma_n2: f64) -> (bool, Vec<f64>) {
        let mut ok = true;
        let mut mins = Vec::with_capacity(self.regions);
        for nu in 0..self.regions {
            let s = self.region_covariance(nu, sigma_n2);
            let (lambda, _) = min_eigenpair(&s).unwrap_or((0.0, Vec::new()));
            ok &= lambda >= -psd_tolerance(&s);
            mins.push(lambda);
        }
        (ok, mins)
    }

    /// Choose σ_n² by the §4 rule: start from the requested value, or from
    /// max(1, max_ν s_max(T^{·ν·})²) (with U = 𝟙 and no inputs the smallest PSD value is
    /// s_max²), and multiply by 1.05 until every Σ^{(ν)} is PSD.
    pub fn inflation(&self) -> Result<Inflation, ModelError> {
        self.check()?;
        let r = self.regions;
        let start = match self.sigma_n2 {
            Some(s) => s,
            None => {
                let mut smax = 0.0f64;
                for nu in 0..r {
                    let block = DMatrix::from_fn(r, r, |mu, rho| self.t_entry(mu, nu, rho));
                    smax = smax.max(crate::linalg::try_spectral_norm(&block)?);
                }
                (smax * smax).max(1.0)
            }
        };
        let mut s = start;
        for steps in 0..=MAX_INFLATION_STEPS {
            let (ok, mins) = self.all_psd(s);
            if ok {
                return Ok(Inflation {
                    sigma_n2: s,
                    requested: self.sigma_n2,
                    start,
                    steps,
                    warning: s > INFLATION_WARNING,
                    min_eigenvalues: mins,
                });
            }
            s *= INFLATION_STEP;
        }
        let worst = (0..r).find(|&nu| !self.all_psd_region(nu, s)).unwrap_or(0);
        Err(ModelError::NotPsd {
            field: format!(
                "cb2025 (region {} covariance: U, T and input overlaps V)",
                worst + 1
            ),
            min_eigenvalue: min_eigenpair(&self.region_covariance(worst, s)).map_or(0.0, |p| p.0),
            tolerance: psd_tolerance(&self.region_covariance(worst, s)),
            direction: format!("(no σ_n² ≤ {s:e} makes it PSD)"),
        })
    }

    fn all_psd_region(&self, nu: usize, s: f64) -> bool {
        let c = self.region_covariance(nu, s);
        min_eigenpair(&c).is_none_or(|p| p.0 >= -psd_tolerance(&c))
    }

    /// Build the general model (docs/theory §1.3): populations `1`..`R` (weight 1), gains
    /// g_μν = g_μ δ_μν + cross_gain, vectors/terms/inputs named as in the module docs, σ_n²
    /// from [`Multiregion::inflation`]. φ = erf(√π x/2).
    pub fn build(&self) -> Result<MultiregionModel, ModelError> {
        let inflation = self.inflation()?;
        let r = self.regions;
        let s = inflation.sigma_n2;
        let mut b = ModelBuilder::new("cb2025", Phi::Erf);
        for mu in 0..r {
            b.population(region_name(mu), 1.0);
        }
        for mu in 0..r {
            for nu in 0..r {
                let g = if mu == nu {
                    self.gain[mu]
                } else {
                    self.cross_gain.as_ref().map_or(0.0, |c| c[mu * r + nu])
                };
                if g != 0.0 {
                    b.gain(&region_name(mu), &region_name(nu), g);
                }
            }
        }
        for mu in 0..r {
            for nu in 0..r {
                b.vector(m_name(mu, nu));
            }
        }
        for mu in 0..r {
            for nu in 0..r {
                b.vector(n_name(mu, nu));
            }
        }
        for inp in &self.inputs {
            b.vector(input_name(inp.region));
        }
        for nu in 0..r {
            let pop = region_name(nu);
            for mu in 0..r {
                b.covariance(&n_name(mu, nu), &n_name(mu, nu), &pop, s);
                for rho in 0..r {
                    let t = self.t_entry(mu, nu, rho);
                    if t != 0.0 {
                        b.covariance(&n_name(mu, nu), &m_name(nu, rho), &pop, t);
                    }
                    if rho >= mu {
                        let u = self.u_entry(nu, mu, rho);
                        if u != 0.0 {
                            b.covariance(&m_name(nu, mu), &m_name(nu, rho), &pop, u);
                        }
                    }
                }
            }
        }
        for inp in &self.inputs {
            let nu = inp.region;
            let (pop, name) = (region_name(nu), input_name(nu));
            b.covariance(&name, &name, &pop, 1.0);
            for mu in 0..r {
                if inp.v[mu] != 0.0 {
                    b.covariance(&n_name(mu, nu), &name, &pop, inp.v[mu]);
                }
            }
            b.input(&name, &name, inp.schedule.clone());
        }
        for mu in 0..r {
            for nu in 0..r {
                b.term(&term_name(mu, nu), &m_name(mu, nu), &n_name(mu, nu));
            }
        }
        let model = b.build()?;
        Ok(MultiregionModel { model, inflation })
    }
}
