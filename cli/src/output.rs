//! Standard output the way Unix tools write it: when the reader has gone away (EPIPE,
//! as `warren run … | head -c 100` makes), `warren` ends quietly, by SIGPIPE, as `cat`
//! would, instead of the panic `println!` gives (Rust ignores SIGPIPE, so the write
//! fails instead of ending the process). Only standard output is treated so: the
//! broker connection's sockets keep failing with errors, never with a signal.

use std::fmt;
use std::io::{self, Write};

/// Writes `text` to standard output and flushes it.
pub fn write(text: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    if let Err(err) = stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        failed(&err);
    }
}

/// What a failed write to standard output does: a reader that went away ends the
/// process as SIGPIPE would have; any other failure is reported (exit code 2).
fn failed(err: &io::Error) -> ! {
    if err.kind() == io::ErrorKind::BrokenPipe {
        // SAFETY: restores the default action of SIGPIPE and raises it, which ends
        // the process; nothing runs after it.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGPIPE);
        }
    }
    eprintln!("warren: cannot write to standard output: {err}");
    std::process::exit(2)
}

/// `print!` that ends quietly when the reader has gone away (see the module docs).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*)) };
}

/// `println!` that ends quietly when the reader has gone away (see the module docs).
#[macro_export]
macro_rules! sayln {
    () => { $crate::output::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write(format_args!("{}\n", format_args!($($arg)*))) };
}
