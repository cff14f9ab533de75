//! IANA time zones from jiff's bundled database (the same in every worker, whatever
//! the host has in /usr/share/zoneinfo), and `Intl.supportedValuesOf`.

use icu_time::zone::iana::IanaParserExtended;
use jiff::tz::TimeZone;

use crate::sandbox::runtime::text::Text;

/// Longer names are refused before the lookup.
const MAX_NAME: usize = 64;

/// The zone `name` names (case-insensitively), by its CLDR canonical identifier as
/// Node 20 gives it (`US/Eastern` is `America/New_York`, `Asia/Kolkata` is
/// `Asia/Calcutta`), `UTC` for UTC's aliases, or `None` when there is no such zone.
pub fn canonical(name: Text) -> Option<String> {
    if name.len() > MAX_NAME {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    if UTC_ALIASES.contains(&upper.as_str()) {
        return Some("UTC".to_owned());
    }
    let parsed = IanaParserExtended::new().parse(&name);
    if parsed.time_zone == icu_time::TimeZone::UNKNOWN {
        return None;
    }
    // Offsets come from jiff: a zone it does not know would be shown as UTC.
    TimeZone::get(parsed.canonical).ok()?;
    Some(parsed.canonical.to_owned())
}

/// Names of UTC, upper-cased.
const UTC_ALIASES: &[&str] = &[
    "UTC",
    "ETC/UTC",
    "GMT",
    "ETC/GMT",
    "Z",
    "ETC/UCT",
    "UCT",
    "ETC/UNIVERSAL",
    "UNIVERSAL",
    "ETC/ZULU",
    "ZULU",
    "ETC/GREENWICH",
    "GREENWICH",
    "GMT0",
    "ETC/GMT0",
    "GMT+0",
    "GMT-0",
    "ETC/GMT+0",
    "ETC/GMT-0",
];

/// The zone `name` (as [`canonical`] returned it).
pub fn get(name: &str) -> Option<TimeZone> {
    if name == "UTC" {
        return Some(TimeZone::UTC);
    }
    TimeZone::get(name).ok()
}

/// `Intl.supportedValuesOf(key)`, or `None` for a key ECMA-402 does not define.
pub fn supported_values(key: Text) -> Option<Vec<String>> {
    Some(match &*key {
        "calendar" => vec!["gregory".to_owned()],
        "collation" => vec!["default".to_owned()],
        "numberingSystem" => vec!["latn".to_owned()],
        "timeZone" => {
            let mut names: Vec<String> = IanaParserExtended::new()
                .iter()
                .map(|zone| zone.canonical)
                .filter(|name| name.contains('/') && !name.starts_with("Etc/"))
                .map(str::to_owned)
                .collect();
            names.sort();
            names.dedup();
            names
        }
        "unit" => super::unit::simple_units().map(str::to_owned).collect(),
        "currency" => Vec::new(),
        _ => return None,
    })
}
