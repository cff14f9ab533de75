//! The messages between the worker and a sandbox process, over the framing of
//! [`super::codec`].
//!
//! Worker to process: `INIT` once ([`init`]: everything a process needs, so it never
//! reads a file itself), then `TASK`s (one at a time: the next only once the process
//! has reported or parked the last), `FETCHED` responses, `CLOSE`.
//! Process to worker: `READY` once, then `PARKED` (a job waits; the process is free
//! for the next task), `REPORT`s ([`jobs`]) and `REQUEST`s for `fetch` ([`fetch`]).

pub mod fetch;
pub mod init;
pub mod jobs;

#[cfg(test)]
mod fuzz;

pub const INIT: u8 = 1;
pub const TASK: u8 = 2;
pub const FETCHED: u8 = 3;
pub const CLOSE: u8 = 4;

pub const READY: u8 = 10;
pub const PARKED: u8 = 11;
pub const REPORT: u8 = 12;
pub const REQUEST: u8 = 13;

/// Encodes a value in a frame and decodes it back, checking the frame is whole.
#[cfg(test)]
fn round_trip<T>(
    put: impl Fn(&mut super::codec::Encoder),
    get: impl Fn(&mut super::codec::Decoder<'_>) -> super::codec::Result<T>,
) -> T {
    use super::codec::{Decoder, Encoder, LENGTH_BYTES};
    let mut encoder = Encoder::frame(9);
    put(&mut encoder);
    let frame = encoder.finish();
    let length = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
    assert_eq!(length, frame.len() - LENGTH_BYTES);
    let (tag, mut decoder) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
    assert_eq!(tag, 9);
    let value = get(&mut decoder).expect("decodes");
    decoder.end().expect("nothing left over");
    value
}

/// The bytes of a frame built by `put`, for tests of hostile input.
#[cfg(test)]
fn decoding(put: impl Fn(&mut super::codec::Encoder)) -> Vec<u8> {
    let mut encoder = super::codec::Encoder::frame(1);
    put(&mut encoder);
    encoder.finish()
}
