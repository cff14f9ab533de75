//! Every global made once, in a snapshot, as the global object's own property.
//!
//! A runtime restored from a snapshot pays nothing per job for what the snapshot
//! holds, so there the laziness of [`lazy`](super::lazy) buys nothing and costs
//! conformance. Before the picture is taken, the standard library's lazy intrinsics
//! are added and every part of the prelude is made; each name becomes an own data
//! property of the global object, writable and configurable, and enumerable only where
//! Node's is. The lazy object is then taken off the global object's prototype chain
//! (which then goes straight to `Object.prototype`), so globals behave as Node's do:
//! `Object.getOwnPropertyNames` lists every one, `hasOwnProperty` finds them, and a
//! deleted one is gone.
//!
//! Runtimes built afresh for each job (`--snapshots false`) stay lazy: there each
//! global a job does not touch would cost it the time to make.

use rquickjs::object::Property;
use rquickjs::{Ctx, Result, Value};

use super::lazy;
use crate::sandbox::runtime::intrinsics::{self, LAZY_GLOBALS};

/// Warren's globals that Node lists among the global object's enumerable properties
/// (`Object.keys(globalThis)` in Node 20); the others, like every standard global,
/// are not enumerable.
const ENUMERABLE: &[&str] = &[
    "global",
    "clearImmediate",
    "setImmediate",
    "clearInterval",
    "clearTimeout",
    "setInterval",
    "setTimeout",
    "queueMicrotask",
    "structuredClone",
    "atob",
    "btoa",
    "fetch",
    "crypto",
];

/// Makes every global of the job's context its own property; call once, in a
/// runtime prepared for a snapshot, after the prelude has run.
pub fn make_all(ctx: &Ctx<'_>) -> Result<()> {
    for (intrinsic, _, _) in LAZY_GLOBALS {
        intrinsics::ensure(ctx, *intrinsic)?;
    }
    let globals = ctx.globals();
    // Read through the global object, as job code would: the lazy object makes each
    // part once, with the parts it uses made by the same lookups, so every global
    // and every part that captured one hold the same value.
    for name in lazy::part_names(ctx) {
        let _: Value = globals.get(name)?;
    }
    let Some(made) = lazy::detach(ctx)? else {
        return Ok(());
    };
    // The intrinsics' names too: one read through the lazy object before `ensure`
    // above would have been added there, not on the global object.
    let intrinsic_names = LAZY_GLOBALS.iter().flat_map(|(_, _, names)| names.iter());
    for name in lazy::part_names(ctx).chain(intrinsic_names.copied()) {
        if let Some(value) = lazy::own_value(ctx, &made, name)? {
            let property = Property::from(value).writable().configurable();
            if ENUMERABLE.contains(&name) {
                globals.prop(name, property.enumerable())?;
            } else {
                globals.prop(name, property)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::globals::PARTS;

    #[test]
    fn every_enumerable_name_is_a_global_of_a_part() {
        for name in ENUMERABLE {
            assert!(
                PARTS.iter().any(|part| part.globals.contains(name)),
                "{name} is no part's global"
            );
        }
    }
}
