//! Command-line spec strings of the form `key=value,key=value` (after an optional
//! `kind:` prefix), as in `--strategy sma_cross:fast=10,slow=20,qty=100`,
//! `--cores feed=0,engine=1,broker=1` and `--broker-faults drop_fill_every=100`.
//!
//! Parsing never panics; every error quotes the whole spec and the part at fault.
//!
//! # Implementation
//!
//! 1. Split on `,`; every part must be `key=value` with a non-empty key, each key once.
//! 2. The caller matches keys and parses values with [`SpecParts::value`], which turns a
//!    `FromStr` error into a [`SpecError`] naming the part.

use std::fmt;
use std::str::FromStr;

/// A malformed command-line spec, naming the part at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Which kind of spec, e.g. "strategy spec".
    pub what: &'static str,
    /// The whole spec as given.
    pub spec: String,
    /// The part at fault (`fast=x`), or the whole spec.
    pub part: String,
    /// What is wrong.
    pub msg: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.part == self.spec {
            write!(f, "bad {} {:?}: {}", self.what, self.spec, self.msg)
        } else {
            write!(
                f,
                "bad {} {:?} at {:?}: {}",
                self.what, self.spec, self.part, self.msg
            )
        }
    }
}

impl std::error::Error for SpecError {}

/// The `key=value` parts of one spec.
#[derive(Debug)]
pub(crate) struct SpecParts<'a> {
    what: &'static str,
    spec: &'a str,
    /// `(part, key, value)`, in the order given.
    pub(crate) parts: Vec<(&'a str, &'a str, &'a str)>,
}

impl<'a> SpecParts<'a> {
    /// Splits `body` (the spec after any `kind:` prefix) into parts.
    pub(crate) fn parse(
        what: &'static str,
        spec: &'a str,
        body: &'a str,
    ) -> Result<Self, SpecError> {
        let mut out = SpecParts {
            what,
            spec,
            parts: Vec::new(),
        };
        if body.is_empty() {
            return Ok(out);
        }
        for part in body.split(',') {
            let Some((key, value)) = part.split_once('=') else {
                return Err(out.error(part, "expected key=value"));
            };
            if key.is_empty() || value.is_empty() {
                return Err(out.error(part, "expected key=value"));
            }
            if out.parts.iter().any(|(_, k, _)| *k == key) {
                return Err(out.error(part, format!("{key} given twice")));
            }
            out.parts.push((part, key, value));
        }
        Ok(out)
    }

    /// An error about `part`.
    pub(crate) fn error(&self, part: &str, msg: impl Into<String>) -> SpecError {
        SpecError {
            what: self.what,
            spec: self.spec.to_owned(),
            part: part.to_owned(),
            msg: msg.into(),
        }
    }

    /// Parses `value` of `part` as `T`, describing the expected form on failure.
    pub(crate) fn value<T: FromStr>(
        &self,
        part: &str,
        value: &str,
        expected: &str,
    ) -> Result<T, SpecError> {
        value
            .parse()
            .map_err(|_| self.error(part, format!("expected {expected}, got {value:?}")))
    }

    /// The error for a key this spec does not have.
    pub(crate) fn unknown(&self, part: &str, key: &str, known: &str) -> SpecError {
        self.error(part, format!("unknown key {key:?}: expected {known}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_rejects() {
        let p = SpecParts::parse("x", "a=1,b=2", "a=1,b=2").unwrap();
        assert_eq!(p.parts, vec![("a=1", "a", "1"), ("b=2", "b", "2")]);
        assert!(SpecParts::parse("x", "", "").unwrap().parts.is_empty());
        for bad in ["a", "a=", "=1", "a=1,", "a=1,,b=2", "a=1,a=2"] {
            assert!(SpecParts::parse("x", bad, bad).is_err(), "{bad}");
        }
        let e = SpecParts::parse("x", "a=1,a=2", "a=1,a=2").unwrap_err();
        assert_eq!(e.to_string(), r#"bad x "a=1,a=2" at "a=2": a given twice"#);
    }
}
