//! `[broker]` and `[broker.faults]`: the paper broker's fill model and the fault knobs
//! that exercise reconciliation.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::check::{not_negative, within};
use crate::decimal::Decimal;
use crate::error::ValidationError;
use crate::spec::{SpecError, SpecParts};

/// `[broker]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerConfig {
    /// Ticks of adverse slippage on every fill (0 to 1000).
    pub slippage_ticks: u32,
    /// Fee per unit filled, in account currency (>= 0).
    pub fee_per_unit: Decimal,
    /// Fee in basis points of the fill's notional (0 to 10000; fractions allowed).
    pub fee_bps: Decimal,
    /// Delay between an order and its fill, in microseconds (0 to 10000000).
    pub latency_us: u64,
    /// Keep the paper broker's book in `<core.data_dir>/paper-broker.book`, so that it
    /// outlives the core (a restarted core meets the broker it left); `false` keeps it
    /// in memory, new at every start.
    pub persist_book: bool,
    /// `[broker.faults]`.
    pub faults: BrokerFaults,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            slippage_ticks: 1,
            fee_per_unit: Decimal::ZERO,
            fee_bps: Decimal(100_000_000), // 1 bp
            latency_us: 50,
            persist_book: false,
            faults: BrokerFaults::default(),
        }
    }
}

impl BrokerConfig {
    /// Checks every `broker.*` key.
    ///
    /// # Errors
    ///
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        within("broker.slippage_ticks", self.slippage_ticks, 0, 1000)?;
        not_negative("broker.fee_per_unit", self.fee_per_unit)?;
        within(
            "broker.fee_bps",
            self.fee_bps,
            Decimal::ZERO,
            Decimal(10_000 * crate::SCALE),
        )?;
        within("broker.latency_us", self.latency_us, 0, 10_000_000)
    }
}

/// `[broker.faults]`: deliberate misbehaviour of the paper broker; 0 turns a knob off.
/// Parsed from `oob_fill_every=N,drop_fill_every=M,stall_after=K` (any subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerFaults {
    /// Every Nth fill the broker also books a fill the engine never hears of (an
    /// out-of-band fill that reconciliation must find).
    pub oob_fill_every: u64,
    /// Every Nth fill is booked by the broker but its report is dropped.
    pub drop_fill_every: u64,
    /// After this many orders the broker stops answering.
    pub stall_after: u64,
}

impl BrokerFaults {
    /// True when any knob is on.
    pub fn any(&self) -> bool {
        self.oob_fill_every != 0 || self.drop_fill_every != 0 || self.stall_after != 0
    }

    /// Parses a `--broker-faults` spec onto all-off knobs.
    ///
    /// # Errors
    ///
    /// A [`SpecError`] naming the part at fault.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_config::BrokerFaults;
    /// let f = BrokerFaults::from_cli_spec("drop_fill_every=100,stall_after=5").unwrap();
    /// assert_eq!((f.oob_fill_every, f.drop_fill_every, f.stall_after), (0, 100, 5));
    /// assert!(BrokerFaults::from_cli_spec("drop_every=1").is_err());
    /// ```
    pub fn from_cli_spec(spec: &str) -> Result<Self, SpecError> {
        let parts = SpecParts::parse("broker faults spec", spec, spec)?;
        let mut faults = BrokerFaults::default();
        for &(part, key, value) in &parts.parts {
            let n = parts.value(part, value, "a whole number (0 = off)")?;
            match key {
                "oob_fill_every" => faults.oob_fill_every = n,
                "drop_fill_every" => faults.drop_fill_every = n,
                "stall_after" => faults.stall_after = n,
                _ => {
                    let known = "oob_fill_every, drop_fill_every or stall_after";
                    return Err(parts.unknown(part, key, known));
                }
            }
        }
        Ok(faults)
    }
}

impl fmt::Display for BrokerFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "oob_fill_every={},drop_fill_every={},stall_after={}",
            self.oob_fill_every, self.drop_fill_every, self.stall_after
        )
    }
}
