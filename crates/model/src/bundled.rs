//! The scenario files shipped in `scenarios/` (docs/theory/ figures), embedded in the binary so
//! `lowrank check mo2018-fig1` works from any directory.

/// (name, TOML text) of every bundled scenario; the name is the file stem.
pub const ALL: &[(&str, &str)] = &[
    (
        "mo2018-fig1",
        include_str!("../../../scenarios/mo2018-fig1.toml"),
    ),
    (
        "mo2018-fig2-bistable-input",
        include_str!("../../../scenarios/mo2018-fig2-bistable-input.toml"),
    ),
    (
        "mo2018-ring",
        include_str!("../../../scenarios/mo2018-ring.toml"),
    ),
    (
        "mo2018-gonogo",
        include_str!("../../../scenarios/mo2018-gonogo.toml"),
    ),
    (
        "mo2018-detection",
        include_str!("../../../scenarios/mo2018-detection.toml"),
    ),
    (
        "mo2018-context",
        include_str!("../../../scenarios/mo2018-context.toml"),
    ),
    (
        "cb2025-pure-chaos",
        include_str!("../../../scenarios/cb2025-pure-chaos.toml"),
    ),
    (
        "cb2025-fig4a-b2",
        include_str!("../../../scenarios/cb2025-fig4a-b2.toml"),
    ),
    (
        "cb2025-fig3-set1",
        include_str!("../../../scenarios/cb2025-fig3-set1.toml"),
    ),
    (
        "cb2025-limit-cycle",
        include_str!("../../../scenarios/cb2025-limit-cycle.toml"),
    ),
    (
        "two-populations",
        include_str!("../../../scenarios/two-populations.toml"),
    ),
    (
        "relu-input",
        include_str!("../../../scenarios/relu-input.toml"),
    ),
    (
        "rates-chaos",
        include_str!("../../../scenarios/rates-chaos.toml"),
    ),
    (
        "hard-tanh-chaos",
        include_str!("../../../scenarios/hard-tanh-chaos.toml"),
    ),
];

/// TOML text of a bundled scenario by name (file stem, with or without `.toml`).
///
/// ```
/// assert!(lowrank_model::bundled::get("mo2018-fig1.toml").is_some());
/// assert!(lowrank_model::bundled::get("nope").is_none());
/// ```
pub fn get(name: &str) -> Option<&'static str> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    ALL.iter().find(|(n, _)| *n == stem).map(|(_, t)| *t)
}

/// Parse a bundled scenario by name.
pub fn load(
    name: &str,
    overrides: &[crate::Override],
) -> Option<Result<crate::Scenario, crate::ModelError>> {
    get(name).map(|text| crate::Scenario::from_toml_str(text, overrides))
}
