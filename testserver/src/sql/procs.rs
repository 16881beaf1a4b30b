//! RPCs and EXEC: sp_executesql, sp_prepare/sp_execute/sp_prepexec/sp_unprepare, user
//! procedures, and the catalog procedures drivers call.

use super::lexer::Token;
use super::session::{Exec, Out, Session, SqlError, Stop};
use super::translate::TransError;

/// A statement prepared by sp_prepare / sp_prepexec.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub params: String,
    pub sql: String,
}

pub(crate) fn create_procedure(_s: &mut Session, _tokens: &[Token], _or_alter: bool) -> Exec {
    Err(Stop::Error(SqlError::from(TransError::unsupported(
        "CREATE PROCEDURE",
    ))))
}

pub(crate) fn exec_statement(_s: &mut Session, _tokens: &[Token], _out: &mut Out) -> Exec {
    Err(Stop::Error(SqlError::from(TransError::unsupported("EXEC"))))
}
