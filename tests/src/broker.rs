//! Acting on the broker itself, through `rabbitmqctl`: cutting a worker's connections
//! and stopping the broker app. Only the fleet and lifecycle tests do this.

use std::process::Command;
use std::time::Duration;

/// Runs `rabbitmqctl` with `args`; panics when it fails.
fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("run rabbitmqctl");
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Broker pids of the connections whose client-provided name is `name`.
pub fn connections_named(name: &str) -> Vec<String> {
    rabbitmqctl(&[
        "list_connections",
        "-q",
        "--no-table-headers",
        "pid",
        "client_properties",
    ])
    .lines()
    .filter(|line| line.contains(&format!("\"{name}\"")))
    .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
    .collect()
}

/// Force-closes every connection named `name`; returns how many there were.
pub fn close_connections_named(name: &str) -> usize {
    let pids = connections_named(name);
    for pid in &pids {
        rabbitmqctl(&["close_connection", pid, "test: forced close"]);
    }
    pids.len()
}

/// The broker app stopped (`rabbitmqctl stop_app`) until this is dropped: dropping it
/// starts the app again and waits for AMQP, even when the test panics, so no later
/// test finds the broker down.
pub struct StoppedBroker(());

impl StoppedBroker {
    pub fn stop() -> StoppedBroker {
        rabbitmqctl(&["stop_app"]);
        StoppedBroker(())
    }

    /// Starts the app again now (dropping it does the same).
    pub fn start(self) {
        drop(self);
    }
}

impl Drop for StoppedBroker {
    fn drop(&mut self) {
        let started = Command::new("rabbitmqctl").arg("start_app").status();
        if !started.is_ok_and(|s| s.success()) {
            eprintln!("rabbitmqctl start_app failed: start the broker by hand");
        }
        // start_app returns once the app is up; wait for the listener all the same.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", 5672)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// What the broker holds of `queue`: messages ready for delivery, and delivered but
/// not yet acknowledged (`None` when there is no such queue).
pub fn queue_counts(queue: &str) -> Option<(u64, u64)> {
    rabbitmqctl(&[
        "list_queues",
        "-q",
        "--no-table-headers",
        "name",
        "messages_ready",
        "messages_unacknowledged",
    ])
    .lines()
    .find_map(|line| {
        let mut fields = line.split_whitespace();
        if fields.next()? != queue {
            return None;
        }
        Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
    })
}
