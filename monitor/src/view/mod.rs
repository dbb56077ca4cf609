//! The TUI's view: a [`Model`] of plain data (a [`Snapshot`] plus what the monitor
//! derived: quote ages, rates, the event tail, UI state) and [`render`], a pure
//! function from the model to a ratatui frame.
//!
//! Nothing here touches the region, the clock or the terminal, so every pane can be
//! rendered in a test with ratatui's `TestBackend` from hand-built structs.
//!
//! Progress: plain functions (rendering allocates its widgets).
//!
//! # Example
//!
//! ```
//! use ratatui::{Terminal, backend::TestBackend};
//! use seamless_core::shared::Snapshot;
//! use seamless_monitor::view::{Model, render};
//! # fn snapshot() -> Snapshot { seamless_monitor::view::sample_snapshot() }
//! let model = Model::new(snapshot());
//! let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
//! terminal.draw(|frame| render(frame, &model)).unwrap();
//! ```
//!
//! # Implementation
//!
//! 1. [`render`] splits the screen: header, the selected tab's panes, a footer.
//! 2. Each pane is one function over `(frame, area, model)` in its own module; empty
//!    states say so in words ("no open positions") rather than leaving a blank box.
//! 3. Styles come from one place (`theme`): critical events and bad news bold
//!    red/yellow, stale data dimmed. (Layout per the ratatui book's "layout" recipes.)
//!
//! It must never read shared memory, sleep, or decide liveness itself (the model says).

mod account;
mod events;
mod header;
mod help;
mod market;
mod metrics;
mod positions;
mod readers;
mod sample;
mod signals;
pub mod tail;
mod theme;

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use seamless_core::shared::Snapshot;

use crate::own_reads::OwnReads;
use crate::rates::Rates;
use crate::summary::Health;

pub use sample::sample_snapshot;
pub use tail::{EventTail, TailEntry};

/// The screens `tab` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Everything at once.
    #[default]
    Overview,
    /// The event tail, full height.
    Events,
    /// Readers and metrics, with larger charts.
    System,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 3] = [Tab::Overview, Tab::Events, Tab::System];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Events => "Events",
            Tab::System => "System",
        }
    }

    /// The next tab (wrapping).
    pub fn next(self) -> Tab {
        match self {
            Tab::Overview => Tab::Events,
            Tab::Events => Tab::System,
            Tab::System => Tab::Overview,
        }
    }

    /// The previous tab (wrapping).
    pub fn prev(self) -> Tab {
        self.next().next()
    }

    fn index(self) -> usize {
        match self {
            Tab::Overview => 0,
            Tab::Events => 1,
            Tab::System => 2,
        }
    }
}

/// What the user chose: tab, pause, help, filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ui {
    /// The tab shown.
    pub tab: Tab,
    /// Reading is paused (the screen keeps the last state).
    pub paused: bool,
    /// The help overlay is shown.
    pub help: bool,
    /// The event tail filter (kind or instrument, case-insensitive; empty: all).
    pub filter: String,
    /// The filter being typed after `/` (Enter applies it, Esc cancels).
    pub editing: Option<String>,
}

/// Everything one frame shows.
#[derive(Debug, Clone)]
pub struct Model {
    /// The state read from the region.
    pub snap: Snapshot,
    /// Now, Unix ns (for the uptime).
    pub now_unix_ns: u64,
    /// Age of each instrument's quote as the monitor saw it change (`None`: no quote).
    pub quote_ages: Vec<Option<Duration>>,
    /// Quotes older than this are dimmed; the heartbeat threshold too.
    pub stale_after: Duration,
    /// The recent events.
    pub tail: EventTail,
    /// Rates and histories.
    pub rates: Rates,
    /// The user's choices.
    pub ui: Ui,
    /// A one-line note for the footer (a reattach, a read problem).
    pub note: Option<String>,
    /// State reads that gave up (seqlock rows that stayed busy or stalled).
    pub read_failures: u64,
    /// The monitor's own seqlock row reads since it started (over reattachments): the
    /// retry rate in the metrics pane.
    pub reads: OwnReads,
    /// The monitor's own next event sequence (its cursor in the ring).
    pub next_seq: u64,
}

impl Model {
    /// A model showing `snap` with nothing derived yet.
    pub fn new(snap: Snapshot) -> Self {
        let n = snap.market.len();
        let next_seq = snap.last_seq + 1;
        Model {
            snap,
            now_unix_ns: 0,
            quote_ages: vec![None; n],
            stale_after: Duration::from_millis(1_000),
            tail: EventTail::default(),
            rates: Rates::default(),
            ui: Ui::default(),
            note: None,
            read_failures: 0,
            reads: OwnReads::default(),
            next_seq,
        }
    }

    /// The liveness verdict shown in the header.
    pub fn health(&self) -> Health {
        Health::of(&self.snap)
    }

    /// The symbol of instrument index `ix`.
    pub fn symbol(&self, ix: usize) -> &str {
        self.snap.symbols.get(ix).map_or("?", String::as_str)
    }
}

/// Draws the whole screen for `model`.
pub fn render(frame: &mut Frame<'_>, model: &Model) {
    let [top, body, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::render(frame, top, model);
    match model.ui.tab {
        Tab::Overview => overview(frame, body, model),
        Tab::Events => events::render(frame, body, model),
        Tab::System => system(frame, body, model),
    }
    help::footer(frame, foot, model);
    if model.ui.help {
        help::overlay(frame, frame.area());
    }
}

fn overview(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let instruments = model.snap.symbols.len() as u16;
    let [row1, row2, row3] = Layout::vertical([
        Constraint::Length(10),
        Constraint::Length((instruments + 3).clamp(5, 12)),
        Constraint::Min(6),
    ])
    .areas(area);
    let [acct, pos] = Layout::horizontal([Constraint::Length(48), Constraint::Min(0)]).areas(row1);
    account::render(frame, acct, model);
    positions::render(frame, pos, model);
    let [mkt, sig, mon] = Layout::horizontal([
        Constraint::Max(67),
        Constraint::Min(30),
        Constraint::Max(42),
    ])
    .areas(row2);
    market::render(frame, mkt, model);
    signals::render_signals(frame, sig, model);
    signals::render_monitors(frame, mon, model);
    let [ev, side] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Min(0)]).areas(row3);
    events::render(frame, ev, model);
    let [rd, mt] = Layout::vertical([Constraint::Length(6), Constraint::Min(0)]).areas(side);
    readers::render(frame, rd, model);
    metrics::render(frame, mt, model, false);
}

fn system(frame: &mut Frame<'_>, area: Rect, model: &Model) {
    let readers = model.snap.readers.len() as u16;
    let [rd, mt] = Layout::vertical([
        Constraint::Length((readers + 3).clamp(4, 14)),
        Constraint::Min(0),
    ])
    .areas(area);
    readers::render(frame, rd, model);
    metrics::render(frame, mt, model, true);
}

/// Each pane on its own, for tests and embedding: `pane::positions(frame, area, model)`.
pub mod pane {
    pub use super::account::render as account;
    pub use super::events::render as events;
    pub use super::header::render as header;
    pub use super::market::render as market;
    pub use super::metrics::render as metrics;
    pub use super::positions::render as positions;
    pub use super::readers::render as readers;
    pub use super::signals::{render_monitors as monitors, render_signals as signals};
}
