//! [`sample_snapshot`]: a plausible two-instrument snapshot built from plain structs,
//! for examples, rendering tests and screenshots without a running core.
//!
//! Progress: plain data.

use std::str::FromStr;

use seamless_core::domain::{
    Account, Monitor, Position, RunnerStatus, Side, SignalEntry, SignalLog, StrategyName,
};
use seamless_core::shared::{LatencyRow, MarketRow, MetricsRow, ReaderInfo, RunnerRow, Snapshot};
use seamless_ipc::region::Status;

/// Parses a decimal constant (a malformed one reads as zero).
fn dec<T: FromStr + Default>(text: &str) -> T {
    text.parse().unwrap_or_default()
}

/// A live instance `demo` with BTCUSD (long, monitored) and ETHUSD (flat), quotes,
/// two signals, a persister and a monitor reader, and a latency interval.
pub fn sample_snapshot() -> Snapshot {
    let t0: u64 = 1_700_000_000_000_000_000;
    let mut runner = RunnerRow {
        pid: 4242,
        last_seq: 120,
        last_ts_ns: t0 + 5_000_000_000,
        ..RunnerRow::default()
    };
    runner.runner.started_ns = t0;
    runner.runner.starts = 1;
    runner.runner.status_code = RunnerStatus::Running.code();
    runner.runner.reason_code = 1;
    let account = Account {
        cash: dec("93599.5"),
        realized_pnl: dec("12.5"),
        unrealized_pnl: dec("25"),
        fees: dec("0.5"),
        market_value: dec("6425"),
        equity: dec("100024.5"),
        day_start_equity: dec("100000"),
        daily_pnl: dec("24.5"),
        daily_loss_limit: dec("1000"),
        ..Account::default()
    };
    let btc = Position {
        qty: dec("0.1"),
        avg_price: dec("64000"),
        realized_pnl: dec("12.5"),
        unrealized_pnl: dec("25"),
        market_value: dec("6425"),
        updated_ns: t0 + 4_000_000_000,
        fills: 3,
        ..Position::default()
    };
    let quote = |bid: &str, ask: &str, last: &str, ticks| MarketRow {
        bid: dec(bid),
        ask: dec(ask),
        last: dec(last),
        updated_ns: t0 + 5_000_000_000,
        ticks,
        ..MarketRow::default()
    };
    let (mut btc_signals, mut eth_signals) = (SignalLog::default(), SignalLog::default());
    if let Ok(strategy) = StrategyName::new("sma_cross") {
        let t = t0 + 3_000_000_000;
        btc_signals.count = 1;
        btc_signals.entries[0] =
            SignalEntry::new(100, t, Side::Buy, strategy, dec("64000"), dec("0.1"));
        eth_signals.count = 1;
        eth_signals.entries[0] = SignalEntry::new(
            110,
            t + 1_500_000_000,
            Side::Sell,
            strategy,
            dec("3400"),
            dec("1"),
        );
    }
    let btc_monitor = Monitor {
        stop_price: dec("63000"),
        target_price: dec("66000"),
        armed_ns: t0 + 4_000_000_000,
        armed: 1,
        has_stop: 1,
        has_target: 1,
        ..Monitor::default()
    };
    let reader = |role: &str, pid, cursor, gating| ReaderInfo {
        role: role.to_owned(),
        kind: role.split('-').next().unwrap_or_default().to_owned(),
        pid,
        cursor,
        lag: 121u64.saturating_sub(cursor),
        gating,
        alive: true,
        heartbeat_age_ms: Some(40),
        stale: false,
        durable_cursor: if gating { cursor } else { 0 },
    };
    Snapshot {
        instance: "demo".into(),
        instance_id: 0x5eed,
        pid: 4242,
        status: Status::Running,
        alive: true,
        heartbeat_age_ms: Some(3),
        stale: false,
        symbols: vec!["BTCUSD".into(), "ETHUSD".into()],
        runner,
        account,
        positions: vec![btc, Position::default()],
        market: vec![
            quote("64249.5", "64250.5", "64250", 5_000),
            quote("3399.9", "3400.1", "3400", 4_000),
        ],
        signals: vec![btc_signals, eth_signals],
        monitors: vec![btc_monitor, Monitor::default()],
        readers: vec![
            reader("persist", 4343, 116, true),
            reader("monitor-4444", 4444, 121, false),
        ],
        metrics: MetricsRow {
            events_published: 120,
            last_seq: 120,
            ticks: 9_000,
            ticks_fed: 9_000,
            orders: 4,
            fills: 3,
            ring_capacity: 65_536,
            ring_fill: 5,
            gates: 1,
            durable_seq: 115,
            persistence_lag: 5,
            ..MetricsRow::default()
        },
        latency: LatencyRow {
            interval_ns: 1_000_000_000,
            count: 2_000,
            min: 900,
            p50: 3_200,
            p90: 8_000,
            p99: 12_000,
            p999: 40_000,
            max: 95_000,
            mean: 4_100,
            total_count: 9_000,
            ..LatencyRow::default()
        },
        last_seq: 120,
        durable_seq: Some(115),
        state_version: 77,
    }
}
