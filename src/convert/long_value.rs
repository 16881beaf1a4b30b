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
