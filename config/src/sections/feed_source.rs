//! Where market data comes from: `synthetic`, or CSV files, one per instrument.
//!
//! In TOML `feed.source = "synthetic"` or `feed.source = ["BTCUSD=data/btc.csv", ...]`;
//! on the command line `--feed synthetic` or `--feed csv:BTCUSD=data/btc.csv`
//! (repeatable). Paths are relative to the working directory.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::named::via_str;
use crate::sections::instruments::validate_symbol;
use crate::spec::SpecError;

/// `feed.source`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FeedSource {
    /// A seeded random walk per instrument (`[feed.synthetic]`).
    #[default]
    Synthetic,
    /// Replay of CSV files, one per instrument.
    Csv(Vec<CsvSpec>),
}

/// One CSV feed: `SYMBOL=PATH` (a leading `csv:` is accepted, as on the command line).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CsvSpec {
    /// The instrument the file's rows belong to.
    pub symbol: String,
    /// The file, relative to the working directory unless absolute.
    pub path: PathBuf,
}

impl FromStr for CsvSpec {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let error = |msg: String| SpecError {
            what: "csv feed spec",
            spec: spec.to_owned(),
            part: spec.to_owned(),
            msg,
        };
        let body = spec.strip_prefix("csv:").unwrap_or(spec);
        let Some((symbol, path)) = body.split_once('=') else {
            return Err(error("expected SYMBOL=PATH".to_owned()));
        };
        if path.is_empty() {
            return Err(error("expected SYMBOL=PATH, the path is empty".to_owned()));
        }
        validate_symbol("symbol", symbol).map_err(|e| error(e.msg))?;
        Ok(CsvSpec {
            symbol: symbol.to_owned(),
            path: PathBuf::from(path),
        })
    }
}

impl fmt::Display for CsvSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.symbol, self.path.display())
    }
}

impl FeedSource {
    /// Merges repeated `--feed` values: `synthetic` alone, or any number of
    /// `csv:SYMBOL=PATH`.
    ///
    /// # Errors
    ///
    /// A malformed spec, `synthetic` mixed with CSV feeds, or no value at all.
    pub fn from_cli_args<'a>(args: impl IntoIterator<Item = &'a str>) -> Result<Self, SpecError> {
        let mut specs = Vec::new();
        let mut synthetic = false;
        for arg in args {
            match arg.parse::<FeedSource>()? {
                FeedSource::Synthetic => synthetic = true,
                FeedSource::Csv(more) => specs.extend(more),
            }
        }
        let error = |msg: &str| SpecError {
            what: "feed",
            spec: String::new(),
            part: String::new(),
            msg: msg.to_owned(),
        };
        match (synthetic, specs.is_empty()) {
            (true, true) => Ok(FeedSource::Synthetic),
            (false, false) => Ok(FeedSource::Csv(specs)),
            (true, false) => Err(error("synthetic cannot be combined with csv feeds")),
            (false, true) => Err(error("no feed given")),
        }
    }
}

impl FromStr for FeedSource {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        if spec == "synthetic" {
            return Ok(FeedSource::Synthetic);
        }
        if spec.starts_with("csv:") {
            return Ok(FeedSource::Csv(vec![spec.parse()?]));
        }
        Err(SpecError {
            what: "feed",
            spec: spec.to_owned(),
            part: spec.to_owned(),
            msg: "expected synthetic or csv:SYMBOL=PATH".to_owned(),
        })
    }
}

impl Serialize for CsvSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        via_str::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for CsvSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        via_str::deserialize(d)
    }
}

impl Serialize for FeedSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FeedSource::Synthetic => s.serialize_str("synthetic"),
            FeedSource::Csv(specs) => s.collect_seq(specs),
        }
    }
}

impl<'de> Deserialize<'de> for FeedSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SourceVisitor)
    }
}

struct SourceVisitor;

impl<'de> Visitor<'de> for SourceVisitor {
    type Value = FeedSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"synthetic\" or a list of \"SYMBOL=PATH\" strings")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<FeedSource, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FeedSource, A::Error> {
        let mut specs = Vec::new();
        while let Some(spec) = seq.next_element::<CsvSpec>()? {
            specs.push(spec);
        }
        Ok(FeedSource::Csv(specs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_forms() {
        assert_eq!("synthetic".parse(), Ok(FeedSource::Synthetic));
        let csv = FeedSource::from_cli_args(["csv:BTCUSD=a.csv", "csv:ETHUSD=b.csv"]).unwrap();
        let FeedSource::Csv(specs) = csv else {
            panic!("not csv")
        };
        assert_eq!(
            specs[1],
            CsvSpec {
                symbol: "ETHUSD".into(),
                path: "b.csv".into()
            }
        );
        assert_eq!(specs[0].to_string(), "BTCUSD=a.csv");
        assert!(FeedSource::from_cli_args(["synthetic", "csv:A=a"]).is_err());
        assert!(FeedSource::from_cli_args([]).is_err());
        for bad in [
            "csv",
            "csv:",
            "csv:A",
            "csv:A=",
            "csv:=a",
            "csv:btc=a",
            "file.csv",
        ] {
            assert!(bad.parse::<FeedSource>().is_err(), "{bad}");
        }
    }
}
