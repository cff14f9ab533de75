//! Digests by name, and what is built on them: HMAC and PBKDF2.

use hmac::{Hmac, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::error::{CryptoError, CryptoResult};

/// The digests Warren has, by the canonical names `crypto.js` maps Node's and Web
/// Crypto's spellings to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashName {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashName {
    pub fn parse(name: &str) -> CryptoResult<Self> {
        Ok(match name {
            "md5" => HashName::Md5,
            "sha1" => HashName::Sha1,
            "sha224" => HashName::Sha224,
            "sha256" => HashName::Sha256,
            "sha384" => HashName::Sha384,
            "sha512" => HashName::Sha512,
            _ => return Err(CryptoError::Unsupported(format!("digest {name}"))),
        })
    }

    /// The digest's output length in bytes.
    pub fn len(self) -> usize {
        match self {
            HashName::Md5 => 16,
            HashName::Sha1 => 20,
            HashName::Sha224 => 28,
            HashName::Sha256 => 32,
            HashName::Sha384 => 48,
            HashName::Sha512 => 64,
        }
    }
}

/// The digest of `chunks` in order.
pub fn digest(hash: HashName, chunks: &[&[u8]]) -> Vec<u8> {
    match hash {
        HashName::Md5 => hash_with::<Md5>(chunks),
        HashName::Sha1 => hash_with::<Sha1>(chunks),
        HashName::Sha224 => hash_with::<Sha224>(chunks),
        HashName::Sha256 => hash_with::<Sha256>(chunks),
        HashName::Sha384 => hash_with::<Sha384>(chunks),
        HashName::Sha512 => hash_with::<Sha512>(chunks),
    }
}

/// The HMAC of `chunks` under `key`.
pub fn hmac(hash: HashName, key: &[u8], chunks: &[&[u8]]) -> Vec<u8> {
    match hash {
        HashName::Md5 => hmac_with::<Hmac<Md5>>(key, chunks),
        HashName::Sha1 => hmac_with::<Hmac<Sha1>>(key, chunks),
        HashName::Sha224 => hmac_with::<Hmac<Sha224>>(key, chunks),
        HashName::Sha256 => hmac_with::<Hmac<Sha256>>(key, chunks),
        HashName::Sha384 => hmac_with::<Hmac<Sha384>>(key, chunks),
        HashName::Sha512 => hmac_with::<Hmac<Sha512>>(key, chunks),
    }
}

/// Most PBKDF2 rounds one call may cost: iterations times the hash-sized blocks
/// derived (each block costs every iteration again). The derivation runs in native
/// code, where the job's timeout cannot stop it; ten million HMAC-SHA-256 rounds
/// take a few seconds, forty times what OWASP recommends for passwords.
pub const MAX_PBKDF2_ROUNDS: u64 = 10_000_000;

/// Most bytes one PBKDF2 call may derive.
pub const MAX_PBKDF2_LENGTH: usize = 1024;

/// PBKDF2 with HMAC-`hash`: `length` bytes from `password` and `salt`.
pub fn pbkdf2(
    hash: HashName,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    length: usize,
) -> CryptoResult<Vec<u8>> {
    if iterations == 0 {
        return Err(CryptoError::InvalidArgument(
            "PBKDF2 needs at least one iteration".into(),
        ));
    }
    if length > MAX_PBKDF2_LENGTH {
        return Err(CryptoError::InvalidArgument(format!(
            "PBKDF2 derives at most {MAX_PBKDF2_LENGTH} bytes"
        )));
    }
    let blocks = length.div_ceil(hash.len()).max(1) as u64;
    if u64::from(iterations) * blocks > MAX_PBKDF2_ROUNDS {
        return Err(CryptoError::InvalidArgument(format!(
            "PBKDF2 costs at most {MAX_PBKDF2_ROUNDS} rounds (iterations × {}-byte blocks derived)",
            hash.len()
        )));
    }
    let mut out = vec![0; length];
    match hash {
        HashName::Md5 => pbkdf2::pbkdf2_hmac::<Md5>(password, salt, iterations, &mut out),
        HashName::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out),
        HashName::Sha224 => pbkdf2::pbkdf2_hmac::<Sha224>(password, salt, iterations, &mut out),
        HashName::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out),
        HashName::Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(password, salt, iterations, &mut out),
        HashName::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out),
    }
    Ok(out)
}

fn hash_with<D: Digest>(chunks: &[&[u8]]) -> Vec<u8> {
    let mut hasher = D::new();
    for chunk in chunks {
        hasher.update(chunk);
    }
    hasher.finalize().to_vec()
}

fn hmac_with<M: Mac + hmac::digest::KeyInit>(key: &[u8], chunks: &[&[u8]]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for chunk in chunks {
        mac.update(chunk);
    }
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn pbkdf2_matches_rfc_6070() {
        let out = pbkdf2(HashName::Sha1, b"password", b"salt", 2, 20).unwrap();
        assert_eq!(hex(&out), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    }

    #[test]
    fn pbkdf2_refuses_work_it_cannot_bound() {
        let most = MAX_PBKDF2_ROUNDS as u32;
        assert!(pbkdf2(HashName::Sha256, b"p", b"s", most + 1, 32).is_err());
        assert!(pbkdf2(HashName::Sha256, b"p", b"s", 0, 32).is_err());
        assert!(pbkdf2(HashName::Sha256, b"p", b"s", 1, MAX_PBKDF2_LENGTH + 1).is_err());
        // Two SHA-256 blocks cost every iteration twice; SHA-1 blocks are 20 bytes.
        assert!(pbkdf2(HashName::Sha256, b"p", b"s", most / 2 + 1, 33).is_err());
        assert!(pbkdf2(HashName::Sha1, b"p", b"s", 1, 1024).is_ok_and(|k| k.len() == 1024));
        assert!(pbkdf2(HashName::Sha1, b"p", b"s", most / 52 + 1, 1024).is_err());
    }
}
