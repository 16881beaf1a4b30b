//! RPC at byte level: sp_executesql with an OUTPUT parameter answers RETURNSTATUS, RETURNVALUE
//! (name, value) and a final DONEPROC, in that order, as SQL Server does.

mod common;

use std::net::TcpStream;
use std::time::Duration;

use common::{contains, receive, send, utf16};

const RPC: u8 = 0x03;
const RETURNSTATUS: u8 = 0x79;
const RETURNVALUE: u8 = 0xAC;
const DONEPROC: u8 = 0xFE;
const SP_EXECUTESQL: u16 = 10;

/// An nvarchar(4000) parameter (no name, input).
fn nvarchar_param(text: &str) -> Vec<u8> {
    let data = utf16(text);
    let mut p = vec![0x00, 0x00, 0xE7];
    p.extend_from_slice(&8000u16.to_le_bytes());
    p.extend_from_slice(&[0x09, 0x04, 0xD0, 0x00, 0x34]); // collation
    p.extend_from_slice(&(data.len() as u16).to_le_bytes());
    p.extend_from_slice(&data);
    p
}

/// `@name int OUTPUT`, sent as NULL.
fn int_output_param(name: &str) -> Vec<u8> {
    let mut p = vec![name.encode_utf16().count() as u8];
    p.extend_from_slice(&utf16(name));
    p.extend_from_slice(&[0x01, 0x26, 4, 0]); // fByRefValue, INTN(4), NULL
    p
}

fn rpc(params: &[Vec<u8>]) -> Vec<u8> {
    let mut p = common::sql_batch(""); // ALL_HEADERS, no text
    p.extend_from_slice(&0xFFFFu16.to_le_bytes());
    p.extend_from_slice(&SP_EXECUTESQL.to_le_bytes());
    p.extend_from_slice(&0u16.to_le_bytes());
    for param in params {
        p.extend_from_slice(param);
    }
    p
}

#[test]
fn sp_executesql_output_parameter_comes_back_as_returnvalue() {
    let server = common::start("rpc-test", "encryption = \"not-supported\"\n");
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
    assert!(contains(
        &receive(&mut stream),
        &utf16("Microsoft SQL Server")
    ));

    send(
        &mut stream,
        RPC,
        &rpc(&[
            nvarchar_param("SET @x = 41 + 1"),
            nvarchar_param("@x int OUTPUT"),
            int_output_param("@x"),
        ]),
    );
    let response = receive(&mut stream);
    let status_at = response
        .iter()
        .position(|&b| b == RETURNSTATUS)
        .expect("RETURNSTATUS");
    assert_eq!(&response[status_at + 1..status_at + 5], &0i32.to_le_bytes());
    // RETURNVALUE: ordinal, name "@x", status 1 (output), user type, flags, INTN(4), 4, 42.
    // SQL Server's order: RETURNSTATUS, then the RETURNVALUEs, then DONEPROC.
    let value_at = status_at + 5;
    assert_eq!(response[value_at], RETURNVALUE, "{response:02x?}");
    let token = &response[value_at..response.len() - 13];
    assert!(
        contains(token, &[2, b'@', 0, b'x', 0, 0x01]),
        "{token:02x?}"
    );
    assert!(token.ends_with(&[0x26, 4, 4, 42, 0, 0, 0]), "{token:02x?}");
    let done = &response[response.len() - 13..];
    assert_eq!(done[0], DONEPROC, "final DONEPROC: {response:02x?}");
    assert_eq!(
        u16::from_le_bytes([done[1], done[2]]) & 0x0001,
        0,
        "no MORE bit"
    );
}

/// The final DONEPROC tokens of `response` (status of each), in order. A DONEPROC is 13 bytes
/// (token, status u16, curcmd u16, rowcount u64); only those ending an RPC are wanted, which
/// in these one-statement RPCs are all of them.
fn doneproc_statuses(response: &[u8]) -> Vec<u16> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(pos) = response[at..].iter().position(|&b| b == DONEPROC) {
        let start = at + pos;
        if start + 13 <= response.len() {
            found.push(u16::from_le_bytes([
                response[start + 1],
                response[start + 2],
            ]));
        }
        at = start + 1;
    }
    found
}

#[test]
fn batched_rpcs_end_with_rpc_in_batch_except_the_last() {
    let server = common::start("rpc-batch-test", "encryption = \"not-supported\"\n");
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
    receive(&mut stream);

    let call = |sql: &str| rpc(&[nvarchar_param(sql)]);
    let batch = || {
        let mut message = call("DECLARE @a int = 1");
        message.push(0xFF);
        message.extend_from_slice(&call("DECLARE @b int = 2")[22..]); // without ALL_HEADERS
        message.push(0xFF);
        message.extend_from_slice(&call("DECLARE @c int = 3")[22..]);
        message
    };
    send(&mut stream, RPC, &batch());
    let statuses = doneproc_statuses(&receive(&mut stream));
    assert_eq!(statuses.len(), 3, "{statuses:x?}");
    assert_eq!(statuses[0] & 0x81, 0x81, "MORE | RPCINBATCH: {statuses:x?}");
    assert_eq!(statuses[1] & 0x81, 0x81, "MORE | RPCINBATCH: {statuses:x?}");
    assert_eq!(statuses[2] & 0x81, 0, "the last is final: {statuses:x?}");

    // Babelfish's way, on demand: MORE without RPCINBATCH.
    send(
        &mut stream,
        0x01,
        &common::sql_batch("SET TESTSERVER_FAULT rpc_batch_unmarked 1"),
    );
    receive(&mut stream);
    send(&mut stream, RPC, &batch());
    let statuses = doneproc_statuses(&receive(&mut stream));
    assert_eq!(statuses.len(), 3, "{statuses:x?}");
    assert_eq!(statuses[0] & 0x81, 0x01, "{statuses:x?}");
    assert_eq!(statuses[2] & 0x81, 0, "{statuses:x?}");
}
