//! Building an engine from the configuration: [`EngineSettings`],
//! [`instruments_from_config`], [`Engine::from_config`].

use std::error::Error;
use std::fmt;

use seamless_config::Config;

use super::Engine;
use crate::broker::BookError;
use crate::domain::{
    InstrumentError, Instruments, MAX_INSTRUMENTS, Money, NameError, Price, Qty, State,
};
use crate::risk::{MonitorSettings, Risk, RiskLimits};
use crate::strategy::{self, StrategyError};

/// Default conflation period of `market_update` marks per instrument: 100 ms.
pub const DEFAULT_MARK_INTERVAL_NS: u64 = 100_000_000;

/// The engine's knobs.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Limits and the daily loss policy.
    pub risk: Risk,
    /// Stop-loss/take-profit distances.
    pub monitors: MonitorSettings,
    /// Least time between two conflated marks of one instrument (marks before fills,
    /// triggers and breaches are not delayed).
    pub mark_interval_ns: u64,
}

impl Default for EngineSettings {
    /// No position or order limit to speak of (`Qty::MAX`), no daily loss limit, no
    /// monitors, [`DEFAULT_MARK_INTERVAL_NS`].
    fn default() -> Self {
        let limits = RiskLimits {
            max_position: Qty::MAX,
            max_order_qty: Qty::MAX,
        };
        EngineSettings {
            risk: Risk::new(limits, Money::ZERO, false),
            monitors: MonitorSettings::default(),
            mark_interval_ns: DEFAULT_MARK_INTERVAL_NS,
        }
    }
}

impl EngineSettings {
    /// From `[risk]` and `[monitors]`, with [`DEFAULT_MARK_INTERVAL_NS`].
    pub fn from_config(config: &Config) -> Self {
        EngineSettings {
            risk: Risk::from_config(&config.risk),
            monitors: MonitorSettings::from_config(&config.monitors),
            mark_interval_ns: DEFAULT_MARK_INTERVAL_NS,
        }
    }
}

/// Why an engine could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupError {
    /// `instruments[index]` was refused by the table.
    Instrument {
        /// Its index in the config list.
        index: usize,
        /// Why.
        error: InstrumentError,
    },
    /// More instruments than the state tables hold.
    TooManyInstruments(usize),
    /// The strategy could not be built.
    Strategy(StrategyError),
    /// The strategy's name is not a valid strategy name.
    StrategyName(NameError),
    /// The paper broker's book file could not be opened.
    Book(BookError),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Instrument { index, error } => write!(f, "instruments[{index}]: {error}"),
            SetupError::TooManyInstruments(n) => {
                write!(f, "{n} instruments, at most {MAX_INSTRUMENTS} supported")
            }
            SetupError::Strategy(e) => write!(f, "strategy: {e}"),
            SetupError::StrategyName(e) => write!(f, "strategy name: {e}"),
            SetupError::Book(e) => e.fmt(f),
        }
    }
}

impl Error for SetupError {}

/// The instrument table of `[[instruments]]`, ids in list order.
///
/// # Errors
///
/// [`SetupError::Instrument`] naming the first entry the table refuses.
pub fn instruments_from_config(
    list: &[seamless_config::Instrument],
) -> Result<Instruments, SetupError> {
    let mut table = Instruments::new();
    for (index, i) in list.iter().enumerate() {
        let (tick, lot) = (Price::from_raw(i.tick_size.0), Qty::from_raw(i.lot_size.0));
        table
            .add(&i.symbol, tick, lot)
            .map_err(|error| SetupError::Instrument { index, error })?;
    }
    Ok(table)
}

impl Engine {
    /// The engine `config` describes (instruments, strategy, risk, monitors,
    /// reconciliation), continuing from `state`.
    ///
    /// # Errors
    ///
    /// [`SetupError`] for an instrument or strategy the config validation should
    /// already have refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_config::Config;
    /// use seamless_core::domain::State;
    /// use seamless_core::engine::Engine;
    /// let engine = Engine::from_config(&Config::default(), State::new()).unwrap();
    /// assert_eq!(engine.instruments().len(), 2);
    /// assert_eq!(engine.strategy_name(), Some("sma_cross"));
    /// ```
    pub fn from_config(config: &Config, state: State) -> Result<Engine, SetupError> {
        let instruments = instruments_from_config(&config.instruments)?;
        let strategy = strategy::from_config(&config.strategy, instruments.len())
            .map_err(SetupError::Strategy)?;
        let mut engine = Engine::new(
            instruments,
            state,
            strategy,
            EngineSettings::from_config(config),
        )?;
        engine.set_reconcile(super::ReconcileSettings::from_config(&config.reconcile));
        Ok(engine)
    }
}
