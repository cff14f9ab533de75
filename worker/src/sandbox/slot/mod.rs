//! What a slot does, wherever it lives: the jobs it holds ([`jobs`]: start, drive,
//! park, resume, report, free) and the next job's runtime made ready while it is idle
//! ([`prepare`]). A thread slot (`thread`) and a sandbox process (`process`) each wrap
//! this in their own loop.

pub mod jobs;
pub mod prepare;
