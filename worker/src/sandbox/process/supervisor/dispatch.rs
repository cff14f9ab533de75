//! Handing queued jobs to free processes: a job goes straight to a free process from
//! the thread that submits it, or waits in the queue until a process is done with
//! its last one.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::state::{InFlight, ProcessSlot, Shared};
use crate::sandbox::job::Task;
use crate::sandbox::process::codec::Encoder;
use crate::sandbox::process::protocol::{self, jobs::put_request};

/// Gives queued tasks to free processes until either runs out: first to processes
/// whose next context is prepared (the job starts at once), then to any.
pub(super) fn pump_all(shared: &Shared) {
    for prepared_only in [true, false] {
        for slot in &shared.slots {
            if shared.queue.1.is_empty() && !shared.closed.load(Ordering::SeqCst) {
                return;
            }
            if prepared_only && !slot.prepared() {
                continue;
            }
            pump(shared, slot);
        }
    }
}

/// If `slot` is free, gives it the next queued task (or, once the engine is closed
/// and nothing is queued, closes its process).
pub(super) fn pump(shared: &Shared, slot: &ProcessSlot) {
    loop {
        if slot
            .claimed
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return;
        }
        match shared.queue.1.try_recv() {
            Ok(task) => {
                dispatch(shared, slot, task);
                return;
            }
            Err(_) if shared.closed.load(Ordering::SeqCst) => {
                // Stays claimed: the process gets no task after this.
                if let Some(link) = slot.link().as_ref() {
                    link.writer.send(Encoder::frame(protocol::CLOSE).finish());
                }
                return;
            }
            Err(_) => {
                slot.claimed.store(false, Ordering::SeqCst);
                // A task queued while this slot was claimed may have found no free
                // slot: look again now that this one is free.
                if shared.queue.1.is_empty() {
                    return;
                }
            }
        }
    }
}

/// Sends a task to the slot's process (which the caller has claimed).
fn dispatch(shared: &Shared, slot: &ProcessSlot, task: Task) {
    let link = slot.link().clone();
    let Some(link) = link else {
        // No process (it is being replaced): back to the queue for another slot.
        let _ = shared.queue.0.send(task);
        pump_all(shared);
        return;
    };
    let deadline = Instant::now() + shared.limits.for_job(&task.request.limits).timeout;
    let key = link.next_key.fetch_add(1, Ordering::Relaxed) + 1;
    let mut frame = Encoder::frame(protocol::TASK);
    frame.u64(key);
    put_request(&mut frame, &task.request);
    {
        let mut held = link.held();
        if held.dead {
            drop(held);
            let _ = shared.queue.0.send(task);
            pump_all(shared);
            return;
        }
        held.jobs.insert(
            key,
            InFlight {
                task,
                parked: false,
                requests: Vec::new(),
                deadline,
            },
        );
    }
    link.current.store(key, Ordering::SeqCst);
    link.writer.send(frame.finish());
}
