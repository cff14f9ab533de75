//! The `warren` command line: its subcommands, each with its own arguments (in
//! [`crate::commands`]; those several share are in [`crate::args`]).

use clap::{Parser, Subcommand};

use crate::commands::{bench, dlq, quarantine, run, status, submit, with_runtime};

/// Run JavaScript functions in Warren's sandbox, locally or on a worker fleet.
#[derive(Debug, Parser)]
#[command(name = "warren", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a function locally, with no broker, and print its result body exactly as a
    /// worker would publish it. Exit 0 for ok, 1 for an error result, 2 for usage errors.
    #[command(
        after_help = "Examples:\n  warren run examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren run fn.js --input @input.json --timeout-ms 200 --allow-module crypto\n  echo 'export default () => 42' | warren run -"
    )]
    Run(run::Args),
    /// Submit a job to a queue and (by default) wait for its result.
    /// Exit 0 for ok, 1 for an error result, 3 for no answer in time, 2 for usage or connection errors.
    #[command(
        after_help = "Examples:\n  warren submit examples/hello.js --input '{\"name\":\"Ada\"}'\n  warren submit fn.js --queue jobs.fast --timeout-ms 200 --json\n  warren submit fn.js --no-wait"
    )]
    Submit(submit::Args),
    /// Keep jobs in flight against a queue and report throughput, latency percentiles
    /// (p50/p90/p99/max) and outcomes. Exit 0 when every result arrived, 3 otherwise.
    #[command(
        after_help = "Examples:\n  warren bench examples/hello.js --jobs 10000 --concurrency 64\n  warren bench fn.js --input '{\"n\":5}' --jobs 2000 --json"
    )]
    Bench(bench::Args),
    /// Inspect a pool's dead-letter queue, put jobs back, or replay one locally.
    #[command(subcommand)]
    Dlq(dlq::Command),
    /// List the codes a pool refuses for breaking their sandbox too often, or release
    /// one.
    #[command(subcommand)]
    Quarantine(quarantine::Command),
    /// Depth and consumers of jobs queues and their dead-letter queues.
    #[command(
        after_help = "Examples:\n  warren status\n  warren status --queue jobs.fast --queue jobs.slow --json"
    )]
    Status(status::Args),
}

impl Cli {
    /// Runs the command line to its exit code.
    pub fn run(self) -> u8 {
        match self.command {
            Command::Run(args) => run::run(args),
            Command::Submit(args) => with_runtime(submit::submit(args)),
            Command::Bench(args) => with_runtime(bench::bench(args)),
            Command::Dlq(command) => with_runtime(dlq::dlq(command)),
            Command::Quarantine(command) => with_runtime(quarantine::quarantine(command)),
            Command::Status(args) => with_runtime(status::status(args)),
        }
    }
}
