//! Sandbox processes: every one confined before it runs a job, killed by the watchdog
//! when a job overruns inside one call, and replaced when it dies, with only the job
//! it was running affected.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use warren_wire::{ErrorKind, Outcome};
use warren_worker::sandbox::{Engine, JobReport, PoolLimits};

/// A line of `/proc/PID/FILE` starting with `key`.
fn proc_line(pid: u32, file: &str, key: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).expect("proc file");
    text.lines()
        .find(|line| line.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/{file}"))
        .to_owned()
}

/// Asserts that each of the engine's processes runs under a seccomp filter with no
/// new privileges and the rlimits backstop.
#[track_caller]
fn assert_confined(engine: &Engine, slots: usize) {
    let pids = engine.sandbox_pids();
    assert_eq!(pids.len(), slots, "one process per slot: {pids:?}");
    for pid in pids {
        let seccomp = proc_line(pid, "status", "Seccomp:");
        assert_eq!(
            seccomp.split_whitespace().nth(1),
            Some("2"),
            "{pid}: {seccomp}"
        );
        let no_new_privs = proc_line(pid, "status", "NoNewPrivs:");
        assert_eq!(no_new_privs.split_whitespace().nth(1), Some("1"), "{pid}");
        let files = proc_line(pid, "limits", "Max open files");
        assert_eq!(files.split_whitespace().nth(3), Some("4"), "{pid}: {files}");
        let core = proc_line(pid, "limits", "Max core file size");
        assert_eq!(core.split_whitespace().nth(4), Some("0"), "{pid}: {core}");
        let address = proc_line(pid, "limits", "Max address space");
        assert_ne!(
            address.split_whitespace().nth(3),
            Some("unlimited"),
            "{pid}"
        );
        // No environment: nothing of the worker's settings or secrets.
        let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
        assert!(
            environ
                .split(|b| *b == 0)
                .all(|v| v.is_empty() || v.starts_with(b"TZ=")),
            "{pid} has an environment"
        );
    }
}

/// Waits until the engine has `slots` processes again, none of them in `gone`.
#[track_caller]
fn wait_for_full_strength(engine: &Engine, slots: usize, gone: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pids = engine.sandbox_pids();
        if pids.len() == slots && pids.iter().all(|pid| !gone.contains(pid)) {
            return;
        }
        assert!(Instant::now() < deadline, "pool did not refill: {pids:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_sandbox_process_is_confined_before_it_runs_a_job() {
    let engine = engine_isolated(2, PoolLimits::default(), process_isolation());
    assert_confined(&engine, 2);
    // Confined, they run the standard library, modules and timers as before.
    let code = "import { createHash } from 'crypto';
        export default async (s) => {
            await new Promise(r => setTimeout(r, 5));
            return [createHash('sha256').update(s).digest('hex').slice(0, 8), new Date(0).toISOString(), /a+/.test('aa')];
        }";
    assert_eq!(
        ok(&engine, code, "\"abc\""),
        json!(["ba7816bf", "1970-01-01T00:00:00.000Z", true])
    );
}

#[test]
fn closing_an_engine_ends_its_processes_cleanly() {
    let engine = engine_isolated(2, PoolLimits::default(), process_isolation());
    let stats = engine.stats_handle();
    let pids = engine.sandbox_pids();
    assert_eq!(ok(&engine, "export default () => 1", "null"), json!(1));
    drop(engine);
    // Each process exits when told to close, on its own and with status 0 (a call its
    // filter forbids on the way out would show as a death).
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z"))
    }) {
        assert!(Instant::now() < deadline, "sandbox processes still alive");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Each supervisor counts a death (or not) before it ends, and the last to end
    // drops the pool's share of the counters.
    while std::sync::Arc::strong_count(&stats) > 1 {
        assert!(Instant::now() < deadline, "supervisors still running");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(stats.process_deaths.load(Ordering::Relaxed), 0);
}

#[test]
fn the_watchdog_kills_a_process_stuck_in_one_call_and_the_pool_keeps_serving() {
    let engine = engine_isolated(2, PoolLimits::default(), process_isolation());
    let before = engine.sandbox_pids();
    // One toString of a ~950,000-bit BigInt: seconds inside one builtin call, where
    // the interrupt handler is never consulted.
    let stuck = "export default () => (3n ** 600000n).toString().length";
    std::thread::scope(|s| {
        let stuck = s.spawn(|| {
            let started = Instant::now();
            (
                engine.run_blocking(with_timeout(stuck, 100)),
                started.elapsed(),
            )
        });
        // The other slot keeps answering meanwhile.
        for i in 0..20 {
            assert_eq!(
                ok(&engine, "export default (i) => i + 1", &i.to_string()),
                json!(i + 1)
            );
        }
        let (report, took) = stuck.join().expect("stuck job");
        match report.run.outcome {
            Outcome::Error(err) => {
                assert_eq!(err.kind, ErrorKind::Timeout, "{err:?}");
                assert!(err.message.contains("watchdog"), "{}", err.message);
            }
            Outcome::Ok(value) => panic!("expected timeout, got {value}"),
        }
        // Killed at deadline + margin (100 ms + 100 ms), not when the call ended; the
        // report says how long the job ran.
        assert!(took < Duration::from_secs(2), "answered after {took:?}");
        assert!(
            report.run.wall >= Duration::from_millis(100) && report.run.wall <= took,
            "wall {:?} of {took:?}",
            report.run.wall
        );
    });
    assert_eq!(engine.watchdog().overruns.load(Ordering::Relaxed), 1);
    let killed: Vec<u32> = before
        .iter()
        .copied()
        .filter(|pid| !engine.sandbox_pids().contains(pid))
        .collect();
    assert_eq!(killed.len(), 1, "exactly the stuck process was replaced");
    wait_for_full_strength(&engine, 2, &killed);
    assert_confined(&engine, 2);
    assert_eq!(ok(&engine, "export default () => 3", "null"), json!(3));
}

/// Runs `stuck` (busy in one slot) and `waiting` (parked in the same process) and
/// kills the process with `signal` while `stuck` runs.
fn kill_while_running(signal: i32) -> (JobReport, JobReport, Engine) {
    let engine = engine_isolated(1, PoolLimits::default(), process_isolation());
    let pid = engine.sandbox_pids()[0];
    // Its timer is due long after the stuck job has started, so the process is inside
    // the stuck job, not this one, when it is killed.
    let waiting = "export default async () => { await new Promise(r => setTimeout(r, 1500)); return 'waited' }";
    let stuck = "export default () => { const end = Date.now() + 3000; while (Date.now() < end) {} return 'done' }";
    let (waited, crashed) = std::thread::scope(|s| {
        let waited = s.spawn(|| engine.run_blocking(request(waiting, "null")));
        // The waiting job parks first and the process is back in its loop; then the
        // stuck one occupies the process.
        let deadline = Instant::now() + Duration::from_secs(5);
        while engine.stats().waiting.load(Ordering::Relaxed) == 0 || engine.busy() != 0 {
            assert!(Instant::now() < deadline, "the waiting job never parked");
            std::thread::sleep(Duration::from_millis(5));
        }
        let crashed = s.spawn(|| engine.run_blocking(request(stuck, "null")));
        while engine.busy() == 0 {
            assert!(Instant::now() < deadline, "the stuck job never started");
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: signalling our own child process.
        assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);
        (
            waited.join().expect("waiting job"),
            crashed.join().expect("stuck job"),
        )
    });
    wait_for_full_strength(&engine, 1, &[pid]);
    (waited, crashed, engine)
}

#[test]
fn a_process_that_segfaults_fails_only_the_job_it_was_running() {
    let (waited, crashed, engine) = kill_while_running(libc::SIGSEGV);
    match crashed.run.outcome {
        Outcome::Error(err) => {
            assert_eq!(err.kind, ErrorKind::Crash, "{err:?}");
            assert!(err.message.contains("SIGSEGV"), "{}", err.message);
        }
        Outcome::Ok(value) => panic!("expected crash, got {value}"),
    }
    // The job that merely waited in the same process started again elsewhere.
    match waited.run.outcome {
        Outcome::Ok(value) => assert_eq!(value.get(), "\"waited\""),
        Outcome::Error(err) => panic!("the waiting job was failed with it: {err:?}"),
    }
    assert_confined(&engine, 1);
    assert_eq!(
        ok(&engine, "export default () => 'after'", "null"),
        json!("after")
    );
}

#[test]
fn a_process_killed_from_outside_like_the_oom_killer_is_a_crash_for_its_job() {
    let (waited, crashed, engine) = kill_while_running(libc::SIGKILL);
    match crashed.run.outcome {
        Outcome::Error(err) => {
            assert_eq!(err.kind, ErrorKind::Crash, "{err:?}");
            assert!(err.message.contains("SIGKILL"), "{}", err.message);
        }
        Outcome::Ok(value) => panic!("expected crash, got {value}"),
    }
    assert!(matches!(waited.run.outcome, Outcome::Ok(_)));
    assert_eq!(ok(&engine, "export default () => 1", "null"), json!(1));
}

#[test]
fn a_job_that_keeps_killing_its_process_is_failed_not_retried_forever() {
    // Two jobs wait in one process; whichever process holds them keeps being killed.
    // Each is started again at most twice, then failed as a crash.
    let engine = engine_isolated(1, PoolLimits::default(), process_isolation());
    let waiting =
        "export default async () => { await new Promise(r => setTimeout(r, 2000)); return 1 }";
    let report = std::thread::scope(|s| {
        let job = s.spawn(|| engine.run_blocking(request(waiting, "null")));
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut kills = 0;
        while !job.is_finished() {
            assert!(Instant::now() < deadline, "the job was retried forever");
            // Kill only while the job waits (parked), so it is never the one running. The
            // gauge counts a job waiting a moment before its process is told it is free:
            // look again after a while (the job waits 2 s).
            let parked = || engine.stats().waiting.load(Ordering::Relaxed) == 1;
            if parked()
                && {
                    std::thread::sleep(Duration::from_millis(20));
                    parked()
                }
                && let Some(&pid) = engine.sandbox_pids().first()
            {
                // SAFETY: signalling our own child process.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                kills += 1;
                wait_for_full_strength(&engine, 1, &[pid]);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(kills, 3, "started twice more, then failed");
        job.join().expect("job")
    });
    match report.run.outcome {
        Outcome::Error(err) => {
            assert_eq!(err.kind, ErrorKind::Crash, "{err:?}");
            assert!(err.message.contains("holding the job"), "{}", err.message);
        }
        Outcome::Ok(value) => panic!("expected crash, got {value}"),
    }
    wait_for_full_strength(&engine, 1, &[]);
    assert_eq!(ok(&engine, "export default () => 1", "null"), json!(1));
}
