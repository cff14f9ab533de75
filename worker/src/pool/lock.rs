//! Locking the pool's shared tables.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, taking over its data if a panicking thread held it: the pool's
/// tables hold counts that stay consistent under every single update.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
