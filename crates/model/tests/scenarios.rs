//! Scenario files: every bundled scenario loads; schema validation errors name their field;
//! `--set` overrides reach every scalar.

use lowrank_model::{bundled, Init, Integrator, Model, ModelError, Override, Scenario, Source};

fn load(text: &str, sets: &[&str]) -> Result<Scenario, ModelError> {
    let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    Scenario::from_toml_str(text, &o)
}

const GENERAL: &str = r#"
name = "t"
nonlinearity = "tanh"
[[population]]
name = "A"
fraction = 0.5
gain = 1.0
[[population]]
name = "B"
fraction = 0.5
gain = 0.5
gain_from = { A = 0.3 }
[[vector]]
name = "m"
mean = 1.0
std = 1.0
cov = { n = 0.5 }
[[vector]]
name = "n"
mean = 2.0
variance = 1.0
[[term]]
left = "m"
right = "n"
[[input]]
vector = "m"
baseline = 0.1
[[readout]]
vector = "n"
"#;

#[test]
fn every_bundled_scenario_loads_and_validates() {
    assert_eq!(bundled::ALL.len(), 14);
    for (name, text) in bundled::ALL {
        let s = Scenario::from_toml_str(text, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&s.name, name, "scenario name should match the file stem");
        // the model was validated on construction; it survives a round trip through its parts
        assert_eq!(Model::new(s.model.clone().into_parts()).unwrap(), s.model);
        s.simulation.validate(&s.model).unwrap();
        assert!(!s.description.is_empty(), "{name} needs a description");
        for st in s.model.stats() {
            let f = st.factor();
            assert!((&f * f.transpose() - &st.cov).abs().max() < 1e-10, "{name}");
        }
    }
    // the files in scenarios/ are exactly the bundled ones
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    on_disk.sort();
    let mut bundled_names: Vec<String> = bundled::ALL.iter().map(|(n, _)| n.to_string()).collect();
    bundled_names.sort();
    assert_eq!(on_disk, bundled_names);
}

#[test]
fn bundled_scenarios_have_the_documented_statistics() {
    let omega = |name: &str| {
        bundled::load(name, &[])
            .unwrap()
            .unwrap()
            .model
            .overlap_matrix()
    };
    assert!((omega("mo2018-fig1")[(0, 0)] - 1.1 * 2.0).abs() < 1e-12);
    assert!((omega("mo2018-fig2-bistable-input")[(0, 0)] - 3.5).abs() < 1e-12);
    let fig2 = bundled::load("mo2018-fig2-bistable-input", &[])
        .unwrap()
        .unwrap()
        .model;
    let i = fig2.vector_index("I").unwrap();
    assert!((fig2.stats()[0].cov[(i, i)] - 1.25).abs() < 1e-12); // Σ_nI²/Σ_n² + Σ⊥²
    assert!((omega("mo2018-ring")[(1, 1)] - 2.56).abs() < 1e-12);
    assert!((omega("mo2018-detection")[(0, 0)] - 4.0).abs() < 1e-12);
    assert!((omega("two-populations")[(0, 0)] - 2.0).abs() < 1e-12);
    assert!((omega("cb2025-fig4a-b2")[(0, 0)] - 2.0).abs() < 1e-12);
    assert!(omega("cb2025-pure-chaos")[(0, 0)].abs() < 1e-12);
    // limit cycle: T̂ eigenvalues √2(±1 ± i)
    let lc = bundled::load("cb2025-limit-cycle", &[])
        .unwrap()
        .unwrap()
        .model;
    for z in lc.overlap_eigenvalues().unwrap() {
        assert!(
            (z.re.abs() - 2f64.sqrt()).abs() < 1e-9 && (z.im.abs() - 2f64.sqrt()).abs() < 1e-9,
            "{z}"
        );
    }
    // fig3 set 1: all exchange mode (b > a), signs +1
    let f3 = bundled::load("cb2025-fig3-set1", &[]).unwrap().unwrap();
    match &f3.source {
        Source::Cb2025 { spec, inflation } => {
            assert_eq!(spec.regions, 5);
            assert_eq!(inflation.steps, 0);
            assert!((spec.t_entry(0, 0, 0) - 2.0706).abs() < 1e-12);
            assert!((spec.t_entry(0, 1, 0) - (2.4609f64 * 2.5380).sqrt()).abs() < 1e-12);
        }
        other => panic!("{other:?}"),
    }
    let two = bundled::load("two-populations", &[]).unwrap().unwrap();
    let g = two.model.disorder_coupling();
    // G_pq = α_q g_pq²
    assert!((g[(0, 0)] - 0.8 * 1.44).abs() < 1e-12 && (g[(0, 1)] - 0.2 * 0.25).abs() < 1e-12);
    assert!((g[(1, 0)] - 0.8 * 1.0).abs() < 1e-12 && (g[(1, 1)] - 0.2 * 0.64).abs() < 1e-12);
    assert_eq!(two.simulation.integrator, Integrator::Heun);
    let det = bundled::load("mo2018-detection", &[]).unwrap().unwrap();
    let coefs = det.simulation.init.vector_coefficients(&det.model).unwrap();
    assert_eq!(coefs.len(), 2);
    assert!(coefs.iter().all(|&(_, c)| c == -1.0));
}

#[test]
fn general_form_resolves() {
    let s = load(GENERAL, &[]).unwrap();
    let m = &s.model;
    assert_eq!(m.populations()[0].weight, 0.5);
    assert_eq!((m.gain()[(1, 0)], m.gain()[(0, 1)]), (0.3, 0.0));
    assert!((m.overlap_matrix()[(0, 0)] - 2.5).abs() < 1e-12); // σ_nm + M_n M_m in both halves
    assert_eq!(m.terms()[0].name, "1");
    assert_eq!(m.inputs()[0].name, "m");
    assert_eq!(m.readouts()[0].name, "n");
    assert!(matches!(s.simulation.init, Init::Gaussian { std } if std == 1.0));
    assert_eq!(s.source, Source::General);
}

#[test]
fn combinations_of_basis_vectors_get_exact_covariances() {
    let text = r#"
name = "c"
[[population]]
name = "P"
gain = 0.0
[[vector]]
name = "x"
std = 2.0
[[vector]]
name = "y"
population.P.variance = 3.0
[[vector]]
name = "u"
combination = { x = 1.0, y = -2.0 }
mean = 0.5
[[vector]]
name = "v"
combination = { u = 2.0, x = 1.0 }
"#;
    let m = load(text, &[]).unwrap().model;
    let c = |a: &str, b: &str| {
        m.stats()[0].cov[(m.vector_index(a).unwrap(), m.vector_index(b).unwrap())]
    };
    // u = x − 2y: σ_uu = 4 + 4·3 = 16; v = 2u + x = 3x − 4y: σ_vv = 9·4 + 16·3 = 84, σ_uv = 3·4 + 8·3 = 36
    assert!((c("u", "u") - 16.0).abs() < 1e-12);
    assert!((c("v", "v") - 84.0).abs() < 1e-12);
    assert!((c("u", "v") - 36.0).abs() < 1e-12);
    assert!((c("u", "x") - 4.0).abs() < 1e-12);
    let mean_v = m.stats()[0].mean[m.vector_index("v").unwrap()];
    assert!((mean_v - 1.0).abs() < 1e-12); // 2·0.5 offset carried through u
}

fn field_of(e: &ModelError) -> String {
    e.to_string()
}

#[test]
fn validation_errors_name_their_field() {
    let cases: &[(&[&str], &str)] = &[
        (&["vector.m.cov.n=3.0"], "population.A.covariance"),
        (&["population.A.gain=-1"], "population.A.gain"),
        (
            &["population.B.gain_from.A=nan"],
            "population.B.gain_from.A",
        ),
        (&["population.A.fraction=0.4"], "fractions sum to"),
        (&["term.0.left=q"], "term.1.left"),
        (&["input.0.vector=q"], "input.q.vector: unknown vector `q`"),
        (
            &["readout.0.vector=q"],
            "readout.q.vector: unknown vector `q`",
        ),
        (&["nonlinearity=relux"], "unknown nonlinearity `relux`"),
        (
            &["nonlinearity={kind=\"tanh\",gain=-1}"],
            "nonlinearity.gain",
        ),
        (
            &["nonlinearity={kind=\"relu\",scale=0}"],
            "nonlinearity.scale",
        ),
        (
            &["nonlinearity={kind=\"relu\",offset=nan}"],
            "nonlinearity.offset",
        ),
        (&["nonlinearity={gain=2.0}"], "nonlinearity.kind"),
        (&["nonlinearity={kind=\"tanhh\"}"], "nonlinearity.kind"),
        (
            &["nonlinearity={kind=\"tanh\",slope=1.0}"],
            "nonlinearity.slope",
        ),
        (
            &["nonlinearity={kind=\"tanh\",gain=\"big\"}"],
            "nonlinearity.gain",
        ),
        (&["nonlinearity=3"], "nonlinearity"),
        (&["vector.n.name=m"], "duplicate name `m`"),
        (&["population.B.name=A"], "duplicate name `A`"),
        (&["vector.m.mean=inf"], "vector.m.mean"),
        (&["vector.m.std=-1"], "vector.m.std"),
        (&["population.A.weight=1"], "population.A.weight"),
        (&["vector.m.cov.zz=0.1"], "unknown vector `zz`"),
        (
            &["population.B.gain_from.Z=0.1"],
            "population.B.gain_from.Z",
        ),
        (&["simulation.dt=0"], "simulation.dt"),
        (
            &[
                "simulation.init.kind=vectors",
                "simulation.init.combination.q=1",
            ],
            "simulation.init",
        ),
        (
            &["input.0.pulses=[{start=2.0,stop=1.0,amplitude=1.0}]"],
            "input.m.pulses.0",
        ),
    ];
    for (sets, needle) in cases {
        let err = load(GENERAL, sets).expect_err(&format!("{sets:?} should fail"));
        assert!(
            !matches!(
                err,
                ModelError::UnknownOverrideKey { .. } | ModelError::InvalidOverride { .. }
            ),
            "{sets:?}: the override itself should be accepted, got `{err}`"
        );
        assert!(
            field_of(&err).contains(needle),
            "{sets:?}: `{err}` lacks `{needle}`"
        );
    }
    assert!(matches!(
        load("name = \"x\"\nnonlinearity = \"tanh\"\n", &[]),
        Err(ModelError::NoPopulations)
    ));
    let cyc = "name='c'\n[[population]]\nname='P'\ngain=0\n[[vector]]\nname='a'\ncombination={b=1}\n[[vector]]\nname='b'\ncombination={a=1}\n";
    assert!(load(cyc, &[]).unwrap_err().to_string().contains("cycle"));
    let mixed = GENERAL.replace(
        "[[vector]]\nname = \"n\"",
        "[[vector]]\nname = \"n\"\npopulation.A.mean = 1.0",
    );
    assert!(load(&mixed, &[])
        .unwrap_err()
        .to_string()
        .contains("vector.n.population"));
    let both = format!("{GENERAL}\n[mo2018]\nkind = \"ring\"\n");
    assert!(load(&both, &[])
        .unwrap_err()
        .to_string()
        .starts_with("mo2018"));
}

#[test]
fn malformed_toml_reports_line_and_column() {
    let text = "name = \"x\"\n[[population]]\nname = \"A\"\ngain = = 1\n";
    match load(text, &[]) {
        Err(ModelError::Toml { line, column, .. }) => assert_eq!((line, column), (4, 8)),
        other => panic!("{other:?}"),
    }
    let typo = "name = \"x\"\n[[population]]\nname = \"A\"\ngian = 1\n";
    match load(typo, &[]) {
        Err(ModelError::Toml { line, message, .. }) => {
            assert_eq!(line, 4);
            assert!(message.contains("gian"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn overrides_reach_every_scalar() {
    let s = load(
        GENERAL,
        &[
            "population.A.gain=1.8",
            "vector.m.cov.n=0.25",
            "simulation.seed=9",
            "input.0.baseline=0.7",
        ],
    )
    .unwrap();
    assert_eq!(s.model.gain()[(0, 0)], 1.8);
    assert!((s.model.overlap_matrix()[(0, 0)] - 2.25).abs() < 1e-12);
    assert_eq!(s.simulation.seed, 9);
    assert_eq!(s.model.inputs()[0].schedule.baseline, 0.7);
    let fig1 = bundled::get("mo2018-fig1").unwrap();
    let s = load(fig1, &["mo2018.g=1.8"]).unwrap();
    assert_eq!(s.model.gain()[(0, 0)], 1.8);
    let f3 = bundled::get("cb2025-fig3-set1").unwrap();
    let s = load(f3, &["cb2025.g.0=2.0", "cb2025.symmetric.signs.1=-1"]).unwrap();
    assert_eq!(s.model.gain()[(0, 0)], 2.0);
    assert_eq!(s.model.gain()[(1, 1)], 0.0);
    match &s.source {
        Source::Cb2025 { spec, .. } => assert!(spec.t_entry(0, 1, 0) < 0.0),
        other => panic!("{other:?}"),
    }
    let s = load(bundled::get("cb2025-fig4a-b2").unwrap(), &["cb2025.g=1.5"]).unwrap();
    assert_eq!(s.model.gain()[(0, 0)], 1.5);
    let s = load(
        bundled::get("mo2018-gonogo").unwrap(),
        &["mo2018.stimulus=nogo"],
    )
    .unwrap();
    assert_eq!(s.model.inputs()[1].schedule.pulses.len(), 1);
}

#[test]
fn unknown_override_keys_are_typed_errors() {
    for key in [
        "population.Z.gain=1",
        "population.A.gian=1",
        "simulatoin.seed=1",
        "vector.m.mean.x=1",
        "input.5.baseline=1",
    ] {
        match load(GENERAL, &[key]) {
            Err(ModelError::UnknownOverrideKey { key: k, .. }) => {
                assert_eq!(k, key.split('=').next().unwrap())
            }
            other => panic!("{key}: {other:?}"),
        }
    }
    let fig1 = bundled::get("mo2018-fig1").unwrap();
    assert!(matches!(
        load(fig1, &["mo2018.gg=1"]),
        Err(ModelError::UnknownOverrideKey { .. })
    ));
    assert!(matches!(
        load(fig1, &["population.A.gain=1"]),
        Err(ModelError::UnknownOverrideKey { .. })
    ));
    assert!(matches!(
        load(fig1, &["mo2018.g=abc"]),
        Err(ModelError::InvalidOverride { .. })
    ));
    for bad in ["novalue", "=1", "a..b=1", "a="] {
        assert!(
            matches!(
                Override::parse(bad),
                Err(ModelError::MalformedOverride { .. })
            ),
            "{bad}"
        );
    }
}

/// Affine nonlinearity tables (all keys but `kind` optional) in the general form and in the
/// paper sections; the plain string form stays.
#[test]
fn affine_nonlinearities_parse_everywhere() {
    use lowrank_model::Phi;
    let s = load(
        GENERAL,
        &["nonlinearity={kind=\"tanh\",threshold=0.5,offset=1}"],
    )
    .unwrap();
    let want = Phi::Tanh.affine(1.0, 0.5, 1.0, 1.0).unwrap();
    assert_eq!(s.model.nonlinearity(), want);
    assert!((s.model.nonlinearity().phi(0.5) - 1.0).abs() < 1e-15);
    let s = load(GENERAL, &["nonlinearity=\"hard-tanh\""]).unwrap();
    assert_eq!(s.model.nonlinearity(), Phi::HardTanh);
    let mo = "[mo2018]\nkind = \"rank-one\"\nnonlinearity = { kind = \"relu\", gain = 2 }\n";
    let s = Scenario::from_toml_str(mo, &[]).unwrap();
    assert_eq!(
        s.model.nonlinearity(),
        Phi::Relu.affine(2.0, 0.0, 1.0, 0.0).unwrap()
    );
    let cb = "[cb2025]\nregions = 1\ng = [0.5]\nt = [2.0]\nnonlinearity = \"sigmoid\"\n";
    let s = Scenario::from_toml_str(cb, &[]).unwrap();
    assert_eq!(s.model.nonlinearity(), Phi::Sigmoid);
    // a section's nonlinearity can be overridden, and a bad one names the section's field
    let e = Scenario::from_toml_str(
        mo,
        &[lowrank_model::Override::parse("mo2018.nonlinearity=\"x\"").unwrap()],
    )
    .unwrap_err();
    assert!(e.to_string().contains("mo2018.nonlinearity"), "{e}");
    let both = format!("nonlinearity = \"tanh\"\n{mo}");
    let e = Scenario::from_toml_str(&both, &[]).unwrap_err();
    assert!(e.to_string().contains("given twice"), "{e}");
}
