//! QuickJS plumbing a job's runtime is made of, with no Warren semantics: the metered
//! allocator, bytecode in and out, intrinsics added on first use, describing what JS
//! threw, and bytes across the boundary. Everything above builds on these.

pub mod allocator;
pub mod bytecode;
pub mod bytes;
pub mod cstring;
pub mod errors;
pub mod intrinsics;
pub mod text;
