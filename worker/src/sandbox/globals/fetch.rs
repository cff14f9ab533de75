//! The sandbox's half of `fetch`: a job's requests are checked here, synchronously,
//! against the pool's allowlist and caps (a refusal is a `TypeError` the job can
//! catch), queued for the slot to hand to the worker's HTTP client, and their
//! responses delivered back into the job's context. The job itself never touches
//! the network.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use crate::sandbox::runtime::pins::host_function;
use rquickjs::{Ctx, Exception, Function, Object, Result, TypedArray};

use crate::egress::EgressConfig;
use crate::egress::http::job_header;
use crate::egress::{FetchError, FetchRequest, FetchResponse, RedirectMode};
use crate::sandbox::runtime::bytes::{copy_bytes, new_bytes};
use crate::sandbox::runtime::text::Text;

/// A pool's permission to fetch, shared by its slots (the network half, the client,
/// lives with the worker, never in the sandbox).
pub type FetchGrant = std::sync::Arc<EgressConfig>;

/// Longest URL a job may request.
const MAX_URL_BYTES: usize = 16 << 10;
/// Most headers, and most header bytes (names and values), one request may carry.
pub const MAX_HEADERS: usize = 100;
const MAX_HEADER_BYTES: usize = 64 << 10;

/// One job's use of `fetch`.
pub struct JobFetch {
    grant: FetchGrant,
    deadline: Instant,
    made: u32,
    outbox: Vec<(u32, FetchRequest)>,
    in_flight: usize,
}

impl JobFetch {
    pub fn new(grant: &FetchGrant, deadline: Instant) -> JobFetch {
        JobFetch {
            grant: grant.clone(),
            deadline,
            made: 0,
            outbox: Vec::new(),
            in_flight: 0,
        }
    }

    /// No request made, as in a fresh runtime.
    pub fn reset(&mut self) {
        self.made = 0;
        self.outbox = Vec::new();
        self.in_flight = 0;
    }

    /// Sets the deadline of the job a prepared context was given to.
    pub fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    /// Whether a response is still to come (so the job is waiting, not stalled).
    pub fn waiting(&self) -> bool {
        self.in_flight > 0
    }

    /// The requests to send now.
    pub fn take_outbox(&mut self) -> Vec<(u32, FetchRequest)> {
        std::mem::take(&mut self.outbox)
    }

    /// One response (or failure) has come back.
    pub fn settled(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Checks and queues one request; its id, or why it is refused.
    fn start(
        &mut self,
        url: &str,
        method: &str,
        headers: &[String],
        body: Vec<u8>,
        redirect: &str,
    ) -> std::result::Result<u32, String> {
        let caps = self.grant.caps;
        if self.made >= caps.max_requests {
            return Err(format!(
                "fetch: this job may make at most {} requests",
                caps.max_requests
            ));
        }
        // Bounded before anything is copied again (requests live outside the job's heap).
        if url.len() > MAX_URL_BYTES {
            return Err(format!(
                "fetch: the URL is longer than {MAX_URL_BYTES} bytes"
            ));
        }
        if headers.len() / 2 > MAX_HEADERS {
            return Err(format!("fetch: more than {MAX_HEADERS} headers"));
        }
        if headers.iter().map(String::len).sum::<usize>() > MAX_HEADER_BYTES {
            return Err(format!(
                "fetch: the headers are over {MAX_HEADER_BYTES} bytes"
            ));
        }
        let url = url::Url::parse(url).map_err(|_| "fetch: invalid URL".to_owned())?;
        self.grant.policy.check(&url).map_err(|denied| denied.0)?;
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("fetch: invalid method {method:?}"))?;
        if matches!(method.as_str(), "CONNECT" | "TRACE" | "TRACK") {
            return Err(format!("fetch: method {method} is not allowed"));
        }
        if body.len() > caps.max_request_bytes {
            return Err(format!(
                "fetch: the request body is {} bytes, over this pool's limit of {} bytes",
                body.len(),
                caps.max_request_bytes
            ));
        }
        let mut header_map = reqwest::header::HeaderMap::new();
        for pair in headers.chunks(2) {
            if let [name, value] = pair
                && let Some((name, value)) = job_header(name, value)?
            {
                header_map
                    .try_append(name, value)
                    .map_err(|_| "fetch: too many headers".to_owned())?;
            }
        }
        let redirect = match redirect {
            "follow" => RedirectMode::Follow,
            "error" => RedirectMode::Error,
            "manual" => RedirectMode::Manual,
            other => return Err(format!("fetch: invalid redirect mode {other:?}")),
        };
        self.made += 1;
        self.in_flight += 1;
        let id = self.made;
        self.outbox.push((
            id,
            FetchRequest {
                url,
                method,
                headers: header_map,
                body,
                redirect,
                deadline: self.deadline,
            },
        ));
        Ok(id)
    }
}

/// Adds `host.fetchStart(url, method, headers, body, redirect)` for the prelude's `fetch`.
pub fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: Rc<RefCell<JobFetch>>,
) -> Result<()> {
    host.set(
        "fetchStart",
        host_function(
            ctx,
            move |ctx: Ctx<'js>,
                  url: Text,
                  method: Text,
                  headers: Vec<Text>,
                  body: Option<TypedArray<'js, u8>>,
                  redirect: Text|
                  -> Result<u32> {
                let body = body.as_ref().map(copy_bytes).unwrap_or_default();
                let headers: Vec<String> = headers.into_iter().map(|header| header.0).collect();
                state
                    .borrow_mut()
                    .start(&url, &method, &headers, body, &redirect)
                    .map_err(|message| Exception::throw_type(&ctx, &message))
            },
        )?,
    )
}

/// Settles request `id`'s promise in the job's context.
pub fn deliver<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    id: u32,
    result: std::result::Result<FetchResponse, FetchError>,
) -> Result<()> {
    match result {
        Ok(response) => {
            let headers: Vec<String> = response
                .headers
                .into_iter()
                .flat_map(|(name, value)| [name, value])
                .collect();
            let body = new_bytes(ctx, &response.body)?;
            let done: Function = hooks.get("fetchDone")?;
            done.call((
                id,
                response.status,
                response.status_text,
                response.url,
                response.redirected,
                headers,
                body,
            ))
        }
        Err(error) => {
            let failed: Function = hooks.get("fetchFailed")?;
            failed.call((id, error.to_string()))
        }
    }
}
