//! The whole configuration: one struct per section, defaults, and the checks that
//! span sections.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::sections::bridge::BridgeConfig;
use crate::sections::broker::BrokerConfig;
use crate::sections::core_section::CoreConfig;
use crate::sections::feed::FeedConfig;
use crate::sections::feed_source::FeedSource;
use crate::sections::gating::GatingConfig;
use crate::sections::instruments::{Instrument, validate_instruments};
use crate::sections::monitor::MonitorConfig;
use crate::sections::monitors::MonitorsConfig;
use crate::sections::persist::PersistConfig;
use crate::sections::reconcile::ReconcileConfig;
use crate::sections::risk::RiskConfig;
use crate::sections::strategy::{StrategyConfig, StrategyKind};

/// The configuration of one seamless instance. Every field has a default (the values in
/// config/default.toml); fields are public so command-line flags can override them,
/// after which [`validate`](Config::validate) should be run again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[core]`.
    pub core: CoreConfig,
    /// `[feed]`.
    pub feed: FeedConfig,
    /// `[strategy]`.
    pub strategy: StrategyConfig,
    /// `[risk]`.
    pub risk: RiskConfig,
    /// `[monitors]`.
    pub monitors: MonitorsConfig,
    /// `[broker]`.
    pub broker: BrokerConfig,
    /// `[persist]`.
    pub persist: PersistConfig,
    /// `[gating]`.
    pub gating: GatingConfig,
    /// `[reconcile]`.
    pub reconcile: ReconcileConfig,
    /// `[monitor]`.
    pub monitor: MonitorConfig,
    /// `[bridge]`.
    pub bridge: BridgeConfig,
    /// `[[instruments]]`; a file that lists any replaces the default list.
    pub instruments: Vec<Instrument>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            core: CoreConfig::default(),
            feed: FeedConfig::default(),
            strategy: StrategyConfig::default(),
            risk: RiskConfig::default(),
            monitors: MonitorsConfig::default(),
            broker: BrokerConfig::default(),
            persist: PersistConfig::default(),
            gating: GatingConfig::default(),
            reconcile: ReconcileConfig::default(),
            monitor: MonitorConfig::default(),
            bridge: BridgeConfig::default(),
            instruments: Instrument::default_list(),
        }
    }
}

impl Config {
    /// Checks every section, then the rules that relate sections.
    ///
    /// # Errors
    ///
    /// The first broken rule, naming its dotted key.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.core.validate()?;
        self.feed.validate()?;
        self.strategy.validate()?;
        self.risk.validate()?;
        self.monitors.validate()?;
        self.broker.validate()?;
        self.persist.validate()?;
        self.gating.validate()?;
        self.reconcile.validate()?;
        self.monitor.validate()?;
        self.bridge.validate()?;
        validate_instruments(&self.instruments)?;
        self.validate_across()
    }

    /// The instrument named `symbol`.
    pub fn instrument(&self, symbol: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.symbol == symbol)
    }

    fn validate_across(&self) -> Result<(), ValidationError> {
        if let FeedSource::Csv(specs) = &self.feed.source {
            for (i, spec) in specs.iter().enumerate() {
                if self.instrument(&spec.symbol).is_none() {
                    let msg = format!(
                        "{} is not in [[instruments]] (configured: {})",
                        spec.symbol,
                        self.symbols()
                    );
                    return Err(ValidationError::new(format!("feed.source[{i}]"), msg));
                }
            }
        } else {
            self.on_every_tick("feed.synthetic.spread", self.feed.synthetic.spread)?;
        }
        self.on_every_tick("feed.bar_spread", self.feed.bar_spread)?;
        if self.strategy.kind != StrategyKind::None {
            for (i, inst) in self.instruments.iter().enumerate() {
                if !self.strategy.qty.is_multiple_of(inst.lot_size) {
                    let msg = format!(
                        "{} is not a multiple of instruments[{i}].lot_size {} ({})",
                        self.strategy.qty, inst.lot_size, inst.symbol
                    );
                    return Err(ValidationError::new("strategy.qty", msg));
                }
            }
            if self.strategy.qty > self.risk.max_order_qty {
                let msg = format!(
                    "{} is more than risk.max_order_qty ({})",
                    self.strategy.qty, self.risk.max_order_qty
                );
                return Err(ValidationError::new("strategy.qty", msg));
            }
        }
        if self.monitor.stale_ms <= self.core.heartbeat_ms {
            let msg = format!(
                "{} must be more than core.heartbeat_ms ({}), or the core always looks stale",
                self.monitor.stale_ms, self.core.heartbeat_ms
            );
            return Err(ValidationError::new("monitor.stale_ms", msg));
        }
        Ok(())
    }

    /// Checks a price distance lands on every instrument's tick grid.
    fn on_every_tick(&self, key: &str, value: crate::Decimal) -> Result<(), ValidationError> {
        for (i, inst) in self.instruments.iter().enumerate() {
            if value != crate::Decimal::ZERO && !value.is_multiple_of(inst.tick_size) {
                let msg = format!(
                    "{value} is not a multiple of instruments[{i}].tick_size {} ({})",
                    inst.tick_size, inst.symbol
                );
                return Err(ValidationError::new(key, msg));
            }
        }
        Ok(())
    }

    fn symbols(&self) -> String {
        let names: Vec<&str> = self.instruments.iter().map(|i| i.symbol.as_str()).collect();
        names.join(", ")
    }
}
