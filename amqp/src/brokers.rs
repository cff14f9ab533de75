//! Several broker addresses: every node of a RabbitMQ cluster, given as repeated
//! `--amqp-url` flags or one comma-separated `WARREN_AMQP_URL`. A party connects to
//! one chosen at random (so a fleet spreads over the nodes) and, when that fails or
//! its connection drops, to the next.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};

use lapin::Connection;

/// The broker addresses a party may connect to, in the order given.
#[derive(Clone, PartialEq, Eq)]
pub struct Brokers {
    urls: Vec<String>,
}

impl Brokers {
    /// The addresses in `values`, each of which may hold several separated by commas
    /// (a comma inside a password is written `%2C`, as URLs encode it).
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Brokers, BrokersError> {
        let mut urls = Vec::new();
        for value in values {
            for url in value.as_ref().split(',').map(str::trim) {
                if url.is_empty() {
                    continue;
                }
                if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
                    return Err(BrokersError::NotAmqp(crate::redact(url)));
                }
                if !urls.iter().any(|known| known == url) {
                    urls.push(url.to_owned());
                }
            }
        }
        if urls.is_empty() {
            return Err(BrokersError::Empty);
        }
        Ok(Brokers { urls })
    }

    /// How many addresses there are.
    pub fn len(&self) -> usize {
        self.urls.len()
    }

    /// Never true: [`Brokers::parse`] refuses an empty list.
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// Address `at` (taken modulo their number), as given.
    pub fn url(&self, at: usize) -> &str {
        &self.urls[at % self.urls.len()]
    }

    /// Address `at` as logs and metrics show it: host and port, no credentials.
    pub fn shown(&self, at: usize) -> String {
        host_and_port(self.url(at))
    }

    /// Where to start: an address chosen at random, so that a fleet started at once
    /// spreads over the nodes.
    pub fn random_start(&self) -> usize {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        (hasher.finish() % self.urls.len() as u64) as usize
    }

    /// The address after `at`, where a party goes when `at` fails.
    pub fn next(&self, at: usize) -> usize {
        (at + 1) % self.urls.len()
    }

    /// Connects to the first address that answers, trying each once from `start` on;
    /// the index of the one connected to, or the last address's error.
    pub async fn connect(&self, start: usize, name: &str) -> Result<(usize, Connection), Failed> {
        let mut at = start % self.urls.len();
        let mut error = match crate::connect(self.url(at), name).await {
            Ok(connection) => return Ok((at, connection)),
            Err(err) => err,
        };
        for _ in 1..self.urls.len() {
            at = self.next(at);
            match crate::connect(self.url(at), name).await {
                Ok(connection) => return Ok((at, connection)),
                Err(err) => error = err,
            }
        }
        Err(Failed {
            address: self.shown(at),
            tried: self.urls.len(),
            error,
        })
    }
}

/// Every address refused: the last one's error.
#[derive(Debug)]
pub struct Failed {
    pub address: String,
    pub tried: usize,
    pub error: lapin::Error,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tried == 1 {
            write!(f, "{}: {}", self.address, self.error)
        } else {
            write!(
                f,
                "none of {} brokers answered (last, {}: {})",
                self.tried, self.address, self.error
            )
        }
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Brokers are shown without credentials, whatever prints them.
impl fmt::Debug for Brokers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.urls.iter().map(|url| host_and_port(url)))
            .finish()
    }
}

/// Why broker addresses were refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BrokersError {
    Empty,
    NotAmqp(String),
}

impl fmt::Display for BrokersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokersError::Empty => write!(f, "no broker address given"),
            BrokersError::NotAmqp(url) => {
                write!(f, "{url} is not an amqp:// or amqps:// URL")
            }
        }
    }
}

impl std::error::Error for BrokersError {}

/// "host:port" of an AMQP URL (the scheme's default port when it names none).
fn host_and_port(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("amqp", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let has_port = host
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    if has_port || host.is_empty() {
        host.to_owned()
    } else {
        let port = if scheme == "amqps" { 5671 } else { 5672 };
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_repeated_values_and_commas() {
        let brokers = Brokers::parse(&[
            "amqp://u:p@a:5681/%2f, amqp://u:p@b:5682/%2f",
            "amqps://c/vh",
            "amqp://u:p@a:5681/%2f",
        ])
        .expect("parses");
        assert_eq!(brokers.len(), 3);
        assert_eq!(brokers.url(1), "amqp://u:p@b:5682/%2f");
        assert_eq!(brokers.shown(0), "a:5681");
        assert_eq!(brokers.shown(2), "c:5671");
        assert_eq!(brokers.next(2), 0);
        assert!(brokers.random_start() < 3);
    }

    #[test]
    fn bad_lists_are_refused_without_their_passwords() {
        assert_eq!(Brokers::parse(&[" , "]), Err(BrokersError::Empty));
        let Err(BrokersError::NotAmqp(shown)) = Brokers::parse(&["http://u:secret@h/"]) else {
            panic!("an http URL is not a broker");
        };
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn debug_output_has_no_credentials() {
        let brokers =
            Brokers::parse(&["amqp://user:secret@[::1]:5672/%2f,amqp://h"]).expect("parses");
        let shown = format!("{brokers:?}");
        assert_eq!(shown, r#"["[::1]:5672", "h:5672"]"#);
    }
}
