//! The bad-input corpus (docs/robustness.md): hostile command lines and scenario files, each
//! expected to end with a clear error — exit status 1 (not a panic's 101, not a signal, not a
//! hang), a message on stderr naming the offending field or option, and no output file left
//! behind. Every case runs the built binary with a time limit.
//!
//! In the table, `{S}` in an argument is replaced by the path of the case's scenario file (its
//! text given in the case) and `{D}` by a fresh directory for the case's outputs, which must be
//! empty afterwards (temporary files included).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a bad input may take to be refused.
const LIMIT: Duration = Duration::from_secs(60);

struct Case {
    args: &'static [&'static str],
    scenario: Option<&'static str>,
    expect: &'static str,
}

const fn c(args: &'static [&'static str], expect: &'static str) -> Case {
    Case {
        args,
        scenario: None,
        expect,
    }
}

const fn f(scenario: &'static str, args: &'static [&'static str], expect: &'static str) -> Case {
    Case {
        args,
        scenario: Some(scenario),
        expect,
    }
}

/// A valid general-form scenario the file cases break one field at a time.
const GOOD: &str = r#"
name = "corpus"
[[population]]
name = "A"
gain = 1.2
[[vector]]
name = "m"
mean = 1.0
std = 1.0
[[vector]]
name = "n"
mean = 2.0
std = 1.0
[[term]]
left = "m"
right = "n"
[[input]]
name = "I"
vector = "m"
baseline = 0.1
[[readout]]
name = "z"
vector = "n"
"#;

fn corpus() -> Vec<Case> {
    vec![
        // ---- the issue's examples
        c(&["simulate", "mo2018-fig1", "--n", "18446744073709551615"], "--n"),
        c(&["simulate", "mo2018-fig1", "--n", "1000000"], "--max-memory"),
        c(&["simulate", "mo2018-fig1", "--trials", "1000000000"], "--trials"),
        c(&["solve", "mo2018-fig1", "--set", "mo2018.mean_m=1e150"], "mean"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.mean_m=1e150"], "mean"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=1e200"], "mo2018.g"),
        c(&["solve", "mo2018-fig1", "--set", "mo2018.g=1e6"], "mo2018.g"),
        c(&["solve", "mo2018-fig1", "--time", "nan"], "--time"),
        c(&["solve", "mo2018-fig1", "--time", "inf"], "--time"),
        c(&["simulate", "mo2018-fig1", "--max-lag", "20", "--t", "10"], "--max-lag"),
        c(&["simulate", "mo2018-fig1", "--max-lag", "1e9"], "--max-lag"),
        c(&["simulate", "mo2018-fig1", "--t", "1e12"], "--max-work"),
        c(&["simulate", "mo2018-fig1", "--dt", "1e-12"], "--dt"),
        c(&["study", "switch", "--t", "1e12"], "--t"),
        c(&["study", "polytope", "--fracture-draws", "1000000000000"], "--fracture-draws"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:3:1000000000000"], "COUNT"),
        c(&["dmft", "mo2018-fig1", "--t", "1e9"], "--t"),
        c(&["study", "fig5", "--grid", "100000"], "--grid"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--csv", "{D}/s.csv", "--plot", "{D}/missing/dir/p.png"], "--plot"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--csv", "{D}/s.csv", "--plot", "{D}/p.gif"], "--plot"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--shard", "a/b"], "--shard"),
        c(&["dmft", "mo2018-fig1", "--quadrature", "0"], "--quadrature"),
        c(&["dmft", "mo2018-fig1", "--csv", "/dev/full", "--t", "2"], "--csv `/dev/full`"),
        f("[cb2025]\nregions = 100000000\n", &["check", "{S}"], "cb2025.regions"),
        f("[cb2025]\nregions = 1000\n", &["check", "{S}"], "cb2025.regions"),
        f("[[population]]\nname = \"A\"\nweight = 1e12\ngain = 1.0\n", &["simulate", "{S}"], "population.A.weight"),
        // ---- scenario lookup and --set syntax
        c(&["check", "no-such-scenario"], "no-such-scenario"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g"], "KEY=VALUE"),
        c(&["check", "mo2018-fig1", "--set", "=1"], "empty key"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g="], "empty value"),
        c(&["check", "mo2018-fig1", "--set", "mo2018..g=1"], "empty path segment"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.nope=1"], "mo2018.nope"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=abc"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=nan"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=inf"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=-1"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=true"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=[1,2]"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.g=1001"], "mo2018.g"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.mean_n=nan"], "mean_n"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.mean_n=1e300"], "mean"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.sigma_m=-1"], "sigma_m"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.sigma_m=1e300"], "sigma_m"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.sigma_mn=5"], "semi-definite"),
        c(&["check", "mo2018-fig1", "--set", "mo2018.kind=nonsense"], "kind"),
        c(&["check", "mo2018-fig1", "--set", "nonlinearity=relux"], "nonlinearity"),
        c(&["check", "mo2018-fig1", "--set", "simulation.n=0"], "simulation.n"),
        c(&["check", "mo2018-fig1", "--set", "simulation.n=-5"], "simulation.n"),
        c(&["check", "mo2018-fig1", "--set", "simulation.dt=0"], "simulation.dt"),
        c(&["check", "mo2018-fig1", "--set", "simulation.dt=nan"], "simulation.dt"),
        c(&["check", "mo2018-fig1", "--set", "simulation.t=-1"], "simulation.t"),
        c(&["check", "mo2018-fig1", "--set", "simulation.burn_in=-1"], "simulation.burn_in"),
        c(&["check", "mo2018-fig1", "--set", "simulation.trials=0"], "simulation.trials"),
        c(&["check", "mo2018-fig1", "--set", "simulation.record_every=0.001"], "simulation.record_every"),
        c(&["check", "mo2018-fig1", "--set", "simulation.integrator=leapfrog"], "simulation.integrator"),
        c(&["check", "mo2018-fig1", "--set", "simulation.seed=-1"], "simulation.seed"),
        c(&["check", "mo2018-fig1", "--set", "simulation.nope=1"], "simulation.nope"),
        c(&["check", "two-populations", "--set", "population.E.gain=-1"], "population.E.gain"),
        c(&["check", "two-populations", "--set", "population.E.gain=1e200"], "population.E.gain"),
        c(&["check", "two-populations", "--set", "population.E.fraction=0.9"], "fraction"),
        c(&["check", "two-populations", "--set", "population.Z.gain=1"], "population.Z"),
        c(&["check", "two-populations", "--set", "population.7.gain=1"], "population.7"),
        c(&["check", "two-populations", "--set", "population.E.gain_from.Q=1"], "gain_from.Q"),
        c(&["check", "two-populations", "--set", "population.E.gain_from.I=-2"], "gain_from.I"),
        c(&["check", "two-populations", "--set", "vector.m.population.E.variance=-1"], "variance"),
        c(&["check", "two-populations", "--set", "vector.m.population.E.mean=inf"], "mean"),
        c(&["check", "two-populations", "--set", "vector.m.population.E.cov.x=10"], "semi-definite"),
        c(&["check", "two-populations", "--set", "vector.x.std=-1"], "vector.x.std"),
        c(&["check", "two-populations", "--set", "input.drive.baseline=nan"], "input.drive"),
        c(&["check", "two-populations", "--set", "input.drive.noise=-1"], "input.drive.noise"),
        c(&["check", "two-populations", "--set", "input.drive.baseline=1e300"], "input.drive.baseline"),
        c(&["check", "two-populations", "--set", "term.1.left=nope"], "nope"),
        c(&["check", "two-populations", "--set", "readout.z.vector=nope"], "nope"),
        c(&["check", "cb2025-pure-chaos", "--set", "cb2025.regions=0"], "cb2025.regions"),
        c(&["check", "cb2025-pure-chaos", "--set", "cb2025.regions=2"], "cb2025"),
        c(&["check", "cb2025-pure-chaos", "--set", "cb2025.g=[-1.0]"], "cb2025.g"),
        c(&["check", "cb2025-pure-chaos", "--set", "cb2025.t=[nan]"], "cb2025.t"),
        c(&["check", "cb2025-pure-chaos", "--set", "cb2025.sigma_n2=-1"], "cb2025.sigma_n2"),
        // ---- scenario files
        f("this is not toml", &["check", "{S}"], "line 1"),
        f("name = \"x\"\n[[population]]\nname = \"A\"\n", &["check", "{S}"], "gain"),
        f("name = \"x\"\n", &["check", "{S}"], "population"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\nbogus = 3\n", &["check", "{S}"], "bogus"),
        f("[[population]]\nname = \"A\"\ngain = \"high\"\n", &["check", "{S}"], "line 3"),
        f("[[population]]\nname = \"A\"\ngain = nan\n", &["check", "{S}"], "population.A.gain"),
        f("[[population]]\nname = \"A\"\ngain = -0.5\n", &["check", "{S}"], "population.A.gain"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[population]]\nname = \"A\"\ngain = 1.0\n", &["check", "{S}"], "duplicate"),
        f("[[population]]\nname = \"A\"\nfraction = 0.5\ngain = 1.0\n[[population]]\nname = \"B\"\nfraction = 0.4\ngain = 1.0\n", &["check", "{S}"], "fraction"),
        f("[[population]]\nname = \"A\"\nfraction = 0.0\ngain = 1.0\n", &["check", "{S}"], "population.A.fraction"),
        f("[[population]]\nname = \"A\"\nweight = -1\ngain = 1.0\n", &["check", "{S}"], "population.A.weight"),
        f("[[population]]\nname = \"A\"\nweight = 1.0\nfraction = 1.0\ngain = 1.0\n", &["check", "{S}"], "population.A.weight"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nvariance = -1.0\n", &["check", "{S}"], "vector.m.variance"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nvariance = 1.0\nstd = 1.0\n", &["check", "{S}"], "vector.m.std"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nmean = 1e13\n", &["check", "{S}"], "vector.m"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nstd = 1.0\n[[vector]]\nname = \"n\"\nstd = 1.0\ncov = { m = 2.0 }\n", &["check", "{S}"], "semi-definite"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nstd = 1.0\ncov = { q = 0.1 }\n", &["check", "{S}"], "q"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\ncombination = {}\n", &["check", "{S}"], "vector.m.combination"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\ncombination = { zz = 1.0 }\n", &["check", "{S}"], "zz"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[term]]\nleft = \"m\"\nright = \"n\"\n", &["check", "{S}"], "unknown vector"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[input]]\nvector = \"q\"\n", &["check", "{S}"], "unknown vector"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nstd = 1.0\n[[input]]\nvector = \"m\"\npulses = [{ start = 5.0, stop = 1.0, amplitude = 1.0 }]\n", &["check", "{S}"], "pulses.0"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[[vector]]\nname = \"m\"\nstd = 1.0\n[[input]]\nvector = \"m\"\npulses = [{ start = 0.0, stop = 1e300, amplitude = 1.0 }]\n", &["check", "{S}"], "pulses.0.stop"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[simulation]\ninit = { kind = \"vectors\", combination = { q = 1.0 } }\n", &["check", "{S}"], "simulation.init"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[simulation]\ninit = { kind = \"gaussian\", std = -1.0 }\n", &["check", "{S}"], "simulation.init.std"),
        f("[[population]]\nname = \"A\"\ngain = 1.0\n[mo2018]\nkind = \"rank-one\"\n", &["check", "{S}"], "mo2018"),
        f("[mo2018]\nkind = \"rank-one\"\n[cb2025]\nregions = 1\n", &["check", "{S}"], "mo2018"),
        f("nonlinearity = \"softsign\"\n[[population]]\nname = \"A\"\ngain = 1.0\n", &["check", "{S}"], "nonlinearity"),
        f("[cb2025]\nregions = 2\ng = [1.0]\n", &["check", "{S}"], "cb2025.g"),
        f("[cb2025]\nregions = 1\nt = [1.0, 2.0]\n", &["check", "{S}"], "cb2025.t"),
        f("[cb2025]\nregions = 1\ninput = [{ region = 3, v = [1.0] }]\n", &["check", "{S}"], "cb2025.input.0.region"),
        f("[cb2025]\nregions = 11\n", &["check", "{S}"], "cb2025.regions"),
        f("[cb2025]\nregions = -1\n", &["check", "{S}"], "line 2"),
        f(GOOD, &["check", "{S}", "--set", "population.A.gain=nan"], "population.A.gain"),
        f(GOOD, &["check", "{S}", "--set", "vector.m.mean=1e200"], "vector.m"),
        f(GOOD, &["check", "{S}", "--set", "vector.n.std=1e200"], "vector.n"),
        f(GOOD, &["simulate", "{S}", "--set", "population.A.weight=1e12"], "population.A.weight"),
        // ---- simulate options
        c(&["simulate", "mo2018-fig1", "--n", "0"], "--n"),
        c(&["simulate", "mo2018-fig1", "--n", "-1"], "--n"),
        c(&["simulate", "mo2018-fig1", "--n", "abc"], "--n"),
        c(&["simulate", "mo2018-fig1", "--trials", "0"], "--trials"),
        c(&["simulate", "mo2018-fig1", "--t", "nan"], "--t"),
        c(&["simulate", "mo2018-fig1", "--t", "-1"], "--t"),
        c(&["simulate", "mo2018-fig1", "--t", "0"], "--t"),
        c(&["simulate", "mo2018-fig1", "--dt", "0"], "--dt"),
        c(&["simulate", "mo2018-fig1", "--dt", "inf"], "--dt"),
        c(&["simulate", "mo2018-fig1", "--dt", "5", "--t", "1"], "--dt"),
        c(&["simulate", "mo2018-fig1", "--burn-in", "-1"], "--burn-in"),
        c(&["simulate", "mo2018-fig1", "--burn-in", "nan"], "--burn-in"),
        c(&["simulate", "mo2018-fig1", "--burn-in", "1e15"], "--burn-in"),
        c(&["simulate", "mo2018-fig1", "--max-lag", "0"], "--max-lag"),
        c(&["simulate", "mo2018-fig1", "--max-lag", "nan"], "--max-lag"),
        c(&["simulate", "mo2018-fig1", "--method", "leapfrog"], "--method"),
        c(&["simulate", "mo2018-fig1", "--seed", "-3"], "--seed"),
        c(&["simulate", "mo2018-fig1", "--trace-units", "1"], "--trace"),
        c(&["simulate", "mo2018-fig1", "--n", "100", "--t", "1", "--trace", "{D}/t.csv", "--trace-units", "5000"], "--trace-units"),
        c(&["simulate", "mo2018-fig1", "--trace", "{D}/no/such/dir/t.csv"], "--trace"),
        c(&["simulate", "mo2018-fig1", "--trace", "{D}"], "--trace"),
        c(&["simulate", "mo2018-fig1", "--max-memory", "1K"], "--max-memory"),
        c(&["simulate", "mo2018-fig1", "--max-memory", "lots"], "--max-memory"),
        c(&["simulate", "mo2018-fig1", "--max-work", "-1"], "--max-work"),
        c(&["simulate", "mo2018-fig1", "--max-work", "10"], "--max-work"),
        c(&["simulate", "mo2018-fig1", "--set", "simulation.n=0"], "simulation.n"),
        c(&["simulate", "two-populations", "--n", "1"], "too small"),
        // ---- spectrum
        c(&["spectrum", "mo2018-fig1", "--n", "0"], "--n"),
        c(&["spectrum", "mo2018-fig1", "--n", "100000"], "--max-memory"),
        c(&["spectrum", "mo2018-fig1", "--n", "18446744073709551615"], "--max-memory"),
        c(&["spectrum", "mo2018-fig1", "--n", "20000", "--max-memory", "1T"], "--max-work"),
        // ---- solve
        c(&["solve", "mo2018-fig1", "--time", "-inf"], "--time"),
        c(&["solve", "mo2018-fig1", "--set", "mo2018.g=1e300"], "mo2018.g"),
        c(&["solve", "no-such-file.toml"], "no-such-file.toml"),
        // ---- sweep and merge
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1.5"], "KEY=START:STOP:COUNT"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g"], "KEY=START:STOP:COUNT"),
        c(&["sweep", "mo2018-fig1", "--param", "=0:1:2"], "empty KEY"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=a:1:2"], "START"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0:nan:2"], "finite"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0:1:0"], "COUNT"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0:1:-3"], "COUNT"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:1000", "--param", "mo2018.mean_m=0:1:1000000"], "--max-work"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.zz=0:1:2", "--no-chaos"], "mo2018.zz"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=-1:1:3", "--csv", "{D}/s.csv"], "mo2018.g"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--shard", "3"], "--shard"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--shard", "2/2"], "--shard"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--shard", "0/0"], "--shard"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--shard", "-1/2"], "--shard"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--order", "0"], "--order"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--order", "1000000000"], "--order"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--time", "nan"], "--time"),
        c(&["sweep", "mo2018-fig1", "--param", "a=0:1:2", "--param", "b=0:1:2", "--param", "c=0:1:2", "--plot", "{D}/p.png"], "--plot"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--csv", "{D}/same.png", "--plot", "{D}/same.png"], "two outputs"),
        c(&["merge", "{D}/out.csv", "{D}/missing.csv"], "missing.csv"),
        // ---- dmft
        c(&["dmft", "mo2018-fig1", "--t", "nan"], "--t"),
        c(&["dmft", "mo2018-fig1", "--t", "-5"], "--t"),
        c(&["dmft", "mo2018-fig1", "--t", "0.01"], "--t"),
        c(&["dmft", "mo2018-fig1", "--dt", "0"], "--dt"),
        c(&["dmft", "mo2018-fig1", "--dt", "nan"], "--dt"),
        c(&["dmft", "mo2018-fig1", "--dt", "1e-9"], "--dt"),
        c(&["dmft", "mo2018-fig1", "--band", "0"], "--band"),
        c(&["dmft", "mo2018-fig1", "--quadrature", "1"], "--quadrature"),
        c(&["dmft", "mo2018-fig1", "--quadrature", "1000000000"], "--quadrature"),
        c(&["dmft", "mo2018-fig1", "--csv", "{D}/no/dir/d.csv"], "--csv"),
        c(&["dmft", "mo2018-fig1", "--t", "1e8", "--band", "10"], "--t"),
        c(&["dmft", "mo2018-fig1", "--t", "1e6"], "--band"),
        c(&["dmft", "mo2018-fig1", "--s0", "0.1,0.2"], "--s0"),
        c(&["dmft", "mo2018-fig1", "--s0", "nan"], "--s0"),
        c(&["dmft", "mo2018-fig1", "--s0", ""], "--s0"),
        c(&["dmft", "mo2018-fig1", "--tensor", "1,2,3,4,5,6,7,8"], "--tensor"),
        c(&["dmft", "cb2025-limit-cycle", "--tensor", "1,2,3"], "--tensor"),
        c(&["dmft", "cb2025-limit-cycle", "--tensor", "1"], "--tensor"),
        c(&["dmft", "cb2025-limit-cycle", "--tensor", "1,2,3,4,5,6,7,inf"], "--tensor"),
        c(&["dmft", "cb2025-limit-cycle", "--classifier", "mine"], "--classifier"),
        c(&["study", "fig5", "--classifier", "x"], "--classifier"),
        c(&["study", "fig5", "--shard", "3/3"], "--shard"),
        c(&["study", "fig5", "--shard", "x"], "--shard"),
        c(&["study", "fig5", "--shard", "0/2", "--plot", "{D}/p.png"], "--plot"),
        c(&["study", "fig6", "--shard", "2/1"], "--shard"),
        c(&["study", "fig6", "--shard", "0/2", "--plot", "{D}/p.png"], "--plot"),
        c(&["study", "polytope", "--b", "2,2,2", "--shard", "0/2", "--json"], "--shard"),
        c(&["study", "polytope", "--fracture-draws", "5", "--shard", "0/2"], "--json"),
        c(&["study", "polytope", "--fracture-draws", "5", "--shard", "0/2", "--csv", "{D}/p.csv"], "--csv"),
        c(&["study", "polytope", "--fracture-draws", "5", "--shard", "1"], "--shard"),
        c(&["threshold", "mo2018-fig1", "--param", "mo2018.g=0.5:2", "--shard", "0/2"], "--shard"),
        c(&["threshold", "mo2018-fig1", "--param", "mo2018.g=0.5:2", "--over", "mo2018.mean_m=0:1:2", "--shard", "5/2"], "--shard"),
        c(&["threshold", "mo2018-fig1", "--param", "mo2018.g=0.5:2", "--over", "mo2018.mean_m=0:1"], "--over"),
        c(&["threshold", "mo2018-fig1", "--param", "mo2018.g=0.5:2", "--over", "mo2018.mean_m=0:nan:3"], "--over"),
        c(&["threshold", "mo2018-fig1", "--param", "mo2018.g=0.5:2", "--over", "mo2018.g=0:1:3"], "--over"),
        c(&["threshold", "mo2018-fig1", "--param", "mo2018.g=0.5:2", "--over", "mo2018.nope=0:1:3"], "--over"),
        c(&["merge", "{D}/m.json", "{D}/missing.json"], "missing.json"),
        c(&["sweep", "mo2018-fig1", "--param", "mo2018.g=0.5:1:3", "--shard", "-1/2"], "--shard"),
        // ---- studies
        c(&["study", "fig5", "--grid", "0"], "--grid"),
        c(&["study", "fig5", "--samples", "0"], "--samples"),
        c(&["study", "fig5", "--regions", "0"], "--regions"),
        c(&["study", "fig5", "--regions", "100000000"], "--regions"),
        c(&["study", "fig5", "--g", "nan"], "--g"),
        c(&["study", "fig5", "--g", "-1"], "--g"),
        c(&["study", "fig5", "--window", "0"], "--window"),
        c(&["study", "fig5", "--re", "1"], "--re"),
        c(&["study", "fig5", "--re", "a:b"], "--re"),
        c(&["study", "fig5", "--im", "-1:1"], "--im"),
        c(&["study", "fig5", "--t", "1e9"], "--t"),
        c(&["study", "fig5", "--dt", "0"], "--dt"),
        c(&["study", "fig5", "--max-tries", "0"], "--max-tries"),
        c(&["study", "fig5", "--band", "0"], "--band"),
        c(&["study", "fig5", "--plot", "{D}/x.gif"], "--plot"),
        c(&["study", "fig5", "--csv", "{D}/nodir/x.csv"], "--csv"),
        c(&["study", "fig6", "--regions", "1"], "--regions"),
        c(&["study", "fig6", "--g1", "-1,2"], "--g1"),
        c(&["study", "fig6", "--g1", "0:1:0"], "--g1"),
        c(&["study", "fig6", "--g1", "x"], "--g1"),
        c(&["study", "fig6", "--tensor", "1,2"], "--tensor"),
        c(&["study", "fig6", "--t", "inf"], "--t"),
        c(&["study", "fig6", "--plot", "{D}/p.bmp"], "--plot"),
        c(&["study", "switch", "--dt", "0"], "--dt"),
        c(&["study", "switch", "--dt", "-0.1"], "--dt"),
        c(&["study", "switch", "--region", "0"], "--region"),
        c(&["study", "switch", "--region", "9"], "--region"),
        c(&["study", "switch", "--a", "1,2", "--b", "1"], "--b"),
        c(&["study", "switch", "--a", "1,nan"], "--a"),
        c(&["study", "switch", "--signs", "1,1,1,1,3"], "--signs"),
        c(&["study", "switch", "--input-gain", "magic"], "--input-gain"),
        c(&["study", "switch", "--amplitude", "inf"], "--amplitude"),
        c(&["study", "switch", "--tensor", "1,2,3"], "--tensor"),
        c(&["study", "switch", "--every", "0", "--csv", "{D}/s.csv"], "--every"),
        c(&["study", "switch", "--plot", "{D}/s.jpg"], "--plot"),
        c(&["study", "polytope"], "--b"),
        c(&["study", "polytope", "--b", "0.5,2"], "--b"),
        c(&["study", "polytope", "--b", "2"], "--b"),
        c(&["study", "polytope", "--b", "2,2,2,2,2,2,2,2,2,2,2,2"], "--b"),
        c(&["study", "polytope", "--fracture-draws", "0"], "--fracture-draws"),
        c(&["study", "polytope", "--fracture-draws", "10", "--regions", "1"], "--regions"),
        c(&["study", "polytope", "--fracture-draws", "10", "--regions", "40"], "--regions"),
        c(&["study", "polytope", "--b", "2,2", "--plot", "{D}/p.png"], "--plot"),
        c(&["study", "polytope", "--fracture-draws", "5", "--plot", "{D}/p.txt"], "--plot"),
        // ---- usage errors (clap)
        c(&["simulate"], "SCENARIO"),
        c(&["frobnicate"], "frobnicate"),
        c(&["check", "mo2018-fig1", "--bogus"], "--bogus"),
    ]
}

/// The binary under test; `LOWRANK_BIN` runs the corpus against another build (e.g. an older
/// one, to measure a before/after table).
fn lowrank() -> Command {
    let bin = std::env::var("LOWRANK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_lowrank").into());
    let mut cmd = Command::new(bin);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn run(case: &Case, root: &Path, idx: usize) -> Result<(), String> {
    let dir = root.join(format!("case{idx}"));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("scenario.toml");
    if let Some(text) = case.scenario {
        std::fs::write(&scenario, text).unwrap();
    }
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| {
            a.replace("{S}", scenario.to_str().unwrap())
                .replace("{D}", out_dir.to_str().unwrap())
        })
        .collect();
    let mut child = lowrank()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{args:?}: HANG (no answer within {LIMIT:?})"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let code = status.code();
    let mut problems = Vec::new();
    match code {
        Some(1) | Some(2) => {}
        Some(0) => problems.push("ACCEPTED (exit 0)".to_string()),
        Some(101) => problems.push("PANIC".to_string()),
        Some(c) => problems.push(format!("exit {c}")),
        None => problems.push("killed by a signal (abort?)".to_string()),
    }
    if stderr.contains("panicked") {
        problems.push("PANIC message".into());
    }
    if !stderr.contains(case.expect) {
        problems.push(format!("message does not name `{}`", case.expect));
    }
    let left: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    if !left.is_empty() {
        problems.push(format!("LEFT FILES {left:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{args:?}: {} — stderr: {}",
            problems.join("; "),
            stderr.trim()
        ))
    }
}

/// Every case of the corpus fails cleanly. Cases run on a few threads; all failures are
/// reported together.
#[test]
fn bad_input_corpus() {
    let cases = corpus();
    assert!(cases.len() >= 200, "corpus has {} cases", cases.len());
    let root = std::env::temp_dir().join(format!("lowrank-bad-input-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                if let Err(e) = run(case, &root, i) {
                    failures.lock().unwrap().push(format!("case {i}: {e}"));
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&root);
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not refused cleanly:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A full stdout is an error naming stdout (exit 1), never a panic.
#[test]
fn full_stdout_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full on this system
    };
    for args in [
        &["check", "mo2018-fig1"][..],
        &["check", "mo2018-fig1", "--json"],
        &["study", "polytope", "--b", "2,2,2"],
        &[
            "sweep",
            "mo2018-fig1",
            "--param",
            "mo2018.g=0.5:1:2",
            "--no-chaos",
        ],
    ] {
        let out = lowrank()
            .args(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("writing to stdout"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `merge` refuses shards that do not belong together or are damaged, naming the file (and
/// line), and leaves no output file.
#[test]
fn merge_checks_what_it_joins() {
    let dir = std::env::temp_dir().join(format!("lowrank-bad-merge-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let sweep = |param: &str, shard: &str, file: &str| {
        let out = lowrank()
            .args([
                "sweep",
                "mo2018-fig1",
                "--param",
                param,
                "--no-chaos",
                "--shard",
                shard,
                "--csv",
                &p(file),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(p(file)).unwrap()
    };
    let s0 = sweep("mo2018.g=0.5:1.5:4", "0/2", "s0.csv");
    let s1 = sweep("mo2018.g=0.5:1.5:4", "1/2", "s1.csv");
    sweep("mo2018.g=0.5:2:4", "1/2", "other.csv");
    let lines: Vec<&str> = s1.lines().collect();
    let write = |name: &str, text: String| std::fs::write(p(name), text).unwrap();
    // truncated: the last row and the metadata line are gone
    write("trunc.csv", lines[..lines.len() - 2].join("\n") + "\n");
    // truncated mid-line
    write("cut.csv", s1[..s1.len() - 5].to_string());
    // a row with an extra column
    let mut extra: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    extra[1].push_str(",42");
    write("extra.csv", extra.join("\n") + "\n");
    // a NaN value
    let mut nan: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let fields: Vec<&str> = nan[1].split(',').collect();
    let mut f2: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    let k = f2.len() - 5;
    f2[k] = "NaN".into();
    nan[1] = f2.join(",");
    write("nan.csv", nan.join("\n") + "\n");
    // a different header
    let mut head: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    head[0] = head[0].replace("kappa_1", "kappa_x");
    write("head.csv", head.join("\n") + "\n");
    // a row missing from the middle of shard 0
    let l0: Vec<&str> = s0.lines().collect();
    let mut gap: Vec<&str> = vec![l0[0]];
    let first_point_rows: Vec<&str> = l0[1..l0.len() - 1]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("0,"))
        .collect();
    gap.extend(first_point_rows);
    gap.push(l0[l0.len() - 1]);
    write("gap.csv", gap.join("\n") + "\n");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![p("s0.csv"), p("trunc.csv")], "trunc.csv"),
        (vec![p("s0.csv"), p("cut.csv")], "cut.csv"),
        (vec![p("s0.csv"), p("extra.csv")], "extra.csv` line 2"),
        (vec![p("s0.csv"), p("nan.csv")], "nan.csv` line 2"),
        (vec![p("s0.csv"), p("head.csv")], "head.csv` line 1"),
        (vec![p("gap.csv"), p("s1.csv")], "gap.csv"),
        (vec![p("s0.csv"), p("s0.csv")], "given twice"),
        (vec![p("s0.csv")], "1/2"),
        (vec![p("s0.csv"), p("other.csv")], "other.csv"),
        (vec![p("s1.csv"), p("out.csv")], "also given as a shard"),
    ];
    for (shards, expect) in cases {
        let mut args = vec!["merge".to_string(), p("out.csv")];
        args.extend(shards.iter().cloned());
        let out = lowrank().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: `{expect}` not in: {err}");
        assert!(
            !dir.join("out.csv").exists(),
            "{args:?}: output left behind"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // the good pair merges
    let out = lowrank()
        .args(["merge", &p("out.csv"), &p("s1.csv"), &p("s0.csv")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = std::fs::read_to_string(p("out.csv")).unwrap();
    assert!(merged
        .lines()
        .last()
        .unwrap()
        .contains("shard=all; points=4"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A failed command after the CSV is computed leaves neither the CSV nor a temporary file.
#[test]
fn failed_sweep_leaves_nothing() {
    let dir = std::env::temp_dir().join(format!("lowrank-bad-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // the plot of a 2-D sweep needs both axes; g = -1 fails at grid point 2, after point 0-1
    let out = lowrank()
        .args([
            "sweep",
            "mo2018-fig1",
            "--param",
            "mo2018.g=1:-1:3",
            "--no-chaos",
            "--csv",
            dir.join("s.csv").to_str().unwrap(),
            "--plot",
            dir.join("p.svg").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("grid point 2"));
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
