//! The configuration every command starts from: the `--config` file (or the built-in
//! defaults), the command's flags on top, validated; errors are one line naming the
//! file, key or flag.

use std::path::Path;

use seamless_config::Config;

/// `path`'s config (or the defaults) with `flags` applied, validated.
///
/// # Errors
///
/// The file's error (path, line, key), a flag's (`flags` names it), or a validation
/// error, which says the flags were applied to the file when there is one.
pub fn load(
    path: Option<&Path>,
    flags: impl FnOnce(&mut Config) -> Result<(), String>,
) -> Result<Config, String> {
    let mut cfg = match path {
        Some(path) => Config::load(path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    flags(&mut cfg)?;
    cfg.validate().map_err(|e| match path {
        Some(path) => format!("{e} (with the flags applied to {})", path.display()),
        None => e.to_string(),
    })?;
    Ok(cfg)
}

/// Sets `*slot` to `value` when the flag was given.
pub fn set<T: Clone>(slot: &mut T, value: Option<&T>) {
    if let Some(value) = value {
        *slot = value.clone();
    }
}
