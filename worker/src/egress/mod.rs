//! Outbound HTTP for jobs' `fetch`: which destinations a pool allows
//! ([`policy`]), which addresses are never reachable by name ([`address`]), and the
//! client that performs requests on the worker's async runtime, checking every hop
//! ([`http`]), and a pool's [`grant`] of all that. The sandbox never opens a socket
//! itself: it hands requests to this.

pub mod address;
pub mod grant;
pub mod http;
pub mod policy;

pub use grant::EgressConfig;
pub use http::{FetchCaps, FetchError, FetchRequest, FetchResponse, Fetcher, RedirectMode};
pub use policy::{EgressPolicy, HostPattern, PatternError};
