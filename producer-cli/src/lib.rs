//! Client side of Warren: building job messages and reading results, used by the
//! `warren` command and linkable by Rust backends.
//!
//! # Layout
//! - [`input`]: `--input JSON|@file|-` values.
//! - [`render`]: a result for people (the `warren` default) or machines (`--json`).
//! - [`submit`]: publish one job and wait for its result.

pub mod input;
pub mod render;
pub mod submit;
