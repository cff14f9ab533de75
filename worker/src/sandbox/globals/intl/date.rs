//! `Intl.DateTimeFormat` and `Date.prototype.toLocale*String`: a time value shown in
//! an IANA time zone (offsets from jiff's tz database, names from CLDR), as ECMA-402's
//! component options or date and time styles ask.

use icu_datetime::fieldbag::DateTimeFieldBag;
use icu_datetime::fieldbag::field as bag;
use icu_datetime::fieldsets::builder::{DateFields, FieldSetBuilder, ZoneStyle};
use icu_datetime::fieldsets::enums::CompositeFieldSet;
use icu_datetime::options::{Length, TimePrecision};
use icu_datetime::preferences::HourCycle;
use icu_datetime::{DateTimeFormatter, DateTimeFormatterPreferences};
use icu_time::zone::{IanaParser, UtcOffset, ZoneNameTimestamp};
use icu_time::{TimeZone, ZonedDateTime};
use rquickjs::{Array, Ctx, Object, Result};
use writeable::Part;

use super::options::{range_error, text};
use super::parts::{Collected, to_js};
use super::{locale, zone};

/// The hour cycle `tag`'s times use by default: `h12` where they have a day period.
/// Asked only by a DateTimeFormat that shows hours.
pub fn hour_cycle(tag: String) -> &'static str {
    let Some(locale) = locale::parse(&tag) else {
        return "h23";
    };
    let mut builder = FieldSetBuilder::new();
    builder.time_precision = Some(TimePrecision::Minute);
    builder
        .build_composite()
        .ok()
        .and_then(|fields| DateTimeFormatter::try_new((&locale).into(), fields).ok())
        .map(|formatter| {
            let noon = zoned(12 * 3_600_000, "UTC");
            let parts = Collected::of(&formatter.format(&noon)).typed(date_part);
            if parts.iter().any(|(ty, _)| *ty == "dayPeriod") {
                "h12"
            } else {
                "h23"
            }
        })
        .unwrap_or("h23")
}

/// Formats the time value `ms` with the resolved options `intl.js` made, as parts.
pub fn format<'js>(ctx: Ctx<'js>, options: Object<'js>, ms: f64) -> Result<Array<'js>> {
    let Some(locale) = locale::parse(&text(&options, "locale")?.unwrap_or_default()) else {
        return Err(range_error(&ctx, "Incorrect locale information provided"));
    };
    let time_zone = text(&options, "timeZone")?.unwrap_or_else(|| "UTC".to_owned());
    let hour_cycle = text(&options, "hourCycle")?;
    let fields = match field_set(&options)? {
        Some(fields) => fields,
        None => {
            return Err(range_error(
                &ctx,
                "Intl.DateTimeFormat: these options cannot be shown together",
            ));
        }
    };
    let mut prefs = DateTimeFormatterPreferences::from(&locale);
    prefs.hour_cycle = match hour_cycle.as_deref() {
        Some("h11") => Some(HourCycle::H11),
        Some("h12") => Some(HourCycle::H12),
        Some("h23" | "h24") => Some(HourCycle::H23),
        _ => None,
    };
    let formatter = DateTimeFormatter::try_new(prefs, fields)
        .map_err(|err| range_error(&ctx, &format!("Intl.DateTimeFormat: {err}")))?;
    let zoned = zoned(ms as i64, &time_zone);
    let mut parts = Collected::of(&formatter.format(&zoned)).typed(date_part);
    if hour_cycle.as_deref() == Some("h24") {
        // ICU4X has no h24: its midnight hour is 0 where h24 says 24.
        for (ty, value) in &mut parts {
            if *ty == "hour"
                && let Some(zero) = zero_digit(value)
            {
                *value = [2, 4]
                    .iter()
                    .filter_map(|digit| char::from_u32(zero as u32 + digit))
                    .collect();
            }
        }
    }
    to_js(&ctx, &parts)
}

/// The zero digit `value` is written in when it is all zeros ("0", "00", "٠٠"), in
/// any numbering system: Unicode puts each system's digits in a run starting at a
/// code point that ends in 0.
fn zero_digit(value: &str) -> Option<char> {
    let first = value.chars().next()?;
    let zero = first.is_numeric() && (first as u32).is_multiple_of(16);
    (zero && value.chars().all(|c| c == first)).then_some(first)
}

/// The ICU4X field set for the resolved options: date and time styles, or the
/// component bag. `None` when ICU4X cannot show that combination.
fn field_set(options: &Object<'_>) -> Result<Option<CompositeFieldSet>> {
    let date_style = text(options, "dateStyle")?;
    let time_style = text(options, "timeStyle")?;
    if date_style.is_some() || time_style.is_some() {
        let mut builder = FieldSetBuilder::new();
        let length = |style: &str| match style {
            "full" | "long" => Length::Long,
            "medium" => Length::Medium,
            _ => Length::Short,
        };
        if let Some(style) = date_style.as_deref() {
            builder.date_fields = Some(if style == "full" {
                DateFields::YMDE
            } else {
                DateFields::YMD
            });
            builder.length = Some(length(style));
        }
        if let Some(style) = time_style.as_deref() {
            builder.time_precision = Some(if style == "short" {
                TimePrecision::Minute
            } else {
                TimePrecision::Second
            });
            builder.zone_style = match style {
                "full" => Some(ZoneStyle::SpecificLong),
                "long" => Some(ZoneStyle::SpecificShort),
                _ => None,
            };
            if builder.length.is_none() {
                builder.length = Some(length(style));
            }
        }
        return Ok(builder.build_composite().ok());
    }
    let mut fields = DateTimeFieldBag::default();
    let get = |key: &str| text(options, key);
    fields.era = match get("era")?.as_deref() {
        Some("long") => Some(bag::Era::Long),
        Some("narrow") => Some(bag::Era::Narrow),
        Some(_) => Some(bag::Era::Short),
        None => None,
    };
    fields.year = match get("year")?.as_deref() {
        Some("2-digit") => Some(bag::Year::TwoDigit),
        Some(_) => Some(bag::Year::Numeric),
        None => None,
    };
    fields.month = match get("month")?.as_deref() {
        Some("2-digit") => Some(bag::Month::TwoDigit),
        Some("numeric") => Some(bag::Month::Numeric),
        Some("narrow") => Some(bag::Month::Narrow),
        Some("short") => Some(bag::Month::Short),
        Some(_) => Some(bag::Month::Long),
        None => None,
    };
    fields.day = match get("day")?.as_deref() {
        Some("2-digit") => Some(bag::Day::TwoDigit),
        Some(_) => Some(bag::Day::Numeric),
        None => None,
    };
    fields.weekday = match get("weekday")?.as_deref() {
        Some("narrow") => Some(bag::Weekday::Narrow),
        Some("short") => Some(bag::Weekday::Short),
        Some(_) => Some(bag::Weekday::Long),
        None => None,
    };
    fields.day_period = match get("dayPeriod")?.as_deref() {
        Some("narrow") => Some(bag::DayPeriod::FlexibleNarrow),
        Some("short") => Some(bag::DayPeriod::FlexibleShort),
        Some("long") => Some(bag::DayPeriod::FlexibleLong),
        _ => None,
    };
    let numeric = |value: Option<String>| value.map(|v| v == "2-digit");
    fields.hour = numeric(get("hour")?).map(|two| {
        if two {
            bag::Hour::TwoDigit
        } else {
            bag::Hour::Numeric
        }
    });
    fields.minute = numeric(get("minute")?).map(|two| {
        if two {
            bag::Minute::TwoDigit
        } else {
            bag::Minute::Numeric
        }
    });
    fields.second = numeric(get("second")?).map(|two| {
        if two {
            bag::Second::TwoDigit
        } else {
            bag::Second::Numeric
        }
    });
    // ICU4X shows minutes and seconds only under the hour.
    if fields.hour.is_none() && (fields.minute.is_some() || fields.second.is_some()) {
        fields.hour = Some(bag::Hour::Numeric);
    }
    if fields.minute.is_none() && fields.second.is_some() {
        fields.minute = Some(bag::Minute::TwoDigit);
    }
    fields.fractional_second_digits =
        match options.get::<_, Option<f64>>("fractionalSecondDigits")? {
            Some(n) if n >= 3.0 => Some(bag::FractionalSecondDigits::F3),
            Some(n) if n >= 2.0 => Some(bag::FractionalSecondDigits::F2),
            Some(_) => Some(bag::FractionalSecondDigits::F1),
            None => None,
        };
    fields.time_zone_name = match get("timeZoneName")?.as_deref() {
        Some("short") => Some(bag::TimeZoneName::ShortSpecific),
        Some("long") => Some(bag::TimeZoneName::LongSpecific),
        Some("shortOffset") => Some(bag::TimeZoneName::ShortOffset),
        Some("longOffset") => Some(bag::TimeZoneName::LongOffset),
        Some("shortGeneric") => Some(bag::TimeZoneName::ShortGeneric),
        Some("longGeneric") => Some(bag::TimeZoneName::LongGeneric),
        _ => None,
    };
    Ok(fields.to_field_set_builder().build_composite().ok())
}

/// The time value `ms` in the zone `name` (UTC when jiff does not know it).
fn zoned(
    ms: i64,
    name: &str,
) -> ZonedDateTime<icu_calendar::Iso, icu_time::TimeZoneInfo<icu_time::zone::models::AtTime>> {
    // jiff's instants end at the years ±9999; JavaScript's go further. Past them the
    // offset at the edge is used.
    const EDGE: i64 = 253_402_207_200_000 - 86_400_000;
    let seconds = zone::get(name)
        .and_then(|tz| {
            let at = jiff::Timestamp::from_millisecond(ms.clamp(-EDGE, EDGE)).ok()?;
            Some(tz.to_offset(at).seconds())
        })
        .unwrap_or(0);
    let offset = UtcOffset::try_from_seconds(seconds).unwrap_or(UtcOffset::zero());
    let local = ZonedDateTime::from_epoch_milliseconds_and_utc_offset(ms, offset);
    let id = if name == "UTC" {
        IanaParser::new().parse("Etc/UTC")
    } else {
        IanaParser::new().parse(name)
    };
    let id = if id == TimeZone::UNKNOWN && seconds == 0 {
        IanaParser::new().parse("Etc/UTC")
    } else {
        id
    };
    let zone = id
        .with_offset(Some(offset))
        .with_zone_name_timestamp(ZoneNameTimestamp::from_epoch_seconds(ms.div_euclid(1000)));
    ZonedDateTime {
        date: local.date,
        time: local.time,
        zone,
    }
}

/// ECMA-402's name for a date part: the outermost date field covering it, with the
/// fraction of a second (inside `second`) split off as `fractionalSecond`.
fn date_part(parts: &[Part]) -> Option<&'static str> {
    use icu_datetime::parts as p;
    let outer = parts.iter().find_map(|part| {
        Some(match *part {
            p::ERA => "era",
            p::YEAR | p::EXTENDED_YEAR => "year",
            p::RELATED_YEAR => "relatedYear",
            p::YEAR_NAME => "yearName",
            p::MONTH => "month",
            p::DAY => "day",
            p::WEEKDAY => "weekday",
            p::DAY_PERIOD => "dayPeriod",
            p::HOUR => "hour",
            p::MINUTE => "minute",
            p::SECOND => "second",
            p::TIME_ZONE_NAME => "timeZoneName",
            _ => return None,
        })
    })?;
    if outer == "second" {
        match parts.last() {
            Some(&icu_decimal::parts::DECIMAL) => return Some("literal"),
            Some(&icu_decimal::parts::FRACTION) => return Some("fractionalSecond"),
            _ => {}
        }
    }
    Some(outer)
}
