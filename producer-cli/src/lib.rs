//! Client side of Warren: building job messages and reading results, used by the
//! `warren` command and linkable by Rust backends.
//!
//! # Layout
//! - [`input`]: `--input JSON|@file|-` values.
//! - [`render`]: a result for people (the `warren` default) or machines (`--json`).
//! - [`submit`]: publish one job and wait for its result (direct reply-to).
//! - [`client`]: the pooled client library for Rust backends (`submit`, `call`, results).
//! - [`bench`]: load generation with latency percentiles.
//! - [`dlq`]: inspecting and requeueing dead-lettered jobs.
//! - [`local`]: running one job in a local sandbox (`warren run`, `dlq replay`).

pub mod bench;
pub mod client;
pub mod dlq;
pub mod input;
pub mod local;
pub mod render;
pub mod submit;
