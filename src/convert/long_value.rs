//! SQLGetData on a long value streamed from the server: the value is converted part by part
//! as the application asks for it, holding no more than one wire chunk of it in memory.
//!
//! The wire hands over bytes cut anywhere (TDS packets, PLP chunks): a UTF-16 unit, a
//! surrogate pair or a multi-byte code page character may straddle two reads. Decoding keeps
//! the unfinished character for the next read, so no character is ever lost or mangled at a
//! wire boundary. At the application's buffer boundary the value is cut like msodbcsql does
//! (and like [`super::to_c`] for values in memory): at any byte for SQL_C_CHAR, any UTF-16
//! unit for SQL_C_WCHAR, whole bytes for hexadecimal; applications join the parts.
//!
//! StrLen_or_Ind follows msodbcsql: the exact length still to come when it follows from the
//! announced wire length (bytes copied as they are, UTF-16 into SQL_C_WCHAR, hexadecimal),
//! SQL_NO_TOTAL while a converted value is still arriving, the exact length on the last part.

use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16LE, WINDOWS_1252};

use super::codes::{SQL_C_BINARY, SQL_C_CHAR, SQL_C_WCHAR};
use super::to_c::Written;
use super::{CharEncoding, ConvertError, Value, Warning, charset};

/// SQL_NO_TOTAL.
const NO_TOTAL: isize = -4;

/// Largest wire read that goes through the driver's own buffer (a converted value).
const MAX_READ: usize = 64 * 1024;
/// Smallest such read, so that asking whether anything is left costs one read.
const MIN_READ: usize = 256;

/// How a long value's bytes come off the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireForm {
    /// nvarchar(max): UTF-16LE.
    Utf16,
    /// xml: UTF-16LE, possibly behind a byte order mark.
    Xml,
    /// varchar(max) in its collation's code page (or UTF-8), json in UTF-8.
    Narrow(&'static Encoding),
    /// varbinary(max), large UDTs.
    Binary,
}

/// One read of the value's bytes from the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireRead {
    /// Bytes placed in the buffer given to the read.
    pub read: usize,
    /// The value has no more bytes.
    pub end: bool,
    /// Bytes still to come after this read, when the server announced the value's length.
    pub left: Option<u64>,
}

/// What the C type makes of the wire bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// The bytes as they arrive: binary targets, UTF-16 into SQL_C_WCHAR, a code page into
    /// SQL_C_CHAR of the same encoding.
    Copy,
    /// Two upper-case hexadecimal digits a byte, `unit` bytes a digit.
    Hex,
    /// Text decoded, then encoded for the target.
    Recode(TextTarget),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextTarget {
    Utf8,
    Latin1,
    Utf16,
}

/// What to do with an xml value's byte order mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bom {
    Keep,
    /// SQL_C_WCHAR: text without it.
    Strip,
    /// SQL_C_BINARY: msodbcsql hands xml out behind one.
    Ensure,
}

/// A long value being returned by SQLGetData in parts.
pub struct LongValue {
    c_type: i16,
    output: Output,
    /// Terminator size: 0 for binary, 1 for SQL_C_CHAR, 2 for SQL_C_WCHAR.
    unit: usize,
    /// A part is a whole number of these bytes (a UTF-16 unit, a hexadecimal byte).
    granule: usize,
    bom: Bom,
    decoder: Option<Decoder>,
    /// Converted bytes not yet handed out, from `pending_at`.
    pending: Vec<u8>,
    pending_at: usize,
    /// Reused buffers for reads that need converting.
    scratch: Vec<u8>,
    text: String,
    /// Wire bytes still to come, when known.
    left: Option<u64>,
    /// Every wire byte has been read (and the decoder flushed).
    ended: bool,
    started: bool,
    done: bool,
}

impl LongValue {
    /// A reader of a value in `wire` form for C type `c_type` (SQL_C_DEFAULT already
    /// resolved); `None` when the target is not a character or binary type, whose
    /// conversions need the whole value.
    pub fn new(wire: WireForm, c_type: i16, encoding: CharEncoding) -> Option<LongValue> {
        let narrow_target = match encoding {
            CharEncoding::Utf8 => TextTarget::Utf8,
            CharEncoding::Latin1 => TextTarget::Latin1,
        };
        let same_code_page = |e: &'static Encoding| {
            (e == UTF_8 && encoding == CharEncoding::Utf8)
                || (e == WINDOWS_1252 && encoding == CharEncoding::Latin1)
        };
        let (output, source, unit) = match (c_type, wire) {
            (SQL_C_BINARY, _) => (Output::Copy, None, 0),
            (SQL_C_WCHAR, WireForm::Binary) => (Output::Hex, None, 2),
            (SQL_C_WCHAR, WireForm::Utf16 | WireForm::Xml) => (Output::Copy, None, 2),
            (SQL_C_WCHAR, WireForm::Narrow(e)) => (Output::Recode(TextTarget::Utf16), Some(e), 2),
            (SQL_C_CHAR, WireForm::Binary) => (Output::Hex, None, 1),
            (SQL_C_CHAR, WireForm::Utf16 | WireForm::Xml) => {
                (Output::Recode(narrow_target), Some(UTF_16LE), 1)
            }
            (SQL_C_CHAR, WireForm::Narrow(e)) if same_code_page(e) => (Output::Copy, None, 1),
            (SQL_C_CHAR, WireForm::Narrow(e)) => (Output::Recode(narrow_target), Some(e), 1),
            _ => return None,
        };
        let xml = wire == WireForm::Xml;
        let bom = match (xml, c_type) {
            (true, SQL_C_BINARY) => Bom::Ensure,
            (true, SQL_C_WCHAR) => Bom::Strip,
            _ => Bom::Keep,
        };
        let decoder = source.map(|e| {
            if xml {
                e.new_decoder_with_bom_removal()
            } else {
                e.new_decoder_without_bom_handling()
            }
        });
        let granule = match output {
            Output::Hex => 2 * unit,
            _ => unit.max(1),
        };
        Some(LongValue {
            c_type,
            output,
            unit,
            granule,
            bom,
            decoder,
            pending: Vec::new(),
            pending_at: 0,
            scratch: Vec::new(),
            text: String::new(),
            left: None,
            ended: false,
            started: false,
            done: false,
        })
    }

    /// The C type the value is being returned as.
    pub fn c_type(&self) -> i16 {
        self.c_type
    }

    /// The value has been returned completely: the next SQLGetData is SQL_NO_DATA.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Fills `buffer` with the next part, reading the wire through `read` as needed. The
    /// result says what SQLGetData reports: StrLen_or_Ind, and 01004 while more remains.
    pub fn next_part<E: From<ConvertError>>(
        &mut self,
        buffer: &mut [u8],
        read: &mut dyn FnMut(&mut [u8]) -> Result<WireRead, E>,
    ) -> Result<Written, E> {
        if !self.started {
            self.started = true;
            if self.bom != Bom::Keep {
                self.settle_bom(read)?;
            }
        }
        let room = buffer.len().saturating_sub(self.unit);
        let room = room - room % self.granule;
        let mut written = 0;
        loop {
            written += self.drain_pending(&mut buffer[written..room]);
            if written == room || self.ended {
                break;
            }
            if self.output == Output::Copy && self.pending_len() == 0 {
                // Straight from the wire into the application's buffer.
                let got = read(&mut buffer[written..room])?;
                self.note(got)?;
                written += got.read;
            } else {
                self.pull(room - written, read)?;
            }
        }
        // 01004 or not: whether anything is left, reading ahead only when the server did
        // not announce the length.
        let more = loop {
            if self.pending_len() > 0 || self.left.is_some_and(|left| left > 0) {
                break true;
            }
            if self.ended {
                break false;
            }
            self.pull(MIN_READ, read)?;
        };
        if let Some(slot) = buffer.get_mut(written..written + self.unit) {
            slot.fill(0);
        }
        if !more {
            self.done = true;
            return Ok(Written {
                indicator: written as isize,
                consumed: written,
                warning: None,
            });
        }
        let indicator = match self.still_to_come() {
            Some(rest) => isize::try_from(rest + written as u64).unwrap_or(NO_TOTAL),
            None => NO_TOTAL,
        };
        Ok(Written {
            indicator,
            consumed: written,
            warning: Some(Warning::StringTruncated),
        })
    }

    /// Output bytes after this part, when the announced wire length tells them.
    fn still_to_come(&self) -> Option<u64> {
        let pending = self.pending_len() as u64;
        if self.ended {
            return Some(pending);
        }
        let left = self.left?;
        match self.output {
            Output::Copy => Some(pending + left),
            Output::Hex => Some(pending + left * 2 * self.unit as u64),
            Output::Recode(_) => None,
        }
    }

    fn pending_len(&self) -> usize {
        self.pending.len() - self.pending_at
    }

    /// Copies converted bytes into `out`, whole granules only unless they are the last.
    fn drain_pending(&mut self, out: &mut [u8]) -> usize {
        let available = self.pending_len();
        let mut n = available.min(out.len());
        if n < available || !self.ended {
            n -= n % self.granule;
        }
        out[..n].copy_from_slice(&self.pending[self.pending_at..self.pending_at + n]);
        self.pending_at += n;
        if self.pending_at == self.pending.len() {
            self.pending.clear();
            self.pending_at = 0;
        }
        n
    }

    /// Records what a read said about the rest of the value.
    fn note(&mut self, got: WireRead) -> Result<(), ConvertError> {
        if got.read == 0 && !got.end {
            return Err(ConvertError {
                sqlstate: "HY000",
                message: "The server sent a long value that makes no progress".into(),
            });
        }
        self.left = got.left;
        if got.end || got.left == Some(0) {
            self.ended = true;
        }
        Ok(())
    }

    /// Reads about `want` output bytes' worth of the wire into `pending`, converted.
    fn pull<E: From<ConvertError>>(
        &mut self,
        want: usize,
        read: &mut dyn FnMut(&mut [u8]) -> Result<WireRead, E>,
    ) -> Result<(), E> {
        let size = want.clamp(MIN_READ, MAX_READ);
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(size, 0);
        let got = read(&mut scratch);
        let got = match got {
            Ok(got) => got,
            Err(e) => {
                self.scratch = scratch;
                return Err(e);
            }
        };
        let noted = self.note(got);
        if noted.is_ok() {
            self.convert(&scratch[..got.read]);
        }
        self.scratch = scratch;
        noted.map_err(E::from)
    }

    /// Appends the output form of wire bytes to `pending` (flushing the decoder at the end).
    fn convert(&mut self, bytes: &[u8]) {
        if self.pending_at > 0 {
            self.pending.drain(..self.pending_at);
            self.pending_at = 0;
        }
        match self.output {
            Output::Copy => self.pending.extend_from_slice(bytes),
            Output::Hex => {
                for &b in bytes {
                    for digit in [b >> 4, b & 0x0F] {
                        let c = super::format::hex_digit(digit);
                        self.pending.push(c);
                        if self.unit == 2 {
                            self.pending.push(0);
                        }
                    }
                }
            }
            Output::Recode(target) => {
                let Some(decoder) = self.decoder.as_mut() else {
                    return;
                };
                self.text.clear();
                let need = decoder
                    .max_utf8_buffer_length(bytes.len())
                    .unwrap_or(bytes.len() * 3 + 16);
                self.text.reserve(need);
                let _ = decoder.decode_to_string(bytes, &mut self.text, self.ended);
                match target {
                    TextTarget::Utf8 => self.pending.extend_from_slice(self.text.as_bytes()),
                    TextTarget::Latin1 => self
                        .pending
                        .extend(self.text.chars().map(charset::encode_char)),
                    TextTarget::Utf16 => self
                        .pending
                        .extend(self.text.encode_utf16().flat_map(u16::to_le_bytes)),
                }
            }
        }
    }

    /// xml through SQL_C_WCHAR or SQL_C_BINARY: reads the first two bytes and drops or adds
    /// the byte order mark.
    fn settle_bom<E: From<ConvertError>>(
        &mut self,
        read: &mut dyn FnMut(&mut [u8]) -> Result<WireRead, E>,
    ) -> Result<(), E> {
        while self.pending_len() < 2 && !self.ended {
            self.pull(MIN_READ, read)?;
        }
        let has_bom = self.pending[self.pending_at..].starts_with(&[0xFF, 0xFE]);
        match (self.bom, has_bom) {
            (Bom::Strip, true) => self.pending_at += 2,
            (Bom::Ensure, false) => {
                self.pending
                    .splice(self.pending_at..self.pending_at, [0xFF, 0xFE]);
            }
            _ => {}
        }
        Ok(())
    }
}

/// A long value read whole (a bound column, a conversion to a number or a date), as the
/// batched fetch path decodes it.
pub fn whole_value(bytes: Vec<u8>, wire: WireForm) -> Value {
    match wire {
        WireForm::Binary => Value::Binary(bytes),
        WireForm::Utf16 => Value::Text(UTF_16LE.decode_without_bom_handling(&bytes).0.into_owned()),
        WireForm::Xml => {
            let text = UTF_16LE.decode_without_bom_handling(&bytes).0;
            Value::Text(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
        }
        WireForm::Narrow(e) => Value::Text(e.decode_without_bom_handling(&bytes).0.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::codes::SQL_C_SLONG;
    use super::*;

    /// A wire that hands the value over in reads of the given sizes (cycled), announcing the
    /// total when `known`.
    struct Wire {
        bytes: Vec<u8>,
        at: usize,
        cuts: Vec<usize>,
        next_cut: usize,
        known: bool,
    }

    impl Wire {
        fn new(bytes: Vec<u8>, cuts: &[usize], known: bool) -> Self {
            Wire {
                bytes,
                at: 0,
                cuts: cuts.to_vec(),
                next_cut: 0,
                known,
            }
        }

        fn read(&mut self, out: &mut [u8]) -> Result<WireRead, ConvertError> {
            let cut = self.cuts[self.next_cut % self.cuts.len()];
            self.next_cut += 1;
            let n = cut.min(out.len()).min(self.bytes.len() - self.at);
            out[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            let left = (self.bytes.len() - self.at) as u64;
            Ok(WireRead {
                read: n,
                // Like a PLP stream: the end shows on the read after the last byte.
                end: n == 0,
                left: self.known.then_some(left),
            })
        }
    }

    /// Every part of the value through `buffer_len`-byte buffers: (indicator, bytes, 01004).
    fn read_all(
        long: &mut LongValue,
        wire: &mut Wire,
        buffer_len: usize,
    ) -> Vec<(isize, Vec<u8>, bool)> {
        let mut out = Vec::new();
        while !long.is_done() {
            let mut buffer = vec![0xAAu8; buffer_len];
            let w = long
                .next_part(&mut buffer, &mut |b: &mut [u8]| wire.read(b))
                .unwrap();
            let term = long.unit;
            let mut data = buffer[..w.consumed].to_vec();
            if w.consumed + term <= buffer_len {
                assert!(
                    buffer[w.consumed..w.consumed + term]
                        .iter()
                        .all(|&b| b == 0)
                );
            }
            if term == 0 {
                data.truncate(w.consumed);
            }
            out.push((
                w.indicator,
                data,
                w.warning == Some(Warning::StringTruncated),
            ));
            assert!(out.len() < 100_000, "no progress");
        }
        out
    }

    fn joined(parts: &[(isize, Vec<u8>, bool)]) -> Vec<u8> {
        parts.iter().flat_map(|p| p.1.clone()).collect()
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    const TEXT: &str = "a😀bé€x𝄞ñ中😀😀zÿ";

    #[test]
    fn utf16_into_char_survives_every_wire_cut() {
        let wire_bytes = utf16(TEXT);
        for cut in 1..=9 {
            for buffer_len in [2, 3, 4, 5, 7, 64] {
                for known in [true, false] {
                    let mut wire = Wire::new(wire_bytes.clone(), &[cut], known);
                    let mut long =
                        LongValue::new(WireForm::Utf16, SQL_C_CHAR, CharEncoding::Utf8).unwrap();
                    let parts = read_all(&mut long, &mut wire, buffer_len);
                    assert_eq!(
                        joined(&parts),
                        TEXT.as_bytes(),
                        "cut {cut} buffer {buffer_len}"
                    );
                    let last = parts.last().unwrap();
                    assert!(!last.2);
                    assert_eq!(last.0 as usize, last.1.len());
                    assert!(parts[..parts.len() - 1].iter().all(|p| p.2));
                }
            }
        }
    }

    #[test]
    fn utf16_into_wchar_is_copied_and_counts_exactly() {
        let wire_bytes = utf16(TEXT);
        for cut in [1, 2, 3, 5, 8, 1000] {
            let mut wire = Wire::new(wire_bytes.clone(), &[cut], true);
            let mut long =
                LongValue::new(WireForm::Utf16, SQL_C_WCHAR, CharEncoding::Utf8).unwrap();
            let parts = read_all(&mut long, &mut wire, 6);
            assert_eq!(joined(&parts), wire_bytes);
            // Known length: StrLen_or_Ind is what remained before each call.
            let mut remaining = wire_bytes.len();
            for (ind, data, _) in &parts {
                assert_eq!(*ind as usize, remaining);
                assert_eq!(data.len() % 2, 0);
                remaining -= data.len();
            }
        }
    }

    #[test]
    fn unknown_length_text_says_no_total_until_the_last_part() {
        let wire_bytes = utf16(TEXT);
        let mut wire = Wire::new(wire_bytes, &[3], false);
        let mut long = LongValue::new(WireForm::Utf16, SQL_C_WCHAR, CharEncoding::Utf8).unwrap();
        let parts = read_all(&mut long, &mut wire, 1024);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].0 as usize, utf16(TEXT).len());
        let mut wire = Wire::new(utf16(TEXT), &[300], false);
        let mut long = LongValue::new(WireForm::Utf16, SQL_C_CHAR, CharEncoding::Utf8).unwrap();
        let long_text: String = TEXT.repeat(200);
        wire.bytes = utf16(&long_text);
        let parts = read_all(&mut long, &mut wire, 100);
        assert!(
            parts[..parts.len() - 1]
                .iter()
                .all(|p| p.0 == NO_TOTAL && p.2)
        );
        assert_eq!(joined(&parts), long_text.as_bytes());
    }

    #[test]
    fn code_page_text_into_char_and_wchar() {
        // Windows-1252: é is E9, € is 80.
        let wire_bytes = vec![b'a', 0xE9, 0x80, b'z'];
        let mut wire = Wire::new(wire_bytes.clone(), &[1], true);
        let mut long = LongValue::new(
            WireForm::Narrow(WINDOWS_1252),
            SQL_C_CHAR,
            CharEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(
            joined(&read_all(&mut long, &mut wire, 2)),
            "aé€z".as_bytes()
        );
        let mut wire = Wire::new(wire_bytes.clone(), &[1], true);
        let mut long = LongValue::new(
            WireForm::Narrow(WINDOWS_1252),
            SQL_C_WCHAR,
            CharEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(joined(&read_all(&mut long, &mut wire, 4)), utf16("aé€z"));
        // The same code page on both sides is a copy with an exact length.
        let mut wire = Wire::new(wire_bytes.clone(), &[1], true);
        let mut long = LongValue::new(
            WireForm::Narrow(WINDOWS_1252),
            SQL_C_CHAR,
            CharEncoding::Latin1,
        )
        .unwrap();
        let parts = read_all(&mut long, &mut wire, 3);
        assert_eq!(joined(&parts), wire_bytes);
        assert_eq!(parts[0].0, 4);
        // UTF-16 into a Latin-1 SQL_C_CHAR: ? for what Windows-1252 lacks.
        let mut wire = Wire::new(utf16("é😀€"), &[3], true);
        let mut long = LongValue::new(WireForm::Utf16, SQL_C_CHAR, CharEncoding::Latin1).unwrap();
        assert_eq!(
            joined(&read_all(&mut long, &mut wire, 2)),
            vec![0xE9, b'?', 0x80]
        );
    }

    #[test]
    fn binary_copies_and_hexes_whole_bytes() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let mut wire = Wire::new(bytes.clone(), &[7], true);
        let mut long = LongValue::new(WireForm::Binary, SQL_C_BINARY, CharEncoding::Utf8).unwrap();
        let parts = read_all(&mut long, &mut wire, 10);
        assert_eq!(joined(&parts), bytes);
        assert_eq!(parts[0].0, 256);
        assert_eq!(parts[1].0, 246);
        let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        let mut wire = Wire::new(bytes.clone(), &[5], true);
        let mut long = LongValue::new(WireForm::Binary, SQL_C_CHAR, CharEncoding::Utf8).unwrap();
        // Room for 4 characters: two whole bytes a part.
        let parts = read_all(&mut long, &mut wire, 5);
        assert!(parts.iter().all(|p| p.1.len() % 2 == 0));
        assert_eq!(parts[0].0, 512);
        assert_eq!(joined(&parts), hex.as_bytes());
        let mut wire = Wire::new(bytes, &[5], true);
        let mut long = LongValue::new(WireForm::Binary, SQL_C_WCHAR, CharEncoding::Utf8).unwrap();
        assert_eq!(joined(&read_all(&mut long, &mut wire, 7)), utf16(&hex));
    }

    #[test]
    fn xml_byte_order_mark_is_dropped_for_text_and_kept_for_binary() {
        let with_bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(utf16("<a>é</a>")).collect();
        for wire_bytes in [with_bom.clone(), utf16("<a>é</a>")] {
            let mut wire = Wire::new(wire_bytes.clone(), &[1], true);
            let mut long = LongValue::new(WireForm::Xml, SQL_C_WCHAR, CharEncoding::Utf8).unwrap();
            let parts = read_all(&mut long, &mut wire, 4);
            assert_eq!(joined(&parts), utf16("<a>é</a>"));
            assert_eq!(parts[0].0, 16);
            let mut wire = Wire::new(wire_bytes.clone(), &[3], true);
            let mut long = LongValue::new(WireForm::Xml, SQL_C_CHAR, CharEncoding::Utf8).unwrap();
            assert_eq!(
                joined(&read_all(&mut long, &mut wire, 3)),
                "<a>é</a>".as_bytes()
            );
            let mut wire = Wire::new(wire_bytes, &[1], true);
            let mut long = LongValue::new(WireForm::Xml, SQL_C_BINARY, CharEncoding::Utf8).unwrap();
            assert_eq!(joined(&read_all(&mut long, &mut wire, 5)), with_bom);
        }
    }

    #[test]
    fn empty_values_and_empty_buffers() {
        for target in [SQL_C_CHAR, SQL_C_WCHAR, SQL_C_BINARY] {
            let mut wire = Wire::new(Vec::new(), &[4], true);
            let mut long = LongValue::new(WireForm::Utf16, target, CharEncoding::Utf8).unwrap();
            let parts = read_all(&mut long, &mut wire, 8);
            assert_eq!(parts, vec![(0, Vec::new(), false)]);
        }
        // A buffer with no room reports the length and consumes nothing.
        let mut wire = Wire::new(utf16("abc"), &[4], true);
        let mut long = LongValue::new(WireForm::Utf16, SQL_C_WCHAR, CharEncoding::Utf8).unwrap();
        let mut none = [0u8; 0];
        let w = long
            .next_part(&mut none, &mut |b: &mut [u8]| wire.read(b))
            .unwrap();
        assert_eq!((w.indicator, w.consumed), (6, 0));
        assert_eq!(w.warning, Some(Warning::StringTruncated));
        assert_eq!(joined(&read_all(&mut long, &mut wire, 64)), utf16("abc"));
    }

    #[test]
    fn numbers_and_dates_need_the_whole_value() {
        assert!(LongValue::new(WireForm::Utf16, SQL_C_SLONG, CharEncoding::Utf8).is_none());
        assert_eq!(
            whole_value(utf16("12"), WireForm::Utf16),
            Value::Text("12".into())
        );
        assert_eq!(
            whole_value([0xFF, 0xFE, b'<', 0].to_vec(), WireForm::Xml),
            Value::Text("<".into())
        );
    }
}
