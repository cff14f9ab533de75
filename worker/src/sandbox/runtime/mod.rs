//! QuickJS plumbing a job's runtime is made of, with no Warren semantics: the metered
//! allocator, the arena a restored runtime lives in and the watch on its pages' writes, bytecode in and out, throwaway contexts that compile, telling an ES module from
//! a CommonJS script, intrinsics added on first use, waiting for a promise synchronously, describing what JS
//! threw, and bytes across the boundary. Everything above builds on these.

pub mod allocator;
pub mod arena;
pub mod bytecode;
pub mod bytes;
pub mod cstring;
pub mod detect;
pub mod errors;
pub mod intrinsics;
pub mod pins;
pub mod random;
pub mod settle;
pub mod text;
pub mod throwaway;
pub mod write_watch;
