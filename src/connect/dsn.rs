//! odbc.ini lookup through the Driver Manager (SQLGetPrivateProfileString).
//!
//! unixODBC's libodbcinst resolves user and system DSNs (`~/.odbc.ini`, `$ODBCINI`,
//! `$ODBCSYSINI/odbc.ini`) and matches section and key names case-insensitively, so the driver
//! asks it instead of reading files itself.

use std::ffi::{CString, c_char, c_int};

use super::settings::DsnSource;

#[link(name = "odbcinst")]
unsafe extern "C" {
    /// `int SQLGetPrivateProfileString(LPCSTR section, LPCSTR entry, LPCSTR default,
    /// LPSTR buffer, int buffer_len, LPCSTR file)`: copies the value (or `default`) into
    /// `buffer`, NUL-terminated and truncated to `buffer_len - 1` bytes; returns the length.
    fn SQLGetPrivateProfileString(
        section: *const c_char,
        entry: *const c_char,
        default: *const c_char,
        buffer: *mut c_char,
        buffer_len: c_int,
        file: *const c_char,
    ) -> c_int;
}

/// The DSNs unixODBC knows (odbc.ini).
pub struct OdbcIni;

/// One buffer, big enough for any value: unixODBC cuts ini lines at about 1000 characters,
/// and it caches answers, so asking again with a bigger buffer would not help.
const VALUE_BUFFER: usize = 4096;

impl DsnSource for OdbcIni {
    fn get(&self, dsn: &str, key: &str) -> Option<String> {
        let section = CString::new(dsn).ok()?;
        let entry = CString::new(key).ok()?;
        let default = c"";
        let file = c"odbc.ini";
        let mut buffer = vec![0u8; VALUE_BUFFER];
        // SAFETY: every pointer is a live NUL-terminated string or `buffer`, whose length we
        // pass; the callee writes at most that many bytes.
        let written = unsafe {
            SQLGetPrivateProfileString(
                section.as_ptr(),
                entry.as_ptr(),
                default.as_ptr(),
                buffer.as_mut_ptr().cast(),
                VALUE_BUFFER as c_int,
                file.as_ptr(),
            )
        };
        if written < 0 {
            return None;
        }
        let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
        buffer.truncate(end);
        let value = String::from_utf8_lossy(&buffer).into_owned();
        (!value.is_empty()).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// unixODBC reads ODBCSYSINI/ODBCINI from the environment, which a test must not change
    /// in its own (multi-threaded) process: the check runs in a child copy of this test binary.
    #[test]
    fn reads_a_dsn_from_odbc_ini() {
        let dir = std::env::temp_dir().join(format!("sqlserver-odbc-dsn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // unixODBC itself cuts ini lines at about 1000 characters.
        let long = "x".repeat(900);
        std::fs::write(
            dir.join("odbc.ini"),
            format!(
                "[prod]\nDriver = ODBC Driver RS for SQL Server\nServer = tcp:db.example.com,1500\nDatabase = sales\nLongValue = {long}\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("odbcinst.ini"), "").unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "connect::dsn::tests::child_reads_odbc_ini",
                "--ignored",
                "--nocapture",
            ])
            .env("ODBCSYSINI", &dir)
            .env("ODBCINI", dir.join("odbc.ini"))
            .env("HOME", &dir)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("1 passed"), "{stdout}");
    }

    #[test]
    #[ignore = "run by reads_a_dsn_from_odbc_ini with a private ODBCSYSINI"]
    fn child_reads_odbc_ini() {
        let ini = OdbcIni;
        assert_eq!(
            ini.get("prod", "Server").as_deref(),
            Some("tcp:db.example.com,1500")
        );
        assert_eq!(
            ini.get("prod", "server").as_deref(),
            Some("tcp:db.example.com,1500")
        );
        assert_eq!(ini.get("PROD", "Database").as_deref(), Some("sales"));
        assert_eq!(ini.get("prod", "LongValue").map(|v| v.len()), Some(900));
        assert_eq!(ini.get("prod", "UID"), None);
        assert_eq!(ini.get("nosuchdsn", "Server"), None);
        assert_eq!(ini.get("pr\0od", "Server"), None);
    }
}
