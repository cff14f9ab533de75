//! AES in GCM and CBC modes, whole messages at a time (`crypto.js` buffers what
//! Node's streaming `Cipher` is fed).

use aes::cipher::block_padding::{NoPadding, Pkcs7};
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};

use super::error::{CryptoError, CryptoResult};

/// The GCM IV length Warren takes (96 bits, what every JOSE and Node use relies on).
pub const GCM_IV_LEN: usize = 12;
/// The GCM tag length (128 bits).
pub const GCM_TAG_LEN: usize = 16;

/// AES-GCM: encrypting gives the ciphertext followed by the 16-byte tag; decrypting
/// takes the ciphertext and the tag apart.
pub fn aes_gcm(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    aad: &[u8],
    tag: &[u8],
) -> CryptoResult<Vec<u8>> {
    if iv.len() != GCM_IV_LEN {
        return Err(CryptoError::Unsupported(format!(
            "AES-GCM IVs of {} bytes (use 12)",
            iv.len()
        )));
    }
    let nonce = Nonce::<U12>::from_slice(iv);
    let mut joined;
    let msg = if encrypt {
        data
    } else {
        if tag.len() != GCM_TAG_LEN {
            return Err(CryptoError::Unsupported(format!(
                "AES-GCM tags of {} bytes (use 16)",
                tag.len()
            )));
        }
        joined = Vec::with_capacity(data.len() + tag.len());
        joined.extend_from_slice(data);
        joined.extend_from_slice(tag);
        &joined[..]
    };
    let payload = Payload { msg, aad };
    macro_rules! run {
        ($aes:ty) => {{
            let cipher = AesGcm::<$aes, U12>::new_from_slice(key).map_err(|_| key_length(key))?;
            if encrypt {
                cipher.encrypt(nonce, payload)
            } else {
                cipher.decrypt(nonce, payload)
            }
        }};
    }
    let out = match key.len() {
        16 => run!(Aes128),
        24 => run!(Aes192),
        32 => run!(Aes256),
        _ => return Err(key_length(key)),
    };
    out.map_err(|_| CryptoError::Authentication)
}

/// AES-CBC, with PKCS#7 padding when `padding`.
pub fn aes_cbc(
    encrypt: bool,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    padding: bool,
) -> CryptoResult<Vec<u8>> {
    if iv.len() != 16 {
        return Err(CryptoError::InvalidArgument(
            "AES-CBC IVs are 16 bytes".into(),
        ));
    }
    if !padding && !data.len().is_multiple_of(16) {
        return Err(CryptoError::InvalidArgument(
            "without padding, AES-CBC data must be a multiple of 16 bytes".into(),
        ));
    }
    macro_rules! run {
        ($aes:ty) => {{
            if encrypt {
                let cipher = cbc::Encryptor::<$aes>::new_from_slices(key, iv)
                    .map_err(|_| key_length(key))?;
                Ok(if padding {
                    cipher.encrypt_padded_vec_mut::<Pkcs7>(data)
                } else {
                    cipher.encrypt_padded_vec_mut::<NoPadding>(data)
                })
            } else {
                let cipher = cbc::Decryptor::<$aes>::new_from_slices(key, iv)
                    .map_err(|_| key_length(key))?;
                let out = if padding {
                    cipher.decrypt_padded_vec_mut::<Pkcs7>(data)
                } else {
                    cipher.decrypt_padded_vec_mut::<NoPadding>(data)
                };
                out.map_err(|_| CryptoError::Authentication)
            }
        }};
    }
    match key.len() {
        16 => run!(Aes128),
        24 => run!(Aes192),
        32 => run!(Aes256),
        _ => Err(key_length(key)),
    }
}

fn key_length(key: &[u8]) -> CryptoError {
    CryptoError::InvalidArgument(format!(
        "AES keys are 16, 24 or 32 bytes, not {}",
        key.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn gcm_matches_the_nist_test_vector_and_refuses_tampering() {
        let key = [
            0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30,
            0x83, 0x08,
        ];
        let iv = [
            0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
        ];
        let sealed = aes_gcm(true, &key, &iv, b"hello", b"aad", &[]).unwrap();
        let (ct, tag) = sealed.split_at(sealed.len() - GCM_TAG_LEN);
        assert_eq!(
            aes_gcm(false, &key, &iv, ct, b"aad", tag).unwrap(),
            b"hello"
        );
        assert!(matches!(
            aes_gcm(false, &key, &iv, ct, b"aaD", tag),
            Err(CryptoError::Authentication)
        ));
        // The GCM specification's test case 1: AES-128, zero key and IV, no data.
        let zero = aes_gcm(true, &[0; 16], &[0; 12], &[], &[], &[]).unwrap();
        assert_eq!(hex(&zero), "58e2fccefa7e3061367f1d57a4e7455a");
    }

    #[test]
    fn cbc_round_trips_and_checks_padding() {
        let sealed = aes_cbc(true, &[7; 32], &[1; 16], b"seventeen bytes!!", true).unwrap();
        assert_eq!(sealed.len(), 32);
        assert_eq!(
            aes_cbc(false, &[7; 32], &[1; 16], &sealed, true).unwrap(),
            b"seventeen bytes!!"
        );
        assert!(aes_cbc(false, &[8; 32], &[1; 16], &sealed, true).is_err());
        assert!(aes_cbc(true, &[7; 32], &[1; 16], b"odd", false).is_err());
    }
}
