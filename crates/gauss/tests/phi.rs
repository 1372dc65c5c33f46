//! Pointwise nonlinearities: derivatives by finite differences, primitive, parsing.

use lowrank_gauss::Phi;

#[test]
fn derivatives_and_primitive_by_finite_differences() {
    // central differences, step h: truncation O(h²)·|f‴| plus rounding O(ε/h) — tolerance 1e−8
    let h = 1e-5;
    for phi in [Phi::Tanh, Phi::Erf, Phi::Linear] {
        for i in -40..=40 {
            let x = i as f64 * 0.1;
            let fd = |f: &dyn Fn(f64) -> f64| (f(x + h) - f(x - h)) / (2.0 * h);
            let ctx = format!("{phi} x={x}");
            assert!(
                (fd(&|y| phi.primitive(y)) - phi.phi(x)).abs() < 1e-8,
                "{ctx} Φ′"
            );
            assert!((fd(&|y| phi.phi(y)) - phi.dphi(x)).abs() < 1e-8, "{ctx} φ′");
            assert!(
                (fd(&|y| phi.dphi(y)) - phi.d2phi(x)).abs() < 1e-8,
                "{ctx} φ″"
            );
            assert!(
                (fd(&|y| phi.d2phi(y)) - phi.d3phi(x)).abs() < 1e-8,
                "{ctx} φ‴"
            );
        }
        assert_eq!(phi.primitive(0.0), 0.0);
        assert_eq!(phi.phi(0.0), 0.0);
    }
}

#[test]
fn ln_cosh_does_not_overflow() {
    // ln cosh x = |x| − ln 2 + ln(1 + e^{−2|x|}); cosh overflows beyond |x| ≈ 710
    for x in [800.0, -1e5, 1e300] {
        let v = Phi::Tanh.primitive(x);
        assert!(v.is_finite());
        assert!((v - (f64::abs(x) - std::f64::consts::LN_2)).abs() <= 1e-12 * f64::abs(x));
    }
    assert!((Phi::Tanh.primitive(1.5) - 1.5f64.cosh().ln()).abs() < 1e-15);
}

#[test]
fn erf_scale_is_unit_slope_and_matches_libm() {
    assert!((Phi::Erf.dphi(0.0) - 1.0).abs() < 1e-15);
    let x = 0.8f64;
    assert!((Phi::Erf.phi(x) - libm::erf(std::f64::consts::PI.sqrt() * x / 2.0)).abs() < 1e-15);
}

#[test]
fn parse_and_display_round_trip() {
    // every registered name, so a new built-in is covered without editing this test
    let builtins: Vec<Phi> = lowrank_gauss::nonlinearity::BUILTIN_NAMES
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(builtins.contains(&Phi::Tanh) && builtins.contains(&Phi::Elu));
    for phi in builtins {
        assert_eq!(phi.name().parse::<Phi>().unwrap(), phi);
        assert_eq!(phi.to_string(), phi.name());
        assert!(phi.is_plain());
    }
    for name in ["Relu", "max", "tanh2", ""] {
        assert!(name.parse::<Phi>().is_err(), "{name:?} parsed");
    }
}
