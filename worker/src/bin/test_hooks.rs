//! `warren-worker-test-hooks`: the worker built with the `test-hooks` feature, for the
//! fleet reliability suite only.

use std::process::ExitCode;

fn main() -> ExitCode {
    warren_worker::cli::main()
}
