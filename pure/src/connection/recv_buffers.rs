//! Large response buffers, reused once every slice handed out of them is dropped.
//!
//! Why: a fetch response of several MiB is one allocation, and the allocator serves one that size with a fresh
//! `mmap` (glibc raises its mmap threshold only to the size of the last freed block, so same-sized responses never
//! cross it). Every page of a fresh mapping faults and is zeroed by the kernel before the socket copy fills it:
//! with 5 MiB messages that was a fifth of the consumer's CPU. Records are zero-copy slices of the response, so a
//! buffer is free exactly when the last record sliced from it is dropped; [`Bytes::try_into_mut`] tells when.
//!
//! Bounded: a frame the reader has handed out is tracked (a handle each, at most [`TRACKED`]) while the consumer
//! may still hold it, which costs nothing; once free, at most [`SPARE_FRAMES`] of them and [`SPARE_BYTES`] are
//! kept for reuse (the oldest free ones go first), so an idle connection holds at most that much spare capacity. Small frames are
//! left to the allocator, which recycles them well.

use bytes::{Bytes, BytesMut};

/// Frames below this go to the allocator as usual.
pub const SMALLEST: usize = 256 * 1024;
/// Frames above this are not tracked (a fetch response is at most its request's `max_bytes`; librdkafka's and
/// Java's `fetch.max.bytes` default is 50 MiB).
pub const LARGEST: usize = 64 * 1024 * 1024;
/// Handles tracked per connection: a consumer with deep prefetch holds tens of big responses at once, and the
/// oldest is the one that comes free first.
pub const TRACKED: usize = 64;
/// Free frames kept per connection for the next ones: one for the next read, one as slack.
pub const SPARE_FRAMES: usize = 2;
/// And at most this much free capacity.
pub const SPARE_BYTES: usize = 64 * 1024 * 1024;

/// The tracked frames of one connection's reader.
#[derive(Debug, Default)]
pub struct RecvBuffers {
    /// Frames handed out earlier, oldest first; reusable once no one else holds them.
    handed_out: Vec<Bytes>,
}

impl RecvBuffers {
    /// An empty buffer for a frame of `size` bytes: a free earlier one when there is one big enough.
    pub fn take(&mut self, size: usize) -> BytesMut {
        if (SMALLEST..=LARGEST).contains(&size) {
            let free = self
                .handed_out
                .iter()
                .position(|f| f.len() >= size && f.is_unique());
            if let Some(i) = free {
                if let Ok(mut buffer) = self.handed_out.remove(i).try_into_mut() {
                    buffer.clear();
                    if buffer.capacity() >= size {
                        return buffer;
                    }
                }
            }
        }
        BytesMut::with_capacity(size)
    }

    /// Track `frame` (a cheap handle) so that its memory can serve a later frame once it is free, and let go of
    /// free frames beyond the spare budget.
    pub fn keep(&mut self, frame: &Bytes) {
        if !(SMALLEST..=LARGEST).contains(&frame.len()) {
            return;
        }
        if self.handed_out.len() >= TRACKED {
            self.handed_out.remove(0);
        }
        self.handed_out.push(frame.clone());
        let (mut frames, mut bytes) = (0, 0);
        // Newest first: the free frames kept are the most recently used (their pages are the warmest).
        for i in (0..self.handed_out.len()).rev() {
            if self.handed_out[i].is_unique() {
                frames += 1;
                bytes += self.handed_out[i].len();
                if frames > SPARE_FRAMES || bytes > SPARE_BYTES {
                    self.handed_out.remove(i);
                }
            }
        }
    }

    /// How many handles are tracked (for tests).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.handed_out.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(size: usize, fill: u8, buffers: &mut RecvBuffers) -> Bytes {
        let mut b = buffers.take(size);
        b.resize(size, fill);
        let f = b.freeze();
        buffers.keep(&f);
        f
    }

    #[test]
    fn a_dropped_frame_serves_the_next_one_from_the_same_memory() {
        let mut buffers = RecvBuffers::default();
        let first = frame(SMALLEST, 1, &mut buffers);
        let address = first.as_ptr();
        drop(first);
        let second = frame(SMALLEST, 2, &mut buffers);
        assert_eq!(second.as_ptr(), address, "the free buffer was reused");
        assert!(second.iter().all(|&b| b == 2));
    }

    #[test]
    fn a_frame_still_held_through_a_slice_is_never_reused() {
        let mut buffers = RecvBuffers::default();
        let first = frame(SMALLEST, 1, &mut buffers);
        let record = first.slice(10..20);
        drop(first);
        let second = frame(SMALLEST, 2, &mut buffers);
        assert_ne!(second.as_ptr(), record.as_ptr().wrapping_sub(10));
        assert!(record.iter().all(|&b| b == 1), "the held record is intact");
        drop(record);
        drop(second);
        // Both are free now: the next frame reuses one of them.
        let third = frame(SMALLEST, 3, &mut buffers);
        assert!(third.iter().all(|&b| b == 3));
        assert!(buffers.tracked() <= 2);
    }

    #[test]
    fn small_huge_and_too_many_frames_are_not_tracked() {
        let mut buffers = RecvBuffers::default();
        let _small = frame(SMALLEST - 1, 0, &mut buffers);
        assert_eq!(buffers.tracked(), 0);
        let _huge = frame(LARGEST + 1, 0, &mut buffers);
        assert_eq!(buffers.tracked(), 0);
        let held: Vec<Bytes> = (0..TRACKED + 3)
            .map(|i| frame(SMALLEST, i as u8, &mut buffers))
            .collect();
        assert_eq!(buffers.tracked(), TRACKED);
        assert!(held.iter().enumerate().all(|(i, f)| f[0] == i as u8));
    }

    #[test]
    fn free_frames_beyond_the_spare_budget_are_let_go() {
        let mut buffers = RecvBuffers::default();
        let n = SPARE_FRAMES + 3;
        let held: Vec<Bytes> = (0..n).map(|_| frame(SMALLEST, 0, &mut buffers)).collect();
        assert_eq!(buffers.tracked(), n, "frames in use are tracked");
        drop(held);
        let _next = frame(SMALLEST, 1, &mut buffers);
        // One was reused for `_next`; of the rest, only SPARE_FRAMES stay.
        assert_eq!(buffers.tracked(), 1 + SPARE_FRAMES);
        // The byte budget counts too.
        let big = SPARE_BYTES / 2 + 1;
        let held: Vec<Bytes> = (0..3).map(|_| frame(big, 0, &mut buffers)).collect();
        drop(held);
        let _last = frame(SMALLEST, 2, &mut buffers);
        let spare: usize = buffers
            .handed_out
            .iter()
            .filter(|f| f.is_unique())
            .map(|f| f.len())
            .sum();
        assert!(spare <= SPARE_BYTES, "{spare}");
    }

    #[test]
    fn a_smaller_free_buffer_is_not_used_for_a_bigger_frame() {
        let mut buffers = RecvBuffers::default();
        drop(frame(SMALLEST, 1, &mut buffers));
        let bigger = buffers.take(SMALLEST * 2);
        assert!(bigger.capacity() >= SMALLEST * 2);
        assert_eq!(buffers.tracked(), 1, "the smaller one stays for later");
    }
}
