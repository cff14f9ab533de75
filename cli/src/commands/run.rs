//! `warren run`: a function run locally, in-process, its result body printed exactly
//! as a worker would publish it.

use crate::args::JobArgs;
use crate::commands::usage_error;
use crate::local::{LocalPool, run_locally};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub job: JobArgs,
    /// A module the function may import (repeatable). Default: crypto and url.
    #[arg(long = "allow-module")]
    pub allow_modules: Vec<String>,
    /// Folder of operator modules (as `warren-worker --modules-dir`).
    #[arg(long)]
    pub modules_dir: Option<std::path::PathBuf>,
    /// Grants `fetch` to this host (repeatable; as `warren-worker --allow-host`).
    #[arg(long = "allow-host")]
    pub allow_hosts: Vec<String>,
    /// Lets the function use `eval` and `new Function` (as `warren-worker --allow-eval`).
    #[arg(long)]
    pub allow_eval: bool,
    /// Pretty-print the result body.
    #[arg(long)]
    pub pretty: bool,
}

pub fn run(args: Args) -> u8 {
    let job = match args.job.parts() {
        Ok(job) => job,
        Err(err) => return usage_error(err),
    };
    // Locally the requested limits are the pool's maxima.
    let pool = LocalPool {
        timeout_ms: job.limits.timeout_ms,
        memory_mb: job.limits.memory_mb,
        allow_modules: args.allow_modules,
        modules_dir: args.modules_dir,
        allow_hosts: args.allow_hosts,
        allow_eval: args.allow_eval,
    };
    let job_id = warren_wire::ids::new_job_id();
    let result = match run_locally(job_id, 1, job, pool, "warren-run") {
        Ok(result) => result,
        Err(err) => return usage_error(err),
    };
    let text = if args.pretty {
        serde_json::to_string_pretty(&result).unwrap_or_default()
    } else {
        String::from_utf8(result.to_json()).unwrap_or_default()
    };
    crate::sayln!("{text}");
    render::exit_code(&result)
}
