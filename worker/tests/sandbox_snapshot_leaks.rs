//! Restoring runtimes leaks nothing: everything a job allocates outside its arena is
//! freed or reset before the restore (alone in its binary: it measures the process's
//! heap, so no other test may run beside it).

mod common;

use std::sync::Arc;

use common::*;
use warren_worker::sandbox::{Engine, EngineConfig, Isolation, ModuleTable, PoolLimits};

/// Bytes the process's allocator has handed out and not taken back.
fn heap_bytes() -> usize {
    // SAFETY: a plain query of glibc's allocator.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

/// Jobs that touch every part of the runtime a job can reach.
const JOBS: &[&str] = &[
    "export default () => 1",
    "import crypto from 'crypto'; export default () => [crypto.createHash('sha1').update('x').digest('hex'), crypto.randomUUID().length, crypto.createHmac('sha256', 'k').update('m').digest('base64')]",
    "import { URL } from 'url'; import { Buffer } from 'buffer'; export default () => [new URL('https://e.example/?a=1').search, Buffer.from('abc').toString('hex'), new TextEncoder().encode('x').length, btoa('a'), structuredClone(new Map([[1, 2]])).size]",
    "const path = require('path'); const util = require('util'); module.exports = () => [path.join('a', 'b'), util.format('%s', 1)]",
    "export default async () => { await new Promise(r => setTimeout(r, 1)); console.log('x', { a: 1 }); return new Date(0).toISOString() }",
    "import fs from 'fs'; export default () => 1",
    "export default () => { throw new TypeError('no') }",
    "export default async () => { const m = await import('events'); return typeof m.EventEmitter }",
    "export default () => { const a = []; for (let i = 0; i < 5000; i++) a.push({ i }); return new Set(a).size + new WeakMap().has({}) + String(new Proxy({}, {})) }",
];

#[test]
fn restored_runtimes_leak_nothing_outside_their_arena() {
    let table = ModuleTable::new(
        ["crypto", "url", "buffer", "path", "util", "events"]
            .iter()
            .map(|m| m.to_string()),
    );
    let engine = Engine::start(EngineConfig {
        slots: 1,
        isolation: Isolation::Thread,
        limits: PoolLimits::default(),
        modules: Arc::new(table),
        snapshots: true,
        ..EngineConfig::default()
    })
    .expect("engine starts");
    let round = |engine: &Engine| {
        for code in JOBS {
            run(engine, code, "null");
        }
    };
    for _ in 0..30 {
        round(&engine);
    }
    let before = heap_bytes();
    let rounds = 300;
    for _ in 0..rounds {
        round(&engine);
    }
    let grown = heap_bytes().saturating_sub(before);
    let jobs = rounds * JOBS.len();
    assert!(
        grown < 128 << 10,
        "the heap grew by {grown} bytes over {jobs} jobs ({} per job)",
        grown / jobs
    );
}
