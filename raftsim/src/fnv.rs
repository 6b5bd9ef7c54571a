//! FNV-1a (64-bit), the crate's one small non-cryptographic hash: the trace hash that says two
//! histories are equal, and the invariant checker's hashes of log entries.

/// A running FNV-1a hash. Bytes go in through `bytes` (or `io::Write`, so JSON can be hashed as
/// it is written), the hash comes out of `finish`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    /// The hash of no bytes at all.
    pub(crate) const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(crate) fn new() -> Fnv1a {
        Fnv1a(Fnv1a::OFFSET)
    }

    /// The hash with `bytes` added.
    #[inline]
    pub(crate) fn bytes(mut self, bytes: &[u8]) -> Fnv1a {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Fnv1a::PRIME);
        }
        self
    }

    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

impl std::io::Write for Fnv1a {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self = self.bytes(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn known_values_and_both_ways_in_agree() {
        assert_eq!(Fnv1a::new().finish(), Fnv1a::OFFSET);
        assert_eq!(Fnv1a::new().bytes(b"a").finish(), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            Fnv1a::new().bytes(b"foobar").finish(),
            0x8594_4171_f739_67e8
        );
        let mut written = Fnv1a::new();
        written.write_all(b"foo").unwrap();
        written.write_all(b"bar").unwrap();
        assert_eq!(written, Fnv1a::new().bytes(b"foobar"));
    }
}
