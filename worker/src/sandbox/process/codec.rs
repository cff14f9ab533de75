//! The framing between the worker and its sandbox processes: a frame is a 4-byte
//! little-endian length, a 1-byte tag and a payload of fixed-width integers and
//! length-prefixed bytes. Compact and cheap on the hot path (a trivial job crosses
//! in two frames of a few hundred bytes), and strict: the worker decodes what a
//! sandbox process sends as untrusted input, so every length is checked and every
//! string and JSON value validated. What the frames say is [`super::protocol`]'s.

use std::time::{Duration, Instant};

use serde_json::value::RawValue;

pub const LENGTH_BYTES: usize = 4;

/// A frame that cannot be decoded: the peer is broken or hostile.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("frame ends early")]
    Short,
    #[error("unknown tag {0}")]
    Tag(u8),
    #[error("text is not UTF-8")]
    Utf8,
    #[error("invalid {0}")]
    Invalid(&'static str),
    #[error("{0} bytes left over after the frame")]
    Trailing(usize),
}

pub type Result<T> = std::result::Result<T, CodecError>;

/// Builds one frame.
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    /// A frame with `tag`; its length is filled in by [`Encoder::finish`].
    pub fn frame(tag: u8) -> Encoder {
        Encoder::reuse(Vec::with_capacity(256), tag)
    }

    /// A frame written into `buf` (cleared), to reuse its allocation.
    pub fn reuse(mut buf: Vec<u8>, tag: u8) -> Encoder {
        buf.clear();
        buf.extend_from_slice(&[0; LENGTH_BYTES]);
        buf.push(tag);
        Encoder { buf }
    }

    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.buf.push(value);
        self
    }

    pub fn u16(&mut self, value: u16) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn u32(&mut self, value: u32) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.u8(u8::from(value))
    }

    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        // Frames are bounded far below 4 GiB by the limits of what they carry.
        self.u32(u32::try_from(value.len()).unwrap_or(u32::MAX));
        self.buf.extend_from_slice(value);
        self
    }

    pub fn str(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    pub fn opt_str(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(text) => self.bool(true).str(text),
            None => self.bool(false),
        }
    }

    pub fn opt_u64(&mut self, value: Option<u64>) -> &mut Self {
        match value {
            Some(value) => self.bool(true).u64(value),
            None => self.bool(false),
        }
    }

    /// A deadline, as the time left until it (the other side has its own clock).
    pub fn deadline(&mut self, deadline: Instant) -> &mut Self {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_nanos();
        self.u64(left.try_into().unwrap_or(u64::MAX))
    }

    pub fn strings<'a>(&mut self, values: impl ExactSizeIterator<Item = &'a str>) -> &mut Self {
        self.u32(values.len() as u32);
        for value in values {
            self.str(value);
        }
        self
    }

    /// The finished frame, length prefix included.
    pub fn finish(mut self) -> Vec<u8> {
        let length = (self.buf.len() - LENGTH_BYTES) as u32;
        self.buf[..LENGTH_BYTES].copy_from_slice(&length.to_le_bytes());
        self.buf
    }
}

/// Reads one frame's payload (after its length prefix).
pub struct Decoder<'a> {
    data: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// A decoder over a frame body (tag and payload); returns it and the tag.
    pub fn frame(body: &'a [u8]) -> Result<(u8, Decoder<'a>)> {
        let (&tag, data) = body.split_first().ok_or(CodecError::Short)?;
        Ok((tag, Decoder { data }))
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        if self.data.len() < count {
            return Err(CodecError::Short);
        }
        let (head, rest) = self.data.split_at(count);
        self.data = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn usize(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| CodecError::Invalid("size"))
    }

    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CodecError::Invalid("flag")),
        }
    }

    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let length = self.u32()? as usize;
        self.take(length)
    }

    pub fn str(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| CodecError::Utf8)
    }

    pub fn string(&mut self) -> Result<String> {
        self.str().map(str::to_owned)
    }

    pub fn opt_string(&mut self) -> Result<Option<String>> {
        if self.bool()? {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn opt_u64(&mut self) -> Result<Option<u64>> {
        if self.bool()? {
            self.u64().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A JSON value, checked to be one.
    pub fn json(&mut self) -> Result<Box<RawValue>> {
        RawValue::from_string(self.string()?).map_err(|_| CodecError::Invalid("JSON value"))
    }

    /// A deadline sent as the time left until it.
    pub fn deadline(&mut self) -> Result<Instant> {
        let now = Instant::now();
        Ok(now
            .checked_add(Duration::from_nanos(self.u64()?))
            .unwrap_or(now))
    }

    /// A count of items still to read, checked against what is left so a hostile
    /// count cannot make the reader reserve memory.
    pub fn count(&mut self) -> Result<usize> {
        let count = self.u32()? as usize;
        if count > self.data.len() {
            return Err(CodecError::Short);
        }
        Ok(count)
    }

    pub fn strings(&mut self) -> Result<Vec<String>> {
        let count = self.count()?;
        (0..count).map(|_| self.string()).collect()
    }

    /// Checks that the whole frame was read.
    pub fn end(self) -> Result<()> {
        match self.data.len() {
            0 => Ok(()),
            left => Err(CodecError::Trailing(left)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_primitive_reads_back_and_a_short_frame_is_refused() {
        let mut e = Encoder::frame(7);
        e.u8(1)
            .u16(2)
            .u32(3)
            .u64(4)
            .bool(true)
            .str("five")
            .opt_str(None)
            .opt_u64(Some(6))
            .strings(["a", "b"].into_iter())
            .str("[7]");
        let frame = e.finish();
        let (tag, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
        assert_eq!(tag, 7);
        assert_eq!(
            (d.u8().ok(), d.u16().ok(), d.u32().ok(), d.u64().ok()),
            (Some(1), Some(2), Some(3), Some(4))
        );
        assert!(d.bool().expect("flag"));
        assert_eq!(d.str().expect("text"), "five");
        assert_eq!(d.opt_string().expect("none"), None);
        assert_eq!(d.opt_u64().expect("some"), Some(6));
        assert_eq!(d.strings().expect("list"), ["a", "b"]);
        assert_eq!(d.json().expect("json").get(), "[7]");
        d.end().expect("all read");
        let (_, mut short) = Decoder::frame(&[1, 5, 0]).expect("frame");
        assert!(short.u32().is_err());
        let (_, mut not_json) = Decoder::frame(&[1, 1, 0, 0, 0, b'{']).expect("frame");
        assert!(not_json.json().is_err());
    }
}
