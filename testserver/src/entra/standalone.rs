//! `entra-mock`: the Entra ID mock alone, for driver tests that need no TDS listener.
//! Usage: entra-mock [--ready-file PATH] [--lifetime SECS] [--base "Server=..."]
//! Writes the same Entra fields testserver's ready file has, plus `sts_url`.

#[path = "mod.rs"]
mod entra;

use anyhow::Result;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut ready, mut lifetime, mut base) = (None, None, "Server=127.0.0.1,1".to_string());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ready-file" => ready = args.next(),
            "--lifetime" => lifetime = args.next().and_then(|s| s.parse().ok()),
            "--base" => base = args.next().unwrap_or(base),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let mut config = entra::EntraConfig::default();
    if let Some(l) = lifetime {
        config.token_lifetime_secs = l;
    }
    // Generated files go next to the ready file (the caller's scratch directory).
    if let Some(parent) = ready
        .as_deref()
        .map(std::path::Path::new)
        .and_then(|p| p.parent())
    {
        config.dir = Some(parent.join("entra"));
    }
    let handle = entra::start(config, None).await?;
    let mut fields = handle.ready_fields(&base);
    fields.insert("sts_url".into(), serde_json::json!(handle.sts_url()));
    fields.insert(
        "jwt_public_key_pem".into(),
        serde_json::json!(handle.jwt_public_key_pem),
    );
    let text = serde_json::to_string_pretty(&fields)?;
    match ready {
        Some(path) => {
            let tmp = format!("{path}.tmp");
            std::fs::write(&tmp, text)?;
            std::fs::rename(tmp, path)?;
        }
        None => println!("{text}"),
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
