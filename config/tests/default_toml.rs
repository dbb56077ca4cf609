//! config/default.toml is the documented default: it parses to `Config::default()`,
//! lists every key of the schema, and explains each one.

use std::collections::BTreeSet;

use seamless_config::{Config, DEFAULT_TOML, DEFAULT_TOML_NAME};

/// Leaf key paths of a TOML table; array-of-table elements collapse to `name[]`.
fn leaf_keys(prefix: &str, table: &toml::Table, out: &mut BTreeSet<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => leaf_keys(&path, t, out),
            toml::Value::Array(items)
                if items.iter().all(toml::Value::is_table) && !items.is_empty() =>
            {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        leaf_keys(&format!("{path}[]"), t, out);
                    }
                }
            }
            _ => {
                out.insert(path);
            }
        }
    }
}

/// default.toml with its commented-out optional keys (`# key = value`) switched on.
fn with_optional_keys() -> String {
    DEFAULT_TOML
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if is_assignment(rest) => rest,
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_assignment(line: &str) -> bool {
    line.split_once(" = ").is_some_and(|(k, _)| {
        !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    })
}

#[test]
fn default_toml_parses_to_default() {
    let parsed = Config::from_toml_str(DEFAULT_TOML, DEFAULT_TOML_NAME).unwrap();
    assert_eq!(parsed, Config::default());
    Config::default().validate().unwrap();
}

#[test]
fn an_empty_file_is_the_default() {
    assert_eq!(
        Config::from_toml_str("", "empty.toml").unwrap(),
        Config::default()
    );
}

#[test]
fn default_round_trips_through_toml() {
    let text = toml::to_string(&Config::default()).unwrap();
    assert_eq!(
        Config::from_toml_str(&text, "serialized.toml").unwrap(),
        Config::default()
    );
}

#[test]
fn every_schema_key_is_in_default_toml() {
    let text = with_optional_keys();
    let full = Config::from_toml_str(&text, "uncommented.toml").unwrap();
    // The commented-out keys are exactly the optional ones, and all of them are there.
    assert!(full.core.cores.feed.is_some());
    assert!(full.core.cores.engine.is_some());
    assert!(full.core.cores.broker.is_some());
    assert!(full.bridge.token.is_some());

    let mut in_file = BTreeSet::new();
    leaf_keys("", &text.parse::<toml::Table>().unwrap(), &mut in_file);
    // Serializing writes every field the schema has (all options are set here).
    let serialized: toml::Table = toml::to_string(&full).unwrap().parse().unwrap();
    let mut in_schema = BTreeSet::new();
    leaf_keys("", &serialized, &mut in_schema);
    assert_eq!(in_file, in_schema);
    assert!(in_schema.len() > 60, "{in_schema:?}");
}

#[test]
fn every_key_is_explained() {
    let lines: Vec<&str> = DEFAULT_TOML.lines().collect();
    let mut in_instruments = false;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with('[') {
            in_instruments = *line == "[[instruments]]";
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((key, _)) = line.split_once(" = ") else {
            continue;
        };
        if in_instruments {
            // One block comment above the first [[instruments]] explains these keys.
            let block = DEFAULT_TOML.split("\n[[instruments]]").next().unwrap();
            let explained = block.lines().any(|l| {
                l.strip_prefix('#')
                    .is_some_and(|l| l.trim_start().starts_with(&format!("{key}:")))
            });
            assert!(explained, "instruments key {key} unexplained");
            continue;
        }
        let above = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap();
        assert!(
            above.starts_with('#'),
            "line {}: `{key}` has no comment above it",
            i + 1
        );
    }
}
