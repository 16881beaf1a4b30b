//! A logged-in session: the reader (requests and ATTENTION), the engine thread (runs requests,
//! encodes events as they come) and the writer (socket), joined by channels so that rows
//! stream with back-pressure and ATTENTION is seen while a request runs.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, ReadHalf};
use tokio::sync::{Notify, mpsc};

use crate::sql::{Column, DoneKind, EnvChange, Event, EventSink, SqlValue};

use super::engine::{Session, SessionInfo};

use super::connection::Transport;
use super::faults::{self, Control, SessionFaults};
use super::packet::{self, Message};
use super::requests::{self, RpcCall};
use super::tokens::{self, MessageToken};
use super::{Server, truncate};

/// What the session knows from login (needed again to reset the connection).
pub struct Initial {
    pub database: String,
    pub user: String,
    pub app: String,
    pub host: String,
    pub packet_size: usize,
    pub spid: u16,
    /// Facts for sys.dm_exec_connections, restored after a connection reset.
    pub facts: crate::sql::ConnectionFacts,
}

impl Initial {
    fn info(&self, server: &Server) -> SessionInfo {
        SessionInfo {
            user: self.user.clone(),
            spid: self.spid,
            app: self.app.clone(),
            host: self.host.clone(),
            server_name: server.config.server_name.clone(),
            babelfish: false,
        }
    }
}

enum Job {
    Batch {
        sql: String,
        reset: bool,
    },
    Rpc {
        calls: Vec<RpcCall>,
        reset: bool,
    },
    Transaction {
        request: crate::sql::TmRequest,
        reset: bool,
    },
    /// A request the client abandoned mid-send: answer DONE, run nothing.
    Ignored,
    /// A request we could not decode: answer with an error, keep the session.
    BadRequest(String),
    Attention,
}

enum Frame {
    Bytes(Vec<u8>),
    /// Close the connection abruptly (fault injection).
    Kill,
}

/// State both sides of the session watch.
#[derive(Default)]
struct Shared {
    attention: AtomicBool,
    gone: AtomicBool,
    kill: Notify,
}

pub async fn run(
    server: Arc<Server>,
    transport: Transport,
    session: Session,
    initial: Initial,
) -> std::io::Result<()> {
    let (reader, mut writer) = tokio::io::split(transport);
    let shared = Arc::new(Shared::default());
    let (frames_tx, mut frames_rx) = mpsc::channel::<Frame>(16);
    let (jobs_tx, jobs_rx) = std_mpsc::channel::<Job>();
    let faults = SessionFaults::from_config(&server.config.faults);
    let spid = initial.spid;

    let writer_shared = shared.clone();
    let writer_task = tokio::spawn(async move {
        while let Some(frame) = frames_rx.recv().await {
            let ok = match frame {
                Frame::Bytes(bytes) => {
                    writer.write_all(&bytes).await.is_ok() && writer.flush().await.is_ok()
                }
                Frame::Kill => false,
            };
            if !ok {
                break;
            }
        }
        writer_shared.gone.store(true, Ordering::SeqCst);
        writer_shared.kill.notify_one();
    });

    let engine_shared = shared.clone();
    let engine_server = server.clone();
    std::thread::Builder::new()
        .name(format!("session-{spid}"))
        .spawn(move || {
            let out = Out::new(frames_tx, initial.packet_size, spid);
            if let Some(lifetime) = faults.lifetime {
                out.kill_after(lifetime);
            }
            let mut engine = Engine {
                server: engine_server,
                session,
                initial,
                shared: engine_shared,
                out,
                faults,
            };
            for job in jobs_rx {
                engine.handle(job);
            }
        })?;

    read_requests(&server, reader, &shared, jobs_tx, spid).await;
    shared.gone.store(true, Ordering::SeqCst);
    writer_task.abort();
    tracing::debug!(spid, "session ended");
    Ok(())
}

async fn read_requests(
    server: &Server,
    mut reader: ReadHalf<Transport>,
    shared: &Shared,
    jobs: std_mpsc::Sender<Job>,
    spid: u16,
) {
    loop {
        let message = tokio::select! {
            m = packet::read_message(&mut reader, server.config.max_message_bytes) => m,
            _ = shared.kill.notified() => {
                tracing::debug!(spid, "connection closed by the server (fault)");
                return;
            }
        };
        let message = match message {
            Ok(Some(m)) => m,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(spid, "read failed: {e}");
                return;
            }
        };
        if message.kind == packet::ATTENTION {
            tracing::debug!(spid, "attention");
            shared.attention.store(true, Ordering::SeqCst);
        }
        if jobs.send(decode(&message, spid)).is_err() {
            return;
        }
    }
}

fn decode(message: &Message, spid: u16) -> Job {
    let reset = message.resets_connection();
    let result = match message.kind {
        packet::ATTENTION => return Job::Attention,
        _ if message.ignored => {
            tracing::debug!(spid, kind = message.kind, "request abandoned by the client (IGNORE)");
            return Job::Ignored;
        }
        packet::SQL_BATCH => requests::sql_batch(&message.payload).map(|(_, sql)| {
            tracing::debug!(spid, reset, "batch: {}", truncate(&sql, 500));
            Job::Batch { sql, reset }
        }),
        packet::RPC => requests::rpc(&message.payload).map(|(_, calls)| {
            tracing::debug!(spid, reset, "rpc: {}", requests::describe_rpc(&calls));
            Job::Rpc { calls, reset }
        }),
        packet::TRANSACTION_MANAGER => requests::transaction_manager(&message.payload).map(|(h, request)| {
            tracing::debug!(spid, reset, descriptor = ?h.transaction_descriptor, "transaction manager: {request:?}");
            Job::Transaction { request, reset }
        }),
        other => Err(format!("packet type 0x{other:02X} is not a request")),
    };
    result.unwrap_or_else(|e| {
        let head: String = message
            .payload
            .iter()
            .take(400)
            .map(|b| format!("{b:02x}"))
            .collect();
        tracing::debug!(
            spid,
            kind = message.kind,
            "bad request: {e}; payload starts {head}"
        );
        Job::BadRequest(e)
    })
}

/// Response bytes on their way to the writer, cut into packets.
struct Out {
    buf: Vec<u8>,
    packet_size: usize,
    spid: u16,
    packet_id: u8,
    tx: mpsc::Sender<Frame>,
}

/// Send once this many bytes are waiting (a few packets at a time keeps syscalls down while
/// rows still stream).
const FLUSH_AT: usize = 16 * 1024;

impl Out {
    fn new(tx: mpsc::Sender<Frame>, packet_size: usize, spid: u16) -> Self {
        Out {
            buf: Vec::with_capacity(FLUSH_AT * 2),
            packet_size,
            spid,
            packet_id: 0,
            tx,
        }
    }

    /// Sends whole packets, keeping the tail for the final EOM packet. False: client gone.
    fn flush_full(&mut self) -> bool {
        let room = self.packet_size - packet::HEADER_LEN;
        if self.buf.len() < FLUSH_AT.max(room + 1) {
            return true;
        }
        let whole = (self.buf.len() - 1) / room * room;
        let mut frames = Vec::with_capacity(whole + whole / room * packet::HEADER_LEN);
        packet::frame(
            packet::TABULAR_RESULT,
            &self.buf[..whole],
            self.packet_size,
            false,
            self.spid,
            &mut self.packet_id,
            &mut frames,
        );
        self.buf.drain(..whole);
        self.tx.blocking_send(Frame::Bytes(frames)).is_ok()
    }

    /// Sends the rest with EOM: the response message is complete.
    fn end(&mut self) -> bool {
        let mut frames = Vec::new();
        packet::frame(
            packet::TABULAR_RESULT,
            &self.buf,
            self.packet_size,
            true,
            self.spid,
            &mut self.packet_id,
            &mut frames,
        );
        self.buf.clear();
        self.tx.blocking_send(Frame::Bytes(frames)).is_ok()
    }

    fn kill(&mut self) {
        let _ = self.tx.blocking_send(Frame::Kill);
    }

    /// Sends what is buffered without EOM: the client sees a response cut short.
    fn cut_short(&mut self) {
        let mut frames = Vec::new();
        if !self.buf.is_empty() {
            packet::frame(
                packet::TABULAR_RESULT,
                &self.buf,
                self.packet_size,
                false,
                self.spid,
                &mut self.packet_id,
                &mut frames,
            );
        }
        self.buf.clear();
        let _ = self.tx.blocking_send(Frame::Bytes(frames));
    }

    /// Closes the connection after `delay` (session expiry fault).
    fn kill_after(&self, delay: Duration) {
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let _ = tx.blocking_send(Frame::Kill);
        });
    }
}

struct Engine {
    server: Arc<Server>,
    session: Session,
    initial: Initial,
    shared: Arc<Shared>,
    out: Out,
    faults: SessionFaults,
}

impl Engine {
    fn handle(&mut self, job: Job) {
        if self.shared.gone.load(Ordering::SeqCst) {
            return;
        }
        let reset = match &job {
            Job::Batch { reset, .. } | Job::Rpc { reset, .. } | Job::Transaction { reset, .. } => {
                *reset
            }
            _ => false,
        };
        if reset {
            self.reset();
        }
        // Fault controls are not stalled, so a test can clear a stall without waiting it out.
        let control =
            matches!(&job, Job::Batch { sql, .. } if faults::parse_control(sql).is_some());
        if !self.faults.stall.is_zero() && !matches!(job, Job::Attention) && !control {
            self.stall();
        }
        let spid = self.initial.spid;
        let in_transaction = self.session.transaction_descriptor() != 0;
        let mut sink = Sink::new(
            &mut self.out,
            &self.shared,
            &self.server,
            &mut self.faults,
            spid,
        );
        sink.in_transaction = in_transaction;
        match job {
            Job::Attention => {
                // Attention after the request had already finished: acknowledge alone.
                if self.shared.attention.swap(false, Ordering::SeqCst) {
                    tokens::done(&mut self.out.buf, DoneKind::Done, tokens::DONE_ATTN, 0, 0);
                    self.out.end();
                }
                return;
            }
            Job::Batch { sql, .. } => match faults::parse_control(&sql) {
                Some(control) => {
                    sink.control(control);
                    // The engine answers SERVERPROPERTY('Babelfish') from its session info.
                    self.session.info.babelfish = sink.faults.babelfish;
                }
                None => self.session.execute_batch(&sql, &mut sink),
            },
            Job::Rpc { calls, .. } => {
                let n = calls.len();
                for (i, call) in calls.into_iter().enumerate() {
                    sink.force_more = i + 1 < n;
                    self.session
                        .execute_rpc(&call.target, call.params, &mut sink);
                    if sink.stopped {
                        break;
                    }
                    if n > 1
                        && sink
                            .faults
                            .drop_after_rpcs
                            .is_some_and(|k| i as u64 + 1 >= k)
                    {
                        tracing::debug!(spid, rpcs = i + 1, "dropping the connection (fault)");
                        sink.out.cut_short();
                        sink.killed = true;
                        break;
                    }
                }
            }
            Job::Transaction { request, .. } => self.session.transaction(request, &mut sink),
            Job::Ignored => {}
            Job::BadRequest(text) => {
                sink.error(8009, 1, 16, &text);
                let _ = sink.encode(Event::Done {
                    kind: DoneKind::Done,
                    row_count: None,
                    error: true,
                    more: false,
                });
            }
        }
        let (ended, killed) = (sink.ended, sink.killed);
        if killed {
            self.out.kill();
            return;
        }
        if self.shared.attention.swap(false, Ordering::SeqCst) {
            tokens::done(&mut self.out.buf, DoneKind::Done, tokens::DONE_ATTN, 0, 0);
        } else if !ended {
            // The engine must end with a final DONE; never leave the client waiting.
            tokens::done(&mut self.out.buf, DoneKind::Done, 0, 0, 0);
        }
        if !self.out.end() {
            self.shared.gone.store(true, Ordering::SeqCst);
        }
    }

    /// The stall fault: waits like a long query, but ATTENTION ends the wait.
    fn stall(&self) {
        let until = std::time::Instant::now() + self.faults.stall;
        while std::time::Instant::now() < until && !self.shared.attention.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// RESETCONNECTION: a fresh session in the login database, acknowledged by ENVCHANGE 18.
    fn reset(&mut self) {
        match Session::new(
            self.server.databases.clone(),
            &self.initial.database,
            self.initial.info(&self.server),
        ) {
            Ok(mut s) => {
                s.set_connection_facts(self.initial.facts.clone());
                s.info.babelfish = self.faults.babelfish;
                self.session = s
            }
            Err(e) => tracing::warn!(spid = self.initial.spid, "reset failed: {e:#}"),
        }
        tokens::env_bytes(&mut self.out.buf, 18, &[], &[]);
    }
}

/// Encodes engine events into the response, stops the engine on ATTENTION or a lost client,
/// and applies row faults.
struct Sink<'a> {
    out: &'a mut Out,
    shared: &'a Shared,
    server: &'a Server,
    faults: &'a mut SessionFaults,
    spid: u16,
    columns: Vec<Column>,
    rows: u64,
    /// Set MORE on the final DONEPROC (all RPCs of a batch but the last).
    force_more: bool,
    /// A transaction is open (DONE_INXACT), followed through the ENVCHANGEs.
    in_transaction: bool,
    /// A final DONE/DONEPROC went out.
    ended: bool,
    /// The engine was told to stop.
    stopped: bool,
    /// The socket must be closed (fault).
    killed: bool,
}

impl<'a> Sink<'a> {
    fn new(
        out: &'a mut Out,
        shared: &'a Shared,
        server: &'a Server,
        faults: &'a mut SessionFaults,
        spid: u16,
    ) -> Self {
        Sink {
            out,
            shared,
            server,
            faults,
            spid,
            columns: Vec::new(),
            rows: 0,
            force_more: false,
            ended: false,
            in_transaction: false,
            stopped: false,
            killed: false,
        }
    }

    fn error(&mut self, number: i32, state: u8, class: u8, text: &str) {
        tokens::message(
            &mut self.out.buf,
            &MessageToken {
                number,
                state,
                class,
                text,
                server: &self.server.config.server_name,
                procedure: "",
                line: 1,
            },
        );
    }

    fn control(&mut self, control: Result<Control, String>) {
        match control {
            Ok(c) => {
                tracing::debug!(spid = self.spid, "fault control: {c:?}");
                match c {
                    Control::DropAfterRows(n) => self.faults.drop_after_rows = Some(n),
                    Control::MalformedAfterRows(n) => self.faults.malformed_after_rows = Some(n),
                    Control::StallMs(ms) => self.faults.stall = Duration::from_millis(ms),
                    Control::ExpireAfterMs(ms) => self.out.kill_after(Duration::from_millis(ms)),
                    Control::DropAfterRpcs(n) => self.faults.drop_after_rpcs = Some(n),
                    Control::RpcBatchUnmarked(on) => self.faults.rpc_batch_unmarked = on,
                    Control::Babelfish(on) => {
                        self.faults.babelfish = on;
                        self.faults.rpc_batch_unmarked = on;
                    }
                    Control::Clear => {
                        *self.faults = SessionFaults::from_config(&self.server.config.faults)
                    }
                }
                let _ = self.encode(Event::Done {
                    kind: DoneKind::Done,
                    row_count: None,
                    error: false,
                    more: false,
                });
            }
            Err(text) => {
                self.error(50000, 1, 16, &text);
                let _ = self.encode(Event::Done {
                    kind: DoneKind::Done,
                    row_count: None,
                    error: true,
                    more: false,
                });
            }
        }
    }

    fn encode(&mut self, event: Event) -> ControlFlow<()> {
        let buf = &mut self.out.buf;
        match event {
            Event::Columns(columns) => {
                tokens::col_metadata(buf, &columns);
                self.columns = columns;
            }
            Event::Row(values) => {
                if let Err(e) = tokens::row(buf, &self.columns, &values) {
                    tracing::error!(
                        spid = self.spid,
                        "engine row does not match its columns: {e}"
                    );
                    self.error(
                        50000,
                        1,
                        16,
                        &format!("testserver: cannot encode a row: {e}"),
                    );
                    tokens::done(&mut self.out.buf, DoneKind::Done, tokens::DONE_ERROR, 0, 0);
                    self.ended = true;
                    return ControlFlow::Break(());
                }
                self.rows += 1;
                return self.row_faults();
            }
            Event::Done {
                kind,
                row_count,
                error,
                more,
            } => {
                let mut status = 0;
                if more {
                    status |= tokens::DONE_MORE;
                }
                // SQL Server ends every RPC of a batched message but the last with
                // DONE_MORE | DONE_RPCINBATCH on its final DONEPROC; clients count the
                // batch's RPCs by it.
                if self.force_more && kind != DoneKind::DoneInProc && !more {
                    status |= tokens::DONE_MORE;
                    if !self.faults.rpc_batch_unmarked {
                        status |= tokens::DONE_RPCINBATCH;
                    }
                }
                if error {
                    status |= tokens::DONE_ERROR;
                }
                if row_count.is_some() {
                    status |= tokens::DONE_COUNT;
                }
                if self.in_transaction {
                    status |= tokens::DONE_INXACT;
                }
                let cur_cmd = if self.columns.is_empty() { 0 } else { 0xC1 };
                tokens::done(buf, kind, status, cur_cmd, row_count.unwrap_or(0));
                if kind != DoneKind::DoneInProc && status & tokens::DONE_MORE == 0 {
                    self.ended = true;
                }
            }
            Event::Message {
                number,
                state,
                class,
                text,
                procedure,
                line,
            } => {
                let server = &self.server.config.server_name;
                tokens::message(
                    buf,
                    &MessageToken {
                        number,
                        state,
                        class,
                        text: &text,
                        server,
                        procedure: &procedure,
                        line,
                    },
                );
            }
            Event::ReturnStatus(status) => tokens::return_status(buf, status),
            Event::ReturnValue {
                ordinal,
                name,
                ty,
                value,
            } => {
                if let Err(e) = tokens::return_value(buf, ordinal, &name, &ty, &value) {
                    tracing::error!(
                        spid = self.spid,
                        "engine return value does not match its type: {e}"
                    );
                    let _ = tokens::return_value(
                        &mut self.out.buf,
                        ordinal,
                        &name,
                        &ty,
                        &SqlValue::Null,
                    );
                }
            }
            Event::EnvChange(change) => match change {
                EnvChange::Database { new, old } => {
                    tokens::env_string(buf, tokens::ENV_DATABASE, &new, &old)
                }
                EnvChange::Language { new, old } => {
                    tokens::env_string(buf, tokens::ENV_LANGUAGE, &new, &old)
                }
                EnvChange::BeginTransaction(d) => {
                    self.in_transaction = true;
                    tokens::env_bytes(buf, tokens::ENV_BEGIN_TRAN, &d.to_le_bytes(), &[])
                }
                EnvChange::CommitTransaction(d) => {
                    self.in_transaction = false;
                    tokens::env_bytes(buf, tokens::ENV_COMMIT_TRAN, &[], &d.to_le_bytes())
                }
                EnvChange::RollbackTransaction(d) => {
                    self.in_transaction = false;
                    tokens::env_bytes(buf, tokens::ENV_ROLLBACK_TRAN, &[], &d.to_le_bytes())
                }
            },
        }
        ControlFlow::Continue(())
    }

    fn row_faults(&mut self) -> ControlFlow<()> {
        if self.faults.drop_after_rows.is_some_and(|n| self.rows >= n) {
            tracing::debug!(
                spid = self.spid,
                rows = self.rows,
                "dropping the connection (fault)"
            );
            self.out.cut_short();
            self.killed = true;
            return ControlFlow::Break(());
        }
        if self
            .faults
            .malformed_after_rows
            .is_some_and(|n| self.rows >= n)
        {
            tracing::debug!(
                spid = self.spid,
                rows = self.rows,
                "sending a malformed token (fault)"
            );
            // Garbage where a token should start, then the socket closes: a corrupt stream
            // must end in an error on every client, never in a wait for bytes never sent.
            self.out.buf.extend_from_slice(&[0x5A, 0xA5, 0x5A, 0xA5]);
            self.out.end();
            self.killed = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

impl EventSink for Sink<'_> {
    fn is_cancelled(&mut self) -> bool {
        self.stopped
            || self.shared.attention.load(Ordering::SeqCst)
            || self.shared.gone.load(Ordering::SeqCst)
    }

    fn send(&mut self, event: Event) -> ControlFlow<()> {
        if self.stopped
            || self.shared.attention.load(Ordering::SeqCst)
            || self.shared.gone.load(Ordering::SeqCst)
        {
            self.stopped = true;
            return ControlFlow::Break(());
        }
        let flow = self.encode(event);
        if flow.is_break() {
            self.stopped = true;
            return flow;
        }
        if !self.out.flush_full() {
            self.shared.gone.store(true, Ordering::SeqCst);
            self.stopped = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}
