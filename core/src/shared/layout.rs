//! The region's layout: section ids and names, table capacities, the record table the
//! layout hash is computed from, and the [`RegionSpec`] the core creates.
//!
//! # Sections
//!
//! | id | name | contents |
//! |---:|---|---|
//! | 1 | `meta` | word 0: `state_version` (alone on its 128 bytes); then a seqlock cell of [`MetaRow`] |
//! | 2 | `instruments` | [`MAX_INSTRUMENTS`] seqlock cells of [`InstrumentRow`] |
//! | 3 | `market` | [`MAX_INSTRUMENTS`] cells of [`MarketRow`] |
//! | 4 | `positions` | [`MAX_INSTRUMENTS`] cells of [`Position`] |
//! | 5 | `account` | one cell of [`Account`] |
//! | 6 | `signals` | [`MAX_INSTRUMENTS`] cells of [`SignalLog`] (the last [`SIGNALS_PER_INSTRUMENT`] each) |
//! | 7 | `monitors` | [`MAX_INSTRUMENTS`] cells of [`Monitor`] |
//! | 8 | `runner` | one cell of [`RunnerRow`] |
//! | 9 | `metrics` | one cell of [`MetricsRow`] |
//! | 10 | `latency` | one cell of [`LatencyRow`] |
//! | 11 | `events` | the broadcast ring of [`EventRecord`]s (capacity from `core.event_ring_capacity`) |
//!
//! Seqlock cells are [`cell_words`] long (64-byte multiples), so no two rows share a
//! cache line. Rows `0..MetaRow::instruments` of the per-instrument tables are in use.

use std::mem::{align_of, offset_of, size_of};

use seamless_ipc::broadcast::ring_bytes;
use seamless_ipc::region::{LayoutHasher, RegionSpec, SectionSpec};
use seamless_ipc::seqlock::{cell_bytes, cell_words, table_bytes};
use seamless_ipc::words::Record;

use super::rows::{InstrumentRow, LatencyRow, MarketRow, MetaRow, MetricsRow, RunnerRow};
use crate::domain::{
    Account, Counters, EventRecord, MAX_INSTRUMENTS, Market, Monitor, Position, Runner,
    SIGNALS_PER_INSTRUMENT, STATE_FIELDS, SignalEntry, SignalLog, State,
};

/// Version of the region layout (the header's layout version). Bump it whenever a
/// section or record changes, in shape or in meaning (docs/versioning.md); the layout
/// hash catches changes of shape that were not bumped, and a test pins the pair.
///
/// History: 1, the first; 2, [`Position`] gained `mark`, `mark_ns` and `marked`; 3,
/// the ring's [`EventRecord`]s give spare fields a meaning (`reconciliation_mismatch`
/// f2/f3: both average prices; `position_synced` f2: the realized P&L booked), same
/// shapes and hash as 2.
pub const LAYOUT_VERSION: u32 = 3;

/// Section ids (stable: readers look sections up by them).
pub mod section {
    /// `state_version` and the [`MetaRow`](crate::shared::MetaRow).
    pub const META: u32 = 1;
    /// [`InstrumentRow`](crate::shared::InstrumentRow) table.
    pub const INSTRUMENTS: u32 = 2;
    /// [`MarketRow`](crate::shared::MarketRow) table.
    pub const MARKET: u32 = 3;
    /// [`Position`](crate::domain::Position) table.
    pub const POSITIONS: u32 = 4;
    /// The [`Account`](crate::domain::Account).
    pub const ACCOUNT: u32 = 5;
    /// [`SignalLog`](crate::domain::SignalLog) table.
    pub const SIGNALS: u32 = 6;
    /// [`Monitor`](crate::domain::Monitor) table.
    pub const MONITORS: u32 = 7;
    /// The [`RunnerRow`](crate::shared::RunnerRow).
    pub const RUNNER: u32 = 8;
    /// The [`MetricsRow`](crate::shared::MetricsRow).
    pub const METRICS: u32 = 9;
    /// The [`LatencyRow`](crate::shared::LatencyRow).
    pub const LATENCY: u32 = 10;
    /// The event ring.
    pub const EVENTS: u32 = 11;
}

/// Words before the [`MetaRow`] cell in section `meta`: `state_version` has the
/// first 128 bytes (two cache lines, as `CachePadded`) to itself.
pub const META_ROW_WORD: usize = 16;

/// One field of a record: what the layout hash mixes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldLayout {
    /// Field name.
    pub name: &'static str,
    /// Byte offset in the record.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
}

/// One record type placed in the region, with every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLayout {
    /// Type name.
    pub name: &'static str,
    /// `size_of`.
    pub size: usize,
    /// `align_of`.
    pub align: usize,
    /// Every field, in declaration order (empty for [`EventRecord`], whose fields are
    /// private to the domain: its size is hashed and the ring checks its word count).
    pub fields: &'static [FieldLayout],
}

/// The size of a field, from an accessor (so it works in constants).
const fn size_of_field<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

macro_rules! record {
    ($t:ty { $($f:ident),* $(,)? }) => {
        RecordLayout {
            name: stringify!($t),
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            fields: &[$(FieldLayout {
                name: stringify!($f),
                offset: offset_of!($t, $f),
                size: size_of_field::<$t, _>(|r| &r.$f),
            }),*],
        }
    };
}

const POSITION: RecordLayout = record!(Position {
    qty,
    cost,
    avg_price,
    realized_pnl,
    trip_realized_pnl,
    unrealized_pnl,
    market_value,
    mark,
    mark_ns,
    broker_qty,
    broker_avg_price,
    broker_ns,
    opened_ns,
    updated_ns,
    fills,
    mismatches,
    mismatch_open,
    marked,
    _pad,
    _reserved,
});
const ACCOUNT: RecordLayout = record!(Account {
    cash,
    realized_pnl,
    unrealized_pnl,
    fees,
    market_value,
    equity,
    net_deposits,
    day_start_equity,
    daily_pnl,
    daily_loss_limit,
    day,
    breached_ns,
    halt_changed_ns,
    halted,
    halt_reason,
    _pad,
    _reserved,
});
const SIGNAL_ENTRY: RecordLayout = record!(SignalEntry {
    seq,
    ts_ns,
    price,
    qty,
    strategy_bytes,
    side_code,
    _pad
});
const SIGNAL_LOG: RecordLayout = record!(SignalLog { count, entries });
const MONITOR: RecordLayout = record!(Monitor {
    stop_price,
    target_price,
    armed_ns,
    triggered_ns,
    trigger_price,
    triggers,
    armed,
    has_stop,
    has_target,
    last_trigger,
    _pad,
});
const RUNNER: RecordLayout = record!(Runner {
    started_ns,
    stopped_ns,
    starts,
    status_code,
    reason_code,
    _pad
});
const COUNTERS: RecordLayout = record!(Counters {
    events,
    signals,
    orders,
    rejections,
    fills,
    monitor_triggers,
    syncs,
    last_order_id
});

/// Every record in the region, nested ones included. A test checks each one's fields
/// cover its size exactly, so a field added to a record without being listed here
/// fails the build's tests rather than slipping past the hash.
pub const RECORDS: &[RecordLayout] = &[
    record!(MetaRow {
        instruments,
        max_instruments,
        event_capacity,
        first_seq,
        heartbeat_ms,
        _reserved
    }),
    record!(InstrumentRow {
        symbol,
        tick_size,
        lot_size,
        id,
        _pad,
        _reserved
    }),
    record!(MarketRow {
        bid,
        ask,
        last,
        updated_ns,
        ticks,
        mark,
        mark_ns,
        marks,
        stamp
    }),
    POSITION,
    ACCOUNT,
    SIGNAL_ENTRY,
    SIGNAL_LOG,
    MONITOR,
    RUNNER,
    COUNTERS,
    record!(RunnerRow {
        runner,
        pid,
        last_seq,
        last_ts_ns,
        counters,
        _reserved
    }),
    record!(MetricsRow {
        updated_ns,
        events_published,
        last_seq,
        ticks,
        ticks_fed,
        feed_skipped,
        feed_done,
        orders,
        fills,
        rejects,
        batches,
        ring_capacity,
        ring_fill,
        gates,
        gate_min_cursor,
        durable_seq,
        persistence_lag,
        gating_stalls,
        gating_stall_ns,
        forced_overwrites,
        broker_held,
        ignored_inputs,
        _reserved,
    }),
    record!(LatencyRow {
        updated_ns,
        interval_ns,
        count,
        min,
        p50,
        p90,
        p99,
        p999,
        max,
        mean,
        total_count,
        _reserved
    }),
    RecordLayout {
        name: "EventRecord",
        size: size_of::<EventRecord>(),
        align: align_of::<EventRecord>(),
        fields: &[],
    },
];

/// Fixed capacities that shape the tables, also hashed.
pub const CAPACITIES: &[(&str, u64)] = &[
    ("max_instruments", MAX_INSTRUMENTS as u64),
    ("signals_per_instrument", SIGNALS_PER_INSTRUMENT as u64),
    ("meta_row_word", META_ROW_WORD as u64),
];

/// The layout hash of `records` and `capacities` (FNV-1a through [`LayoutHasher`]):
/// every record's name, size and alignment, every field's name, offset and size, every
/// capacity. [`LAYOUT_HASH`] is this over [`RECORDS`] and [`CAPACITIES`].
pub const fn layout_hash(records: &[RecordLayout], capacities: &[(&str, u64)]) -> u64 {
    hash_records("seamless-core region", records, capacities)
}

const fn hash_records(tag: &str, records: &[RecordLayout], capacities: &[(&str, u64)]) -> u64 {
    let mut h = LayoutHasher::new().str(tag);
    let mut r = 0;
    while r < records.len() {
        let rec = &records[r];
        h = h.record(rec.name, rec.size, rec.align);
        let mut f = 0;
        while f < rec.fields.len() {
            let field = &rec.fields[f];
            h = h.field(field.name, field.offset, field.size);
            f += 1;
        }
        r += 1;
    }
    let mut c = 0;
    while c < capacities.len() {
        h = h.str(capacities[c].0).u64(capacities[c].1);
        c += 1;
    }
    h.finish()
}

/// The region's layout hash; readers attach with it and [`LAYOUT_VERSION`].
pub const LAYOUT_HASH: u64 = layout_hash(RECORDS, CAPACITIES);

/// [`State`]'s own fields ([`STATE_FIELDS`]) as [`FieldLayout`]s.
const STATE_FIELD_LAYOUTS: [FieldLayout; STATE_FIELDS.len()] = {
    let mut out = [FieldLayout {
        name: "",
        offset: 0,
        size: 0,
    }; STATE_FIELDS.len()];
    let mut i = 0;
    while i < out.len() {
        let (name, offset, size) = STATE_FIELDS[i];
        out[i] = FieldLayout { name, offset, size };
        i += 1;
    }
    out
};

/// Every record a snapshot holds: [`State`] field by field, and each record inside
/// it. The same test as for [`RECORDS`] checks that the fields cover every byte.
pub const STATE_RECORDS: &[RecordLayout] = &[
    RecordLayout {
        name: "State",
        size: size_of::<State>(),
        align: align_of::<State>(),
        fields: &STATE_FIELD_LAYOUTS,
    },
    POSITION,
    ACCOUNT,
    record!(Market {
        bid,
        ask,
        last,
        updated_ns,
        updates,
        _reserved
    }),
    MONITOR,
    SIGNAL_ENTRY,
    SIGNAL_LOG,
    RUNNER,
    COUNTERS,
];

/// The capacities that shape [`State`], hashed with [`STATE_RECORDS`].
pub const STATE_CAPACITIES: &[(&str, u64)] = &[
    ("max_instruments", MAX_INSTRUMENTS as u64),
    ("signals_per_instrument", SIGNALS_PER_INSTRUMENT as u64),
];

/// The layout hash of the [`State`] bytes a snapshot holds ([`STATE_RECORDS`],
/// [`STATE_CAPACITIES`]): seamless-persist mixes it into the layout hash of its files,
/// so a snapshot is never read by a build whose `State` differs in any field.
pub const STATE_LAYOUT_HASH: u64 =
    hash_records("seamless-core state", STATE_RECORDS, STATE_CAPACITIES);

/// Bytes of a table of [`MAX_INSTRUMENTS`] seqlock cells of `T`.
pub const fn table_len<T: Record>() -> usize {
    match table_bytes::<T>(MAX_INSTRUMENTS) {
        Some(n) => n,
        None => panic!("table size overflows"),
    }
}

/// Bytes of section `meta`.
pub const fn meta_len() -> usize {
    META_ROW_WORD * 8 + cell_bytes::<MetaRow>()
}

/// Words of one seqlock cell of `T` (re-exported for readers' bounds checks).
pub const fn row_words<T: Record>() -> usize {
    cell_words::<T>()
}

/// Why a region cannot be laid out for a given event-ring capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadCapacity {
    /// The capacity asked for.
    pub capacity: usize,
}

impl std::fmt::Display for BadCapacity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "event ring capacity {} does not fit in memory",
            self.capacity
        )
    }
}

impl std::error::Error for BadCapacity {}

/// The sections of a region whose event ring has `event_capacity` slots (the ring
/// validates the capacity itself when it is created).
///
/// # Errors
///
/// [`BadCapacity`] if the ring's size overflows.
pub fn sections(event_capacity: usize) -> Result<[SectionSpec<'static>; 11], BadCapacity> {
    let events = ring_bytes::<EventRecord>(event_capacity).ok_or(BadCapacity {
        capacity: event_capacity,
    })?;
    let s = |id, name, len| SectionSpec {
        id,
        name,
        len,
        align: 128,
    };
    Ok([
        s(section::META, "meta", meta_len()),
        s(
            section::INSTRUMENTS,
            "instruments",
            table_len::<InstrumentRow>(),
        ),
        s(section::MARKET, "market", table_len::<MarketRow>()),
        s(section::POSITIONS, "positions", table_len::<Position>()),
        s(section::ACCOUNT, "account", cell_bytes::<Account>()),
        s(section::SIGNALS, "signals", table_len::<SignalLog>()),
        s(section::MONITORS, "monitors", table_len::<Monitor>()),
        s(section::RUNNER, "runner", cell_bytes::<RunnerRow>()),
        s(section::METRICS, "metrics", cell_bytes::<MetricsRow>()),
        s(section::LATENCY, "latency", cell_bytes::<LatencyRow>()),
        s(section::EVENTS, "events", events),
    ])
}

/// The [`RegionSpec`] over `sections` (from [`sections`]).
pub fn region_spec<'a>(sections: &'a [SectionSpec<'a>]) -> RegionSpec<'a> {
    RegionSpec {
        layout_version: LAYOUT_VERSION,
        layout_hash: LAYOUT_HASH,
        sections,
    }
}
