//! `Intl.NumberFormat`'s `style: 'unit'`: the pattern a number goes into ("{0} km",
//! "{0} kilometers per hour"), from CLDR's unit patterns in [`unit_data`], chosen by
//! the plural category of the number as shown.
//!
//! A unit CLDR names on its own ("kilometer-per-hour") uses its own patterns; any
//! other X-per-Y is built as ICU builds it: X's pattern inside Y's `perUnitPattern`
//! ("{0}/s"), or inside the locale's "per" pattern with Y's singular name.

use icu_locale::{Locale, LocaleFallbacker};
use icu_plurals::PluralCategory;
use icu_provider::DataLocale;

use super::unit_data::{ENDS, FORMS, LOCALES, ROWS, TEXT, UNITS};

/// How long a unit's name is (`unitDisplay`).
#[derive(Clone, Copy)]
pub enum Width {
    Long = 0,
    Short = 1,
    Narrow = 2,
}

impl Width {
    pub fn of(display: &str) -> Width {
        match display {
            "long" => Width::Long,
            "narrow" => Width::Narrow,
            _ => Width::Short,
        }
    }
}

/// The pattern ("{0} km") for `unit` (a sanctioned unit or X-per-Y of two) in
/// `locale`, for a number of the plural category `plural`; `None` for an unknown unit.
pub fn pattern(
    locale: &Locale,
    unit: &str,
    width: Width,
    plural: PluralCategory,
) -> Option<String> {
    let row = row_for(locale);
    let own = |name: &str| {
        let column = UNITS.binary_search(&name).ok()?;
        let forms = &FORMS[usize::from(row[column * 3 + width as usize])];
        let text = string(forms[plural_slot(plural)]);
        let text = if text.is_empty() {
            string(forms[5])
        } else {
            text
        };
        (!text.is_empty()).then_some((text, forms))
    };
    if let Some((text, _)) = own(unit) {
        return Some(text.to_owned());
    }
    let (numerator, denominator) = unit.split_once("-per-")?;
    let (numerator, _) = own(numerator)?;
    let (_, per_forms) = own(denominator)?;
    let per_unit = string(per_forms[6]);
    if !per_unit.is_empty() {
        return Some(per_unit.replacen("{0}", numerator, 1));
    }
    // The locale's "{0} per {1}" with the denominator's singular name ("hour").
    let singular = match string(per_forms[plural_slot(PluralCategory::One)]) {
        "" => string(per_forms[5]),
        one => one,
    };
    let name = singular.replacen("{0}", "", 1);
    let per = string(FORMS[usize::from(row[UNITS.len() * 3 + width as usize])][7]);
    let per = if per.is_empty() { "{0}/{1}" } else { per };
    Some(
        per.replacen("{1}", name.trim(), 1)
            .replacen("{0}", numerator, 1),
    )
}

/// The sanctioned simple units, for `Intl.supportedValuesOf('unit')`.
pub fn simple_units() -> impl Iterator<Item = &'static str> {
    UNITS.iter().copied().filter(|unit| !unit.contains("-per-"))
}

/// The row of the first locale in `locale`'s CLDR fallback chain ("zh-TW",
/// "zh-Hant-TW", "zh-Hant", "und") that the data has.
fn row_for(locale: &Locale) -> &'static [u16] {
    let mut chain = LocaleFallbacker::new()
        .for_config(Default::default())
        .fallback_for(DataLocale::from(locale));
    loop {
        let id = chain.get().to_string();
        if let Ok(at) = LOCALES.binary_search_by(|(tag, _)| (*tag).cmp(id.as_str())) {
            return &ROWS[usize::from(LOCALES[at].1)];
        }
        if chain.get().is_unknown() {
            // "und" is in the data; this is only reached if it were not.
            return &ROWS[0];
        }
        chain.step();
    }
}

/// Where a plural category's string is in a set of forms.
fn plural_slot(plural: PluralCategory) -> usize {
    match plural {
        PluralCategory::Zero => 0,
        PluralCategory::One => 1,
        PluralCategory::Two => 2,
        PluralCategory::Few => 3,
        PluralCategory::Many => 4,
        PluralCategory::Other => 5,
    }
}

/// String `index` of the data ("" for 0, none).
fn string(index: u16) -> &'static str {
    let index = usize::from(index);
    let start = if index == 0 { 0 } else { ENDS[index - 1] };
    TEXT.get(start as usize..ENDS[index] as usize).unwrap_or("")
}
