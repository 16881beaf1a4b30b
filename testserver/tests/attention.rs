//! ATTENTION at byte level (MS-TDS 2.2.1.7, 3.3.5.9): a request interrupted by the client is
//! answered by a DONE token with DONE_ATTN and nothing after it; an attention that arrives after
//! the request finished is acknowledged alone; the session stays usable.

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{receive, send, sql_batch};

const ATTENTION: u8 = 0x06;
const SQL_BATCH: u8 = 0x01;
const DONE: u8 = 0xFD;
const DONE_ATTN: u16 = 0x0020;

fn logged_in(server: &common::Server) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    send(&mut stream, 0x12, &common::prelogin());
    receive(&mut stream);
    send(
        &mut stream,
        0x10,
        &common::login7("testuser", "Test-Passw0rd!", None),
    );
    let response = receive(&mut stream);
    assert!(
        common::contains(&response, &common::utf16("Microsoft SQL Server")),
        "LOGINACK expected"
    );
    stream
}

/// The status of the last token when the message is a lone DONE.
fn lone_done_status(message: &[u8]) -> Option<u16> {
    (message.len() == 13 && message[0] == DONE)
        .then(|| u16::from_le_bytes([message[1], message[2]]))
}

#[test]
fn attention_during_a_request_is_acknowledged_with_done_attn() {
    let server = common::start("attention-test", "encryption = \"not-supported\"\n");
    let mut stream = logged_in(&server);

    send(
        &mut stream,
        SQL_BATCH,
        &sql_batch("WAITFOR DELAY '00:00:10'"),
    );
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    send(&mut stream, ATTENTION, &[]);
    let ack = receive(&mut stream);
    assert!(sent.elapsed() < Duration::from_secs(2), "acknowledged late");
    assert_eq!(lone_done_status(&ack), Some(DONE_ATTN), "ack: {ack:02x?}");

    // The session serves the next request.
    send(&mut stream, SQL_BATCH, &sql_batch("SELECT 42"));
    let rows = receive(&mut stream);
    assert_eq!(rows[0], 0x81, "COLMETADATA expected: {rows:02x?}");
}

#[test]
fn attention_after_the_request_finished_is_acknowledged_alone() {
    let server = common::start("attention-late-test", "encryption = \"not-supported\"\n");
    let mut stream = logged_in(&server);

    send(&mut stream, SQL_BATCH, &sql_batch("SELECT 1"));
    let result = receive(&mut stream);
    assert_eq!(result[0], 0x81);
    send(&mut stream, ATTENTION, &[]);
    let ack = receive(&mut stream);
    assert_eq!(lone_done_status(&ack), Some(DONE_ATTN), "ack: {ack:02x?}");
}

#[test]
fn attention_stops_a_streaming_result() {
    let server = common::start("attention-stream-test", "encryption = \"not-supported\"\n");
    let mut stream = logged_in(&server);

    send(
        &mut stream,
        SQL_BATCH,
        &sql_batch("SELECT * FROM bench.narrow(100000000)"),
    );
    std::thread::sleep(Duration::from_millis(200));
    send(&mut stream, ATTENTION, &[]);
    // Rows already on their way are read and dropped until the acknowledgement (the final
    // message ends with DONE_ATTN), well before 10^8 rows could have been sent.
    let started = Instant::now();
    loop {
        let message = receive(&mut stream);
        let tail = &message[message.len().saturating_sub(13)..];
        if tail.len() == 13
            && tail[0] == DONE
            && u16::from_le_bytes([tail[1], tail[2]]) & DONE_ATTN != 0
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no DONE_ATTN");
    }
    send(&mut stream, SQL_BATCH, &sql_batch("SELECT 7"));
    assert_eq!(receive(&mut stream)[0], 0x81);
}
