//! The processes under test (workers, or the echo consumer), and what the kernel says
//! about them: time from exec to ready, resident memory, CPU time.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::WorkerSpec;

/// A binary next to this one (`target/release/...`).
pub fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?
        .parent()
        .map(|dir| dir.join(name))
        .ok_or_else(|| anyhow::anyhow!("no folder for {name}"))?;
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build it with cargo build --release --bins",
        path.display()
    );
    Ok(path)
}

/// A process under test; killed on drop.
pub struct Subject {
    child: Child,
    /// From spawning it to its readiness.
    pub ready_after: Duration,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Subject {
    /// Starts a worker on `queue` with `slots` slots and waits for `/readyz`. Its
    /// prefetch is the default (the adaptive window) unless `prefetch` fixes it; with
    /// `library`, jobs may import that package of the corpus (`tests/packages`), which
    /// the worker preloads (`--preload-module`).
    pub async fn worker(
        amqp_url: &str,
        queue: &str,
        spec: &WorkerSpec<'_>,
    ) -> anyhow::Result<Subject> {
        let (slots, prefetch, library) = (spec.slots, spec.prefetch, spec.library);
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let started = Instant::now();
        let mut command = Command::new(sibling("warren-worker")?);
        command.args([
            "--amqp-url",
            amqp_url,
            "--queue",
            queue,
            "--concurrency",
            &slots.to_string(),
            "--metrics-addr",
            &addr.to_string(),
        ]);
        if let Some(prefetch) = prefetch {
            command.args(["--prefetch", &prefetch.to_string()]);
        }
        if !spec.fair_shares {
            command.args(["--fair-shares", "false"]);
        }
        if let Some(package) = library {
            let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/packages");
            command.args(["--modules-dir", corpus, "--allow-module", package]);
            command.args(["--preload-module", package]);
        }
        let child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
        let mut subject = Subject {
            child,
            ready_after: Duration::ZERO,
        };
        let deadline = started + Duration::from_secs(30);
        while !warren_worker::health::probe(addr, "/readyz").await {
            anyhow::ensure!(Instant::now() < deadline, "the worker did not become ready");
            if let Ok(Some(status)) = subject.child.try_wait() {
                anyhow::bail!("the worker exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        subject.ready_after = started.elapsed();
        Ok(subject)
    }

    /// Starts the echo consumer (this binary, `echo`) and waits until it consumes.
    pub async fn echo(amqp_url: &str, queue: &str, prefetch: u16) -> anyhow::Result<Subject> {
        use std::io::BufRead;
        let started = Instant::now();
        let mut child = Command::new(std::env::current_exe()?)
            .args(["echo", "--amqp-url", amqp_url, "--queue", queue])
            .args(["--prefetch", &prefetch.to_string()])
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .map(|_| line)
        })
        .await??;
        anyhow::ensure!(line.trim() == "ready", "the echo consumer failed to start");
        Ok(Subject {
            child,
            ready_after: started.elapsed(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The subject's process and its sandbox processes, as they are now.
    pub fn processes(&self) -> Vec<u32> {
        std::iter::once(self.pid())
            .chain(warren_worker::sandbox::children_of(self.pid()))
            .collect()
    }

    /// Memory in use, in bytes: see [`rss_of`].
    pub fn rss(&self) -> u64 {
        rss_of(self.pid())
    }

    /// User plus system CPU time so far, of the worker and its sandbox processes (live
    /// ones, and those it has reaped).
    pub fn cpu(&self) -> Duration {
        let own = cpu_ticks(self.pid(), true);
        let children: u64 = warren_worker::sandbox::children_of(self.pid())
            .into_iter()
            .map(|pid| cpu_ticks(pid, false))
            .sum();
        // SAFETY: sysconf has no preconditions.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Duration::from_secs_f64((own + children) as f64 / per_second)
    }

    /// Stops it with SIGTERM and waits.
    pub fn stop(mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.pid() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Subject {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Memory a worker uses, in bytes: the proportional set size (PSS) of the worker and
/// of each of its sandbox processes, summed. PSS splits pages shared between them (the
/// binary's code) instead of counting them once per process, as RSS would.
pub fn rss_of(pid: u32) -> u64 {
    std::iter::once(pid)
        .chain(warren_worker::sandbox::children_of(pid))
        .map(pss_of)
        .sum()
}

/// Proportional set size of one process, in bytes (0 if it is gone).
pub fn pss_of(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// utime + stime of `pid` in clock ticks; with `reaped`, plus its reaped children's.
fn cpu_ticks(pid: u32, reaped: bool) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after ')':
    // utime, stime, cutime, cstime are fields 14 to 17 of the line, 11 to 14 here.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|v| v.parse::<u64>().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    field(11) + field(12) + if reaped { field(13) + field(14) } else { 0 }
}
