//! One pool's settings, declared once for the command line (each flag with its
//! `WARREN_*` environment variable) and for a `[[pool]]` table of the pools file, and
//! resolved into the engine a pool runs.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use warren_wire::quarantine::QuarantinePolicy;

use crate::egress::{EgressConfig, EgressPolicy, FetchCaps, HostPattern};
use crate::sandbox::{EngineConfig, Isolation, Library, ModuleTable, PoolLimits};

/// A pool's settings. Every field is optional: a `[[pool]]` table leaves out what it
/// takes from the command line, and settings left out everywhere (as `warren run`
/// leaves them) take the sandbox's defaults ([`PoolLimits::default`],
/// [`FetchCaps::default`]). The command line's defaults, shown in `--help`, are the
/// same numbers: a test keeps them equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSettings {
    /// Jobs queue to consume (a durable quorum queue, declared if missing).
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    pub queue: Option<String>,

    /// Jobs run at once (sandbox slots); defaults to the number of CPU cores.
    #[arg(long, env = "WARREN_CONCURRENCY")]
    pub concurrency: Option<usize>,

    /// At most this many jobs of one tenant (the x-warren-tenant header) run at once
    /// in this worker; the others wait, holding no slot. No cap when left out.
    #[arg(long, env = "WARREN_TENANT_MAX_SLOTS")]
    pub tenant_max_slots: Option<usize>,

    /// Fair shares across tenants: a tenant's jobs beyond its share of a worker are
    /// moved to the pool's backlog queues, so other tenants' jobs never wait behind
    /// its backlog (docs/scaling.md). On by default; `--fair-shares false` keeps one
    /// FIFO queue.
    #[arg(
        long,
        env = "WARREN_FAIR_SHARES",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub fair_shares: Option<bool>,

    /// Backlog queues of the pool, with fair shares on: tenants over their share are
    /// spread over them by a hash of their name. Every worker of a pool must use the
    /// same number.
    #[arg(long, env = "WARREN_BACKLOG_QUEUES", default_value = "4")]
    pub backlog_queues: Option<u16>,

    /// Quarantine: code whose jobs crash their sandbox or are killed by the watchdog
    /// --quarantine-strikes times within --quarantine-window-secs is refused across
    /// the fleet for --quarantine-cooldown-secs (docs/security.md). On by default;
    /// `--quarantine false` turns it off.
    #[arg(
        long,
        env = "WARREN_QUARANTINE",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub quarantine: Option<bool>,

    /// Strikes (crashes or watchdog kills) that put a code in quarantine.
    #[arg(long, env = "WARREN_QUARANTINE_STRIKES", default_value = "3")]
    pub quarantine_strikes: Option<u32>,

    /// The window the strikes must fall in, in seconds.
    #[arg(long, env = "WARREN_QUARANTINE_WINDOW_SECS", default_value = "60")]
    pub quarantine_window_secs: Option<u64>,

    /// How long a quarantine lasts, from the last strike, in seconds (at most a week).
    #[arg(long, env = "WARREN_QUARANTINE_COOLDOWN_SECS", default_value = "900")]
    pub quarantine_cooldown_secs: Option<u64>,

    /// Unacknowledged jobs the broker may hand this worker, fixed. Left out, the window
    /// follows the jobs: one per slot for long jobs, deeper for short ones or ones that
    /// wait for `fetch` or timers (up to 128, fewer with a --max-job-bytes over 1 MiB).
    #[arg(long, env = "WARREN_PREFETCH")]
    pub prefetch: Option<u16>,

    /// Wall-clock limit of a job (the pool's maximum), in milliseconds.
    #[arg(long, env = "WARREN_TIMEOUT_MS", default_value = "5000")]
    pub timeout_ms: Option<u64>,

    /// Memory limit of a job (the pool's maximum), in MiB.
    #[arg(long, env = "WARREN_MEMORY_MB", default_value = "64")]
    pub memory_mb: Option<u64>,

    /// JS stack limit, in KiB.
    #[arg(long, env = "WARREN_STACK_KB", default_value = "1024")]
    pub stack_kb: Option<u64>,

    /// Largest job body accepted, in bytes; larger ones are `bad_request`.
    #[arg(long, env = "WARREN_MAX_JOB_BYTES", default_value = "1048576")]
    pub max_job_bytes: Option<usize>,

    /// Largest serialised result value, in bytes; larger ones are `output` errors.
    #[arg(long, env = "WARREN_MAX_RESULT_BYTES", default_value = "1048576")]
    pub max_result_bytes: Option<usize>,

    /// Most console entries kept per job.
    #[arg(long, env = "WARREN_MAX_LOG_ENTRIES", default_value = "1000")]
    pub max_log_entries: Option<usize>,

    /// Most bytes of console output kept per job.
    #[arg(long, env = "WARREN_MAX_LOG_BYTES", default_value = "65536")]
    pub max_log_bytes: Option<usize>,

    /// A module jobs may import (repeatable). Default: crypto and url.
    #[arg(
        long = "allow-module",
        env = "WARREN_ALLOW_MODULES",
        value_delimiter = ','
    )]
    pub allow_modules: Option<Vec<String>>,

    /// Folder of the operator's npm packages: the folder `npm install` ran in (its
    /// `node_modules` is read), a `node_modules` folder, or hand-placed `NAME.js` and
    /// `NAME/index.js`; a package is importable as NAME when listed with
    /// --allow-module.
    #[arg(long, env = "WARREN_MODULES_DIR")]
    pub modules_dir: Option<PathBuf>,

    /// Grants jobs `fetch` to this host (repeatable): `host` (default port of the
    /// scheme), `host:port`, `*.suffix`, or an IP address (the only way to reach a
    /// private one). No entry: no `fetch`.
    #[arg(long = "allow-host", env = "WARREN_ALLOW_HOSTS", value_delimiter = ',')]
    pub allow_hosts: Option<Vec<String>>,

    /// A URL scheme `fetch` may use (repeatable). Default: https and http.
    #[arg(
        long = "allow-scheme",
        env = "WARREN_ALLOW_SCHEMES",
        value_delimiter = ','
    )]
    pub allow_schemes: Option<Vec<String>>,

    /// Most `fetch` requests one job may make.
    #[arg(long, env = "WARREN_FETCH_MAX_REQUESTS", default_value = "16")]
    pub fetch_max_requests: Option<u32>,

    /// Largest `fetch` request body, in bytes.
    #[arg(
        long,
        env = "WARREN_FETCH_MAX_REQUEST_BYTES",
        default_value = "1048576"
    )]
    pub fetch_max_request_bytes: Option<usize>,

    /// Lets job code compile code at run time (`eval`, `new Function`), as template
    /// and schema libraries (handlebars, ajv) do. Off by default.
    #[arg(
        long,
        env = "WARREN_ALLOW_EVAL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub allow_eval: Option<bool>,

    /// Restores each job's runtime from a snapshot of a prepared one (the default);
    /// `--snapshots false` builds every job's runtime afresh instead (slower; for
    /// comparison and as a fallback).
    #[arg(
        long,
        env = "WARREN_SNAPSHOTS",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub snapshots: Option<bool>,

    /// A package of --modules-dir evaluated once, in the snapshot jobs start from,
    /// instead of by every job that imports it (repeatable; each must be allowed with
    /// --allow-module; `all`: every allowed package). Its state as loading left it
    /// is then where every job starts: see docs/modules.md. Default: none.
    #[arg(
        long = "preload-module",
        env = "WARREN_PRELOAD_MODULES",
        value_delimiter = ','
    )]
    pub preload_modules: Option<Vec<String>>,

    /// Largest `fetch` response body, in bytes.
    #[arg(
        long,
        env = "WARREN_FETCH_MAX_RESPONSE_BYTES",
        default_value = "4194304"
    )]
    pub fetch_max_response_bytes: Option<usize>,
}

/// The longest quarantine: what the quarantine stream keeps.
const MAX_COOLDOWN_MS: u64 = 7 * 24 * 3600 * 1000;

/// Largest job body a pool accepts unless told otherwise.
pub const DEFAULT_MAX_JOB_BYTES: usize = 1 << 20;

/// A pool, resolved and checked.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub queue: String,
    /// Copy job console output into the worker's logs.
    pub log_job_console: bool,
    pub prefetch: Prefetch,
    pub max_job_bytes: usize,
    /// At most this many jobs of one tenant at once (`--tenant-max-slots`).
    pub tenant_max_slots: Option<usize>,
    /// The pool's backlog queues (`--backlog-queues`); `None` with fair shares off.
    pub backlog_queues: Option<u16>,
    /// When code goes into quarantine; `None` with quarantine off.
    pub quarantine: Option<QuarantinePolicy>,
    pub engine: EngineConfig,
}

/// How many unacknowledged jobs the broker may hand a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefetch {
    /// `--prefetch N`: always `N`.
    Fixed(u16),
    /// The default: a window that follows the jobs' durations, from the slot count up
    /// to `max` (see `pool::window`).
    Adaptive { max: u16 },
}

impl Prefetch {
    /// The adaptive window's deepest: jobs of up to `max_job_bytes` each held in at
    /// most 128 MiB, and never fewer than the slots.
    fn adaptive(slots: usize, max_job_bytes: usize) -> Prefetch {
        let by_memory = ADAPTIVE_WINDOW_BYTES / max_job_bytes.max(1);
        let max = by_memory.min(MAX_ADAPTIVE_WINDOW).max(slots.max(1));
        Prefetch::Adaptive {
            max: u16::try_from(max).unwrap_or(u16::MAX),
        }
    }

    /// The most jobs the pool may hold.
    pub fn most(&self) -> u16 {
        match *self {
            Prefetch::Fixed(n) => n,
            Prefetch::Adaptive { max } => max,
        }
    }
}

/// What the jobs held in an adaptive window may take in memory, at their maximum size.
const ADAPTIVE_WINDOW_BYTES: usize = 128 << 20;

/// The deepest adaptive window, however small the jobs.
const MAX_ADAPTIVE_WINDOW: usize = 128;

/// What a pool's engine runs on, the same for every pool of a worker.
#[derive(Debug, Clone)]
pub struct Slots {
    pub isolation: Isolation,
    /// Native stack of each sandbox process (or thread).
    pub stack_bytes: usize,
}

impl PoolSettings {
    /// These settings, with `fallback`'s wherever these have none.
    pub fn or(&self, fallback: &PoolSettings) -> PoolSettings {
        let s = self.clone();
        let f = fallback.clone();
        PoolSettings {
            queue: s.queue.or(f.queue),
            concurrency: s.concurrency.or(f.concurrency),
            tenant_max_slots: s.tenant_max_slots.or(f.tenant_max_slots),
            fair_shares: s.fair_shares.or(f.fair_shares),
            backlog_queues: s.backlog_queues.or(f.backlog_queues),
            quarantine: s.quarantine.or(f.quarantine),
            quarantine_strikes: s.quarantine_strikes.or(f.quarantine_strikes),
            quarantine_window_secs: s.quarantine_window_secs.or(f.quarantine_window_secs),
            quarantine_cooldown_secs: s.quarantine_cooldown_secs.or(f.quarantine_cooldown_secs),
            prefetch: s.prefetch.or(f.prefetch),
            timeout_ms: s.timeout_ms.or(f.timeout_ms),
            memory_mb: s.memory_mb.or(f.memory_mb),
            stack_kb: s.stack_kb.or(f.stack_kb),
            max_job_bytes: s.max_job_bytes.or(f.max_job_bytes),
            max_result_bytes: s.max_result_bytes.or(f.max_result_bytes),
            max_log_entries: s.max_log_entries.or(f.max_log_entries),
            max_log_bytes: s.max_log_bytes.or(f.max_log_bytes),
            allow_modules: s.allow_modules.or(f.allow_modules),
            modules_dir: s.modules_dir.or(f.modules_dir),
            allow_hosts: s.allow_hosts.or(f.allow_hosts),
            allow_schemes: s.allow_schemes.or(f.allow_schemes),
            fetch_max_requests: s.fetch_max_requests.or(f.fetch_max_requests),
            fetch_max_request_bytes: s.fetch_max_request_bytes.or(f.fetch_max_request_bytes),
            fetch_max_response_bytes: s.fetch_max_response_bytes.or(f.fetch_max_response_bytes),
            allow_eval: s.allow_eval.or(f.allow_eval),
            snapshots: s.snapshots.or(f.snapshots),
            preload_modules: s.preload_modules.or(f.preload_modules),
        }
    }

    /// The pool these settings describe (not yet checked against the worker's other
    /// settings: see `checks`).
    pub fn resolve(&self, slots: &Slots, log_job_console: bool) -> anyhow::Result<PoolConfig> {
        let queue = self
            .queue
            .clone()
            .ok_or_else(|| anyhow::anyhow!("a pool needs a queue name"))?;
        let engine = self
            .engine(slots)
            .map_err(|err| anyhow::anyhow!("pool {queue:?}: {err:#}"))?;
        let max_job_bytes = self.max_job_bytes.unwrap_or(DEFAULT_MAX_JOB_BYTES);
        if self.tenant_max_slots == Some(0) {
            anyhow::bail!("pool {queue:?}: --tenant-max-slots must be at least 1");
        }
        let backlog_queues = match (self.fair_shares, self.backlog_queues) {
            (Some(false), _) => None,
            (_, Some(0)) => anyhow::bail!(
                "pool {queue:?}: --backlog-queues must be at least 1 (or --fair-shares false)"
            ),
            (_, count) => Some(count.unwrap_or(warren_wire::DEFAULT_BACKLOG_QUEUES)),
        };
        let prefetch = match self.prefetch {
            Some(fixed) => Prefetch::Fixed(fixed),
            None => Prefetch::adaptive(engine.slots, max_job_bytes),
        };
        let quarantine = self.quarantine_policy(&queue)?;
        Ok(PoolConfig {
            queue,
            log_job_console,
            prefetch,
            max_job_bytes,
            tenant_max_slots: self.tenant_max_slots,
            backlog_queues,
            quarantine,
            engine,
        })
    }

    /// When code goes into quarantine (`None`: never).
    fn quarantine_policy(&self, queue: &str) -> anyhow::Result<Option<QuarantinePolicy>> {
        if self.quarantine == Some(false) {
            return Ok(None);
        }
        let policy = QuarantinePolicy {
            strikes: self.quarantine_strikes.unwrap_or(3),
            window_ms: self
                .quarantine_window_secs
                .unwrap_or(60)
                .saturating_mul(1000),
            cooldown_ms: self
                .quarantine_cooldown_secs
                .unwrap_or(900)
                .saturating_mul(1000),
        };
        if policy.strikes == 0 || policy.window_ms == 0 || policy.cooldown_ms == 0 {
            anyhow::bail!(
                "pool {queue:?}: the quarantine's strikes, window and cool-down must be at least 1 (or --quarantine false)"
            );
        }
        if policy.cooldown_ms > MAX_COOLDOWN_MS || policy.window_ms > MAX_COOLDOWN_MS {
            anyhow::bail!(
                "pool {queue:?}: the quarantine's window and cool-down are at most a week (604800 s): the stream keeps a week"
            );
        }
        Ok(Some(policy))
    }

    /// The engine these settings describe: slots, limits, the module table (with the
    /// operator's library) and the `fetch` grant.
    pub fn engine(&self, slots: &Slots) -> anyhow::Result<EngineConfig> {
        let limits = PoolLimits::default();
        let library = match &self.modules_dir {
            Some(dir) => Library::load(dir)?,
            None => Library::default(),
        };
        let modules = match &self.allow_modules {
            Some(names) => ModuleTable::new(names.iter().cloned()),
            None => ModuleTable::default(),
        };
        let modules = modules.with_library(Arc::new(library));
        modules.validate()?;
        let preload = self.preload(&modules)?;
        Ok(EngineConfig {
            slots: self.concurrency.unwrap_or_else(cores),
            limits: PoolLimits {
                timeout_ms: self.timeout_ms.unwrap_or(limits.timeout_ms),
                memory_mb: self.memory_mb.unwrap_or(limits.memory_mb),
                stack_kb: self.stack_kb.unwrap_or(limits.stack_kb),
                max_result_bytes: self.max_result_bytes.unwrap_or(limits.max_result_bytes),
                max_log_entries: self.max_log_entries.unwrap_or(limits.max_log_entries),
                max_log_bytes: self.max_log_bytes.unwrap_or(limits.max_log_bytes),
            },
            isolation: slots.isolation.clone(),
            modules: Arc::new(modules),
            cache_bytes: 32 << 20,
            thread_stack_bytes: slots.stack_bytes,
            egress: self.egress()?,
            allow_eval: self.allow_eval.unwrap_or(false),
            snapshots: self.snapshots.unwrap_or(true),
            preload,
        })
    }

    /// The packages evaluated in the snapshot: those listed (`all`: every package the
    /// table allows; `none`, or nothing listed: none).
    fn preload(&self, modules: &ModuleTable) -> anyhow::Result<Vec<String>> {
        let listed = self.preload_modules.as_deref().unwrap_or_default();
        if listed.iter().any(|name| name.trim() == "all") {
            return Ok(modules.packages().map(str::to_owned).collect());
        }
        let listed: Vec<String> = listed
            .iter()
            .map(|name| name.trim())
            .filter(|name| !name.is_empty() && *name != "none")
            .map(str::to_owned)
            .collect();
        if let Some(name) = listed
            .iter()
            .find(|name| !modules.packages().any(|package| package == name.as_str()))
        {
            anyhow::bail!(
                "--preload-module {name:?} is not a package of --modules-dir allowed with --allow-module"
            );
        }
        Ok(listed)
    }

    /// The pool's `fetch` grant: `None` without allowed hosts.
    fn egress(&self) -> anyhow::Result<Option<EgressConfig>> {
        let hosts = self.allow_hosts.as_deref().unwrap_or_default();
        if hosts.is_empty() {
            return Ok(None);
        }
        let patterns = hosts
            .iter()
            .map(|h| h.parse::<HostPattern>())
            .collect::<Result<Vec<_>, _>>()?;
        let schemes = self.allow_schemes.as_deref().unwrap_or_default();
        if let Some(bad) = schemes
            .iter()
            .find(|s| !matches!(s.to_ascii_lowercase().as_str(), "http" | "https"))
        {
            anyhow::bail!("fetch supports the schemes http and https, not {bad:?}");
        }
        let caps = FetchCaps::default();
        Ok(Some(EgressConfig {
            policy: EgressPolicy::new(patterns, schemes),
            caps: FetchCaps {
                max_requests: self.fetch_max_requests.unwrap_or(caps.max_requests),
                max_request_bytes: self
                    .fetch_max_request_bytes
                    .unwrap_or(caps.max_request_bytes),
                max_response_bytes: self
                    .fetch_max_response_bytes
                    .unwrap_or(caps.max_response_bytes),
            },
        }))
    }
}

/// CPU cores this process may use (1 if unknown): the default for slots and threads.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
