//! The daily loss limit: [`breach_due`] decides, from the folded account alone, whether
//! the engine must publish `daily_loss_breached` now.

use crate::domain::{Account, NS_PER_DAY};

/// `true` when the account's daily P&L is at or below minus its daily loss limit and no
/// breach has been recorded yet in the current trading day: the breach is published
/// once per day, however long the loss lasts.
///
/// The limit is the folded one (`state_changed` `daily_loss_limit`), so this decision
/// is exactly what a restore rebuilds.
///
/// # Examples
///
/// ```
/// use seamless_core::domain::Account;
/// use seamless_core::risk::breach_due;
/// let mut a = Account::default();
/// a.daily_loss_limit = "100".parse().unwrap();
/// a.daily_pnl = "-100".parse().unwrap();
/// assert!(breach_due(&a));
/// a.breached_ns = 5; // recorded today (day 0)
/// assert!(!breach_due(&a));
/// ```
#[inline]
pub fn breach_due(account: &Account) -> bool {
    let breached_today =
        account.breached_ns != 0 && account.breached_ns / NS_PER_DAY >= account.day;
    account.is_loss_limit_breached() && !breached_today
}
