//! `warren`: run a function locally, or submit it to a Warren fleet.

use std::process::ExitCode;

use clap::Parser;
use warren_cli::cli::Cli;

fn main() -> ExitCode {
    ExitCode::from(Cli::parse().run())
}
