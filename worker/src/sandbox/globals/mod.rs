//! Warren's globals: the prelude every job context runs, and the parts of it made on
//! a job's first use of one of their names (`console`, timers and immediates,
//! `TextEncoder` and `TextDecoder`, `URL` and `URLSearchParams`, `btoa`/`atob`,
//! `structuredClone`, `global`/`self`, the Web Crypto `crypto`, `AbortController` and
//! its kin, Node's `Buffer` and `process`, and `fetch` with `Request` in pools granted
//! it). Each part's JavaScript sits beside its native half:
//!
//! - `prelude.js`: what the host drives a job with (the call, timers, responses).
//! - [`host`]: the `host` object of native helpers the prelude and the parts call.
//! - [`lazy`]: the object on the global object's prototype chain that makes a part
//!   (or a lazily added intrinsic) when job code first reads one of its names.
//! - [`own`]: in a snapshot, every global made before the picture, as the global
//!   object's own properties, and the lazy object taken off the chain.
//! - [`console`] (`console.js`, `console_format.js`), [`text`] (`text_encoding.js`),
//!   [`url`] (`url.js`), [`fetch`] (`fetch.js`), [`require`] (`import.js`, the
//!   CommonJS job's `require`), `preload.js` (a package imported into a snapshot);
//!   `web_crypto.js` runs over `modules::crypto`'s
//!   natives; `timers.js`, `base64.js`, `structured_clone.js`, `global_aliases.js`,
//!   `abort.js`, `buffer.js` and `process.js` are JavaScript only.

pub mod console;
pub mod fetch;
pub mod host;
pub mod intl;
pub mod lazy;
pub mod own;
pub mod require;
pub mod text;
pub mod url;

use std::collections::HashMap;
use std::sync::Arc;

use rquickjs::{Ctx, Exception, Function, Object, Result};

use crate::sandbox::runtime::bytecode;

/// The prelude's source.
pub const PRELUDE: &str = include_str!("prelude.js");

/// One part of the prelude, compiled on its own and run on first use: a function of
/// the `host` helpers, returning the object of the names it defines.
pub struct Part {
    pub name: &'static str,
    pub source: &'static str,
    /// The globals it defines (none for a part other parts load themselves).
    pub globals: &'static [&'static str],
    /// Native helpers it calls on `host`, added when it first loads.
    pub natives: &'static [Natives],
    /// Compiled with its file name and lines (the others are code only): `import()`
    /// needs the name of the script it is called from.
    pub debug: bool,
}

/// Adds a group of native helpers to a job's `host` object (once per job).
pub type Natives = for<'js> fn(&Ctx<'js>, &Object<'js>) -> Result<()>;

/// The part only pools granted egress have.
pub const FETCH_PART: &str = "fetch";

/// Every part of the prelude.
pub const PARTS: &[Part] = &[
    Part {
        name: "console",
        source: include_str!("console.js"),
        globals: &["console"],
        natives: &[],
        debug: false,
    },
    Part {
        name: "console_format",
        source: include_str!("console_format.js"),
        globals: &[],
        natives: &[],
        debug: false,
    },
    Part {
        name: "timers",
        source: include_str!("timers.js"),
        globals: &[
            "setTimeout",
            "setInterval",
            "clearTimeout",
            "clearInterval",
            "setImmediate",
            "clearImmediate",
            "queueMicrotask",
        ],
        natives: &[],
        debug: false,
    },
    Part {
        name: "structured_clone",
        source: include_str!("structured_clone.js"),
        globals: &["structuredClone"],
        natives: &[],
        debug: false,
    },
    Part {
        name: "base64",
        source: include_str!("base64.js"),
        globals: &["btoa", "atob"],
        natives: &[],
        debug: false,
    },
    Part {
        name: "text_encoding",
        source: include_str!("text_encoding.js"),
        globals: &["TextEncoder", "TextDecoder"],
        natives: &[text::install],
        debug: false,
    },
    Part {
        name: "url_globals",
        source: include_str!("url.js"),
        globals: &["URL", "URLSearchParams"],
        natives: &[url::install],
        debug: false,
    },
    Part {
        name: "abort",
        source: include_str!("abort.js"),
        globals: &[
            "AbortController",
            "AbortSignal",
            "EventTarget",
            "Event",
            "DOMException",
        ],
        natives: &[],
        debug: false,
    },
    Part {
        name: "global_aliases",
        source: include_str!("global_aliases.js"),
        globals: &["global", "self"],
        natives: &[],
        debug: false,
    },
    Part {
        name: "web_crypto",
        source: include_str!("web_crypto.js"),
        globals: &["crypto", "Crypto", "CryptoKey", "SubtleCrypto"],
        natives: &[crate::sandbox::modules::crypto::install],
        debug: false,
    },
    Part {
        name: "buffer",
        source: include_str!("buffer.js"),
        globals: &["Buffer"],
        natives: &[],
        debug: false,
    },
    Part {
        name: "process",
        source: include_str!("process.js"),
        globals: &["process"],
        natives: &[],
        debug: false,
    },
    Part {
        name: "intl",
        source: include_str!("intl.js"),
        globals: &["Intl"],
        natives: &[intl::install],
        debug: false,
    },
    Part {
        name: "import",
        source: include_str!("import.js"),
        globals: &[],
        natives: &[require::install],
        debug: true,
    },
    Part {
        name: "preload",
        source: include_str!("preload.js"),
        globals: &[],
        natives: &[],
        debug: true,
    },
    Part {
        name: FETCH_PART,
        source: include_str!("fetch.js"),
        globals: &["fetch", "Headers", "Request", "Response"],
        natives: &[text::install],
        debug: false,
    },
];

/// The part called `name`.
pub fn part(name: &str) -> Option<&'static Part> {
    PARTS.iter().find(|part| part.name == name)
}

/// The parts' bytecode, by name, compiled once per engine.
pub type PreludeParts = Arc<HashMap<&'static str, Vec<u8>>>;

/// Whether every part's native helpers are on the host object already
/// ([`install_natives`]).
struct NativesInstalled;

// SAFETY: `NativesInstalled` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for NativesInstalled {
    type Changed<'to> = NativesInstalled;
}

/// Adds every part's native helpers to `host` now, so that making a part later makes
/// no host function: for a runtime that is restored from a snapshot (see
/// `runtime::pins`).
pub fn install_natives<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    for part in PARTS {
        for natives in part.natives {
            natives(ctx, host)?;
        }
    }
    let _ = ctx.store_userdata(NativesInstalled);
    Ok(())
}

/// Part `name`'s factory (a function of `host` that returns the names it defines),
/// with the native helpers the part needs added to `host` first.
pub fn factory<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    parts: &PreludeParts,
    name: &str,
) -> Result<Function<'js>> {
    let (Some(part), Some(code)) = (part(name), parts.get(name)) else {
        return Err(Exception::throw_internal(
            ctx,
            &format!("no prelude part {name}"),
        ));
    };
    if ctx.userdata::<NativesInstalled>().is_none() {
        for natives in part.natives {
            natives(ctx, host)?;
        }
    }
    // SAFETY: prelude parts are compiled by this process (`code::host`).
    unsafe { bytecode::run_script(ctx, code) }?
        .into_function()
        .ok_or_else(|| Exception::throw_internal(ctx, "a prelude part is not a function"))
}
