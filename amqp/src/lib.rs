//! Warren's AMQP conventions, written once for every party on the broker: the worker,
//! the client library, the `warren` command, the benchmark and the tests. The wire
//! contract itself (bodies, names, arguments) is [`warren_wire`]; this crate is how
//! it is spoken with lapin.
//!
//! # Layout
//! - [`topology`]: the queues and exchange a pool needs, declared or looked at.
//! - [`publish`]: persistent, mandatory publishes and what the broker did with them.
//! - [`headers`]: reading AMQP headers whatever type they were sent as.
//! - [`envelope`]: what a consumer reads off a job's delivery besides its body.
//! - [`trace_context`]: W3C trace context, carried in the `traceparent` header.
//! - [`acks`]: settling a consuming channel's deliveries, merged into few frames.
//! - [`brokers`]: several broker addresses (a cluster's nodes), and failing over.
//!
//! Dependencies point down: `envelope` reads `headers` and `trace_context`;
//! `publish` answers an `envelope`; nothing here knows of the sandbox.

pub mod acks;
pub mod brokers;
pub mod envelope;
pub mod headers;
pub mod publish;
pub mod topology;
pub mod trace_context;

use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::{Connection, ConnectionProperties};

/// The broker every Warren command and the worker use unless told otherwise.
pub const DEFAULT_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// The largest frame Warren asks the broker for, unless the URL sets `frame_max`:
/// RabbitMQ's own default, named so that lapin knows it before connecting. lapin keeps
/// a buffer of 32 frames each way per connection. Told the size up front, it allocates
/// them zeroed, which costs no memory until used; left to learn it from the broker,
/// it grows them after the handshake by writing zeros, which kept 7.5 MB of an idle
/// worker's 24.5 MB resident.
pub const FRAME_MAX: u32 = 128 * 1024;

/// The heartbeat interval Warren asks for, in seconds, unless the URL sets
/// `heartbeat`: a broker node that vanishes without closing its connections (a
/// partition, a lost machine) is noticed after two missed heartbeats, 20 s, rather
/// than the two minutes of RabbitMQ's suggested 60 s. RabbitMQ advises 5 to 20 s.
pub const HEARTBEAT_SECS: u16 = 10;

/// Opens a connection that names itself `name` to the broker (its management UI and
/// `rabbitmqctl list_connections` show it). lapin sets TCP_NODELAY on its socket.
pub async fn connect(url: &str, name: &str) -> lapin::Result<Connection> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect(&with_defaults(url), properties).await
}

/// `url` asking for frames of at most [`FRAME_MAX`] bytes and heartbeats every
/// [`HEARTBEAT_SECS`], unless it asks for values of its own.
pub fn with_defaults(url: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let query = base.split_once('?').map(|(_, query)| query);
    let names = |param: &str| {
        query.is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some(param))
        })
    };
    let mut added = Vec::new();
    if !names("frame_max") {
        added.push(format!("frame_max={FRAME_MAX}"));
    }
    if !names("heartbeat") {
        added.push(format!("heartbeat={HEARTBEAT_SECS}"));
    }
    if added.is_empty() {
        return url.to_owned();
    }
    let separator = if query.is_some() { '&' } else { '?' };
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    format!("{base}{separator}{}{fragment}", added.join("&"))
}

/// Whether `err` is the broker closing a channel with `code` (a missing queue is
/// `NOTFOUND`, a queue declared with other arguments `PRECONDITIONFAILED`).
pub fn is_channel_error(err: &lapin::Error, code: AMQPSoftError) -> bool {
    matches!(err.kind(), lapin::ErrorKind::ProtocolError(e)
        if *e.kind() == AMQPErrorKind::Soft(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_frame_size_and_heartbeat_unless_they_do_already() {
        assert_eq!(
            with_defaults("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:guest@127.0.0.1:5672/%2f?frame_max=131072&heartbeat=10"
        );
        assert_eq!(
            with_defaults("amqp://h/%2f?heartbeat=30"),
            "amqp://h/%2f?heartbeat=30&frame_max=131072"
        );
        assert_eq!(
            with_defaults("amqp://h/%2f?frame_max=8192&heartbeat=5"),
            "amqp://h/%2f?frame_max=8192&heartbeat=5"
        );
        assert_eq!(
            with_defaults("amqp://u:frame_max=x@h/%2f?channel_max=5#f"),
            "amqp://u:frame_max=x@h/%2f?channel_max=5&frame_max=131072&heartbeat=10#f"
        );
    }
}
