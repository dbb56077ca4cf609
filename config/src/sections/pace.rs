//! How fast a CSV feed is replayed: `max`, `realtime` or `xN` (N times real time).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::named::{UnknownName, via_str};

/// Replay pace of a recorded feed (`feed.pace`, `--pace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Pace {
    /// As fast as the engine takes ticks.
    #[default]
    Max,
    /// At the timestamps' original pace.
    Realtime,
    /// `N` times faster than real time (`x10`); N is 1 to 1_000_000.
    Speed(u32),
}

impl fmt::Display for Pace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pace::Max => f.write_str("max"),
            Pace::Realtime => f.write_str("realtime"),
            Pace::Speed(n) => write!(f, "x{n}"),
        }
    }
}

impl FromStr for Pace {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "max" => Ok(Pace::Max),
            "realtime" | "x1" => Ok(Pace::Realtime),
            _ => s
                .strip_prefix('x')
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=1_000_000).contains(n))
                .map(Pace::Speed)
                .ok_or_else(|| UnknownName {
                    what: "pace",
                    got: s.to_owned(),
                    expected: "max, realtime or xN (N a whole number from 1 to 1000000)",
                }),
        }
    }
}

impl Serialize for Pace {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        via_str::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Pace {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        via_str::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_speeds() {
        assert_eq!("max".parse(), Ok(Pace::Max));
        assert_eq!("realtime".parse(), Ok(Pace::Realtime));
        assert_eq!("x1".parse(), Ok(Pace::Realtime));
        assert_eq!("x10".parse(), Ok(Pace::Speed(10)));
        assert_eq!(Pace::Speed(10).to_string(), "x10");
        for bad in [
            "",
            "x",
            "x0",
            "x+5",
            "x1.5",
            "X10",
            "10",
            "x99999999999",
            "fast",
        ] {
            assert!(bad.parse::<Pace>().is_err(), "{bad}");
        }
    }
}
