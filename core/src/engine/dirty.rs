//! [`Dirty`]: which rows of the region's state section changed since the runtime last
//! looked, so it republishes only those.

use crate::domain::{Event, EventBody, InstrumentId, MAX_INSTRUMENTS};

const WORDS: usize = MAX_INSTRUMENTS.div_ceil(64);

/// A set of instrument ids (a fixed bitset over `0..MAX_INSTRUMENTS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstrumentSet([u64; WORDS]);

impl InstrumentSet {
    /// Every id in `0..n`.
    pub fn first(n: usize) -> Self {
        let mut s = InstrumentSet::default();
        (0..n.min(MAX_INSTRUMENTS)).for_each(|ix| s.insert(InstrumentId(ix as u32)));
        s
    }

    /// Adds `id` (ids beyond the tables are ignored).
    #[inline]
    pub fn insert(&mut self, id: InstrumentId) {
        let ix = id.index();
        if ix < MAX_INSTRUMENTS {
            self.0[ix / 64] |= 1 << (ix % 64);
        }
    }

    /// `true` if `id` is in the set.
    #[inline]
    pub fn contains(&self, id: InstrumentId) -> bool {
        let ix = id.index();
        ix < MAX_INSTRUMENTS && self.0[ix / 64] & (1 << (ix % 64)) != 0
    }

    /// `true` when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = InstrumentId> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64)
                .filter(move |b| bits & (1u64 << b) != 0)
                .map(move |b| InstrumentId((w * 64 + b) as u32))
        })
    }
}

/// Rows changed since the last [`Engine::take_dirty`](super::Engine::take_dirty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dirty {
    /// Market rows: the live quote (every tick) or the folded mark changed.
    pub market: InstrumentSet,
    /// Position rows.
    pub positions: InstrumentSet,
    /// Monitor rows.
    pub monitors: InstrumentSet,
    /// Signal rows.
    pub signals: InstrumentSet,
    /// The account row.
    pub account: bool,
    /// The runner row.
    pub runner: bool,
    /// The counters row (every event counts, so any event sets it).
    pub counters: bool,
}

impl Dirty {
    /// Everything for `n` instruments (after start-up or restore).
    pub fn all(n: usize) -> Self {
        let every = InstrumentSet::first(n);
        Dirty {
            market: every,
            positions: every,
            monitors: every,
            signals: every,
            account: true,
            runner: true,
            counters: true,
        }
    }

    /// `true` when nothing changed.
    pub fn is_clean(&self) -> bool {
        *self == Dirty::default()
    }

    /// Records what applying `ev` changed (see the `state` module's table).
    #[inline]
    pub fn note(&mut self, ev: &Event) {
        use EventBody as B;
        self.counters = true;
        let Some(id) = ev.instrument() else {
            match ev.body {
                B::RunnerStarted { .. } | B::RunnerStopped { .. } => self.runner = true,
                _ => self.account = true,
            }
            return;
        };
        match ev.body {
            B::MarketUpdate { .. } => {
                self.market.insert(id);
                self.position_and_account(id);
            }
            B::TradeExecuted { .. } | B::PositionSynced { .. } => {
                self.position_and_account(id);
                self.monitors.insert(id);
            }
            B::BrokerSnapshot { .. } | B::ReconciliationMismatch { .. } => {
                self.positions.insert(id)
            }
            B::MonitorArmed { .. } | B::MonitorTriggered { .. } => self.monitors.insert(id),
            B::SignalDetected { .. } => self.signals.insert(id),
            _ => {} // orders and fill consequences: counters only
        }
    }

    fn position_and_account(&mut self, id: InstrumentId) {
        self.positions.insert(id);
        self.account = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_iterates_what_was_inserted() {
        let mut s = InstrumentSet::default();
        for ix in [0, 5, 63, 64, 1000] {
            s.insert(InstrumentId(ix));
        }
        let got: Vec<u32> = s.iter().map(|i| i.0).collect();
        assert_eq!(got, [0, 5, 63]);
        assert!(s.contains(InstrumentId(5)) && !s.contains(InstrumentId(6)));
        assert_eq!(InstrumentSet::first(3).iter().count(), 3);
    }
}
