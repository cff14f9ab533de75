//! Asymmetric keys: read from PEM, DER (PKCS#8, SPKI, PKCS#1, SEC1), JWK and raw
//! public points, written back in each, and described as Node's `KeyObject` describes
//! them. A key crosses into JavaScript as DER (PKCS#8 when private, SPKI when public),
//! so the job's side never holds anything but bytes.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use pkcs8::der::pem::{self, LineEnding};
use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::OsRng;
use rsa::pkcs1::{
    DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey, EncodeRsaPublicKey,
};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value, json};
use spki::der::{Decode as _, Encode as _};
use spki::{DecodePublicKey, EncodePublicKey};

use super::error::{CryptoError, CryptoResult};

/// An asymmetric key of a kind Warren signs and verifies with.
pub enum AsymmetricKey {
    RsaPrivate(Box<RsaPrivateKey>),
    RsaPublic(RsaPublicKey),
    EcPrivate(EcSecret),
    EcPublic(EcPublic),
    Ed25519Private(Box<ed25519_dalek::SigningKey>),
    Ed25519Public(ed25519_dalek::VerifyingKey),
}

/// A private key on one of the NIST curves.
pub enum EcSecret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
}

/// A public key on one of the NIST curves.
pub enum EcPublic {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
}

impl EcSecret {
    /// The bytes of its curve's field elements.
    pub fn field_len(&self) -> usize {
        match self {
            EcSecret::P256(_) => 32,
            EcSecret::P384(_) => 48,
            EcSecret::P521(_) => 66,
        }
    }
}

impl EcPublic {
    /// The bytes of its curve's field elements.
    pub fn field_len(&self) -> usize {
        match self {
            EcPublic::P256(_) => 32,
            EcPublic::P384(_) => 48,
            EcPublic::P521(_) => 66,
        }
    }
}

/// What Node's `KeyObject` tells about a key.
pub struct KeyInfo {
    pub private: bool,
    /// `asymmetricKeyType`: `rsa`, `ec` or `ed25519`.
    pub kind: &'static str,
    /// The JWK name of an EC key's curve (`P-256`, ...).
    pub curve: Option<&'static str>,
    pub modulus_bits: Option<usize>,
    pub public_exponent: Option<u64>,
}

/// The most RSA modulus bits Warren reads (the `rsa` crate's own limit for public
/// keys): larger keys make every signature cost more native time than a job's
/// timeout can stop.
pub const MAX_RSA_BITS: usize = 4096;

/// The most bytes of key material read: a 4096-bit private key is about 3 KiB of
/// PEM, a certificate a few. Checked before any parsing, so that no key's numbers are
/// large enough to make validating them slow.
pub const MAX_KEY_INPUT: usize = 64 << 10;

impl AsymmetricKey {
    /// Reads key material given in `format`: `pem`, `pkcs8`, `spki`, `pkcs1`, `sec1`
    /// (DER), `jwk` (JSON text), or `raw:<curve>` (a public point or Ed25519 key).
    pub fn import(format: &str, data: &[u8]) -> CryptoResult<Self> {
        if data.len() > MAX_KEY_INPUT {
            return Err(CryptoError::InvalidKey(format!(
                "key material is at most {MAX_KEY_INPUT} bytes"
            )));
        }
        match format {
            "pem" => Self::from_pem(text(data)?),
            "pkcs8" => Self::from_pkcs8(data),
            "spki" => Self::from_spki(data),
            "pkcs1" => Self::from_pkcs1(data),
            "sec1" => Self::from_sec1(data),
            "jwk" => Self::from_jwk(text(data)?),
            _ => match format.strip_prefix("raw:") {
                Some(curve) => Self::from_raw_public(curve, data),
                None => Err(CryptoError::Unsupported(format!("key format {format}"))),
            },
        }
    }

    /// A new private key: `ec` on `curve` (`P-256`, `P-384`, `P-521`), or `ed25519`.
    pub fn generate(kind: &str, curve: &str) -> CryptoResult<Self> {
        Ok(match (kind, curve) {
            ("ec", "P-256") => {
                AsymmetricKey::EcPrivate(EcSecret::P256(p256::SecretKey::random(&mut OsRng)))
            }
            ("ec", "P-384") => {
                AsymmetricKey::EcPrivate(EcSecret::P384(p384::SecretKey::random(&mut OsRng)))
            }
            ("ec", "P-521") => {
                AsymmetricKey::EcPrivate(EcSecret::P521(p521::SecretKey::random(&mut OsRng)))
            }
            ("ed25519", _) => AsymmetricKey::Ed25519Private(Box::new(
                ed25519_dalek::SigningKey::generate(&mut OsRng),
            )),
            _ => {
                return Err(CryptoError::Unsupported(format!(
                    "generating {kind} {curve} keys"
                )));
            }
        })
    }

    /// The public half of a private key; a public key itself.
    pub fn public(&self) -> AsymmetricKey {
        match self {
            AsymmetricKey::RsaPrivate(key) => AsymmetricKey::RsaPublic(key.to_public_key()),
            AsymmetricKey::RsaPublic(key) => AsymmetricKey::RsaPublic(key.clone()),
            AsymmetricKey::EcPrivate(key) => AsymmetricKey::EcPublic(key.public()),
            AsymmetricKey::EcPublic(key) => AsymmetricKey::EcPublic(key.clone()),
            AsymmetricKey::Ed25519Private(key) => AsymmetricKey::Ed25519Public(key.verifying_key()),
            AsymmetricKey::Ed25519Public(key) => AsymmetricKey::Ed25519Public(*key),
        }
    }

    pub fn is_private(&self) -> bool {
        matches!(
            self,
            AsymmetricKey::RsaPrivate(_)
                | AsymmetricKey::EcPrivate(_)
                | AsymmetricKey::Ed25519Private(_)
        )
    }

    pub fn info(&self) -> KeyInfo {
        let (kind, curve, modulus_bits, public_exponent) = match self {
            AsymmetricKey::RsaPrivate(key) => {
                ("rsa", None, Some(key.n().bits()), exponent(key.e()))
            }
            AsymmetricKey::RsaPublic(key) => ("rsa", None, Some(key.n().bits()), exponent(key.e())),
            AsymmetricKey::EcPrivate(key) => ("ec", Some(key.curve()), None, None),
            AsymmetricKey::EcPublic(key) => ("ec", Some(key.curve()), None, None),
            AsymmetricKey::Ed25519Private(_) | AsymmetricKey::Ed25519Public(_) => {
                ("ed25519", None, None, None)
            }
        };
        KeyInfo {
            private: self.is_private(),
            kind,
            curve,
            modulus_bits,
            public_exponent,
        }
    }

    /// The key in `format` (`pkcs8`, `spki`, `pkcs1`, `sec1`, `jwk`, `raw`), as PEM text
    /// when `pem` (DER formats only).
    pub fn export(&self, format: &str, pem: bool) -> CryptoResult<Vec<u8>> {
        let (label, der) = match format {
            "pkcs8" => ("PRIVATE KEY", self.to_pkcs8()?),
            "spki" => ("PUBLIC KEY", self.to_spki()?),
            "pkcs1" => self.to_pkcs1()?,
            "sec1" => match self {
                AsymmetricKey::EcPrivate(key) => ("EC PRIVATE KEY", key.to_sec1()?),
                _ => return Err(unsupported_export("sec1", self)),
            },
            "jwk" => return Ok(self.to_jwk()?.to_string().into_bytes()),
            "raw" => return self.to_raw_public(),
            _ => return Err(CryptoError::Unsupported(format!("key format {format}"))),
        };
        if pem {
            pem::encode_string(label, LineEnding::LF, &der)
                .map(String::into_bytes)
                .map_err(CryptoError::invalid_key)
        } else {
            Ok(der)
        }
    }

    fn from_pem(text: &str) -> CryptoResult<Self> {
        let (label, der) = pem_block(text)?;
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8(&der),
            "PUBLIC KEY" => Self::from_spki(&der),
            "RSA PRIVATE KEY" | "RSA PUBLIC KEY" => Self::from_pkcs1(&der),
            "EC PRIVATE KEY" => Self::from_sec1(&der),
            "ENCRYPTED PRIVATE KEY" => {
                Err(CryptoError::Unsupported("encrypted private keys".into()))
            }
            // A certificate stands for its public key, as in Node (JWT libraries
            // verify with the certificates identity providers publish).
            "CERTIFICATE" => {
                let certificate = x509_cert::Certificate::from_der(&der)
                    .map_err(|_| CryptoError::InvalidKey("not an X.509 certificate".into()))?;
                let spki = certificate
                    .tbs_certificate
                    .subject_public_key_info
                    .to_der()
                    .map_err(CryptoError::invalid_key)?;
                Self::from_spki(&spki)
            }
            _ => Err(CryptoError::InvalidKey(format!(
                "unknown PEM label {label}"
            ))),
        }
    }

    fn from_pkcs8(der: &[u8]) -> CryptoResult<Self> {
        if let Ok(key) = RsaPrivateKey::from_pkcs8_der(der) {
            return rsa_private(key);
        }
        if let Ok(key) = p256::SecretKey::from_pkcs8_der(der) {
            return Ok(AsymmetricKey::EcPrivate(EcSecret::P256(key)));
        }
        if let Ok(key) = p384::SecretKey::from_pkcs8_der(der) {
            return Ok(AsymmetricKey::EcPrivate(EcSecret::P384(key)));
        }
        if let Ok(key) = p521::SecretKey::from_pkcs8_der(der) {
            return Ok(AsymmetricKey::EcPrivate(EcSecret::P521(key)));
        }
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_der(der) {
            return Ok(AsymmetricKey::Ed25519Private(Box::new(key)));
        }
        Err(CryptoError::InvalidKey(
            "not a PKCS#8 RSA, EC (P-256, P-384, P-521) or Ed25519 private key".into(),
        ))
    }

    fn from_spki(der: &[u8]) -> CryptoResult<Self> {
        if let Ok(key) = RsaPublicKey::from_public_key_der(der) {
            return rsa_public(key);
        }
        if let Ok(key) = p256::PublicKey::from_public_key_der(der) {
            return Ok(AsymmetricKey::EcPublic(EcPublic::P256(key)));
        }
        if let Ok(key) = p384::PublicKey::from_public_key_der(der) {
            return Ok(AsymmetricKey::EcPublic(EcPublic::P384(key)));
        }
        if let Ok(key) = p521::PublicKey::from_public_key_der(der) {
            return Ok(AsymmetricKey::EcPublic(EcPublic::P521(key)));
        }
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(AsymmetricKey::Ed25519Public(key));
        }
        Err(CryptoError::InvalidKey(
            "not an SPKI RSA, EC (P-256, P-384, P-521) or Ed25519 public key".into(),
        ))
    }

    fn from_pkcs1(der: &[u8]) -> CryptoResult<Self> {
        if let Ok(key) = RsaPrivateKey::from_pkcs1_der(der) {
            return rsa_private(key);
        }
        RsaPublicKey::from_pkcs1_der(der)
            .map_err(|_| CryptoError::InvalidKey("not a PKCS#1 RSA key".into()))
            .and_then(rsa_public)
    }

    fn from_sec1(der: &[u8]) -> CryptoResult<Self> {
        if let Ok(key) = p256::SecretKey::from_sec1_der(der) {
            return Ok(AsymmetricKey::EcPrivate(EcSecret::P256(key)));
        }
        if let Ok(key) = p384::SecretKey::from_sec1_der(der) {
            return Ok(AsymmetricKey::EcPrivate(EcSecret::P384(key)));
        }
        p521::SecretKey::from_sec1_der(der)
            .map(|key| AsymmetricKey::EcPrivate(EcSecret::P521(key)))
            .map_err(|_| {
                CryptoError::InvalidKey("not a SEC1 P-256, P-384 or P-521 private key".into())
            })
    }

    fn from_raw_public(curve: &str, bytes: &[u8]) -> CryptoResult<Self> {
        let bad = |_| CryptoError::InvalidKey(format!("not a raw {curve} public key"));
        Ok(match curve {
            "P-256" => AsymmetricKey::EcPublic(EcPublic::P256(
                p256::PublicKey::from_sec1_bytes(bytes).map_err(bad)?,
            )),
            "P-384" => AsymmetricKey::EcPublic(EcPublic::P384(
                p384::PublicKey::from_sec1_bytes(bytes).map_err(bad)?,
            )),
            "P-521" => AsymmetricKey::EcPublic(EcPublic::P521(
                p521::PublicKey::from_sec1_bytes(bytes).map_err(bad)?,
            )),
            "Ed25519" => {
                let bytes: &[u8; 32] = bytes.try_into().map_err(|_| {
                    CryptoError::InvalidKey("an Ed25519 public key is 32 bytes".into())
                })?;
                AsymmetricKey::Ed25519Public(
                    ed25519_dalek::VerifyingKey::from_bytes(bytes)
                        .map_err(CryptoError::invalid_key)?,
                )
            }
            _ => return Err(CryptoError::Unsupported(format!("curve {curve}"))),
        })
    }

    fn from_jwk(text: &str) -> CryptoResult<Self> {
        let jwk: Map<String, Value> =
            serde_json::from_str(text).map_err(CryptoError::invalid_key)?;
        let field = |name: &str| -> CryptoResult<Option<Vec<u8>>> {
            match jwk.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(value)) => BASE64URL.decode(value).map(Some).map_err(|_| {
                    CryptoError::InvalidKey(format!("JWK member {name} is not base64url"))
                }),
                Some(_) => Err(CryptoError::InvalidKey(format!(
                    "JWK member {name} is not a string"
                ))),
            }
        };
        let required = |name: &str| {
            field(name)?
                .ok_or_else(|| CryptoError::InvalidKey(format!("JWK member {name} is missing")))
        };
        let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
        let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or_default();
        match kty {
            "RSA" => {
                // Sizes and zeroes first: the numbers are checked before any
                // arithmetic on them (recovering primes from a zero `d` or `n` would
                // underflow, and huge ones take long).
                let number = |name: &str, value: Option<Vec<u8>>, most: usize| match value {
                    None => Ok(None),
                    Some(bytes) => {
                        let number = BigUint::from_bytes_be(&bytes);
                        if number.bits() > most {
                            Err(CryptoError::InvalidKey(format!(
                                "RSA keys have at most {MAX_RSA_BITS} bits (JWK member {name})"
                            )))
                        } else if number.bits() < 2 {
                            Err(CryptoError::InvalidKey(format!(
                                "JWK member {name} is not a valid RSA number"
                            )))
                        } else {
                            Ok(Some(number))
                        }
                    }
                };
                let present = |name: &str, most: usize| {
                    number(name, Some(required(name)?), most).map(Option::unwrap_or_default)
                };
                let n = present("n", MAX_RSA_BITS)?;
                let e = present("e", 64)?;
                match number("d", field("d")?, MAX_RSA_BITS)? {
                    None => RsaPublicKey::new(n, e)
                        .map_err(CryptoError::invalid_key)
                        .and_then(rsa_public),
                    Some(d) => {
                        let p = number("p", field("p")?, MAX_RSA_BITS)?;
                        let q = number("q", field("q")?, MAX_RSA_BITS)?;
                        let primes = match (p, q) {
                            (Some(p), Some(q)) => vec![p, q],
                            _ => Vec::new(),
                        };
                        let key = RsaPrivateKey::from_components(n, e, d, primes)
                            .map_err(CryptoError::invalid_key)?;
                        rsa_private(key)
                    }
                }
            }
            "EC" if matches!(crv, "P-256" | "P-384" | "P-521") => {
                let (x, y) = (required("x")?, required("y")?);
                let mut point = vec![4];
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let public = Self::from_raw_public(crv, &point)?;
                let Some(d) = field("d")? else {
                    return Ok(public);
                };
                let secret = EcSecret::from_scalar(crv, &d)?;
                if secret.public().to_sec1() != point {
                    return Err(CryptoError::InvalidKey(
                        "JWK d does not match x and y".into(),
                    ));
                }
                Ok(AsymmetricKey::EcPrivate(secret))
            }
            "OKP" if crv == "Ed25519" => {
                let x = required("x")?;
                let public = Self::from_raw_public(crv, &x)?;
                let Some(d) = field("d")? else {
                    return Ok(public);
                };
                let d: [u8; 32] = d.as_slice().try_into().map_err(|_| {
                    CryptoError::InvalidKey("an Ed25519 private key is 32 bytes".into())
                })?;
                let key = ed25519_dalek::SigningKey::from_bytes(&d);
                if key.verifying_key().as_bytes().as_slice() != x.as_slice() {
                    return Err(CryptoError::InvalidKey("JWK d does not match x".into()));
                }
                Ok(AsymmetricKey::Ed25519Private(Box::new(key)))
            }
            "EC" | "OKP" => Err(CryptoError::Unsupported(format!("{kty} curve {crv}"))),
            "oct" => Err(CryptoError::InvalidKey(
                "an oct JWK is a secret key, not an asymmetric one".into(),
            )),
            _ => Err(CryptoError::InvalidKey(format!("unknown JWK kty {kty:?}"))),
        }
    }

    fn to_pkcs8(&self) -> CryptoResult<Vec<u8>> {
        let document = match self {
            AsymmetricKey::RsaPrivate(key) => key.to_pkcs8_der(),
            AsymmetricKey::EcPrivate(EcSecret::P256(key)) => key.to_pkcs8_der(),
            AsymmetricKey::EcPrivate(EcSecret::P384(key)) => key.to_pkcs8_der(),
            AsymmetricKey::EcPrivate(EcSecret::P521(key)) => key.to_pkcs8_der(),
            AsymmetricKey::Ed25519Private(key) => key.to_pkcs8_der(),
            _ => return Err(unsupported_export("pkcs8", self)),
        };
        document
            .map(|doc| doc.as_bytes().to_vec())
            .map_err(CryptoError::invalid_key)
    }

    fn to_spki(&self) -> CryptoResult<Vec<u8>> {
        let document = match self.public() {
            AsymmetricKey::RsaPublic(key) => key.to_public_key_der(),
            AsymmetricKey::EcPublic(EcPublic::P256(key)) => key.to_public_key_der(),
            AsymmetricKey::EcPublic(EcPublic::P384(key)) => key.to_public_key_der(),
            AsymmetricKey::EcPublic(EcPublic::P521(key)) => key.to_public_key_der(),
            AsymmetricKey::Ed25519Public(key) => key.to_public_key_der(),
            _ => unreachable!("public() is public"),
        };
        document
            .map(|doc| doc.as_bytes().to_vec())
            .map_err(CryptoError::invalid_key)
    }

    fn to_pkcs1(&self) -> CryptoResult<(&'static str, Vec<u8>)> {
        match self {
            AsymmetricKey::RsaPrivate(key) => key
                .to_pkcs1_der()
                .map(|doc| ("RSA PRIVATE KEY", doc.as_bytes().to_vec()))
                .map_err(CryptoError::invalid_key),
            AsymmetricKey::RsaPublic(key) => key
                .to_pkcs1_der()
                .map(|doc| ("RSA PUBLIC KEY", doc.as_bytes().to_vec()))
                .map_err(CryptoError::invalid_key),
            _ => Err(unsupported_export("pkcs1", self)),
        }
    }

    fn to_raw_public(&self) -> CryptoResult<Vec<u8>> {
        match self {
            AsymmetricKey::EcPublic(key) => Ok(key.to_sec1()),
            AsymmetricKey::Ed25519Public(key) => Ok(key.as_bytes().to_vec()),
            _ => Err(unsupported_export("raw", self)),
        }
    }

    fn to_jwk(&self) -> CryptoResult<Value> {
        let b64 = |bytes: &[u8]| Value::String(general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let big = |n: &BigUint| b64(&n.to_bytes_be());
        Ok(match self {
            AsymmetricKey::RsaPublic(key) => {
                json!({ "kty": "RSA", "n": big(key.n()), "e": big(key.e()) })
            }
            AsymmetricKey::RsaPrivate(key) => {
                let [p, q] = key.primes() else {
                    return Err(CryptoError::Unsupported(
                        "JWK export of multi-prime RSA keys".into(),
                    ));
                };
                let one = BigUint::from(1u8);
                let qi = key.crt_coefficient().ok_or_else(|| {
                    CryptoError::InvalidKey("RSA key without a CRT coefficient".into())
                })?;
                json!({
                    "kty": "RSA", "n": big(key.n()), "e": big(key.e()), "d": big(key.d()),
                    "p": big(p), "q": big(q),
                    "dp": big(&(key.d() % (p - &one))), "dq": big(&(key.d() % (q - &one))), "qi": big(&qi),
                })
            }
            AsymmetricKey::EcPublic(key) => ec_jwk(key, None),
            AsymmetricKey::EcPrivate(key) => ec_jwk(&key.public(), Some(key.scalar())),
            AsymmetricKey::Ed25519Public(key) => {
                json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(key.as_bytes()) })
            }
            AsymmetricKey::Ed25519Private(key) => json!({
                "kty": "OKP", "crv": "Ed25519",
                "x": b64(key.verifying_key().as_bytes()), "d": b64(&key.to_bytes()),
            }),
        })
    }
}

impl EcSecret {
    fn from_scalar(curve: &str, d: &[u8]) -> CryptoResult<Self> {
        let bad = |_| CryptoError::InvalidKey(format!("not a {curve} private scalar"));
        Ok(match curve {
            "P-256" => EcSecret::P256(p256::SecretKey::from_slice(d).map_err(bad)?),
            "P-384" => EcSecret::P384(p384::SecretKey::from_slice(d).map_err(bad)?),
            "P-521" => EcSecret::P521(p521::SecretKey::from_slice(d).map_err(bad)?),
            _ => return Err(CryptoError::Unsupported(format!("curve {curve}"))),
        })
    }

    pub fn public(&self) -> EcPublic {
        match self {
            EcSecret::P256(key) => EcPublic::P256(key.public_key()),
            EcSecret::P384(key) => EcPublic::P384(key.public_key()),
            EcSecret::P521(key) => EcPublic::P521(key.public_key()),
        }
    }

    pub fn curve(&self) -> &'static str {
        self.public().curve()
    }

    fn scalar(&self) -> Vec<u8> {
        match self {
            EcSecret::P256(key) => key.to_bytes().to_vec(),
            EcSecret::P384(key) => key.to_bytes().to_vec(),
            EcSecret::P521(key) => key.to_bytes().to_vec(),
        }
    }

    fn to_sec1(&self) -> CryptoResult<Vec<u8>> {
        let document = match self {
            EcSecret::P256(key) => key.to_sec1_der(),
            EcSecret::P384(key) => key.to_sec1_der(),
            EcSecret::P521(key) => key.to_sec1_der(),
        };
        document
            .map(|doc| doc.to_vec())
            .map_err(CryptoError::invalid_key)
    }
}

impl EcPublic {
    pub fn curve(&self) -> &'static str {
        match self {
            EcPublic::P256(_) => "P-256",
            EcPublic::P384(_) => "P-384",
            EcPublic::P521(_) => "P-521",
        }
    }

    /// The uncompressed point (`04 || x || y`).
    pub fn to_sec1(&self) -> Vec<u8> {
        match self {
            EcPublic::P256(key) => key.to_sec1_bytes().to_vec(),
            EcPublic::P384(key) => key.to_sec1_bytes().to_vec(),
            EcPublic::P521(key) => key.to_sec1_bytes().to_vec(),
        }
    }
}

impl Clone for EcPublic {
    fn clone(&self) -> Self {
        match self {
            EcPublic::P256(key) => EcPublic::P256(*key),
            EcPublic::P384(key) => EcPublic::P384(*key),
            EcPublic::P521(key) => EcPublic::P521(*key),
        }
    }
}

/// base64url, with or without padding, as JWKs are written in the wild.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn ec_jwk(public: &EcPublic, d: Option<Vec<u8>>) -> Value {
    let point = public.to_sec1();
    let half = (point.len() - 1) / 2;
    let b64 = |bytes: &[u8]| general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut jwk = json!({
        "kty": "EC", "crv": public.curve(),
        "x": b64(&point[1..=half]), "y": b64(&point[1 + half..]),
    });
    if let Some(d) = d {
        jwk["d"] = Value::String(b64(&d));
    }
    jwk
}

fn rsa_private(key: RsaPrivateKey) -> CryptoResult<AsymmetricKey> {
    check_rsa_size(key.n())?;
    Ok(AsymmetricKey::RsaPrivate(Box::new(key)))
}

fn rsa_public(key: RsaPublicKey) -> CryptoResult<AsymmetricKey> {
    check_rsa_size(key.n())?;
    Ok(AsymmetricKey::RsaPublic(key))
}

fn check_rsa_size(n: &BigUint) -> CryptoResult<()> {
    if n.bits() > MAX_RSA_BITS {
        return Err(CryptoError::InvalidKey(format!(
            "RSA keys have at most {MAX_RSA_BITS} bits"
        )));
    }
    Ok(())
}

fn exponent(e: &BigUint) -> Option<u64> {
    let bytes = e.to_bytes_be();
    (bytes.len() <= 8).then(|| bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn unsupported_export(format: &str, key: &AsymmetricKey) -> CryptoError {
    let info = key.info();
    let which = if info.private { "private" } else { "public" };
    CryptoError::Unsupported(format!("{format} export of {which} {} keys", info.kind))
}

fn text(data: &[u8]) -> CryptoResult<&str> {
    std::str::from_utf8(data).map_err(|_| CryptoError::InvalidKey("key text is not UTF-8".into()))
}

/// The first PEM block of `text` that holds a key (OpenSSL puts `EC PARAMETERS`
/// before an EC key), as its label and DER bytes.
fn pem_block(text: &str) -> CryptoResult<(String, Vec<u8>)> {
    const BEGIN: &str = "-----BEGIN ";
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let block = &rest[start..];
        let label_end = block[BEGIN.len()..]
            .find("-----")
            .ok_or_else(|| CryptoError::InvalidKey("malformed PEM".into()))?;
        let label = &block[BEGIN.len()..BEGIN.len() + label_end];
        let end_marker = format!("-----END {label}-----");
        let end = block
            .find(&end_marker)
            .ok_or_else(|| CryptoError::InvalidKey(format!("PEM block {label} has no end")))?;
        let body = &block[BEGIN.len() + label_end + "-----".len()..end];
        rest = &block[end + end_marker.len()..];
        if label == "EC PARAMETERS" {
            continue;
        }
        if body.contains(':') {
            return Err(CryptoError::Unsupported("encrypted PEM keys".into()));
        }
        // Lenient about layout (line lengths, CRLF, indentation), as OpenSSL is.
        let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = general_purpose::STANDARD
            .decode(base64)
            .map_err(|_| CryptoError::InvalidKey(format!("PEM block {label} is not base64")))?;
        return Ok((label.to_owned(), der));
    }
    Err(CryptoError::InvalidKey("no PEM key found".into()))
}
