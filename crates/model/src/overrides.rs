//! `--set KEY=VALUE` overrides, applied to the parsed TOML value tree before resolution, so
//! every scalar of a scenario is addressable by its dotted path (docs/scenarios.md).
//!
//! Path segments: a table key; for an array of tables (`[[population]]`, `[[vector]]`, ...)
//! the `name` of an element or its 0-based index; for an array, a 0-based index.

use crate::error::ModelError;
use toml::{Table, Value};

/// One `KEY=VALUE` override: a dotted path and a TOML value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The dotted key as written, e.g. `population.A.gain`.
    pub key: String,
    /// Path segments of `key`.
    pub path: Vec<String>,
    /// The value: a TOML scalar (number, bool, string) or array; a bare word is a string.
    pub value: Value,
}

impl Override {
    /// Parse `KEY=VALUE`. The value is read as a TOML value (`1.8`, `true`, `"tanh"`,
    /// `[1, 2]`); anything that is not valid TOML is taken as a bare string (`tanh`).
    ///
    /// ```
    /// use lowrank_model::Override;
    /// let o = Override::parse("population.A.gain=1.8").unwrap();
    /// assert_eq!(o.path, vec!["population", "A", "gain"]);
    /// assert_eq!(o.value.as_float(), Some(1.8));
    /// assert_eq!(Override::parse("nonlinearity=erf").unwrap().value.as_str(), Some("erf"));
    /// assert!(Override::parse("no-equals-sign").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Override, ModelError> {
        let malformed = |message: &str| ModelError::MalformedOverride {
            text: text.into(),
            message: message.into(),
        };
        let (key, raw) = text
            .split_once('=')
            .ok_or_else(|| malformed("expected KEY=VALUE"))?;
        let key = key.trim();
        let raw = raw.trim();
        if key.is_empty() {
            return Err(malformed("empty key"));
        }
        let path: Vec<String> = key.split('.').map(|s| s.trim().to_string()).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(malformed("empty path segment"));
        }
        if raw.is_empty() {
            return Err(malformed("empty value"));
        }
        let value = match format!("v = {raw}").parse::<Table>() {
            Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(raw.into())),
            Err(_) => Value::String(raw.into()),
        };
        Ok(Override {
            key: key.into(),
            path,
            value,
        })
    }

    /// Apply to a parsed scenario table. Missing table keys are created (optional fields can
    /// be set); array elements must exist. Returns whether a key was created (the schema
    /// then decides whether it is known).
    pub fn apply(&self, root: &mut Table) -> Result<bool, ModelError> {
        let unknown = |reason: String| ModelError::UnknownOverrideKey {
            key: self.key.clone(),
            reason,
        };
        let mut created = false;
        let mut cur: &mut Value = {
            let first = &self.path[0];
            if !root.contains_key(first) {
                if self.path.len() == 1 {
                    root.insert(first.clone(), self.value.clone());
                    return Ok(true);
                }
                root.insert(first.clone(), Value::Table(Table::new()));
                created = true;
            }
            root.get_mut(first).expect("inserted above")
        };
        for (depth, seg) in self.path.iter().enumerate().skip(1) {
            let last = depth + 1 == self.path.len();
            let here = self.path[..depth].join(".");
            cur = match cur {
                Value::Table(t) => {
                    if !t.contains_key(seg) {
                        created = true;
                        let fresh = if last {
                            self.value.clone()
                        } else {
                            Value::Table(Table::new())
                        };
                        t.insert(seg.clone(), fresh);
                    }
                    t.get_mut(seg).expect("inserted above")
                }
                Value::Array(items) => {
                    let by_name = items.iter().position(|it| {
                        it.get("name").and_then(Value::as_str) == Some(seg.as_str())
                    });
                    let pos = match by_name {
                        Some(p) => p,
                        None => match seg.parse::<usize>() {
                            Ok(i) if i < items.len() => i,
                            _ => {
                                return Err(unknown(format!(
                                "`{here}` has no element named or numbered `{seg}` ({} elements)",
                                items.len()
                            )))
                            }
                        },
                    };
                    &mut items[pos]
                }
                _ => {
                    return Err(unknown(format!(
                        "`{here}` is a value, not a table or array"
                    )))
                }
            };
        }
        if matches!(cur, Value::Table(_)) && !matches!(self.value, Value::Table(_)) && !created {
            return Err(unknown(format!(
                "`{}` is a table; address one of its fields",
                self.key
            )));
        }
        *cur = self.value.clone();
        Ok(created)
    }
}

/// Apply overrides in order; returns the leaf keys that had to be created (for the schema
/// check that maps "unknown field" back to [`ModelError::UnknownOverrideKey`]).
pub fn apply_all<'a>(
    root: &mut Table,
    overrides: &'a [Override],
) -> Result<Vec<&'a Override>, ModelError> {
    let mut created = Vec::new();
    for o in overrides {
        if o.apply(root)? {
            created.push(o);
        }
    }
    Ok(created)
}
