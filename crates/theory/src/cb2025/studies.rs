//! \[CB\] numerical studies built on the DMFT and the current ODE: the Fig. 5 phase diagram over
//! the leading eigenvalue of T̂ (§3.8), shaping dynamics by disorder in one region (Fig. 6, §3.9)
//! and input-driven switches (§3.10).

use crate::convergence::{Convergence, Termination};
use crate::currents::{CurrentOde, InputGain};
use crate::dmft::{self, instantaneous_spectrum, DmftOptions, DmftResult, DynamicsClass};
use crate::meanfield::MeanField;
use crate::TheoryError;
use lowrank_gauss::Gauss;
use lowrank_model::cb2025::{effective_interaction, Multiregion, RegionInput};
use lowrank_model::{Model, Schedule};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

/// Build the \[CB\] multiregion model (U = 𝟙, automatic σ_n²) with gains `g` and tensor `t`.
pub fn multiregion(r: usize, g: Vec<f64>, t: Vec<f64>) -> Result<Model, TheoryError> {
    Ok(Multiregion::new(r, g, t).build()?.model)
}

/// Leading eigenvalue [Re, Im] (largest real part) of the effective interaction T̂ (§1.3).
pub fn leading_eigenvalue(r: usize, t: &[f64]) -> Result<[f64; 2], TheoryError> {
    let th = effective_interaction(r, t)?;
    crate::currents::eigenvalues(&th)?
        .first()
        .copied()
        .ok_or_else(|| TheoryError::InvalidParameter {
            name: "t".into(),
            value: 0.0,
            reason: "empty tensor".into(),
        })
}

/// Rejection-sample a tensor T^{μνρ} ~ 𝒩(0, |λ|²/R) i.i.d. until the leading eigenvalue of T̂ has
/// |Re − re| ≤ window and ||Im| − im| ≤ window (Fig. 5, §3.8: window 0.01875). Returns the tensor
/// and the number of draws; `Err(NotConverged)` after `max_tries`.
///
/// For R ≤ 2, draws whose leading real part is certainly outside the window (a Routh–Hurwitz
/// count on the characteristic polynomial, with a margin of 10⁻⁶) are rejected without an
/// eigendecomposition; the tensors accepted are the same as with the eigenvalues alone.
pub fn sample_tensor(
    r: usize,
    target: [f64; 2],
    window: f64,
    rng: &mut impl Rng,
    max_tries: usize,
) -> Result<(Vec<f64>, usize), TheoryError> {
    let modulus = (target[0] * target[0] + target[1] * target[1]).sqrt();
    let normal = Normal::new(0.0, modulus / (r as f64).sqrt()).map_err(|e| {
        TheoryError::InvalidParameter {
            name: "target".into(),
            value: modulus,
            reason: e.to_string(),
        }
    })?;
    let mut t = vec![0.0; r * r * r];
    let (lo, hi) = (target[0] - window, target[0] + window);
    for tries in 1..=max_tries {
        t.iter_mut().for_each(|x| *x = normal.sample(rng));
        // Most draws fail the real-part test by far: skip their eigendecomposition when a
        // certified count of the roots of det(z − T̂) already places the abscissa outside.
        if super::abscissa::abscissa_outside(r, &t, lo, hi) {
            continue;
        }
        let lead = leading_eigenvalue(r, &t)?;
        if (lead[0] - target[0]).abs() <= window && (lead[1].abs() - target[1]).abs() <= window {
            return Ok((t, tries));
        }
    }
    Err(TheoryError::NotConverged {
        what: format!(
            "rejection sampling of T for λ = {} + {}i",
            target[0], target[1]
        ),
        convergence: Convergence::stopped(f64::INFINITY, max_tries, Termination::MaxIterations),
    })
}

/// Options of the Fig. 5 phase diagram (§3.8). Defaults are the paper's (40 × 40 cells, 50 tensors,
/// N_t = 2500, dt = 0.05): long; reduce `re`/`im` counts and `tensors` for quick runs.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseDiagramOptions {
    /// Number of regions (2 in the paper).
    pub regions: usize,
    /// Disorder gain of every region (1.5).
    pub g: f64,
    /// Re λ grid: (start, stop, count), endpoints included.
    pub re: (f64, f64, usize),
    /// Im λ grid: (start, stop, count).
    pub im: (f64, f64, usize),
    /// Tensors per cell.
    pub tensors: usize,
    /// Rejection window half-width.
    pub window: f64,
    /// Maximum draws per tensor.
    pub max_tries: usize,
    /// DMFT options (S0 is redrawn per tensor from `seed`).
    pub dmft: DmftOptions,
    /// Master seed.
    pub seed: u64,
}

impl Default for PhaseDiagramOptions {
    fn default() -> Self {
        PhaseDiagramOptions {
            regions: 2,
            g: 1.5,
            re: (1.0, 2.5, 40),
            im: (0.0, 1.5, 40),
            tensors: 50,
            window: 0.01875,
            max_tries: 1_000_000,
            dmft: DmftOptions::default(),
            seed: 0,
        }
    }
}

/// One cell of the phase diagram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseCell {
    /// Target Re λ.
    pub re: f64,
    /// Target Im λ.
    pub im: f64,
    /// Class counts over tensors × regions, in the order of [`DynamicsClass::ALL`].
    pub counts: [usize; 6],
    /// Most frequent class (ties: first in [`DynamicsClass::ALL`]).
    pub modal: DynamicsClass,
    /// Shannon entropy of the class distribution, bits.
    pub entropy_bits: f64,
}

/// The grid of a (start, stop, count) spec; at least its start.
fn grid(spec: (f64, f64, usize)) -> Vec<f64> {
    let (a, b, n) = spec;
    crate::numerics::linspace(a, b, n.max(1))
}

/// Modal class and Shannon entropy (bits) of class counts.
pub fn modal_and_entropy(counts: &[usize; 6]) -> (DynamicsClass, f64) {
    let total: usize = counts.iter().sum();
    let mut best = 0;
    for i in 1..6 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    let h = if total == 0 {
        0.0
    } else {
        counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f64 / total as f64;
                -p * p.log2()
            })
            .sum()
    };
    (DynamicsClass::ALL[best], h)
}

/// The Fig. 5 phase diagram (§3.8): per cell, `tensors` rejection-sampled tensors, one DMFT run
/// each, every region classified; modal class and entropy. Cells run in parallel (rayon); each
/// cell's random stream is seeded from (`seed`, cell index), so results do not depend on threads.
pub fn phase_diagram(
    gauss: Gauss,
    opts: &PhaseDiagramOptions,
) -> Result<Vec<PhaseCell>, TheoryError> {
    let res = grid(opts.re);
    let ims = grid(opts.im);
    let cells: Vec<(usize, f64, f64)> = ims
        .iter()
        .flat_map(|&im| res.iter().map(move |&re| (re, im)))
        .enumerate()
        .map(|(i, (re, im))| (i, re, im))
        .collect();
    cells
        .par_iter()
        .map(|&(idx, re, im)| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                opts.seed ^ (idx as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let mut counts = [0usize; 6];
            for _ in 0..opts.tensors {
                let (t, _) = sample_tensor(
                    opts.regions,
                    [re, im],
                    opts.window,
                    &mut rng,
                    opts.max_tries,
                )?;
                let model = multiregion(opts.regions, vec![opts.g; opts.regions], t)?;
                let mut d = opts.dmft.clone();
                d.s0 = None;
                d.seed = rng.random();
                let classes = match dmft::run(&model, gauss, &d) {
                    Ok(r) => r.classes(),
                    Err(TheoryError::NotConverged { .. }) => {
                        vec![DynamicsClass::Invalid; opts.regions]
                    }
                    Err(e) => return Err(e),
                };
                for c in classes {
                    counts[DynamicsClass::ALL.iter().position(|x| *x == c).unwrap_or(5)] += 1;
                }
            }
            let (modal, entropy_bits) = modal_and_entropy(&counts);
            Ok(PhaseCell {
                re,
                im,
                counts,
                modal,
                entropy_bits,
            })
        })
        .collect()
}

/// Draw a Fig. 6 tensor (§3.9): T ~ 𝒩(0, 4/3) i.i.d. (R = 3 in the paper) until the intact leading
/// eigenvalue of T̂ is real and > 1 while with region 1 silenced (T^{μ1ρ} = 0) it is complex with
/// real part > 1. Returns the tensor and the number of draws.
pub fn fig6_tensor(
    r: usize,
    seed: u64,
    max_tries: usize,
) -> Result<(Vec<f64>, usize), TheoryError> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let normal = Normal::new(0.0, (4.0f64 / 3.0).sqrt()).expect("valid normal");
    let mut t = vec![0.0; r * r * r];
    let mut silenced = t.clone();
    for tries in 1..=max_tries {
        t.iter_mut().for_each(|x| *x = normal.sample(&mut rng));
        let intact = leading_eigenvalue(r, &t)?;
        if !(intact[1].abs() < 1e-12 && intact[0] > 1.0) {
            continue;
        }
        silenced.copy_from_slice(&t);
        for mu in 0..r {
            for rho in 0..r {
                silenced[mu * r * r + rho] = 0.0; // T^{μ,ν=1,ρ}: currents leaving region 1
            }
        }
        let s = leading_eigenvalue(r, &silenced)?;
        if s[1].abs() > 1e-9 && s[0] > 1.0 {
            return Ok((t, tries));
        }
    }
    Err(TheoryError::NotConverged {
        what: "Fig. 6 tensor (the criterion was never met)".into(),
        convergence: Convergence::stopped(f64::INFINITY, max_tries, Termination::MaxIterations),
    })
}

/// One row of the Fig. 6 study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fig6Row {
    /// Disorder gain of region 1 (the others have none).
    pub g1: f64,
    /// Dynamics class of each region.
    pub classes: Vec<DynamicsClass>,
    /// Dominant frequency of the currents (None: static).
    pub frequency: Option<f64>,
    /// Time-averaged gains ψ^μ over t ≥ t0.
    pub mean_gain: Vec<f64>,
    /// Leading eigenvalue of diag(ψ(t)) T̂ averaged over t ≥ t0 (the instantaneous-spectrum diagnostic).
    pub mean_leading: [f64; 2],
}

/// Shaping dynamics with disorder in one region (Fig. 6, §3.9): for each g¹ a DMFT run with only
/// region 1 disordered; classes, frequency, and the instantaneous spectrum diagnostic.
pub fn fig6_study(
    gauss: Gauss,
    r: usize,
    t: &[f64],
    g1: &[f64],
    opts: &DmftOptions,
) -> Result<Vec<Fig6Row>, TheoryError> {
    g1.par_iter()
        .map(|&g| {
            let mut gains = vec![0.0; r];
            gains[0] = g;
            let model = multiregion(r, gains, t.to_vec())?;
            let res = dmft::run(&model, gauss, opts)?;
            let mf = MeanField::new(&model, gauss);
            let traj = spectrum_trajectory(&mf, &res, 10)?;
            let n = traj.iter().filter(|(j, _)| *j >= res.t0).count().max(1) as f64;
            let mut lead = [0.0, 0.0];
            for (_, e) in traj.iter().filter(|(j, _)| *j >= res.t0) {
                lead[0] += e[0] / n;
                lead[1] += e[1].abs() / n;
            }
            let m = (res.nt - res.t0) as f64;
            let mean_gain = (0..r)
                .map(|p| (res.t0..res.nt).map(|j| res.gains_at(j)[p]).sum::<f64>() / m)
                .collect();
            Ok(Fig6Row {
                g1: g,
                classes: res.classes(),
                frequency: res.dominant_frequency(),
                mean_gain,
                mean_leading: lead,
            })
        })
        .collect()
}

/// Leading eigenvalue of diag(ψ(t)) T̂ (general: Σ_p α_p ψ_p(t) σ_{nm}) every `every` grid points
/// of a DMFT run (Fig. 6 diagnostic, §3.9): pairs (grid index, [Re, Im]).
pub fn spectrum_trajectory(
    mf: &MeanField,
    res: &DmftResult,
    every: usize,
) -> Result<Vec<(usize, [f64; 2])>, TheoryError> {
    (0..res.nt)
        .step_by(every.max(1))
        .map(|j| {
            Ok((
                j,
                instantaneous_spectrum(mf, res.gains_at(j))?
                    .first()
                    .copied()
                    .unwrap_or([0.0, 0.0]),
            ))
        })
        .collect()
}

/// Options of [`input_switch`] (§3.10; defaults are the reference's).
#[derive(Clone, Debug, PartialEq)]
pub struct SwitchOptions {
    /// Region receiving the input (0-based; the paper's region 1 is 0).
    pub region: usize,
    /// Input amplitude I^ν when on (2 in the paper).
    pub amplitude: f64,
    /// Overlap V^{μν} of the input with every n^{μν}, μ ≠ ν (0.1).
    pub overlap: f64,
    /// γ option: `Stein` (default) or `Reference`.
    pub input_gain: InputGain,
    /// Euler step (0.1).
    pub dt: f64,
    /// Run length per phase (2000).
    pub t_max: f64,
    /// Seed of S(0) ~ U[−1, 1].
    pub seed: u64,
}

impl Default for SwitchOptions {
    fn default() -> Self {
        SwitchOptions {
            region: 0,
            amplitude: 2.0,
            overlap: 0.1,
            input_gain: InputGain::Stein,
            dt: 0.1,
            t_max: 2000.0,
            seed: 0,
        }
    }
}

/// State of the currents at the end of one phase of [`input_switch`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SwitchState {
    /// Input amplitude during the phase.
    pub input: f64,
    /// Final currents S^{μν} at [μR + ν].
    pub currents: Vec<f64>,
    /// Structured variance per region from currents, Σ_ρ (S^{μρ})².
    pub current_norm2: Vec<f64>,
    /// Gains ψ^μ.
    pub gain: Vec<f64>,
    /// max|Ṡ| at the end (convergence report).
    pub residual: f64,
}

/// The model of [`input_switch`]: R regions at g = 0 with interactions `t` and one constant
/// input into `opts.region` (amplitude `opts.amplitude`) overlapping every n^{μν} (μ ≠ ν) by V =
/// `opts.overlap` (§3.10).
pub fn switch_model(r: usize, t: &[f64], opts: &SwitchOptions) -> Result<Model, TheoryError> {
    if opts.region >= r {
        return Err(TheoryError::InvalidParameter {
            name: "region".into(),
            value: opts.region as f64,
            reason: format!("must be < R = {r}"),
        });
    }
    let v: Vec<f64> = (0..r)
        .map(|mu| if mu == opts.region { 0.0 } else { opts.overlap })
        .collect();
    let mut mr = Multiregion::new(r, vec![0.0; r], t.to_vec());
    mr.inputs.push(RegionInput {
        region: opts.region,
        v,
        schedule: Schedule {
            baseline: opts.amplitude,
            ..Default::default()
        },
    });
    Ok(mr.build()?.model)
}

/// The initial currents S(0) ~ U[−1, 1) of [`input_switch`], drawn from `seed`.
pub fn switch_initial_currents(r: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..r * r).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Input-driven switch (§3.10): the current ODE of the network T (g = 0) run from S(0) ~ U[−1, 1]
/// without input, then continued with a constant input into `region` overlapping every n^{μν}
/// (μ ≠ ν) by V. Returns the two end states.
pub fn input_switch(
    gauss: Gauss,
    r: usize,
    t: &[f64],
    opts: &SwitchOptions,
) -> Result<[SwitchState; 2], TheoryError> {
    let model = switch_model(r, t, opts)?;
    let mut s = switch_initial_currents(r, opts.seed);
    let steps = (opts.t_max / opts.dt).ceil() as usize;
    let mut out = Vec::with_capacity(2);
    for amp in [0.0, opts.amplitude] {
        let ode = CurrentOde::new(&model, gauss, vec![amp], opts.input_gain)?;
        ode.integrate(&mut s, opts.dt, steps)?;
        let mut w = ode.scratch();
        let mut kappa = vec![0.0; r * r];
        ode.drive_with(&s, &mut w, &mut kappa)?;
        let residual = kappa
            .iter()
            .zip(&s)
            .fold(0.0f64, |m, (k, x)| m.max((k - x).abs()));
        out.push(SwitchState {
            input: amp,
            currents: s.clone(),
            current_norm2: (0..r)
                .map(|mu| (0..r).map(|rho| s[mu * r + rho].powi(2)).sum())
                .collect(),
            gain: w.gain().to_vec(),
            residual,
        });
    }
    let second = out.pop().expect("two phases");
    let first = out.pop().expect("two phases");
    Ok([first, second])
}
