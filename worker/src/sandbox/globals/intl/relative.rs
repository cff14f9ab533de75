//! `Intl.RelativeTimeFormat`: "in 3 days", "yesterday".

use fixed_decimal::{Decimal, FloatPrecision, Sign, SignedRoundingMode, UnsignedRoundingMode};
use icu_experimental::relativetime::options::Numeric;
use icu_experimental::relativetime::{RelativeTimeFormatter, RelativeTimeFormatterOptions};
use rquickjs::{Array, Ctx, Object, Result};

use super::locale;
use super::options::{range_error, text};
use super::parts::{Collected, innermost_number};

/// `value` `unit`s from now (negative: ago), as `[[type, value, unit?], ...]`: the
/// number's parts carry the unit, as `formatToParts` shows them.
pub fn format<'js>(
    ctx: Ctx<'js>,
    options: Object<'js>,
    value: f64,
    unit: String,
) -> Result<Array<'js>> {
    let Some(locale) = locale::parse(&text(&options, "locale")?.unwrap_or_default()) else {
        return Err(range_error(&ctx, "Incorrect locale information provided"));
    };
    let auto = text(&options, "numeric")?.as_deref() == Some("auto");
    let numeric = if auto { Numeric::Auto } else { Numeric::Always };
    let formatter_options = RelativeTimeFormatterOptions::default().with_numeric(numeric);
    let style = text(&options, "style")?.unwrap_or_default();
    let prefs = (&locale).into();
    macro_rules! pick {
        ($($style:literal, $unit:literal => $make:ident),* $(,)?) => {
            match (style.as_str(), unit.as_str()) {
                $(($style, $unit) => RelativeTimeFormatter::$make(prefs, formatter_options),)*
                _ => return Err(range_error(&ctx, &format!("Invalid unit argument for format() '{unit}'"))),
            }
        };
    }
    let formatter = pick!(
        "long", "second" => try_new_long_second, "long", "minute" => try_new_long_minute,
        "long", "hour" => try_new_long_hour, "long", "day" => try_new_long_day,
        "long", "week" => try_new_long_week, "long", "month" => try_new_long_month,
        "long", "quarter" => try_new_long_quarter, "long", "year" => try_new_long_year,
        "short", "second" => try_new_short_second, "short", "minute" => try_new_short_minute,
        "short", "hour" => try_new_short_hour, "short", "day" => try_new_short_day,
        "short", "week" => try_new_short_week, "short", "month" => try_new_short_month,
        "short", "quarter" => try_new_short_quarter, "short", "year" => try_new_short_year,
        "narrow", "second" => try_new_narrow_second, "narrow", "minute" => try_new_narrow_minute,
        "narrow", "hour" => try_new_narrow_hour, "narrow", "day" => try_new_narrow_day,
        "narrow", "week" => try_new_narrow_week, "narrow", "month" => try_new_narrow_month,
        "narrow", "quarter" => try_new_narrow_quarter, "narrow", "year" => try_new_narrow_year,
    )
    .map_err(|err| range_error(&ctx, &format!("Intl.RelativeTimeFormat: {err}")))?;
    let Ok(mut decimal) = Decimal::try_from_f64(value, FloatPrecision::RoundTrip) else {
        return Err(range_error(&ctx, "Invalid time value"));
    };
    // As NumberFormat's defaults would show it: at most three fraction digits.
    decimal.round_with_mode(
        -3,
        SignedRoundingMode::Unsigned(UnsignedRoundingMode::HalfExpand),
    );
    decimal.trim_end();
    if auto && decimal.is_zero() {
        // -0 is "now" too, not the past.
        decimal.set_sign(Sign::None);
    }
    let collected = Collected::of(&formatter.format(decimal));
    let array = Array::new(ctx.clone())?;
    for (i, (ty, value)) in collected.typed(innermost_number).into_iter().enumerate() {
        let entry = Array::new(ctx.clone())?;
        entry.set(0, ty)?;
        entry.set(1, value)?;
        if ty != "literal" {
            entry.set(2, unit.as_str())?;
        }
        array.set(i, entry)?;
    }
    Ok(array)
}
