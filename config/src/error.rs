//! Errors of loading and validating a config: one line each, naming file, key and line.
//!
//! ```text
//! cannot read config.toml: No such file or directory (os error 2)
//! config.toml:12: unknown key `risk.max_postion` (expected one of `max_position`, ...)
//! config.toml:7: core.heartbeat_ms: invalid type: string "5", expected u64
//! risk.daily_loss_limit: expected a negative amount, got 500 (config/default.toml:31)
//! ```
//!
//! [`ValidationError`] is what [`Config::validate`](crate::Config::validate) returns: it
//! knows the key but not the file, so a binary that re-validates after applying
//! command-line overrides can print it as is; the loader turns it into
//! [`ConfigError::Invalid`] with the file and line.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a config could not be loaded.
#[derive(Debug)]
pub enum ConfigError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The text is not TOML, or a value has the wrong type or form.
    Parse {
        /// The file (or the origin name given to `from_toml_str`).
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// Dotted key path (`instruments[1].symbol`), when known.
        key: Option<String>,
        /// What is wrong.
        msg: String,
    },
    /// A key the schema does not have (usually a typo).
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// Dotted key path of the unknown key.
        key: String,
        /// The keys allowed where it stands, each in backquotes.
        expected: String,
    },
    /// Well-formed values that break a rule (range, relation between keys).
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the key (or of its nearest enclosing table), when present.
        line: Option<usize>,
        /// Dotted key path.
        key: String,
        /// What is wrong.
        msg: String,
    },
}

/// `path:line` or just `path`.
struct At<'a>(&'a PathBuf, Option<usize>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(line) => write!(f, "{}:{line}", self.0.display()),
            None => write!(f, "{}", self.0.display()),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConfigError::Parse {
                path,
                line,
                key: Some(key),
                msg,
            } => {
                write!(f, "{}: {key}: {msg}", At(path, *line))
            }
            ConfigError::Parse {
                path,
                line,
                key: None,
                msg,
            } => {
                write!(f, "{}: {msg}", At(path, *line))
            }
            ConfigError::UnknownKey {
                path,
                line,
                key,
                expected,
            } if expected.is_empty() => {
                write!(
                    f,
                    "{}: unknown key `{key}` (this table has no keys)",
                    At(path, *line)
                )
            }
            ConfigError::UnknownKey {
                path,
                line,
                key,
                expected,
            } => {
                write!(
                    f,
                    "{}: unknown key `{key}` (expected one of {expected})",
                    At(path, *line)
                )
            }
            ConfigError::Invalid {
                path,
                line,
                key,
                msg,
            } => {
                write!(f, "{key}: {msg} ({})", At(path, *line))
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl ConfigError {
    /// The dotted key at fault, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Parse { key, .. } => key.as_deref(),
            ConfigError::UnknownKey { key, .. } | ConfigError::Invalid { key, .. } => Some(key),
        }
    }

    /// The 1-based line at fault, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Parse { line, .. }
            | ConfigError::UnknownKey { line, .. }
            | ConfigError::Invalid { line, .. } => *line,
        }
    }
}

/// A rule a [`Config`](crate::Config) value breaks, naming the dotted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Dotted key path, e.g. `risk.daily_loss_limit` or `instruments[1].symbol`.
    pub key: String,
    /// What is wrong, lowercase, e.g. `expected a negative amount, got 500`.
    pub msg: String,
}

impl ValidationError {
    /// An error about `key`.
    pub fn new(key: impl Into<String>, msg: impl Into<String>) -> Self {
        ValidationError {
            key: key.into(),
            msg: msg.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.msg)
    }
}

impl std::error::Error for ValidationError {}
