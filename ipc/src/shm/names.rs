//! Where segments live and what they are called.
//!
//! Files are `seamless-NAME` (an instance's region) and `seamless-NAME.reader-ROLE` (a
//! reader's slot). Names and roles are restricted to `[A-Za-z0-9_-]`, 1 to
//! [`MAX_NAME_LEN`] characters: no `/`, no `.`, so a name can never escape the
//! directory, and the `.reader-` infix is unambiguous.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that overrides the segment directory.
pub const DIR_ENV: &str = "SEAMLESS_SHM_DIR";
/// The segment directory when neither the caller nor [`DIR_ENV`] names one.
pub const DEFAULT_DIR: &str = "/dev/shm";
/// Every segment file name starts with this.
pub const FILE_PREFIX: &str = "seamless-";
/// Separates the instance name from the role in a reader slot's file name.
pub const READER_INFIX: &str = ".reader-";
/// Longest instance name or reader role, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// The directory segments live in: `explicit` if given, else `$SEAMLESS_SHM_DIR` if set
/// and not empty, else `/dev/shm`.
pub fn shm_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    match std::env::var_os(DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(DEFAULT_DIR),
    }
}

/// What a validated name is for; it only changes the wording of errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An instance name (`--name`).
    Instance,
    /// A reader slot's role (`persist`, `monitor-1234`, ...).
    Role,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Instance => "instance name",
            NameKind::Role => "reader role",
        })
    }
}

/// A name or role that is empty, too long, or has a character outside `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidName {
    /// What the name was for.
    pub kind: NameKind,
    /// The offending value.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for InvalidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {:?}: {}", self.kind, self.value, self.reason)
    }
}

impl std::error::Error for InvalidName {}

/// Checks that `value` is 1 to [`MAX_NAME_LEN`] characters of `[A-Za-z0-9_-]`.
///
/// # Errors
///
/// [`InvalidName`] naming the first problem found.
///
/// # Examples
///
/// ```
/// use seamless_ipc::shm::{validate_name, NameKind};
/// assert!(validate_name(NameKind::Instance, "paper-1").is_ok());
/// let err = validate_name(NameKind::Instance, "../etc").unwrap_err();
/// assert!(err.to_string().contains("'.'"), "{err}");
/// ```
pub fn validate_name(kind: NameKind, value: &str) -> Result<(), InvalidName> {
    let refuse = |reason: String| InvalidName {
        kind,
        value: value.to_owned(),
        reason,
    };
    if value.is_empty() {
        return Err(refuse("it is empty".to_owned()));
    }
    if value.len() > MAX_NAME_LEN {
        return Err(refuse(format!(
            "it is {} bytes long, at most {MAX_NAME_LEN} are allowed",
            value.len()
        )));
    }
    match value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        Some(c) => Err(refuse(format!(
            "character {c:?} is not allowed (use A-Z, a-z, 0-9, '_' or '-')"
        ))),
        None => Ok(()),
    }
}

/// The path of instance `name`'s region: `DIR/seamless-NAME`.
///
/// # Errors
///
/// [`InvalidName`] if `name` is not a valid instance name.
pub fn region_path(dir: Option<&Path>, name: &str) -> Result<PathBuf, InvalidName> {
    validate_name(NameKind::Instance, name)?;
    Ok(shm_dir(dir).join(format!("{FILE_PREFIX}{name}")))
}

/// The path of reader slot `role` of instance `name`: `DIR/seamless-NAME.reader-ROLE`.
///
/// # Errors
///
/// [`InvalidName`] if `name` or `role` is not valid.
pub fn reader_slot_path(
    dir: Option<&Path>,
    name: &str,
    role: &str,
) -> Result<PathBuf, InvalidName> {
    validate_name(NameKind::Instance, name)?;
    validate_name(NameKind::Role, role)?;
    Ok(shm_dir(dir).join(format!("{FILE_PREFIX}{name}{READER_INFIX}{role}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_alphabet_and_refuses_the_rest() {
        let longest = "a".repeat(MAX_NAME_LEN);
        for ok in ["a", "Z9", "paper_1-b", longest.as_str()] {
            assert!(validate_name(NameKind::Instance, ok).is_ok(), "{ok}");
        }
        let too_long = "a".repeat(MAX_NAME_LEN + 1);
        for bad in ["", "a/b", "a.b", "..", "é", "a b", too_long.as_str()] {
            let err = validate_name(NameKind::Role, bad).unwrap_err();
            assert!(err.to_string().starts_with("invalid reader role"), "{err}");
        }
    }

    #[test]
    fn paths_follow_the_naming_scheme() {
        let dir = Path::new("/x");
        assert_eq!(
            region_path(Some(dir), "n").unwrap(),
            Path::new("/x/seamless-n")
        );
        assert_eq!(
            reader_slot_path(Some(dir), "n", "persist").unwrap(),
            Path::new("/x/seamless-n.reader-persist")
        );
        assert!(reader_slot_path(Some(dir), "n", "a.b").is_err());
    }
}
