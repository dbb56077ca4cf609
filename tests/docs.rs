//! The documentation checks itself: every relative link in README.md and docs/**/*.md
//! points to a file that exists (and to a heading that exists, for `#anchor` links into
//! Markdown); every key of config/default.toml, commented-out ones included, is in the
//! configuration reference of docs/operations.md with its default, and nothing else
//! is; every subcommand `seamless --help` lists is in README.md.
//!
//! Pure text processing plus one `seamless --help`: fast. The helpers are tested on
//! small inputs below, so a check that could never fail would show.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_seamless");
const REFERENCE_BEGIN: &str = "<!-- BEGIN config-reference";
const REFERENCE_END: &str = "<!-- END config-reference -->";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ---------------------------------------------------------------- Markdown parsing

/// The text outside fenced code blocks (``` or ~~~), with each fenced line blanked so
/// line numbers stay right.
fn without_fences(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            (None, None) => out.push_str(line),
            _ => {}
        }
        out.push('\n');
    }
    out
}

/// `text` with inline code spans (`` `x` ``, ``` ``x `y` z`` ```) replaced by spaces; a
/// span may cross a line break, as in Markdown.
fn without_code_spans(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            let next = text[i..].find('`').map_or(text.len(), |n| i + n);
            out.push_str(&text[i..next]);
            i = next;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let fence = &text[i..i + run];
        // The closing run of exactly the same length.
        let mut j = i + run;
        let close = loop {
            match text[j..].find(fence) {
                None => break None,
                Some(n) => {
                    let at = j + n;
                    let after = bytes[at + run..].iter().take_while(|&&b| b == b'`').count();
                    if after == 0 && (at == 0 || bytes[at - 1] != b'`') {
                        break Some(at);
                    }
                    j = at + run + after;
                }
            }
        };
        match close {
            Some(at) => {
                for c in text[i..at + run].chars() {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
                i = at + run;
            }
            None => {
                out.push_str(fence);
                i += run;
            }
        }
    }
    out
}

/// A link found in a Markdown file: its target and the 1-based line it is on.
#[derive(Debug, PartialEq, Eq)]
struct Link {
    target: String,
    line: usize,
}

/// Every link target in Markdown `text`: inline links and images `[t](target)`,
/// reference definitions `[id]: target`, and HTML `src="..."`/`href="..."`; none
/// from code blocks or code spans.
fn links(text: &str) -> Vec<Link> {
    let text = without_code_spans(&without_fences(text));
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(n) = text[from..].find("](") {
        let start = from + n + 2;
        // Up to the matching ')' (targets may hold balanced parentheses).
        let mut depth = 0usize;
        let mut end = None;
        for (k, c) in text[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    end = Some(start + k);
                    break;
                }
                ')' => depth -= 1,
                '\n' => break,
                _ => {}
            }
        }
        if let Some(end) = end {
            // `[t](<target> "title")`: the target is the first word, angle brackets off.
            let target = text[start..end].split_whitespace().next().unwrap_or("");
            let target = target.trim_start_matches('<').trim_end_matches('>');
            out.push(Link {
                target: target.to_owned(),
                line: line_of(start),
            });
        }
        from = start;
    }
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[')
            && let Some(close) = t.find("]:")
            && !t[1..close].contains(']')
        {
            let target = t[close + 2..].split_whitespace().next().unwrap_or("");
            out.push(Link {
                target: target.to_owned(),
                line: i + 1,
            });
        }
        for attr in ["src=\"", "href=\""] {
            let mut rest = line;
            while let Some(n) = rest.find(attr) {
                rest = &rest[n + attr.len()..];
                if let Some(q) = rest.find('"') {
                    out.push(Link {
                        target: rest[..q].to_owned(),
                        line: i + 1,
                    });
                    rest = &rest[q..];
                }
            }
        }
    }
    out.sort_by_key(|l| l.line);
    out
}

/// GitHub's anchor for a heading's text: inline code and link markup dropped,
/// lower case, every character but letters, digits, `-`, `_` and spaces removed,
/// spaces turned into `-`.
fn slug(heading: &str) -> String {
    let mut text = heading.replace('`', "");
    // [text](target) -> text
    while let Some(open) = text.find('[') {
        let Some(mid) = text[open..].find("](").map(|n| open + n) else {
            break;
        };
        let Some(close) = text[mid..].find(')').map(|n| mid + n) else {
            break;
        };
        text = format!(
            "{}{}{}",
            &text[..open],
            &text[open + 1..mid],
            &text[close + 1..]
        );
    }
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of every heading in Markdown `text`, duplicates numbered `-1`, `-2`...
/// as GitHub does, plus explicit `id="..."`/`name="..."` anchors.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let plain = without_fences(text);
    for line in plain.lines() {
        let t = line.trim_start();
        let hashes = t.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            let base = slug(t[hashes..].trim().trim_end_matches('#'));
            let n = seen.entry(base.clone()).or_insert(0);
            out.insert(if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            });
            *n += 1;
        }
        for attr in ["id=\"", "name=\""] {
            if let Some(n) = line.find(attr) {
                let rest = &line[n + attr.len()..];
                if let Some(q) = rest.find('"') {
                    out.insert(rest[..q].to_owned());
                }
            }
        }
    }
    out
}

/// What is wrong with `link` in `file` (`None`: it resolves). External links (with a
/// scheme) are not checked.
fn check_link(file: &Path, link: &Link) -> Option<String> {
    let target = link.target.as_str();
    if target.is_empty() {
        return Some("empty link target".to_owned());
    }
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let resolved = if path.is_empty() {
        file.to_path_buf()
    } else if let Some(abs) = path.strip_prefix('/') {
        Path::new(ROOT).join(abs)
    } else {
        file.parent().unwrap_or(Path::new(ROOT)).join(path)
    };
    if !resolved.exists() {
        return Some(format!("{target}: {} does not exist", resolved.display()));
    }
    let anchor = anchor?;
    if resolved.extension().is_some_and(|e| e == "md") {
        let known = anchors(&read(&resolved));
        if !known.contains(anchor) {
            return Some(format!(
                "{target}: no heading #{anchor} in {} (anchors: {known:?})",
                resolved.display()
            ));
        }
    }
    None
}

/// README.md and every Markdown file under docs/.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    let mut out = vec![Path::new(ROOT).join("README.md")];
    walk(&Path::new(ROOT).join("docs"), &mut out);
    out
}

// ---------------------------------------------------------------- config keys

/// One key of config/default.toml: its dotted name, its value as written (for a
/// commented-out key, the example), and whether it belongs to an array of tables.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    name: String,
    value: String,
    array: bool,
}

fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `key = value` (or `None`) for one line of TOML without its comment marker.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once('=')?;
    let (k, v) = (k.trim(), v.trim());
    (is_ident(k) && !v.is_empty()).then_some((k, v))
}

/// Every key of a TOML file, in order and once each: `key = value` lines, and
/// commented-out keys (`# key = value`) of the table they are in. An array of tables
/// (`[[instruments]]`) contributes its keys once.
fn config_keys(toml: &str) -> Vec<Key> {
    let mut out: Vec<Key> = Vec::new();
    let mut table: Option<(String, bool)> = None;
    for raw in toml.lines() {
        let line = raw.trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            table = Some((name.trim().to_owned(), true));
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = Some((name.trim().to_owned(), false));
            continue;
        }
        let Some((prefix, array)) = &table else {
            continue; // the file's introduction
        };
        let kv = match line.strip_prefix('#') {
            Some(commented) => key_value(commented),
            None => key_value(line),
        };
        if let Some((k, v)) = kv {
            let name = format!("{prefix}.{k}");
            if !out.iter().any(|key| key.name == name) {
                out.push(Key {
                    name,
                    value: v.to_owned(),
                    array: *array,
                });
            }
        }
    }
    out
}

/// The rows of the generated reference: `` `key` `` -> the whole row.
fn reference_rows(doc: &str) -> Result<BTreeMap<String, String>, String> {
    let start = doc
        .find(REFERENCE_BEGIN)
        .ok_or("no BEGIN config-reference marker")?;
    let end = doc[start..]
        .find(REFERENCE_END)
        .map(|n| start + n)
        .ok_or("no END config-reference marker after BEGIN")?;
    let mut rows = BTreeMap::new();
    for line in doc[start..end].lines() {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        if let Some(close) = rest.find("` |") {
            rows.insert(rest[..close].to_owned(), line.to_owned());
        }
    }
    Ok(rows)
}

/// What is wrong with the reference `doc` against `keys` (empty: nothing).
fn reference_problems(keys: &[Key], doc: &str) -> Vec<String> {
    let rows = match reference_rows(doc) {
        Ok(rows) => rows,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    for key in keys {
        match rows.get(&key.name) {
            None => out.push(format!("{} is not in the reference", key.name)),
            Some(row) => {
                let cells: Vec<&str> = row.split(" | ").collect();
                let default = cells.get(1).copied().unwrap_or("");
                let shown = format!("`{}`", key.value);
                if !key.array && !default.contains(&shown) {
                    out.push(format!(
                        "{}: the reference says {default:?}, default.toml {shown}",
                        key.name
                    ));
                }
                let meaning = cells.get(2).map_or("", |m| m.trim_end_matches(" |").trim());
                if meaning.is_empty() || meaning == "|" {
                    out.push(format!("{}: no meaning in the reference", key.name));
                }
            }
        }
    }
    for name in rows.keys() {
        if !keys.iter().any(|k| &k.name == name) {
            out.push(format!(
                "{name} is in the reference but not in default.toml"
            ));
        }
    }
    out
}

// ---------------------------------------------------------------- CLI

/// The subcommand names in a clap `--help` text (its `Commands:` section), without
/// `help`.
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.trim_end() == "Commands:" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.trim().is_empty() || !line.starts_with(' ') {
            break;
        }
        // Names are indented two spaces; wrapped descriptions further.
        if line.starts_with("  ") && !line.starts_with("   ") {
            let name = line.split_whitespace().next().unwrap_or("");
            if name != "help" {
                out.push(name.to_owned());
            }
        }
    }
    out
}

fn help_of(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--help")
        .output()
        .expect("run seamless --help");
    assert!(out.status.success(), "seamless {args:?} --help failed");
    String::from_utf8(out.stdout).expect("utf-8 help")
}

// ---------------------------------------------------------------- the checks

#[test]
fn every_relative_link_in_the_docs_resolves() {
    let files = markdown_files();
    assert!(
        files.len() >= 5,
        "README.md and docs/ should hold several Markdown files: {files:?}"
    );
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        for link in links(&read(file)) {
            checked += 1;
            if let Some(p) = check_link(file, &link) {
                let rel = file.strip_prefix(ROOT).unwrap_or(file);
                problems.push(format!("{}:{}: {p}", rel.display(), link.line));
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} links found: is the parser broken?"
    );
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_config_key_is_in_the_operations_reference_with_its_default() {
    let keys = config_keys(&read(&Path::new(ROOT).join("config/default.toml")));
    // The walk itself: real, commented-out and array keys are all found.
    for name in [
        "core.name",
        "core.cores.feed",
        "bridge.token",
        "broker.faults.stall_after",
        "instruments.volatility_bps",
    ] {
        assert!(
            keys.iter().any(|k| k.name == name),
            "{name} not found in config/default.toml: {keys:?}"
        );
    }
    assert!(keys.len() >= 50, "only {} keys found", keys.len());
    let doc = read(&Path::new(ROOT).join("docs/operations.md"));
    let problems = reference_problems(&keys, &doc);
    assert!(
        problems.is_empty(),
        "docs/operations.md's configuration reference is out of date (run \
         scripts/config-reference.py --write):\n{}",
        problems.join("\n")
    );
}

/// The whole generated reference (meanings too) matches config/default.toml, when
/// python3 is there to run the generator (CI has it).
#[test]
fn the_operations_reference_is_what_the_generator_writes() {
    let script = Path::new(ROOT).join("scripts/config-reference.py");
    let out = match Command::new("python3").arg(&script).arg("--check").output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: cannot run python3 ({e}); the key check above still ran");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_subcommand_is_in_the_readme() {
    let readme = read(&Path::new(ROOT).join("README.md"));
    let commands = subcommands(&help_of(&[]));
    for expected in ["up", "core", "persist", "monitor", "bridge", "log", "bench"] {
        assert!(
            commands.iter().any(|c| c == expected),
            "`{expected}` not parsed from seamless --help: {commands:?}"
        );
    }
    let mut missing: Vec<String> = commands
        .iter()
        .filter(|c| !readme.contains(&format!("`seamless {c}")))
        .map(|c| format!("seamless {c}"))
        .collect();
    // `seamless log`'s own subcommands, on the README's `seamless log` line(s).
    let log = subcommands(&help_of(&["log"]));
    assert!(log.len() >= 3, "seamless log subcommands: {log:?}");
    let log_lines: Vec<&str> = readme
        .lines()
        .filter(|l| l.contains("`seamless log"))
        .collect();
    missing.extend(
        log.iter()
            .filter(|s| !log_lines.iter().any(|l| l.contains(s.as_str())))
            .map(|s| format!("seamless log {s}")),
    );
    assert!(
        missing.is_empty(),
        "README.md does not mention: {}",
        missing.join(", ")
    );
}

// ---------------------------------------------------------------- the helpers

#[test]
fn links_skip_code_and_find_html() {
    let md = "See [a](a.md) and ![img](x/y.png \"t\").\n\
              `[not](code.md)` and ``[nor `this`](x.md)``\n\
              ```\n[fenced](f.md)\n```\n\
              [ref]: r.md\n\
              <img src=\"docs/p.png\" width=\"49%\"> [wrapped\ntext](w.md#h) [p](q_(1).md)\n";
    let found: Vec<(String, usize)> = links(md).into_iter().map(|l| (l.target, l.line)).collect();
    let want = [
        ("a.md", 1),
        ("x/y.png", 1),
        ("r.md", 6),
        ("docs/p.png", 7),
        ("w.md#h", 8),
        ("q_(1).md", 8),
    ];
    let want: Vec<(String, usize)> = want.iter().map(|(t, l)| ((*t).to_owned(), *l)).collect();
    assert_eq!(found, want);
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug("Reading `seamless log verify`"),
        "reading-seamless-log-verify"
    );
    assert_eq!(
        slug("1. Keep other work off the cores"),
        "1-keep-other-work-off-the-cores"
    );
    assert_eq!(
        slug("The core (issue 3) and the monitor"),
        "the-core-issue-3-and-the-monitor"
    );
    assert_eq!(slug("[Link](x.md) text"), "link-text");
    let a = anchors("# A\n## A\n```\n# not\n```\n<a id=\"custom\"></a>\n");
    assert_eq!(
        a,
        ["a", "a-1", "custom"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    );
}

#[test]
fn a_broken_link_or_anchor_is_reported() {
    let readme = Path::new(ROOT).join("README.md");
    let link = |t: &str| Link {
        target: t.to_owned(),
        line: 1,
    };
    assert_eq!(check_link(&readme, &link("docs/operations.md")), None);
    assert_eq!(
        check_link(&readme, &link("docs/operations.md#troubleshooting")),
        None
    );
    assert_eq!(
        check_link(&readme, &link("https://example.invalid/x")),
        None
    );
    assert!(check_link(&readme, &link("docs/nope.md")).is_some());
    assert!(check_link(&readme, &link("docs/operations.md#no-such-heading")).is_some());
    assert!(check_link(&readme, &link("#no-such-heading")).is_some());
}

#[test]
fn config_walk_finds_commented_keys_and_the_reference_check_fails() {
    let toml = "# intro = not a key\n[a]\n# About a.\nx = 1\n# y = \"e\"\n\
                # Flag: --cores feed=0,engine=1.\n[a.b]\nz = \"s\"\n\
                [[arr]]\nk = 1\n[[arr]]\nk = 2\n";
    let keys = config_keys(toml);
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["a.x", "a.y", "a.b.z", "arr.k"]);
    assert_eq!(keys[1].value, "\"e\"");
    let good = "<!-- BEGIN config-reference -->\n| key | default | meaning |\n\
                | `a.x` | `1` | x. |\n| `a.y` | unset (e.g. `\"e\"`) | y. |\n\
                | `a.b.z` | `\"s\"` | z. |\n| `arr.k` | required | k. |\n\
                <!-- END config-reference -->";
    assert_eq!(reference_problems(&keys, good), Vec::<String>::new());
    let missing = good.replace("| `a.y` | unset (e.g. `\"e\"`) | y. |\n", "");
    assert_eq!(
        reference_problems(&keys, &missing),
        ["a.y is not in the reference"]
    );
    let wrong_default = good.replace("| `a.x` | `1` |", "| `a.x` | `2` |");
    assert_eq!(reference_problems(&keys, &wrong_default).len(), 1);
    let stale = good.replace("| `arr.k`", "| `a.gone` | `0` | gone. |\n| `arr.k`");
    assert_eq!(
        reference_problems(&keys, &stale),
        ["a.gone is in the reference but not in default.toml"]
    );
    assert_eq!(reference_problems(&keys, "no markers").len(), 1);
}

#[test]
fn subcommands_are_parsed_from_clap_help() {
    let help = "Usage: x <COMMAND>\n\nCommands:\n  bench    Run\n  up       Everything at once: core,\n           Ctrl-C stops\n  help     Print\n\nOptions:\n  -h, --help\n";
    assert_eq!(subcommands(help), ["bench", "up"]);
}
