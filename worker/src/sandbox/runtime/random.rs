//! `Math.random` from a generator of the slot's thread instead of the context's.
//!
//! QuickJS seeds each context's generator once, when the context is made. Runtimes
//! restored from one picture of a heap would all start from the same state and give
//! every job the same sequence; this generator's state lives outside the heap, seeded
//! from the operating system once per thread, so no two jobs draw the same numbers.
//! (Like the engine's own, it is not for secrets: `crypto` is.)

use std::cell::Cell;
use std::ffi::c_int;

use rquickjs::{Ctx, Exception, Object, Result, qjs};

thread_local! {
    /// xorshift128+ state; zero until first used on the thread.
    static STATE: Cell<[u64; 2]> = const { Cell::new([0, 0]) };
}

/// Replaces `Math.random` in `ctx` (same attributes: writable, configurable, not
/// enumerable).
pub fn install(ctx: &Ctx<'_>) -> Result<()> {
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

unsafe extern "C" fn random(
    _ctx: *mut qjs::JSContext,
    _this: qjs::JSValueConst,
    _argc: c_int,
    _argv: *mut qjs::JSValueConst,
) -> qjs::JSValue {
    qjs::JS_NewFloat64(next_unit())
}

/// A number in [0, 1) with 53 random bits.
fn next_unit() -> f64 {
    (next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn next() -> u64 {
    STATE.with(|state| {
        let [mut s1, s0] = match state.get() {
            [0, 0] => seed(),
            seeded => seeded,
        };
        let result = s0.wrapping_add(s1);
        s1 ^= s1 << 23;
        s1 ^= s1 >> 17;
        s1 ^= s0 ^ (s0 >> 26);
        state.set([s0, s1]);
        result
    })
}

fn seed() -> [u64; 2] {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: the clock's nanoseconds, still different per thread and run.
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
        let draws: Vec<f64> = (0..1000).map(|_| next_unit()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        let distinct: std::collections::HashSet<u64> = draws.iter().map(|x| x.to_bits()).collect();
        assert_eq!(distinct.len(), draws.len());
    }
}
