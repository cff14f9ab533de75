//! `warren`: run a function locally, or submit it to a Warren fleet.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use warren_client::submit::{SubmitOptions, submit};
use warren_client::{input, render};
use warren_wire::{JobLimits, JobResult, Stats};
use warren_worker::sandbox::{Engine, EngineConfig, JobRequest, ModuleTable, PoolLimits};

/// Run JavaScript functions in Warren's sandbox, locally or on a worker fleet.
#[derive(Debug, Parser)]
#[command(name = "warren", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a function locally, with no broker, and print its result body exactly as a
    /// worker would publish it. Exit 0 for ok, 1 for an error result, 2 for usage errors.
    #[command(
        after_help = "Examples:\n  warren run examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren run fn.js --input @input.json --timeout-ms 200 --allow-module crypto\n  echo 'export default () => 42' | warren run -"
    )]
    Run(RunArgs),
    /// Submit a job to a queue and (by default) wait for its result.
    /// Exit 0 for ok, 1 for an error result, 3 for no answer in time, 2 for usage or connection errors.
    #[command(
        after_help = "Examples:\n  warren submit examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren submit fn.js --queue jobs.fast --timeout-ms 200 --json\n  warren submit fn.js --no-wait"
    )]
    Submit(SubmitArgs),
}

#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Wall-clock limit of the job, in milliseconds.
    #[arg(long)]
    timeout_ms: Option<u64>,
    /// Memory limit of the job, in MiB.
    #[arg(long)]
    memory_mb: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The function's file (an ES module or CommonJS script), or `-` for standard input.
    file: String,
    /// The function's input: JSON text, or @path to a JSON file.
    #[arg(long)]
    input: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    /// A module the function may import (repeatable). Default: crypto and url.
    #[arg(long = "allow-module")]
    allow_modules: Vec<String>,
    /// Pretty-print the result body.
    #[arg(long)]
    pretty: bool,
}

#[derive(Debug, clap::Args)]
struct SubmitArgs {
    /// The function's file, or `-` for standard input.
    file: String,
    /// The function's input: JSON text, or @path to a JSON file.
    #[arg(long)]
    input: Option<String>,
    /// Jobs queue to publish to.
    #[arg(long, env = "WARREN_QUEUE", default_value = warren_wire::DEFAULT_JOBS_QUEUE)]
    queue: String,
    #[command(flatten)]
    limits: LimitArgs,
    /// AMQP URL of the broker.
    #[arg(
        long,
        env = "WARREN_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    amqp_url: String,
    /// Wait for the result (the default).
    #[arg(long, overrides_with = "no_wait")]
    wait: bool,
    /// Publish and print the job id without waiting.
    #[arg(long)]
    no_wait: bool,
    /// Seconds to wait for the result.
    #[arg(long, default_value_t = 30.0)]
    reply_timeout: f64,
    /// Print the raw result body instead of a readable summary.
    #[arg(long)]
    json: bool,
    /// Job id (message_id and correlation_id); a random UUID by default.
    #[arg(long)]
    job_id: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run(args),
        Command::Submit(args) => submit_command(args),
    };
    ExitCode::from(code)
}

fn usage_error(err: impl std::fmt::Display) -> u8 {
    eprintln!("warren: {err:#}");
    2
}

fn limits(args: &LimitArgs) -> Result<JobLimits, String> {
    for (name, value) in [
        ("--timeout-ms", args.timeout_ms),
        ("--memory-mb", args.memory_mb),
    ] {
        if value == Some(0) {
            return Err(format!("{name} must be a positive integer"));
        }
    }
    Ok(JobLimits {
        timeout_ms: args.timeout_ms,
        memory_mb: args.memory_mb,
    })
}

fn run(args: RunArgs) -> u8 {
    let code = match input::read_code(&args.file) {
        Ok(code) => code,
        Err(err) => return usage_error(err),
    };
    let input = match input::parse_input(args.input.as_deref()) {
        Ok(input) => input,
        Err(err) => return usage_error(err),
    };
    let job_limits = match limits(&args.limits) {
        Ok(limits) => limits,
        Err(err) => return usage_error(err),
    };
    let modules = if args.allow_modules.is_empty() {
        ModuleTable::default()
    } else {
        ModuleTable::new(args.allow_modules)
    };
    if let Err(err) = modules.validate() {
        return usage_error(err);
    }
    // Locally the requested limits are the pool's maxima.
    let defaults = PoolLimits::default();
    let pool = PoolLimits {
        timeout_ms: job_limits.timeout_ms.unwrap_or(defaults.timeout_ms),
        memory_mb: job_limits.memory_mb.unwrap_or(defaults.memory_mb),
        ..defaults
    };
    let engine = match Engine::start(EngineConfig {
        slots: 1,
        limits: pool,
        modules: Arc::new(modules),
        ..EngineConfig::default()
    }) {
        Ok(engine) => engine,
        Err(err) => return usage_error(err),
    };
    let job_id = warren_worker::broker::delivery::generated_id();
    let report = engine.run_blocking(JobRequest {
        job_id: job_id.clone(),
        attempt: 1,
        code,
        input,
        limits: job_limits,
    });
    let run = report.run;
    let result = JobResult::new(
        job_id,
        run.outcome,
        run.logs,
        Stats {
            wall_ms: (run.wall.as_secs_f64() * 1e6).round() / 1000.0,
            memory_peak_bytes: Some(run.memory_peak_bytes),
            attempt: 1,
        },
        "warren-run".to_owned(),
    );
    let text = if args.pretty {
        serde_json::to_string_pretty(&result).unwrap_or_default()
    } else {
        String::from_utf8(result.to_json()).unwrap_or_default()
    };
    println!("{text}");
    render::exit_code(&result)
}

fn submit_command(args: SubmitArgs) -> u8 {
    let code = match input::read_code(&args.file) {
        Ok(code) => code,
        Err(err) => return usage_error(err),
    };
    let input = match input::parse_input(args.input.as_deref()) {
        Ok(input) => input,
        Err(err) => return usage_error(err),
    };
    let job_limits = match limits(&args.limits) {
        Ok(limits) => limits,
        Err(err) => return usage_error(err),
    };
    if !(args.reply_timeout.is_finite() && args.reply_timeout > 0.0) {
        return usage_error("--reply-timeout must be a positive number of seconds");
    }
    let mut body = serde_json::json!({ "code": code, "input": serde_json::Value::Null });
    body["input"] = serde_json::from_str(input.get()).unwrap_or(serde_json::Value::Null);
    let mut limits_json = serde_json::Map::new();
    if let Some(t) = job_limits.timeout_ms {
        limits_json.insert("timeout_ms".into(), t.into());
    }
    if let Some(m) = job_limits.memory_mb {
        limits_json.insert("memory_mb".into(), m.into());
    }
    if !limits_json.is_empty() {
        body["limits"] = limits_json.into();
    }
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let job_id = args
        .job_id
        .unwrap_or_else(warren_worker::broker::delivery::generated_id);
    let options = SubmitOptions {
        amqp_url: args.amqp_url,
        queue: args.queue,
        job_id: job_id.clone(),
        wait: (!args.no_wait).then(|| Duration::from_secs_f64(args.reply_timeout)),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return usage_error(err),
    };
    match runtime.block_on(submit(&body, &options)) {
        Ok(None) => {
            println!("{job_id}");
            0
        }
        Ok(Some(result)) => {
            if args.json {
                println!(
                    "{}",
                    String::from_utf8(result.to_json()).unwrap_or_default()
                );
            } else {
                print!("{}", render::human(&result));
            }
            render::exit_code(&result)
        }
        Err(err) => {
            eprintln!("warren: {err}");
            err.exit_code()
        }
    }
}
