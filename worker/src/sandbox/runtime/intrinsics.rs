//! Standard-library parts added to a job's context on first use.
//!
//! A fresh context pays for every intrinsic it is created with, and most jobs never
//! touch typed arrays, Map/Set, Date, Proxy or WeakRef. Their global names are
//! created on first lookup (see `globals::lazy`); host functions that create
//! such objects themselves call [`ensure`] first.

use std::cell::Cell;

use rquickjs::{Ctx, qjs};

/// Intrinsics that may be added late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    TypedArrays,
    MapSet,
    Date,
    Proxy,
    WeakRef,
}

/// Each lazy intrinsic with the global names it defines.
pub const LAZY_GLOBALS: &[(Lazy, &str, &[&str])] = &[
    (
        Lazy::TypedArrays,
        "typed_arrays",
        &[
            "ArrayBuffer",
            "SharedArrayBuffer",
            "DataView",
            "Atomics",
            "Int8Array",
            "Uint8Array",
            "Uint8ClampedArray",
            "Int16Array",
            "Uint16Array",
            "Int32Array",
            "Uint32Array",
            "BigInt64Array",
            "BigUint64Array",
            "Float16Array",
            "Float32Array",
            "Float64Array",
        ],
    ),
    (
        Lazy::MapSet,
        "map_set",
        &["Map", "Set", "WeakMap", "WeakSet"],
    ),
    (Lazy::Date, "date", &["Date"]),
    (Lazy::Proxy, "proxy", &["Proxy"]),
    (
        Lazy::WeakRef,
        "weak_ref",
        &["WeakRef", "FinalizationRegistry"],
    ),
];

impl Lazy {
    /// Its bit in the set [`added`] returns.
    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The global names the intrinsic defines.
    pub fn globals(self) -> &'static [&'static str] {
        LAZY_GLOBALS
            .iter()
            .find(|(lazy, _, _)| *lazy == self)
            .map_or(&[], |(_, _, names)| names)
    }
}

/// The intrinsics added to a job's context so far, kept in its runtime (one runtime
/// per job, and a slot may hold several waiting jobs at once).
struct Loaded(Cell<u8>);

// SAFETY: `Loaded` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for Loaded {
    type Changed<'to> = Loaded;
}

/// Starts a job's record of added intrinsics; called once per fresh context.
pub fn reset(ctx: &Ctx<'_>) {
    let _ = ctx.store_userdata(Loaded(Cell::new(0)));
}

/// The intrinsics added so far, as a set: for a snapshot to put back.
pub fn added(ctx: &Ctx<'_>) -> u8 {
    ctx.userdata::<Loaded>().map_or(0, |loaded| loaded.0.get())
}

/// Sets the record of added intrinsics to `set` (from [`added`]), as the heap it
/// describes is restored.
pub fn restore(ctx: &Ctx<'_>, set: u8) {
    if let Some(loaded) = ctx.userdata::<Loaded>() {
        loaded.0.set(set);
    }
}

/// Adds `intrinsic` to the job's context unless it is there already.
/// Fails (the exception pending) if QuickJS could not add it, e.g. out of memory; it
/// is not tried again in that context.
pub fn ensure(ctx: &Ctx<'_>, intrinsic: Lazy) -> rquickjs::Result<()> {
    let fresh = match ctx.userdata::<Loaded>() {
        Some(loaded) => {
            let had = loaded.0.get();
            loaded.0.set(had | intrinsic.bit());
            had & intrinsic.bit() == 0
        }
        // Never reset: treat as fresh, as the very first job would be.
        None => true,
    };
    if !fresh {
        return Ok(());
    }
    // QuickJS aborts when an intrinsic finds one of its names already defined on the
    // global object (job code may have defined one itself): clear them first.
    let globals = ctx.globals();
    for name in intrinsic.globals() {
        let _ = globals.remove(*name);
    }
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: `raw` is the live context of the running job; each intrinsic is added
    // at most once per context, as QuickJS expects.
    let added = unsafe {
        match intrinsic {
            Lazy::TypedArrays => qjs::JS_AddIntrinsicTypedArrays(raw),
            Lazy::MapSet => qjs::JS_AddIntrinsicMapSet(raw),
            Lazy::Date => qjs::JS_AddIntrinsicDate(raw),
            Lazy::Proxy => qjs::JS_AddIntrinsicProxy(raw),
            Lazy::WeakRef => qjs::JS_AddIntrinsicWeakRef(raw),
        }
    };
    // SAFETY: `raw` is the live context.
    if added < 0 || unsafe { qjs::JS_HasException(raw) } {
        return Err(rquickjs::Error::Exception);
    }
    Ok(())
}
