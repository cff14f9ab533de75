//! The HTTP client behind `fetch`. Redirects are followed here, hop by hop, each
//! checked against the allowlist; names are resolved by a resolver that drops
//! forbidden addresses, so a name cannot smuggle a request to a private address (the
//! connection goes to exactly the addresses it returned). No cookies, no proxies from
//! the environment, and every request ends by the job's deadline.

use std::sync::Arc;
use std::time::Instant;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::{Host, Url};

use super::address::is_forbidden;
use super::policy::EgressPolicy;

/// Per-job limits on `fetch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchCaps {
    /// Requests a job may start (redirect hops not counted).
    pub max_requests: u32,
    /// Largest request body.
    pub max_request_bytes: usize,
    /// Largest response body.
    pub max_response_bytes: usize,
}

impl Default for FetchCaps {
    fn default() -> Self {
        FetchCaps {
            max_requests: 16,
            max_request_bytes: 1 << 20,
            max_response_bytes: 4 << 20,
        }
    }
}

/// The most redirects one request follows.
const MAX_REDIRECTS: usize = 10;

/// What `fetch` does with a redirect response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectMode {
    Follow,
    Error,
    Manual,
}

/// One request as a job made it (already checked against the allowlist once).
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub url: Url,
    pub method: reqwest::Method,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub redirect: RedirectMode,
    /// The job's deadline: the request is abandoned then.
    pub deadline: Instant,
}

/// A complete response, body read.
#[derive(Debug, Clone)]
pub struct FetchResponse {
    pub status: u16,
    pub status_text: String,
    pub url: String,
    pub redirected: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why a request failed; the message is what the job's `fetch` rejects with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Denied(String),
    #[error(
        "fetch: {0} is a private or reserved address; only an allowlist entry naming it may reach it"
    )]
    PrivateAddress(String),
    #[error("fetch: the response body is over this pool's limit of {0} bytes")]
    TooLarge(usize),
    #[error("fetch: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("fetch: redirected, and the request's redirect mode is 'error'")]
    RedirectRefused,
    #[error("fetch: the job's deadline passed")]
    Deadline,
    #[error("fetch failed: {0}")]
    Network(String),
}

/// Performs jobs' requests; one per worker pool, shared by its slots.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<EgressPolicy>,
    caps: FetchCaps,
}

impl Fetcher {
    pub fn new(policy: Arc<EgressPolicy>, caps: FetchCaps) -> Result<Fetcher, reqwest::Error> {
        // lapin's TLS already uses ring; reqwest is built without a provider of its own.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver))
            .user_agent(concat!("warren-fetch/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Fetcher {
            client,
            policy,
            caps,
        })
    }

    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    pub fn caps(&self) -> FetchCaps {
        self.caps
    }

    /// Performs `request`, following redirects as it asks, until its deadline.
    pub async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let deadline = tokio::time::Instant::from_std(request.deadline);
        tokio::time::timeout_at(deadline, self.follow(request))
            .await
            .unwrap_or(Err(FetchError::Deadline))
    }

    async fn follow(&self, mut request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let mut redirected = false;
        for _hop in 0..=MAX_REDIRECTS {
            let allowed = self
                .policy
                .check(&request.url)
                .map_err(|denied| FetchError::Denied(denied.0))?;
            let literal = match request.url.host() {
                Some(Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = literal
                && is_forbidden(ip)
                && !allowed.explicit_address
            {
                return Err(FetchError::PrivateAddress(ip.to_string()));
            }
            let response = self
                .client
                .request(request.method.clone(), request.url.clone())
                .headers(request.headers.clone())
                .body(request.body.clone())
                .send()
                .await
                .map_err(|err| FetchError::Network(error_chain(&err)))?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| request.url.join(l).ok());
            if let (true, Some(next)) = (status.is_redirection(), location) {
                match request.redirect {
                    RedirectMode::Manual => {}
                    RedirectMode::Error => return Err(FetchError::RedirectRefused),
                    RedirectMode::Follow => {
                        redirect(&mut request, status.as_u16(), next);
                        redirected = true;
                        continue;
                    }
                }
            }
            return self.read(response, redirected).await;
        }
        Err(FetchError::TooManyRedirects)
    }

    /// Reads a response whole, refusing bodies over the cap as soon as they pass it.
    async fn read(
        &self,
        mut response: reqwest::Response,
        redirected: bool,
    ) -> Result<FetchResponse, FetchError> {
        let cap = self.caps.max_response_bytes;
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(FetchError::TooLarge(cap));
        }
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let url = response.url().to_string();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| FetchError::Network(error_chain(&err)))?
        {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchResponse {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_owned(),
            url,
            redirected,
            headers,
            body,
        })
    }
}

/// Turns `request` into the next hop of a redirect, as browsers do: 303 (and 301/302
/// after POST) become a GET without a body; credentials never cross origins.
fn redirect(request: &mut FetchRequest, status: u16, next: Url) {
    let to_get = status == 303
        || ((status == 301 || status == 302) && request.method == reqwest::Method::POST);
    if to_get {
        if request.method != reqwest::Method::HEAD {
            request.method = reqwest::Method::GET;
        }
        request.body.clear();
        for name in ["content-type", "content-length", "content-encoding"] {
            request.headers.remove(name);
        }
    }
    if next.origin() != request.url.origin() {
        for name in ["authorization", "cookie", "proxy-authorization"] {
            request.headers.remove(name);
        }
    }
    request.url = next;
}

/// The error and its causes in one line (reqwest's own message omits them).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Resolves names with the system resolver, keeping only addresses a name may lead to.
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<_> = found
                .iter()
                .copied()
                .filter(|addr| !is_forbidden(addr.ip()))
                .collect();
            if usable.is_empty() {
                // The addresses themselves are not shown: they would map internal DNS.
                return Err(format!(
                    "{host} resolves only to private or reserved addresses (only an allowlist entry naming an address may reach one)"
                )
                .into());
            }
            let addrs: Addrs = Box::new(usable.into_iter());
            Ok(addrs)
        })
    }
}

/// Validates a header a job sets; `None` drops it (the client owns these).
pub fn job_header(name: &str, value: &str) -> Result<Option<(HeaderName, HeaderValue)>, String> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("fetch: invalid header name {name:?}"))?;
    if matches!(
        name.as_str(),
        "host"
            | "content-length"
            | "connection"
            | "transfer-encoding"
            | "keep-alive"
            | "upgrade"
            | "te"
            | "trailer"
    ) {
        return Ok(None);
    }
    let value = HeaderValue::from_str(value)
        .map_err(|_| format!("fetch: invalid value for header {name}"))?;
    Ok(Some((name, value)))
}
