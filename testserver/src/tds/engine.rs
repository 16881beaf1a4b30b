//! The engine the TDS layer talks to. INTERIM: until the sql-engine branch lands its `Session`,
//! this file holds a minimal stand-in that answers `SELECT <integer>` and acknowledges
//! transactions, so drivers can be tested against the wire. Replace the body with
//! `pub use crate::sql::{Databases, Session, SessionInfo};` when merging sql-engine.

#![allow(dead_code)] // the interim engine ignores most of the contract

use crate::sql::*;

pub struct Databases;
impl Databases {
    pub fn open(
        _names: &[String],
        _dir: &std::path::Path,
    ) -> anyhow::Result<std::sync::Arc<Databases>> {
        Ok(std::sync::Arc::new(Databases))
    }
}
pub struct SessionInfo {
    pub user: String,
    pub spid: u16,
    pub app: String,
    pub host: String,
    pub server_name: String,
}
pub struct Session {
    db: String,
}
impl Session {
    pub fn new(
        _dbs: std::sync::Arc<Databases>,
        database: &str,
        _info: SessionInfo,
    ) -> anyhow::Result<Session> {
        Ok(Session {
            db: database.into(),
        })
    }
    pub fn execute_batch(&mut self, sql: &str, sink: &mut dyn EventSink) {
        let n: i64 = sql
            .trim()
            .trim_start_matches("SELECT ")
            .trim_start_matches("select ")
            .trim()
            .parse()
            .unwrap_or(0);
        let _ = sink.send(Event::Columns(vec![Column {
            name: "".into(),
            ty: SqlType::Int,
            nullable: false,
            identity: false,
        }]));
        let _ = sink.send(Event::Row(vec![SqlValue::Int(n as i32)]));
        let _ = sink.send(Event::Done {
            kind: DoneKind::Done,
            row_count: Some(1),
            error: false,
            more: false,
        });
    }
    pub fn execute_rpc(
        &mut self,
        _target: &RpcTarget,
        _params: Vec<Param>,
        sink: &mut dyn EventSink,
    ) {
        let _ = sink.send(Event::Done {
            kind: DoneKind::DoneProc,
            row_count: None,
            error: false,
            more: false,
        });
    }
    pub fn transaction(&mut self, request: TmRequest, sink: &mut dyn EventSink) {
        let _ = sink.send(Event::EnvChange(match request {
            TmRequest::Begin { .. } => EnvChange::BeginTransaction(77),
            TmRequest::Commit { .. } => EnvChange::CommitTransaction(77),
            _ => EnvChange::RollbackTransaction(77),
        }));
        let _ = sink.send(Event::Done {
            kind: DoneKind::Done,
            row_count: None,
            error: false,
            more: false,
        });
    }
    pub fn transaction_descriptor(&self) -> u64 {
        0
    }
    pub fn database(&self) -> &str {
        &self.db
    }
}
