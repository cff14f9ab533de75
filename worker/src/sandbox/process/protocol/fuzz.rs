//! Property tests of everything that decodes what crosses the channel: arbitrary
//! bytes, and frames that are well formed but hostile (counts past the frame, text
//! that is not UTF-8, values out of range). Decoding never panics, every failure is
//! a clean refusal, and no allocation grows past a small multiple of the frame.
//! `PROPTEST_CASES` sets how many cases run (256 by default).

use proptest::prelude::*;

use super::{fetch, init, jobs};
use crate::largest_allocation::largest_during;
use crate::sandbox::process::codec::{Decoder, Encoder, LENGTH_BYTES};
use crate::sandbox::process::pipe::{FrameReader, ReadError};

/// The most a decoder may allocate at once for a frame of `len` bytes: strings and
/// byte strings are copies of part of the frame; counted items are checked against
/// what is left of it before anything is reserved.
fn allowed(len: usize) -> usize {
    64 * len + (64 << 10)
}

/// A decoder under test: whether it read a value (or refused the frame).
type Decode = fn(&mut Decoder<'_>) -> bool;

/// Runs every decoder over a frame's payload (tag stripped), checking each refuses or
/// reads within the frame, with allocations in proportion to it.
fn decode_all(payload: &[u8]) {
    let decoders: [(&str, Decode); 5] = [
        ("request", |d| jobs::get_request(d).is_ok()),
        ("report", |d| jobs::get_report(d, 1000).is_ok()),
        ("fetch request", |d| fetch::get_fetch_request(d).is_ok()),
        ("fetch result", |d| fetch::get_fetch_result(d).is_ok()),
        ("init", |d| init::decode_init(d).is_ok()),
    ];
    let mut frame = vec![0u8];
    frame.extend_from_slice(payload);
    for (name, decode) in decoders {
        let ((), largest) = largest_during(|| {
            let Ok((_, mut decoder)) = Decoder::frame(&frame) else {
                return;
            };
            let _ = decode(&mut decoder);
        });
        assert!(
            largest <= allowed(frame.len()),
            "{name}: {largest} bytes at once for a frame of {}",
            frame.len()
        );
    }
}

/// One primitive of a hostile frame.
#[derive(Debug, Clone)]
enum Part {
    U8(u8),
    U32(u32),
    U64(u64),
    Bytes(Vec<u8>),
    Text(String),
    /// A count far past what the frame holds.
    HugeCount,
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        any::<u8>().prop_map(Part::U8),
        // Small numbers are counts and tags the decoders accept; large ones are not.
        prop_oneof![0u32..16, any::<u32>()].prop_map(Part::U32),
        any::<u64>().prop_map(Part::U64),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Part::Bytes),
        "[a-z{}\\[\\]\":,0-9\\\\\u{80}-\u{10ffff}]{0,24}".prop_map(Part::Text),
        Just(Part::HugeCount),
    ]
}

fn hostile_frame(parts: &[Part]) -> Vec<u8> {
    let mut encoder = Encoder::frame(1);
    for part in parts {
        match part {
            Part::U8(value) => {
                encoder.u8(*value);
            }
            Part::U32(value) => {
                encoder.u32(*value);
            }
            Part::U64(value) => {
                encoder.u64(*value);
            }
            Part::Bytes(bytes) => {
                encoder.bytes(bytes);
            }
            Part::Text(text) => {
                encoder.str(text);
            }
            Part::HugeCount => {
                encoder.u32(u32::MAX);
            }
        }
    }
    encoder.finish()
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_refused_or_read_never_panicked_on(
        payload in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        decode_all(&payload);
    }

    #[test]
    fn well_formed_hostile_frames_are_refused_or_read(
        parts in proptest::collection::vec(part(), 0..24),
    ) {
        let frame = hostile_frame(&parts);
        decode_all(&frame[LENGTH_BYTES + 1..]);
    }

    #[test]
    fn the_frame_reader_keeps_to_its_limit(
        stream in proptest::collection::vec(any::<u8>(), 0..4096),
        max_frame in 0usize..512,
    ) {
        use std::io::Write;
        use std::os::unix::net::UnixStream;

        let (mut ours, theirs) = UnixStream::pair().expect("socketpair");
        ours.write_all(&stream).expect("write");
        drop(ours);
        let theirs = std::os::fd::OwnedFd::from(theirs);
        let (frames, largest) = largest_during(|| {
            let mut reader = FrameReader::new(&theirs, max_frame);
            let mut lengths = Vec::new();
            loop {
                match reader.next(None) {
                    Ok(Some(frame)) => lengths.push(frame.len()),
                    Ok(None) => continue,
                    Err(ReadError::Closed | ReadError::TooLarge(_)) => return lengths,
                    Err(err) => panic!("{err}"),
                }
            }
        });
        prop_assert!(frames.iter().all(|&len| len <= max_frame));
        // The reader's own buffer (64 KiB) and at most one frame of the limit.
        prop_assert!(largest <= (64 << 10) + LENGTH_BYTES + max_frame, "{largest}");
    }
}
