//! A pool's egress allowlist: the hosts (`host`, `host:port`, `*.suffix`, or an IP
//! address) and schemes `fetch` may reach. Checked for every request and every
//! redirect hop, in the host, before anything is sent.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::{Host, Url};

/// One allowlist entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: HostMatch,
    /// `None`: the scheme's default port only.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    /// A DNS name, lower case, without a trailing dot.
    Exact(String),
    /// `*.example.com`, stored as `.example.com`: any name below it, not itself.
    Suffix(String),
    /// An address, trusted as written (the only way to reach a private address).
    Ip(IpAddr),
}

/// Why an allowlist entry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad --allow-host entry {entry:?}: {reason} (use host, host:port, *.suffix or an IP address)"
)]
pub struct PatternError {
    entry: String,
    reason: &'static str,
}

impl FromStr for HostPattern {
    type Err = PatternError;

    fn from_str(entry: &str) -> Result<HostPattern, PatternError> {
        let fail = |reason| PatternError {
            entry: entry.to_owned(),
            reason,
        };
        let text = entry.trim();
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        if text.contains("://") || text.contains('/') {
            return Err(fail("give a host, not a URL"));
        }
        let (host, port) =
            split_port(text).ok_or_else(|| fail("the port is not a number from 1 to 65535"))?;
        if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let ip = v6.parse().map_err(|_| fail("not an IPv6 address"))?;
            return Ok(HostPattern {
                host: HostMatch::Ip(IpAddr::V6(ip)),
                port,
            });
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(HostPattern {
                host: HostMatch::Ip(ip),
                port,
            });
        }
        let (wildcard, name) = match host.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host),
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let valid_label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if name.is_empty() || !name.split('.').all(valid_label) {
            return Err(fail("not a host name"));
        }
        let host = if wildcard {
            HostMatch::Suffix(format!(".{name}"))
        } else {
            HostMatch::Exact(name)
        };
        Ok(HostPattern { host, port })
    }
}

/// `host[:port]` or `[v6][:port]`; `None` when a port is present but invalid.
fn split_port(text: &str) -> Option<(&str, Option<u16>)> {
    let port_start = if text.starts_with('[') {
        text.find(']').map(|end| end + 1)
    } else if text.matches(':').count() == 1 {
        text.find(':')
    } else {
        None // a bare IPv6 address, or a name without a port
    };
    match port_start {
        Some(i) if i < text.len() => {
            let port = text[i..].strip_prefix(':')?.parse::<u16>().ok()?;
            (port != 0).then_some((&text[..i], Some(port)))
        }
        _ => Some((text, None)),
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostMatch::Exact(name) => write!(f, "{name}")?,
            HostMatch::Suffix(suffix) => write!(f, "*{suffix}")?,
            HostMatch::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
            HostMatch::Ip(ip) => write!(f, "{ip}")?,
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

impl HostPattern {
    fn matches(&self, host: &Host<&str>, port: u16, default_port: Option<u16>) -> bool {
        let port_ok = match self.port {
            Some(wanted) => wanted == port,
            None => default_port == Some(port),
        };
        port_ok
            && match (&self.host, host) {
                (HostMatch::Exact(name), Host::Domain(domain)) => {
                    domain.trim_end_matches('.').eq_ignore_ascii_case(name)
                }
                (HostMatch::Suffix(suffix), Host::Domain(domain)) => {
                    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
                    domain.len() > suffix.len() && domain.ends_with(suffix.as_str())
                }
                (HostMatch::Ip(ip), Host::Ipv4(v4)) => *ip == IpAddr::V4(*v4),
                (HostMatch::Ip(ip), Host::Ipv6(v6)) => *ip == IpAddr::V6(*v6),
                _ => false,
            }
    }
}

/// The schemes `fetch` allows when a pool lists none.
pub const DEFAULT_SCHEMES: &[&str] = &["https", "http"];

/// What a pool's jobs may reach with `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressPolicy {
    patterns: Vec<HostPattern>,
    schemes: Vec<String>,
}

/// A URL the allowlist does not cover, with the reason a job sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

/// How a URL passed the allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// The entry names an IP address: that address is reachable even if private.
    pub explicit_address: bool,
}

impl EgressPolicy {
    /// A policy from allowlist entries and schemes (lower-cased; empty: [`DEFAULT_SCHEMES`]).
    pub fn new(patterns: Vec<HostPattern>, schemes: &[String]) -> EgressPolicy {
        let schemes = if schemes.is_empty() {
            DEFAULT_SCHEMES.iter().map(|s| s.to_string()).collect()
        } else {
            schemes.iter().map(|s| s.to_ascii_lowercase()).collect()
        };
        EgressPolicy { patterns, schemes }
    }

    pub fn patterns(&self) -> &[HostPattern] {
        &self.patterns
    }

    pub fn schemes(&self) -> &[String] {
        &self.schemes
    }

    /// Whether `url` may be requested.
    pub fn check(&self, url: &Url) -> Result<Allowed, Denied> {
        let scheme = url.scheme();
        if !self.schemes.iter().any(|s| s == scheme) {
            return Err(Denied(format!(
                "fetch: scheme '{scheme}:' is not allowed (allowed: {})",
                self.schemes.join(", ")
            )));
        }
        let (Some(host), Some(port)) = (url.host(), url.port_or_known_default()) else {
            return Err(Denied(format!("fetch: '{url}' has no host")));
        };
        let default_port = url::Url::parse(&format!("{scheme}://x/"))
            .ok()
            .and_then(|u| u.port_or_known_default());
        match self
            .patterns
            .iter()
            .find(|p| p.matches(&host, port, default_port))
        {
            Some(pattern) => Ok(Allowed {
                explicit_address: matches!(pattern.host, HostMatch::Ip(_)),
            }),
            None => Err(Denied(format!(
                "fetch: {host}:{port} is not on this pool's egress allowlist"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> EgressPolicy {
        let patterns = entries
            .iter()
            .map(|e| e.parse().expect("pattern"))
            .collect();
        EgressPolicy::new(patterns, &[])
    }

    fn allowed(policy: &EgressPolicy, url: &str) -> bool {
        policy.check(&Url::parse(url).expect("url")).is_ok()
    }

    #[test]
    fn exact_names_match_on_default_ports_only() {
        let p = policy(&["api.example.com"]);
        assert!(allowed(&p, "https://api.example.com/v1"));
        assert!(allowed(&p, "http://API.example.com./x"));
        assert!(!allowed(&p, "https://api.example.com:8443/"));
        assert!(!allowed(&p, "https://evil.api.example.com/"));
        assert!(!allowed(&p, "https://example.com/"));
        assert!(!allowed(&p, "ftp://api.example.com/"));
    }

    #[test]
    fn ports_and_wildcards() {
        let p = policy(&[
            "*.example.com",
            "svc.internal:8080",
            "127.0.0.1:9000",
            "[::1]:9001",
        ]);
        assert!(allowed(&p, "https://a.example.com/"));
        assert!(allowed(&p, "https://a.b.example.com/"));
        assert!(!allowed(&p, "https://example.com/"));
        assert!(!allowed(&p, "https://badexample.com/"));
        assert!(allowed(&p, "http://svc.internal:8080/"));
        assert!(!allowed(&p, "http://svc.internal/"));
        assert!(allowed(&p, "http://127.0.0.1:9000/"));
        assert!(!allowed(&p, "http://127.0.0.1:9001/"));
        assert!(allowed(&p, "http://[::1]:9001/"));
        let explicit = p.check(&Url::parse("http://127.0.0.1:9000/").expect("url"));
        assert_eq!(
            explicit,
            Ok(Allowed {
                explicit_address: true
            })
        );
    }

    #[test]
    fn schemes_are_listed() {
        let p = EgressPolicy::new(vec!["example.com".parse().expect("p")], &["https".into()]);
        assert!(allowed(&p, "https://example.com/"));
        assert!(!allowed(&p, "http://example.com/"));
        assert!(!allowed(&p, "file:///etc/passwd"));
    }

    #[test]
    fn bad_entries_are_refused_with_a_reason() {
        for bad in [
            "",
            "https://x.com",
            "x.com/path",
            "x.com:0",
            "x.com:99999",
            "bad host",
            "*.",
            "[zz]:1",
        ] {
            assert!(
                bad.parse::<HostPattern>().is_err(),
                "{bad:?} must be refused"
            );
        }
        for (good, shown) in [
            ("X.com", "x.com"),
            ("*.x.com:8443", "*.x.com:8443"),
            ("::1", "[::1]"),
        ] {
            assert_eq!(
                good.parse::<HostPattern>().expect("pattern").to_string(),
                shown
            );
        }
    }
}
