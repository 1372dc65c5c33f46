//! Small statistics toolkit for finite-size scaling: sample summaries with Student-t
//! confidence intervals over seeds, and the least-squares fit of the finite-size exponent
//! on a log–log scale (docs/validation.md, "Statistics").
//!
//! Everything here is closed-form or a deterministic root search; nothing is random.

use crate::error::ValidateError;
use serde::{Deserialize, Serialize};

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; relative error ≈ 1e-15).
///
/// ```
/// use lowrank_validate::stats::ln_gamma;
/// assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12); // Γ(5) = 4!
/// assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
/// ```
pub fn ln_gamma(x: f64) -> f64 {
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + 7.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta function I_x(a, b) (continued fraction, modified Lentz).
///
/// ```
/// use lowrank_validate::stats::incomplete_beta;
/// // I_x(1, 1) = x and I_x(a, b) = 1 − I_{1−x}(b, a)
/// assert!((incomplete_beta(0.3, 1.0, 1.0) - 0.3).abs() < 1e-14);
/// assert!((incomplete_beta(0.3, 2.0, 3.5) + incomplete_beta(0.7, 3.5, 2.0) - 1.0).abs() < 1e-13);
/// ```
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..400 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Student-t cumulative distribution P(T ≤ t) with `dof` degrees of freedom:
/// 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, symmetric otherwise.
///
/// ```
/// use lowrank_validate::stats::student_t_cdf;
/// assert!((student_t_cdf(0.0, 3.0) - 0.5).abs() < 1e-15);
/// // ν = 1 is the Cauchy distribution: P(T ≤ 1) = 3/4
/// assert!((student_t_cdf(1.0, 1.0) - 0.75).abs() < 1e-12);
/// ```
pub fn student_t_cdf(t: f64, dof: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(dof / (dof + t * t), 0.5 * dof, 0.5);
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// Two-sided Student-t critical value t_{(1+level)/2, dof}: P(|T| ≤ t) = `level`.
///
/// Errors when `dof` ≤ 0 or `level` ∉ (0, 1).
///
/// ```
/// use lowrank_validate::stats::student_t_critical;
/// // textbook values: t_{0.975,4} = 2.776, t_{0.975,1} = 12.706
/// assert!((student_t_critical(0.95, 4.0).unwrap() - 2.7764).abs() < 1e-3);
/// assert!((student_t_critical(0.95, 1.0).unwrap() - 12.7062).abs() < 1e-3);
/// ```
pub fn student_t_critical(level: f64, dof: f64) -> Result<f64, ValidateError> {
    if !dof.is_finite() || dof <= 0.0 {
        return Err(ValidateError::InvalidArgument {
            name: "dof",
            value: dof,
            reason: "must be finite and > 0",
        });
    }
    if level.is_nan() || level <= 0.0 || level >= 1.0 {
        return Err(ValidateError::InvalidArgument {
            name: "level",
            value: level,
            reason: "must lie in (0, 1)",
        });
    }
    let target = 0.5 * (1.0 + level);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while student_t_cdf(hi, dof) < target {
        hi *= 2.0;
        if hi > 1e12 {
            break;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, dof) < target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// Mean, standard deviation and Student-t confidence interval of a sample (errors over seeds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Sample size n.
    pub n: usize,
    /// Sample mean x̄.
    pub mean: f64,
    /// Sample standard deviation s (n − 1 in the denominator; 0 when n = 1).
    pub sd: f64,
    /// Lower end of the two-sided t-interval x̄ − t·s/√n (equals the mean when n = 1).
    pub lower: f64,
    /// Upper end x̄ + t·s/√n.
    pub upper: f64,
    /// Confidence level of the interval.
    pub level: f64,
}

/// Summarise a sample with a two-sided Student-t interval at `level` (e.g. 0.95).
///
/// Errors on an empty sample or a non-finite entry. With one value the interval has zero
/// width and is flagged by `n = 1` (no spread information).
///
/// ```
/// use lowrank_validate::stats::summarize;
/// let s = summarize(&[1.0, 2.0, 3.0], 0.95).unwrap();
/// assert_eq!(s.mean, 2.0);
/// assert!((s.sd - 1.0).abs() < 1e-15);
/// // t_{0.975,2} = 4.303: half-width 4.303/√3
/// assert!((s.upper - 2.0 - 4.3027 / 3f64.sqrt()).abs() < 1e-3);
/// ```
pub fn summarize(xs: &[f64], level: f64) -> Result<Summary, ValidateError> {
    if xs.is_empty() {
        return Err(ValidateError::InvalidArgument {
            name: "sample",
            value: 0.0,
            reason: "empty sample",
        });
    }
    if let Some(&bad) = xs.iter().find(|x| !x.is_finite()) {
        return Err(ValidateError::InvalidArgument {
            name: "sample",
            value: bad,
            reason: "non-finite entry",
        });
    }
    let n = xs.len();
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Ok(Summary {
            n,
            mean,
            sd: 0.0,
            lower: mean,
            upper: mean,
            level,
        });
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let sd = var.sqrt();
    let half = student_t_critical(level, n as f64 - 1.0)? * sd / (n as f64).sqrt();
    Ok(Summary {
        n,
        mean,
        sd,
        lower: mean - half,
        upper: mean + half,
        level,
    })
}

/// Least-squares power law e ≈ C·N^β fitted on log–log axes (ln e = ln C + β ln N).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerLawFit {
    /// Fitted exponent β (slope of ln e against ln N); ≈ −1/2 for sampling fluctuations.
    pub exponent: f64,
    /// Standard error of β from the residual variance (None with only two points).
    pub exponent_se: Option<f64>,
    /// Prefactor C = exp(intercept).
    pub prefactor: f64,
    /// Two-sided confidence interval of β at `level` (None with only two points).
    pub exponent_interval: Option<(f64, f64)>,
    /// Confidence level of the interval.
    pub level: f64,
    /// Number of (N, e) points used.
    pub points: usize,
}

/// Ordinary least squares of ln `errors` on ln `sizes`; slope standard error
/// SE(β) = √(RSS/(n−2) / Σ(ln N − mean)²).
///
/// Errors: fewer than two points, mismatched lengths, non-positive sizes or errors
/// (a zero error cannot be placed on a log axis — the caller reports it instead).
///
/// ```
/// use lowrank_validate::stats::fit_power_law;
/// let n = [250.0, 1000.0, 4000.0];
/// let e: Vec<f64> = n.iter().map(|x: &f64| 3.0 * x.powf(-0.5)).collect();
/// let fit = fit_power_law(&n, &e, 0.95).unwrap();
/// assert!((fit.exponent + 0.5).abs() < 1e-12);
/// assert!((fit.prefactor - 3.0).abs() < 1e-10);
/// ```
pub fn fit_power_law(
    sizes: &[f64],
    errors: &[f64],
    level: f64,
) -> Result<PowerLawFit, ValidateError> {
    if sizes.len() != errors.len() {
        return Err(ValidateError::InvalidArgument {
            name: "errors",
            value: errors.len() as f64,
            reason: "must have one entry per size",
        });
    }
    if sizes.len() < 2 {
        return Err(ValidateError::InvalidArgument {
            name: "sizes",
            value: sizes.len() as f64,
            reason: "need at least two sizes to fit an exponent",
        });
    }
    for (name, xs) in [("sizes", sizes), ("errors", errors)] {
        if let Some(&bad) = xs.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
            return Err(ValidateError::InvalidArgument {
                name,
                value: bad,
                reason: "must be finite and > 0 for a log-log fit",
            });
        }
    }
    let n = sizes.len() as f64;
    let lx: Vec<f64> = sizes.iter().map(|x| x.ln()).collect();
    let ly: Vec<f64> = errors.iter().map(|x| x.ln()).collect();
    let mx = lx.iter().sum::<f64>() / n;
    let my = ly.iter().sum::<f64>() / n;
    let sxx: f64 = lx.iter().map(|x| (x - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return Err(ValidateError::InvalidArgument {
            name: "sizes",
            value: sizes[0],
            reason: "all sizes are equal",
        });
    }
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let (se, interval) = if sizes.len() > 2 {
        let rss: f64 = lx
            .iter()
            .zip(&ly)
            .map(|(x, y)| (y - intercept - slope * x).powi(2))
            .sum();
        let se = (rss / (n - 2.0) / sxx).sqrt();
        let t = student_t_critical(level, n - 2.0)?;
        (Some(se), Some((slope - t * se, slope + t * se)))
    } else {
        (None, None)
    };
    Ok(PowerLawFit {
        exponent: slope,
        exponent_se: se,
        prefactor: intercept.exp(),
        exponent_interval: interval,
        level,
        points: sizes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// t critical values against the closed forms for ν = 1 (Cauchy: tan(π·level/2)) and
    /// ν = 2 (t = √(2/(1/p² − 1))... written as q/√(1−q²)·√2 with q = level).
    #[test]
    fn t_critical_closed_forms() {
        for level in [0.5, 0.8, 0.9, 0.95, 0.99] {
            let cauchy = (std::f64::consts::PI * level / 2.0).tan();
            assert!((student_t_critical(level, 1.0).unwrap() - cauchy).abs() < 1e-8 * cauchy);
            // ν = 2: CDF = ½ + t/(2√(2+t²)) ⇒ two-sided level q gives t = q√2/√(1−q²)
            let two = level * 2f64.sqrt() / (1.0 - level * level).sqrt();
            assert!((student_t_critical(level, 2.0).unwrap() - two).abs() < 1e-8 * two);
        }
        // large ν tends to the normal quantile 1.959964
        assert!((student_t_critical(0.95, 1e6).unwrap() - 1.959964).abs() < 1e-4);
    }

    #[test]
    fn fit_recovers_noisy_exponent_and_se_is_consistent() {
        // deterministic "noise" of ±5 % alternating: exponent stays close and the interval covers it
        let n = [250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0];
        let e: Vec<f64> = n
            .iter()
            .enumerate()
            .map(|(i, x): (usize, &f64)| 2.0 * x.powf(-0.5) * if i % 2 == 0 { 1.05 } else { 0.95 })
            .collect();
        let fit = fit_power_law(&n, &e, 0.95).unwrap();
        let (lo, hi) = fit.exponent_interval.unwrap();
        assert!(lo < -0.5 && -0.5 < hi, "{fit:?}");
        assert!((fit.exponent + 0.5).abs() < 0.05);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(summarize(&[], 0.95).is_err());
        assert!(summarize(&[1.0, f64::NAN], 0.95).is_err());
        assert!(fit_power_law(&[1.0], &[1.0], 0.95).is_err());
        assert!(fit_power_law(&[1.0, 2.0], &[0.0, 1.0], 0.95).is_err());
        assert!(student_t_critical(1.5, 3.0).is_err());
        assert!(student_t_critical(0.95, 0.0).is_err());
    }
}
