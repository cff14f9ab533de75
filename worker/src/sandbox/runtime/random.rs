//! `Math.random` from a generator of the job's own, seeded afresh for every job.
//!
//! QuickJS seeds each context's generator once, when the context is made. Runtimes
//! restored from one picture of a heap would all start from the same state and give
//! every job the same sequence. This generator's state lives outside the heap, in the
//! runtime's Rust state, and is seeded from the operating system as each job starts
//! ([`reseed`]): no two jobs draw the same numbers, and what one job learns of its
//! state (xorshift128+ can be solved from a few outputs) says nothing of any other
//! job's, even one parked on the same slot. (Like the engine's own, it is not for
//! secrets: `crypto` is.)
//!
//! Every draw of `crypto`'s randomness in the runtime is also counted ([`count_draw`],
//! [`draws`]): a library that draws some while it is evaluated for a snapshot may be
//! making a secret, which every job restored from it would share, so it is left out
//! of the snapshot (`run::preload`). `Math.random` is not counted: what a library
//! keeps of it (a hash seed, a unique-id salt) is shared by every call a Node process
//! serves too, and the generator itself is reseeded for each job.

use std::cell::Cell;
use std::ffi::c_int;
use std::ptr::NonNull;

use rquickjs::{Ctx, Exception, Object, Result, qjs};

/// xorshift128+ state of one runtime, and how many times the runtime drew `crypto`
/// randomness, kept in its userdata.
struct Generator {
    state: Cell<[u64; 2]>,
    draws: Cell<u64>,
}

// SAFETY: `Generator` holds no JS values, so it has no lifetime to change.
unsafe impl<'js> rquickjs::JsLifetime<'js> for Generator {
    type Changed<'to> = Generator;
}

/// Replaces `Math.random` in `ctx` (same attributes: writable, configurable, not
/// enumerable) with a generator seeded now.
pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let _ = ctx.store_userdata(Generator {
        state: Cell::new(seed()),
        draws: Cell::new(0),
    });
    let math: Object = ctx.globals().get("Math")?;
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: `raw` is the live context; the function is a plain C function with no
    // data; `JS_DefinePropertyValueStr` takes ownership of the new function value.
    let defined = unsafe {
        let function = qjs::JS_NewCFunction2(
            raw,
            Some(random),
            c"random".as_ptr(),
            0,
            qjs::JSCFunctionEnum_JS_CFUNC_generic,
            0,
        );
        qjs::JS_DefinePropertyValueStr(
            raw,
            math.as_raw(),
            c"random".as_ptr(),
            function,
            (qjs::JS_PROP_WRITABLE | qjs::JS_PROP_CONFIGURABLE) as c_int,
        )
    };
    if defined < 0 {
        return Err(Exception::throw_internal(ctx, "cannot define Math.random"));
    }
    Ok(())
}

/// Starts a new sequence for the job about to run in `ctx`'s runtime.
pub fn reseed(ctx: &Ctx<'_>) {
    if let Some(generator) = ctx.userdata::<Generator>() {
        generator.state.set(seed());
    }
}

/// Records that code in `ctx`'s runtime drew randomness from `crypto`.
pub fn count_draw(ctx: &Ctx<'_>) {
    if let Some(generator) = ctx.userdata::<Generator>() {
        generator.draws.set(generator.draws.get().wrapping_add(1));
    }
}

/// How many times code in `ctx`'s runtime drew `crypto` randomness so far.
pub fn draws(ctx: &Ctx<'_>) -> u64 {
    ctx.userdata::<Generator>()
        .map_or(0, |generator| generator.draws.get())
}

unsafe extern "C" fn random(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValueConst,
    _argc: c_int,
    _argv: *mut qjs::JSValueConst,
) -> qjs::JSValue {
    let Some(raw) = NonNull::new(ctx) else {
        return qjs::JS_NewFloat64(0.0);
    };
    // SAFETY: QuickJS calls the function with the running job's live context.
    let ctx = unsafe { Ctx::from_raw(raw) };
    let unit = match ctx.userdata::<Generator>() {
        Some(generator) => {
            let (unit, next) = draw(generator.state.get());
            generator.state.set(next);
            unit
        }
        None => 0.0,
    };
    qjs::JS_NewFloat64(unit)
}

/// A number in [0, 1) with 53 random bits, and the state after it.
fn draw(state: [u64; 2]) -> (f64, [u64; 2]) {
    let [mut s1, s0] = state;
    let result = s0.wrapping_add(s1);
    s1 ^= s1 << 23;
    s1 ^= s1 >> 17;
    s1 ^= s0 ^ (s0 >> 26);
    (
        (result >> 11) as f64 * (1.0 / (1u64 << 53) as f64),
        [s0, s1],
    )
}

fn seed() -> [u64; 2] {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: the clock's nanoseconds, still different per job and run.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos());
        bytes = now.to_le_bytes();
    }
    let (a, b) = bytes.split_at(8);
    let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or([1; 8]));
    match [word(a), word(b)] {
        [0, 0] => [1, 2],
        state => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_in_the_unit_interval_and_vary() {
        let mut state = seed();
        let draws: Vec<f64> = (0..1000)
            .map(|_| {
                let (unit, next) = draw(state);
                state = next;
                unit
            })
            .collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        let distinct: std::collections::HashSet<u64> = draws.iter().map(|x| x.to_bits()).collect();
        assert_eq!(distinct.len(), draws.len());
    }
}
