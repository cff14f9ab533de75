//! The natives behind `Intl.Locale`: a locale made from a tag and the constructor's
//! options (ECMA-402's ApplyOptionsToTag and its Unicode extension keys), the fields
//! its getters show, and likely subtags added or removed (`maximize`, `minimize`).
//! `intl.js` reads and checks the options; these take plain strings.

use icu_locale::extensions::unicode::{Key, Value, key};
use icu_locale::subtags::{Language, Region, Script};
use icu_locale::{Locale, LocaleCanonicalizer, LocaleExpander};

use super::locale;

/// The Unicode extension keys the constructor's options set, in the order of the
/// options after language, script and region.
const KEYS: [Key; 6] = [
    key!("ca"),
    key!("co"),
    key!("hc"),
    key!("kf"),
    key!("kn"),
    key!("nu"),
];

/// The canonical tag of `tag` with `options` applied: `[language, script, region,
/// calendar, collation, hourCycle, caseFirst, numeric, numberingSystem]`, each a
/// string or null. `None` when the tag or an option is not well-formed.
pub fn make(tag: String, options: Vec<Option<String>>) -> Option<String> {
    let mut locale = locale::parse(&tag)?;
    let option = |at: usize| options.get(at).and_then(Option::as_deref);
    if let Some(language) = option(0) {
        locale.id.language = Language::try_from_str(language).ok()?;
    }
    if let Some(script) = option(1) {
        locale.id.script = Some(Script::try_from_str(script).ok()?);
    }
    if let Some(region) = option(2) {
        locale.id.region = Some(Region::try_from_str(region).ok()?);
    }
    for (at, key) in KEYS.into_iter().enumerate() {
        if let Some(value) = option(at + 3) {
            let value = Value::try_from_str(value).ok()?;
            locale.extensions.unicode.keywords.set(key, value);
        }
    }
    LocaleCanonicalizer::new_extended().canonicalize(&mut locale);
    Some(locale.to_string())
}

/// What the getters show of a canonical tag: `[baseName, language, script, region,
/// calendar, collation, hourCycle, caseFirst, numeric, numberingSystem]`, "" where
/// the tag has none (`numeric` is "true" or "false").
pub fn fields(tag: String) -> Vec<String> {
    let Some(locale) = locale::parse(&tag) else {
        return Vec::new();
    };
    let id = &locale.id;
    let mut fields = vec![
        id.to_string(),
        id.language.to_string(),
        id.script.map(|s| s.to_string()).unwrap_or_default(),
        id.region.map(|r| r.to_string()).unwrap_or_default(),
    ];
    let keywords = &locale.extensions.unicode.keywords;
    for key in KEYS {
        let value = keywords.get(&key).map(|value| value.to_string());
        fields.push(if key == key!("kn") {
            // `-u-kn` alone is true; only an explicit "false" is not.
            match value.as_deref() {
                None | Some("false") => "false".to_owned(),
                Some(_) => "true".to_owned(),
            }
        } else {
            value.unwrap_or_default()
        });
    }
    fields
}

/// `tag` with its likely script and region added ("en" → "en-Latn-US").
pub fn maximize(tag: String) -> Option<String> {
    let mut locale: Locale = locale::parse(&tag)?;
    LocaleExpander::new_extended().maximize(&mut locale.id);
    Some(locale.to_string())
}

/// `tag` without the subtags its language implies ("zh-Hant-TW" → "zh-TW").
pub fn minimize(tag: String) -> Option<String> {
    let mut locale: Locale = locale::parse(&tag)?;
    LocaleExpander::new_extended().minimize(&mut locale.id);
    Some(locale.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(values: &[(usize, &str)]) -> Vec<Option<String>> {
        let mut options = vec![None; 9];
        for (at, value) in values {
            options[*at] = Some((*value).to_owned());
        }
        options
    }

    #[test]
    fn options_replace_subtags_and_set_keys() {
        assert_eq!(
            make(
                "en-US".into(),
                options(&[(2, "GB"), (5, "h23"), (7, "true")])
            )
            .as_deref(),
            Some("en-GB-u-hc-h23-kn")
        );
        assert_eq!(make("en".into(), options(&[(1, "1234")])), None);
        assert_eq!(make("en_US".into(), options(&[])), None);
        let shown = fields("de-Latn-DE-u-ca-gregory-kn-nu-latn".into());
        assert_eq!(
            shown,
            [
                "de-Latn-DE",
                "de",
                "Latn",
                "DE",
                "gregory",
                "",
                "",
                "",
                "true",
                "latn"
            ]
        );
    }

    #[test]
    fn likely_subtags_are_added_and_removed() {
        assert_eq!(maximize("en".into()).as_deref(), Some("en-Latn-US"));
        assert_eq!(maximize("zh-TW".into()).as_deref(), Some("zh-Hant-TW"));
        assert_eq!(minimize("zh-Hant-TW".into()).as_deref(), Some("zh-TW"));
        assert_eq!(
            minimize("en-Latn-US-u-ca-gregory".into()).as_deref(),
            Some("en-u-ca-gregory")
        );
    }
}
