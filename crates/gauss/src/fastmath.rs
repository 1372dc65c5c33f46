//! Branch-free elementary functions for vectorised inner loops.
//!
//! The two-time DMFT (docs/theory §1.8, §3.11) evaluates the zero-mean erf source
//! C_φ = (2/π) arctan(Δ₁₂/√((Δ₁₁+2/π)(Δ₂₂+2/π) − Δ₁₂²)) (docs/theory §1.10, [`crate::erf::c_phi`])
//! N_t²/2 times per population. `f64::atan2` is a library call with data-dependent branches, so
//! such loops cannot be vectorised. [`atan2_pos`] computes the same function with selects only
//! (every step is an IEEE operation or a compare-and-select), so that LLVM vectorises any loop
//! that inlines it.
//!
//! **Method.** For x > 0 and θ = arctan(|y|/x) ∈ [0, π/2]:
//! 1. fold at π/4: n = min(|y|, x), m = max(|y|, x), θ′ = arctan(n/m) ∈ [0, π/4]
//!    (θ = π/2 − θ′ when |y| > x);
//! 2. rotate by the nearest φ_k = kπ/8, k ∈ {0, 1, 2} (thresholds tan(π/16), tan(3π/16)):
//!    arctan(n/m) − φ_k = arctan((n cos φ_k − m sin φ_k)/(m cos φ_k + n sin φ_k)), whose argument
//!    t satisfies |t| ≤ tan(π/16) ≈ 0.199 — one division;
//! 3. arctan t = t Σ_{n=0}^{10} (−1)ⁿ t²ⁿ/(2n+1) (Taylor series, evaluated by Estrin's scheme;
//!    the first omitted term is < t²³/23 ≤ 1.7·10⁻¹⁷ |t|, below half an ulp);
//! 4. θ = φ_k + arctan t (φ_k and π/2 − φ_k as hi + lo pairs), unfolded and given the sign of y.
//!
//! Every step is a rounded IEEE operation on O(1) quantities; the largest error comes from the
//! cancelling rotation near θ = π/16 and is ≤ 2ε|θ| (ε = 2⁻⁵², i.e. ≤ 4.5·10⁻¹⁶ relative); the
//! tests accept 3ε|θ| against `f64::atan2` on a 4·10⁶-point angle sweep, the sector thresholds
//! ± 8 ulp, |y|/x over 10^±300, and random (proptest) arguments.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, FRAC_PI_8};

/// tan(π/16): below it no rotation.
const TAN_PI_16: f64 = 0.198_912_367_379_658;
/// tan(3π/16): above it rotate by π/4.
const TAN_3PI_16: f64 = 0.668_178_637_919_298_9;
/// cos(π/8).
const COS_PI_8: f64 = 0.923_879_532_511_286_7;
/// sin(π/8).
const SIN_PI_8: f64 = 0.382_683_432_365_089_8;
/// Base angles as (hi, lo) pairs: hi = the nearest f64, lo = the remainder (to 1e−33).
const PI_8: (f64, f64) = (FRAC_PI_8, 1.530_808_498_934_191_5e-17);
/// π/4 as (hi, lo).
const PI_4: (f64, f64) = (FRAC_PI_4, 3.061_616_997_868_383e-17);
/// 3π/8 as (hi, lo).
const PI_3_8: (f64, f64) = (1.178_097_245_096_172_4, 4.592_425_496_802_574e-17);
/// π/2 as (hi, lo).
const PI_2: (f64, f64) = (FRAC_PI_2, 6.123_233_995_736_766e-17);
/// cos(π/4) = sin(π/4).
const COS_PI_4: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// Taylor coefficients (−1)ⁿ/(2n+1), n = 1..=10, of arctan(t)/t − 1 in powers of t².
const ATAN_TAYLOR: [f64; 10] = [
    -1.0 / 3.0,
    1.0 / 5.0,
    -1.0 / 7.0,
    1.0 / 9.0,
    -1.0 / 11.0,
    1.0 / 13.0,
    -1.0 / 15.0,
    1.0 / 17.0,
    -1.0 / 19.0,
    1.0 / 21.0,
];

/// arctan(y/x) for x > 0 (= `y.atan2(x)` there), branch-free (selects only) so that loops calling
/// it vectorise; relative error ≤ 3ε (see the module docs for the method and the bound).
///
/// Used for the zero-mean erf source C_φ = (2/π) arctan(Δ₁₂/√(…)) of docs/theory §1.10.
/// The result for x ≤ 0 or non-finite arguments is unspecified (no panic).
///
/// ```
/// use lowrank_gauss::fastmath::atan2_pos;
/// for &(y, x) in &[(0.3, 1.0), (-2.0, 0.5), (1e-300, 1.0), (5.0, 5.0)] {
///     let (a, b) = (atan2_pos(y, x), f64::atan2(y, x));
///     assert!((a - b).abs() <= 4e-16 * b.abs().max(1e-300));
/// }
/// ```
#[inline(always)]
pub fn atan2_pos(y: f64, x: f64) -> f64 {
    let ay = y.abs();
    let swap = ay > x;
    let n = if swap { x } else { ay };
    let m = if swap { ay } else { x };
    // sector k: rotation (cos φ_k, sin φ_k), φ_k = kπ/8
    let k1 = n > TAN_PI_16 * m;
    let k2 = n > TAN_3PI_16 * m;
    let c = if k2 {
        COS_PI_4
    } else if k1 {
        COS_PI_8
    } else {
        1.0
    };
    let s = if k2 {
        COS_PI_4
    } else if k1 {
        SIN_PI_8
    } else {
        0.0
    };
    let t = (n * c - m * s) / (m * c + n * s);
    let z = t * t;
    // Σ_{n=1}^{10} c_n zⁿ⁻¹ by Estrin's scheme (short dependency chains, so that vector loops are
    // not bound by the latency of a 10-step Horner chain)
    let c = &ATAN_TAYLOR;
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let q01 = c[0] + c[1] * z;
    let q23 = c[2] + c[3] * z;
    let q45 = c[4] + c[5] * z;
    let q67 = c[6] + c[7] * z;
    let q89 = c[8] + c[9] * z;
    let p = (q01 + q23 * z2) + (q45 + q67 * z2) * z4 + q89 * z8;
    let small = t + t * z * p;
    // θ = φ_k + small, or π/2 − φ_k − small when folded; the base angle as hi + lo so that its
    // representation error does not show where the result is smaller than the base
    let (hi, lo) = match (swap, k2, k1) {
        (false, true, _) => (PI_4.0, PI_4.1),
        (false, false, true) => (PI_8.0, PI_8.1),
        (false, false, false) => (0.0, 0.0),
        (true, true, _) => (PI_4.0, PI_4.1),
        (true, false, true) => (PI_3_8.0, PI_3_8.1),
        (true, false, false) => (PI_2.0, PI_2.1),
    };
    let theta = hi + if swap { lo - small } else { lo + small };
    theta.copysign(y)
}

/// arctan(x) on the whole real line via [`atan2_pos`]`(x, 1)` (branch-free, relative error ≤ 3ε).
///
/// ```
/// use lowrank_gauss::fastmath::atan;
/// assert!((atan(1.0) - std::f64::consts::FRAC_PI_4).abs() < 2e-16);
/// ```
#[inline(always)]
pub fn atan(x: f64) -> f64 {
    atan2_pos(x, 1.0)
}

/// Round-to-nearest shifter for f64: for |v| < 2⁵¹, `(v + SHIFT_F64) − SHIFT_F64` is v rounded
/// to an integer and the low mantissa bits of `v + SHIFT_F64` hold that integer (SSE2 has no
/// vector `round`, and no vector f64 → i64 conversion; these are plain adds and integer ops).
const SHIFT_F64: f64 = 6_755_399_441_055_744.0; // 1.5·2⁵²
/// As [`SHIFT_F64`] for f32 (1.5·2²³).
const SHIFT_F32: f32 = 12_582_912.0;
/// ln 2 split for Cody–Waite reduction: `LN2_HI` has 32 significant bits, so k·LN2_HI is
/// exact for |k| < 2²⁰.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
/// ln 2 − `LN2_HI`.
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// tanh x with selects only, for loops the compiler should vectorise (the simulator's φ over
/// N×B states; `f64::tanh` is a library call per element).
///
/// **Method.** With a = min(|x|, 20) (tanh 20 rounds to 1) and y = 2a:
/// 1. y = k ln 2 + r, k = round(y/ln 2), |r| ≤ ln 2 / 2 (Cody–Waite, ln 2 as hi + lo);
/// 2. e^r − 1 = Σ_{j=1}^{13} r^j/j! (Taylor; the first omitted term is < r¹⁴/14! ≤ 4.3·10⁻¹⁸,
///    below a quarter ulp of e^r − 1 relative to r);
/// 3. e^y − 1 = 2^k (e^r − 1) + (2^k − 1), 2^k assembled from the bits of k;
/// 4. tanh a = (e^y − 1)/(e^y − 1 + 2), given the sign of x.
///
/// Steps 3–4 add a few roundings: the tests accept 4 ulp against `f64::tanh` on a dense sweep
/// (NaN gives NaN, ±∞ gives ±1, −0 gives −0). Only IEEE operations: the same bits on every
/// machine.
///
/// # Examples
/// ```
/// let t = lowrank_gauss::fastmath::tanh(0.7);
/// assert!((t - 0.7f64.tanh()).abs() <= 4.0 * f64::EPSILON * 0.7f64.tanh());
/// assert_eq!(lowrank_gauss::fastmath::tanh(f64::INFINITY), 1.0);
/// ```
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    let a = x.abs();
    // NaN fails the compare and stays NaN
    let a = if a > 20.0 { 20.0 } else { a };
    let y = a + a;
    let t = y * std::f64::consts::LOG2_E + SHIFT_F64;
    let k = t - SHIFT_F64;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
    ] {
        p = p * r + c;
    }
    let em1_r = p * r;
    let two_k = f64::from_bits(
        (t.to_bits().wrapping_sub(SHIFT_F64.to_bits()))
            .wrapping_add(1023)
            .wrapping_shl(52),
    );
    let em1 = two_k * em1_r + (two_k - 1.0);
    (em1 / (em1 + 2.0)).copysign(x)
}

/// [`tanh`] in single precision: a = min(|x|, 9.5), the Taylor series of e^r − 1 to r⁸ (first
/// omitted term < 2·10⁻⁹ relative), all in f32. The tests accept 4 ulp (f32) against `f64::tanh`
/// rounded to f32.
///
/// # Examples
/// ```
/// let t = lowrank_gauss::fastmath::tanh_f32(0.7);
/// assert!((t - 0.7f32.tanh()).abs() <= 4.0 * f32::EPSILON);
/// ```
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let a = if a > 9.5 { 9.5 } else { a };
    let y = a + a;
    let t = y * std::f32::consts::LOG2_E + SHIFT_F32;
    let k = t - SHIFT_F32;
    // ln 2 = 0.693145751953125 (bits 0x3F317200, 16 significant bits: k·hi exact) + 1.4286068e-6
    let r = (y - k * f32::from_bits(0x3F31_7200)) - k * 1.428_606_8e-6;
    let mut p = 1.0 / 40_320.0f32;
    for c in [
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
    ] {
        p = p * r + c;
    }
    let em1_r = p * r;
    let two_k = f32::from_bits(
        (t.to_bits().wrapping_sub(SHIFT_F32.to_bits()))
            .wrapping_add(127)
            .wrapping_shl(23),
    );
    let em1 = two_k * em1_r + (two_k - 1.0);
    (em1 / (em1 + 2.0)).copysign(x)
}

#[cfg(test)]
mod tanh_tests {
    use super::{tanh, tanh_f32};

    /// Distance in units of the last place between two finite numbers of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn tanh_within_4_ulp_of_libm_on_a_dense_sweep() {
        let mut worst = (0u64, 0.0f64);
        let mut check = |x: f64| {
            let u = ulps(tanh(x), x.tanh());
            if u > worst.0 {
                worst = (u, x);
            }
        };
        // uniform over the working range, across the Cody–Waite steps and the clamp
        for i in 0..=2_000_000 {
            let x = -25.0 + 50.0 * i as f64 / 2e6;
            check(x);
        }
        // tiny and subnormal arguments, relative accuracy near 0
        let mut x = 1e-310;
        while x < 1.0 {
            check(x);
            check(-x);
            x *= 1.001;
        }
        eprintln!("worst {} ulp at x = {}", worst.0, worst.1);
        assert!(worst.0 <= 4, "worst {} ulp at x = {}", worst.0, worst.1);
        assert!(tanh(f64::NAN).is_nan());
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(tanh(19.5), 1.0);
    }

    #[test]
    fn tanh_f32_within_4_ulp_of_the_rounded_f64() {
        let mut worst = (0u64, 0.0f32);
        let mut check = |x: f32| {
            let want = (x as f64).tanh() as f32;
            let u = (tanh_f32(x).to_bits() as i64 - want.to_bits() as i64).unsigned_abs();
            if u > worst.0 {
                worst = (u, x);
            }
        };
        for i in 0..=2_000_000 {
            check(-12.0 + 24.0 * i as f32 / 2e6);
        }
        let mut x = 1e-40f32;
        while x < 1.0 {
            check(x);
            check(-x);
            x *= 1.001;
        }
        eprintln!("worst {} ulp at x = {}", worst.0, worst.1);
        assert!(worst.0 <= 4, "worst {} ulp at x = {}", worst.0, worst.1);
        assert!(tanh_f32(f32::NAN).is_nan());
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

    /// Accepted error in units of ε|θ| (ε = 2⁻⁵²): the rotation n cos φ − m sin φ cancels to
    /// ~⅓ of its terms, so its two product roundings cost up to ~2ε|θ| near θ = π/16 (observed
    /// max 2.0 on the sweep; 0.93 elsewhere).
    const MAX_ERR: f64 = 3.0;

    /// Error of atan2_pos against f64::atan2 in units of ulp(θ) (θ ≠ 0).
    fn ulp_err(y: f64, x: f64) -> f64 {
        let want = y.atan2(x);
        let got = atan2_pos(y, x);
        let ulp = f64::EPSILON * want.abs();
        (got - want).abs() / ulp.max(f64::MIN_POSITIVE)
    }

    #[test]
    fn constants_are_the_named_values() {
        let pi = std::f64::consts::PI;
        assert!((TAN_PI_16 - (pi / 16.0).tan()).abs() < 1e-16);
        assert!((TAN_3PI_16 - (3.0 * pi / 16.0).tan()).abs() < 1e-16);
        assert!((COS_PI_8 - (pi / 8.0).cos()).abs() < 1e-16);
        assert!((SIN_PI_8 - (pi / 8.0).sin()).abs() < 1e-16);
    }

    /// Exhaustive-ish sweep of the angle: 2·10⁶ angles uniformly on (−π/2, π/2), each as (tan θ, 1)
    /// and as (sin θ, cos θ), plus the sector thresholds ± a few ulp.
    #[test]
    fn angle_sweep_within_bound() {
        let n = 2_000_000;
        let mut worst = 0.0f64;
        for i in 1..n {
            let th = -FRAC_PI_2 + std::f64::consts::PI * i as f64 / n as f64;
            let e = ulp_err(th.tan(), 1.0).max(ulp_err(th.sin(), th.cos()));
            worst = worst.max(e);
        }
        for &t in &[
            TAN_PI_16,
            TAN_3PI_16,
            1.0,
            1.0 / TAN_3PI_16,
            1.0 / TAN_PI_16,
        ] {
            let mut v = t;
            for _ in 0..8 {
                v = f64::from_bits(v.to_bits() - 1);
            }
            for _ in 0..16 {
                worst = worst.max(ulp_err(v, 1.0)).max(ulp_err(-v, 1.0));
                v = f64::from_bits(v.to_bits() + 1);
            }
        }
        assert!(worst <= MAX_ERR, "worst error {worst} ulp");
    }

    /// Wide dynamic range: |y|/x from 1e−300 to 1e300, and exact special values.
    #[test]
    fn extremes_and_special_values() {
        let mut worst = 0.0f64;
        for e in -300..=300 {
            for &mant in &[1.0, 1.5, 3.7, 9.99] {
                let t = mant * 10f64.powi(e);
                let e = ulp_err(t, 1.0).max(ulp_err(-t, 2.5));
                worst = worst.max(e);
            }
        }
        assert!(worst <= MAX_ERR, "worst error {worst} ulp");
        assert_eq!(atan2_pos(0.0, 1.0), 0.0);
        assert!(atan2_pos(-0.0, 1.0).is_sign_negative());
        assert!((atan2_pos(1.0, 1.0) - FRAC_PI_4).abs() <= f64::EPSILON * FRAC_PI_4);
        assert!((atan2_pos(1e300, 1e-300) - FRAC_PI_2).abs() <= f64::EPSILON);
        assert!((atan(-1e308) + FRAC_PI_2).abs() <= f64::EPSILON);
    }

    /// The zero-mean erf source built on atan2_pos equals the libm-based closed form
    /// `erf::c_phi(0, 0, …)` to a few ε over variances 0..10 and |Δ₁₂| up to the
    /// Cauchy–Schwarz bound (C_φ ∈ [−1, 1], so an absolute bound).
    #[test]
    fn zero_mean_c_phi_matches_closed_form() {
        use crate::erf::{c_phi, c_phi_zero_mean_q};
        use std::f64::consts::FRAC_2_PI;
        let mut worst = 0.0f64;
        for a in 0..=40 {
            for b in 0..=40 {
                let (d11, d22) = (0.25 * a as f64, 0.25 * b as f64);
                let lim = (d11 * d22).sqrt();
                for c in -20..=20 {
                    let d12 = lim * c as f64 / 20.0;
                    let q = (d11 + FRAC_2_PI) * (d22 + FRAC_2_PI);
                    let e = (c_phi_zero_mean_q(q, d12) - c_phi(0.0, 0.0, d11, d22, d12)).abs();
                    worst = worst.max(e);
                }
            }
        }
        assert!(worst <= 4.0 * f64::EPSILON, "worst {worst:e}");
    }

    proptest! {
        #[test]
        fn matches_libm_atan2(y in -1e6f64..1e6, x in 1e-6f64..1e6) {
            prop_assert!(ulp_err(y, x) <= MAX_ERR || y == 0.0);
        }

        #[test]
        fn matches_libm_atan2_log_scale(ly in -30f64..30.0, lx in -30f64..30.0, neg in any::<bool>()) {
            let y = if neg { -(10f64.powf(ly)) } else { 10f64.powf(ly) };
            let x = 10f64.powf(lx);
            prop_assert!(ulp_err(y, x) <= MAX_ERR);
        }

        #[test]
        fn odd_in_y(y in -1e3f64..1e3, x in 1e-3f64..1e3) {
            prop_assert_eq!(atan2_pos(-y, x), -atan2_pos(y, x));
        }
    }
}
