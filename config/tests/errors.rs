//! Every way a config can be wrong gives one line naming the file, the key and the line.

use std::io::Write;

use seamless_config::{Config, ConfigError};

fn err(text: &str) -> ConfigError {
    match Config::from_toml_str(text, "cfg.toml") {
        Ok(c) => panic!("accepted:\n{text}\n{c:?}"),
        Err(e) => {
            assert!(!e.to_string().contains('\n'), "multi-line: {e}");
            e
        }
    }
}

fn msg(text: &str) -> String {
    err(text).to_string()
}

#[test]
fn unknown_key_names_the_dotted_path_and_the_choices() {
    let e = err("[core]\nname = \"a\"\n\n[risk]\nmax_postion = 1\n");
    assert_eq!(
        e.to_string(),
        "cfg.toml:5: unknown key `risk.max_postion` (expected one of `max_position`, \
         `max_order_qty`, `daily_loss_limit`, `flatten_on_breach`)"
    );
    assert!(matches!(e, ConfigError::UnknownKey { line: Some(5), .. }));
    assert_eq!(e.key(), Some("risk.max_postion"));
}

#[test]
fn unknown_section_and_nested_unknown_keys() {
    assert!(
        msg("[riks]\nx = 1\n")
            .starts_with("cfg.toml:1: unknown key `riks` (expected one of `core`")
    );
    assert!(
        msg("[broker.faults]\ndrop = 1\n")
            .starts_with("cfg.toml:2: unknown key `broker.faults.drop`")
    );
    let m = msg("[[instruments]]\nsymbol = \"A\"\n[[instruments]]\nsymbol = \"B\"\ntick = 1\n");
    assert!(
        m.starts_with("cfg.toml:5: unknown key `instruments[1].tick`"),
        "{m}"
    );
    assert!(msg("core.cores.gpu = 1\n").starts_with("cfg.toml:1: unknown key `core.cores.gpu`"));
}

#[test]
fn wrong_type_names_key_and_line() {
    assert_eq!(
        msg("[core]\n\nheartbeat_ms = \"5\"\n"),
        "cfg.toml:3: core.heartbeat_ms: invalid type: string \"5\", expected u64"
    );
    let m = msg("[feed]\nexit_after_feed = 1\n");
    assert!(
        m.starts_with("cfg.toml:2: feed.exit_after_feed: invalid type: integer"),
        "{m}"
    );
    let m = msg("[core]\nwait = \"spinning\"\n");
    assert_eq!(
        m,
        "cfg.toml:2: core.wait: unknown wait strategy \"spinning\": expected spin, spin_yield or backoff"
    );
    let m = msg("[persist]\nfsync = \"sometimes\"\n");
    assert!(
        m.starts_with("cfg.toml:2: persist.fsync: unknown fsync policy \"sometimes\""),
        "{m}"
    );
    let m = msg("[bridge]\nlisten = \"localhost\"\n");
    assert!(
        m.starts_with("cfg.toml:2: bridge.listen: invalid socket address"),
        "{m}"
    );
    let m = msg("[core]\nheartbeat_ms = -1\n");
    assert!(m.starts_with("cfg.toml:2: core.heartbeat_ms: "), "{m}");
}

#[test]
fn bad_decimals_name_key_and_line() {
    assert_eq!(
        msg("[risk]\nmax_position = \"1.000000001\"\n"),
        "cfg.toml:2: risk.max_position: 1.000000001 has more than 8 decimal places"
    );
    assert_eq!(
        msg("[risk]\nmax_position = \"one\"\n"),
        "cfg.toml:2: risk.max_position: expected a decimal number like 0.0001, got \"one\""
    );
    let m = msg("[risk]\nmax_position = 1e-9\n");
    assert_eq!(
        m,
        "cfg.toml:2: risk.max_position: 1e-9 has more than 8 decimal places"
    );
    let m = msg("[risk]\nmax_position = 0.1000000000000000001\n");
    assert!(m.contains("more than 8 decimal places"), "{m}");
    let m = msg("[risk]\nmax_position = 12345678901.12345678\n");
    assert_eq!(
        m,
        "cfg.toml:2: risk.max_position: 12345678901.12345678 cannot be held exactly by a TOML \
         float; write it as a string: \"12345678901.12345678\""
    );
    let m = msg("[risk]\nmax_position = 100000000000\n");
    assert!(
        m.starts_with("cfg.toml:2: risk.max_position: 100000000000 is out of range"),
        "{m}"
    );
    let m = msg("[risk]\nmax_position = nan\n");
    assert!(
        m.starts_with("cfg.toml:2: risk.max_position: expected a finite"),
        "{m}"
    );
    let m = msg("[risk]\nmax_position = true\n");
    assert!(
        m.starts_with("cfg.toml:2: risk.max_position: invalid type: boolean"),
        "{m}"
    );
    // Exact decimals in every accepted form.
    let c = Config::from_toml_str(
        "[risk]\nmax_position = \"12345678901.12345678\"\nmax_order_qty = 1e-2\n",
        "cfg.toml",
    )
    .unwrap();
    assert_eq!(c.risk.max_position.0, 1_234_567_890_112_345_678);
    assert_eq!(c.risk.max_order_qty.to_string(), "0.01");
}

#[test]
fn validation_errors_name_key_value_and_line() {
    assert_eq!(
        msg("[risk]\n# comment\ndaily_loss_limit = 500\n"),
        "risk.daily_loss_limit: expected a negative amount, got 500 (cfg.toml:3)"
    );
    assert_eq!(
        msg("[strategy]\nfast = 30\nslow = 20\n"),
        "strategy.fast: must be less than strategy.slow (20), got 30 (cfg.toml:2)"
    );
    assert_eq!(
        msg("[core]\nevent_ring_capacity = 1000\n"),
        "core.event_ring_capacity: expected a power of two, got 1000 (cfg.toml:2)"
    );
    assert_eq!(
        msg("[monitor]\nfps = 0\n"),
        "monitor.fps: expected 1 to 240, got 0 (cfg.toml:2)"
    );
    assert_eq!(
        msg("[core]\nname = \"a b\"\n"),
        "core.name: \"a b\" contains ' ': use only A-Z, a-z, 0-9, _ and - (cfg.toml:2)"
    );
    let m = msg("[bridge]\nlisten = \"0.0.0.0:8787\"\n");
    assert_eq!(
        m,
        "bridge.token: required when bridge.listen is not a loopback address (0.0.0.0:8787) (cfg.toml:1)"
    );
    let m = msg("[feed]\nsource = [\"BTCUSD=a.csv\", \"AAPL=b.csv\"]\n");
    assert_eq!(
        m,
        "feed.source[1]: AAPL is not in [[instruments]] (configured: BTCUSD, ETHUSD) (cfg.toml:2)"
    );
    let m = msg("[strategy]\nqty = 0.00015\n");
    assert!(
        m.starts_with(
            "strategy.qty: 0.00015 is not a multiple of instruments[0].lot_size 0.0001 (BTCUSD)"
        ),
        "{m}"
    );
    let m = msg("[core]\nwait = \"spin\"\n[core.cores]\nfeed = 1\nengine = 1\n");
    assert!(
        m.starts_with("core.cores.engine: feed and engine share core 1"),
        "{m}"
    );
    assert!(m.ends_with("(cfg.toml:5)"), "{m}");
}

#[test]
fn a_rule_on_a_key_not_in_the_file_points_at_its_table() {
    let m = msg("[core]\nheartbeat_ms = 1000\n\n[monitor]\nfps = 30\n");
    assert!(
        m.starts_with("monitor.stale_ms: 1000 must be more than core.heartbeat_ms (1000)"),
        "{m}"
    );
    assert!(m.ends_with("(cfg.toml:4)"), "{m}");
    let e = err("[gating]\nnearly_full_pct = 100\n");
    assert!(
        matches!(e, ConfigError::Invalid { line: Some(2), .. }),
        "{e}"
    );
}

#[test]
fn duplicate_symbol_names_it_and_its_line() {
    let text = "[[instruments]]\nsymbol = \"BTCUSD\"\nlot_size = 0.0001\n\n\
                [[instruments]]\nsymbol = \"ETHUSD\"\nlot_size = 0.001\n\n\
                [[instruments]]\nsymbol = \"BTCUSD\"\nlot_size = 0.0001\n";
    assert_eq!(
        msg(text),
        "instruments[2].symbol: duplicate symbol \"BTCUSD\" (also instruments[0]) (cfg.toml:10)"
    );
}

#[test]
fn instrument_errors() {
    let m = msg("[[instruments]]\ntick_size = 0.01\n");
    assert_eq!(m, "cfg.toml:1: instruments[0]: missing field `symbol`");
    let m = msg("[[instruments]]\nsymbol = \"btcusd\"\n");
    assert!(
        m.starts_with("instruments[0].symbol: symbol \"btcusd\" contains 'b'"),
        "{m}"
    );
    assert!(m.contains("(symbols are upper case: \"BTCUSD\")"), "{m}");
    let m = msg("[[instruments]]\nsymbol = \"X\"\ntick_size = 0.05\nstart_price = 100.01\n");
    assert_eq!(
        m,
        "instruments[0].start_price: 100.01 is not a multiple of tick_size 0.05 (cfg.toml:4)"
    );
    let m = msg("[[instruments]]\nsymbol = \"X\"\ntick_size = 0\n");
    assert_eq!(
        m,
        "instruments[0].tick_size: expected a positive amount, got 0 (cfg.toml:3)"
    );
    let m = msg("instruments = []\n");
    assert_eq!(
        m,
        "instruments: at least one instrument is needed (cfg.toml:1)"
    );
}

#[test]
fn syntax_errors_give_the_line() {
    let m = msg("[core]\nname = \"a\"\nheartbeat_ms = \n");
    assert!(m.starts_with("cfg.toml:3: "), "{m}");
    let m = msg("[core\nname = \"a\"\n");
    assert!(m.starts_with("cfg.toml:1: "), "{m}");
    let m = msg("[core]\nname = \"a\"\nname = \"b\"\n");
    assert!(m.starts_with("cfg.toml:3: "), "{m}");
    let e = err("[risk]\nmax_position = 1\n[risk]\n");
    assert_eq!(e.line(), Some(3), "{e}");
}

#[test]
fn load_reads_files_and_reports_io() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seamless.toml");
    std::fs::write(&path, "[core]\nname = \"prod\"\n").unwrap();
    assert_eq!(Config::load(&path).unwrap().core.name, "prod");

    let missing = dir.path().join("missing.toml");
    let e = Config::load(&missing).unwrap_err();
    assert!(matches!(e, ConfigError::Io { .. }));
    assert!(
        e.to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())),
        "{e}"
    );

    let bad = dir.path().join("bad.toml");
    let mut f = std::fs::File::create(&bad).unwrap();
    f.write_all(b"[core]\nname = \"\xff\"\n").unwrap();
    drop(f);
    let e = Config::load(&bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}:2: not valid UTF-8", bad.display())
    );

    std::fs::write(&bad, "[risk]\ndaily_loss_limit = 1\n").unwrap();
    let e = Config::load(&bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "risk.daily_loss_limit: expected a negative amount, got 1 ({}:2)",
            bad.display()
        )
    );
}
