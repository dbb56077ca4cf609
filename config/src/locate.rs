//! From byte spans in a TOML text to dotted key paths and line numbers, and back.
//!
//! toml reports errors with a byte span but no public key path; validation errors have
//! a key path but no span. A [`Locator`] built from the spanned document answers both
//! questions, so every error can name the key and the line.
//!
//! # Implementation
//!
//! 1. Walk the parsed `DeTable` once, recording for every key (and array element) its
//!    dotted path (`instruments[1].symbol`), the span of the key and of the value.
//! 2. A span maps to the deepest (longest) path whose key or value span contains its
//!    start; a path maps to its own key span, else to its nearest recorded ancestor.
//! 3. Lines are 1 + the newlines before the offset.
//! 4. Float literals are recorded with their own text for the decimal exactness check.
//!
//! Never panics: offsets past the end are clamped.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One key or array element of the document.
#[derive(Debug)]
struct Entry {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

/// A float literal: its dotted path, span and text as written.
#[derive(Debug)]
pub(crate) struct FloatLiteral {
    pub(crate) path: String,
    pub(crate) span: Range<usize>,
    pub(crate) text: String,
}

/// Spans and paths of one document.
#[derive(Debug)]
pub(crate) struct Locator<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    pub(crate) floats: Vec<FloatLiteral>,
}

impl<'t> Locator<'t> {
    /// Records every key of `root`, parsed from `text`.
    pub(crate) fn new(text: &'t str, root: &DeTable<'_>) -> Self {
        let mut loc = Locator {
            text,
            entries: Vec::new(),
            floats: Vec::new(),
        };
        loc.table("", root);
        loc
    }

    fn table(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let path = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            };
            self.entries.push(Entry {
                path: path.clone(),
                key: key.span(),
                value: value.span(),
            });
            self.value(&path, value.get_ref(), value.span());
        }
    }

    fn value(&mut self, path: &str, value: &DeValue<'_>, span: Range<usize>) {
        match value {
            DeValue::Table(t) => self.table(path, t),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{path}[{i}]");
                    let entry = Entry {
                        path: path.clone(),
                        key: item.span(),
                        value: item.span(),
                    };
                    self.entries.push(entry);
                    self.value(&path, item.get_ref(), item.span());
                }
            }
            DeValue::Float(f) => self.floats.push(FloatLiteral {
                path: path.to_owned(),
                span,
                text: f.as_str().to_owned(),
            }),
            _ => {}
        }
    }

    /// 1-based line of byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        line_of_offset(self.text, offset)
    }

    /// The deepest key whose key or value contains the start of `span`.
    pub(crate) fn key_at(&self, span: &Range<usize>) -> Option<&str> {
        let hit = |r: &Range<usize>| r.contains(&span.start) || *r == *span;
        self.entries
            .iter()
            .filter(|e| hit(&e.key) || hit(&e.value))
            .max_by_key(|e| e.path.len())
            .map(|e| e.path.as_str())
    }

    /// Line of `path`'s key, else of its nearest ancestor present in the text.
    pub(crate) fn line_of(&self, path: &str) -> Option<usize> {
        let mut path = path;
        loop {
            if let Some(e) = self.entries.iter().find(|e| e.path == path) {
                return Some(self.line(e.key.start));
            }
            path = &path[..path.rfind(['.', '['])?];
        }
    }
}

/// 1-based line of byte `offset` in `text` (clamped to its end).
pub(crate) fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_lines() {
        let text = "a = 1\n[t]\nx = 2.5\n[[arr]]\ny = \"s\"\n[[arr]]\ny = \"u\"\n";
        let doc = DeTable::parse(text).unwrap();
        let loc = Locator::new(text, doc.get_ref());
        assert_eq!(loc.line_of("t.x"), Some(3));
        assert_eq!(loc.line_of("arr[1].y"), Some(7));
        assert_eq!(loc.line_of("t.missing"), Some(2));
        assert_eq!(loc.line_of("nowhere"), None);
        let at = text.find("\"u\"").unwrap();
        assert_eq!(loc.key_at(&(at..at + 3)), Some("arr[1].y"));
        assert_eq!(loc.floats[0].text, "2.5");
        assert_eq!(line_of_offset(text, usize::MAX), 8);
    }
}
