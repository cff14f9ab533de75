//! Job ids: random UUIDs (version 4) in their usual text form, for producers that
//! publish a job without one of their own and for workers given a job with neither
//! `message_id` nor `correlation_id`.

/// A random UUID v4 (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`), from the OS's randomness.
pub fn uuid_v4() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(format_uuid_v4(bytes))
}

/// A new job id: a random UUID v4 (made from the clock when the OS has no randomness
/// to give: still unique enough to tell jobs apart).
pub fn new_job_id() -> String {
    format_uuid_v4(random_or_clock())
}

/// `N` random bytes from the OS, or, when it has none to give, the clock's nanoseconds
/// (never all zero): for ids that must differ, not be secret.
pub fn random_or_clock<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() || bytes.iter().all(|b| *b == 0) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() | 1)
            .to_le_bytes();
        for (byte, clock) in bytes.iter_mut().zip(nanos.iter().cycle()) {
            *byte = *clock;
        }
    }
    bytes
}

/// Formats 16 bytes as a UUID v4, setting its version and variant bits.
pub fn format_uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_and_variant() {
        let id = super::format_uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_ne!(
            super::uuid_v4().expect("random"),
            super::uuid_v4().expect("random")
        );
        assert_ne!(super::random_or_clock::<8>(), [0; 8]);
        let id = super::new_job_id();
        assert_eq!((id.len(), &id[14..15]), (36, "4"));
    }
}
