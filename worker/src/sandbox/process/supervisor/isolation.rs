//! How a pool runs its sandbox processes: which program, and how much memory each
//! may map.

use std::path::PathBuf;

/// How a pool runs its sandbox processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIsolation {
    /// The `warren-worker` executable to start as a sandbox process.
    pub program: PathBuf,
    /// Virtual memory each sandbox process may map (`RLIMIT_AS`).
    pub address_space_bytes: u64,
}

impl ProcessIsolation {
    /// Sandbox processes running `program`, with the default address-space cap.
    pub fn new(program: impl Into<PathBuf>) -> ProcessIsolation {
        ProcessIsolation {
            program: program.into(),
            address_space_bytes: 4 << 30,
        }
    }

    /// Sandbox processes running this very executable, even if its file has been
    /// replaced since (a rolling upgrade must not mix versions in one worker).
    pub fn this_executable() -> ProcessIsolation {
        ProcessIsolation::new("/proc/self/exe")
    }
}
