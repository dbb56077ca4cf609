//! [`OwnReads`]: the monitor's own seqlock row reads, for its retry rate ("reads
//! retried / reads"): how often the core was writing a row the monitor was reading.
//!
//! Progress: plain data.

use seamless_core::shared::SharedReader;

/// Tallies of a reader's row reads (see
/// [`SharedReader::read_stats`](seamless_core::shared::SharedReader::read_stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OwnReads {
    /// Successful reads.
    pub reads: u64,
    /// Reads (successful or given up) that needed at least one retry.
    pub retried: u64,
    /// Attempts thrown away, over all reads.
    pub retries: u64,
    /// Reads that gave up.
    pub failures: u64,
}

impl OwnReads {
    /// The tallies of `reader` since it attached.
    pub fn of(reader: &SharedReader) -> Self {
        let s = reader.read_stats();
        OwnReads {
            reads: s.reads,
            retried: reader.reads_retried(),
            retries: s.retries,
            failures: s.failures,
        }
    }

    /// Both tallies added (a reattached monitor keeps its earlier reads).
    pub fn plus(self, o: OwnReads) -> Self {
        OwnReads {
            reads: self.reads + o.reads,
            retried: self.retried + o.retried,
            retries: self.retries + o.retries,
            failures: self.failures + o.failures,
        }
    }

    /// Reads made, successful or not.
    pub fn calls(&self) -> u64 {
        self.reads + self.failures
    }

    /// The share of reads that were retried, 0.0..=1.0 (`None` before any read).
    pub fn rate(&self) -> Option<f64> {
        (self.calls() > 0).then(|| self.retried as f64 / self.calls() as f64)
    }
}
