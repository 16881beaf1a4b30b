//! Buffer recycling for text and binary cells.
//!
//! A fetched batch holds one `String` or `Vec<u8>` per character or binary cell. Dropping them
//! when the batch has been delivered and allocating fresh ones for the next batch cost a
//! malloc/free pair per cell, a large share of the per-row cost of a narrow result set. The
//! statement hands the delivered values back here instead, and the next batch decodes into
//! their buffers, so a fetch loop that has warmed up allocates nothing per string cell.

use crate::convert::Value;

/// Buffers larger than this are dropped rather than kept: one long value must not pin its
/// memory for the rest of the result set.
const MAX_KEPT_BUFFER: usize = 16 * 1024;

/// What a statement keeps at most, all buffers together (a batch of 256 rows of a dozen short
/// text columns needs well under this).
const MAX_KEPT_BYTES: usize = 2 * 1024 * 1024;

/// Emptied buffers of delivered cells, ready for the next batch.
#[derive(Default)]
pub struct CellBuffers {
    text: Vec<String>,
    bytes: Vec<Vec<u8>>,
    kept_bytes: usize,
}

impl CellBuffers {
    /// Takes back the buffers of values that have been delivered.
    pub fn reclaim(&mut self, values: impl IntoIterator<Item = Value>) {
        for value in values {
            match value {
                Value::Text(s) if self.room_for(s.capacity()) => {
                    self.kept_bytes += s.capacity();
                    self.text.push(s);
                }
                Value::Binary(b) if self.room_for(b.capacity()) => {
                    self.kept_bytes += b.capacity();
                    self.bytes.push(b);
                }
                _ => {}
            }
        }
    }

    fn room_for(&self, capacity: usize) -> bool {
        capacity > 0 && capacity <= MAX_KEPT_BUFFER && self.kept_bytes + capacity <= MAX_KEPT_BYTES
    }

    /// An empty string, with the capacity of a delivered one when there is one.
    pub(crate) fn text(&mut self) -> String {
        match self.text.pop() {
            Some(mut s) => {
                self.kept_bytes -= s.capacity();
                s.clear();
                s
            }
            None => String::new(),
        }
    }

    /// An empty byte vector, with the capacity of a delivered one when there is one.
    pub(crate) fn bytes(&mut self) -> Vec<u8> {
        match self.bytes.pop() {
            Some(mut b) => {
                self.kept_bytes -= b.capacity();
                b.clear();
                b
            }
            None => Vec::new(),
        }
    }

    #[cfg(test)]
    fn kept(&self) -> (usize, usize, usize) {
        (self.text.len(), self.bytes.len(), self.kept_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_buffers_come_back_empty_with_their_capacity() {
        let mut spare = CellBuffers::default();
        let text = String::with_capacity(100);
        let bytes = Vec::with_capacity(50);
        spare.reclaim([
            Value::Text(text),
            Value::Int(3),
            Value::Binary(bytes),
            Value::Null,
        ]);
        assert_eq!(spare.kept(), (1, 1, 150));
        let s = spare.text();
        assert!(s.is_empty() && s.capacity() >= 100);
        let b = spare.bytes();
        assert!(b.is_empty() && b.capacity() >= 50);
        assert_eq!(spare.kept(), (0, 0, 0));
        // Nothing left: fresh, unallocated buffers.
        assert_eq!(spare.text().capacity(), 0);
        assert_eq!(spare.bytes().capacity(), 0);
    }

    #[test]
    fn long_values_and_overflow_are_not_kept() {
        let mut spare = CellBuffers::default();
        spare.reclaim([Value::Binary(vec![0; MAX_KEPT_BUFFER + 1])]);
        assert_eq!(spare.kept(), (0, 0, 0));
        let many = (0..(MAX_KEPT_BYTES / MAX_KEPT_BUFFER) + 5)
            .map(|_| Value::Text(String::with_capacity(MAX_KEPT_BUFFER)));
        spare.reclaim(many);
        let (texts, _, kept) = spare.kept();
        assert_eq!(texts, MAX_KEPT_BYTES / MAX_KEPT_BUFFER);
        assert!(kept <= MAX_KEPT_BYTES);
    }
}
