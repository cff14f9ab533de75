//! `Intl.PluralRules`: the CLDR plural category of a number as it would be
//! formatted (its fraction digits count: in English, "1" is `one` but "1.0" is
//! `other`).

use fixed_decimal::{Decimal, FloatPrecision};
use icu_plurals::{PluralCategory, PluralRules};
use rquickjs::{Ctx, Object, Result};

use super::options::{range_error, text};
use super::{locale, number};

/// The category of `n` under the rules `options` (as `intl.js` resolved them) name.
pub fn select<'js>(ctx: Ctx<'js>, options: Object<'js>, n: f64) -> Result<&'static str> {
    let rules = rules(
        &ctx,
        &text(&options, "locale")?.unwrap_or_default(),
        &text(&options, "type")?.unwrap_or_default(),
    )?;
    if !n.is_finite() {
        return Ok("other");
    }
    let Ok(mut decimal) = Decimal::try_from_f64(n, FloatPrecision::RoundTrip) else {
        return Ok("other");
    };
    // Rounded as a NumberFormat with the same digit options would show it.
    number::round_as(&options, &mut decimal)?;
    Ok(name(rules.category_for(&decimal)))
}

/// The categories of a locale's rules, in CLDR's order.
pub fn categories(ctx: Ctx<'_>, locale: String, kind: String) -> Result<Vec<&'static str>> {
    let rules = rules(&ctx, &locale, &kind)?;
    Ok(rules.categories().map(name).collect())
}

fn rules(ctx: &Ctx<'_>, tag: &str, kind: &str) -> Result<PluralRules> {
    let Some(locale) = locale::parse(tag) else {
        return Err(range_error(ctx, "Incorrect locale information provided"));
    };
    let made = if kind == "ordinal" {
        PluralRules::try_new_ordinal((&locale).into())
    } else {
        PluralRules::try_new_cardinal((&locale).into())
    };
    made.map_err(|err| range_error(ctx, &format!("Intl.PluralRules: {err}")))
}

fn name(category: PluralCategory) -> &'static str {
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}
