//! Benchmark row sources: `bench.narrow(n)`, `bench.wide(n)`, `bench.lob(n, bytes)`.

use super::lexer::Token;
use super::session::{Exec, Out, Session};

pub(crate) fn try_bench(_s: &mut Session, _tokens: &[Token], _out: &mut Out) -> Option<Exec> {
    None
}
