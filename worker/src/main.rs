//! `warren-worker`: parse the configuration, set up logging, run until SIGTERM/SIGINT.

use std::process::ExitCode;

fn main() -> ExitCode {
    warren_worker::cli::main()
}
