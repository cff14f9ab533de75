//! One job in its own fresh runtime and context, as a resumable state machine:
//! [`LiveJob::prepare`] creates the runtime and context and runs the prelude (before
//! the job is known, so a slot can have the next one ready); [`LiveJob::start`] loads
//! the job's bytecode and calls the exported function ([`load`]); [`LiveJob::drive`]
//! runs microtasks and due timers until the job's promise settles or it can only wait
//! (for a timer or a `fetch` response: [`drive`]). A waiting job holds no thread: its
//! slot parks it and runs other jobs meanwhile, then hands it what it waited for
//! ([`LiveJob::fetch_settled`]) and drives it again. How it ended becomes its outcome
//! in [`outcome`].
//!
//! - [`live`]: the live job itself; [`state`]: what its parts share.
//! - [`snapshot`]: a prepared job restored after each job instead of built afresh;
//!   [`picture`]: what it is restored from; [`preload`]: the operator's packages
//!   evaluated in it.
//! - [`load`], [`drive`], [`outcome`]: starting it, its event loop, its outcome.

pub mod drive;
pub mod live;
pub mod load;
pub mod outcome;
pub mod picture;
pub mod preload;
pub mod snapshot;
pub mod state;

pub use live::{LiveJob, SlotEnv, Step};
pub use state::JobIdentity;
