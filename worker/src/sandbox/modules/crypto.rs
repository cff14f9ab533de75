//! The `crypto` module: its JS half (`crypto.js`) gives Node's API over its native
//! half (`warren:native/crypto`): digests, HMACs and randomness.

use hmac::{Hmac, Mac};
use md5::Md5;
use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Ctx, Exception, Function, Module, Object, Result, TypedArray};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::builtin::{BuiltinModule, NativeModule};
use crate::sandbox::runtime::bytes::{copy_bytes, new_bytes};

pub const MODULE: BuiltinModule = BuiltinModule {
    names: &["crypto", "node:crypto"],
    source: include_str!("crypto.js"),
    native: Some(NativeModule {
        name: "warren:native/crypto",
        declare: declare_native,
    }),
};

fn declare_native<'js>(
    ctx: &Ctx<'js>,
    name: &str,
) -> Result<Module<'js, rquickjs::module::Declared>> {
    Module::declare_def::<CryptoNative, _>(ctx.clone(), name)
}

/// The native module the `crypto` JS module imports.
pub struct CryptoNative;

impl ModuleDef for CryptoNative {
    fn declare(decl: &Declarations<'_>) -> Result<()> {
        for name in ["digest", "hmac", "randomFill", "uuid"] {
            decl.declare(name)?;
        }
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        exports.export("digest", Function::new(ctx.clone(), digest)?)?;
        exports.export("hmac", Function::new(ctx.clone(), hmac)?)?;
        exports.export("randomFill", Function::new(ctx.clone(), random_fill)?)?;
        exports.export("uuid", Function::new(ctx.clone(), uuid)?)?;
        Ok(())
    }
}

/// Adds `randomFill` and `uuid` to a job's `host` (for the global `crypto`).
pub fn install_random<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> Result<()> {
    host.set("randomFill", Function::new(ctx.clone(), random_fill)?)?;
    host.set("uuid", Function::new(ctx.clone(), uuid)?)
}

fn chunks_of(chunks: Vec<TypedArray<'_, u8>>) -> Vec<Vec<u8>> {
    chunks.iter().map(copy_bytes).collect()
}

fn hash_with<D: Digest>(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut hasher = D::new();
    for chunk in chunks {
        hasher.update(chunk);
    }
    hasher.finalize().to_vec()
}

fn hmac_with<M: Mac + hmac::digest::KeyInit>(key: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for chunk in chunks {
        mac.update(chunk);
    }
    mac.finalize().into_bytes().to_vec()
}

fn digest<'js>(
    ctx: Ctx<'js>,
    alg: String,
    chunks: Vec<TypedArray<'js, u8>>,
) -> Result<TypedArray<'js, u8>> {
    let chunks = chunks_of(chunks);
    let out = match alg.as_str() {
        "md5" => hash_with::<Md5>(&chunks),
        "sha1" => hash_with::<Sha1>(&chunks),
        "sha224" => hash_with::<Sha224>(&chunks),
        "sha256" => hash_with::<Sha256>(&chunks),
        "sha384" => hash_with::<Sha384>(&chunks),
        "sha512" => hash_with::<Sha512>(&chunks),
        _ => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("Digest method not supported: {alg}"),
            ));
        }
    };
    new_bytes(&ctx, out)
}

fn hmac<'js>(
    ctx: Ctx<'js>,
    alg: String,
    key: TypedArray<'js, u8>,
    chunks: Vec<TypedArray<'js, u8>>,
) -> Result<TypedArray<'js, u8>> {
    let key = copy_bytes(&key);
    let chunks = chunks_of(chunks);
    let out = match alg.as_str() {
        "md5" => hmac_with::<Hmac<Md5>>(&key, &chunks),
        "sha1" => hmac_with::<Hmac<Sha1>>(&key, &chunks),
        "sha224" => hmac_with::<Hmac<Sha224>>(&key, &chunks),
        "sha256" => hmac_with::<Hmac<Sha256>>(&key, &chunks),
        "sha384" => hmac_with::<Hmac<Sha384>>(&key, &chunks),
        "sha512" => hmac_with::<Hmac<Sha512>>(&key, &chunks),
        _ => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("Digest method not supported: {alg}"),
            ));
        }
    };
    new_bytes(&ctx, out)
}

fn random_fill<'js>(ctx: Ctx<'js>, target: TypedArray<'js, u8>) -> Result<()> {
    let Some(raw) = target.as_raw() else {
        return Ok(());
    };
    // SAFETY: `raw` points at the live, attached bytes of `target`, which this call holds;
    // no JS runs while the slice is borrowed.
    let bytes = unsafe { &mut *raw.as_ptr() };
    getrandom::fill(bytes)
        .map_err(|err| Exception::throw_internal(&ctx, &format!("no randomness: {err}")))
}

fn uuid(ctx: Ctx<'_>) -> Result<String> {
    warren_wire::ids::uuid_v4()
        .map_err(|err| Exception::throw_internal(&ctx, &format!("no randomness: {err}")))
}
