//! Enums spelled as names in TOML and on the command line (`fsync = "interval"`,
//! `--fsync interval`).
//!
//! Every such type implements `FromStr` and `Display` with the same spellings, and serde
//! through them, so the CLI and the config file accept exactly the same words.
//!
//! # Implementation
//!
//! 1. [`named_enum!`] declares a fieldless enum with one name per variant and derives
//!    `as_str`, `Display`, `FromStr` (error [`UnknownName`]), `Serialize` and
//!    `Deserialize`.
//! 2. [`via_str`] is the serde adapter for foreign types that already have `FromStr` and
//!    `Display` (the wait strategy from seamless-ipc), used with `#[serde(with)]`.
//!
//! Parsing never panics; an unknown word is an [`UnknownName`] listing the known ones.

use std::fmt;

/// A word that is not one of an enum's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What was being named, e.g. "fsync policy".
    pub what: &'static str,
    /// The text given.
    pub got: String,
    /// The accepted names, e.g. "always, interval or never".
    pub expected: &'static str,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}: expected {}",
            self.what, self.got, self.expected
        )
    }
}

impl std::error::Error for UnknownName {}

/// Declares a name-spelled enum: `named_enum!{ what "fsync policy"; pub enum X { A => "a" } }`.
macro_rules! named_enum {
    (
        what $what:literal, expected $expected:literal;
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// The name used in the config file and on the command line.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::named::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err($crate::named::UnknownName {
                        what: $what,
                        got: s.to_owned(),
                        expected: $expected,
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::named::via_str::deserialize(d)
            }
        }
    };
}
pub(crate) use named_enum;

/// Serde through `FromStr`/`Display`: `#[serde(with = "crate::named::via_str")]`.
pub(crate) mod via_str {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Serializes `value` as its `Display` text.
    pub(crate) fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    /// Deserializes a string and parses it with `FromStr`.
    pub(crate) fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(d)?;
        text.parse().map_err(de::Error::custom)
    }
}
