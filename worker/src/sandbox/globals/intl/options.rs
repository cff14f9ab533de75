//! Reading the resolved options `intl.js` hands over, and the errors for what ICU4X
//! refuses.

use rquickjs::{Ctx, Exception, Object, Result};

/// A `RangeError` for what ICU4X could not do with values `intl.js` let through.
pub fn range_error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_range(ctx, message)
}

/// A string field of the resolved options `intl.js` made (absent: `None`).
pub fn text<'js>(options: &Object<'js>, key: &str) -> Result<Option<String>> {
    options.get::<_, Option<String>>(key)
}

/// A small number field of the resolved options (absent: `None`).
pub fn count<'js>(options: &Object<'js>, key: &str) -> Result<Option<i16>> {
    Ok(options
        .get::<_, Option<f64>>(key)?
        .map(|n| n.clamp(-1000.0, 1000.0) as i16))
}
