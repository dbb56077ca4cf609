//! `[feed]` and `[feed.synthetic]`: the market-data source, its pace and bad-row policy.

use serde::{Deserialize, Serialize};

use crate::check::{not_negative, within};
use crate::decimal::Decimal;
use crate::error::ValidationError;
use crate::named::named_enum;
use crate::sections::feed_source::FeedSource;
use crate::sections::pace::Pace;

named_enum! {
    what "bad-row policy", expected "fail or skip";
    /// What a CSV feed does with a row it cannot parse (`feed.bad_rows`).
    pub enum BadRows {
        /// Stop with an error naming file and line.
        Fail => "fail",
        /// Skip the row, count it and report the count.
        Skip => "skip",
    }
}

/// `[feed]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedConfig {
    /// `synthetic`, or CSV files one per instrument.
    pub source: FeedSource,
    /// Replay pace of CSV feeds.
    pub pace: Pace,
    /// Stop the core (exit 0) when a finite feed is exhausted.
    pub exit_after_feed: bool,
    /// What to do with a CSV row that cannot be parsed.
    pub bad_rows: BadRows,
    /// Bid-ask spread put around the close of a CSV bar, in price units (0: bid = ask =
    /// last = close).
    pub bar_spread: Decimal,
    /// `[feed.synthetic]`.
    pub synthetic: SyntheticConfig,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            source: FeedSource::Synthetic,
            pace: Pace::Max,
            exit_after_feed: false,
            bad_rows: BadRows::Fail,
            bar_spread: Decimal::ZERO,
            synthetic: SyntheticConfig::default(),
        }
    }
}

/// `[feed.synthetic]`: the seeded random walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticConfig {
    /// Seed of the random walk: the same seed gives the same ticks.
    pub seed: u64,
    /// Ticks per second over all instruments; 0 means as fast as possible.
    pub rate_per_sec: u64,
    /// Total ticks before the feed ends; 0 means no limit.
    pub ticks: u64,
    /// Bid-ask spread in price units; a multiple of every instrument's tick size.
    pub spread: Decimal,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        SyntheticConfig {
            seed: 42,
            rate_per_sec: 1000,
            ticks: 0,
            spread: Decimal(10_000_000),
        }
    }
}

impl FeedConfig {
    /// Checks every `feed.*` key on its own (symbols against instruments are checked by
    /// [`Config::validate`](crate::Config::validate)).
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let FeedSource::Csv(specs) = &self.source {
            if specs.is_empty() {
                return Err(ValidationError::new(
                    "feed.source",
                    "empty list: give \"synthetic\" or at least one \"SYMBOL=PATH\"",
                ));
            }
            for (i, spec) in specs.iter().enumerate() {
                if let Some(j) = specs[..i].iter().position(|s| s.symbol == spec.symbol) {
                    let msg = format!("{} has two files (also feed.source[{j}])", spec.symbol);
                    return Err(ValidationError::new(format!("feed.source[{i}]"), msg));
                }
            }
        }
        not_negative("feed.bar_spread", self.bar_spread)?;
        within(
            "feed.synthetic.rate_per_sec",
            self.synthetic.rate_per_sec,
            0,
            100_000_000,
        )?;
        not_negative("feed.synthetic.spread", self.synthetic.spread)
    }
}
