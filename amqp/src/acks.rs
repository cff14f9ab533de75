//! Settling the deliveries of one consuming channel. Jobs finish in any order; one
//! task per channel sends their acks and rejects, merging the acks of every finished
//! delivery at the front of the channel's outstanding ones into a single `multiple`
//! ack. Under load several jobs finish between two of its turns, so the broker gets
//! one ack for them all instead of one each, and the job's own task never waits on
//! an ack.
//!
//! Acks go straight to the channel: lapin's per-delivery `Acker` passes each one
//! through an internal command queue and a task of its own first.

use std::collections::VecDeque;

use lapin::Channel;
use lapin::options::{BasicAckOptions, BasicRejectOptions};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

/// How a finished delivery is to be settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Done with: its result is confirmed (or it needed none).
    Ack,
    /// Back to the queue, for another attempt.
    Requeue,
    /// Rejected without requeueing: the queue dead-letters it.
    DeadLetter,
}

/// What the settling task hears.
#[derive(Debug)]
enum Note {
    /// A delivery arrived; it is outstanding until settled.
    Received(u64),
    /// A delivery finished.
    Finished(u64, Settlement),
}

/// A frame the settling task sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Acks `tag`, and with `multiple` every earlier outstanding delivery too.
    Ack { tag: u64, multiple: bool },
    /// Returns `tag` to the queue.
    Requeue(u64),
    /// Rejects `tag` for good (the queue dead-letters it).
    Reject(u64),
}

/// Outstanding deliveries of one channel, in delivery order, and how each finished.
#[derive(Debug, Default)]
struct Book {
    outstanding: VecDeque<(u64, Option<Settlement>)>,
}

impl Book {
    /// Records `note`; a delivery it never heard of gets its frame back, to be sent
    /// alone. Tags arrive in increasing order, as the broker numbers them, when the
    /// channel's consumers are read in tag order; one that does not is put in its
    /// place, so that the book stays sorted.
    fn note(&mut self, note: Note) -> Option<Frame> {
        match note {
            Note::Received(tag) => {
                match self.outstanding.back() {
                    Some(&(last, _)) if last > tag => {
                        let at = self.outstanding.partition_point(|&(held, _)| held < tag);
                        self.outstanding.insert(at, (tag, None));
                    }
                    _ => self.outstanding.push_back((tag, None)),
                }
                None
            }
            Note::Finished(tag, settlement) => {
                let found = self
                    .outstanding
                    .binary_search_by_key(&tag, |(outstanding, _)| *outstanding);
                match found {
                    Ok(index) => {
                        self.outstanding[index].1 = Some(settlement);
                        None
                    }
                    // Never heard of (cannot happen): settle it alone rather than keep it
                    // unsettled; were it settled already, the broker closes the channel
                    // and redelivers what it held, which loses nothing.
                    Err(_) => {
                        warn!(
                            tag,
                            ?settlement,
                            "Settling a delivery that was not recorded."
                        );
                        Some(match settlement {
                            Settlement::Ack => Frame::Ack {
                                tag,
                                multiple: false,
                            },
                            Settlement::Requeue => Frame::Requeue(tag),
                            Settlement::DeadLetter => Frame::Reject(tag),
                        })
                    }
                }
            }
        }
    }

    /// The frames that settle every finished delivery, in the order to send them.
    fn frames(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        // Requeues first: an ack with `multiple` must not cover a delivery still to
        // be returned (a requeued one is no longer outstanding for the broker).
        self.outstanding
            .retain(|&(tag, settlement)| match settlement {
                Some(Settlement::Requeue) => {
                    frames.push(Frame::Requeue(tag));
                    false
                }
                Some(Settlement::DeadLetter) => {
                    frames.push(Frame::Reject(tag));
                    false
                }
                _ => true,
            });
        let mut front = 0;
        let mut last = None;
        while let Some(&(tag, Some(Settlement::Ack))) = self.outstanding.front() {
            self.outstanding.pop_front();
            front += 1;
            last = Some(tag);
        }
        if let Some(tag) = last {
            frames.push(Frame::Ack {
                tag,
                multiple: front > 1,
            });
        }
        // Finished behind one still running: acked alone now, so that a long job does
        // not keep the prefetch window full of finished ones.
        self.outstanding.retain(|&(tag, settlement)| {
            let finished = settlement.is_some();
            if finished {
                frames.push(Frame::Ack {
                    tag,
                    multiple: false,
                });
            }
            !finished
        });
        frames
    }
}

/// Where a consuming channel's deliveries are reported, as they arrive and finish.
/// Clones share one settling task, which ends once every clone is dropped and all
/// it was told is settled.
#[derive(Clone)]
pub struct Settler {
    notes: mpsc::UnboundedSender<Note>,
}

impl Settler {
    /// Starts the settling task of `channel` on the current tokio runtime.
    pub fn start(channel: Channel) -> (Settler, JoinHandle<()>) {
        let (notes, inbox) = mpsc::unbounded_channel();
        let task = tokio::spawn(settle(channel, inbox));
        (Settler { notes }, task)
    }

    /// Delivery `tag` arrived. Call in delivery order, before [`Settler::finished`].
    pub fn received(&self, tag: u64) {
        let _ = self.notes.send(Note::Received(tag));
    }

    /// Delivery `tag` is finished and is to be settled as `settlement`.
    pub fn finished(&self, tag: u64, settlement: Settlement) {
        let _ = self.notes.send(Note::Finished(tag, settlement));
    }
}

async fn settle(channel: Channel, mut inbox: mpsc::UnboundedReceiver<Note>) {
    let mut book = Book::default();
    let mut stray = Vec::new();
    while let Some(note) = inbox.recv().await {
        stray.extend(book.note(note));
        // Whatever else finished meanwhile goes out with it.
        while let Ok(note) = inbox.try_recv() {
            stray.extend(book.note(note));
        }
        for frame in stray.drain(..).chain(book.frames()) {
            let sent = match frame {
                Frame::Ack { tag, multiple } => {
                    channel.basic_ack(tag, BasicAckOptions { multiple }).await
                }
                // `basic.reject`, not `basic.nack`: RabbitMQ 4.3 counts a rejected
                // delivery towards the quorum queue's delivery limit but not a
                // nacked one, and the limit is what bounds a job whose result the
                // broker keeps refusing.
                Frame::Requeue(tag) => {
                    let options = BasicRejectOptions { requeue: true };
                    channel.basic_reject(tag, options).await
                }
                Frame::Reject(tag) => {
                    let options = BasicRejectOptions { requeue: false };
                    channel.basic_reject(tag, options).await
                }
            };
            if let Err(err) = sent {
                // The channel is gone: the broker redelivers what it did not settle.
                debug!(cause = %err, ?frame, "Settling failed; the broker will redeliver.");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(tags: std::ops::RangeInclusive<u64>) -> Book {
        let mut book = Book::default();
        for tag in tags {
            book.note(Note::Received(tag));
        }
        book
    }

    fn finish(book: &mut Book, tag: u64, settlement: Settlement) {
        assert_eq!(book.note(Note::Finished(tag, settlement)), None);
    }

    #[test]
    fn finished_front_is_one_multiple_ack() {
        let mut book = book(1..=4);
        for tag in [2, 1, 3] {
            finish(&mut book, tag, Settlement::Ack);
        }
        assert_eq!(
            book.frames(),
            [Frame::Ack {
                tag: 3,
                multiple: true
            }]
        );
        finish(&mut book, 4, Settlement::Ack);
        assert_eq!(
            book.frames(),
            [Frame::Ack {
                tag: 4,
                multiple: false
            }]
        );
        assert!(book.frames().is_empty());
    }

    #[test]
    fn a_tag_heard_late_is_not_covered_by_a_merged_ack() {
        let mut book = Book::default();
        for tag in [1, 3, 2] {
            book.note(Note::Received(tag));
        }
        finish(&mut book, 1, Settlement::Ack);
        finish(&mut book, 3, Settlement::Ack);
        // 2 still runs: 1 goes alone, 3 alone; nothing covers 2.
        assert_eq!(
            book.frames(),
            [
                Frame::Ack {
                    tag: 1,
                    multiple: false
                },
                Frame::Ack {
                    tag: 3,
                    multiple: false
                }
            ]
        );
        finish(&mut book, 2, Settlement::Ack);
        assert_eq!(
            book.frames(),
            [Frame::Ack {
                tag: 2,
                multiple: false
            }]
        );
    }

    #[test]
    fn finished_behind_a_running_one_are_acked_alone_at_once() {
        let mut book = book(1..=3);
        finish(&mut book, 2, Settlement::Ack);
        finish(&mut book, 3, Settlement::Ack);
        assert_eq!(
            book.frames(),
            [
                Frame::Ack {
                    tag: 2,
                    multiple: false
                },
                Frame::Ack {
                    tag: 3,
                    multiple: false
                }
            ]
        );
        finish(&mut book, 1, Settlement::Ack);
        assert_eq!(
            book.frames(),
            [Frame::Ack {
                tag: 1,
                multiple: false
            }]
        );
    }

    #[test]
    fn requeues_go_first_and_are_never_covered_by_an_ack() {
        let mut book = book(1..=3);
        finish(&mut book, 1, Settlement::Ack);
        finish(&mut book, 2, Settlement::Requeue);
        finish(&mut book, 3, Settlement::Ack);
        assert_eq!(
            book.frames(),
            [
                Frame::Requeue(2),
                Frame::Ack {
                    tag: 3,
                    multiple: true
                }
            ]
        );
    }

    #[test]
    fn unknown_tags_are_settled_alone() {
        let mut book = book(1..=1);
        assert_eq!(
            book.note(Note::Finished(7, Settlement::Requeue)),
            Some(Frame::Requeue(7))
        );
        assert_eq!(book.outstanding.len(), 1);
    }

    #[test]
    fn a_dead_lettered_delivery_is_rejected_before_any_ack_covers_it() {
        let mut book = book(1..=3);
        finish(&mut book, 2, Settlement::DeadLetter);
        finish(&mut book, 1, Settlement::Ack);
        finish(&mut book, 3, Settlement::Ack);
        assert_eq!(
            book.frames(),
            [
                Frame::Reject(2),
                Frame::Ack {
                    tag: 3,
                    multiple: true
                }
            ]
        );
    }
}
