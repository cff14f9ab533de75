//! The walls a sandbox process puts up around itself before it touches any job, so
//! that even a QuickJS bug an attacker could exploit gains nothing: no new
//! privileges; Landlock with no filesystem or network rights (where the kernel has
//! it); rlimits as a backstop (address space, no new descriptors, no files written,
//! no core dumps, no processes); and, last, a seccomp filter that allows only what
//! running jobs needs (reading and writing the inherited channel, memory, futexes,
//! clocks, randomness, exit) and kills the process on anything else.

use std::collections::BTreeMap;
use std::io;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};

/// The descriptor of the channel to the worker, inside a sandbox process.
pub const CHANNEL_FD: i32 = 3;
/// The descriptor of the watch words, inside a sandbox process (closed once mapped).
pub const WATCH_FD: i32 = 4;
/// The descriptor of the library's shared text, when the worker shares one (closed
/// once mapped).
pub const LIBRARY_FD: i32 = 5;

/// Why a sandbox process could not confine itself.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    #[error("no_new_privs: {0}")]
    NoNewPrivs(io::Error),
    #[error("landlock: {0}")]
    Landlock(io::Error),
    #[error("setrlimit({0}): {1}")]
    Rlimit(&'static str, io::Error),
    #[error("seccomp filter: {0}")]
    Seccomp(String),
    #[error("ignoring SIGXFSZ: {0}")]
    Signal(io::Error),
}

/// What confinement was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confined {
    /// The Landlock ABI version enforced, or 0 when the kernel has no Landlock.
    pub landlock_abi: u32,
}

/// Confines the calling process (which must be single-threaded, so every thread is
/// covered). `address_space_bytes` caps its virtual memory.
pub fn confine(address_space_bytes: u64) -> Result<Confined, ConfineError> {
    // SAFETY: plain prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(ConfineError::NoNewPrivs(io::Error::last_os_error()));
    }
    let landlock_abi = landlock()?;
    limit("RLIMIT_CORE", libc::RLIMIT_CORE, 0)?;
    limit("RLIMIT_FSIZE", libc::RLIMIT_FSIZE, 0)?;
    // With no room to grow a file, a write to a file raises SIGXFSZ, whose default
    // action kills the process. Standard error is a pipe the worker relays, but were
    // it ever a file, a warning (or a panic's message) would cost the slot, or the
    // worker its start. Ignored, such a write fails with EFBIG instead.
    // SAFETY: plain libc call setting a signal's disposition, single-threaded.
    if unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) } == libc::SIG_ERR {
        return Err(ConfineError::Signal(io::Error::last_os_error()));
    }
    // Descriptors 0 to 3 are open and stay so; none can be added. (`poll` needs the
    // limit to cover the descriptor it waits on.)
    limit("RLIMIT_NOFILE", libc::RLIMIT_NOFILE, CHANNEL_FD as u64 + 1)?;
    limit("RLIMIT_NPROC", libc::RLIMIT_NPROC, 0)?;
    limit("RLIMIT_AS", libc::RLIMIT_AS, address_space_bytes)?;
    let program = filter().map_err(ConfineError::Seccomp)?;
    seccompiler::apply_filter(&program).map_err(|err| ConfineError::Seccomp(err.to_string()))?;
    Ok(Confined { landlock_abi })
}

fn limit(
    name: &'static str,
    resource: libc::__rlimit_resource_t,
    value: u64,
) -> Result<(), ConfineError> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: a valid rlimit.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(ConfineError::Rlimit(name, io::Error::last_os_error()));
    }
    Ok(())
}

/// `struct landlock_ruleset_attr`, as of ABI 6.
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;

/// Handles every filesystem (and, from ABI 4, network) right and grants none, and
/// from ABI 6 scopes signals and abstract sockets to the process. Returns the ABI
/// enforced, or 0 if the kernel has no Landlock (then the seccomp filter, which
/// allows no `open` at all, still stands).
fn landlock() -> Result<u32, ConfineError> {
    // SAFETY: the version query takes no attribute.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if abi <= 0 {
        return Ok(0);
    }
    let abi = abi as u32;
    let mut fs = (1u64 << 13) - 1; // ABI 1: execute .. make_sym
    if abi >= 2 {
        fs |= 1 << 13; // refer
    }
    if abi >= 3 {
        fs |= 1 << 14; // truncate
    }
    if abi >= 5 {
        fs |= 1 << 15; // ioctl_dev
    }
    let attr = RulesetAttr {
        handled_access_fs: fs,
        handled_access_net: if abi >= 4 { 0b11 } else { 0 }, // bind_tcp, connect_tcp
        scoped: if abi >= 6 { 0b11 } else { 0 },             // abstract unix sockets, signals
    };
    let size = match abi {
        1..=3 => 8,
        4 | 5 => 16,
        _ => std::mem::size_of::<RulesetAttr>(),
    };
    // SAFETY: a valid attribute of `size` bytes.
    let ruleset = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr,
            size,
            0 as libc::c_uint,
        )
    };
    if ruleset < 0 {
        return Err(ConfineError::Landlock(io::Error::last_os_error()));
    }
    let ruleset = ruleset as libc::c_int;
    // SAFETY: `ruleset` is the descriptor just created.
    let restricted =
        unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0 as libc::c_uint) };
    let err = io::Error::last_os_error();
    // SAFETY: closing our own descriptor.
    unsafe { libc::close(ruleset) };
    if restricted != 0 {
        return Err(ConfineError::Landlock(err));
    }
    Ok(abi)
}

#[cfg(target_arch = "x86_64")]
const ARCH: seccompiler::TargetArch = seccompiler::TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: seccompiler::TargetArch = seccompiler::TargetArch::aarch64;

/// The seccomp program: everything not listed kills the process.
fn filter() -> Result<BpfProgram, String> {
    let fail = |err: seccompiler::BackendError| err.to_string();
    let arg_is = |index: u8, value: u64| {
        SeccompCondition::new(index, SeccompCmpArgLen::Qword, SeccompCmpOp::Eq, value)
    };
    // Memory may be mapped and protected, never executable.
    let not_exec = || -> Result<Vec<SeccompRule>, seccompiler::BackendError> {
        Ok(vec![SeccompRule::new(vec![SeccompCondition::new(
            2,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(libc::PROT_EXEC as u64),
            0,
        )?])?])
    };
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for syscall in [
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_brk,
        libc::SYS_madvise,
        libc::SYS_futex,
        libc::SYS_sched_yield,
        libc::SYS_getrandom,
        libc::SYS_clock_gettime,
        libc::SYS_clock_getres,
        libc::SYS_gettimeofday,
        libc::SYS_ppoll,
        libc::SYS_rt_sigreturn,
        libc::SYS_rt_sigprocmask,
        libc::SYS_getpid,
        libc::SYS_gettid,
        libc::SYS_exit,
        libc::SYS_exit_group,
        // Dropping a descriptor can only take a capability away.
        libc::SYS_close,
        libc::SYS_restart_syscall,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_poll,
    ] {
        rules.insert(syscall, Vec::new());
    }
    rules.insert(libc::SYS_mmap, not_exec().map_err(fail)?);
    rules.insert(libc::SYS_mprotect, not_exec().map_err(fail)?);
    // A fault in no watched arena page is handed to the default action by resetting
    // `SIGSEGV`'s handler (`runtime::write_watch`); no other handler may change.
    rules.insert(
        libc::SYS_rt_sigaction,
        vec![SeccompRule::new(vec![arg_is(0, libc::SIGSEGV as u64).map_err(fail)?]).map_err(fail)?],
    );
    // The channel is read; the channel and stderr (panic messages) are written.
    rules.insert(
        libc::SYS_read,
        vec![SeccompRule::new(vec![arg_is(0, CHANNEL_FD as u64).map_err(fail)?]).map_err(fail)?],
    );
    rules.insert(
        libc::SYS_write,
        vec![
            SeccompRule::new(vec![arg_is(0, CHANNEL_FD as u64).map_err(fail)?]).map_err(fail)?,
            SeccompRule::new(vec![arg_is(0, 2).map_err(fail)?]).map_err(fail)?,
        ],
    );
    // glibc reports heap corruption with writev to stderr before it aborts.
    rules.insert(
        libc::SYS_writev,
        vec![SeccompRule::new(vec![arg_is(0, 2).map_err(fail)?]).map_err(fail)?],
    );
    // abort() signals its own thread; a crash then shows as SIGABRT, not SIGSYS. So
    // does the fault handler, for a SIGSEGV sent (not a fault) that it passes on to
    // the default action. Only this process, only SIGABRT and SIGSEGV.
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() } as u64;
    rules.insert(
        libc::SYS_tgkill,
        vec![
            SeccompRule::new(vec![
                arg_is(0, pid).map_err(fail)?,
                arg_is(2, libc::SIGABRT as u64).map_err(fail)?,
            ])
            .map_err(fail)?,
            SeccompRule::new(vec![
                arg_is(0, pid).map_err(fail)?,
                arg_is(2, libc::SIGSEGV as u64).map_err(fail)?,
            ])
            .map_err(fail)?,
        ],
    );
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        ARCH,
    )
    .map_err(fail)?;
    BpfProgram::try_from(filter).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_compiles() {
        let program = filter().expect("filter");
        assert!(program.len() > 10);
    }
}
