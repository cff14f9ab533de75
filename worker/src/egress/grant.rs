//! A pool's grant of `fetch`: where its jobs may go and how much they may do there.

use super::http::FetchCaps;
use super::policy::EgressPolicy;

/// A pool's grant of `fetch`: its allowlist and per-job caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressConfig {
    pub policy: EgressPolicy,
    pub caps: FetchCaps,
}
