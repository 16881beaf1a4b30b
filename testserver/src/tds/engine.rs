//! The engine the TDS layer talks to (sql/): one `Session` per connection.

pub use crate::sql::{Databases, Session, SessionInfo};
