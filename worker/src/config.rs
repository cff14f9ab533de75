//! Worker configuration: `clap` flags (each with a `WARREN_*` environment variable)
//! and an optional TOML file describing several pools. Settings that cannot work
//! together are refused at start-up with a message that says what to change.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

use crate::egress::{EgressPolicy, FetchCaps, HostPattern};
use crate::sandbox::modules::Library;
use crate::sandbox::{
    EgressConfig, EngineConfig, Isolation, ModuleTable, PoolLimits, ProcessIsolation,
};

/// RabbitMQ's default `consumer_timeout`: a delivery unacked for longer is fatal to
/// the channel, so no job may be allowed to run that long.
pub const DEFAULT_CONSUMER_TIMEOUT_MS: u64 = 30 * 60 * 1000;

/// Run untrusted JavaScript jobs from RabbitMQ in fresh, limited QuickJS sandboxes.
///
/// Every flag has an environment variable. With `--config`, the pools come from the
/// TOML file and these flags are the defaults for what a pool leaves out.
#[derive(Debug, Clone, Parser)]
#[command(name = "warren-worker", version, about, long_about = None,
    after_help = "Examples:\n  warren-worker\n  warren-worker --queue jobs.fast --concurrency 4 --timeout-ms 500 --allow-module crypto\n  warren-worker --config /etc/warren/pools.toml --metrics-addr 0.0.0.0:9464")]
pub struct Args {
    /// AMQP URL of the broker.
    #[arg(
        long,
        env = "WARREN_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub amqp_url: String,

    /// Jobs queue to consume (a durable quorum queue, declared if missing).
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    pub queue: String,

    /// Jobs run at once (sandbox slots); defaults to the number of CPU cores.
    #[arg(long, env = "WARREN_CONCURRENCY")]
    pub concurrency: Option<usize>,

    /// Unacknowledged jobs the broker may hand this worker; defaults to 2 × concurrency.
    #[arg(long, env = "WARREN_PREFETCH")]
    pub prefetch: Option<u16>,

    /// Async threads for AMQP, JSON, sandbox reports and `fetch` (jobs run in the
    /// sandbox slots, not here); defaults to 1, or one per core when a pool grants
    /// `fetch` (TLS handshakes are CPU work). One thread keeps each job's hand-offs on
    /// one core.
    #[arg(long, env = "WARREN_IO_THREADS")]
    pub io_threads: Option<usize>,

    /// Seconds a stopping worker waits for in-flight jobs before returning them to the queue.
    #[arg(long, env = "WARREN_SHUTDOWN_GRACE", default_value_t = 25.0)]
    pub shutdown_grace: f64,

    /// Wall-clock limit of a job (the pool's maximum), in milliseconds.
    #[arg(long, env = "WARREN_TIMEOUT_MS", default_value_t = 5_000)]
    pub timeout_ms: u64,

    /// Memory limit of a job (the pool's maximum), in MiB.
    #[arg(long, env = "WARREN_MEMORY_MB", default_value_t = 64)]
    pub memory_mb: u64,

    /// JS stack limit, in KiB.
    #[arg(long, env = "WARREN_STACK_KB", default_value_t = 1024)]
    pub stack_kb: u64,

    /// Native stack of each sandbox thread, in MiB; must be at least twice the JS stack limit.
    #[arg(long, env = "WARREN_SLOT_STACK_MB", default_value_t = 8)]
    pub slot_stack_mb: u64,

    /// Where jobs run: `process` (confined sandbox processes, killed and replaced when
    /// they misbehave) or `thread` (threads of the worker: for trusted code only).
    #[arg(long, env = "WARREN_ISOLATION", value_enum, default_value_t = IsolationMode::Process)]
    pub isolation: IsolationMode,

    /// Virtual memory each sandbox process may map, in MiB (its RLIMIT_AS): a backstop
    /// behind the per-job memory limit.
    #[arg(long, env = "WARREN_SANDBOX_ADDRESS_SPACE_MB", default_value_t = 4096)]
    pub sandbox_address_space_mb: u64,

    /// The executable started as a sandbox process (default: this worker's own, even
    /// if its file is replaced while it runs). For embedding the worker in another
    /// program, such as a test harness.
    #[arg(long, env = "WARREN_SANDBOX_PROGRAM", hide = true)]
    pub sandbox_program: Option<PathBuf>,

    /// Largest job body accepted, in bytes; larger ones are `bad_request`.
    #[arg(long, env = "WARREN_MAX_JOB_BYTES", default_value_t = 1 << 20)]
    pub max_job_bytes: usize,

    /// Largest serialised result value, in bytes; larger ones are `output` errors.
    #[arg(long, env = "WARREN_MAX_RESULT_BYTES", default_value_t = 1 << 20)]
    pub max_result_bytes: usize,

    /// Most console entries kept per job.
    #[arg(long, env = "WARREN_MAX_LOG_ENTRIES", default_value_t = 1_000)]
    pub max_log_entries: usize,

    /// Most bytes of console output kept per job.
    #[arg(long, env = "WARREN_MAX_LOG_BYTES", default_value_t = 64 << 10)]
    pub max_log_bytes: usize,

    /// A module jobs may import (repeatable). Default: crypto and url.
    #[arg(
        long = "allow-module",
        env = "WARREN_ALLOW_MODULES",
        value_delimiter = ','
    )]
    pub allow_modules: Vec<String>,

    /// Allow no modules at all (overrides the default table).
    #[arg(long, env = "WARREN_NO_MODULES")]
    pub no_modules: bool,

    /// Folder of operator-shipped JS modules (`NAME.js`, or `NAME/index.js` with its
    /// files); each is importable as NAME when listed with --allow-module.
    #[arg(long, env = "WARREN_MODULES_DIR")]
    pub modules_dir: Option<PathBuf>,

    /// Grants jobs `fetch` to this host (repeatable): `host` (default port of the
    /// scheme), `host:port`, `*.suffix`, or an IP address (the only way to reach a
    /// private one). No entry: no `fetch`.
    #[arg(long = "allow-host", env = "WARREN_ALLOW_HOSTS", value_delimiter = ',')]
    pub allow_hosts: Vec<String>,

    /// A URL scheme `fetch` may use (repeatable). Default: https and http.
    #[arg(
        long = "allow-scheme",
        env = "WARREN_ALLOW_SCHEMES",
        value_delimiter = ','
    )]
    pub allow_schemes: Vec<String>,

    /// Most `fetch` requests one job may make.
    #[arg(long, env = "WARREN_FETCH_MAX_REQUESTS", default_value_t = 16)]
    pub fetch_max_requests: u32,

    /// Largest `fetch` request body, in bytes.
    #[arg(long, env = "WARREN_FETCH_MAX_REQUEST_BYTES", default_value_t = 1 << 20)]
    pub fetch_max_request_bytes: usize,

    /// Largest `fetch` response body, in bytes.
    #[arg(long, env = "WARREN_FETCH_MAX_RESPONSE_BYTES", default_value_t = 4 << 20)]
    pub fetch_max_response_bytes: usize,

    /// Address of the metrics and health endpoints (/metrics, /healthz, /readyz).
    #[arg(long, env = "WARREN_METRICS_ADDR", default_value = "0.0.0.0:9464")]
    pub metrics_addr: SocketAddr,

    /// The broker's `consumer_timeout` in milliseconds; job timeouts must stay below it.
    #[arg(long, env = "WARREN_CONSUMER_TIMEOUT_MS", default_value_t = DEFAULT_CONSUMER_TIMEOUT_MS)]
    pub consumer_timeout_ms: u64,

    /// Name this worker reports in results and to the broker; defaults to host and pid.
    #[arg(long, env = "WARREN_WORKER_NAME")]
    pub worker_name: Option<String>,

    /// TOML file with `[[pool]]` tables: several pools (queue + limits + modules) in one process.
    #[arg(long, env = "WARREN_CONFIG")]
    pub config: Option<PathBuf>,

    /// Copy each job's console output into the worker's own logs (target `job_console`).
    /// Off by default: customer output stays in the result.
    #[arg(long, env = "WARREN_LOG_JOB_CONSOLE")]
    pub log_job_console: bool,

    /// Instead of running: ask the worker listening on --metrics-addr for /healthz and
    /// exit 0 if it answers 200, 1 otherwise (for container health checks, which have
    /// no shell or curl in Warren's image).
    #[arg(long)]
    pub check_health: bool,

    /// Log format: `json` (the default when stdout is not a terminal) or `pretty`.
    #[arg(long, env = "WARREN_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// Where a worker runs its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IsolationMode {
    Process,
    Thread,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// One `[[pool]]` table; missing fields take the command line's values.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolFile {
    pub queue: String,
    pub concurrency: Option<usize>,
    pub prefetch: Option<u16>,
    pub timeout_ms: Option<u64>,
    pub memory_mb: Option<u64>,
    pub stack_kb: Option<u64>,
    pub max_job_bytes: Option<usize>,
    pub max_result_bytes: Option<usize>,
    pub max_log_entries: Option<usize>,
    pub max_log_bytes: Option<usize>,
    pub allow_modules: Option<Vec<String>>,
    pub modules_dir: Option<PathBuf>,
    pub allow_hosts: Option<Vec<String>>,
    pub allow_schemes: Option<Vec<String>>,
    pub fetch_max_requests: Option<u32>,
    pub fetch_max_request_bytes: Option<usize>,
    pub fetch_max_response_bytes: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(rename = "pool", default)]
    pools: Vec<PoolFile>,
}

/// A pool, resolved and checked.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub queue: String,
    /// Copy job console output into the worker's logs.
    pub log_job_console: bool,
    pub prefetch: u16,
    pub max_job_bytes: usize,
    pub engine: EngineConfig,
}

/// The whole worker, resolved and checked.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub amqp_url: String,
    pub worker_name: String,
    pub shutdown_grace: Duration,
    pub metrics_addr: SocketAddr,
    pub pools: Vec<PoolConfig>,
    /// Worker threads of the async runtime.
    pub io_threads: usize,
}

impl Args {
    /// Resolves flags and the optional pools file into a checked configuration.
    pub fn resolve(&self) -> anyhow::Result<WorkerConfig> {
        let files = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
                let file: ConfigFile = toml::from_str(&text)
                    .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
                if file.pools.is_empty() {
                    anyhow::bail!("{} defines no [[pool]]", path.display());
                }
                file.pools
            }
            None => vec![PoolFile {
                queue: self.queue.clone(),
                ..PoolFile::default()
            }],
        };
        if !(self.shutdown_grace.is_finite() && self.shutdown_grace >= 0.0) {
            anyhow::bail!("--shutdown-grace must be a number of seconds ≥ 0");
        }
        let shutdown_grace = Duration::from_secs_f64(self.shutdown_grace);
        let mut pools = Vec::with_capacity(files.len());
        for file in &files {
            let pool = self.pool(file)?;
            check_pool(
                &pool,
                shutdown_grace,
                self.consumer_timeout_ms,
                self.slot_stack_mb,
            )?;
            if pools.iter().any(|p: &PoolConfig| p.queue == pool.queue) {
                anyhow::bail!("queue {:?} is listed twice", pool.queue);
            }
            pools.push(pool);
        }
        let io_threads = match self.io_threads {
            Some(0) => anyhow::bail!("--io-threads must be at least 1"),
            Some(threads) => threads,
            None if pools.iter().any(|p| p.engine.egress.is_some()) => cores(),
            None => 1,
        };
        Ok(WorkerConfig {
            amqp_url: self.amqp_url.clone(),
            worker_name: self.worker_name.clone().unwrap_or_else(default_worker_name),
            shutdown_grace,
            metrics_addr: self.metrics_addr,
            pools,
            io_threads,
        })
    }

    fn pool(&self, file: &PoolFile) -> anyhow::Result<PoolConfig> {
        let concurrency = file.concurrency.or(self.concurrency).unwrap_or_else(cores);
        let egress = self.egress(file)?;
        // Jobs waiting on `fetch` hold no slot: let more of them in.
        let default_prefetch = match egress {
            Some(_) => concurrency.saturating_mul(2).max(64),
            None => concurrency.saturating_mul(2),
        };
        let default_prefetch = u16::try_from(default_prefetch).unwrap_or(u16::MAX);
        let prefetch = file.prefetch.or(self.prefetch).unwrap_or(default_prefetch);
        let library = match file.modules_dir.as_ref().or(self.modules_dir.as_ref()) {
            Some(dir) => {
                Library::load(dir).map_err(|err| anyhow::anyhow!("pool {:?}: {err}", file.queue))?
            }
            None => Library::default(),
        };
        let modules = match &file.allow_modules {
            Some(names) => ModuleTable::new(names.iter().cloned()),
            None if self.no_modules => ModuleTable::new([]),
            None if self.allow_modules.is_empty() => ModuleTable::default(),
            None => ModuleTable::new(self.allow_modules.iter().cloned()),
        };
        let modules = modules.with_library(Arc::new(library));
        modules
            .validate()
            .map_err(|err| anyhow::anyhow!("pool {:?}: {err}", file.queue))?;
        Ok(PoolConfig {
            queue: file.queue.clone(),
            log_job_console: self.log_job_console,
            prefetch,
            max_job_bytes: file.max_job_bytes.unwrap_or(self.max_job_bytes),
            engine: EngineConfig {
                slots: concurrency,
                limits: PoolLimits {
                    timeout_ms: file.timeout_ms.unwrap_or(self.timeout_ms),
                    memory_mb: file.memory_mb.unwrap_or(self.memory_mb),
                    stack_kb: file.stack_kb.unwrap_or(self.stack_kb),
                    max_result_bytes: file.max_result_bytes.unwrap_or(self.max_result_bytes),
                    max_log_entries: file.max_log_entries.unwrap_or(self.max_log_entries),
                    max_log_bytes: file.max_log_bytes.unwrap_or(self.max_log_bytes),
                },
                isolation: self.isolation_for_pools(),
                modules: Arc::new(modules),
                cache_bytes: 32 << 20,
                thread_stack_bytes: usize::try_from(self.slot_stack_mb << 20).unwrap_or(usize::MAX),
                egress,
            },
        })
    }

    fn isolation_for_pools(&self) -> Isolation {
        match self.isolation {
            IsolationMode::Thread => Isolation::Thread,
            IsolationMode::Process => Isolation::Process(ProcessIsolation {
                program: match &self.sandbox_program {
                    Some(program) => program.clone(),
                    None => ProcessIsolation::this_executable().program,
                },
                address_space_bytes: self.sandbox_address_space_mb.saturating_mul(1 << 20),
            }),
        }
    }

    /// The pool's `fetch` grant: `None` without allowed hosts.
    fn egress(&self, file: &PoolFile) -> anyhow::Result<Option<EgressConfig>> {
        let hosts = file.allow_hosts.as_ref().unwrap_or(&self.allow_hosts);
        if hosts.is_empty() {
            return Ok(None);
        }
        let patterns = hosts
            .iter()
            .map(|h| h.parse::<HostPattern>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| anyhow::anyhow!("pool {:?}: {err}", file.queue))?;
        let schemes = file.allow_schemes.as_ref().unwrap_or(&self.allow_schemes);
        if let Some(bad) = schemes
            .iter()
            .find(|s| !matches!(s.to_ascii_lowercase().as_str(), "http" | "https"))
        {
            anyhow::bail!(
                "pool {:?}: fetch supports the schemes http and https, not {bad:?}",
                file.queue
            );
        }
        let caps = FetchCaps {
            max_requests: file.fetch_max_requests.unwrap_or(self.fetch_max_requests),
            max_request_bytes: file
                .fetch_max_request_bytes
                .unwrap_or(self.fetch_max_request_bytes),
            max_response_bytes: file
                .fetch_max_response_bytes
                .unwrap_or(self.fetch_max_response_bytes),
        };
        Ok(Some(EgressConfig {
            policy: EgressPolicy::new(patterns, schemes),
            caps,
        }))
    }
}

/// CPU cores this process may use (1 if unknown): the default for slots and threads.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Refuses settings that cannot work together.
fn check_pool(
    pool: &PoolConfig,
    grace: Duration,
    consumer_timeout_ms: u64,
    slot_stack_mb: u64,
) -> anyhow::Result<()> {
    let name = &pool.queue;
    let limits = &pool.engine.limits;
    if name.is_empty() || name.len() > 255 - warren_wire::DEAD_LETTER_SUFFIX.len() {
        anyhow::bail!("queue name {name:?} must be 1 to 250 bytes");
    }
    if pool.engine.slots == 0 {
        anyhow::bail!("pool {name:?}: concurrency must be at least 1");
    }
    if usize::from(pool.prefetch) < pool.engine.slots {
        anyhow::bail!(
            "pool {name:?}: prefetch {} is below concurrency {}: slots would sit idle; raise --prefetch or lower --concurrency",
            pool.prefetch,
            pool.engine.slots
        );
    }
    if limits.timeout_ms == 0 || limits.memory_mb == 0 {
        anyhow::bail!("pool {name:?}: timeout and memory limits must be positive");
    }
    if let Isolation::Process(process) = &pool.engine.isolation {
        // Room for two jobs at their limit, the engine and the stack.
        let needed_mb = 2 * limits.memory_mb + slot_stack_mb + 256;
        if process.address_space_bytes < needed_mb << 20 {
            anyhow::bail!(
                "pool {name:?}: --sandbox-address-space-mb {} leaves a sandbox process no room for jobs of --memory-mb {}; give it at least {needed_mb}",
                process.address_space_bytes >> 20,
                limits.memory_mb
            );
        }
    }
    if Duration::from_millis(limits.timeout_ms) > grace {
        anyhow::bail!(
            "pool {name:?}: job timeout {} ms is longer than the shutdown grace {:.1} s, so a stopping worker could not finish a job it started; raise --shutdown-grace or lower --timeout-ms",
            limits.timeout_ms,
            grace.as_secs_f64()
        );
    }
    if limits.timeout_ms >= consumer_timeout_ms {
        anyhow::bail!(
            "pool {name:?}: job timeout {} ms reaches the broker's consumer_timeout ({consumer_timeout_ms} ms), which would close the channel under a running job",
            limits.timeout_ms
        );
    }
    if grace.as_millis() >= u128::from(consumer_timeout_ms) {
        anyhow::bail!(
            "the shutdown grace reaches the broker's consumer_timeout ({consumer_timeout_ms} ms); lower --shutdown-grace"
        );
    }
    if limits.stack_kb == 0 || limits.stack_kb > 16 * 1024 {
        anyhow::bail!(
            "pool {name:?}: --stack-kb must be between 1 and 16384 (QuickJS ignores 0 and larger values)"
        );
    }
    if limits.stack_kb.saturating_mul(2) > slot_stack_mb.saturating_mul(1024) {
        anyhow::bail!(
            "pool {name:?}: JS stack limit {} KiB is too close to the sandbox thread stack of {slot_stack_mb} MiB (it must be at most half); raise --slot-stack-mb or lower --stack-kb",
            limits.stack_kb
        );
    }
    if limits.max_result_bytes == 0 || pool.max_job_bytes == 0 {
        anyhow::bail!("pool {name:?}: --max-job-bytes and --max-result-bytes must be positive");
    }
    Ok(())
}

/// `warren-worker-<host>-<pid>`.
pub fn default_worker_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let host = if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "unknown".to_owned()
    };
    format!("warren-worker-{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        let mut argv = vec!["warren-worker"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv).expect("flags parse")
    }

    #[test]
    fn defaults_resolve() {
        let config = args(&[]).resolve().expect("defaults are consistent");
        let pool = &config.pools[0];
        assert_eq!(pool.queue, "warren.jobs");
        assert_eq!(pool.engine.limits.timeout_ms, 5_000);
        assert_eq!(pool.engine.limits.memory_mb, 64);
        assert_eq!(usize::from(pool.prefetch), 2 * pool.engine.slots);
        assert!(pool.engine.modules.allows("crypto") && pool.engine.modules.allows("url"));
        assert_eq!(config.shutdown_grace, Duration::from_secs(25));
        assert_eq!(config.io_threads, 1);
    }

    #[test]
    fn io_threads_default_to_one_per_core_when_a_pool_fetches() {
        let fetching = args(&["--allow-host", "api.example.com"]).resolve();
        assert_eq!(fetching.expect("valid").io_threads, cores());
        let chosen = args(&["--allow-host", "api.example.com", "--io-threads", "3"]).resolve();
        assert_eq!(chosen.expect("valid").io_threads, 3);
    }

    #[test]
    fn refuses_inconsistent_settings() {
        let refuse = |extra: &[&str], needle: &str| {
            let err = args(extra)
                .resolve()
                .expect_err("must be refused")
                .to_string();
            assert!(err.contains(needle), "{err}");
        };
        refuse(
            &["--timeout-ms", "30000", "--shutdown-grace", "10"],
            "shutdown grace",
        );
        refuse(
            &["--concurrency", "4", "--prefetch", "2"],
            "below concurrency",
        );
        refuse(
            &["--timeout-ms", "1900000", "--shutdown-grace", "1900"],
            "consumer_timeout",
        );
        refuse(&["--stack-kb", "8192", "--slot-stack-mb", "8"], "too close");
        refuse(&["--stack-kb", "0"], "--stack-kb");
        refuse(&["--io-threads", "0"], "--io-threads");
        refuse(&["--allow-module", "fs"], "unknown module");
        refuse(&["--allow-host", "https://api.example.com"], "not a URL");
        refuse(&["--allow-host", "api.example.com:http"], "port");
        refuse(
            &["--allow-host", "api.example.com", "--allow-scheme", "ftp"],
            "schemes http and https",
        );
        refuse(&["--modules-dir", "/nonexistent/warren"], "modules folder");
    }

    #[test]
    fn allow_host_grants_fetch_and_modules_dir_adds_packages() {
        let plain = args(&[]).resolve().expect("valid");
        assert!(
            plain.pools[0].engine.egress.is_none(),
            "no fetch without hosts"
        );
        let dir = std::env::temp_dir().join(format!("warren-modules-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("strings")).expect("tmp");
        std::fs::write(dir.join("dayjs.js"), "export default 1").expect("write");
        std::fs::write(dir.join("strings/index.js"), "export const s = 1").expect("write");
        let config = args(&[
            "--allow-host",
            "api.example.com,*.example.org:8443",
            "--fetch-max-requests",
            "3",
            "--modules-dir",
            dir.to_str().expect("utf8"),
            "--allow-module",
            "dayjs",
            "--allow-module",
            "strings",
        ])
        .resolve()
        .expect("valid");
        let engine = &config.pools[0].engine;
        let egress = engine.egress.as_ref().expect("fetch granted");
        let hosts: Vec<String> = egress
            .policy
            .patterns()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(hosts, ["api.example.com", "*.example.org:8443"]);
        assert_eq!(egress.caps.max_requests, 3);
        assert!(
            config.pools[0].prefetch >= 64,
            "waiting jobs hold no slot: more prefetch"
        );
        assert!(engine.modules.allows("dayjs") && engine.modules.allows("strings"));
        assert_eq!(
            engine
                .modules
                .library()
                .packages()
                .into_iter()
                .collect::<Vec<_>>(),
            ["dayjs", "strings"]
        );
        let unknown = args(&[
            "--modules-dir",
            dir.to_str().expect("utf8"),
            "--allow-module",
            "lodash",
        ])
        .resolve()
        .expect_err("lodash is not shipped");
        assert!(unknown.to_string().contains("unknown module"), "{unknown}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn pools_file_overrides_flags() {
        let dir = std::env::temp_dir().join(format!("warren-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("pools.toml");
        std::fs::write(
            &path,
            "[[pool]]\nqueue = \"a\"\ntimeout_ms = 100\nallow_modules = []\n\n[[pool]]\nqueue = \"b\"\nconcurrency = 3\nallow_hosts = [\"api.example.com\"]\nfetch_max_response_bytes = 1000\n",
        )
        .expect("write");
        let config = args(&[
            "--config",
            path.to_str().expect("utf8"),
            "--memory-mb",
            "32",
        ])
        .resolve()
        .expect("valid");
        assert_eq!(config.pools.len(), 2);
        assert_eq!(config.pools[0].engine.limits.timeout_ms, 100);
        assert!(!config.pools[0].engine.modules.allows("crypto"));
        assert_eq!(config.pools[1].engine.slots, 3);
        assert_eq!(config.pools[1].engine.limits.memory_mb, 32);
        assert!(config.pools[0].engine.egress.is_none());
        let egress = config.pools[1]
            .engine
            .egress
            .as_ref()
            .expect("pool b fetches");
        assert_eq!(egress.caps.max_response_bytes, 1000);
        std::fs::remove_dir_all(dir).ok();
    }
}
