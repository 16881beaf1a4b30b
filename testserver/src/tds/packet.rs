//! TDS packets: the 8-byte header, reading whole messages, splitting responses into packets.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

pub const HEADER_LEN: usize = 8;

// Packet types (MS-TDS 2.2.3.1.1).
pub const SQL_BATCH: u8 = 0x01;
pub const RPC: u8 = 0x03;
pub const TABULAR_RESULT: u8 = 0x04;
pub const ATTENTION: u8 = 0x06;
pub const FEDAUTH_TOKEN: u8 = 0x08;
pub const TRANSACTION_MANAGER: u8 = 0x0E;
pub const LOGIN7: u8 = 0x10;
pub const PRELOGIN: u8 = 0x12;

// Packet status bits.
pub const STATUS_EOM: u8 = 0x01;
pub const STATUS_IGNORE: u8 = 0x02;
pub const STATUS_RESET_CONNECTION: u8 = 0x08;
pub const STATUS_RESET_CONNECTION_SKIP_TRAN: u8 = 0x10;

/// One client message (one or more packets up to EOM).
#[derive(Debug)]
pub struct Message {
    pub kind: u8,
    /// Status of the first packet (carries the reset-connection bits).
    pub status: u8,
    pub payload: Vec<u8>,
    /// The client abandoned the message while sending it (IGNORE bit on the last packet):
    /// the server answers a single DONE and runs nothing.
    pub ignored: bool,
}

impl Message {
    pub fn resets_connection(&self) -> bool {
        self.status & (STATUS_RESET_CONNECTION | STATUS_RESET_CONNECTION_SKIP_TRAN) != 0
    }
}

/// Reads one message. `Ok(None)` when the peer closed the connection between messages.
pub async fn read_message<R: AsyncRead + Unpin>(
    r: &mut R,
    max_bytes: usize,
) -> io::Result<Option<Message>> {
    let mut message: Option<Message> = None;
    loop {
        let mut header = [0u8; HEADER_LEN];
        if let Err(e) = r.read_exact(&mut header).await {
            if e.kind() == io::ErrorKind::UnexpectedEof && message.is_none() {
                return Ok(None);
            }
            return Err(e);
        }
        let (kind, status) = (header[0], header[1]);
        let length = u16::from_be_bytes([header[2], header[3]]) as usize;
        if length < HEADER_LEN {
            return Err(invalid(format!(
                "packet length {length} shorter than its header"
            )));
        }
        let msg = message.get_or_insert_with(|| Message {
            kind,
            status,
            payload: Vec::new(),
            ignored: false,
        });
        if msg.kind != kind {
            return Err(invalid(format!(
                "packet type 0x{kind:02X} inside a message of type 0x{:02X}",
                msg.kind
            )));
        }
        if msg.payload.len() + length > max_bytes {
            return Err(invalid(format!("message larger than {max_bytes} bytes")));
        }
        let start = msg.payload.len();
        msg.payload.resize(start + length - HEADER_LEN, 0);
        r.read_exact(&mut msg.payload[start..]).await?;
        // ATTENTION is a header-only message; some clients omit EOM on it.
        if status & STATUS_EOM != 0 || kind == ATTENTION {
            msg.ignored = status & STATUS_IGNORE != 0;
            return Ok(message);
        }
    }
}

pub fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Splits a response into packets of at most `packet_size` bytes; the last one carries EOM
/// when `end` is set.
pub fn frame(
    kind: u8,
    payload: &[u8],
    packet_size: usize,
    end: bool,
    spid: u16,
    id: &mut u8,
    out: &mut Vec<u8>,
) {
    let room = packet_size - HEADER_LEN;
    let mut chunks = payload.chunks(room).peekable();
    if payload.is_empty() {
        push_packet(kind, &[], end, spid, id, out);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        push_packet(kind, chunk, end && last, spid, id, out);
    }
}

fn push_packet(kind: u8, chunk: &[u8], eom: bool, spid: u16, id: &mut u8, out: &mut Vec<u8>) {
    let len = (chunk.len() + HEADER_LEN) as u16;
    out.push(kind);
    out.push(if eom { STATUS_EOM } else { 0 });
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&spid.to_be_bytes());
    *id = id.wrapping_add(1);
    out.push(*id);
    out.push(0);
    out.extend_from_slice(chunk);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(kind: u8, status: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![kind, status];
        p.extend_from_slice(&((payload.len() + HEADER_LEN) as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0, 1, 0]);
        p.extend_from_slice(payload);
        p
    }

    #[tokio::test]
    async fn messages_span_packets_and_the_ignore_bit_abandons_one() {
        let mut wire = packet(SQL_BATCH, 0, b"ab");
        wire.extend(packet(SQL_BATCH, STATUS_EOM, b"cd"));
        wire.extend(packet(RPC, 0, b"xx"));
        wire.extend(packet(RPC, STATUS_EOM | STATUS_IGNORE, b""));
        let mut r = &wire[..];
        let first = read_message(&mut r, 1 << 20).await.unwrap().unwrap();
        assert_eq!((first.kind, first.payload.as_slice(), first.ignored), (SQL_BATCH, &b"abcd"[..], false));
        let second = read_message(&mut r, 1 << 20).await.unwrap().unwrap();
        assert!(second.ignored);
        assert!(read_message(&mut r, 1 << 20).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn oversized_and_mixed_messages_are_errors() {
        let wire = packet(SQL_BATCH, STATUS_EOM, &[0; 100]);
        assert!(read_message(&mut &wire[..], 50).await.is_err());
        let mut wire = packet(SQL_BATCH, 0, b"a");
        wire.extend(packet(RPC, STATUS_EOM, b"b"));
        assert!(read_message(&mut &wire[..], 1 << 20).await.is_err());
    }

    #[test]
    fn frame_splits_at_packet_size_and_marks_the_last() {
        let mut out = Vec::new();
        let mut id = 0;
        frame(TABULAR_RESULT, &[7; 20], 16, true, 51, &mut id, &mut out);
        assert_eq!(out.len(), 20 + 3 * HEADER_LEN);
        assert_eq!(out[1], 0); // first packet: not EOM
        assert_eq!(&out[4..6], &51u16.to_be_bytes());
        let last = 2 * 16;
        assert_eq!(out[last + 1], STATUS_EOM);
    }
}
