//! A network scenario from TOML: the \[MO\] rank-one network of Fig. 1, one override applied,
//! validated on load, and the derived quantities the theory uses. Run with
//! `cargo run -p lowrank-model --example scenario`.

use lowrank_model::{Override, Scenario};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let toml = "[mo2018]\nkind = \"rank-one\"\ng = 0.8\nmean_m = 1.1\nmean_n = 2.0\n";
    let scenario = Scenario::from_toml_str(toml, &[Override::parse("mo2018.g=2.0")?])?;
    let model = &scenario.model;
    println!("scenario `{}` with mo2018.g = 2.0:", scenario.name);
    println!(
        "  rank {}, {} population(s), φ = {}",
        model.rank(),
        model.n_populations(),
        model.nonlinearity()
    );
    println!("  disorder coupling G = αg²: {}", model.disorder_coupling());
    println!("  overlap matrix Ω: {}", model.overlap_matrix());
    // a bad value is refused with the field it came from, never clamped
    match Scenario::from_toml_str(toml, &[Override::parse("mo2018.g=-1")?]) {
        Err(e) => println!("  g = −1 refused: {e}"),
        Ok(_) => return Err("a negative g was accepted".into()),
    }
    Ok(())
}
