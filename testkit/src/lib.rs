//! Test helpers that need no broker, shared by the worker's tests (`worker/tests`),
//! the `warren` command's (`cli/tests`) and the end-to-end suite (`tests/`).
//!
//! # Layout
//! - [`http_stub`]: a local HTTP server standing in for the APIs jobs `fetch` from.
//! - [`pipe`]: a standard output whose reader has gone away.

pub mod http_stub;
pub mod pipe;
