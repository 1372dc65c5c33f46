//! Bad input produces the typed error naming the argument — no panic, no NaN.

use lowrank_gauss::{Gauss, GaussError, Phi};

#[test]
fn negative_variance_is_an_error_beyond_rounding() {
    let g = Gauss::new(16);
    assert_eq!(
        g.expect(f64::tanh, 0.0, -0.1),
        Err(GaussError::NegativeVariance {
            name: "delta",
            value: -0.1
        })
    );
    assert!(matches!(
        g.moments(Phi::Tanh, 0.0, -1e-3),
        Err(GaussError::NegativeVariance { name: "delta", .. })
    ));
    // rounding-level negatives are treated as zero variance
    let m = g.moments(Phi::Tanh, 0.3, -1e-15).unwrap();
    assert_eq!(m.phi, 0.3f64.tanh());
    assert!(matches!(
        g.nested(f64::tanh, 0.0, -2.0, 0.0),
        Err(GaussError::NegativeVariance { name: "delta0", .. })
    ));
    assert!(matches!(
        g.stationary(Phi::Erf, 0.0, 1.0, -0.5),
        Err(GaussError::NegativeVariance { name: "delta", .. })
    ));
}

#[test]
fn delta_above_delta0_is_an_error() {
    let g = Gauss::new(16);
    for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
        match g.stationary(phi, 0.0, 1.0, 1.5) {
            Err(GaussError::NegativeVariance { name, value }) => {
                assert_eq!(name, "delta0 - delta");
                assert!((value + 0.5).abs() < 1e-15);
            }
            other => panic!("{phi}: expected NegativeVariance, got {other:?}"),
        }
    }
    assert!(matches!(
        g.nested(f64::tanh, 0.0, 1.0, 1.0 + 1e-6),
        Err(GaussError::NegativeVariance {
            name: "delta0 - delta",
            ..
        })
    ));
    // Δ = Δ0 (1 + 1e−15) is rounding: accepted as Δ = Δ0
    let s = g.stationary(Phi::Erf, 0.0, 1.0, 1.0 + 1e-15).unwrap();
    assert!(s.c.is_finite() && s.f.is_finite() && s.dc.is_finite());
}

#[test]
fn non_finite_arguments_are_errors() {
    let g = Gauss::new(16);
    assert!(matches!(
        g.expect(f64::tanh, f64::NAN, 1.0),
        Err(GaussError::NotFinite { name: "mu", .. })
    ));
    assert!(matches!(
        g.moments(Phi::Erf, 0.0, f64::INFINITY),
        Err(GaussError::NotFinite { name: "delta", .. })
    ));
    assert!(matches!(
        g.stationary(Phi::Tanh, 0.0, f64::NAN, 0.0),
        Err(GaussError::NotFinite { name: "delta0", .. })
    ));
    assert!(matches!(
        g.c_phi(Phi::Erf, 0.0, f64::NEG_INFINITY, 1.0, 1.0, 0.0),
        Err(GaussError::NotFinite { name: "mu2", .. })
    ));
    assert!(matches!(
        g.c_dphi(Phi::Tanh, 0.0, 0.0, 1.0, 1.0, f64::NAN),
        Err(GaussError::NotFinite { name: "d12", .. })
    ));
    assert!(matches!(
        g.bivariate(f64::tanh, f64::tanh, 0.0, 0.0, f64::NAN, 1.0, 0.0),
        Err(GaussError::NotFinite { name: "d11", .. })
    ));
}

#[test]
fn invalid_covariance_is_an_error() {
    let g = Gauss::new(16);
    for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
        assert_eq!(
            g.c_phi(phi, 0.0, 0.0, 1.0, 1.0, 1.5),
            Err(GaussError::InvalidCovariance {
                d11: 1.0,
                d22: 1.0,
                d12: 1.5
            })
        );
        assert_eq!(
            g.c_dphi(phi, 0.2, 0.0, 1.0, 4.0, -2.1),
            Err(GaussError::InvalidCovariance {
                d11: 1.0,
                d22: 4.0,
                d12: -2.1
            })
        );
    }
    assert!(matches!(
        g.bivariate(f64::tanh, f64::tanh, 0.0, 0.0, 0.0, 1.0, 0.1),
        Err(GaussError::InvalidCovariance { .. })
    ));
    assert!(matches!(
        g.c_phi(Phi::Erf, 0.0, 0.0, 1.0, -1.0, 0.0),
        Err(GaussError::NegativeVariance { name: "d22", .. })
    ));
    // |ρ| = 1 within rounding is accepted and finite
    let c = g
        .c_phi(Phi::Erf, 0.3, 0.1, 2.0, 0.5, -(1.0 + 1e-15))
        .unwrap();
    assert!(c.is_finite());
}

#[test]
fn error_messages_name_the_argument() {
    let e = GaussError::NegativeVariance {
        name: "delta0 - delta",
        value: -0.5,
    };
    assert!(e.to_string().contains("delta0 - delta"));
    let e = GaussError::NotFinite {
        name: "mu",
        value: f64::NAN,
    };
    assert!(e.to_string().contains("`mu`"));
}
