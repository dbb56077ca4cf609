//! Small validation rules shared by the sections, each returning a [`ValidationError`]
//! that names the key and the offending value.
//!
//! Pure functions; never panic.

use std::fmt::Display;

use crate::decimal::Decimal;
use crate::error::ValidationError;

/// `lo <= value <= hi`.
pub(crate) fn within<T: PartialOrd + Display>(
    key: &str,
    value: T,
    lo: T,
    hi: T,
) -> Result<(), ValidationError> {
    if value < lo || value > hi {
        return Err(ValidationError::new(
            key,
            format!("expected {lo} to {hi}, got {value}"),
        ));
    }
    Ok(())
}

/// A power of two within `lo..=hi`.
pub(crate) fn power_of_two(key: &str, value: u64, lo: u64, hi: u64) -> Result<(), ValidationError> {
    if !value.is_power_of_two() {
        return Err(ValidationError::new(
            key,
            format!("expected a power of two, got {value}"),
        ));
    }
    within(key, value, lo, hi)
}

/// A decimal greater than zero.
pub(crate) fn positive(key: &str, value: Decimal) -> Result<(), ValidationError> {
    if !value.is_positive() {
        return Err(ValidationError::new(
            key,
            format!("expected a positive amount, got {value}"),
        ));
    }
    Ok(())
}

/// A decimal not below zero.
pub(crate) fn not_negative(key: &str, value: Decimal) -> Result<(), ValidationError> {
    if value.is_negative() {
        return Err(ValidationError::new(
            key,
            format!("expected zero or more, got {value}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_value_and_bounds() {
        let e = within("monitor.fps", 0u32, 1, 240).unwrap_err();
        assert_eq!(e.to_string(), "monitor.fps: expected 1 to 240, got 0");
        let e = power_of_two("core.spsc_capacity", 1000, 2, 1 << 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "core.spsc_capacity: expected a power of two, got 1000"
        );
        assert!(power_of_two("k", 1 << 21, 2, 1 << 20).is_err());
        assert!(positive("k", Decimal(0)).is_err());
        assert!(not_negative("k", Decimal(0)).is_ok());
    }
}
