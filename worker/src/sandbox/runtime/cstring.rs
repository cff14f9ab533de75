//! The whole of a C string QuickJS made from a JS string. QuickJS hands module names
//! to the host as C strings (`JS_AtomToCString`, `JS_ToCString`), so a name holding a
//! NUL would look cut short at it; its length, NULs included, sits in the header of
//! the QuickJS string that holds the bytes. Reading it depends on the engine's string
//! layout, which [`layout`] finds and checks against known strings (at engine start,
//! and once per process before any name is read).

use std::ffi::c_char;
use std::sync::OnceLock;

use rquickjs::{Ctx, qjs};

/// Where a C string's length is: the size of QuickJS-ng's `JSString` header, which
/// the bytes of a flat string follow (`strv`; `js_free_cstring` steps back over it the
/// same way). Its first 32 bits hold the length, in their low 31 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    header: usize,
}

/// The header sizes this engine has: 24 bytes (two 32-bit bitfield words, the 32-bit
/// `hash_next` and a pointer), and 40 where it is built with its debug dumps (a list
/// link more), as rquickjs-sys builds it unless assertions are disabled. Tried in this
/// order, so a check never reads before the header the engine really has.
const HEADERS: [usize; 2] = [24, 40];

impl Layout {
    /// The bytes of a C string QuickJS made from a JS string, NULs included.
    ///
    /// # Safety
    /// `ptr` must come from `JS_ToCStringLen2` (as `JS_ToCString` and
    /// `JS_AtomToCString` make them) and not yet be freed.
    pub unsafe fn whole<'a>(self, ptr: *const c_char) -> &'a [u8] {
        // SAFETY: per the caller, `ptr` is the byte data of a flat QuickJS string,
        // right after its header (of `self.header` bytes, as checked), whose first 32
        // bits hold the length (in bytes, for the 8-bit string a C string is) in their
        // low 31 bits; the data runs that long.
        unsafe {
            let header = ptr.cast::<u8>().sub(self.header).cast::<u32>();
            let len = (header.read_unaligned() & 0x7FFF_FFFF) as usize;
            std::slice::from_raw_parts(ptr.cast::<u8>(), len)
        }
    }
}

/// This engine's string layout, found once per process on strings whose lengths are
/// known (with NULs, and with wide characters); `None` if no known layout reads them
/// all right. The check runs no JS and leaves nothing behind in `ctx`.
pub fn layout(ctx: &Ctx<'_>) -> Option<Layout> {
    // Checked smallest first and in that order only, so reading a candidate never
    // goes before the string's real header.
    static FOUND: OnceLock<Option<Layout>> = OnceLock::new();
    *FOUND.get_or_init(|| {
        HEADERS
            .into_iter()
            .map(|header| Layout { header })
            .find(|layout| check(ctx, *layout))
    })
}

fn check(ctx: &Ctx<'_>, layout: Layout) -> bool {
    let samples = [
        "crypto\0x".to_owned(),
        "ab\0é\0".to_owned(),
        "😀\0\u{1F600}".to_owned(),
        "plain".to_owned(),
        format!("{}\0{}", "a".repeat(300), "b".repeat(300)),
    ];
    let raw = ctx.as_raw().as_ptr();
    samples.iter().all(|sample| {
        // SAFETY: a new string of this live context, converted and freed here; the C
        // string is read only within its length QuickJS reports.
        unsafe {
            let value = qjs::JS_NewStringLen(raw, sample.as_ptr().cast(), sample.len() as _);
            if qjs::JS_IsException(value) {
                return false;
            }
            let mut len = 0;
            let ptr = qjs::JS_ToCStringLen(raw, &mut len, value);
            // The declared length first: a wrong layout must not read past it.
            let holds = !ptr.is_null()
                && len == sample.len()
                && length_at(ptr, layout) == len
                && layout.whole(ptr) == sample.as_bytes();
            if !ptr.is_null() {
                qjs::JS_FreeCString(raw, ptr);
            }
            qjs::JS_FreeValue(raw, value);
            holds
        }
    })
}

/// The length `layout` would read for `ptr`, without reading the bytes.
///
/// # Safety
/// As [`Layout::whole`], for a layout not yet known to hold but no larger than the
/// engine's real header (`HEADERS` are tried smallest first).
unsafe fn length_at(ptr: *const c_char, layout: Layout) -> usize {
    // SAFETY: `ptr` is a live string's data, and `layout.header` bytes before it are
    // still inside that string's header, per the caller.
    unsafe {
        (ptr.cast::<u8>()
            .sub(layout.header)
            .cast::<u32>()
            .read_unaligned()
            & 0x7FFF_FFFF) as usize
    }
}

#[cfg(test)]
mod tests {
    use rquickjs::{Context, Runtime};

    use super::*;

    #[test]
    fn the_engine_lays_strings_out_as_read_here() {
        let runtime = Runtime::new().expect("runtime");
        let context = Context::full(&runtime).expect("context");
        context.with(|ctx| {
            let found = layout(&ctx).expect("the QuickJS string layout changed: see HEADERS");
            assert!(check(&ctx, found));
            // A name holding a NUL is read whole.
            let value = rquickjs::String::from_str(ctx.clone(), "crypto\0x").expect("string");
            let raw = ctx.as_raw().as_ptr();
            // SAFETY: a live string of this context; the C string is freed right after.
            unsafe {
                let ptr = qjs::JS_ToCString(raw, value.as_raw());
                assert_eq!(found.whole(ptr), b"crypto\0x");
                qjs::JS_FreeCString(raw, ptr);
            }
        });
    }
}
