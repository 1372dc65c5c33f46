//! [`ModelBuilder`]: assemble a general [`Model`] from named populations, vectors (primitive
//! or linear combinations of other vectors), terms, inputs and readouts.
//!
//! docs/theory §2.6: "declare every task's vectors as linear combinations of independent
//! Gaussian basis vectors". A *primitive* vector has its own per-population mean and
//! covariances with other primitives (a *basis* vector is a primitive with zero mean, a
//! variance, and no covariance). A *combination* v = Σ_b c_b b + offset has mean
//! M_v = Σ_b c_b M_b + offset and exact covariances σ_{vw} = Σ_{bc} c_b c'_c σ_{bc}: with A the
//! V×V₀ matrix of coefficients on the V₀ primitives, M^{(p)} = A M₀^{(p)} + offsets and
//! σ^{(p)} = A σ₀^{(p)} Aᵀ. Both the TOML schema and the paper constructors go through
//! this builder, so there is one validation path.

use crate::error::{finite, ModelError};
use crate::network::{Input, LoadingStats, Model, Population, Readout, Schedule, Term};
use crate::validate::{check_psd, gain_field};
use lowrank_gauss::Phi;
use nalgebra::{DMatrix, DVector};
use std::collections::HashMap;

#[derive(Clone, Debug)]
enum Kind {
    Primitive,
    Combination(Vec<(String, f64)>),
}

#[derive(Clone, Debug)]
struct VectorDecl {
    name: String,
    kind: Kind,
}

#[derive(Clone, Debug)]
struct Entry {
    /// `None`: every population.
    population: Option<String>,
    value: f64,
    field: String,
}

/// Builder of a general [`Model`] (docs/theory §1.1–1.2). Nothing is checked until
/// [`ModelBuilder::build`], which returns a typed error naming the offending field.
///
/// ```
/// use lowrank_model::{ModelBuilder, Phi};
/// // \[MO\] ring-like rank one: m = x1 + 0.5 y, n = x2 + 0.5 y  ⇒  σ_mn = 0.25, Ω = 0.25
/// let mut b = ModelBuilder::new("demo", Phi::Tanh);
/// b.population("net", 1.0).gain("net", "net", 0.8);
/// for v in ["x1", "x2", "y"] { b.basis(v, 1.0); }
/// b.combination("m", &[("x1", 1.0), ("y", 0.5)]).combination("n", &[("x2", 1.0), ("y", 0.5)]);
/// b.term("1", "m", "n");
/// let model = b.build().unwrap();
/// assert!((model.overlap_matrix()[(0, 0)] - 0.25).abs() < 1e-14);
/// ```
#[derive(Clone, Debug)]
pub struct ModelBuilder {
    name: String,
    nonlinearity: Phi,
    populations: Vec<(String, f64)>,
    gains: Vec<(String, String, f64, String)>,
    vectors: Vec<VectorDecl>,
    means: Vec<(String, Entry)>,
    covs: Vec<(String, String, Entry)>,
    terms: Vec<(String, String, String)>,
    inputs: Vec<(String, String, Schedule)>,
    readouts: Vec<(String, String)>,
}

impl ModelBuilder {
    /// Empty model named `name` with nonlinearity φ.
    pub fn new(name: impl Into<String>, nonlinearity: Phi) -> Self {
        ModelBuilder {
            name: name.into(),
            nonlinearity,
            populations: Vec::new(),
            gains: Vec::new(),
            vectors: Vec::new(),
            means: Vec::new(),
            covs: Vec::new(),
            terms: Vec::new(),
            inputs: Vec::new(),
            readouts: Vec::new(),
        }
    }

    /// Add population `name` with weight α_p = N_p/N₀ (§1.1).
    pub fn population(&mut self, name: impl Into<String>, weight: f64) -> &mut Self {
        self.populations.push((name.into(), weight));
        self
    }

    /// Set the disorder gain g_pq (target p, source q): J^rand_ij ~ N(0, g_pq²/N₀) (§1.1).
    /// Unset gains are 0.
    pub fn gain(&mut self, target: &str, source: &str, g: f64) -> &mut Self {
        let field = gain_field(target, source, target == source);
        self.gains.push((target.into(), source.into(), g, field));
        self
    }

    /// Declare a primitive vector with zero mean and zero variance everywhere; set its
    /// statistics with [`mean`](Self::mean) and [`covariance`](Self::covariance).
    pub fn vector(&mut self, name: impl Into<String>) -> &mut Self {
        self.vectors.push(VectorDecl {
            name: name.into(),
            kind: Kind::Primitive,
        });
        self
    }

    /// Declare an independent basis vector: zero mean, `variance` in every population.
    pub fn basis(&mut self, name: &str, variance: f64) -> &mut Self {
        self.vector(name);
        self.covariance_in(
            name,
            name,
            None,
            variance,
            format!("vector.{name}.variance"),
        )
    }

    /// Declare a combination vector v = Σ c_b b (+ an offset set with [`mean`](Self::mean)).
    /// Coefficients may name primitives or other combinations (no cycles).
    pub fn combination(&mut self, name: &str, coefficients: &[(&str, f64)]) -> &mut Self {
        let c = coefficients
            .iter()
            .map(|&(b, c)| (b.to_string(), c))
            .collect();
        self.vectors.push(VectorDecl {
            name: name.into(),
            kind: Kind::Combination(c),
        });
        self
    }

    /// Set the mean M^{(p)} of a vector in `population` (for a combination: the offset added
    /// to Σ c_b M_b).
    pub fn mean(&mut self, vector: &str, population: &str, value: f64) -> &mut Self {
        let field = format!("vector.{vector}.population.{population}.mean");
        self.mean_in(vector, Some(population), value, field)
    }

    /// Set the mean of a vector in every population.
    pub fn mean_everywhere(&mut self, vector: &str, value: f64) -> &mut Self {
        self.mean_in(vector, None, value, format!("vector.{vector}.mean"))
    }

    /// Mean with an explicit error path (used by the TOML resolver).
    pub(crate) fn mean_in(
        &mut self,
        vector: &str,
        population: Option<&str>,
        value: f64,
        field: String,
    ) -> &mut Self {
        let e = Entry {
            population: population.map(Into::into),
            value,
            field,
        };
        self.means.push((vector.into(), e));
        self
    }

    /// Set the covariance σ^{(p)}_{ab} of two primitive vectors in `population`
    /// (`a == b`: the variance).
    pub fn covariance(&mut self, a: &str, b: &str, population: &str, value: f64) -> &mut Self {
        let field = if a == b {
            format!("vector.{a}.population.{population}.variance")
        } else {
            format!("vector.{a}.population.{population}.cov.{b}")
        };
        self.covariance_in(a, b, Some(population), value, field)
    }

    /// Set a covariance in every population.
    pub fn covariance_everywhere(&mut self, a: &str, b: &str, value: f64) -> &mut Self {
        let field = if a == b {
            format!("vector.{a}.variance")
        } else {
            format!("vector.{a}.cov.{b}")
        };
        self.covariance_in(a, b, None, value, field)
    }

    pub(crate) fn covariance_in(
        &mut self,
        a: &str,
        b: &str,
        population: Option<&str>,
        value: f64,
        field: String,
    ) -> &mut Self {
        let e = Entry {
            population: population.map(Into::into),
            value,
            field,
        };
        self.covs.push((a.into(), b.into(), e));
        self
    }

    /// Add a rank-one term m nᵀ/N₀ with output vector `left` = m and selection vector
    /// `right` = n (§1.1).
    pub fn term(&mut self, name: &str, left: &str, right: &str) -> &mut Self {
        self.terms.push((name.into(), left.into(), right.into()));
        self
    }

    /// Add an input I^a u_a(t) along `vector` (§1.1).
    pub fn input(&mut self, name: &str, vector: &str, schedule: Schedule) -> &mut Self {
        self.inputs.push((name.into(), vector.into(), schedule));
        self
    }

    /// Add a readout z = (1/N₀) Σ_i w_i φ(x_i) along `vector` (§1.1).
    pub fn readout(&mut self, name: &str, vector: &str) -> &mut Self {
        self.readouts.push((name.into(), vector.into()));
        self
    }

    /// Resolve and validate: combinations expanded onto primitives (M = A M₀ + offset,
    /// σ = A σ₀ Aᵀ), every σ₀^{(p)} and σ^{(p)} checked PSD, names resolved, then
    /// `Model::validate`.
    pub fn build(&self) -> Result<Model, ModelError> {
        // populations
        if self.populations.is_empty() {
            return Err(ModelError::NoPopulations);
        }
        let mut pop_index = HashMap::new();
        for (k, (name, _)) in self.populations.iter().enumerate() {
            if pop_index.insert(name.as_str(), k).is_some() {
                return Err(ModelError::DuplicateName {
                    field: "population".into(),
                    name: name.clone(),
                });
            }
        }
        let populations: Vec<Population> = self
            .populations
            .iter()
            .map(|(name, weight)| Population {
                name: name.clone(),
                weight: *weight,
            })
            .collect();
        let np = populations.len();
        let pop_of = |name: &str, field: &str| -> Result<usize, ModelError> {
            pop_index
                .get(name)
                .copied()
                .ok_or_else(|| ModelError::UnknownPopulation {
                    field: field.into(),
                    name: name.into(),
                })
        };
        // gains
        let mut gain = DMatrix::zeros(np, np);
        let mut gain_set = vec![false; np * np];
        for (t, s, g, field) in &self.gains {
            let (a, b) = (pop_of(t, field)?, pop_of(s, field)?);
            let g = finite(|| field.clone(), *g)?;
            if g < 0.0 {
                return Err(ModelError::NegativeGain {
                    field: field.clone(),
                    value: g,
                });
            }
            crate::validate::check_gain_range(field, g)?;
            if std::mem::replace(&mut gain_set[a * np + b], true) {
                return Err(ModelError::invalid(field.clone(), "gain set twice"));
            }
            gain[(a, b)] = g;
        }
        // vectors
        let mut vec_index = HashMap::new();
        for (k, v) in self.vectors.iter().enumerate() {
            if vec_index.insert(v.name.as_str(), k).is_some() {
                return Err(ModelError::DuplicateName {
                    field: "vector".into(),
                    name: v.name.clone(),
                });
            }
        }
        let nv = self.vectors.len();
        let primitives: Vec<usize> = (0..nv)
            .filter(|&k| matches!(self.vectors[k].kind, Kind::Primitive))
            .collect();
        let mut prim_slot = vec![usize::MAX; nv];
        for (s, &k) in primitives.iter().enumerate() {
            prim_slot[k] = s;
        }
        let n0 = primitives.len();
        // coefficient matrix A (V × V₀)
        let mut rows: Vec<Option<DVector<f64>>> = vec![None; nv];
        let mut order = Vec::with_capacity(nv);
        for k in 0..nv {
            self.expand(
                k,
                &vec_index,
                &prim_slot,
                n0,
                &mut rows,
                &mut Vec::new(),
                &mut order,
            )?;
        }
        let a = DMatrix::from_fn(nv, n0, |r, c| rows[r].as_ref().map_or(0.0, |row| row[c]));
        // per-population primitive statistics and offsets
        let mut mean0 = vec![DVector::<f64>::zeros(n0); np];
        let mut offset = vec![DVector::<f64>::zeros(nv); np];
        let mut cov0 = vec![DMatrix::<f64>::zeros(n0, n0); np];
        let targets = |pop: &Option<String>, field: &str| -> Result<Vec<usize>, ModelError> {
            match pop {
                None => Ok((0..np).collect()),
                Some(p) => Ok(vec![pop_of(p, field)?]),
            }
        };
        let mut mean_set = HashMap::new();
        for (v, e) in &self.means {
            let k = *vec_index
                .get(v.as_str())
                .ok_or_else(|| ModelError::UnknownVector {
                    field: e.field.clone(),
                    name: v.clone(),
                })?;
            let value = finite(|| e.field.clone(), e.value)?;
            for p in targets(&e.population, &e.field)? {
                if mean_set.insert((k, p), ()).is_some() {
                    return Err(ModelError::invalid(e.field.clone(), "mean set twice"));
                }
                if prim_slot[k] == usize::MAX {
                    offset[p][k] = value;
                } else {
                    mean0[p][prim_slot[k]] = value;
                }
            }
        }
        let mut cov_set: HashMap<(usize, usize, usize), f64> = HashMap::new();
        for (va, vb, e) in &self.covs {
            let slot = |v: &str| -> Result<usize, ModelError> {
                let k = *vec_index.get(v).ok_or_else(|| ModelError::UnknownVector {
                    field: e.field.clone(),
                    name: v.into(),
                })?;
                if prim_slot[k] == usize::MAX {
                    return Err(ModelError::invalid(
                        e.field.clone(),
                        format!(
                            "`{v}` is a combination vector: its covariances follow from its coefficients \
                             and cannot be declared"
                        ),
                    ));
                }
                Ok(prim_slot[k])
            };
            let (i, j) = (slot(va)?, slot(vb)?);
            let value = finite(|| e.field.clone(), e.value)?;
            if i == j && value < 0.0 {
                return Err(ModelError::invalid(
                    e.field.clone(),
                    format!("variance {value} must be ≥ 0"),
                ));
            }
            for p in targets(&e.population, &e.field)? {
                let key = (p, i.min(j), i.max(j));
                if let Some(old) = cov_set.insert(key, value) {
                    if old != value {
                        return Err(ModelError::invalid(
                            e.field.clone(),
                            format!("conflicts with an earlier declaration of the same covariance ({old})"),
                        ));
                    }
                }
                cov0[p][(i, j)] = value;
                cov0[p][(j, i)] = value;
            }
        }
        let prim_names: Vec<String> = primitives
            .iter()
            .map(|&k| self.vectors[k].name.clone())
            .collect();
        let mut stats = Vec::with_capacity(np);
        for p in 0..np {
            check_psd(
                &cov0[p],
                &prim_names,
                &format!("population.{}.covariance", populations[p].name),
            )?;
            // M_v = offset_v + Σ_b c_b M_b, in dependency order (offsets propagate)
            let mut mean = DVector::zeros(nv);
            for &k in &order {
                mean[k] = match &self.vectors[k].kind {
                    Kind::Primitive => mean0[p][prim_slot[k]],
                    Kind::Combination(coefs) => {
                        offset[p][k]
                            + coefs
                                .iter()
                                .map(|(b, c)| c * mean[vec_index[b.as_str()]])
                                .sum::<f64>()
                    }
                };
            }
            let mut cov = &a * &cov0[p] * a.transpose();
            cov = (&cov + cov.transpose()) * 0.5;
            stats.push(LoadingStats { mean, cov });
        }
        let vectors: Vec<String> = self.vectors.iter().map(|v| v.name.clone()).collect();
        let find = |v: &str, field: String| -> Result<usize, ModelError> {
            vec_index.get(v).copied().ok_or(ModelError::UnknownVector {
                field,
                name: v.into(),
            })
        };
        let mut terms = Vec::new();
        for (name, l, r) in &self.terms {
            terms.push(Term {
                name: name.clone(),
                left: find(l, format!("term.{name}.left"))?,
                right: find(r, format!("term.{name}.right"))?,
            });
        }
        let mut inputs = Vec::new();
        for (name, v, s) in &self.inputs {
            inputs.push(Input {
                name: name.clone(),
                vector: find(v, format!("input.{name}.vector"))?,
                schedule: s.clone(),
            });
        }
        let mut readouts = Vec::new();
        for (name, v) in &self.readouts {
            readouts.push(Readout {
                name: name.clone(),
                vector: find(v, format!("readout.{name}.vector"))?,
            });
        }
        let model = Model {
            name: self.name.clone(),
            populations,
            gain,
            vectors,
            stats,
            terms,
            inputs,
            readouts,
            nonlinearity: self.nonlinearity,
        };
        model.validate()?;
        Ok(model)
    }

    /// Row k of A: coefficients of vector k on the primitives (depth-first, cycle-checked);
    /// `order` receives k after its dependencies.
    #[allow(clippy::too_many_arguments)]
    fn expand(
        &self,
        k: usize,
        index: &HashMap<&str, usize>,
        slot: &[usize],
        n0: usize,
        rows: &mut Vec<Option<DVector<f64>>>,
        stack: &mut Vec<usize>,
        order: &mut Vec<usize>,
    ) -> Result<(), ModelError> {
        if rows[k].is_some() {
            return Ok(());
        }
        let decl = &self.vectors[k];
        let mut row = DVector::zeros(n0);
        match &decl.kind {
            Kind::Primitive => row[slot[k]] = 1.0,
            Kind::Combination(coefs) => {
                if stack.contains(&k) {
                    return Err(ModelError::invalid(
                        format!("vector.{}.combination", decl.name),
                        "combinations refer to each other in a cycle",
                    ));
                }
                stack.push(k);
                for (b, c) in coefs {
                    let field = format!("vector.{}.combination.{b}", decl.name);
                    let c = finite(|| field.clone(), *c)?;
                    let j = *index
                        .get(b.as_str())
                        .ok_or_else(|| ModelError::UnknownVector {
                            field: field.clone(),
                            name: b.clone(),
                        })?;
                    if j == k {
                        return Err(ModelError::invalid(
                            field,
                            "a combination cannot contain itself",
                        ));
                    }
                    self.expand(j, index, slot, n0, rows, stack, order)?;
                    row += rows[j].as_ref().expect("expanded above") * c;
                }
                stack.pop();
            }
        }
        rows[k] = Some(row);
        order.push(k);
        Ok(())
    }
}
