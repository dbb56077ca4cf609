//! Reading one parameter from a URL query string (`?from=12&token=...`), with
//! percent-decoding; enough for the bridge's few parameters without a form parser.
//!
//! Progress: plain functions.

/// The decoded value of the first `key=value` pair named `key` in `query` (the part
/// after `?`), or `None`.
///
/// # Examples
///
/// ```
/// use seamless_bridge::query::param;
/// assert_eq!(param("from=12&token=a%2Bb", "token").as_deref(), Some("a+b"));
/// assert_eq!(param("from=12", "token"), None);
/// ```
pub fn param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| decode(v))
}

/// `%XX` and `+` decoded; invalid escapes are kept as they are.
fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_tolerates_bad_escapes() {
        assert_eq!(param("a=%41%42", "a").as_deref(), Some("AB"));
        assert_eq!(param("a=%4", "a").as_deref(), Some("%4"));
        assert_eq!(param("a=%zz", "a").as_deref(), Some("%zz"));
        assert_eq!(param("flag&a=1", "flag").as_deref(), Some(""));
        assert_eq!(param("", "a"), None);
    }
}
