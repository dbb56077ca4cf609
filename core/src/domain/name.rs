//! Short inline names: instrument [`Symbol`]s (up to 15 bytes) and
//! [`StrategyName`]s (up to 16 bytes), stored as NUL-padded byte arrays so events and
//! state records stay fixed-size and allocation-free.
//!
//! Progress: wait-free; nothing allocates.
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::Symbol;
//! let s = Symbol::new("BTC-USD").unwrap();
//! assert_eq!(s.as_str(), "BTC-USD");
//! assert!(Symbol::new("has space").is_err());
//! ```
//!
//! # Implementation
//!
//! 1. A name is 1..=N bytes of printable ASCII (`!`..=`~`) except `"` and `\`, so it can
//!    be written into JSON, CSV and terminal output without escaping.
//! 2. It is stored left-aligned in a zero-filled `[u8; 16]`; its length is the index of
//!    the first zero byte (or 16). Equality is a 16-byte array compare.
//! 3. Bytes from outside (disk, shared memory) are validated by `from_bytes`; a name
//!    value therefore always holds valid text, so `as_str` cannot fail.
//!
//! It must never hold bytes that did not pass validation.

use std::error::Error;
use std::fmt;

/// Why a name was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// No bytes.
    Empty,
    /// Longer than the type allows.
    TooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// A byte outside printable ASCII, or `"` or `\`.
    BadByte {
        /// The offending byte.
        byte: u8,
    },
    /// A non-zero byte after the zero padding began.
    BadPadding,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("empty name"),
            NameError::TooLong { max } => write!(f, "name longer than {max} bytes"),
            NameError::BadByte { byte } => write!(
                f,
                "name byte 0x{byte:02x} is not printable ascii (or is '\"' or '\\')"
            ),
            NameError::BadPadding => f.write_str("name has bytes after its zero padding"),
        }
    }
}

impl Error for NameError {}

const fn allowed(b: u8) -> bool {
    b.is_ascii_graphic() && b != b'"' && b != b'\\'
}

fn pack<const MAX: usize>(text: &str) -> Result<[u8; 16], NameError> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(NameError::Empty);
    }
    if bytes.len() > MAX {
        return Err(NameError::TooLong { max: MAX });
    }
    if let Some(&byte) = bytes.iter().find(|&&b| !allowed(b)) {
        return Err(NameError::BadByte { byte });
    }
    let mut out = [0u8; 16];
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(out)
}

fn check<const MAX: usize>(bytes: &[u8; 16]) -> Result<[u8; 16], NameError> {
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(16);
    if len == 0 {
        return Err(NameError::Empty);
    }
    if len > MAX {
        return Err(NameError::TooLong { max: MAX });
    }
    if let Some(&byte) = bytes[..len].iter().find(|&&b| !allowed(b)) {
        return Err(NameError::BadByte { byte });
    }
    if bytes[len..].iter().any(|&b| b != 0) {
        return Err(NameError::BadPadding);
    }
    Ok(*bytes)
}

fn text(bytes: &[u8; 16]) -> &str {
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(16);
    // Validated ASCII by construction (`pack`/`check`), so this never falls back.
    std::str::from_utf8(&bytes[..len]).unwrap_or_default()
}

macro_rules! short_name {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 16]);

        impl $name {
            /// Longest name in bytes.
            pub const MAX_LEN: usize = $max;

            /// Validates and packs `text`.
            ///
            /// # Errors
            ///
            /// [`NameError`] if `text` is empty, too long or has a disallowed byte.
            pub fn new(text: &str) -> Result<Self, NameError> {
                pack::<{ $max }>(text).map(Self)
            }

            /// Validates zero-padded bytes read from a record.
            ///
            /// # Errors
            ///
            /// [`NameError`] if they do not form a valid zero-padded name.
            pub fn from_bytes(bytes: &[u8; 16]) -> Result<Self, NameError> {
                check::<{ $max }>(bytes).map(Self)
            }

            /// The zero-padded bytes, for records.
            #[inline]
            pub const fn to_bytes(self) -> [u8; 16] {
                self.0
            }

            /// The name.
            #[inline]
            pub fn as_str(&self) -> &str {
                text(&self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.as_str())
            }
        }
    };
}

short_name! {
    /// An instrument symbol: 1..=15 bytes of printable ASCII without `"` or `\`
    /// (`AAPL`, `BTC-USD`, `EURUSD=X`, `^GSPC`).
    Symbol, 15
}

short_name! {
    /// A strategy's name as carried by `signal_detected`: 1..=16 bytes of printable ASCII
    /// without `"` or `\` (`sma_cross`).
    StrategyName, 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(Symbol::new("ABCDEFGHIJKLMNO").is_ok());
        assert_eq!(
            Symbol::new("ABCDEFGHIJKLMNOP"),
            Err(NameError::TooLong { max: 15 })
        );
        assert!(StrategyName::new("ABCDEFGHIJKLMNOP").is_ok());
        assert_eq!(Symbol::new(""), Err(NameError::Empty));
        assert_eq!(Symbol::new("a\"b"), Err(NameError::BadByte { byte: b'"' }));
        assert_eq!(Symbol::new("é"), Err(NameError::BadByte { byte: 0xc3 }));
    }

    #[test]
    fn from_bytes_validates() {
        let mut b = *b"AB\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
        assert_eq!(Symbol::from_bytes(&b).unwrap().as_str(), "AB");
        b[5] = b'x';
        assert_eq!(Symbol::from_bytes(&b), Err(NameError::BadPadding));
        assert_eq!(Symbol::from_bytes(&[0; 16]), Err(NameError::Empty));
        assert_eq!(
            Symbol::from_bytes(&[b'A'; 16]),
            Err(NameError::TooLong { max: 15 })
        );
        assert_eq!(
            StrategyName::from_bytes(&[b'A'; 16])
                .unwrap()
                .as_str()
                .len(),
            16
        );
    }
}
