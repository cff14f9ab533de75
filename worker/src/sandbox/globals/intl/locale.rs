//! Locale tags: canonical forms (`Intl.getCanonicalLocales`) and the locale a
//! service resolves to (the first requested one whose language the compiled data
//! has, else none and `intl.js` uses the default).

use icu_locale::extensions::unicode::key;
use icu_locale::{Locale, LocaleCanonicalizer};
use icu_provider::prelude::*;

use crate::sandbox::runtime::text::Text;

/// Longer tags are refused before parsing (BCP 47 tags are short; a job's megabyte
/// string is not one).
const MAX_TAG: usize = 255;

/// The canonical form of `tag`, or `None` when it is not a well-formed BCP 47 tag.
pub fn canonical(tag: Text) -> Option<String> {
    parse(&tag).map(|locale| locale.to_string())
}

/// `tag` parsed and canonicalized.
pub fn parse(tag: &str) -> Option<Locale> {
    if tag.len() > MAX_TAG || tag.is_empty() {
        return None;
    }
    let mut locale = Locale::try_from_str(tag).ok()?;
    LocaleCanonicalizer::new_extended().canonicalize(&mut locale);
    Some(locale)
}

/// The locale a service uses for `requested` (canonical tags), or `None` when the
/// data has none of their languages. Unicode extensions are kept only for the
/// numbering system, which the formatters honour.
pub fn resolve(requested: Vec<String>) -> Option<String> {
    requested.iter().find_map(|tag| {
        let mut locale = parse(tag)?;
        let numbering = locale.extensions.unicode.keywords.get(&key!("nu")).cloned();
        locale.extensions = Default::default();
        if locale
            .id
            .region
            .is_some_and(|region| private_use_region(region.as_str()))
        {
            locale.id.region = None;
        }
        if !has_language(&locale) {
            return None;
        }
        if let Some(nu) = numbering {
            locale.extensions.unicode.keywords.set(key!("nu"), nu);
        }
        Some(locale.to_string())
    })
}

/// Whether the compiled data has `locale`'s language (its region and script then only
/// refine it). The Gregorian month names are asked for: every language has its own,
/// where the root locale has only "M01"…, so a fallback to the root means no (number
/// symbols or plural rules would not do: English shares the root's symbols, Japanese
/// its plural rules, and the data keeps such locales only as the root's).
fn has_language(locale: &Locale) -> bool {
    let data_locale = DataLocale::from(locale);
    let Ok(wide) = DataMarkerAttributes::try_from_str("5") else {
        return false;
    };
    let request = DataRequest {
        id: DataIdentifierBorrowed::for_marker_attributes_and_locale(wide, &data_locale),
        ..Default::default()
    };
    DataProvider::<icu_datetime::provider::names::DatetimeNamesMonthGregorianV1>::load(
        &icu_datetime::provider::Baked,
        request,
    )
    .map(|response| {
        response
            .metadata
            .locale
            .is_none_or(|found| !found.is_unknown())
    })
    .unwrap_or(false)
}

/// Regions BCP 47 leaves for private use (AA, QM–QZ, XA–XZ, ZZ): no data names them.
fn private_use_region(region: &str) -> bool {
    let bytes = region.as_bytes();
    match bytes {
        [b'A', b'A'] | [b'Z', b'Z'] => true,
        [b'Q', second] => (b'M'..=b'Z').contains(second),
        [b'X', _] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_canonicalized_and_bad_ones_refused() {
        assert_eq!(canonical(Text("EN-us".into())).as_deref(), Some("en-US"));
        assert_eq!(
            canonical(Text("zh-hant-tw".into())).as_deref(),
            Some("zh-Hant-TW")
        );
        assert_eq!(canonical(Text("en_US".into())), None);
        assert_eq!(canonical(Text("a".repeat(300))), None);
    }

    #[test]
    fn services_resolve_to_a_language_the_data_has() {
        let resolve_one = |tag: &str| resolve(vec![tag.to_owned()]);
        assert_eq!(resolve_one("de-DE").as_deref(), Some("de-DE"));
        assert_eq!(resolve_one("de-XX").as_deref(), Some("de"));
        assert_eq!(resolve_one("xx"), None);
        assert_eq!(resolve_one("en-u-ca-gregory").as_deref(), Some("en"));
        assert_eq!(resolve_one("en-u-nu-arab").as_deref(), Some("en-u-nu-arab"));
        assert_eq!(
            resolve(vec!["xx".into(), "fr-CA".into()]).as_deref(),
            Some("fr-CA")
        );
    }
}
