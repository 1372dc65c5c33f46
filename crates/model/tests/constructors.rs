//! Paper constructors yield the statistics the papers state (docs/theory §1.3, §2.5–2.6, §3.5, §3.10).

use lowrank_model::cb2025::{self, effective_interaction, symmetric, Multiregion, RegionInput};
use lowrank_model::mo2018::{self, Context, Detection, GoNogo, RankOne, RankTwo, Ring, Stimulus};
use lowrank_model::validate::{min_eigenpair, psd_tolerance};
use lowrank_model::{Model, ModelError, Schedule};

const TOL: f64 = 1e-12;

fn cov(m: &Model, a: &str, b: &str) -> f64 {
    m.stats()[0].cov[(m.vector_index(a).unwrap(), m.vector_index(b).unwrap())]
}

fn assert_all_psd(m: &Model) {
    for s in m.stats() {
        let (l, _) = min_eigenpair(&s.cov).unwrap();
        assert!(
            l >= -psd_tolerance(&s.cov),
            "{}: min eigenvalue {l}",
            m.name()
        );
        let f = s.factor();
        assert!(
            (&f * f.transpose() - &s.cov).abs().max() < 1e-10,
            "factor of {}",
            m.name()
        );
    }
}

#[test]
fn rank_one_overlap_is_mm_mn_plus_sigma_mn_and_input_statistics() {
    let p = RankOne {
        g: 0.8,
        mean_m: 1.3,
        mean_n: -0.7,
        sigma_m: 1.5,
        sigma_n: 0.9,
        sigma_mn: 0.4,
        mean_i: 0.2,
        sigma_mi: 0.3,
        sigma_ni: 0.5,
        sigma_perp: 1.1,
        input: None,
    };
    let m = p.model().unwrap();
    assert!((m.overlap_matrix()[(0, 0)] - (1.3 * -0.7 + 0.4)).abs() < TOL);
    assert!((cov(&m, "m", "m") - 2.25).abs() < TOL);
    assert!((cov(&m, "n", "n") - 0.81).abs() < TOL);
    assert!((cov(&m, "m", "I") - 0.3).abs() < TOL);
    assert!((cov(&m, "n", "I") - 0.5).abs() < TOL);
    let sigma_ii = 0.09 / 2.25 + 0.25 / 0.81 + 1.21;
    assert!((cov(&m, "I", "I") - sigma_ii).abs() < TOL);
    assert_eq!(m.inputs().len(), 1);
    assert_eq!(m.inputs()[0].schedule.baseline, 1.0);
    assert_eq!(m.gain()[(0, 0)], 0.8);
    assert_all_psd(&m);
    // no input statistics and no schedule: no I
    let plain = RankOne::default().model().unwrap();
    assert_eq!(plain.vectors(), vec!["m", "n"]);
    assert!(plain.inputs().is_empty());
    // |σ_mn| > Σ_m Σ_n is not a covariance
    let bad = RankOne {
        sigma_mn: 1.5,
        ..Default::default()
    }
    .model();
    assert!(matches!(bad, Err(ModelError::NotPsd { .. })), "{bad:?}");
    let neg = RankOne {
        g: -1.0,
        ..Default::default()
    }
    .model();
    assert!(matches!(neg, Err(ModelError::NegativeGain { ref field, .. }) if field == "mo2018.g"));
    let nan = RankOne {
        mean_m: f64::NAN,
        ..Default::default()
    }
    .model();
    assert!(
        matches!(nan, Err(ModelError::NonFinite { ref field, .. }) if field == "mo2018.mean_m")
    );
}

#[test]
fn ring_statistics() {
    let p = Ring {
        g: 2.1,
        sigma: 2.0,
        rho: 1.6,
    };
    let m = p.model().unwrap();
    for (a, b, want) in [
        ("m1", "m1", 4.0),
        ("n1", "n1", 4.0),
        ("m2", "m2", 4.0),
        ("m1", "n1", 2.56),
        ("m2", "n2", 2.56),
        ("m1", "m2", 0.0),
        ("m1", "n2", 0.0),
        ("n1", "n2", 0.0),
    ] {
        assert!((cov(&m, a, b) - want).abs() < TOL, "{a},{b}");
    }
    let omega = m.overlap_matrix();
    assert!(
        (omega[(0, 0)] - 2.56).abs() < TOL
            && omega[(0, 1)].abs() < TOL
            && (omega[(1, 1)] - 2.56).abs() < TOL
    );
    assert_all_psd(&m);
    let bad = Ring { rho: 2.5, ..p }.model();
    assert!(matches!(bad, Err(ModelError::Invalid { ref field, .. }) if field == "mo2018.rho"));
}

#[test]
fn rank_two_general() {
    let mut p = RankTwo {
        mean: [1.0, 2.0, 0.5, -1.0, 0.3],
        ..RankTwo::default()
    };
    p.cov[1][2] = 0.4;
    p.cov[2][1] = 0.4;
    p.cov[4][4] = 1.0;
    p.cov[1][4] = 0.2;
    p.cov[4][1] = 0.2;
    let m = p.model().unwrap();
    let omega = m.overlap_matrix();
    // Ω_kl = σ_{n_k m_l} + M_{n_k} M_{m_l}
    assert!((omega[(0, 0)] - 2.0).abs() < TOL);
    assert!((omega[(0, 1)] - (0.4 + 2.0 * 0.5)).abs() < TOL);
    assert!((omega[(1, 0)] - (-1.0)).abs() < TOL);
    assert!((omega[(1, 1)] - (-0.5)).abs() < TOL);
    assert_eq!(m.inputs().len(), 1);
    p.cov[0][1] = 0.3; // asymmetric
    assert!(
        matches!(p.model(), Err(ModelError::Invalid { ref field, .. }) if field == "mo2018.cov.0.1")
    );
}

#[test]
fn go_nogo_statistics() {
    let p = GoNogo::default();
    let m = mo2018::go_nogo(&p).unwrap();
    assert!(m.overlap_matrix()[(0, 0)].abs() < TOL); // m = w ⟂ n = I_A
    assert!((cov(&m, "n", "I_A") - p.sigma_i.powi(2)).abs() < TOL);
    assert!(cov(&m, "n", "I_B").abs() < TOL);
    assert!((cov(&m, "m", "w") - p.sigma_w.powi(2)).abs() < TOL);
    let go = &m.inputs()[m.inputs().iter().position(|i| i.name == "go").unwrap()];
    assert_eq!(go.schedule.value(p.onset + 1.0), p.amplitude);
    assert_eq!(go.schedule.value(p.onset + p.duration + 1.0), 0.0);
    let nogo = mo2018::go_nogo(&GoNogo {
        stimulus: Stimulus::Nogo,
        ..p.clone()
    })
    .unwrap();
    let i = nogo.inputs().iter().position(|i| i.name == "nogo").unwrap();
    assert_eq!(nogo.inputs()[i].schedule.value(p.onset + 1.0), p.amplitude);
    assert_eq!(nogo.readouts()[0].name, "z");
    assert_all_psd(&m);
}

#[test]
fn detection_statistics() {
    let p = Detection::default();
    let m = mo2018::detection(&p).unwrap();
    assert!((cov(&m, "m", "n") - p.rho_m * p.rho_n).abs() < TOL);
    assert!((m.overlap_matrix()[(0, 0)] - p.rho_m * p.rho_n).abs() < TOL);
    assert!((cov(&m, "m", "m") - (p.sigma_w.powi(2) + p.rho_m.powi(2))).abs() < TOL);
    assert!((cov(&m, "n", "I") - p.sigma_i.powi(2)).abs() < TOL);
    assert!(
        cov(&m, "n", "h").abs() < TOL && (cov(&m, "h", "h") - p.sigma_perp.powi(2)).abs() < TOL
    );
    let stim = &m.inputs()[0].schedule;
    assert_eq!(stim.value(p.onset + 0.5), p.c);
    assert_eq!(stim.noise_at(p.onset + 0.5), p.noise);
    assert_eq!(stim.noise_at(p.onset - 0.5), 0.0);
    assert_all_psd(&m);
}

#[test]
fn context_statistics() {
    let p = Context::default();
    let m = mo2018::context(&p).unwrap();
    let omega = m.overlap_matrix();
    let (rr, bb) = (p.rho_m * p.rho_n, p.beta_m * p.beta_n);
    assert!((omega[(0, 0)] - (rr + bb)).abs() < TOL && (omega[(1, 1)] - (rr + bb)).abs() < TOL);
    assert!((omega[(0, 1)] - bb).abs() < TOL && (omega[(1, 0)] - bb).abs() < TOL);
    assert!((cov(&m, "n1", "ctx_A") - p.rho_n).abs() < TOL);
    assert!((cov(&m, "n1", "I_A") - p.sigma_i.powi(2)).abs() < TOL);
    assert!((cov(&m, "m1", "m2") - p.beta_m.powi(2)).abs() < TOL);
    assert!((cov(&m, "w", "m1") - p.beta_m).abs() < TOL);
    assert_all_psd(&m);
    let s = lowrank_model::mo2018::Mo2018::Context(Context {
        stimulus_noise: 0.1,
        ..p
    });
    assert_eq!(s.notes().len(), 1);
}

/// Deterministic pseudo-random numbers in (−1, 1) (no RNG dependency needed here).
fn pseudo(k: usize) -> f64 {
    ((k as f64 + 1.0) * 12.9898).sin() * 0.9
}

#[test]
fn multiregion_overlap_is_t_hat_and_covariances_match() {
    let r = 3;
    let t: Vec<f64> = (0..r * r * r).map(|k| 1.5 * pseudo(k)).collect();
    let spec = Multiregion::new(r, vec![0.5, 1.0, 1.5], t.clone());
    let built = spec.build().unwrap();
    let m = &built.model;
    let that = effective_interaction(r, &t).unwrap();
    assert!((m.overlap_matrix() - &that).abs().max() < TOL);
    assert_eq!(m.rank(), r * r);
    assert_eq!(m.terms()[1].name, "1<-2");
    // σ^{(ν)}_{n^{μν} m^{νρ}} = T^{μνρ}; m^{μν} lives in μ, n^{μν} in ν
    for nu in 0..r {
        let st = &m.stats()[nu];
        for mu in 0..r {
            let n = m.vector_index(&cb2025::n_name(mu, nu)).unwrap();
            assert!((st.cov[(n, n)] - built.inflation.sigma_n2).abs() < TOL);
            for rho in 0..r {
                let mm = m.vector_index(&cb2025::m_name(nu, rho)).unwrap();
                assert!((st.cov[(n, mm)] - t[(mu * r + nu) * r + rho]).abs() < TOL);
                assert!((st.cov[(mm, mm)] - 1.0).abs() < TOL); // U = 1
                let elsewhere = m.vector_index(&cb2025::m_name(mu, rho)).unwrap();
                if mu != nu {
                    assert_eq!(st.cov[(elsewhere, elsewhere)], 0.0);
                }
            }
        }
        assert_eq!(m.gain()[(nu, nu)], [0.5, 1.0, 1.5][nu]);
    }
    assert_all_psd(m);
    // §4 rule with U = 1, no input: start at max(1, max_ν s_max(T^{·ν·})²), already PSD
    let smax = (0..r)
        .map(|nu| {
            nalgebra::DMatrix::from_fn(r, r, |mu, rho| t[(mu * r + nu) * r + rho])
                .singular_values()
                .max()
        })
        .fold(0.0f64, f64::max);
    assert!((built.inflation.start - smax.powi(2).max(1.0)).abs() < 1e-12);
    assert_eq!(built.inflation.steps, 0);
}

#[test]
fn multiregion_inflation_report() {
    // requested σ_n² too small for T = 2 (needs ≥ 4): inflated by ×1.05 steps and reported
    let mut spec = Multiregion::new(1, vec![0.0], vec![2.0]);
    spec.sigma_n2 = Some(1.0);
    let inf = spec.inflation().unwrap();
    let steps = (4.0f64.ln() / 1.05f64.ln()).ceil() as usize; // smallest k with 1.05^k ≥ 4
    assert_eq!(inf.steps, steps);
    assert!((inf.sigma_n2 - 1.05f64.powi(steps as i32)).abs() < 1e-12);
    assert!(!inf.warning);
    // large T: σ_n² > 10 carries the warning
    let big = Multiregion::new(1, vec![0.0], vec![5.0])
        .inflation()
        .unwrap();
    assert!(big.warning && (big.sigma_n2 - 25.0).abs() < 1e-9);
    // an input overlapping n needs more room: σ_n² ≥ T² + V² for R = 1
    let mut with_input = Multiregion::new(1, vec![0.0], vec![2.0]);
    with_input.inputs.push(RegionInput {
        region: 0,
        v: vec![1.0],
        schedule: Schedule {
            baseline: 2.0,
            ..Default::default()
        },
    });
    let built = with_input.build().unwrap();
    assert!(built.inflation.sigma_n2 >= 5.0 - 1e-9 && built.inflation.sigma_n2 < 5.0 * 1.05 + 1e-9);
    let m = &built.model;
    let (n, i) = (
        m.vector_index("n_1_1").unwrap(),
        m.vector_index("I_1").unwrap(),
    );
    assert_eq!(m.stats()[0].cov[(n, i)], 1.0);
    assert_eq!(m.stats()[0].cov[(i, i)], 1.0);
    assert_eq!(m.stats()[0].cov[(m.vector_index("m_1_1").unwrap(), i)], 0.0);
    assert_eq!(m.inputs()[0].schedule.baseline, 2.0);
    assert_all_psd(m);
}

#[test]
fn symmetric_interactions_spectrum() {
    // docs/theory §3.5: T̂ decouples into self loops (eigenvalue a^μ) and pairs (μν),(νμ) with
    // eigenvalues ±√(b^μ b^ν)
    let a = [2.0706, 2.0160, 2.0391, 2.0896, 2.0747];
    let b = [2.4609, 2.5380, 2.4939, 2.4959, 2.5164];
    let signs = [1.0, -1.0, 1.0, 1.0, -1.0];
    let t = symmetric(&a, &b, &signs).unwrap();
    let th = effective_interaction(5, &t).unwrap();
    let mut want: Vec<f64> = a.to_vec();
    for mu in 0..5 {
        for nu in mu + 1..5 {
            let e = (b[mu] * b[nu]).sqrt();
            want.push(e);
            want.push(-e);
        }
    }
    want.sort_by(f64::total_cmp);
    let mut got: Vec<f64> = th
        .complex_eigenvalues()
        .iter()
        .map(|z| {
            assert!(z.im.abs() < 1e-9);
            z.re
        })
        .collect();
    got.sort_by(f64::total_cmp);
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-9, "{got:?} vs {want:?}");
    }
    assert!(symmetric(&a, &b[..4], &signs).is_err());
    assert!(symmetric(&a, &b, &[1.0, 0.5, 1.0, 1.0, 1.0]).is_err());
}

#[test]
fn multiregion_rejects_bad_input() {
    let bad_len = Multiregion::new(2, vec![0.0], vec![0.0; 8]).build();
    assert!(matches!(bad_len, Err(ModelError::Invalid { ref field, .. }) if field == "cb2025.g"));
    let neg = Multiregion::new(1, vec![-1.0], vec![0.0]).build();
    assert!(
        matches!(neg, Err(ModelError::NegativeGain { ref field, .. }) if field == "cb2025.g.0")
    );
    let mut u = Multiregion::new(1, vec![0.0], vec![1.0]);
    u.u = Some(vec![-1.0]);
    assert!(matches!(u.build(), Err(ModelError::NotPsd { .. })));
    let mut cross = Multiregion::new(2, vec![1.0, 1.0], vec![0.0; 8]);
    cross.cross_gain = Some(vec![0.0, 0.3, 0.2, 0.0]);
    let m = cross.build().unwrap().model;
    assert_eq!((m.gain()[(0, 1)], m.gain()[(1, 0)]), (0.3, 0.2));
    cross.cross_gain = Some(vec![0.1, 0.3, 0.2, 0.0]);
    assert!(cross.build().is_err());
}
