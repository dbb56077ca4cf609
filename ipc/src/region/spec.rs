//! What the caller asks for (layout version and hash, sections) and where the sections
//! go in the file.

use std::fmt;

use super::header::{
    HEADER_SIZE, MAX_SECTION_ALIGN, MAX_SECTIONS, SECTION_ALIGN, SECTION_NAME_LEN, SectionEntry,
};

/// One section the caller wants: an id, a short name, a size and an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionSpec<'a> {
    /// Identifies the section to readers; unique within the region.
    pub id: u32,
    /// 1 to 16 characters of `[A-Za-z0-9_-]`, unique within the region.
    pub name: &'a str,
    /// Length in bytes: a non-zero multiple of 8 (sections are read as words).
    pub len: usize,
    /// Alignment of the section's start: a power of two, 8 to 4096. The start is also
    /// always a multiple of 128 ([`SECTION_ALIGN`](super::SECTION_ALIGN)).
    pub align: usize,
}

/// The region the caller (the core) wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionSpec<'a> {
    /// The caller's layout version; readers must expect the same.
    pub layout_version: u32,
    /// A hash of the caller's record layouts (see [`LayoutHasher`](super::LayoutHasher));
    /// readers must expect the same.
    pub layout_hash: u64,
    /// At most [`MAX_SECTIONS`](super::MAX_SECTIONS) sections, laid out in this order.
    pub sections: &'a [SectionSpec<'a>],
}

/// A section as laid out in the file: what readers and the owner look sections up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionInfo {
    /// Its id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Byte offset from the start of the region (a multiple of 128 and of `align`).
    pub offset: usize,
    /// Length in bytes (a multiple of 8).
    pub len: usize,
    /// Alignment it was created with.
    pub align: usize,
}

/// Why a [`RegionSpec`] cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecError {
    /// More sections than the header's table holds.
    TooManySections {
        /// Sections asked for.
        count: usize,
    },
    /// A section name is empty, too long or has a character outside `[A-Za-z0-9_-]`.
    BadName {
        /// Position in the spec.
        index: usize,
        /// The name.
        name: String,
    },
    /// Two sections share an id.
    DuplicateId {
        /// The id.
        id: u32,
    },
    /// Two sections share a name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// An alignment that is not a power of two between 8 and 4096.
    BadAlign {
        /// The section.
        name: String,
        /// The alignment asked for.
        align: usize,
    },
    /// A length of 0 or not a multiple of 8.
    BadLen {
        /// The section.
        name: String,
        /// The length asked for.
        len: usize,
    },
    /// The sections do not fit in the address space.
    TooLarge,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::TooManySections { count } => write!(
                f,
                "{count} sections asked for, a region holds at most {MAX_SECTIONS}"
            ),
            SpecError::BadName { index, name } => write!(
                f,
                "section {index} has invalid name {name:?}: use 1 to {SECTION_NAME_LEN} of A-Z a-z 0-9 _ -"
            ),
            SpecError::DuplicateId { id } => write!(f, "two sections have id {id}"),
            SpecError::DuplicateName { name } => write!(f, "two sections are named {name:?}"),
            SpecError::BadAlign { name, align } => write!(
                f,
                "section {name:?} asks for alignment {align}: use a power of two from 8 to {MAX_SECTION_ALIGN}"
            ),
            SpecError::BadLen { name, len } => write!(
                f,
                "section {name:?} has length {len}: use a non-zero multiple of 8"
            ),
            SpecError::TooLarge => f.write_str("the sections do not fit in the address space"),
        }
    }
}

impl std::error::Error for SpecError {}

/// The file layout of a spec.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) total_size: usize,
    pub(crate) entries: [SectionEntry; MAX_SECTIONS],
    pub(crate) count: usize,
}

/// True for a valid section name.
pub(crate) fn valid_section_name(name: &str) -> bool {
    (1..=SECTION_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn align_up(value: usize, align: usize) -> Option<usize> {
    debug_assert!(align.is_power_of_two());
    Some(value.checked_add(align - 1)? & !(align - 1))
}

/// Lays the sections out in order after the header, each at a multiple of
/// `max(128, align)`; the total is rounded up to a whole page.
pub(crate) fn plan(spec: &RegionSpec<'_>) -> Result<Plan, SpecError> {
    let count = spec.sections.len();
    if count > MAX_SECTIONS {
        return Err(SpecError::TooManySections { count });
    }
    let empty = SectionEntry {
        id: 0,
        align: 0,
        offset: 0,
        len: 0,
        name: [0; SECTION_NAME_LEN],
    };
    let mut entries = [empty; MAX_SECTIONS];
    let mut end = HEADER_SIZE;
    for (index, s) in spec.sections.iter().enumerate() {
        if !valid_section_name(s.name) {
            return Err(SpecError::BadName {
                index,
                name: s.name.to_owned(),
            });
        }
        let earlier = &spec.sections[..index];
        if earlier.iter().any(|e| e.id == s.id) {
            return Err(SpecError::DuplicateId { id: s.id });
        }
        if earlier.iter().any(|e| e.name == s.name) {
            return Err(SpecError::DuplicateName {
                name: s.name.to_owned(),
            });
        }
        if !s.align.is_power_of_two() || !(8..=MAX_SECTION_ALIGN).contains(&s.align) {
            return Err(SpecError::BadAlign {
                name: s.name.to_owned(),
                align: s.align,
            });
        }
        if s.len == 0 || s.len % 8 != 0 {
            return Err(SpecError::BadLen {
                name: s.name.to_owned(),
                len: s.len,
            });
        }
        let offset = align_up(end, s.align.max(SECTION_ALIGN)).ok_or(SpecError::TooLarge)?;
        end = offset.checked_add(s.len).ok_or(SpecError::TooLarge)?;
        let mut name = [0u8; SECTION_NAME_LEN];
        name[..s.name.len()].copy_from_slice(s.name.as_bytes());
        entries[index] = SectionEntry {
            id: s.id,
            align: s.align as u32,
            offset: offset as u64,
            len: s.len as u64,
            name,
        };
    }
    let total_size = align_up(end, MAX_SECTION_ALIGN)
        .filter(|&t| t <= isize::MAX as usize)
        .ok_or(SpecError::TooLarge)?;
    Ok(Plan {
        total_size,
        entries,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(sections: &'a [SectionSpec<'a>]) -> RegionSpec<'a> {
        RegionSpec {
            layout_version: 1,
            layout_hash: 0,
            sections,
        }
    }

    fn s(id: u32, name: &str, len: usize, align: usize) -> SectionSpec<'_> {
        SectionSpec {
            id,
            name,
            len,
            align,
        }
    }

    #[test]
    fn lays_sections_out_aligned_and_in_order() {
        let p = plan(&spec(&[
            s(1, "a", 8, 8),
            s(2, "b", 200, 8),
            s(3, "c", 16, 4096),
        ]))
        .unwrap();
        let offs: Vec<u64> = p.entries[..3].iter().map(|e| e.offset).collect();
        assert_eq!(offs, [4096, 4224, 8192]);
        assert_eq!(p.total_size, 12288);
        assert_eq!(p.count, 3);
        assert_eq!(plan(&spec(&[])).unwrap().total_size, HEADER_SIZE);
    }

    #[test]
    fn refuses_bad_specs_by_name() {
        let cases: Vec<(Vec<SectionSpec<'_>>, &str)> = vec![
            (vec![s(1, "", 8, 8)], "invalid name"),
            (vec![s(1, "a.b", 8, 8)], "invalid name"),
            (vec![s(1, "a", 8, 8), s(1, "b", 8, 8)], "id 1"),
            (vec![s(1, "a", 8, 8), s(2, "a", 8, 8)], "named \"a\""),
            (vec![s(1, "a", 8, 12)], "alignment 12"),
            (vec![s(1, "a", 8, 8192)], "alignment 8192"),
            (vec![s(1, "a", 12, 8)], "length 12"),
            (vec![s(1, "a", 0, 8)], "length 0"),
            (vec![s(1, "a", usize::MAX - 7, 8)], "address space"),
        ];
        for (sections, want) in cases {
            let err = plan(&spec(&sections)).unwrap_err();
            assert!(err.to_string().contains(want), "{err} lacks {want}");
        }
        let many: Vec<SectionSpec<'_>> = (0..17).map(|i| s(i, "x", 8, 8)).collect();
        assert_eq!(
            plan(&spec(&many)).unwrap_err(),
            SpecError::TooManySections { count: 17 }
        );
    }
}
