//! `Intl.ListFormat`: "a, b, and c" in the locale's words.

use icu_list::ListFormatter;
use icu_list::options::{ListFormatterOptions, ListLength};
use rquickjs::{Array, Ctx, Object, Result};

use super::locale;
use super::options::{range_error, text};
use super::parts::{Collected, to_js};
use crate::sandbox::runtime::text::Text;

/// `items` joined as `options` (resolved by `intl.js`) say, as parts.
pub fn format<'js>(ctx: Ctx<'js>, options: Object<'js>, items: Vec<Text>) -> Result<Array<'js>> {
    let items: Vec<String> = items.into_iter().map(|item| item.0).collect();
    let Some(locale) = locale::parse(&text(&options, "locale")?.unwrap_or_default()) else {
        return Err(range_error(&ctx, "Incorrect locale information provided"));
    };
    let length = match text(&options, "style")?.as_deref() {
        Some("short") => ListLength::Short,
        Some("narrow") => ListLength::Narrow,
        _ => ListLength::Wide,
    };
    let prefs = (&locale).into();
    let list_options = ListFormatterOptions::default().with_length(length);
    let formatter = match text(&options, "type")?.as_deref() {
        Some("disjunction") => ListFormatter::try_new_or(prefs, list_options),
        Some("unit") => ListFormatter::try_new_unit(prefs, list_options),
        _ => ListFormatter::try_new_and(prefs, list_options),
    }
    .map_err(|err| range_error(&ctx, &format!("Intl.ListFormat: {err}")))?;
    let collected = Collected::of(&formatter.format(items.iter().map(String::as_str)));
    let parts = collected.typed(|parts| {
        parts.iter().rev().find_map(|part| match *part {
            icu_list::parts::ELEMENT => Some("element"),
            icu_list::parts::LITERAL => Some("literal"),
            _ => None,
        })
    });
    to_js(&ctx, &split_elements(parts, &items))
}

/// Neighbouring elements with nothing between them merge into one run: split it back
/// at the items' own lengths.
fn split_elements(
    parts: Vec<(&'static str, String)>,
    items: &[String],
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut next = items.iter();
    for (ty, value) in parts {
        if ty != "element" {
            out.push((ty, value));
            continue;
        }
        let mut rest = value.as_str();
        while !rest.is_empty() {
            match next.next() {
                Some(item) if rest.starts_with(item.as_str()) && !item.is_empty() => {
                    out.push(("element", item.clone()));
                    rest = &rest[item.len()..];
                }
                _ => {
                    out.push(("element", rest.to_owned()));
                    rest = "";
                }
            }
        }
    }
    out
}
