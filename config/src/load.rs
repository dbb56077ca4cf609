//! Loading a config: read the file, parse TOML, deserialize, check decimals, validate,
//! and turn every failure into a one-line [`ConfigError`] naming file, key and line.
//!
//! Blocking (file I/O), run once at start-up. Never panics on any input.
//!
//! # Implementation
//!
//! 1. Read bytes; non-UTF-8 is a parse error at the line of the first bad byte.
//! 2. Parse to toml's spanned `DeTable` and build a [`Locator`] over it.
//! 3. Deserialize [`Config`] from that same table (`deny_unknown_fields` everywhere);
//!    toml's error span gives the line and, through the locator, the key. Unknown-field
//!    messages are reworded as `unknown key `a.b` (expected one of ...)`.
//! 4. Every float literal's own text is re-read exactly (see [`crate::decimal`]); a
//!    literal that its `f64` would round is an error. It is reported when
//!    deserialization succeeded or failed at that same key (so `heartbeat_ms = 1.5` is
//!    still a type error, and `1e-9` is named as written).
//! 5. [`Config::validate`]; the key's line comes from the locator.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, Deserializer};

use crate::config::Config;
use crate::decimal::{float_literal, from_f64};
use crate::error::ConfigError;
use crate::locate::{Locator, line_of_offset};

impl Config {
    /// Reads and validates the config file at `path`. Keys it leaves out take their
    /// defaults (config/default.toml).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] when the file cannot be read; otherwise as
    /// [`from_toml_str`](Config::from_toml_str).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        match std::str::from_utf8(&bytes) {
            Ok(text) => Config::from_toml_str(text, &path.to_string_lossy()),
            Err(e) => {
                let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
                Err(ConfigError::Parse {
                    path: path.to_owned(),
                    line: Some(line_of_offset(&valid, valid.len())),
                    key: None,
                    msg: "not valid UTF-8".to_owned(),
                })
            }
        }
    }

    /// Parses and validates a config from TOML `text`; `origin` names it in errors
    /// (usually the file's path).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Parse`] for bad TOML, a wrong type or a bad decimal;
    /// [`ConfigError::UnknownKey`] for a key the schema lacks;
    /// [`ConfigError::Invalid`] for a value that breaks a rule.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_config::Config;
    /// let c = Config::from_toml_str("[risk]\ndaily_loss_limit = -100\n", "my.toml").unwrap();
    /// assert_eq!(c.risk.daily_loss_limit.to_string(), "-100");
    /// let e = Config::from_toml_str("[risk]\ndaily_loss_limit = 100\n", "my.toml").unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "risk.daily_loss_limit: expected a negative amount, got 100 (my.toml:2)"
    /// );
    /// ```
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let path = PathBuf::from(origin);
        let doc = DeTable::parse(text).map_err(|e| ConfigError::Parse {
            line: e.span().map(|s| line_of_offset(text, s.start)),
            path: path.clone(),
            key: None,
            msg: syntax_message(text, &e),
        })?;
        let locator = Locator::new(text, doc.get_ref());
        let float_error = first_float_error(&path, &locator);
        let config = match Config::deserialize(Deserializer::from(doc)) {
            Ok(config) => config,
            // A float literal's own text explains the failure better than its f64 does.
            Err(e) => match float_error {
                Some(f) if f.key() == de_error(&path, &locator, &e).key() => return Err(f),
                _ => return Err(de_error(&path, &locator, &e)),
            },
        };
        if let Some(f) = float_error {
            return Err(f);
        }
        config.validate().map_err(|e| ConfigError::Invalid {
            path,
            line: locator.line_of(&e.key),
            key: e.key,
            msg: e.msg,
        })?;
        Ok(config)
    }
}

/// Turns a deserialization error into a [`ConfigError`] with key and line.
fn de_error(path: &Path, locator: &Locator<'_>, e: &toml::de::Error) -> ConfigError {
    let span: Option<Range<usize>> = e.span();
    let line = span.as_ref().map(|s| locator.line(s.start));
    let key = span
        .as_ref()
        .and_then(|s| locator.key_at(s))
        .map(str::to_owned);
    let msg = one_line(e.message());
    if let (Some(rest), Some(key)) = (msg.strip_prefix("unknown field `"), &key) {
        let expected = rest.split_once("`, ").map_or("", |(_, tail)| tail);
        let expected = expected
            .strip_prefix("expected one of ")
            .or_else(|| expected.strip_prefix("expected "))
            .unwrap_or("");
        return ConfigError::UnknownKey {
            path: path.to_owned(),
            line,
            key: key.clone(),
            expected: expected.to_owned(),
        };
    }
    ConfigError::Parse {
        path: path.to_owned(),
        line,
        key,
        msg,
    }
}

/// The first float literal whose exact value differs from what its `f64` gives.
fn first_float_error(path: &Path, locator: &Locator<'_>) -> Option<ConfigError> {
    locator.floats.iter().find_map(|float| {
        let exact = float_literal(&float.text);
        let rounded = float
            .text
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .map(from_f64);
        let msg = match (exact, rounded) {
            (Err(e), _) => e.to_string(),
            (Ok(exact), Some(Ok(r))) if r == exact => return None,
            (Ok(exact), _) => format!(
                "{} cannot be held exactly by a TOML float; write it as a string: \"{exact}\"",
                float.text
            ),
        };
        Some(ConfigError::Parse {
            path: path.to_owned(),
            line: Some(locator.line(float.span.start)),
            key: Some(float.path.clone()),
            msg,
        })
    })
}

/// toml's message for a syntax error, with the offending text when it is short.
fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let msg = one_line(e.message());
    let near = e
        .span()
        .and_then(|s| text.get(s))
        .filter(|t| !t.trim().is_empty() && t.len() <= 40 && !t.contains(['\n', '`']));
    match near {
        Some(near) => format!("{msg} (at `{near}`)"),
        None => msg,
    }
}

/// Joins a possibly multi-line message into one line.
fn one_line(msg: &str) -> String {
    let lines: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}
