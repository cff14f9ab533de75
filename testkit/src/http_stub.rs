//! A small HTTP/1.1 server on 127.0.0.1 standing in for the APIs jobs `fetch` from.
//! Routes:
//! - `GET /json`: `{"name":"warren","items":[1,2,3]}`
//! - `POST /echo`: the request body back, with `x-method` and `x-content-type`
//! - `GET /redirect?to=URL`: 302 to URL
//! - `GET /big?bytes=N`: N bytes of `x`
//! - `GET /slow?ms=N`: answers after N ms
//! - `GET /gather?n=N`: answers once N such requests have been waiting at once (or
//!   after 10 s), reporting the most that were
//! - anything else: 404

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running stub; stops when dropped.
pub struct HttpStub {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    requests: Mutex<usize>,
    gathering: Mutex<usize>,
    most_gathered: Mutex<usize>,
}

impl HttpStub {
    pub async fn start() -> HttpStub {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind stub");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(State::default());
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        HttpStub { addr, task, state }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        *self.state.requests.lock().expect("lock")
    }

    /// The most `/gather` requests that were waiting at once.
    pub fn most_gathered(&self) -> usize {
        *self.state.most_gathered.lock().expect("lock")
    }
}

impl Drop for HttpStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        first.next().unwrap_or_default().to_owned(),
        first.next().unwrap_or_default().to_owned(),
    );
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    *state.requests.lock().expect("lock") += 1;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    };
    let number = |name: &str| {
        param(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let mut extra = Vec::new();
    let (status, content_type, payload): (u16, &str, Vec<u8>) = match (method.as_str(), path) {
        ("GET", "/json") => (
            200,
            "application/json",
            br#"{"name":"warren","items":[1,2,3]}"#.to_vec(),
        ),
        ("POST", "/echo") => {
            extra.push(format!("x-method: {method}"));
            let ct = headers.get("content-type").cloned().unwrap_or_default();
            extra.push(format!("x-content-type: {ct}"));
            (200, "application/octet-stream", body)
        }
        ("GET", "/redirect") => {
            extra.push(format!("location: {}", param("to").unwrap_or_default()));
            (302, "text/plain", Vec::new())
        }
        ("GET", "/big") => (200, "text/plain", vec![b'x'; number("bytes")]),
        ("GET", "/slow") => {
            tokio::time::sleep(Duration::from_millis(number("ms") as u64)).await;
            (200, "application/json", br#"{"slow":true}"#.to_vec())
        }
        ("GET", "/gather") => {
            let wanted = number("n");
            {
                let mut waiting = state.gathering.lock().expect("lock");
                *waiting += 1;
                let mut most = state.most_gathered.lock().expect("lock");
                *most = (*most).max(*waiting);
            }
            let until = tokio::time::Instant::now() + Duration::from_secs(10);
            while *state.most_gathered.lock().expect("lock") < wanted
                && tokio::time::Instant::now() < until
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let seen = *state.most_gathered.lock().expect("lock");
            (
                200,
                "application/json",
                format!(r#"{{"together":{seen}}}"#).into_bytes(),
            )
        }
        _ => (404, "text/plain", b"not found".to_vec()),
    };
    let mut response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        payload.len()
    );
    for header in extra {
        response.push_str(&header);
        response.push_str("\r\n");
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.write_all(&payload).await;
    let _ = stream.shutdown().await;
}
