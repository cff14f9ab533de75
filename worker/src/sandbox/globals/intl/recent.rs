//! The last few collators made, by their options: a sort calls `compare` thousands
//! of times with the same options. Collators hold only static data, so keeping one
//! across jobs shows nothing of a job to the next.

use std::cell::RefCell;
use std::rc::Rc;

/// How many kept.
const KEPT: usize = 8;

/// Most recently used last.
pub struct Recent<V> {
    entries: RefCell<Vec<(String, Rc<V>)>>,
}

impl<V> Recent<V> {
    pub const fn new() -> Recent<V> {
        Recent {
            entries: RefCell::new(Vec::new()),
        }
    }

    /// The value kept for `key`, or the one `make` makes (then kept).
    pub fn get_or<E>(&self, key: &str, make: impl FnOnce() -> Result<V, E>) -> Result<Rc<V>, E> {
        let mut entries = self.entries.borrow_mut();
        if let Some(at) = entries.iter().position(|(k, _)| k == key) {
            let entry = entries.remove(at);
            let value = entry.1.clone();
            entries.push(entry);
            return Ok(value);
        }
        let value = Rc::new(make()?);
        if entries.len() == KEPT {
            entries.remove(0);
        }
        entries.push((key.to_owned(), value.clone()));
        Ok(value)
    }
}
