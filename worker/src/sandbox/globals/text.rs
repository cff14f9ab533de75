//! Native half of `TextEncoder` and `TextDecoder` (`text_encoding.js`), also used by
//! `fetch.js` for bodies: UTF-8 in and out of byte arrays.

use crate::sandbox::runtime::pins::host_function;
use rquickjs::function::Opt;
use rquickjs::{Ctx, Exception, Object, Result, TypedArray};

use crate::sandbox::runtime::bytes::{copy_bytes, new_bytes};
use crate::sandbox::runtime::text::Text;

/// Adds `utf8Encode` and `utf8Decode` to `host`, unless a part added them already.
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    if host.contains_key("utf8Encode")? {
        return Ok(());
    }
    host.set("utf8Encode", host_function(ctx, utf8_encode)?)?;
    host.set("utf8Decode", host_function(ctx, utf8_decode)?)
}

fn utf8_encode<'js>(ctx: Ctx<'js>, text: Text) -> Result<TypedArray<'js, u8>> {
    new_bytes(&ctx, text.as_bytes())
}

fn utf8_decode<'js>(ctx: Ctx<'js>, bytes: TypedArray<'js, u8>, fatal: Opt<bool>) -> Result<String> {
    let bytes = copy_bytes(&bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) if !fatal.0.unwrap_or(false) => {
            Ok(String::from_utf8_lossy(err.as_bytes()).into_owned())
        }
        Err(_) => Err(Exception::throw_type(
            &ctx,
            "The encoded data was not valid utf-8",
        )),
    }
}
