//! The `crypto` module: its JS half (`crypto.js`) gives Node's API over its native
//! half (`warren:native/crypto`): digests, HMACs, PBKDF2, randomness, asymmetric keys
//! and signatures, and AES. The same natives back the global Web Crypto `crypto`
//! (`globals/web_crypto.js`). All the cryptography is RustCrypto's.

mod ciphers;
mod digests;
mod error;
mod keys;
mod signatures;

use crate::sandbox::runtime::pins::host_function;
use rquickjs::module::{Declarations, Exports, ModuleDef};
use rquickjs::{Ctx, Exception, Function, Module, Object, Result, TypedArray};

use self::digests::HashName;
use self::error::{CryptoError, CryptoResult};
use self::keys::AsymmetricKey;
use self::signatures::Scheme;
use super::builtin::{BuiltinModule, NativeModule};
use crate::sandbox::runtime::bytes::{copy_bytes, new_bytes};
use crate::sandbox::runtime::random;

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

/// Every native helper, by the name JS calls it.
const NATIVES: &[&str] = &[
    "digest",
    "hmac",
    "pbkdf2",
    "randomFill",
    "uuid",
    "keyImport",
    "keyExport",
    "keyPublic",
    "keyGenerate",
    "sign",
    "verify",
    "aesGcm",
    "aesCbc",
];

/// The native module the `crypto` JS module imports.
pub struct CryptoNative;

impl ModuleDef for CryptoNative {
    fn declare(decl: &Declarations<'_>) -> Result<()> {
        for name in NATIVES {
            decl.declare(*name)?;
        }
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> Result<()> {
        let natives = Object::new(ctx.clone())?;
        install(ctx, &natives)?;
        for name in NATIVES {
            exports.export(*name, natives.get::<_, rquickjs::Value>(*name)?)?;
        }
        Ok(())
    }
}

/// Adds every native helper to `target` (a job's `host`, for the global `crypto`).
pub fn install<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> Result<()> {
    let set = |name: &str, function: Result<Function<'js>>| target.set(name, function?);
    set("digest", host_function(ctx, digest))?;
    set("hmac", host_function(ctx, hmac))?;
    set("pbkdf2", host_function(ctx, pbkdf2))?;
    set("randomFill", host_function(ctx, random_fill))?;
    set("uuid", host_function(ctx, uuid))?;
    set("keyImport", host_function(ctx, key_import))?;
    set("keyExport", host_function(ctx, key_export))?;
    set("keyPublic", host_function(ctx, key_public))?;
    set("keyGenerate", host_function(ctx, key_generate))?;
    set("sign", host_function(ctx, sign))?;
    set("verify", host_function(ctx, verify))?;
    set("aesGcm", host_function(ctx, aes_gcm))?;
    set("aesCbc", host_function(ctx, aes_cbc))
}

fn digest<'js>(
    ctx: Ctx<'js>,
    alg: String,
    chunks: Vec<TypedArray<'js, u8>>,
) -> Result<TypedArray<'js, u8>> {
    let hash = throwing(&ctx, HashName::parse(&alg))?;
    let chunks: Vec<Vec<u8>> = chunks.iter().map(copy_bytes).collect();
    let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    new_bytes(&ctx, digests::digest(hash, &chunks))
}

fn hmac<'js>(
    ctx: Ctx<'js>,
    alg: String,
    key: TypedArray<'js, u8>,
    chunks: Vec<TypedArray<'js, u8>>,
) -> Result<TypedArray<'js, u8>> {
    let hash = throwing(&ctx, HashName::parse(&alg))?;
    let chunks: Vec<Vec<u8>> = chunks.iter().map(copy_bytes).collect();
    let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    new_bytes(&ctx, digests::hmac(hash, &copy_bytes(&key), &chunks))
}

fn pbkdf2<'js>(
    ctx: Ctx<'js>,
    alg: String,
    password: TypedArray<'js, u8>,
    salt: TypedArray<'js, u8>,
    iterations: f64,
    length: f64,
) -> Result<TypedArray<'js, u8>> {
    let hash = throwing(&ctx, HashName::parse(&alg))?;
    let (Some(iterations), Some(length)) = (whole(iterations), whole(length)) else {
        return Err(Exception::throw_range(
            &ctx,
            "PBKDF2 iterations and length must be whole numbers",
        ));
    };
    let iterations = u32::try_from(iterations).unwrap_or(u32::MAX);
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    let out = digests::pbkdf2(
        hash,
        &copy_bytes(&password),
        &copy_bytes(&salt),
        iterations,
        length,
    );
    new_bytes(&ctx, throwing(&ctx, out)?)
}

fn random_fill<'js>(ctx: Ctx<'js>, target: TypedArray<'js, u8>) -> Result<()> {
    let Some(raw) = target.as_raw() else {
        return Ok(());
    };
    // SAFETY: `raw` points at the live, attached bytes of `target`, which this call holds;
    // no JS runs while the slice is borrowed.
    let bytes = unsafe { &mut *raw.as_ptr() };
    random::count_draw(&ctx);
    // Drawn into a buffer of our own, then copied: the kernel cannot write into a
    // restored runtime's heap, whose pages may be write-protected until the first
    // write from the process itself (`runtime::arena`).
    let mut drawn = [0u8; 256];
    for chunk in bytes.chunks_mut(drawn.len()) {
        let drawn = &mut drawn[..chunk.len()];
        getrandom::fill(drawn)
            .map_err(|err| throw(&ctx, CryptoError::Randomness(err.to_string())))?;
        chunk.copy_from_slice(drawn);
    }
    Ok(())
}

fn uuid(ctx: Ctx<'_>) -> Result<String> {
    random::count_draw(&ctx);
    warren_wire::ids::uuid_v4().map_err(|err| throw(&ctx, CryptoError::Randomness(err.to_string())))
}

/// Reads a key given in `format` (see [`AsymmetricKey::import`]) and describes it.
fn key_import<'js>(
    ctx: Ctx<'js>,
    format: String,
    data: TypedArray<'js, u8>,
) -> Result<Object<'js>> {
    let data = copy_bytes(&data);
    let key = throwing(&ctx, guarded(|| AsymmetricKey::import(&format, &data)))?;
    describe(&ctx, &key)
}

/// The key held as `der` (PKCS#8 or SPKI), in `format`, as PEM text bytes when `pem`.
fn key_export<'js>(
    ctx: Ctx<'js>,
    der: TypedArray<'js, u8>,
    format: String,
    pem: bool,
) -> Result<TypedArray<'js, u8>> {
    let key = held(&ctx, &der)?;
    new_bytes(&ctx, throwing(&ctx, guarded(|| key.export(&format, pem)))?)
}

/// The public half of the key held as `der`, described.
fn key_public<'js>(ctx: Ctx<'js>, der: TypedArray<'js, u8>) -> Result<Object<'js>> {
    describe(&ctx, &held(&ctx, &der)?.public())
}

fn key_generate<'js>(ctx: Ctx<'js>, kind: String, curve: String) -> Result<Object<'js>> {
    random::count_draw(&ctx);
    let key = throwing(&ctx, AsymmetricKey::generate(&kind, &curve))?;
    describe(&ctx, &key)
}

fn sign<'js>(
    ctx: Ctx<'js>,
    scheme: String,
    hash: String,
    der: TypedArray<'js, u8>,
    data: TypedArray<'js, u8>,
    salt: f64,
) -> Result<TypedArray<'js, u8>> {
    let (key, scheme, hash) = signing_args(&ctx, &der, &scheme, &hash, salt)?;
    let data = copy_bytes(&data);
    let signature = guarded(|| signatures::sign(&key, scheme, hash, &data));
    new_bytes(&ctx, throwing(&ctx, signature)?)
}

fn verify<'js>(
    ctx: Ctx<'js>,
    scheme: String,
    hash: String,
    der: TypedArray<'js, u8>,
    data: TypedArray<'js, u8>,
    signature: TypedArray<'js, u8>,
    salt: f64,
) -> Result<bool> {
    let (key, scheme, hash) = signing_args(&ctx, &der, &scheme, &hash, salt)?;
    let (data, signature) = (copy_bytes(&data), copy_bytes(&signature));
    throwing(
        &ctx,
        guarded(|| signatures::verify(&key, scheme, hash, &data, &signature)),
    )
}

fn aes_gcm<'js>(
    ctx: Ctx<'js>,
    encrypt: bool,
    key: TypedArray<'js, u8>,
    iv: TypedArray<'js, u8>,
    data: TypedArray<'js, u8>,
    aad: TypedArray<'js, u8>,
    tag: TypedArray<'js, u8>,
) -> Result<TypedArray<'js, u8>> {
    let out = ciphers::aes_gcm(
        encrypt,
        &copy_bytes(&key),
        &copy_bytes(&iv),
        &copy_bytes(&data),
        &copy_bytes(&aad),
        &copy_bytes(&tag),
    );
    new_bytes(&ctx, throwing(&ctx, out)?)
}

fn aes_cbc<'js>(
    ctx: Ctx<'js>,
    encrypt: bool,
    key: TypedArray<'js, u8>,
    iv: TypedArray<'js, u8>,
    data: TypedArray<'js, u8>,
    padding: bool,
) -> Result<TypedArray<'js, u8>> {
    let out = ciphers::aes_cbc(
        encrypt,
        &copy_bytes(&key),
        &copy_bytes(&iv),
        &copy_bytes(&data),
        padding,
    );
    new_bytes(&ctx, throwing(&ctx, out)?)
}

/// The key, scheme and hash a `sign` or `verify` call names: `pkcs1`, `pss` (`salt`
/// is its salt length, negative for the default), `ecdsa-der`, `ecdsa-p1363` (`r || s`)
/// or `ed25519`.
fn signing_args(
    ctx: &Ctx<'_>,
    der: &TypedArray<'_, u8>,
    scheme: &str,
    hash: &str,
    salt: f64,
) -> Result<(AsymmetricKey, Scheme, HashName)> {
    let scheme = match scheme {
        "pkcs1" => Scheme::Pkcs1v15,
        "pss" => Scheme::Pss {
            salt: whole(salt).and_then(|salt| usize::try_from(salt).ok()),
        },
        "ecdsa-der" => Scheme::Ecdsa { p1363: false },
        "ecdsa-p1363" => Scheme::Ecdsa { p1363: true },
        "ed25519" => Scheme::Ed25519,
        _ => {
            return Err(throw(
                ctx,
                CryptoError::Unsupported(format!("signature scheme {scheme}")),
            ));
        }
    };
    let hash = match scheme {
        // Ed25519 hashes inside; the name is not used.
        Scheme::Ed25519 => HashName::Sha512,
        _ => throwing(ctx, HashName::parse(hash))?,
    };
    Ok((held(ctx, der)?, scheme, hash))
}

/// The key `crypto.js` holds as DER: PKCS#8 when private, SPKI when public.
fn held(ctx: &Ctx<'_>, der: &TypedArray<'_, u8>) -> Result<AsymmetricKey> {
    let der = copy_bytes(der);
    let key = guarded(|| {
        AsymmetricKey::import("pkcs8", &der).or_else(|_| AsymmetricKey::import("spki", &der))
    });
    throwing(ctx, key)
}

/// `work`'s result, or an error if the cryptography under it panicked: key material
/// from a job never takes a slot down, whatever a crate asserts about its numbers.
fn guarded<T>(work: impl FnOnce() -> CryptoResult<T>) -> CryptoResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(CryptoError::InvalidKey(
            "the key material is malformed".into(),
        ))
    })
}

/// What `crypto.js` keeps of a key: its DER and what Node's `KeyObject` shows.
fn describe<'js>(ctx: &Ctx<'js>, key: &AsymmetricKey) -> Result<Object<'js>> {
    let info = key.info();
    let format = if info.private { "pkcs8" } else { "spki" };
    let der = throwing(ctx, key.export(format, false))?;
    let out = Object::new(ctx.clone())?;
    out.set("type", if info.private { "private" } else { "public" })?;
    out.set("asymmetricKeyType", info.kind)?;
    out.set("der", new_bytes(ctx, der)?)?;
    if let Some(curve) = info.curve {
        out.set("namedCurve", curve)?;
    }
    if let Some(bits) = info.modulus_bits {
        out.set("modulusLength", bits as f64)?;
    }
    if let Some(exponent) = info.public_exponent {
        out.set("publicExponent", exponent as f64)?;
    }
    Ok(out)
}

/// `value` as a whole number, if it is one (NaN, infinities and fractions are not).
fn whole(value: f64) -> Option<u64> {
    (value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= u64::MAX as f64)
        .then_some(value as u64)
}

fn throwing<T>(ctx: &Ctx<'_>, result: CryptoResult<T>) -> Result<T> {
    result.map_err(|err| throw(ctx, err))
}

/// `err` as the JS error Node would throw: a `TypeError` for what Warren does not
/// do, an `Error` for the rest.
fn throw(ctx: &Ctx<'_>, err: CryptoError) -> rquickjs::Error {
    match err {
        CryptoError::Unsupported(_) => Exception::throw_type(ctx, &err.to_string()),
        _ => Exception::throw_message(ctx, &err.to_string()),
    }
}
