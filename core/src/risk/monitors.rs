//! Active monitors: the stop-loss and take-profit levels armed on an open position
//! ([`MonitorSettings::levels`]) and the check of a quote against them
//! ([`Protection::check`]).

use seamless_config::MonitorsConfig;

use crate::domain::{Monitor, Price, Qty, Trigger};

/// Basis points of the average price at which monitors close a position (0: off).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonitorSettings {
    /// Loss, in bps of the average price, that triggers the stop (0: no stop).
    pub stop_loss_bps: u32,
    /// Gain, in bps of the average price, that triggers the target (0: no target).
    pub take_profit_bps: u32,
}

/// Levels armed on one position (at least one is set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    /// Stop-loss level.
    pub stop: Option<Price>,
    /// Take-profit level.
    pub target: Option<Price>,
}

impl MonitorSettings {
    /// From `[monitors]`.
    pub fn from_config(config: &MonitorsConfig) -> Self {
        MonitorSettings {
            stop_loss_bps: config.stop_loss_bps,
            take_profit_bps: config.take_profit_bps,
        }
    }

    /// The levels for a position of signed `qty` at average price `avg`: a long's stop
    /// is `avg * (1 - stop_loss_bps / 10^4)` and its target `avg * (1 + take_profit_bps
    /// / 10^4)`; a short's are mirrored. Exact, rounded half away from zero to 10^-8,
    /// not to the tick (levels are compared with prices, never traded at). A short's
    /// target at or below zero is left unset. `None` when flat or when both are off.
    ///
    /// # Examples
    ///
    /// ```
    /// use seamless_core::domain::Qty;
    /// use seamless_core::risk::MonitorSettings;
    /// let m = MonitorSettings { stop_loss_bps: 200, take_profit_bps: 400 };
    /// let p = m.levels(Qty::ONE, "100".parse().unwrap()).unwrap();
    /// assert_eq!((p.stop.unwrap().to_string(), p.target.unwrap().to_string()),
    ///            ("98".into(), "104".into()));
    /// ```
    pub fn levels(&self, qty: Qty, avg: Price) -> Option<Protection> {
        let sign = qty.signum();
        let level = |bps: u32, away: i64| {
            let num = 10_000 + away * sign * i64::from(bps);
            (bps != 0).then(|| avg.mul_ratio(num, 10_000)).flatten()
        };
        let stop = level(self.stop_loss_bps, -1);
        let target = level(self.take_profit_bps, 1).filter(|t| sign > 0 || t.is_positive());
        (sign != 0 && (stop.is_some() || target.is_some())).then_some(Protection { stop, target })
    }
}

impl Protection {
    /// Which level, if any, a quote crosses for a position of signed `qty`: a long exits
    /// by selling, so it watches the bid (`bid <= stop`, `bid >= target`); a short
    /// watches the ask (`ask >= stop`, `ask <= target`). The stop wins if both cross.
    /// Returns `(trigger, level, price that crossed)`.
    #[inline]
    pub fn check(&self, qty: Qty, bid: Price, ask: Price) -> Option<(Trigger, Price, Price)> {
        let long = qty.is_positive();
        let px = if long { bid } else { ask };
        let stop_hit = |s: &Price| if long { px <= *s } else { px >= *s };
        let target_hit = |t: &Price| if long { px >= *t } else { px <= *t };
        if let Some(s) = self.stop.filter(stop_hit) {
            return Some((Trigger::Stop, s, px));
        }
        self.target
            .filter(target_hit)
            .map(|t| (Trigger::Target, t, px))
    }

    /// The levels of an armed monitor (`None` when disarmed).
    #[inline]
    pub fn of(monitor: &Monitor) -> Option<Protection> {
        let p = Protection {
            stop: monitor.stop(),
            target: monitor.target(),
        };
        (monitor.is_armed() && (p.stop.is_some() || p.target.is_some())).then_some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn short_levels_mirror_and_drop_a_non_positive_target() {
        let m = MonitorSettings {
            stop_loss_bps: 100,
            take_profit_bps: 10_000,
        };
        let short = m.levels(Qty::ONE.saturating_neg(), p("50")).unwrap();
        assert_eq!((short.stop, short.target), (Some(p("50.5")), None));
        assert_eq!(m.levels(Qty::ZERO, p("50")), None);
        let off = MonitorSettings::default();
        assert_eq!(off.levels(Qty::ONE, p("50")), None);
    }

    #[test]
    fn checks_the_exit_side_of_the_quote() {
        let prot = Protection {
            stop: Some(p("98")),
            target: Some(p("104")),
        };
        let long = Qty::ONE;
        assert_eq!(prot.check(long, p("98.01"), p("97")), None);
        assert_eq!(
            prot.check(long, p("98"), p("98.1")),
            Some((Trigger::Stop, p("98"), p("98")))
        );
        assert_eq!(
            prot.check(long, p("104"), p("104.1")),
            Some((Trigger::Target, p("104"), p("104")))
        );
        let short = Protection {
            stop: Some(p("102")),
            target: Some(p("96")),
        };
        let q = Qty::ONE.saturating_neg();
        assert_eq!(short.check(q, p("101.99"), p("101.99")), None);
        assert_eq!(
            short.check(q, p("101"), p("102")),
            Some((Trigger::Stop, p("102"), p("102")))
        );
        assert_eq!(
            short.check(q, p("95"), p("96")),
            Some((Trigger::Target, p("96"), p("96")))
        );
    }
}
