//! Checks every header field against the real file size before any offset is trusted.
//! Pure: takes a copy of the header, so it is unit-tested without files.

use std::path::Path;

use super::error::AttachError;
use super::header::{
    HEADER_FORMAT, HEADER_SIZE, HeaderFixed, MAX_SECTION_ALIGN, MAX_SECTIONS, SECTION_ALIGN,
    decode_name,
};
use super::spec::SectionInfo;

/// The layout a reader expects; `None` skips the check (inspection tools).
pub(crate) type Expect = Option<(u32, u64)>;

/// Validates `h` (copied from a file of `file_size` bytes) and returns its sections.
pub(crate) fn validate(
    path: &Path,
    h: &HeaderFixed,
    file_size: u64,
    expect: Expect,
) -> Result<Vec<SectionInfo>, AttachError> {
    let corrupt = |field: String, detail: String| AttachError::Corrupt {
        path: path.to_path_buf(),
        field,
        detail,
    };
    if h.format != HEADER_FORMAT {
        return Err(AttachError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: h.format,
            expected: HEADER_FORMAT,
        });
    }
    if let Some((version, hash)) = expect {
        if h.layout_version != version {
            return Err(AttachError::LayoutVersion {
                path: path.to_path_buf(),
                found: h.layout_version,
                expected: version,
            });
        }
        if h.layout_hash != hash {
            return Err(AttachError::LayoutHash {
                path: path.to_path_buf(),
                found: h.layout_hash,
                expected: hash,
            });
        }
    }
    if h.header_size != HEADER_SIZE as u64 {
        return Err(corrupt(
            "header_size".into(),
            format!("{} bytes, expected {HEADER_SIZE}", h.header_size),
        ));
    }
    if h.total_size != file_size {
        return Err(AttachError::SizeMismatch {
            path: path.to_path_buf(),
            header: h.total_size,
            file: file_size,
        });
    }
    let count = h.section_count as usize;
    if count > MAX_SECTIONS {
        return Err(corrupt(
            "section_count".into(),
            format!("{count} sections, at most {MAX_SECTIONS} fit in the table"),
        ));
    }
    let mut out: Vec<SectionInfo> = Vec::with_capacity(count);
    for (i, e) in h.sections[..count].iter().enumerate() {
        let field = |name: &str| format!("sections[{i}].{name}");
        let name = decode_name(&e.name)
            .ok_or_else(|| corrupt(field("name"), "not 1 to 16 of A-Z a-z 0-9 _ -".into()))?;
        let align = e.align as usize;
        if !align.is_power_of_two() || !(8..=MAX_SECTION_ALIGN).contains(&align) {
            return Err(corrupt(
                field("align"),
                format!("{align} is not a power of two from 8 to {MAX_SECTION_ALIGN}"),
            ));
        }
        if e.offset < HEADER_SIZE as u64 {
            return Err(corrupt(
                field("offset"),
                format!("{} lies inside the {HEADER_SIZE}-byte header", e.offset),
            ));
        }
        if e.offset >= file_size {
            return Err(corrupt(
                field("offset"),
                format!("{} is past the end of the {file_size}-byte file", e.offset),
            ));
        }
        if e.offset % align.max(SECTION_ALIGN) as u64 != 0 {
            return Err(corrupt(
                field("offset"),
                format!(
                    "{} is not a multiple of {}",
                    e.offset,
                    align.max(SECTION_ALIGN)
                ),
            ));
        }
        if e.len % 8 != 0 {
            return Err(corrupt(
                field("len"),
                format!("{} is not a multiple of 8", e.len),
            ));
        }
        let Some(end) = e.offset.checked_add(e.len) else {
            return Err(corrupt(
                field("len"),
                format!("offset {} + len {} overflows", e.offset, e.len),
            ));
        };
        if end > file_size {
            return Err(corrupt(
                field("len"),
                format!(
                    "section ends at {end}, past the end of the {file_size}-byte file (offset {} + len {})",
                    e.offset, e.len
                ),
            ));
        }
        if let Some(j) = out.iter().position(|s| s.id == e.id) {
            return Err(corrupt(
                field("id"),
                format!("{} repeats sections[{j}].id", e.id),
            ));
        }
        // Both ends are within the file, so they fit in usize (the file is mapped).
        let (offset, len) = (e.offset as usize, e.len as usize);
        if let Some(j) = out
            .iter()
            .position(|s| offset < s.offset + s.len && s.offset < offset + len)
        {
            return Err(corrupt(
                field("offset"),
                format!(
                    "{offset}..{} overlaps sections[{j}] at {}..{}",
                    offset + len,
                    out[j].offset,
                    out[j].offset + out[j].len
                ),
            ));
        }
        out.push(SectionInfo {
            id: e.id,
            name: name.to_owned(),
            offset,
            len,
            align,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::spec::{RegionSpec, SectionSpec, plan};
    use super::*;

    fn good() -> (HeaderFixed, u64) {
        let sections = [
            SectionSpec {
                id: 1,
                name: "state",
                len: 1024,
                align: 8,
            },
            SectionSpec {
                id: 2,
                name: "ring",
                len: 4096,
                align: 4096,
            },
        ];
        let p = plan(&RegionSpec {
            layout_version: 3,
            layout_hash: 0xabc,
            sections: &sections,
        })
        .unwrap();
        let h = HeaderFixed {
            format: HEADER_FORMAT,
            layout_version: 3,
            layout_hash: 0xabc,
            total_size: p.total_size as u64,
            header_size: HEADER_SIZE as u64,
            section_count: p.count as u32,
            creator_pid: 1,
            start_time_unix_ns: 2,
            instance_id: 3,
            sections: p.entries,
        };
        (h, p.total_size as u64)
    }

    fn field_of(r: Result<Vec<SectionInfo>, AttachError>) -> String {
        match r {
            Err(AttachError::Corrupt { field, .. }) => field,
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn a_good_header_passes() {
        let (h, size) = good();
        let s = validate(Path::new("x"), &h, size, Some((3, 0xabc))).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].name, "ring");
        assert_eq!(s[1].offset % 4096, 0);
    }

    #[test]
    fn each_section_field_is_checked() {
        let p = Path::new("x");
        let (h0, size) = good();
        type Case = (fn(&mut HeaderFixed), &'static str);
        let cases: Vec<Case> = vec![
            (|h| h.sections[0].name = [0; 16], "sections[0].name"),
            (|h| h.sections[1].align = 3, "sections[1].align"),
            (|h| h.sections[0].offset = 64, "sections[0].offset"),
            (|h| h.sections[0].offset += 8, "sections[0].offset"),
            (|h| h.sections[0].len = 7, "sections[0].len"),
            (|h| h.sections[1].len = u64::MAX - 7, "sections[1].len"),
            (|h| h.sections[1].offset = 1 << 40, "sections[1].offset"),
            (|h| h.sections[1].len += 4096, "sections[1].len"),
            (|h| h.sections[1].id = 1, "sections[1].id"),
            (
                |h| h.sections[1].offset = h.sections[0].offset,
                "sections[1].offset",
            ),
            (|h| h.section_count = 17, "section_count"),
            (|h| h.header_size = 8, "header_size"),
        ];
        for (break_it, want) in cases {
            let mut h = h0;
            break_it(&mut h);
            assert_eq!(field_of(validate(p, &h, size, None)), want);
        }
    }
}
