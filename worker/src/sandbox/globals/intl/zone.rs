//! IANA time zones from jiff's bundled database (the same in every worker, whatever
//! the host has in /usr/share/zoneinfo), and `Intl.supportedValuesOf`.

use jiff::tz::{self, TimeZone};

use crate::sandbox::runtime::text::Text;

/// Longer names are refused before the lookup.
const MAX_NAME: usize = 64;

/// The zone `name` names, spelt as the tz database spells it (`name` is matched
/// case-insensitively; links such as `US/Eastern` stay themselves), `UTC` for UTC's
/// aliases, or `None` when there is no such zone.
pub fn canonical(name: Text) -> Option<String> {
    if name.len() > MAX_NAME {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    if matches!(
        upper.as_str(),
        "UTC"
            | "ETC/UTC"
            | "GMT"
            | "ETC/GMT"
            | "Z"
            | "ETC/UCT"
            | "UCT"
            | "ETC/UNIVERSAL"
            | "UNIVERSAL"
            | "ETC/ZULU"
            | "ZULU"
            | "ETC/GREENWICH"
            | "GREENWICH"
            | "GMT0"
            | "ETC/GMT0"
            | "GMT+0"
            | "GMT-0"
            | "ETC/GMT+0"
            | "ETC/GMT-0"
    ) {
        return Some("UTC".to_owned());
    }
    let zone = TimeZone::get(&name).ok()?;
    zone.iana_name().map(str::to_owned)
}

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
            let mut names: Vec<String> = tz::db()
                .available()
                .map(|name| name.as_str().to_owned())
                .filter(|name| {
                    TimeZone::get(name).is_ok_and(|zone| zone.iana_name() == Some(name.as_str()))
                        && name.contains('/')
                        && !name.starts_with("Etc/")
                })
                .collect();
            names.push("UTC".to_owned());
            names.sort();
            names
        }
        "currency" | "unit" => Vec::new(),
        _ => return None,
    })
}
