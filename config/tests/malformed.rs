//! Feeding many malformed inputs never panics, and every error is one non-empty line
//! with a plausible line number.
//!
//! A deterministic mutation loop (xorshift, fixed seed) over default.toml and a few
//! small documents: byte substitutions, insertions, truncations, line deletions and
//! duplications. Any failure is reproducible from the printed case number.

use seamless_config::{BrokerFaults, Config, Cores, DEFAULT_TOML, FeedSource, StrategyConfig};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "\n",
    "0",
    "1",
    "-",
    ".",
    "e",
    "x",
    "#",
    "{",
    "}",
    ",",
    "\\",
    "\0",
    "é",
    " ",
    "_",
    "1e400",
    "nan",
    "-inf",
    "\"\"\"",
    "9999999999999999999999",
    "0.000000001",
    "[core]",
    "[[instruments]]",
    "symbol = \"A\"",
    "a.b.c = 1",
    "true",
    "1979-05-27T07:32:00Z",
    "[risk]\nmax_postion = 1",
    "= =",
    "\u{feff}",
    "\r\n",
];

fn mutate(rng: &mut XorShift, base: &str) -> String {
    let mut text = base.to_owned();
    for _ in 0..=rng.below(3) {
        let at = floor_boundary(&text, rng.below(text.len() + 1));
        match rng.below(6) {
            0 => text.insert_str(at, PIECES[rng.below(PIECES.len())]),
            1 => {
                let end = floor_boundary(&text, (at + 1 + rng.below(8)).min(text.len()));
                text.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
            }
            2 => text.truncate(at),
            3 | 4 => {
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = rng.below(lines.len());
                    if rng.below(2) == 0 {
                        lines.remove(i);
                    } else {
                        lines.insert(i, lines[i]);
                    }
                }
                text = lines.join("\n");
            }
            _ => {
                let end = floor_boundary(&text, (at + rng.below(16)).min(text.len()));
                text.replace_range(at..end, "");
            }
        }
    }
    text
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[test]
fn malformed_configs_never_panic() {
    let bases = [
        DEFAULT_TOML,
        "[core]\nname = \"x\"\n[risk]\ndaily_loss_limit = -1.5\n",
        "[[instruments]]\nsymbol = \"A\"\ntick_size = \"0.5\"\n",
        "[feed]\nsource = [\"BTCUSD=a.csv\"]\npace = \"x10\"\n",
        "",
    ];
    let mut rng = XorShift(0x5EA_1E55);
    let (mut accepted, mut rejected) = (0, 0);
    for case in 0..4000 {
        let text = mutate(&mut rng, bases[case % bases.len()]);
        match Config::from_toml_str(&text, "fuzz.toml") {
            Ok(config) => {
                accepted += 1;
                config
                    .validate()
                    .unwrap_or_else(|e| panic!("case {case}: loaded but invalid: {e}"));
            }
            Err(e) => {
                rejected += 1;
                let shown = e.to_string();
                assert!(
                    !shown.is_empty() && !shown.contains('\n'),
                    "case {case}: {shown:?}"
                );
                let lines = text.split('\n').count();
                if let Some(line) = e.line() {
                    assert!(
                        (1..=lines).contains(&line),
                        "case {case}: line {line} of {lines}"
                    );
                }
            }
        }
    }
    // The mutations must exercise both outcomes, or the test proves nothing.
    assert!(
        accepted > 100 && rejected > 1000,
        "accepted {accepted}, rejected {rejected}"
    );
}

#[test]
fn malformed_cli_specs_never_panic() {
    let bases = [
        "sma_cross:fast=10,slow=20,qty=100",
        "oob_fill_every=1,drop_fill_every=2,stall_after=3",
        "feed=0,engine=1,broker=2",
        "csv:BTCUSD=data/btc.csv",
    ];
    let mut rng = XorShift(0xC11);
    for case in 0..4000 {
        let spec = mutate(&mut rng, bases[case % bases.len()]);
        let errors = [
            StrategyConfig::from_cli_spec(&spec)
                .err()
                .map(|e| e.to_string()),
            BrokerFaults::from_cli_spec(&spec)
                .err()
                .map(|e| e.to_string()),
            spec.parse::<Cores>().err().map(|e| e.to_string()),
            spec.parse::<FeedSource>().err().map(|e| e.to_string()),
        ];
        for e in errors.into_iter().flatten() {
            assert!(!e.is_empty(), "case {case}");
        }
    }
}
