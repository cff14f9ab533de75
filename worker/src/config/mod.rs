//! Worker configuration: `clap` flags (each with a `WARREN_*` environment variable)
//! and an optional TOML file describing several pools, resolved into a checked
//! [`WorkerConfig`]. Settings that cannot work together are refused at start-up with
//! a message that says what to change.
//!
//! - [`args`]: the command line; [`pool`]: one pool's settings (flags, environment
//!   and pools file alike) and how they become an engine; [`checks`]: what is refused.

pub mod args;
pub mod checks;
pub mod pool;

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use warren_amqp::brokers::Brokers;

pub use args::{Args, DEFAULT_CONSUMER_TIMEOUT_MS, IsolationMode, LogFormat};
pub use pool::{PoolConfig, PoolSettings, Prefetch, Slots, cores};

use crate::sandbox::{Isolation, ProcessIsolation};

/// The whole worker, resolved and checked.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub brokers: Brokers,
    pub worker_name: String,
    pub shutdown_grace: Duration,
    pub metrics_addr: SocketAddr,
    pub pools: Vec<PoolConfig>,
    /// Worker threads of the async runtime.
    pub io_threads: usize,
}

/// The pools file: `[[pool]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolsFile {
    #[serde(rename = "pool", default)]
    pools: Vec<PoolSettings>,
}

impl Args {
    /// Resolves flags and the optional pools file into a checked configuration.
    pub fn resolve(&self) -> anyhow::Result<WorkerConfig> {
        let mut flags = self.pool.clone();
        if self.no_modules {
            flags.allow_modules = Some(Vec::new());
        }
        let tables = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
                let file: PoolsFile = toml::from_str(&text)
                    .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
                if file.pools.is_empty() {
                    anyhow::bail!("{} defines no [[pool]]", path.display());
                }
                if file.pools.iter().any(|pool| pool.queue.is_none()) {
                    anyhow::bail!("{}: every [[pool]] needs a queue", path.display());
                }
                file.pools
            }
            None => vec![PoolSettings::default()],
        };
        if !(self.shutdown_grace.is_finite() && self.shutdown_grace >= 0.0) {
            anyhow::bail!("--shutdown-grace must be a number of seconds ≥ 0");
        }
        let shutdown_grace = Duration::from_secs_f64(self.shutdown_grace);
        let slots = Slots {
            isolation: self.isolation(),
            stack_bytes: usize::try_from(self.slot_stack_mb << 20).unwrap_or(usize::MAX),
        };
        let mut pools = Vec::with_capacity(tables.len());
        for table in &tables {
            let pool = table.or(&flags).resolve(&slots, self.log_job_console)?;
            checks::check_pool(
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
            brokers: Brokers::parse(&self.amqp_urls)
                .map_err(|err| anyhow::anyhow!("--amqp-url: {err}"))?,
            worker_name: self.worker_name.clone().unwrap_or_else(default_worker_name),
            shutdown_grace,
            metrics_addr: self.metrics_addr,
            pools,
            io_threads,
        })
    }

    fn isolation(&self) -> Isolation {
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
    use clap::Parser;

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
        // 128 jobs of the default 1 MiB at most, following the jobs' durations.
        assert_eq!(pool.prefetch, Prefetch::Adaptive { max: 128 });
        assert!(pool.engine.modules.allows("crypto") && pool.engine.modules.allows("url"));
        assert_eq!(config.shutdown_grace, Duration::from_secs(25));
        assert_eq!(config.io_threads, 1);
    }

    #[test]
    fn flag_defaults_are_the_defaults_of_settings_left_out() {
        // The flags' defaults (shown by --help) and what a pool that leaves a setting
        // out gets (`warren run`, a [[pool]] table) must be the same numbers.
        let slots = Slots {
            isolation: Isolation::Thread,
            stack_bytes: 8 << 20,
        };
        let fetching = |settings: PoolSettings| PoolSettings {
            concurrency: Some(2),
            allow_hosts: Some(vec!["api.example.com".into()]),
            ..settings
        };
        let from_flags = fetching(args(&[]).pool)
            .resolve(&slots, false)
            .expect("valid");
        let left_out = fetching(PoolSettings {
            queue: Some(warren_wire::DEFAULT_JOBS_QUEUE.into()),
            ..PoolSettings::default()
        })
        .resolve(&slots, false)
        .expect("valid");
        assert_eq!(from_flags.queue, left_out.queue);
        assert_eq!(from_flags.max_job_bytes, left_out.max_job_bytes);
        assert_eq!(from_flags.prefetch, left_out.prefetch);
        assert_eq!(from_flags.engine.limits, left_out.engine.limits);
        assert_eq!(from_flags.engine.egress, left_out.engine.egress);
        assert_eq!(from_flags.engine.modules, left_out.engine.modules);
    }

    #[test]
    fn io_threads_default_to_one_per_core_when_a_pool_fetches() {
        let fetching = args(&["--allow-host", "api.example.com"]).resolve();
        assert_eq!(fetching.expect("valid").io_threads, cores());
        let chosen = args(&["--allow-host", "api.example.com", "--io-threads", "3"]).resolve();
        assert_eq!(chosen.expect("valid").io_threads, 3);
    }

    #[test]
    fn prefetch_is_fixed_when_given_and_bounded_by_job_size_when_not() {
        let fixed = args(&["--concurrency", "2", "--prefetch", "9"]).resolve();
        assert_eq!(fixed.expect("valid").pools[0].prefetch, Prefetch::Fixed(9));
        // 4 MiB jobs: 32 of them in 128 MiB.
        let big = args(&["--max-job-bytes", "4194304"]).resolve();
        assert_eq!(
            big.expect("valid").pools[0].prefetch,
            Prefetch::Adaptive { max: 32 }
        );
        // Never fewer than the slots, whatever the job size or the slot count.
        let many = args(&["--concurrency", "200"]).resolve();
        assert_eq!(
            many.expect("valid").pools[0].prefetch,
            Prefetch::Adaptive { max: 200 }
        );
        let huge = args(&["--concurrency", "3", "--max-job-bytes", "1073741824"]).resolve();
        assert_eq!(
            huge.expect("valid").pools[0].prefetch,
            Prefetch::Adaptive { max: 3 }
        );
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
            config.pools[0].prefetch.most() >= 64,
            "waiting jobs hold no slot: room for many"
        );
        assert!(engine.modules.allows("dayjs") && engine.modules.allows("strings"));
        let files: Vec<&str> = engine.modules.library().files().map(|(p, _)| p).collect();
        assert_eq!(files, ["dayjs.js", "strings/index.js"]);
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
    fn a_cause_is_told_once() {
        // Errors that say their cause must not also chain it (`{:#}` would repeat it).
        let err = args(&["--modules-dir", "/nonexistent/warren"])
            .resolve()
            .expect_err("no such folder");
        let told = format!("{err:#}");
        assert_eq!(told.matches("os error 2").count(), 1, "{told}");
    }

    #[test]
    fn no_modules_empties_the_table_unless_a_pool_lists_some() {
        let config = args(&["--no-modules", "--allow-module", "crypto"])
            .resolve()
            .expect("valid");
        assert!(!config.pools[0].engine.modules.allows("crypto"));
        assert!(!config.pools[0].engine.modules.allows("url"));
    }

    #[test]
    fn a_pools_file_table_needs_a_queue_and_only_known_keys() {
        let dir = std::env::temp_dir().join(format!("warren-config-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let refused = |text: &str, needle: &str| {
            let path = dir.join("pools.toml");
            std::fs::write(&path, text).expect("write");
            let err = args(&["--config", path.to_str().expect("utf8")])
                .resolve()
                .expect_err("must be refused")
                .to_string();
            assert!(err.contains(needle), "{err}");
        };
        refused("[[pool]]\ntimeout_ms = 100\n", "needs a queue");
        refused(
            "[[pool]]\nqueue = \"a\"\nno_modules = true\n",
            "unknown field",
        );
        refused("", "defines no [[pool]]");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn pools_file_overrides_flags() {
        let dir = std::env::temp_dir().join(format!("warren-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let path = dir.join("pools.toml");
        std::fs::write(
            &path,
            "[[pool]]\nqueue = \"a\"\ntimeout_ms = 100\nallow_modules = []\n\n[[pool]]\nqueue = \"b\"\nconcurrency = 3\nallow_hosts = [\"api.example.com\"]\nfetch_max_response_bytes = 1000\nallow_eval = true\nsnapshots = false\n",
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
        assert!(!config.pools[0].engine.allow_eval && config.pools[1].engine.allow_eval);
        assert!(config.pools[0].engine.snapshots && !config.pools[1].engine.snapshots);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn allow_eval_is_off_unless_asked_for() {
        let eval = |flags: &[&str]| {
            args(flags).resolve().expect("valid").pools[0]
                .engine
                .allow_eval
        };
        assert!(!eval(&[]));
        assert!(eval(&["--allow-eval"]));
        assert!(eval(&["--allow-eval=true"]));
        assert!(!eval(&["--allow-eval=false"]));
    }

    #[test]
    fn snapshots_are_on_unless_turned_off() {
        let snapshots = |flags: &[&str]| {
            args(flags).resolve().expect("valid").pools[0]
                .engine
                .snapshots
        };
        assert!(snapshots(&[]));
        assert!(snapshots(&["--snapshots"]));
        assert!(!snapshots(&["--snapshots", "false"]));
        assert!(!snapshots(&["--snapshots=false"]));
    }

    #[test]
    fn only_the_packages_listed_are_preloaded() {
        let dir = std::env::temp_dir().join(format!("warren-preload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        std::fs::write(dir.join("dayjs.js"), "export default 1").expect("write");
        std::fs::write(dir.join("zod.js"), "export default 2").expect("write");
        let folder = dir.to_str().expect("utf8");
        let preload = |flags: &[&str]| {
            let mut all = vec![
                "--modules-dir",
                folder,
                "--allow-module",
                "crypto,dayjs,zod",
            ];
            all.extend_from_slice(flags);
            args(&all)
                .resolve()
                .map(|config| config.pools[0].engine.preload.clone())
        };
        assert!(preload(&[]).expect("valid").is_empty(), "none by default");
        assert_eq!(
            preload(&["--preload-module", "all"]).expect("valid"),
            ["dayjs", "zod"],
            "not crypto"
        );
        assert_eq!(
            preload(&["--preload-module", "zod"]).expect("valid"),
            ["zod"]
        );
        assert!(
            preload(&["--preload-module", "none"])
                .expect("valid")
                .is_empty()
        );
        let err = preload(&["--preload-module", "crypto"]).expect_err("a built-in");
        assert!(
            err.to_string().contains("--preload-module \"crypto\""),
            "{err}"
        );
        let err = preload(&["--preload-module", "lodash"]).expect_err("not allowed");
        assert!(err.to_string().contains("not a package"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
