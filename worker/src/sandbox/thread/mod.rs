//! Thread slots (`--isolation thread`): slots that are threads of the worker, for
//! trusted code and tools, with a watchdog that answers for a slot stuck in one call
//! past a job's deadline and replaces it.

pub mod slot;
pub mod watchdog;
