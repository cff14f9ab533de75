//! Bytes across the boundary: out of a typed array, and into a new `Uint8Array`.

use rquickjs::{Ctx, Result, TypedArray};

use super::intrinsics::{self, Lazy};

/// Copies a typed array's bytes out of the JS heap (empty when detached).
pub fn copy_bytes(bytes: &TypedArray<'_, u8>) -> Vec<u8> {
    // SAFETY: the slice is copied at once, before any JS can run and detach it.
    unsafe { bytes.as_bytes() }
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

/// A new `Uint8Array` holding a copy of `data` (typed arrays are added to the job's
/// context first if it has none yet).
pub fn new_bytes<'js>(ctx: &Ctx<'js>, data: impl AsRef<[u8]>) -> Result<TypedArray<'js, u8>> {
    intrinsics::ensure(ctx, Lazy::TypedArrays)?;
    TypedArray::new_copy(ctx.clone(), data.as_ref())
}
