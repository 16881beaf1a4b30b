//! testserver: a loopback SQL Server stand-in (TDS 7.4 and 8.0 over SQLite) and an Entra ID mock.

mod entra;
mod sql;
mod tds;

fn main() {
    todo!("testserver: start listeners, write the ready file")
}
