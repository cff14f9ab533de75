//! Formatted text as ECMA-402's parts: ICU4X annotates spans of its output
//! (`writeable::Part`), nested; `intl.js` wants a flat list of `[type, value]`.

use std::fmt;

use rquickjs::{Array, Ctx, Result};
use writeable::{Part, PartsWrite, Writeable};

/// The output of one `write_to_parts`, with every annotated span and its depth.
#[derive(Default)]
pub struct Collected {
    pub text: String,
    spans: Vec<Span>,
    depth: usize,
}

struct Span {
    start: usize,
    end: usize,
    part: Part,
    depth: usize,
}

impl Collected {
    pub fn of(value: &impl Writeable) -> Collected {
        let mut out = Collected::default();
        // Writing into a String cannot fail.
        let _ = value.write_to_parts(&mut out);
        out
    }

    /// The parts, each byte typed by `kind` from the spans that cover it (outermost
    /// first); bytes no span names are `literal`. Neighbours of one type merge.
    pub fn typed(
        &self,
        kind: impl Fn(&[Part]) -> Option<&'static str>,
    ) -> Vec<(&'static str, String)> {
        // Spans nest, so one sweep in text order with the spans open at each point
        // (few: as deep as the nesting) keeps this linear in the text and the spans.
        let mut order: Vec<&Span> = self.spans.iter().collect();
        order.sort_by_key(|span| (span.start, span.depth));
        let mut next = order.into_iter().peekable();
        let mut open: Vec<&Span> = Vec::new();
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let mut parts: Vec<Part> = Vec::new();
        for (index, ch) in self.text.char_indices() {
            open.retain(|span| index < span.end);
            while let Some(span) = next.next_if(|span| span.start <= index) {
                if index < span.end {
                    open.push(span);
                }
            }
            open.sort_by_key(|span| span.depth);
            parts.clear();
            parts.extend(open.iter().map(|span| span.part));
            let ty = kind(&parts).unwrap_or("literal");
            match out.last_mut() {
                Some((last, value)) if *last == ty => value.push(ch),
                _ => out.push((ty, ch.to_string())),
            }
        }
        out
    }
}

impl fmt::Write for Collected {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

impl PartsWrite for Collected {
    type SubPartsWrite = Collected;

    fn with_part(
        &mut self,
        part: Part,
        mut f: impl FnMut(&mut Self::SubPartsWrite) -> fmt::Result,
    ) -> fmt::Result {
        let start = self.text.len();
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        if start < self.text.len() {
            self.spans.push(Span {
                start,
                end: self.text.len(),
                part,
                depth: self.depth,
            });
        }
        result
    }
}

/// `[[type, value], ...]` for `intl.js`.
pub fn to_js<'js>(ctx: &Ctx<'js>, parts: &[(&'static str, String)]) -> Result<Array<'js>> {
    let array = Array::new(ctx.clone())?;
    for (i, (ty, value)) in parts.iter().enumerate() {
        let pair = Array::new(ctx.clone())?;
        pair.set(0, *ty)?;
        pair.set(1, value.as_str())?;
        array.set(i, pair)?;
    }
    Ok(array)
}

/// ECMA-402's name for a number part of ICU4X's, if it is one.
pub fn number_part(part: &Part) -> Option<&'static str> {
    use icu_decimal::parts as p;
    Some(match *part {
        p::INTEGER => "integer",
        p::GROUP => "group",
        p::DECIMAL => "decimal",
        p::FRACTION => "fraction",
        p::MINUS_SIGN => "minusSign",
        p::PLUS_SIGN => "plusSign",
        _ => return None,
    })
}

/// The innermost number part of a span stack.
pub fn innermost_number(parts: &[Part]) -> Option<&'static str> {
    parts.iter().rev().find_map(number_part)
}
