//! Showing a result: raw JSON for machines, or a readable summary for people.

use std::fmt::Write;

use warren_wire::{JobResult, Status};

/// A readable rendering: status line, pretty value or error, logs.
pub fn human(result: &JobResult) -> String {
    let mut out = String::new();
    let stats = &result.stats;
    let memory = stats
        .memory_peak_bytes
        .map(|b| format!(", {:.1} KiB peak", b as f64 / 1024.0))
        .unwrap_or_default();
    let status = match result.status {
        Status::Ok => "ok",
        Status::Error => "error",
    };
    let _ = writeln!(
        out,
        "{status}  job {}  ({:.3} ms{memory}, attempt {}, {})",
        result.job_id, stats.wall_ms, stats.attempt, result.worker
    );
    if let Some(value) = &result.value {
        let pretty = serde_json::from_str::<serde_json::Value>(value.get())
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| value.get().to_owned());
        let _ = writeln!(out, "{pretty}");
    }
    if let Some(error) = &result.error {
        let _ = writeln!(out, "{}: {}", error.kind, error.message);
        if let Some(stack) = &error.stack {
            for line in stack.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    if !result.logs.is_empty() {
        let _ = writeln!(out, "logs:");
        for entry in &result.logs {
            let level = serde_json::to_value(entry.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(out, "  [{level}] {}", entry.message);
        }
    }
    out
}

/// The process exit code for a result: 0 ok, 1 job error.
pub fn exit_code(result: &JobResult) -> u8 {
    match result.status {
        Status::Ok => 0,
        Status::Error => 1,
    }
}
