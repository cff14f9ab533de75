//! Running the real `warren-worker` binary, for tests that need signals and exits.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The workspace's `target` directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Path to a workspace binary (debug profile).
pub fn binary(name: &str) -> PathBuf {
    built(target_dir().join("debug").join(name))
}

/// Path to a workspace example program (debug profile), such as the client library's
/// `submit_and_wait`.
pub fn example(name: &str) -> PathBuf {
    built(target_dir().join("debug").join("examples").join(name))
}

/// `path`, a debug build of a binary or example. `scripts/test.sh` builds them before
/// the tests; when one is missing they are built here, once, the same way (other
/// package selections would resolve features differently and relink every time).
fn built(path: PathBuf) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    if !path.exists() {
        BUILT.get_or_init(|| {
            let status = cargo()
                .args(["build", "--quiet", "--workspace", "--bins", "--examples"])
                .status()
                .expect("run cargo build");
            assert!(
                status.success(),
                "building the binaries and examples failed"
            );
        });
    }
    path
}

/// Path to a workspace binary built in release mode (`scripts/test.sh` builds them);
/// for scenarios whose timing or volume a debug build would distort.
pub fn release_binary(name: &str) -> PathBuf {
    let path = target_dir().join("release").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/test.sh, or cargo build --release --bins",
        path.display()
    );
    path
}

/// The worker binary with test-only hooks (`--features test-hooks`), built on demand;
/// never part of a normal build.
pub fn hooks_binary() -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = cargo()
            .args([
                "build",
                "--quiet",
                "-p",
                "warren-worker",
                "--features",
                "test-hooks",
                "--bin",
                "warren-worker-test-hooks",
            ])
            .status()
            .expect("cargo");
        assert!(status.success(), "building warren-worker-test-hooks");
    });
    target_dir().join("debug").join("warren-worker-test-hooks")
}

/// The ids of `parent`'s child processes, from `/proc`.
pub fn child_pids(parent: u32) -> Vec<u32> {
    warren_worker::sandbox::children_of(parent)
}

/// `cargo` at the workspace root with a clean environment. A test process carries the
/// variables cargo set for it (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...); build scripts
/// that watch such variables would see a change and rebuild everything, twice over.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.env_clear();
    for keep in [
        "PATH",
        "HOME",
        "USER",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
    ] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    command.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    command
}

/// A running worker process; killed on drop if still running.
pub struct WorkerProcess {
    pub child: Child,
    pub metrics_addr: std::net::SocketAddr,
}

impl WorkerProcess {
    pub fn spawn(queue: &str, extra: &[&str]) -> WorkerProcess {
        WorkerProcess::spawn_logging_to(queue, extra, None)
    }

    /// Like [`WorkerProcess::spawn`], running the release build.
    pub fn spawn_release(queue: &str, extra: &[&str]) -> WorkerProcess {
        WorkerProcess::start(release_binary("warren-worker"), queue, extra, None)
    }

    /// Like [`WorkerProcess::spawn`], running `program` (such as [`hooks_binary`]).
    pub fn spawn_program(program: PathBuf, queue: &str, extra: &[&str]) -> WorkerProcess {
        WorkerProcess::start(program, queue, extra, None)
    }

    /// The worker's sandbox processes.
    pub fn sandbox_pids(&self) -> Vec<u32> {
        child_pids(self.child.id())
    }

    /// Like [`WorkerProcess::spawn`], with the worker's (JSON) log lines written to `log`.
    pub fn spawn_logging_to(
        queue: &str,
        extra: &[&str],
        log: Option<&std::path::Path>,
    ) -> WorkerProcess {
        WorkerProcess::start(binary("warren-worker"), queue, extra, log)
    }

    /// Like [`WorkerProcess::spawn_logging_to`], with the worker's stderr sent to the
    /// file `stderr` too.
    pub fn spawn_logging_to_files(
        queue: &str,
        extra: &[&str],
        log: &std::path::Path,
        stderr: &std::path::Path,
    ) -> WorkerProcess {
        WorkerProcess::start_with(
            binary("warren-worker"),
            queue,
            extra,
            Some(log),
            Some(stderr),
        )
    }

    fn start(
        program: PathBuf,
        queue: &str,
        extra: &[&str],
        log: Option<&std::path::Path>,
    ) -> WorkerProcess {
        WorkerProcess::start_with(program, queue, extra, log, None)
    }

    fn start_with(
        program: PathBuf,
        queue: &str,
        extra: &[&str],
        log: Option<&std::path::Path>,
        stderr: Option<&std::path::Path>,
    ) -> WorkerProcess {
        let args = crate::worker_args(queue, extra);
        let metrics_addr = args
            .iter()
            .position(|a| a == "--metrics-addr")
            .and_then(|i| args.get(i + 1))
            .and_then(|a| a.parse().ok())
            .expect("metrics addr");
        let child = Command::new(program)
            .args(&args[1..])
            .env("WARREN_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(match log {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
                None if std::env::var_os("WARREN_TEST_LOG").is_some() => Stdio::inherit(),
                None => Stdio::null(),
            })
            .stderr(match stderr {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("stderr file")),
                None => Stdio::inherit(),
            })
            .spawn()
            .expect("spawn warren-worker");
        WorkerProcess {
            child,
            metrics_addr,
        }
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid")
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.pid(), signal) };
    }

    /// Waits for readiness on `/readyz`.
    pub async fn wait_ready(&self, within: Duration) -> bool {
        let addr = self.metrics_addr;
        crate::eventually(within, || async move {
            matches!(crate::http_get(addr, "/readyz").await, Ok((200, _)))
        })
        .await
    }

    /// Waits for the process to exit.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
