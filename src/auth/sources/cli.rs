//! Developer credentials: the Azure CLI (`az`) and the Azure Developer CLI (`azd`), run with a
//! timeout in their own process group so a hung CLI is killed with all its children.

use super::{Env, SourceError, TokenSource};
use crate::auth::authority::Authority;
use crate::auth::http;
use crate::auth::secret::Token;
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    AzureCli,
    AzureDeveloperCli,
}

pub struct Cli {
    tool: Tool,
    authority: Authority,
    /// Pass the server's tenant (`--tenant`) only when it was set explicitly by the user.
    tenant: Option<String>,
    /// Applied to the child (PATH decides which `az` runs).
    env: Env,
}

impl Cli {
    pub fn new(tool: Tool, authority: &Authority, tenant: Option<String>, env: &Env) -> Cli {
        Cli {
            tool,
            authority: authority.clone(),
            tenant,
            env: env.clone(),
        }
    }

    fn name(&self) -> &'static str {
        match self.tool {
            Tool::AzureCli => "AzureCli",
            Tool::AzureDeveloperCli => "AzureDeveloperCli",
        }
    }

    fn command(&self) -> (&'static str, Vec<String>) {
        let scope = self.authority.scope.clone();
        match self.tool {
            Tool::AzureCli => {
                let mut a: Vec<String> =
                    ["account", "get-access-token", "--output", "json", "--scope"]
                        .map(String::from)
                        .into();
                a.push(scope);
                if let Some(t) = &self.tenant {
                    a.extend(["--tenant".to_string(), t.clone()]);
                }
                ("az", a)
            }
            Tool::AzureDeveloperCli => {
                let mut a: Vec<String> = [
                    "auth",
                    "token",
                    "--output",
                    "json",
                    "--no-prompt",
                    "--scope",
                ]
                .map(String::from)
                .into();
                a.push(scope);
                if let Some(t) = &self.tenant {
                    a.extend(["--tenant-id".to_string(), t.clone()]);
                }
                ("azd", a)
            }
        }
    }
}

#[async_trait]
impl TokenSource for Cli {
    async fn fetch(&self, budget: Duration) -> Result<Token, SourceError> {
        let name = self.name();
        let (program, args) = self.command();
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(&args)
            .envs(&self.env.0)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SourceError::unavailable(
                    name,
                    format!("'{program}' is not installed (not on PATH)"),
                ));
            }
            Err(e) => {
                return Err(SourceError::unavailable(
                    name,
                    format!("cannot run '{program}': {e}"),
                ));
            }
        };
        let pgid = child.id();
        let out = match tokio::time::timeout(budget, child.wait_with_output()).await {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => return Err(SourceError::hard(name, format!("'{program}' failed: {e}"))),
            Err(_) => {
                if let Some(pid) = pgid {
                    // SAFETY: signals the process group this call created; no memory involved.
                    unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
                }
                return Err(SourceError::hard(
                    name,
                    format!("'{program}' gave no token within the login timeout (killed)"),
                ));
            }
        };
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim()
                .to_string();
            let e = SourceError::unavailable(name, format!("'{program}' failed: {first}"));
            return Err(if first.contains("login") {
                let login = if self.tool == Tool::AzureCli {
                    "az login"
                } else {
                    "azd auth login"
                };
                e.with_hint(format!("Sign in with '{login}'."))
            } else {
                e
            });
        }
        let v: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
            SourceError::hard(
                name,
                format!("'{program}' printed something that is not JSON"),
            )
        })?;
        parse_cli_output(self.tool, &v)
            .ok_or_else(|| SourceError::hard(name, format!("'{program}' printed no token")))
    }
}

/// az: `accessToken` + `expires_on` (epoch, CLI >= 2.54) or `expiresOn` (local time);
/// azd: `token` + `expiresOn` (RFC 3339).
pub fn parse_cli_output(tool: Tool, v: &Value) -> Option<Token> {
    let token = match tool {
        Tool::AzureCli => v.get("accessToken")?.as_str()?,
        Tool::AzureDeveloperCli => v.get("token")?.as_str()?,
    }
    .to_string();
    let epoch = v.get("expires_on").and_then(|e| {
        e.as_u64()
            .or_else(|| e.as_str().and_then(|s| s.parse().ok()))
    });
    let expires_on = epoch
        .or_else(|| {
            v.get("expiresOn")
                .and_then(Value::as_str)
                .and_then(parse_rfc3339)
        })
        .unwrap_or_else(|| super::unix_now() + 300);
    Some(http::finish_token(token, expires_on))
}

/// `2030-01-02T03:04:05Z` or with an offset; fractional seconds ignored. None for az's local
/// `2030-01-02 03:04:05.000000` (the JWT `exp` then decides).
fn parse_rfc3339(s: &str) -> Option<u64> {
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0)
    } else {
        let i = time.rfind(['+', '-'])?;
        let (c, o) = time.split_at(i);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let mut hm = o[1..].split(':').map(|p| p.parse::<i64>().ok());
        (
            c,
            sign * (hm.next()?? * 3600 + hm.next().flatten().unwrap_or(0) * 60),
        )
    };
    let mut t = clock
        .split(['.', ','])
        .next()?
        .split(':')
        .map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (t.next()??, t.next()??, t.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + h * 3600 + mi * 60 + sec - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_epochs() {
        assert_eq!(parse_rfc3339("2030-01-02T03:04:05Z"), Some(1893553445));
        assert_eq!(
            parse_rfc3339("2030-01-02T04:04:05.123+01:00"),
            Some(1893553445)
        );
        assert_eq!(parse_rfc3339("2030-01-02 03:04:05.000000"), None);
    }

    #[test]
    fn cli_shapes() {
        let az = json!({"accessToken": "opaque", "expiresOn": "2030-01-02 03:04:05.000000", "expires_on": 1893553445});
        assert_eq!(
            parse_cli_output(Tool::AzureCli, &az).unwrap().expires_on,
            1893553445
        );
        let azd = json!({"token": "opaque", "expiresOn": "2030-01-02T03:04:05Z"});
        assert_eq!(
            parse_cli_output(Tool::AzureDeveloperCli, &azd)
                .unwrap()
                .expires_on,
            1893553445
        );
        assert!(parse_cli_output(Tool::AzureCli, &azd).is_none());
    }
}
