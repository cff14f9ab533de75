//! `fetch` across the channel: a job's request, from a process, and its response or
//! failure, back. The worker checks a request again against the pool's caps before
//! it performs it.

use crate::egress::{FetchError, FetchRequest, FetchResponse, RedirectMode};
use crate::sandbox::process::codec::{CodecError, Decoder, Encoder, Result};

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
        .deadline(request.deadline);
}

/// Most headers a request may carry across the channel (the sandbox's own cap).
pub const MAX_REQUEST_HEADERS: usize = crate::sandbox::globals::fetch::MAX_HEADERS;

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
        deadline: d.deadline()?,
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
    use super::super::{decoding, round_trip};
    use super::*;
    use crate::sandbox::process::codec::LENGTH_BYTES;

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
    fn tens_of_thousands_of_headers_are_refused() {
        // HeaderMap would panic past its own capacity.
        let frame = decoding(|e| {
            e.str("https://a.example/").str("GET").u32(40_000);
            for _ in 0..40_000 {
                e.str("a").bytes(b"");
            }
        });
        let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert!(get_fetch_request(&mut d).is_err());
    }
}
