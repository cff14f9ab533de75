//! Why a cryptographic operation was refused, in words a job's author can act on.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CryptoError {
    /// The caller named something Warren does not do (an algorithm, a curve, a format).
    #[error("{0} is not supported")]
    Unsupported(String),
    /// Key material that does not parse, or does not fit its use.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Arguments that are wrong for the algorithm (IV length, key length, ...).
    #[error("{0}")]
    InvalidArgument(String),
    /// Decryption whose tag or padding does not check out.
    #[error("unable to authenticate data")]
    Authentication,
    /// Signing itself failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The system gave no randomness.
    #[error("no randomness: {0}")]
    Randomness(String),
}

impl CryptoError {
    pub fn invalid_key(err: impl std::fmt::Display) -> Self {
        CryptoError::InvalidKey(err.to_string())
    }
}

pub type CryptoResult<T> = Result<T, CryptoError>;
