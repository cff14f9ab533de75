//! Where a job's `console` calls go: an in-memory list, capped by count and bytes,
//! that becomes the result's `logs`.

use warren_wire::{LogEntry, LogLevel};

/// Levels in the order the prelude numbers them.
const LEVELS: [LogLevel; 5] = LogLevel::ALL;

/// A job's captured console output.
#[derive(Debug)]
pub struct LogSink {
    entries: Vec<LogEntry>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    truncated: bool,
}

impl LogSink {
    pub fn new(max_entries: usize, max_bytes: usize) -> LogSink {
        LogSink {
            entries: Vec::new(),
            bytes: 0,
            max_entries,
            max_bytes,
            truncated: false,
        }
    }

    /// Whether another entry would be kept.
    pub fn is_open(&self) -> bool {
        !self.truncated
    }

    /// Records one console call; past the caps, records the truncation warning once.
    pub fn push(&mut self, level: u32, mut message: String) {
        if self.truncated {
            return;
        }
        if self.entries.len() >= self.max_entries {
            self.truncate();
            return;
        }
        let room = self.max_bytes.saturating_sub(self.bytes);
        let over = message.len() > room;
        if over {
            let mut cut = room;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        self.bytes += message.len();
        let level = LEVELS.get(level as usize).copied().unwrap_or(LogLevel::Log);
        if !(over && message.is_empty()) {
            self.entries.push(LogEntry { level, message });
        }
        if over {
            self.truncate();
        }
    }

    fn truncate(&mut self) {
        self.truncated = true;
        self.entries.push(LogEntry {
            level: LogLevel::Warn,
            message: format!(
                "… logs truncated (limit: {} entries, {} bytes)",
                self.max_entries, self.max_bytes
            ),
        });
    }

    pub fn into_entries(self) -> Vec<LogEntry> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_by_count_with_one_warning() {
        let mut sink = LogSink::new(2, 1000);
        for i in 0..5 {
            sink.push(1, format!("m{i}"));
        }
        let entries = sink.into_entries();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].message, "m1");
        assert_eq!(entries[2].level, LogLevel::Warn);
        assert!(entries[2].message.contains("logs truncated"));
    }

    #[test]
    fn an_over_long_message_is_cut_and_hits_the_cap() {
        let mut sink = LogSink::new(100, 10);
        sink.push(4, "éééééééééé".into());
        sink.push(1, "after".into());
        let entries = sink.into_entries();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].level, LogLevel::Error);
        assert_eq!(entries[0].message, "ééééé");
        assert!(entries[1].message.contains("logs truncated"));
    }
}
