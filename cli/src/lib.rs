//! The `warren` command: run a function locally, submit it to a Warren fleet, load a
//! fleet and measure it, look at what it dead-lettered. Its library half is for the
//! benchmark (`warren-bench`), which drives the same load generator.
//!
//! # Layout
//! - [`cli`]: the command line (`clap`): the subcommands, and running one.
//! - [`args`]: the arguments several subcommands share.
//! - [`commands`]: one file per subcommand: `run`, `submit`, `bench`, `dlq`,
//!   `status`; each returns the process's exit code.
//! - [`loadgen`]: keeps jobs in flight and measures throughput and latency.
//! - [`local`]: one job in a local sandbox, as a worker would run it (`run`,
//!   `dlq replay`): the only use of `warren-worker`.
//! - [`input`]: code and `--input` arguments; [`render`]: results for people;
//!   [`output`]: standard output that ends quietly when its reader goes away.
//!
//! Dependencies point down: `cli` → `commands` → (`args`, `loadgen`, `local`,
//! `input`, `render`); `loadgen`, `commands::dlq`, `commands::submit` and
//! `commands::status` speak to the broker through `warren-client` and `warren-amqp`.

pub mod args;
pub mod cli;
pub mod commands;
pub mod input;
pub mod loadgen;
pub mod local;
pub mod output;
pub mod render;
