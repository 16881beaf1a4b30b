//! The driver through unixODBC with odbc-api (a Rust ODBC application): connect, query,
//! parameters, diagnostics.
//!
//! Needs the driver registered in $ODBCSYSINI (`make register`) and a testserver binary
//! ($TESTSERVER_BIN); without them the tests say so and pass vacuously, as `make test` always
//! provides both.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use odbc_api::{ConnectionOptions, Cursor, Environment, IntoParameter};

struct Server {
    child: Child,
    dir: PathBuf,
    connection_string: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts a testserver, or None (with the reason printed) when the environment lacks one.
fn start() -> Option<Server> {
    let (Ok(bin), Ok(_)) = (std::env::var("TESTSERVER_BIN"), std::env::var("ODBCSYSINI")) else {
        eprintln!("skipped: TESTSERVER_BIN and ODBCSYSINI are not set (run through `make test`)");
        return None;
    };
    let dir = std::env::temp_dir().join(format!(
        "odbc-api-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).ok()?;
    let ready = dir.join("ready.json");
    let child = Command::new(bin)
        .arg("--ready-file")
        .arg(&ready)
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = String::new();
    while Instant::now() < deadline {
        if let Ok(mut f) = std::fs::File::open(&ready) {
            text.clear();
            if f.read_to_string(&mut text).is_ok() && text.trim_end().ends_with('}') {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let key = "\"connection_string\": \"";
    let start = text.find(key)? + key.len();
    let end = start + text[start..].find('"')?;
    let connection_string = format!(
        "Driver={{ODBC Driver RS for SQL Server}};{}",
        &text[start..end]
    );
    Some(Server {
        child,
        dir,
        connection_string,
    })
}

#[test]
fn select_with_and_without_parameters() {
    let Some(server) = start() else { return };
    let env = Environment::new().unwrap();
    let conn = env
        .connect_with_connection_string(&server.connection_string, ConnectionOptions::default())
        .unwrap();
    let mut cursor = conn
        .execute("SELECT 42", (), None)
        .unwrap()
        .expect("a result set");
    let mut row = cursor.next_row().unwrap().expect("one row");
    let mut value: i32 = 0;
    row.get_data(1, &mut value).unwrap();
    assert_eq!(value, 42);
    assert!(cursor.next_row().unwrap().is_none());
}

#[test]
fn a_failed_login_reports_28000() {
    let Some(server) = start() else { return };
    let env = Environment::new().unwrap();
    let wrong = server.connection_string.replace("Test-Passw0rd!", "nope");
    let err = env
        .connect_with_connection_string(&wrong, ConnectionOptions::default())
        .expect_err("login must fail");
    let text = err.to_string();
    assert!(text.contains("28000"), "{text}");
    assert!(
        !text.contains("nope"),
        "the password must not appear: {text}"
    );
}

#[test]
fn parameters_are_bound() {
    let Some(server) = start() else { return };
    let env = Environment::new().unwrap();
    let conn = env
        .connect_with_connection_string(&server.connection_string, ConnectionOptions::default())
        .unwrap();
    // The interim testserver answers any batch with one integer row; a parameterized statement
    // must at least reach it and come back without error.
    let result = conn.execute("SELECT ?", &5i32.into_parameter(), None);
    assert!(result.is_ok(), "{:?}", result.err());
}

#[test]
fn output_parameters_and_return_status_of_a_procedure_call() {
    use odbc_api::parameter::VarCharArray;
    use odbc_api::{InOut, Nullable, Out};
    let Some(server) = start() else { return };
    let env = Environment::new().unwrap();
    let conn = env
        .connect_with_connection_string(&server.connection_string, ConnectionOptions::default())
        .unwrap();
    conn.execute(
        "CREATE OR ALTER PROCEDURE dbo.rs_outputs @x INT OUTPUT, @msg VARCHAR(20) OUTPUT, \
         @gone INT OUTPUT AS BEGIN SET NOCOUNT ON; SET @x = @x + 1; \
         SET @msg = 'hello from rust'; SET @gone = NULL; RETURN 3 END",
        (),
        None,
    )
    .unwrap();
    let mut status = Nullable::<i32>::null();
    let mut x = Nullable::new(41);
    let mut msg = VarCharArray::<32>::NULL;
    let mut gone = Nullable::new(5);
    let cursor = conn
        .execute(
            "{? = call dbo.rs_outputs(?, ?, ?)}",
            (
                Out(&mut status),
                InOut(&mut x),
                Out(&mut msg),
                Out(&mut gone),
            ),
            None,
        )
        .unwrap();
    assert!(cursor.is_none(), "the procedure returns no result set");
    assert_eq!(status.into_opt(), Some(3));
    assert_eq!(x.into_opt(), Some(42));
    assert_eq!(msg.as_bytes(), Some(&b"hello from rust"[..]));
    assert!(msg.is_complete());
    assert_eq!(gone.into_opt(), None);
}
