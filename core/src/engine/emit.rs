//! `emit`: the one path by which the engine changes state.

use super::Engine;
use super::sink::EventSink;
use crate::domain::{Applied, Event, EventBody, FillOutcome};

impl Engine {
    /// Publishes `body` at `ts_ns` as the next event: applies it to the state, notes
    /// the dirty rows and hands it to `events`; for a fill, does the same at once for
    /// each consequence and returns the fill's outcome.
    ///
    /// An event the fold refuses is not published (it would be an engine bug: the
    /// engine builds only valid events) and is counted in `stats.apply_errors`.
    #[inline]
    pub(super) fn emit<E: EventSink>(
        &mut self,
        ts_ns: u64,
        body: EventBody,
        events: &mut E,
    ) -> Option<FillOutcome> {
        let Some(Applied::Fill(outcome)) = self.publish(Event::new(ts_ns, body), events) else {
            return None;
        };
        for consequence in outcome.consequences(ts_ns).iter() {
            let _ = self.publish(*consequence, events);
        }
        Some(outcome)
    }

    #[inline]
    fn publish<E: EventSink>(&mut self, ev: Event, events: &mut E) -> Option<Applied> {
        let seq = self.state.last_seq() + 1;
        match self.state.apply(seq, &ev) {
            Ok(applied) => {
                self.dirty.note(&ev);
                events.publish(seq, &ev.to_record());
                Some(applied)
            }
            Err(_) => {
                self.stats.apply_errors += 1;
                None
            }
        }
    }
}
