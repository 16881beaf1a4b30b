//! Catalog procedures drivers call (sp_tables, sp_columns...), with the result-set shapes
//! SQL Server documents.

use super::procs::Arg;
use super::session::{Out, Session, Stop};

/// Runs catalog procedure `name` if it is one; returns its RETURN status.
pub(crate) fn call(
    _s: &mut Session,
    _name: &str,
    _args: &[Arg],
    _out: &mut Out,
) -> Option<Result<i32, Stop>> {
    None
}
