//! The `warren-worker` command line: parse the configuration, set up logging, run until
//! SIGTERM/SIGINT. Shared by the normal binary and the test-hooks one.

use std::process::ExitCode;

use clap::Parser;

use crate::config::Args;
use crate::{shutdown, telemetry, worker};

/// Runs the worker command line to its end.
pub fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == crate::sandbox::process::SANDBOX_ARG)
    {
        return crate::sandbox::process::child::main();
    }
    let args = Args::parse();
    if args.check_health {
        let healthy = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .is_ok_and(|runtime| {
                runtime.block_on(crate::health::probe(args.metrics_addr, "/healthz"))
            });
        return if healthy {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    telemetry::init(args.log_format);
    let config = match args.resolve() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("warren-worker: {err:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.io_threads)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("warren-worker: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(worker::run(config, shutdown::signal_received())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(cause = %format!("{err:#}"), "Worker failed.");
            eprintln!("warren-worker: {err:#}");
            ExitCode::FAILURE
        }
    }
}
