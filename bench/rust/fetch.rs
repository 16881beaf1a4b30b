//! Quick fetch benchmark through odbc-api (a Rust ODBC application, no Python in the way):
//! `SELECT * FROM bench.narrow(N)` read two ways,
//!   bulk    - bound column buffers, 1000-row row sets (SQLBindCol + SQL_ATTR_ROW_ARRAY_SIZE)
//!   getdata - SQLFetch per row and SQLGetData per cell (the pattern pyodbc uses)
//! and one JSON line per mode with wall time and this process's CPU time (user + sys).
//!
//! cargo run --release --example bench_fetch -- [--rows N] [--mode bulk|getdata|both]
//!     [--max-cpu-ns-per-row X]
//! The connection string (with Driver=...) comes from $BENCH_CONNECTION_STRING so the password is
//! never on a command line. With --max-cpu-ns-per-row the exit code is 3 when a mode costs more
//! CPU per row than X: a cheap regression gate. bench/run.sh starts the server and sets both.

use std::process::ExitCode;
use std::time::Instant;

use odbc_api::buffers::{BufferDesc, ColumnarDynBuffer};
use odbc_api::sys::Timestamp;
use odbc_api::{ConnectionOptions, Cursor, Environment};

struct Options {
    rows: u64,
    modes: Vec<&'static str>,
    max_cpu_ns_per_row: Option<f64>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        rows: 1_000_000,
        modes: vec!["bulk", "getdata"],
        max_cpu_ns_per_row: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rows" => options.rows = value()?.parse().map_err(|e| format!("--rows: {e}"))?,
            "--mode" => {
                options.modes = match value()?.as_str() {
                    "bulk" => vec!["bulk"],
                    "getdata" => vec!["getdata"],
                    "both" => vec!["bulk", "getdata"],
                    other => return Err(format!("unknown mode {other:?}")),
                }
            }
            "--max-cpu-ns-per-row" => {
                let v = value()?;
                options.max_cpu_ns_per_row = Some(v.parse().map_err(|e| format!("{v}: {e}"))?);
            }
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(options)
}

/// (user, system) CPU seconds of this process (all threads, including the driver's).
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage only writes the struct we pass it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}

fn fetch_bulk(conn: &odbc_api::Connection<'_>, sql: &str) -> Result<u64, odbc_api::Error> {
    let Some(cursor) = conn.execute(sql, (), None)? else {
        return Ok(0);
    };
    let descs = [
        BufferDesc::I32 { nullable: false },
        BufferDesc::WText { max_str_len: 50 },
        BufferDesc::F64 { nullable: false },
        BufferDesc::Timestamp { nullable: false },
    ];
    let buffer = ColumnarDynBuffer::from_descs(1000, descs);
    let mut block = cursor.bind_buffer(buffer)?;
    let mut rows = 0;
    while let Some(batch) = block.fetch()? {
        rows += batch.num_rows() as u64;
    }
    Ok(rows)
}

fn fetch_getdata(conn: &odbc_api::Connection<'_>, sql: &str) -> Result<u64, odbc_api::Error> {
    let Some(mut cursor) = conn.execute(sql, (), None)? else {
        return Ok(0);
    };
    let (mut id, mut value, mut created) = (0i32, 0f64, Timestamp::default());
    let mut name = Vec::with_capacity(64);
    let mut rows = 0;
    while let Some(mut row) = cursor.next_row()? {
        row.get_data(1, &mut id)?;
        row.get_wide_text(2, &mut name)?;
        row.get_data(3, &mut value)?;
        row.get_data(4, &mut created)?;
        rows += 1;
    }
    Ok(rows)
}

fn run() -> Result<bool, String> {
    let options = parse_options()?;
    let cs = std::env::var("BENCH_CONNECTION_STRING")
        .map_err(|_| "set BENCH_CONNECTION_STRING (Driver=...;Server=...;UID=...;PWD=...)")?;
    let env = Environment::new().map_err(|e| e.to_string())?;
    let conn = env
        .connect_with_connection_string(&cs, ConnectionOptions::default())
        .map_err(|e| format!("connect: {e}"))?;
    let sql = format!("SELECT * FROM bench.narrow({})", options.rows);
    let mut within_budget = true;
    for mode in &options.modes {
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        let fetched = match *mode {
            "bulk" => fetch_bulk(&conn, &sql),
            _ => fetch_getdata(&conn, &sql),
        };
        let ((user1, sys1), wall) = (cpu_seconds(), t0.elapsed().as_secs_f64());
        let (user, sys) = (user1 - cpu0.0, sys1 - cpu0.1);
        let cpu = user + sys;
        match fetched {
            Ok(rows) if rows == options.rows => {
                let ns_per_row = cpu * 1e9 / rows.max(1) as f64;
                println!(
                    "{{\"ok\": true, \"mode\": \"{mode}\", \"ops\": {rows}, \"unit\": \"rows\", \
                     \"wall\": {wall:.6}, \"user\": {user:.6}, \"sys\": {sys:.6}, \"cpu\": {cpu:.6}, \
                     \"cpu_ns_per_row\": {ns_per_row:.1}}}"
                );
                if options
                    .max_cpu_ns_per_row
                    .is_some_and(|max| ns_per_row > max)
                {
                    eprintln!("{mode}: {ns_per_row:.0} ns of CPU per row exceeds the budget");
                    within_budget = false;
                }
            }
            Ok(rows) => println!(
                "{{\"ok\": false, \"mode\": \"{mode}\", \"error\": \"fetched {rows} rows, expected {}\"}}",
                options.rows
            ),
            Err(e) => println!(
                "{{\"ok\": false, \"mode\": \"{mode}\", \"error\": {:?}}}",
                e.to_string()
            ),
        }
    }
    Ok(within_budget)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(3),
        Err(message) => {
            eprintln!("bench_fetch: {message}");
            ExitCode::FAILURE
        }
    }
}
