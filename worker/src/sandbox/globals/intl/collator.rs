//! `Intl.Collator` and `localeCompare`: the locale's sort order (CLDR collation).

use icu_collator::options::{AlternateHandling, CaseLevel, CollatorOptions, Strength};
use icu_collator::preferences::{CollationCaseFirst, CollationNumericOrdering};
use icu_collator::{CollatorBorrowed, CollatorPreferences};
use rquickjs::{Ctx, Object, Result};

use super::locale;
use super::options::{range_error, text};
use super::recent::Recent;
use crate::sandbox::runtime::text::Text;

thread_local! {
    static COLLATORS: Recent<CollatorBorrowed<'static>> = const { Recent::new() };
}

/// -1, 0 or 1 as `x` sorts before, with or after `y` under `options` (resolved by
/// `intl.js`).
pub fn compare<'js>(ctx: Ctx<'js>, options: Object<'js>, x: Text, y: Text) -> Result<i32> {
    let tag = text(&options, "locale")?.unwrap_or_default();
    let sensitivity = text(&options, "sensitivity")?.unwrap_or_default();
    let numeric = options.get::<_, Option<bool>>("numeric")?.unwrap_or(false);
    let case_first = text(&options, "caseFirst")?.unwrap_or_default();
    let ignore_punctuation = options
        .get::<_, Option<bool>>("ignorePunctuation")?
        .unwrap_or(false);
    let key =
        format!("{tag}\u{0}{sensitivity}\u{0}{numeric}\u{0}{case_first}\u{0}{ignore_punctuation}");
    let collator = COLLATORS.with(|recent| {
        recent.get_or(&key, || {
            let locale = locale::parse(&tag)
                .ok_or_else(|| "Incorrect locale information provided".to_owned())?;
            let mut prefs = CollatorPreferences::from(&locale);
            if numeric {
                prefs.numeric_ordering = Some(CollationNumericOrdering::True);
            }
            prefs.case_first = match case_first.as_str() {
                "upper" => Some(CollationCaseFirst::Upper),
                "lower" => Some(CollationCaseFirst::Lower),
                _ => prefs.case_first,
            };
            let mut options = CollatorOptions::default();
            options.strength = Some(match sensitivity.as_str() {
                "base" | "case" => Strength::Primary,
                "accent" => Strength::Secondary,
                _ => Strength::Tertiary,
            });
            if sensitivity == "case" {
                options.case_level = Some(CaseLevel::On);
            }
            if ignore_punctuation {
                options.alternate_handling = Some(AlternateHandling::Shifted);
            }
            CollatorBorrowed::try_new(prefs, options).map_err(|err| format!("Intl.Collator: {err}"))
        })
    });
    let collator = collator.map_err(|message| range_error(&ctx, &message))?;
    Ok(collator.compare(&x, &y) as i32)
}
