//! Test helpers that need no broker, shared by the wire types' and the worker's tests
//! (`worker/tests`), the `warren` command's (`cli/tests`) and the end-to-end suite
//! (`tests/`).
//!
//! # Layout
//! - [`alloc`]: a global allocator that measures the largest allocation.
//! - [`http_stub`]: a local HTTP server standing in for the APIs jobs `fetch` from.
//! - [`pipe`]: a standard output whose reader has gone away.

pub mod alloc;
pub mod http_stub;
pub mod pipe;
