//! The framing between the worker and its sandbox processes: a frame is a 4-byte
//! little-endian length, a 1-byte tag and a payload of fixed-width integers and
//! length-prefixed bytes. Compact and cheap on the hot path (a trivial job crosses
//! in two frames of a few hundred bytes), and strict: the worker decodes what a
//! sandbox process sends as untrusted input, so every length is checked and every
//! string and JSON value validated.

use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use warren_wire::{ErrorKind, JobError, JobLimits, LogEntry, LogLevel, Outcome};

use crate::egress::{FetchError, FetchRequest, FetchResponse, RedirectMode};
use crate::sandbox::compile::CacheUse;
use crate::sandbox::engine::{JobReport, JobRequest};
use crate::sandbox::run::RunReport;

/// Bytes of the length prefix.
pub const LENGTH_BYTES: usize = 4;

/// A frame that cannot be decoded: the peer is broken or hostile.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("frame ends early")]
    Short,
    #[error("unknown tag {0}")]
    Tag(u8),
    #[error("text is not UTF-8")]
    Utf8,
    #[error("invalid {0}")]
    Invalid(&'static str),
    #[error("{0} bytes left over after the frame")]
    Trailing(usize),
}

pub type Result<T> = std::result::Result<T, CodecError>;

/// Builds one frame.
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    /// A frame with `tag`; its length is filled in by [`Encoder::finish`].
    pub fn frame(tag: u8) -> Encoder {
        Encoder::reuse(Vec::with_capacity(256), tag)
    }

    /// A frame written into `buf` (cleared), to reuse its allocation.
    pub fn reuse(mut buf: Vec<u8>, tag: u8) -> Encoder {
        buf.clear();
        buf.extend_from_slice(&[0; LENGTH_BYTES]);
        buf.push(tag);
        Encoder { buf }
    }

    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.buf.push(value);
        self
    }

    pub fn u16(&mut self, value: u16) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn u32(&mut self, value: u32) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.u8(u8::from(value))
    }

    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        // Frames are bounded far below 4 GiB by the limits of what they carry.
        self.u32(u32::try_from(value.len()).unwrap_or(u32::MAX));
        self.buf.extend_from_slice(value);
        self
    }

    pub fn str(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    pub fn opt_str(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(text) => self.bool(true).str(text),
            None => self.bool(false),
        }
    }

    pub fn strings<'a>(&mut self, values: impl ExactSizeIterator<Item = &'a str>) -> &mut Self {
        self.u32(values.len() as u32);
        for value in values {
            self.str(value);
        }
        self
    }

    /// The finished frame, length prefix included.
    pub fn finish(mut self) -> Vec<u8> {
        let length = (self.buf.len() - LENGTH_BYTES) as u32;
        self.buf[..LENGTH_BYTES].copy_from_slice(&length.to_le_bytes());
        self.buf
    }
}

/// Reads one frame's payload (after its length prefix).
pub struct Decoder<'a> {
    data: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// A decoder over a frame body (tag and payload); returns it and the tag.
    pub fn frame(body: &'a [u8]) -> Result<(u8, Decoder<'a>)> {
        let (&tag, data) = body.split_first().ok_or(CodecError::Short)?;
        Ok((tag, Decoder { data }))
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        if self.data.len() < count {
            return Err(CodecError::Short);
        }
        let (head, rest) = self.data.split_at(count);
        self.data = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| CodecError::Invalid("size"))
    }

    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CodecError::Invalid("flag")),
        }
    }

    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let length = self.u32()? as usize;
        self.take(length)
    }

    pub fn str(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| CodecError::Utf8)
    }

    pub fn string(&mut self) -> Result<String> {
        self.str().map(str::to_owned)
    }

    pub fn opt_string(&mut self) -> Result<Option<String>> {
        if self.bool()? {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A count of items still to read, checked against what is left so a hostile
    /// count cannot make the reader reserve memory.
    pub fn count(&mut self) -> Result<usize> {
        let count = self.u32()? as usize;
        if count > self.data.len() {
            return Err(CodecError::Short);
        }
        Ok(count)
    }

    pub fn strings(&mut self) -> Result<Vec<String>> {
        let count = self.count()?;
        (0..count).map(|_| self.string()).collect()
    }

    /// Checks that the whole frame was read.
    pub fn end(self) -> Result<()> {
        match self.data.len() {
            0 => Ok(()),
            left => Err(CodecError::Trailing(left)),
        }
    }
}

fn json(text: &str) -> Result<Box<RawValue>> {
    RawValue::from_string(text.to_owned()).map_err(|_| CodecError::Invalid("JSON value"))
}

/// Time left until `deadline`, for the other side's clock.
fn remaining(deadline: Instant) -> u64 {
    deadline
        .saturating_duration_since(Instant::now())
        .as_nanos()
        .try_into()
        .unwrap_or(u64::MAX)
}

fn deadline_in(nanos: u64) -> Instant {
    let now = Instant::now();
    now.checked_add(Duration::from_nanos(nanos)).unwrap_or(now)
}

pub fn put_request(e: &mut Encoder, request: &JobRequest) {
    e.str(&request.job_id)
        .u32(request.attempt)
        .str(&request.code)
        .str(request.input.get());
    put_opt_u64(e, request.limits.timeout_ms);
    put_opt_u64(e, request.limits.memory_mb);
}

pub fn get_request(d: &mut Decoder<'_>) -> Result<JobRequest> {
    Ok(JobRequest {
        job_id: d.string()?,
        attempt: d.u32()?,
        code: d.string()?,
        input: json(d.str()?)?,
        limits: JobLimits {
            timeout_ms: get_opt_u64(d)?,
            memory_mb: get_opt_u64(d)?,
        },
    })
}

fn put_opt_u64(e: &mut Encoder, value: Option<u64>) {
    match value {
        Some(value) => e.bool(true).u64(value),
        None => e.bool(false),
    };
}

fn get_opt_u64(d: &mut Decoder<'_>) -> Result<Option<u64>> {
    if d.bool()? {
        d.u64().map(Some)
    } else {
        Ok(None)
    }
}

pub fn put_report(e: &mut Encoder, report: &JobReport) {
    let run = &report.run;
    match &run.outcome {
        Outcome::Ok(value) => {
            e.u8(0).str(value.get());
        }
        Outcome::Error(error) => {
            e.u8(1)
                .u8(kind_code(error.kind))
                .str(&error.message)
                .opt_str(error.stack.as_deref());
        }
    }
    e.u32(run.logs.len() as u32);
    for entry in &run.logs {
        e.u8(level_code(entry.level)).str(&entry.message);
    }
    e.u64(run.wall.as_nanos().try_into().unwrap_or(u64::MAX))
        .u64(run.memory_peak_bytes)
        .u8(match report.cache {
            None => 0,
            Some(CacheUse::Hit) => 1,
            Some(CacheUse::Miss) => 2,
        });
}

/// Decodes a report; more than `max_logs` log entries is refused (a process keeps at
/// most the pool's cap plus the truncation notice).
pub fn get_report(d: &mut Decoder<'_>, max_logs: usize) -> Result<JobReport> {
    let outcome = match d.u8()? {
        0 => Outcome::Ok(json(d.str()?)?),
        1 => Outcome::Error(JobError {
            kind: kind_from(d.u8()?)?,
            message: d.string()?,
            stack: d.opt_string()?,
        }),
        _ => return Err(CodecError::Invalid("outcome")),
    };
    let count = d.count()?;
    if count > max_logs {
        return Err(CodecError::Invalid("log count"));
    }
    let logs = (0..count)
        .map(|_| {
            Ok(LogEntry {
                level: level_from(d.u8()?)?,
                message: d.string()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let wall = Duration::from_nanos(d.u64()?);
    let memory_peak_bytes = d.u64()?;
    let cache = match d.u8()? {
        0 => None,
        1 => Some(CacheUse::Hit),
        2 => Some(CacheUse::Miss),
        _ => return Err(CodecError::Invalid("cache use")),
    };
    Ok(JobReport {
        run: RunReport {
            outcome,
            logs,
            wall,
            memory_peak_bytes,
        },
        cache,
    })
}

fn kind_code(kind: ErrorKind) -> u8 {
    ErrorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .map_or(u8::MAX, |i| i as u8)
}

fn kind_from(code: u8) -> Result<ErrorKind> {
    ErrorKind::ALL
        .get(usize::from(code))
        .copied()
        .ok_or(CodecError::Invalid("error kind"))
}

fn level_code(level: LogLevel) -> u8 {
    LogLevel::ALL.iter().position(|l| *l == level).unwrap_or(0) as u8
}

fn level_from(code: u8) -> Result<LogLevel> {
    LogLevel::ALL
        .get(usize::from(code))
        .copied()
        .ok_or(CodecError::Invalid("log level"))
}

const REDIRECTS: [RedirectMode; 3] = [
    RedirectMode::Follow,
    RedirectMode::Error,
    RedirectMode::Manual,
];

pub fn put_fetch_request(e: &mut Encoder, request: &FetchRequest) {
    e.str(request.url.as_str())
        .str(request.method.as_str())
        .u32(request.headers.len() as u32);
    for (name, value) in &request.headers {
        e.str(name.as_str()).bytes(value.as_bytes());
    }
    e.bytes(&request.body)
        .u8(REDIRECTS
            .iter()
            .position(|r| *r == request.redirect)
            .unwrap_or(0) as u8)
        .u64(remaining(request.deadline));
}

/// Most headers a request may carry across the channel (the sandbox's own cap).
pub const MAX_REQUEST_HEADERS: usize = crate::sandbox::fetch::MAX_HEADERS;

pub fn get_fetch_request(d: &mut Decoder<'_>) -> Result<FetchRequest> {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let url = url::Url::parse(d.str()?).map_err(|_| CodecError::Invalid("URL"))?;
    let method =
        reqwest::Method::from_bytes(d.bytes()?).map_err(|_| CodecError::Invalid("method"))?;
    let count = d.count()?;
    // A sandbox process checks its jobs' requests against the same cap.
    if count > MAX_REQUEST_HEADERS {
        return Err(CodecError::Invalid("header count"));
    }
    let mut headers = HeaderMap::new();
    for _ in 0..count {
        let name =
            HeaderName::from_bytes(d.bytes()?).map_err(|_| CodecError::Invalid("header name"))?;
        let value =
            HeaderValue::from_bytes(d.bytes()?).map_err(|_| CodecError::Invalid("header value"))?;
        headers
            .try_append(name, value)
            .map_err(|_| CodecError::Invalid("headers"))?;
    }
    Ok(FetchRequest {
        url,
        method,
        headers,
        body: d.bytes()?.to_vec(),
        redirect: *REDIRECTS
            .get(usize::from(d.u8()?))
            .ok_or(CodecError::Invalid("redirect mode"))?,
        deadline: deadline_in(d.u64()?),
    })
}

pub fn put_fetch_result(e: &mut Encoder, result: &std::result::Result<FetchResponse, FetchError>) {
    match result {
        Ok(response) => {
            e.u8(0)
                .u16(response.status)
                .str(&response.status_text)
                .str(&response.url)
                .bool(response.redirected)
                .u32(response.headers.len() as u32);
            for (name, value) in &response.headers {
                e.str(name).str(value);
            }
            e.bytes(&response.body);
        }
        Err(FetchError::Denied(text)) => {
            e.u8(1).str(text);
        }
        Err(FetchError::PrivateAddress(text)) => {
            e.u8(2).str(text);
        }
        Err(FetchError::TooLarge(limit)) => {
            e.u8(3).u64(*limit as u64);
        }
        Err(FetchError::TooManyRedirects) => {
            e.u8(4);
        }
        Err(FetchError::RedirectRefused) => {
            e.u8(5);
        }
        Err(FetchError::Deadline) => {
            e.u8(6);
        }
        Err(FetchError::Network(text)) => {
            e.u8(7).str(text);
        }
    }
}

pub fn get_fetch_result(
    d: &mut Decoder<'_>,
) -> Result<std::result::Result<FetchResponse, FetchError>> {
    Ok(match d.u8()? {
        0 => {
            let status = d.u16()?;
            let status_text = d.string()?;
            let url = d.string()?;
            let redirected = d.bool()?;
            let count = d.count()?;
            let headers = (0..count)
                .map(|_| Ok((d.string()?, d.string()?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(FetchResponse {
                status,
                status_text,
                url,
                redirected,
                headers,
                body: d.bytes()?.to_vec(),
            })
        }
        1 => Err(FetchError::Denied(d.string()?)),
        2 => Err(FetchError::PrivateAddress(d.string()?)),
        3 => Err(FetchError::TooLarge(d.usize()?)),
        4 => Err(FetchError::TooManyRedirects),
        5 => Err(FetchError::RedirectRefused),
        6 => Err(FetchError::Deadline),
        7 => Err(FetchError::Network(d.string()?)),
        tag => return Err(CodecError::Tag(tag)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(put: impl Fn(&mut Encoder), get: impl Fn(&mut Decoder<'_>) -> Result<T>) -> T {
        let mut encoder = Encoder::frame(9);
        put(&mut encoder);
        let frame = encoder.finish();
        let length = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        assert_eq!(length, frame.len() - LENGTH_BYTES);
        let (tag, mut decoder) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert_eq!(tag, 9);
        let value = get(&mut decoder).expect("decodes");
        decoder.end().expect("nothing left over");
        value
    }

    #[test]
    fn requests_and_reports_cross_intact() {
        let request = JobRequest {
            job_id: "j-1".into(),
            attempt: 3,
            code: "export default (x) => x".into(),
            input: json(r#"{"a":[1,2]}"#).expect("json"),
            limits: JobLimits {
                timeout_ms: Some(250),
                memory_mb: None,
            },
        };
        let back = round_trip(|e| put_request(e, &request), get_request);
        assert_eq!(back.job_id, "j-1");
        assert_eq!(back.attempt, 3);
        assert_eq!(back.code, request.code);
        assert_eq!(back.input.get(), request.input.get());
        assert_eq!(back.limits, request.limits);

        let report = JobReport {
            run: RunReport {
                outcome: Outcome::Error(JobError {
                    kind: ErrorKind::Crash,
                    message: "boom".into(),
                    stack: Some("at f".into()),
                }),
                logs: vec![LogEntry {
                    level: LogLevel::Warn,
                    message: "w".into(),
                }],
                wall: Duration::from_micros(1234),
                memory_peak_bytes: 77,
            },
            cache: Some(CacheUse::Miss),
        };
        let back = round_trip(|e| put_report(e, &report), |d| get_report(d, 10));
        match (&back.run.outcome, &report.run.outcome) {
            (Outcome::Error(a), Outcome::Error(b)) => assert_eq!(a, b),
            other => panic!("outcome changed: {other:?}"),
        }
        assert_eq!(back.run.logs, report.run.logs);
        assert_eq!(back.run.wall, report.run.wall);
        assert_eq!(back.run.memory_peak_bytes, 77);
        assert_eq!(back.cache, Some(CacheUse::Miss));
    }

    #[test]
    fn every_fetch_outcome_crosses_intact() {
        let results = vec![
            Ok(FetchResponse {
                status: 201,
                status_text: "Created".into(),
                url: "https://a.example/x".into(),
                redirected: true,
                headers: vec![("content-type".into(), "text/plain".into())],
                body: b"hello".to_vec(),
            }),
            Err(FetchError::Denied("no".into())),
            Err(FetchError::PrivateAddress("10.0.0.1".into())),
            Err(FetchError::TooLarge(10)),
            Err(FetchError::TooManyRedirects),
            Err(FetchError::RedirectRefused),
            Err(FetchError::Deadline),
            Err(FetchError::Network("reset".into())),
        ];
        for result in results {
            let back = round_trip(|e| put_fetch_result(e, &result), get_fetch_result);
            match (&back, &result) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((a.status, &a.url, &a.body), (b.status, &b.url, &b.body));
                    assert_eq!(a.headers, b.headers);
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                _ => panic!("{back:?} is not {result:?}"),
            }
        }
    }

    #[test]
    fn hostile_frames_are_refused_not_trusted() {
        // A count larger than the frame cannot make the reader allocate.
        let mut e = Encoder::frame(1);
        e.u8(0).str("{}").u32(u32::MAX);
        let frame = e.finish();
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert!(get_report(&mut d, 1000).is_err());
        // Nor can more log entries than the pool keeps, however small.
        let mut e = Encoder::frame(1);
        e.u8(0).str("{}").u32(3);
        for _ in 0..3 {
            e.u8(0).str("");
        }
        e.u64(0).u64(0).u8(0);
        let frame = e.finish();
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert!(get_report(&mut d, 2).is_err());
        // Nor tens of thousands of headers on a request (HeaderMap would panic).
        let mut e = Encoder::frame(1);
        e.str("https://a.example/").str("GET").u32(40_000);
        for _ in 0..40_000 {
            e.str("a").bytes(b"");
        }
        let frame = e.finish();
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert!(get_fetch_request(&mut d).is_err());
        // A result value that is not JSON is refused.
        let mut e = Encoder::frame(1);
        e.u8(0).str("{not json");
        let frame = e.finish();
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert!(get_report(&mut d, 1000).is_err());
        // An error kind past the known ones is refused.
        let mut e = Encoder::frame(1);
        e.u8(1).u8(200);
        let frame = e.finish();
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert!(get_report(&mut d, 1000).is_err());
    }
}
