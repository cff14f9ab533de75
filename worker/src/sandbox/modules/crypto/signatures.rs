//! Signing and verifying with asymmetric keys: RSA PKCS#1 v1.5 and PSS, ECDSA on
//! P-256/384/521, and Ed25519, as JWT libraries and Web Crypto use them.

use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier, RandomizedPrehashSigner};
use ed25519_dalek::{Signer as _, Verifier as _};
use rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::digests::{HashName, digest};
use super::error::{CryptoError, CryptoResult};
use super::keys::{AsymmetricKey, EcPublic, EcSecret};

/// How a signature is made.
#[derive(Clone, Copy, Debug)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 (RS256...).
    Pkcs1v15,
    /// RSASSA-PSS (PS256...) with a salt of `salt` bytes; `None` signs with the
    /// hash's length and verifies whatever common length the signature used.
    Pss { salt: Option<usize> },
    /// ECDSA, the signature as DER (Node's default) or as `r || s` (IEEE P1363:
    /// Web Crypto and JWS).
    Ecdsa { p1363: bool },
    /// Ed25519 (the hash is not used).
    Ed25519,
}

/// `data` signed with the private `key`.
pub fn sign(
    key: &AsymmetricKey,
    scheme: Scheme,
    hash: HashName,
    data: &[u8],
) -> CryptoResult<Vec<u8>> {
    match (key, scheme) {
        (AsymmetricKey::RsaPrivate(key), Scheme::Pkcs1v15) => key
            .sign_with_rng(&mut OsRng, pkcs1v15(hash)?, &digest(hash, &[data]))
            .map_err(signing),
        (AsymmetricKey::RsaPrivate(key), Scheme::Pss { salt }) => {
            let salt = salt.unwrap_or(hash.len());
            if salt > max_pss_salt(&**key, hash) {
                return Err(CryptoError::InvalidArgument(
                    "PSS salt too long for the key".into(),
                ));
            }
            key.sign_with_rng(&mut OsRng, pss(hash, salt)?, &digest(hash, &[data]))
                .map_err(signing)
        }
        (AsymmetricKey::EcPrivate(key), Scheme::Ecdsa { p1363 }) => {
            ecdsa_sign(key, &digest(hash, &[data]), p1363)
        }
        (AsymmetricKey::Ed25519Private(key), Scheme::Ed25519) => {
            Ok(key.sign(data).to_bytes().to_vec())
        }
        (key, scheme) if !key.is_private() => Err(CryptoError::InvalidKey(format!(
            "{scheme:?} signing needs a private key"
        ))),
        (key, scheme) => Err(mismatch(key, scheme)),
    }
}

/// Whether `signature` is `key`'s over `data` (a private key verifies as its public
/// half). A malformed signature is `false`, as in Node.
pub fn verify(
    key: &AsymmetricKey,
    scheme: Scheme,
    hash: HashName,
    data: &[u8],
    signature: &[u8],
) -> CryptoResult<bool> {
    match (key.public(), scheme) {
        (AsymmetricKey::RsaPublic(key), Scheme::Pkcs1v15) => Ok(key
            .verify(pkcs1v15(hash)?, &digest(hash, &[data]), signature)
            .is_ok()),
        (AsymmetricKey::RsaPublic(key), Scheme::Pss { salt }) => {
            let hashed = digest(hash, &[data]);
            let max = max_pss_salt(&key, hash);
            let salts = match salt {
                Some(salt) => vec![salt],
                None => vec![hash.len(), max, 0, 20, 32, 48, 64],
            };
            for salt in salts.into_iter().filter(|salt| *salt <= max) {
                if key.verify(pss(hash, salt)?, &hashed, signature).is_ok() {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        (AsymmetricKey::EcPublic(key), Scheme::Ecdsa { p1363 }) => {
            Ok(ecdsa_verify(&key, &digest(hash, &[data]), signature, p1363))
        }
        (AsymmetricKey::Ed25519Public(key), Scheme::Ed25519) => {
            let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(key.verify(data, &signature).is_ok())
        }
        (key, scheme) => Err(mismatch(&key, scheme)),
    }
}

fn pkcs1v15(hash: HashName) -> CryptoResult<Pkcs1v15Sign> {
    Ok(match hash {
        HashName::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
        HashName::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
        HashName::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        HashName::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        HashName::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        HashName::Md5 => return Err(CryptoError::Unsupported("RSA signatures with MD5".into())),
    })
}

fn pss(hash: HashName, salt: usize) -> CryptoResult<Pss> {
    Ok(match hash {
        HashName::Sha1 => Pss::new_with_salt::<Sha1>(salt),
        HashName::Sha224 => Pss::new_with_salt::<Sha224>(salt),
        HashName::Sha256 => Pss::new_with_salt::<Sha256>(salt),
        HashName::Sha384 => Pss::new_with_salt::<Sha384>(salt),
        HashName::Sha512 => Pss::new_with_salt::<Sha512>(salt),
        HashName::Md5 => return Err(CryptoError::Unsupported("RSA-PSS with MD5".into())),
    })
}

/// The longest PSS salt `key` can carry with `hash` (RFC 8017, 9.1.1).
fn max_pss_salt(key: &impl PublicKeyParts, hash: HashName) -> usize {
    let em_len = (key.n().bits() - 1).div_ceil(8);
    em_len.saturating_sub(hash.len() + 2)
}

fn ecdsa_sign(key: &EcSecret, prehash: &[u8], p1363: bool) -> CryptoResult<Vec<u8>> {
    let prehash = &widened(prehash, key.field_len());
    macro_rules! encode {
        ($signature:expr) => {{
            let signature = $signature.map_err(signing)?;
            Ok(if p1363 {
                signature.to_bytes().to_vec()
            } else {
                signature.to_der().as_bytes().to_vec()
            })
        }};
    }
    match key {
        EcSecret::P256(key) => {
            encode!(PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(
                &p256::ecdsa::SigningKey::from(key),
                prehash
            ))
        }
        EcSecret::P384(key) => {
            encode!(PrehashSigner::<p384::ecdsa::Signature>::sign_prehash(
                &p384::ecdsa::SigningKey::from(key),
                prehash
            ))
        }
        EcSecret::P521(key) => {
            // P-521's signer is hedged (RFC 6979 with added randomness), not purely
            // deterministic; both verify the same.
            let signer = p521::ecdsa::SigningKey::from_bytes(&key.to_bytes()).map_err(signing)?;
            encode!(
                RandomizedPrehashSigner::<p521::ecdsa::Signature>::sign_prehash_with_rng(
                    &signer, &mut OsRng, prehash
                )
            )
        }
    }
}

fn ecdsa_verify(key: &EcPublic, prehash: &[u8], signature: &[u8], p1363: bool) -> bool {
    let prehash = &widened(prehash, key.field_len());
    macro_rules! verify_on {
        ($verifier:expr, $sig:ty) => {{
            let parsed = if p1363 {
                <$sig>::from_slice(signature)
            } else {
                <$sig>::from_der(signature)
            };
            parsed.is_ok_and(|signature| $verifier.verify_prehash(prehash, &signature).is_ok())
        }};
    }
    match key {
        EcPublic::P256(key) => {
            verify_on!(p256::ecdsa::VerifyingKey::from(key), p256::ecdsa::Signature)
        }
        EcPublic::P384(key) => {
            verify_on!(p384::ecdsa::VerifyingKey::from(key), p384::ecdsa::Signature)
        }
        EcPublic::P521(key) => match p521::ecdsa::VerifyingKey::from_affine(*key.as_affine()) {
            Ok(verifier) => verify_on!(verifier, p521::ecdsa::Signature),
            Err(_) => false,
        },
    }
}

/// A hash shorter than the curve's field (SHA-256 on P-521, SHA-1 on P-384) as the
/// integer it stands for, zero-extended on the left: ECDSA signs any hash, and
/// OpenSSL (so Node) accepts these pairs, but the signers refuse a hash under half
/// the field's length.
fn widened(prehash: &[u8], field_len: usize) -> std::borrow::Cow<'_, [u8]> {
    if prehash.len() >= field_len {
        return prehash.into();
    }
    let mut wide = vec![0; field_len - prehash.len()];
    wide.extend_from_slice(prehash);
    wide.into()
}

fn signing(err: impl std::fmt::Display) -> CryptoError {
    CryptoError::Signing(err.to_string())
}

fn mismatch(key: &AsymmetricKey, scheme: Scheme) -> CryptoError {
    CryptoError::InvalidKey(format!(
        "a {} key cannot make {scheme:?} signatures",
        key.info().kind
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node's (OpenSSL's) signatures with a hash shorter than the curve's field:
    /// `crypto.sign('sha256', data, p521Key)`, `crypto.sign('sha1', data, p384Key)`.
    #[test]
    fn hashes_shorter_than_the_field_sign_and_verify_as_in_node() {
        let node_signed = [
            (
                include_str!("../../../../tests/fixtures/keys/ec521.pem"),
                HashName::Sha256,
                "30818602410979f28aa0b0bf52bcfd64a32919900e44bbb545d082be60e54be64bb57749fd41d54218d143f5c1ec96f9c810faf5f32ee23a0de5374a44dc1774109dc3b525ac0241559dab1e1922a2ff1015cdfab2bea7c8d687105373b265731429da1d1d30109c28df53d51da3fc7d8f85b7b49da1cb4e5ce644f8dac26816382b1543b689930092",
            ),
            (
                include_str!("../../../../tests/fixtures/keys/ec384.sec1.pem"),
                HashName::Sha1,
                "3065023026b22c35a8b45f5de6cd439dd0a5bf7f9ab43a3f49e631f2273c6ee96125abc1c17fbe086407597ca24e404ed38c800b023100f890b1bf28256e5117b563e8b14c60cbad07e5bb79fd3acc862916d0ca717a397a5c016a22476d2574b17f77e4a57697",
            ),
        ];
        let scheme = Scheme::Ecdsa { p1363: false };
        for (pem, hash, hex_signature) in node_signed {
            let key = AsymmetricKey::import("pem", pem.as_bytes()).unwrap();
            let signature: Vec<u8> = (0..hex_signature.len())
                .step_by(2)
                .map(|at| u8::from_str_radix(&hex_signature[at..at + 2], 16).unwrap())
                .collect();
            assert!(
                verify(&key, scheme, hash, b"data", &signature).unwrap(),
                "{hash:?}"
            );
            assert!(
                !verify(&key, scheme, hash, b"date", &signature).unwrap(),
                "{hash:?}"
            );
            let ours = sign(&key, scheme, hash, b"data").unwrap();
            assert!(
                verify(&key, scheme, hash, b"data", &ours).unwrap(),
                "{hash:?}"
            );
        }
    }

    #[test]
    fn every_scheme_verifies_what_it_signs_and_nothing_else() {
        let pem = include_str!("../../../../tests/fixtures/keys/rsa.pem");
        let rsa = AsymmetricKey::import("pem", pem.as_bytes()).unwrap();
        let cases = [
            (
                rsa,
                vec![
                    Scheme::Pkcs1v15,
                    Scheme::Pss { salt: None },
                    Scheme::Pss { salt: Some(0) },
                ],
            ),
            (
                AsymmetricKey::generate("ec", "P-256").unwrap(),
                vec![
                    Scheme::Ecdsa { p1363: true },
                    Scheme::Ecdsa { p1363: false },
                ],
            ),
            (
                AsymmetricKey::generate("ec", "P-384").unwrap(),
                vec![Scheme::Ecdsa { p1363: true }],
            ),
            (
                AsymmetricKey::generate("ec", "P-521").unwrap(),
                vec![
                    Scheme::Ecdsa { p1363: false },
                    Scheme::Ecdsa { p1363: true },
                ],
            ),
            (
                AsymmetricKey::generate("ed25519", "").unwrap(),
                vec![Scheme::Ed25519],
            ),
        ];
        for (key, schemes) in cases {
            for scheme in schemes {
                let signature = sign(&key, scheme, HashName::Sha256, b"data").unwrap();
                assert!(
                    verify(&key, scheme, HashName::Sha256, b"data", &signature).unwrap(),
                    "{scheme:?}"
                );
                assert!(
                    !verify(&key, scheme, HashName::Sha256, b"date", &signature).unwrap(),
                    "{scheme:?}"
                );
                assert!(
                    !verify(&key, scheme, HashName::Sha256, b"data", &signature[1..]).unwrap(),
                    "{scheme:?}"
                );
                let public = key.public();
                assert!(sign(&public, scheme, HashName::Sha256, b"data").is_err());
            }
        }
    }
}
