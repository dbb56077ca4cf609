//! A minimal JSON object writer over [`fmt::Write`], and [`JsonBuf`], a fixed stack
//! buffer to write into. Used for events (`log dump --json`, `monitor --tail --json`,
//! the bridge) and available for state output.
//!
//! Fixed-point values are written as exact decimal **numbers** (`101.25`, not
//! `"101.25"` and not via `f64`): serde_json without its `arbitrary_precision` feature
//! can only emit non-integers through `f64`, which is not exact past 15-17 significant
//! digits, so this writer exists instead of `Serialize` impls.
//!
//! Progress: wait-free; no allocation (a [`JsonBuf`] lives on the stack; writing into a
//! `String` allocates only as the `String` grows).
//!
//! # Example
//!
//! ```
//! use seamless_core::domain::{JsonBuf, JsonObject, Price};
//! let mut buf = JsonBuf::new();
//! let mut obj = JsonObject::begin(&mut buf).unwrap();
//! obj.field("symbol", "AAPL").unwrap();
//! obj.field("bid", Price::from_raw(18_723_000_000)).unwrap();
//! obj.field("stop", None::<Price>).unwrap();
//! obj.end().unwrap();
//! assert_eq!(buf.as_str(), r#"{"symbol":"AAPL","bid":187.23,"stop":null}"#);
//! ```
//!
//! # Implementation
//!
//! 1. [`JsonObject`] writes `{`, then `,"key":value` pairs (no comma before the first),
//!    then `}`; keys and strings are escaped per RFC 8259 section 7 (`"`, `\` and
//!    control characters), with a fast path for text that needs none.
//! 2. [`JsonValue`] says how each value type is written: integers and fixed-point
//!    decimals as numbers, `bool`, strings, `Option` as `null`.
//! 3. [`JsonBuf`] fails (rather than truncating silently) when its capacity is exceeded.
//!
//! It must never write a float.

use std::fmt;

use super::fixed::{Money, Price, Qty};

/// Capacity of a [`JsonBuf`]: enough for any event (the longest is about 330 bytes).
pub const JSON_BUF_CAPACITY: usize = 512;

/// A fixed-capacity text buffer on the stack.
#[derive(Clone)]
pub struct JsonBuf {
    /// Invariant: `bytes[..len]` is valid UTF-8 (only `&str`s are appended whole).
    bytes: [u8; JSON_BUF_CAPACITY],
    len: usize,
}

impl JsonBuf {
    /// An empty buffer.
    pub const fn new() -> Self {
        JsonBuf {
            bytes: [0; JSON_BUF_CAPACITY],
            len: 0,
        }
    }

    /// Empties it.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The text written so far.
    #[inline]
    pub fn as_str(&self) -> &str {
        // Whole `&str`s only were appended (see `write_str`), so this never falls back.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Default for JsonBuf {
    fn default() -> Self {
        JsonBuf::new()
    }
}

impl fmt::Debug for JsonBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonBuf").field(&self.as_str()).finish()
    }
}

impl fmt::Write for JsonBuf {
    /// Appends `s` whole, or fails leaving the buffer as it was.
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }

    /// Appends one character (the JSON punctuation goes through here).
    #[inline]
    fn write_char(&mut self, c: char) -> fmt::Result {
        if c.is_ascii() && self.len < JSON_BUF_CAPACITY {
            self.bytes[self.len] = c as u8;
            self.len += 1;
            Ok(())
        } else {
            self.write_str(c.encode_utf8(&mut [0; 4]))
        }
    }
}

/// A value [`JsonObject::field`] can write.
pub trait JsonValue {
    /// Writes the value as JSON.
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result;
}

/// Writes an integer's decimal digits from a stack buffer (`write!` through
/// `fmt::Formatter` costs several times more per field).
fn write_int<W: fmt::Write + ?Sized>(
    negative: bool,
    mut magnitude: u64,
    out: &mut W,
) -> fmt::Result {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if negative {
        out.write_char('-')?;
    }
    // Only ASCII digits were written.
    out.write_str(std::str::from_utf8(&buf[pos..]).unwrap_or_default())
}

macro_rules! json_unsigned {
    ($($t:ty),*) => {$(
        impl JsonValue for $t {
            #[inline]
            fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
                write_int(false, u64::from(*self), out)
            }
        }
    )*};
}

json_unsigned!(u8, u16, u32, u64);

macro_rules! json_signed {
    ($($t:ty),*) => {$(
        impl JsonValue for $t {
            #[inline]
            fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
                write_int(*self < 0, self.unsigned_abs().into(), out)
            }
        }
    )*};
}

json_signed!(i32, i64);

impl JsonValue for bool {
    #[inline]
    fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        out.write_str(if *self { "true" } else { "false" })
    }
}

macro_rules! json_fixed {
    ($($t:ty),*) => {$(
        impl JsonValue for $t {
            #[inline]
            fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
                self.write_decimal(out)
            }
        }
    )*};
}

json_fixed!(Price, Qty, Money);

impl JsonValue for str {
    #[inline]
    fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        write_string(self, out)
    }
}

impl<T: JsonValue + ?Sized> JsonValue for &T {
    #[inline]
    fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        (**self).write_json(out)
    }
}

impl<T: JsonValue> JsonValue for Option<T> {
    #[inline]
    fn write_json<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        match self {
            Some(v) => v.write_json(out),
            None => out.write_str("null"),
        }
    }
}

/// Writes `s` as a JSON string literal (quoted and escaped).
///
/// # Errors
///
/// Only those of `out`.
pub fn write_string<W: fmt::Write + ?Sized>(s: &str, out: &mut W) -> fmt::Result {
    out.write_char('"')?;
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.write_str(s)?;
    } else {
        for c in s.chars() {
            match c {
                '"' => out.write_str("\\\"")?,
                '\\' => out.write_str("\\\\")?,
                '\n' => out.write_str("\\n")?,
                '\r' => out.write_str("\\r")?,
                '\t' => out.write_str("\\t")?,
                c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c))?,
                c => out.write_char(c)?,
            }
        }
    }
    out.write_char('"')
}

/// An open JSON object being written into `W`.
#[derive(Debug)]
pub struct JsonObject<'w, W: fmt::Write + ?Sized> {
    out: &'w mut W,
    empty: bool,
}

impl<'w, W: fmt::Write + ?Sized> JsonObject<'w, W> {
    /// Writes `{`.
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    pub fn begin(out: &'w mut W) -> Result<Self, fmt::Error> {
        out.write_char('{')?;
        Ok(JsonObject { out, empty: true })
    }

    /// Writes `"key":value` (with a leading comma after the first field).
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    #[inline]
    pub fn field<V: JsonValue>(&mut self, key: &str, value: V) -> fmt::Result {
        if !self.empty {
            self.out.write_char(',')?;
        }
        self.empty = false;
        write_string(key, self.out)?;
        self.out.write_char(':')?;
        value.write_json(self.out)
    }

    /// Writes `"key":` and hands out the writer for a nested value (an array or an
    /// object); the caller must write exactly one JSON value.
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    pub fn nested(&mut self, key: &str) -> Result<&mut W, fmt::Error> {
        if !self.empty {
            self.out.write_char(',')?;
        }
        self.empty = false;
        write_string(key, self.out)?;
        self.out.write_char(':')?;
        Ok(self.out)
    }

    /// Writes `}`.
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    pub fn end(self) -> fmt::Result {
        self.out.write_char('}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn integers() {
        let mut s = String::new();
        for v in [0i64, 7, -7, i64::MIN, i64::MAX] {
            s.clear();
            v.write_json(&mut s).unwrap();
            assert_eq!(s, v.to_string());
        }
        s.clear();
        u64::MAX.write_json(&mut s).unwrap();
        assert_eq!(s, u64::MAX.to_string());
    }

    #[test]
    fn escapes_strings() {
        let mut s = String::new();
        write_string("a\"b\\c\n\u{1}é", &mut s).unwrap();
        assert_eq!(s, r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn buffer_refuses_overflow_whole() {
        let mut b = JsonBuf::new();
        b.write_str(&"x".repeat(JSON_BUF_CAPACITY - 1)).unwrap();
        assert!(b.write_str("yz").is_err());
        assert_eq!(b.as_bytes().len(), JSON_BUF_CAPACITY - 1);
        b.write_str("y").unwrap();
        assert!(b.write_str("z").is_err());
    }
}
