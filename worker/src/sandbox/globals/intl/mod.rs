//! Native half of `Intl` (`intl.js`): locales, numbers, plurals, lists, collation,
//! relative time and dates, formatted by ICU4X with its compiled-in CLDR data, and
//! time zones from jiff's bundled tz database. The JavaScript half reads and checks
//! the options; these functions take only resolved, plain values (the options object
//! `intl.js` made itself), so no job code runs while ICU4X works.
//!
//! Formatters are made per call from static data, except collators, which a sort
//! calls thousands of times: [`recent`] keeps the last few. What a job sees depends
//! only on its arguments, never on what an earlier job formatted.

mod collator;
mod date;
mod list;
mod locale;
mod locale_object;
mod number;
mod options;
mod parts;
mod plural;
mod recent;
mod relative;
mod unit;
#[rustfmt::skip]
mod unit_data;
mod zone;

use rquickjs::{Ctx, Object, Result};

use crate::sandbox::runtime::pins::host_function;

/// Adds the `intl*` helpers to `host`, unless a part added them already.
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    if host.contains_key("intlCanonicalLocale")? {
        return Ok(());
    }
    host.set(
        "intlCanonicalLocale",
        host_function(ctx, locale::canonical)?,
    )?;
    host.set("intlResolveLocale", host_function(ctx, locale::resolve)?)?;
    host.set("intlLocaleMake", host_function(ctx, locale_object::make)?)?;
    host.set(
        "intlLocaleFields",
        host_function(ctx, locale_object::fields)?,
    )?;
    host.set(
        "intlLocaleMaximize",
        host_function(ctx, locale_object::maximize)?,
    )?;
    host.set(
        "intlLocaleMinimize",
        host_function(ctx, locale_object::minimize)?,
    )?;
    host.set("intlNumberSetup", host_function(ctx, number::setup)?)?;
    host.set("intlNumberFormat", host_function(ctx, number::format)?)?;
    host.set("intlPluralSelect", host_function(ctx, plural::select)?)?;
    host.set(
        "intlPluralCategories",
        host_function(ctx, plural::categories)?,
    )?;
    host.set("intlListFormat", host_function(ctx, list::format)?)?;
    host.set("intlCompare", host_function(ctx, collator::compare)?)?;
    host.set("intlRelativeFormat", host_function(ctx, relative::format)?)?;
    host.set("intlTimeZone", host_function(ctx, zone::canonical)?)?;
    host.set("intlHourCycle", host_function(ctx, date::hour_cycle)?)?;
    host.set("intlDateFormat", host_function(ctx, date::format)?)?;
    host.set(
        "intlSupportedValues",
        host_function(ctx, zone::supported_values)?,
    )
}
