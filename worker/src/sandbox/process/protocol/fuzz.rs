//! Property tests of everything that decodes what crosses the channel: arbitrary
//! bytes, and frames that are well formed but hostile (counts past the frame, text
//! that is not UTF-8, values out of range). Decoding never panics, every failure is
//! a clean refusal, and no allocation grows past a small multiple of the frame.
//! `PROPTEST_CASES` sets how many cases run (256 by default).

use proptest::prelude::*;
use warren_testkit::alloc::largest_during;

use super::{fetch, init, jobs};
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
        ("init", |d| {
            init::decode_init(d, || Err(std::io::Error::other("no memfd"))).is_ok()
        }),
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
        let (lengths, largest) = read_frames(stream, max_frame);
        prop_assert!(lengths.iter().all(|&len| len <= max_frame));
        prop_assert!(largest <= reader_allowed(max_frame), "{largest}");
    }

    /// Frames around the limit and past the reader's first buffer: each one within
    /// the limit is read whole, in order, the first past it is refused, and the
    /// buffer grows to the largest frame and no further.
    #[test]
    fn frames_near_the_limit_are_read_or_refused_whole(
        max_frame in 0usize..(200 << 10),
        offsets in proptest::collection::vec(-3i64..=2, 0..4),
        tail in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let lengths: Vec<usize> = offsets
            .iter()
            .map(|&offset| (max_frame as i64 + offset).max(0) as usize)
            .collect();
        let mut stream = Vec::new();
        for (i, &length) in lengths.iter().enumerate() {
            stream.extend_from_slice(&(length as u32).to_le_bytes());
            stream.extend(std::iter::repeat_n(i as u8, length));
        }
        stream.extend_from_slice(&tail);
        let (read, largest) = read_frames(stream, max_frame);
        let expected: Vec<usize> = lengths
            .iter()
            .copied()
            .take_while(|&length| length <= max_frame)
            .collect();
        prop_assert_eq!(read, expected);
        prop_assert!(largest <= reader_allowed(max_frame), "{largest}");
    }
}

/// The reader's own buffer (64 KiB) or one frame of the limit, whichever is larger.
fn reader_allowed(max_frame: usize) -> usize {
    (64 << 10).max(LENGTH_BYTES + max_frame)
}

/// Reads `stream` through a socket with a frame reader until it ends or refuses a
/// frame: the lengths of the frames read, and the largest allocation on the way.
fn read_frames(stream: Vec<u8>, max_frame: usize) -> (Vec<usize>, usize) {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    let (mut ours, theirs) = UnixStream::pair().expect("socketpair");
    // Written from another thread: the stream may be larger than the socket's buffer.
    let writer = std::thread::spawn(move || {
        let _ = ours.write_all(&stream);
    });
    let theirs = std::os::fd::OwnedFd::from(theirs);
    let mut lengths = Vec::with_capacity(8);
    let ((), largest) = largest_during(|| {
        let mut reader = FrameReader::new(&theirs, max_frame);
        loop {
            match reader.next(None) {
                Ok(Some(frame)) => lengths.push(frame.len()),
                Ok(None) => continue,
                Err(ReadError::Closed | ReadError::TooLarge(_)) => return,
                Err(err) => panic!("{err}"),
            }
        }
    });
    drop(theirs);
    writer.join().expect("the writer");
    (lengths, largest)
}
