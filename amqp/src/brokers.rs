//! Several broker addresses: every node of a RabbitMQ cluster, given as repeated
//! `--amqp-url` flags or one comma-separated `WARREN_AMQP_URL`. A party connects to
//! one chosen at random (so a fleet spreads over the nodes) and, when that fails or
//! its connection drops, to the next.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::time::Duration;

use lapin::Connection;
use lapin::uri::AMQPUri;
use tracing::warn;
use url::Url;

/// How long one address may take to connect (TCP, TLS and the AMQP handshake) before
/// the next is tried: lapin has no such limit, and a node whose packets are dropped,
/// or one that accepts TCP and never answers, would otherwise hold a party for minutes.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The broker addresses a party may connect to, in the order given.
#[derive(Clone, PartialEq, Eq)]
pub struct Brokers {
    urls: Vec<String>,
    /// Each address as logs and metrics show it: host and port read off the parsed
    /// URL, so no credentials whatever the URL holds.
    shown: Vec<String>,
}

impl Brokers {
    /// The addresses in `values`, each of which may hold several separated by commas
    /// (a comma inside a password is written `%2C`, as URLs encode it). An address
    /// that is not an AMQP URL is refused by its position, never shown: its text may
    /// hold a password.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Brokers, BrokersError> {
        let mut urls = Vec::new();
        let mut shown = Vec::new();
        let mut position = 0;
        for value in values {
            for url in value.as_ref().split(',').map(str::trim) {
                if url.is_empty() {
                    continue;
                }
                position += 1;
                let scheme = url.starts_with("amqp://") || url.starts_with("amqps://");
                // lapin's own parser decides what connects; `url`'s gives the host as
                // written (lapin's turns an IP address into "localhost").
                let parsed = Url::parse(url).ok().filter(|_| scheme);
                let Some(parsed) = parsed.filter(|_| AMQPUri::from_str(url).is_ok()) else {
                    return Err(BrokersError::NotAmqp { position });
                };
                if !urls.iter().any(|known| known == url) {
                    urls.push(url.to_owned());
                    shown.push(host_and_port(&parsed));
                }
            }
        }
        if urls.is_empty() {
            return Err(BrokersError::Empty);
        }
        Ok(Brokers { urls, shown })
    }

    /// How many addresses there are.
    pub fn len(&self) -> usize {
        self.urls.len()
    }

    /// Never true: [`Brokers::parse`] refuses an empty list (clippy asks for it
    /// beside `len`).
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// Address `at` (taken modulo their number), as given.
    pub fn url(&self, at: usize) -> &str {
        &self.urls[at % self.urls.len()]
    }

    /// Address `at` as logs and metrics show it: host and port, no credentials.
    pub fn shown(&self, at: usize) -> String {
        self.shown[at % self.shown.len()].clone()
    }

    /// Where to start: an address chosen at random, so that a fleet started at once
    /// spreads over the nodes.
    pub fn random_start(&self) -> usize {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        (hasher.finish() % self.urls.len() as u64) as usize
    }

    /// The address after `at`, where a party goes when a connection to `at` cannot
    /// be opened.
    pub fn next(&self, at: usize) -> usize {
        (at + 1) % self.urls.len()
    }

    /// Another address than `at`, chosen at random: where a party goes when its
    /// connection to `at` drops. Not simply the next one, so that a fleet does not
    /// follow a rolling restart that takes the nodes down in order (losing its held
    /// jobs at every step).
    pub fn other_than(&self, at: usize) -> usize {
        let others = self.urls.len().saturating_sub(1);
        if others == 0 {
            return at % self.urls.len();
        }
        (at + 1 + self.random_start() % others) % self.urls.len()
    }

    /// Connects to the first address that answers within [`CONNECT_TIMEOUT`], trying
    /// each once from `start` on: the index of the one connected to, or the last
    /// address's error. An address that fails is logged when others remain to try.
    pub async fn connect(&self, start: usize, name: &str) -> Result<(usize, Connection), Failed> {
        let mut at = start % self.urls.len();
        let mut error = match self.attempt(at, name).await {
            Ok(connection) => return Ok((at, connection)),
            Err(err) => err,
        };
        for _ in 1..self.urls.len() {
            warn!(broker = %self.shown(at), cause = %error, "Cannot reach this broker; trying the next.");
            at = self.next(at);
            match self.attempt(at, name).await {
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

    async fn attempt(&self, at: usize, name: &str) -> Result<Connection, Attempt> {
        match tokio::time::timeout(CONNECT_TIMEOUT, crate::connect(self.url(at), name)).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(err)) => Err(Attempt::Refused(err)),
            Err(_) => Err(Attempt::TimedOut),
        }
    }
}

/// Every address refused: the last one's error.
#[derive(Debug)]
pub struct Failed {
    /// The last address tried, as host and port.
    pub address: String,
    pub tried: usize,
    pub error: Attempt,
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

/// Why one address could not be connected to.
#[derive(Debug)]
pub enum Attempt {
    /// The broker or the network said no.
    Refused(lapin::Error),
    /// Nothing within [`CONNECT_TIMEOUT`].
    TimedOut,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Refused(err) => err.fmt(f),
            Attempt::TimedOut => write!(f, "no answer within {CONNECT_TIMEOUT:?}"),
        }
    }
}

impl std::error::Error for Attempt {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Attempt::Refused(err) => Some(err),
            Attempt::TimedOut => None,
        }
    }
}

/// Brokers are shown without credentials, whatever prints them.
impl fmt::Debug for Brokers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.shown).finish()
    }
}

/// Why broker addresses were refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BrokersError {
    /// Nothing but commas and spaces.
    Empty,
    /// The address at this position (from 1, over every value and comma) does not
    /// parse as an AMQP URL.
    NotAmqp { position: usize },
}

impl fmt::Display for BrokersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokersError::Empty => write!(f, "no broker address given"),
            BrokersError::NotAmqp { position } => write!(
                f,
                "address {position} is not an amqp:// or amqps:// URL (a comma in a password is written %2C)"
            ),
        }
    }
}

impl std::error::Error for BrokersError {}

/// "host:port" of a parsed AMQP URL (the scheme's default port when it names none).
fn host_and_port(url: &Url) -> String {
    let default = if url.scheme() == "amqps" { 5671 } else { 5672 };
    let host = url.host_str().unwrap_or("localhost");
    format!("{host}:{}", url.port().unwrap_or(default))
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
        for _ in 0..20 {
            let other = brokers.other_than(1);
            assert!(other == 0 || other == 2, "{other}");
        }
    }

    #[test]
    fn bad_lists_are_refused_without_their_passwords() {
        assert_eq!(Brokers::parse(&[" , "]), Err(BrokersError::Empty));
        for (values, position) in [
            (&["http://u:secret@h/"][..], 1),
            (&["amqp://h", "guest:secret@rabbit:5672"][..], 2),
            (&["amqp:/u:secret@h"][..], 1),
            // An unencoded comma splits the address: its first half is refused.
            (&["amqp://u:pa,ss@h/%2f"][..], 1),
        ] {
            let err = Brokers::parse(values).expect_err("not a broker address");
            assert_eq!(err, BrokersError::NotAmqp { position });
            let shown = err.to_string();
            assert!(
                !shown.contains("secret") && !shown.contains("ss@"),
                "{shown}"
            );
        }
    }

    #[test]
    fn addresses_are_shown_as_lapin_reads_them() {
        // A password with an unencoded delimiter is not a password to a URL parser:
        // shown is what lapin would connect to, never the text after the last `@`.
        let brokers = Brokers::parse(&[
            "amqp://user:1234?x@h2:5682",
            "amqps://u:p%2Fw@h3/vh",
            "amqp://[::1]",
        ])
        .expect("parses");
        assert_eq!(brokers.shown(0), "user:1234");
        assert_eq!(brokers.shown(1), "h3:5671");
        assert_eq!(brokers.shown(2), "[::1]:5672");
        assert_eq!(
            Brokers::parse(&["amqp://user:ab/cd@host/%2f"]),
            Err(BrokersError::NotAmqp { position: 1 })
        );
    }

    #[test]
    fn debug_output_has_no_credentials() {
        let brokers =
            Brokers::parse(&["amqp://user:secret@[::1]:5672/%2f,amqp://h"]).expect("parses");
        let shown = format!("{brokers:?}");
        assert_eq!(shown, r#"["[::1]:5672", "h:5672"]"#);
    }
}
