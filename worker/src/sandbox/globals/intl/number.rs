//! `Intl.NumberFormat`: decimal, percent, currency and compact notation, with
//! ECMA-402's digit options applied to a `fixed_decimal::Decimal` before ICU4X
//! formats it (ICU4X's formatters do not round).
//!
//! Unit patterns come from CLDR's data in [`super::unit`]. Percent and currency patterns come from `icu_experimental`'s formatters; the
//! number inside them is always this module's own (their formatters would round to
//! the currency's digits whatever the options say).

use fixed_decimal::{
    CompactDecimal, Decimal, FloatPrecision, RoundingIncrement, Sign, SignDisplay,
    SignedRoundingMode, UnsignedRoundingMode,
};
use icu_decimal::options::{CompactDecimalFormatterOptions, GroupingStrategy};
use icu_decimal::{CompactDecimalFormatter, DecimalFormatter, DecimalFormatterPreferences};
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::dimension::currency::options::{CurrencyFormatterOptions, CurrencyUsage};
use icu_experimental::dimension::percent::formatter::PercentFormatter;
use icu_locale::Locale;
use icu_plurals::{PluralCategory, PluralOperands, PluralRules};
use icu_provider::prelude::*;
use rquickjs::{Array, Ctx, Object, Result, Value};
use writeable::Writeable;

use super::options::{count, range_error, text};
use super::parts::{Collected, innermost_number, to_js};
use super::{locale, unit};

/// `[locale, numberingSystem]` of a NumberFormat for `locale` (resolved already) and
/// the requested numbering system, which is kept only when the data has its digits.
pub fn setup(locale: String, numbering: Option<String>) -> Option<Vec<String>> {
    let mut parsed = locale::parse(&locale)?;
    let key = icu_locale::extensions::unicode::key!("nu");
    let requested = numbering.or_else(|| {
        parsed
            .extensions
            .unicode
            .keywords
            .get(&key)
            .map(|value| value.to_string())
    });
    parsed.extensions = Default::default();
    let default = default_numbering(&parsed).unwrap_or_else(|| "latn".to_owned());
    let numbering = match requested {
        Some(nu) if nu != default && has_digits(&nu) => {
            if let Ok(value) = icu_locale::extensions::unicode::Value::try_from_str(&nu) {
                parsed.extensions.unicode.keywords.set(key, value);
            }
            nu
        }
        _ => default,
    };
    Some(vec![parsed.to_string(), numbering])
}

/// The numbering system the data uses for `locale` by default.
fn default_numbering(locale: &Locale) -> Option<String> {
    let data_locale = DataLocale::from(locale);
    let response = DataProvider::<icu_decimal::provider::DecimalSymbolsV1>::load(
        &icu_decimal::provider::Baked,
        DataRequest {
            id: DataIdentifierBorrowed::for_locale(&data_locale),
            ..Default::default()
        },
    )
    .ok()?;
    Some(response.payload.get().numsys().to_owned())
}

/// Whether the data has digits for the numbering system `nu`.
fn has_digits(nu: &str) -> bool {
    let Ok(attributes) = DataMarkerAttributes::try_from_str(nu) else {
        return false;
    };
    DataProvider::<icu_decimal::provider::DecimalDigitsV1>::load(
        &icu_decimal::provider::Baked,
        DataRequest {
            id: DataIdentifierBorrowed::for_marker_attributes(attributes),
            ..Default::default()
        },
    )
    .is_ok()
}

/// Formats `value` (a number, or a decimal string: BigInts and exact strings) with
/// the resolved options `intl.js` made, as `[[type, value], ...]`.
pub fn format<'js>(ctx: Ctx<'js>, options: Object<'js>, value: Value<'js>) -> Result<Array<'js>> {
    let resolved = Resolved::read(&options)?;
    let Some(locale) = locale::parse(&resolved.locale) else {
        return Err(range_error(&ctx, "Incorrect locale information provided"));
    };
    let number = match value.as_string() {
        Some(digits) => {
            let digits = digits.to_string()?;
            match digits.parse::<Decimal>() {
                Ok(decimal) if within_reach(&decimal) => Number::Finite(decimal),
                // Beyond what the rounding arithmetic reaches, or a form ICU4X does not
                // parse ("1e+21", "5."): as the double it is.
                _ => of_double(digits.trim().parse::<f64>().unwrap_or(f64::NAN)),
            }
        }
        None => of_double(value.as_number().unwrap_or(f64::NAN)),
    };
    let parts = match number {
        Number::Finite(decimal) => resolved.finite(&locale, decimal),
        Number::Special(x) => resolved.special(&locale, x),
    }
    .map_err(|message| range_error(&ctx, &message))?;
    to_js(&ctx, &parts)
}

/// Rounds `decimal` by the digit options in `options` (resolved by `intl.js`), as
/// `format` would: for `Intl.PluralRules`, whose category depends on the digits shown.
pub fn round_as(options: &Object<'_>, decimal: &mut Decimal) -> Result<()> {
    Resolved::read(options)?.round(decimal);
    Ok(())
}

/// Formatted parts, or why ICU4X could not make them.
type Parts = std::result::Result<Vec<Part>, String>;

/// One part: its `formatToParts` type and its text.
type Part = (&'static str, String);

enum Number {
    Finite(Decimal),
    Special(f64),
}

/// Magnitudes past this (a thousand digits either side of the point) are taken as a
/// double: rounding positions are `i16`s, and a job's million-digit BigInt would
/// otherwise cost every step its length.
const REACH: i16 = 1000;

fn within_reach(decimal: &Decimal) -> bool {
    let range = decimal.magnitude_range();
    *range.start() >= -REACH && *range.end() <= REACH
}

fn of_double(x: f64) -> Number {
    match Decimal::try_from_f64(x, FloatPrecision::RoundTrip) {
        Ok(decimal) if x.is_finite() && within_reach(&decimal) => Number::Finite(decimal),
        // A double's magnitude is within ±400; only NaN and the infinities get here.
        _ => Number::Special(x),
    }
}

/// The options of one NumberFormat, as `intl.js` resolved them.
struct Resolved {
    locale: String,
    style: String,
    currency: Option<String>,
    currency_display: String,
    accounting: bool,
    unit: Option<String>,
    unit_display: String,
    notation: String,
    compact_display: String,
    minimum_integer_digits: i16,
    fraction: (i16, i16),
    significant: (i16, i16),
    rounding_type: String,
    rounding_mode: String,
    rounding_increment: i16,
    strip_if_integer: bool,
    grouping: GroupingStrategy,
    sign_display: String,
}

impl Resolved {
    fn read(options: &Object<'_>) -> Result<Resolved> {
        let string = |key: &str, fallback: &str| -> Result<String> {
            Ok(text(options, key)?.unwrap_or_else(|| fallback.to_owned()))
        };
        let grouping = match options.get::<_, Value>("useGrouping")?.as_string() {
            Some(value) => match value.to_string()?.as_str() {
                "always" => GroupingStrategy::Always,
                "min2" => GroupingStrategy::Min2,
                _ => GroupingStrategy::Auto,
            },
            None => GroupingStrategy::Never,
        };
        Ok(Resolved {
            locale: string("locale", "en-US")?,
            style: string("style", "decimal")?,
            currency: text(options, "currency")?,
            currency_display: string("currencyDisplay", "symbol")?,
            accounting: string("currencySign", "standard")? == "accounting",
            unit: text(options, "unit")?,
            unit_display: string("unitDisplay", "short")?,
            notation: string("notation", "standard")?,
            compact_display: string("compactDisplay", "short")?,
            minimum_integer_digits: count(options, "minimumIntegerDigits")?.unwrap_or(1),
            fraction: (
                count(options, "minimumFractionDigits")?.unwrap_or(0),
                count(options, "maximumFractionDigits")?.unwrap_or(3),
            ),
            significant: (
                count(options, "minimumSignificantDigits")?.unwrap_or(1),
                count(options, "maximumSignificantDigits")?.unwrap_or(21),
            ),
            rounding_type: string("roundingType", "fractionDigits")?,
            rounding_mode: string("roundingMode", "halfExpand")?,
            rounding_increment: count(options, "roundingIncrement")?.unwrap_or(1),
            strip_if_integer: string("trailingZeroDisplay", "auto")? == "stripIfInteger",
            grouping,
            sign_display: string("signDisplay", "auto")?,
        })
    }

    /// The parts of a finite number.
    fn finite(&self, locale: &Locale, mut decimal: Decimal) -> Parts {
        if self.style == "percent" {
            decimal.multiply_pow10(2);
        }
        let (number, shown) = if self.notation == "compact" {
            let (number, exponent) = self.compact(locale, decimal.clone())?;
            let shown = shown_decimal(&number).map(|significand| {
                PluralOperands::from(&CompactDecimal::from_significand_and_exponent(
                    significand,
                    exponent,
                ))
            });
            (number, shown)
        } else if self.notation == "scientific" || self.notation == "engineering" {
            let number = self.scientific(locale, &decimal)?;
            let shown =
                shown_decimal(&number).map(|significand| PluralOperands::from(&significand));
            (number, shown)
        } else {
            self.round(&mut decimal);
            decimal.apply_sign_display(self.sign());
            let number = Collected::of(&self.decimal_formatter(locale)?.format(&decimal))
                .typed(innermost_number);
            (number, Some(PluralOperands::from(&decimal)))
        };
        self.styled(locale, &decimal, shown, number)
    }

    /// Scientific ("1.235E5") and engineering ("123.456E3") notation, which ICU4X
    /// does not have: the significand rounded by the digit options, then the exponent.
    fn scientific(&self, locale: &Locale, decimal: &Decimal) -> Parts {
        let step = if self.notation == "engineering" { 3 } else { 1 };
        let significand_at = |exponent: i16| {
            let mut significand = decimal.clone();
            significand.multiply_pow10(-exponent);
            self.round(&mut significand);
            significand
        };
        let mut exponent = if decimal.is_zero() {
            0
        } else {
            decimal.nonzero_magnitude_start().div_euclid(step) * step
        };
        let mut significand = significand_at(exponent);
        // Rounding may carry into one more digit (9.9996 to 10.000): one step up.
        if !significand.is_zero() && significand.nonzero_magnitude_start() >= step {
            exponent += step;
            significand = significand_at(exponent);
        }
        significand.apply_sign_display(self.sign());
        let mut parts = Collected::of(&self.decimal_formatter(locale)?.format(&significand))
            .typed(innermost_number);
        parts.push(("exponentSeparator", "E".to_owned()));
        if exponent < 0 {
            parts.push(("exponentMinusSign", "-".to_owned()));
        }
        parts.push(("exponentInteger", exponent.unsigned_abs().to_string()));
        Ok(parts)
    }

    /// NaN and the infinities, which no formatter takes, in the style's pattern.
    fn special(&self, locale: &Locale, x: f64) -> Parts {
        let negative = x < 0.0;
        let mut parts = Vec::new();
        match self.sign_display.as_str() {
            "never" => {}
            "always" | "exceptZero" if !x.is_nan() => parts.push(if negative {
                ("minusSign", "-".to_owned())
            } else {
                ("plusSign", "+".to_owned())
            }),
            _ if negative => parts.push(("minusSign", "-".to_owned())),
            _ => {}
        }
        parts.push(if x.is_nan() {
            ("nan", "NaN".to_owned())
        } else {
            ("infinity", "∞".to_owned())
        });
        let shown = Decimal::from(if negative { -1 } else { 1 });
        self.styled(locale, &shown, None, parts)
    }

    /// `number`'s parts in the style's pattern (`value` is the number they show,
    /// `shown` its plural operands, `None` for NaN and the infinities): "12 %",
    /// "-%12", "1.234,50 €", "$1.2M", "1.2M bytes".
    fn styled(
        &self,
        locale: &Locale,
        value: &Decimal,
        shown: Option<PluralOperands>,
        number: Vec<(&'static str, String)>,
    ) -> Parts {
        let failed = |err: DataError| format!("Intl.NumberFormat: {err}");
        match self.style.as_str() {
            "percent" => {
                let mut unsigned = value.clone();
                unsigned.set_sign(Sign::None);
                let plain = self
                    .decimal_formatter(locale)?
                    .format(&unsigned)
                    .write_to_string()
                    .into_owned();
                let percent = PercentFormatter::try_new_with_decimal_formatter(
                    locale.into(),
                    self.decimal_formatter(locale)?,
                    Default::default(),
                )
                .map_err(failed)?;
                let whole = percent.format(&unsigned).write_to_string().into_owned();
                let signs = number.iter().take_while(|(ty, _)| is_sign(ty)).count();
                let mut parts = number[..signs].to_vec();
                parts.extend(wrap(&whole, &plain, &number[signs..], "percentSign"));
                Ok(parts)
            }
            "currency" => {
                let code = self.currency.as_deref().unwrap_or("XXX");
                let currency = CurrencyType::try_from_str(code)
                    .map_err(|_| format!("Invalid currency code : {code}"))?;
                let prefs = locale.into();
                // As ICU: compact notation keeps the minus sign of the standard pattern.
                let accounting = self.accounting && self.notation != "compact";
                let options = CurrencyFormatterOptions::from(if accounting {
                    CurrencyUsage::Accounting
                } else {
                    CurrencyUsage::Standard
                });
                let formatter = match self.currency_display.as_str() {
                    "code" => CurrencyFormatter::try_new_code(prefs, currency, options),
                    "name" => CurrencyFormatter::try_new_name(prefs, currency),
                    "narrowSymbol" => {
                        CurrencyFormatter::try_new_symbol_narrow(prefs, currency, options)
                    }
                    _ => CurrencyFormatter::try_new_symbol(prefs, currency, options),
                }
                .map_err(failed)?;
                let shaped =
                    Collected::of(&formatter.format_fixed_decimal(value)).typed(innermost_number);
                Ok(substitute(&shaped, &number))
            }
            "unit" => {
                let plural = shown.map_or(PluralCategory::Other, |shown| {
                    PluralRules::try_new_cardinal(locale.into())
                        .map_or(PluralCategory::Other, |rules| rules.category_for(shown))
                });
                Ok(self.unit_styled(locale, plural, number))
            }
            _ => Ok(number),
        }
    }

    /// `number` inside the unit's pattern for `plural`: "5 km", "5 kilometers per hour".
    fn unit_styled(
        &self,
        locale: &Locale,
        plural: PluralCategory,
        number: Vec<(&'static str, String)>,
    ) -> Vec<(&'static str, String)> {
        let unit = self.unit.as_deref().unwrap_or_default();
        let width = unit::Width::of(&self.unit_display);
        let Some(pattern) = unit::pattern(locale, unit, width, plural) else {
            return number;
        };
        let Some((before, after)) = pattern.split_once("{0}") else {
            return number;
        };
        let mut parts = named_affix(before, "unit");
        parts.extend(number);
        parts.extend(named_affix(after, "unit"));
        parts
    }

    fn decimal_formatter(&self, locale: &Locale) -> std::result::Result<DecimalFormatter, String> {
        DecimalFormatter::try_new(
            DecimalFormatterPreferences::from(locale),
            self.grouping.into(),
        )
        .map_err(|err| format!("Intl.NumberFormat: {err}"))
    }

    /// Compact notation ("1.2K"): ICU4X's own rounding unless digits were asked for;
    /// the parts and the power of ten the significand is shown in.
    fn compact(
        &self,
        locale: &Locale,
        mut decimal: Decimal,
    ) -> std::result::Result<(Vec<Part>, u8), String> {
        let prefs = locale.into();
        let mut options = CompactDecimalFormatterOptions::default();
        options.grouping_strategy = Some(self.grouping);
        let formatter = if self.compact_display == "long" {
            CompactDecimalFormatter::try_new_long(prefs, options)
        } else {
            CompactDecimalFormatter::try_new_short(prefs, options)
        }
        .map_err(|err| format!("Intl.NumberFormat: {err}"))?;
        decimal.apply_sign_display(self.sign());
        let exponent = formatter.compact_exponent_for_magnitude(decimal.nonzero_magnitude_start());
        let text = if self.rounding_type == "morePrecision" && self.fraction == (0, 0) {
            formatter.format(&decimal).write_to_string().into_owned()
        } else {
            let mut significand = decimal.clone();
            significand.multiply_pow10(-i16::from(exponent));
            self.round(&mut significand);
            match formatter.format_with_exponent(&significand, exponent) {
                Ok(formatted) => formatted.write_to_string().into_owned(),
                Err(_) => formatter.format(&decimal).write_to_string().into_owned(),
            }
        };
        // The locale's decimal separator, to tell it from a group separator.
        let one_and_a_half = "1.5".parse::<Decimal>().unwrap_or_default();
        let separator = Collected::of(&self.decimal_formatter(locale)?.format(&one_and_a_half))
            .typed(innermost_number)
            .into_iter()
            .find(|(ty, _)| *ty == "decimal")
            .map_or_else(|| ".".to_owned(), |(_, text)| text);
        Ok((compact_parts(&text, &separator), exponent))
    }

    fn sign(&self) -> SignDisplay {
        match self.sign_display.as_str() {
            "never" => SignDisplay::Never,
            "always" => SignDisplay::Always,
            "exceptZero" => SignDisplay::ExceptZero,
            "negative" => SignDisplay::Negative,
            _ => SignDisplay::Auto,
        }
    }

    fn mode(&self) -> SignedRoundingMode {
        use SignedRoundingMode as S;
        use UnsignedRoundingMode as U;
        match self.rounding_mode.as_str() {
            "ceil" => S::Ceil,
            "floor" => S::Floor,
            "halfCeil" => S::HalfCeil,
            "halfFloor" => S::HalfFloor,
            "expand" => S::Unsigned(U::Expand),
            "trunc" => S::Unsigned(U::Trunc),
            "halfTrunc" => S::Unsigned(U::HalfTrunc),
            "halfEven" => S::Unsigned(U::HalfEven),
            _ => S::Unsigned(U::HalfExpand),
        }
    }

    /// ECMA-402's digit options: fraction digits, significant digits, or whichever
    /// of the two keeps more (or less) precision.
    fn round(&self, decimal: &mut Decimal) {
        match self.rounding_type.as_str() {
            "significantDigits" => self.round_significant(decimal),
            "morePrecision" | "lessPrecision" => {
                // ECMA-402: the result whose rounding position is lower is the more
                // precise; ties go to significant digits for morePrecision.
                let (_, shift) = increment(self.rounding_increment);
                let by_fraction = shift - self.fraction.1;
                let by_significant = decimal.nonzero_magnitude_start() - (self.significant.1 - 1);
                let significant_finer = by_significant <= by_fraction;
                if significant_finer == (self.rounding_type == "morePrecision") {
                    self.round_significant(decimal);
                } else {
                    self.round_fraction(decimal);
                }
            }
            _ => self.round_fraction(decimal),
        }
        if self.strip_if_integer {
            let mut trimmed = decimal.clone();
            trimmed.trim_end();
            if *trimmed.magnitude_range().start() >= 0 {
                *decimal = trimmed;
            }
        }
        decimal.pad_start(self.minimum_integer_digits);
    }

    fn round_fraction(&self, decimal: &mut Decimal) {
        let (min, max) = self.fraction;
        let (increment, shift) = increment(self.rounding_increment);
        decimal.round_with_mode_and_increment(shift - max, self.mode(), increment);
        decimal.trim_end();
        decimal.pad_end(-min);
    }

    fn round_significant(&self, decimal: &mut Decimal) {
        let (min, max) = self.significant;
        let magnitude = decimal.nonzero_magnitude_start();
        decimal.round_with_mode(magnitude - (max - 1), self.mode());
        decimal.trim_end();
        decimal.trim_start();
        let magnitude = decimal.nonzero_magnitude_start();
        decimal.pad_end(magnitude - (min - 1));
    }
}

/// ECMA-402's rounding increment as ICU4X's (1, 2, 5 or 25) and the power of ten it
/// is shifted by.
fn increment(increment: i16) -> (RoundingIncrement, i16) {
    let (base, shift) = match increment {
        10 | 20 | 50 => (increment / 10, 1),
        250 => (25, 1),
        100 | 200 | 500 => (increment / 100, 2),
        2500 => (25, 2),
        1000 | 2000 | 5000 => (increment / 1000, 3),
        other => (other, 0),
    };
    let base = match base {
        2 => RoundingIncrement::MultiplesOf2,
        5 => RoundingIncrement::MultiplesOf5,
        25 => RoundingIncrement::MultiplesOf25,
        _ => RoundingIncrement::MultiplesOf1,
    };
    (base, shift)
}

/// A pattern's text (`whole`, e.g. "12 %") around the number as the plain decimal
/// formatter writes it (`plain`): the parts `number` in its place, and the rest as
/// `symbol` where it is not white space.
fn wrap(
    whole: &str,
    plain: &str,
    number: &[(&'static str, String)],
    symbol: &'static str,
) -> Vec<(&'static str, String)> {
    let Some(at) = whole.find(plain).filter(|_| !plain.is_empty()) else {
        return number.to_vec();
    };
    let mut parts = affix(&whole[..at], symbol);
    parts.extend(number.iter().cloned());
    parts.extend(affix(&whole[at + plain.len()..], symbol));
    parts
}

/// Text around a number: white space is `literal`, the rest `symbol`.
fn affix(text: &str, symbol: &'static str) -> Vec<(&'static str, String)> {
    let mut parts: Vec<(&'static str, String)> = Vec::new();
    for ch in text.chars() {
        let ty = if ch.is_whitespace() {
            "literal"
        } else {
            symbol
        };
        match parts.last_mut() {
            Some((last, value)) if *last == ty => value.push(ch),
            _ => parts.push((ty, ch.to_string())),
        }
    }
    parts
}

fn is_sign(ty: &str) -> bool {
    matches!(ty, "minusSign" | "plusSign")
}

/// The currency formatter's output with its number replaced by `number`'s (its sign
/// stays where the locale's pattern puts it): the formatter's digits are rounded to
/// the currency's, whatever the options say.
fn substitute(
    shaped: &[(&'static str, String)],
    number: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let is_digits = |ty: &str| matches!(ty, "integer" | "group" | "decimal" | "fraction");
    let first = shaped.iter().position(|(ty, _)| is_digits(ty));
    let last = shaped.iter().rposition(|(ty, _)| is_digits(ty));
    let (Some(first), Some(last)) = (first, last) else {
        return number.to_vec();
    };
    let mut parts = Vec::new();
    for (ty, value) in &shaped[..first] {
        parts.extend(currency_affix(ty, value));
    }
    parts.extend(number.iter().filter(|(ty, _)| !is_sign(ty)).cloned());
    for (ty, value) in &shaped[last + 1..] {
        parts.extend(currency_affix(ty, value));
    }
    parts
}

/// A pattern's text on one side of the number: white space and an accounting
/// pattern's parentheses at either end are `literal`, the rest one part of type `ty`
/// ("kilometers per hour", "US dollars").
fn named_affix(text: &str, ty: &'static str) -> Vec<(&'static str, String)> {
    let is_literal = |ch: char| ch.is_whitespace() || ch == '(' || ch == ')';
    let inner = text.trim_matches(is_literal);
    if inner.is_empty() {
        return affix(text, "literal");
    }
    let start = text.len() - text.trim_start_matches(is_literal).len();
    let end = start + inner.len();
    let mut parts = affix(&text[..start], "literal");
    parts.push((ty, inner.to_owned()));
    parts.extend(affix(&text[end..], "literal"));
    parts
}

/// The number compact or scientific notation shows ("1.2" of "1.2K"), for its
/// plural category; `None` where its digits are not ASCII.
fn shown_decimal(number: &[(&'static str, String)]) -> Option<Decimal> {
    let mut digits = String::new();
    for (ty, value) in number {
        match *ty {
            "integer" | "fraction" if value.bytes().all(|b| b.is_ascii_digit()) => {
                digits.push_str(value)
            }
            "integer" | "fraction" => return None,
            "decimal" => digits.push('.'),
            "exponentSeparator" => break,
            _ => {}
        }
    }
    digits.parse().ok()
}

fn currency_affix(ty: &'static str, value: &str) -> Vec<(&'static str, String)> {
    if ty == "literal" {
        named_affix(value, "currency")
    } else {
        vec![(ty, value.to_owned())]
    }
}

/// Compact output, which ICU4X does not annotate: digits, the locale's decimal
/// `separator` after the first of them and other separators between digits, then the
/// rest as `compact` (white space as `literal`).
fn compact_parts(text: &str, separator: &str) -> Vec<(&'static str, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts: Vec<(&'static str, String)> = Vec::new();
    let mut after_decimal = false;
    for (i, &ch) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_numeric()
            && chars.get(i + 1).is_some_and(|next| next.is_numeric());
        let ty = if ch.is_numeric() {
            if after_decimal { "fraction" } else { "integer" }
        } else if ch == '-' || ch == '\u{2212}' {
            "minusSign"
        } else if ch == '+' {
            "plusSign"
        } else if between_digits && separator.starts_with(ch) && !after_decimal {
            after_decimal = true;
            "decimal"
        } else if between_digits {
            "group"
        } else if ch.is_whitespace() {
            "literal"
        } else {
            "compact"
        };
        match parts.last_mut() {
            Some((last, value)) if *last == ty && ty != "decimal" && ty != "group" => {
                value.push(ch)
            }
            _ => parts.push((ty, ch.to_string())),
        }
    }
    parts
}
