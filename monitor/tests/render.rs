//! Rendering tests: every pane drawn into ratatui's `TestBackend` from plain structs
//! (no region), in its normal, empty, stale, dead, stopped and halted states.

use std::time::Duration;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::{Frame, Terminal};
use seamless_core::domain::{EventKind, Reason};
use seamless_core::shared::{LatencyRow, Snapshot};
use seamless_ipc::region::Status;
use seamless_monitor::view::{Model, Tab, TailEntry, pane, render, sample_snapshot};

type Pane = fn(&mut Frame<'_>, Rect, &Model);

/// Draws with `draw` on a `w` x `h` test terminal and returns the buffer.
fn draw(model: &Model, w: u16, h: u16, draw: impl Fn(&mut Frame<'_>, &Model)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| draw(f, model))
        .expect("drawing into a test backend");
    terminal.backend().buffer().clone()
}

fn draw_pane(model: &Model, pane: Pane, w: u16, h: u16) -> Buffer {
    draw(model, w, h, |f, m| pane(f, f.area(), m))
}

fn lines(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf.cell((x, y)).map_or(" ", |c| c.symbol()))
                .collect()
        })
        .collect()
}

fn text(buf: &Buffer) -> String {
    lines(buf).join("\n")
}

/// The row index of the first line containing `needle`.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    let found = lines(buf).iter().position(|l| l.contains(needle));
    found.unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", text(buf))) as u16
}

/// Whether the cell where `needle` starts has `modifier`.
fn has_modifier(buf: &Buffer, needle: &str, modifier: Modifier) -> bool {
    let y = row_of(buf, needle);
    let line = &lines(buf)[usize::from(y)];
    let byte = line.find(needle).unwrap_or(0);
    let x = line[..byte].chars().count() as u16;
    buf.cell((x, y))
        .is_some_and(|c| c.modifier.contains(modifier))
}

fn model() -> Model {
    let mut m = Model::new(sample_snapshot());
    m.now_unix_ns = m.snap.runner.runner.started_ns + 83_000_000_000;
    m.quote_ages = vec![Some(Duration::from_millis(2)), Some(Duration::from_secs(5))];
    m
}

fn entry(seq: u64, kind: EventKind, instrument: Option<&str>, fields: &str) -> TailEntry {
    TailEntry {
        seq,
        ts_ns: 1_700_000_000_000_000_000 + seq * 1_000_000,
        kind,
        instrument: instrument.map(str::to_owned),
        fields: fields.to_owned(),
    }
}

fn with_events(mut m: Model) -> Model {
    m.tail.push(entry(
        114,
        EventKind::SignalDetected,
        Some("BTCUSD"),
        "side=buy",
    ));
    m.tail.push(entry(
        115,
        EventKind::TradeExecuted,
        Some("BTCUSD"),
        "order_id=7 qty=0.1",
    ));
    m.tail.push(entry(
        116,
        EventKind::MarketUpdate,
        Some("ETHUSD"),
        "last=3400",
    ));
    m.tail.push(entry(
        117,
        EventKind::DailyLossBreached,
        None,
        "daily_pnl=-1000",
    ));
    m
}

#[test]
fn header_shows_instance_pid_status_uptime_and_heartbeat() {
    let buf = draw_pane(&model(), pane::header, 140, 3);
    let t = text(&buf);
    for want in [
        "seamless monitor: demo",
        "pid 4242",
        "runner running",
        "up 00:01:23",
        "heartbeat 3 ms",
        "Overview",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    for badge in ["STALE", "DEAD", "STOPPED", "HALTED", "PAUSED"] {
        assert!(!t.contains(badge), "{badge} on a live core:\n{t}");
    }
}

#[test]
fn header_badges_stale_dead_stopped_and_paused() {
    let mut m = model();
    m.snap.stale = true;
    m.snap.heartbeat_age_ms = Some(4_000);
    let t = text(&draw_pane(&m, pane::header, 140, 3));
    assert!(
        t.contains(" STALE ") && t.contains("heartbeat 4.0 s"),
        "{t}"
    );

    m.snap.alive = false;
    let t = text(&draw_pane(&m, pane::header, 140, 3));
    assert!(t.contains(" DEAD ") && !t.contains("STALE"), "{t}");

    m.snap.status = Status::Stopped;
    let t = text(&draw_pane(&m, pane::header, 140, 3));
    assert!(t.contains(" STOPPED ") && !t.contains("DEAD"), "{t}");

    m.ui.paused = true;
    let t = text(&draw_pane(&m, pane::header, 140, 3));
    assert!(t.contains(" PAUSED "), "{t}");
}

#[test]
fn account_shows_money_and_the_daily_limit() {
    let t = text(&draw_pane(&model(), pane::account, 48, 10));
    for want in [
        "Cash", "93599.5", "Equity", "100024.5", "24.5", "of -1000", "active",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    assert!(!t.contains("HALTED"), "{t}");
}

#[test]
fn account_and_header_show_halted() {
    let mut m = model();
    m.snap.account.daily_pnl = "-1000".parse().unwrap_or_default();
    m.snap.account.halted = 1;
    m.snap.account.halt_reason = Reason::DailyLoss.code();
    let t = text(&draw_pane(&m, pane::account, 48, 10));
    assert!(
        t.contains("HALTED: daily_loss") && t.contains("(100%)"),
        "{t}"
    );
    let t = text(&draw_pane(&m, pane::header, 140, 3));
    assert!(t.contains(" HALTED "), "{t}");
}

#[test]
fn positions_table_and_empty_state() {
    let buf = draw_pane(&model(), pane::positions, 100, 6);
    let t = text(&buf);
    let row = &lines(&buf)[usize::from(row_of(&buf, "BTCUSD"))];
    for want in ["long", "0.1", "64000", "25", "12.5"] {
        assert!(row.contains(want), "{want:?} missing in {row:?}");
    }
    assert!(
        !t.contains("ETHUSD"),
        "a flat instrument without fills is left out:\n{t}"
    );

    let mut empty = model();
    empty
        .snap
        .positions
        .iter_mut()
        .for_each(|p| *p = Default::default());
    let t = text(&draw_pane(&empty, pane::positions, 100, 6));
    assert!(t.contains("no open positions"), "{t}");
}

#[test]
fn market_dims_stale_and_missing_quotes() {
    let mut m = model();
    m.stale_after = Duration::from_secs(1);
    let buf = draw_pane(&m, pane::market, 70, 6);
    let t = text(&buf);
    for want in ["64249.5", "64250.5", "64250", "2 ms", "3399.9", "5.0 s"] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    assert!(
        !has_modifier(&buf, "BTCUSD", Modifier::DIM),
        "fresh quote dimmed"
    );
    assert!(
        has_modifier(&buf, "ETHUSD", Modifier::DIM),
        "5 s old quote not dimmed"
    );

    m.snap.market[0].ticks = 0;
    m.quote_ages[0] = None;
    let buf = draw_pane(&m, pane::market, 70, 6);
    let row = &lines(&buf)[usize::from(row_of(&buf, "BTCUSD"))];
    assert!(!row.contains("64249.5") && row.contains('-'), "{row:?}");
    assert!(
        has_modifier(&buf, "BTCUSD", Modifier::DIM),
        "no quote yet must be dim"
    );
}

#[test]
fn signals_newest_first_and_empty() {
    let buf = draw_pane(&model(), pane::signals, 60, 6);
    assert!(
        row_of(&buf, "ETHUSD") < row_of(&buf, "BTCUSD"),
        "{}",
        text(&buf)
    );
    let t = text(&buf);
    assert!(t.contains("sell") && t.contains("sma_cross"), "{t}");

    let mut empty = model();
    empty
        .snap
        .signals
        .iter_mut()
        .for_each(|s| *s = Default::default());
    let t = text(&draw_pane(&empty, pane::signals, 60, 6));
    assert!(t.contains("no signals yet"), "{t}");
}

#[test]
fn monitors_show_armed_levels_and_empty() {
    let t = text(&draw_pane(&model(), pane::monitors, 42, 5));
    assert!(
        t.contains("BTCUSD") && t.contains("63000") && t.contains("66000"),
        "{t}"
    );
    assert!(!t.contains("ETHUSD"), "{t}");

    let mut empty = model();
    empty.snap.monitors[0].armed = 0;
    let t = text(&draw_pane(&empty, pane::monitors, 42, 5));
    assert!(t.contains("no armed monitors"), "{t}");
}

#[test]
fn event_tail_newest_first_highlighted_and_logged() {
    let m = with_events(model()); // durable_seq 115
    let buf = draw_pane(&m, pane::events, 110, 10);
    let t = text(&buf);
    assert!(row_of(&buf, "117") < row_of(&buf, "116"), "{t}");
    assert!(row_of(&buf, "115") < row_of(&buf, "114"), "{t}");
    assert!(
        has_modifier(&buf, "daily_loss_breached", Modifier::BOLD),
        "{t}"
    );
    assert!(has_modifier(&buf, "trade_executed", Modifier::BOLD), "{t}");
    assert!(
        !has_modifier(&buf, "signal_detected", Modifier::BOLD),
        "{t}"
    );
    let logged = |needle: &str| lines(&buf)[usize::from(row_of(&buf, needle))].contains("logged");
    assert!(logged("trade_executed") && logged("signal_detected"), "{t}");
    assert!(
        !logged("market_update") && !logged("daily_loss_breached"),
        "{t}"
    );
    assert!(t.contains("4 read"), "{t}");
}

#[test]
fn event_tail_without_persister_has_no_logged_mark() {
    let mut m = with_events(model());
    m.snap.durable_seq = None;
    let t = text(&draw_pane(&m, pane::events, 110, 10));
    assert!(t.contains("trade_executed") && !t.contains("logged"), "{t}");
}

#[test]
fn event_tail_filter_skipped_count_and_empty() {
    let mut m = with_events(model());
    m.ui.filter = "eth".into();
    m.tail.skip(1_234);
    let t = text(&draw_pane(&m, pane::events, 110, 10));
    assert!(
        t.contains("market_update") && !t.contains("trade_executed"),
        "{t}"
    );
    assert!(
        t.contains("1234 skipped") && t.contains("filter: eth"),
        "{t}"
    );

    m.ui.filter = "nothing-matches".into();
    let t = text(&draw_pane(&m, pane::events, 110, 10));
    assert!(t.contains("no events match the filter"), "{t}");

    let t = text(&draw_pane(&model(), pane::events, 110, 10));
    assert!(t.contains("no events yet"), "{t}");
}

#[test]
fn readers_show_kind_pid_cursor_lag_gating_and_empty() {
    let mut m = model();
    m.snap.readers[1].alive = false;
    let buf = draw_pane(&m, pane::readers, 60, 6);
    let persist = &lines(&buf)[usize::from(row_of(&buf, "persist"))];
    for want in ["4343", "yes", "116", "5", "gating"] {
        assert!(persist.contains(want), "{want:?} missing in {persist:?}");
    }
    let monitor = &lines(&buf)[usize::from(row_of(&buf, "monitor"))];
    assert!(
        monitor.contains("dead") && monitor.contains("4444"),
        "{monitor:?}"
    );
    assert!(has_modifier(&buf, "monitor", Modifier::DIM));

    m.snap.readers.clear();
    let t = text(&draw_pane(&m, pane::readers, 60, 6));
    assert!(t.contains("no readers"), "{t}");
}

fn metrics_small(f: &mut Frame<'_>, area: Rect, m: &Model) {
    pane::metrics(f, area, m, false);
}

#[test]
fn metrics_show_rates_ring_latency_and_persistence() {
    let mut m = model();
    let mut row = m.snap.metrics;
    m.rates.observe(&row);
    row.updated_ns += 1_000_000_000;
    row.events_published += 500;
    row.ticks += 2_000;
    m.rates.observe(&row);
    m.rates.observe_latency(&m.snap.latency);
    let t = text(&draw_pane(&m, metrics_small, 90, 16));
    for want in [
        "events 500/s",
        "ticks 2.0k/s",
        "fill 5 of 65536",
        "durable 115",
        "p50 3.2 µs",
        "p99 12.0 µs",
        "p99.9 40.0 µs",
        "ticks/s",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
    assert!(t.contains('█'), "a sparkline bar:\n{t}");
}

#[test]
fn metrics_before_data_and_without_persister() {
    let mut m = model();
    m.snap.durable_seq = None;
    m.snap.latency = LatencyRow::default();
    let t = text(&draw_pane(&m, metrics_small, 90, 12));
    assert!(t.contains("measuring"), "{t}");
    assert!(t.contains("no persister"), "{t}");
    assert!(t.contains("no ticks measured"), "{t}");
}

#[test]
fn whole_screen_every_tab_and_help_at_two_sizes() {
    let base = with_events(model());
    for (w, h) in [(160, 50), (80, 24)] {
        for tab in Tab::ALL {
            let mut m = base.clone();
            m.ui.tab = tab;
            let t = text(&draw(&m, w, h, render));
            assert!(
                t.contains("seamless monitor: demo"),
                "{tab:?} {w}x{h}:\n{t}"
            );
        }
        let mut m = base.clone();
        m.ui.help = true;
        let t = text(&draw(&m, w, h, render));
        assert!(t.contains("Help") && t.contains("quit"), "{w}x{h}:\n{t}");
    }
    let t = text(&draw(&base, 160, 50, render));
    for pane_title in [
        "Account",
        "Positions",
        "Market",
        "Signals",
        "Monitors",
        "Events",
        "Readers",
        "Metrics",
    ] {
        assert!(t.contains(pane_title), "{pane_title} missing:\n{t}");
    }
}

#[test]
fn footer_shows_the_filter_being_typed_and_notes() {
    let mut m = model();
    m.ui.editing = Some("btc".into());
    let t = text(&draw(&m, 100, 30, render));
    assert!(t.contains("filter: btc"), "{t}");
    m.ui.editing = None;
    m.note = Some("core restarted (pid 7): reattached".into());
    let t = text(&draw(&m, 100, 30, render));
    assert!(t.contains("core restarted (pid 7): reattached"), "{t}");
}

#[test]
fn an_empty_instance_renders() {
    let mut snap: Snapshot = sample_snapshot();
    snap.symbols.clear();
    snap.positions.clear();
    snap.market.clear();
    snap.signals.clear();
    snap.monitors.clear();
    snap.readers.clear();
    snap.runner = Default::default();
    snap.account = Default::default();
    let t = text(&draw(&Model::new(snap), 160, 50, render));
    for want in [
        "runner not started",
        "no open positions",
        "no signals yet",
        "no events yet",
        "no readers",
    ] {
        assert!(t.contains(want), "{want:?} missing:\n{t}");
    }
}
