//! Authority, tenant and scope from the server's FEDAUTHINFO (STS URL + SPN).

/// Where to ask for a token and for what.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Authority {
    /// Scheme and host, e.g. `https://login.windows.net` (no trailing slash).
    pub host: String,
    pub tenant: String,
    /// The SPN with a trailing slash, e.g. `https://database.windows.net/` (the MI "resource").
    pub resource: String,
    /// `<resource>.default`, e.g. `https://database.windows.net/.default`.
    pub scope: String,
}

impl Authority {
    /// `sts_url` is `https://login.windows.net/<tenant>`; some services append
    /// `/oauth2/authorize` or a slash, which are ignored. The SPN may lack its trailing slash.
    pub fn from_fedauth_info(sts_url: &str, spn: &str) -> Result<Authority, String> {
        let sts = sts_url.trim().trim_end_matches('/');
        let sts = sts.strip_suffix("/oauth2/authorize").unwrap_or(sts);
        let sts = sts.strip_suffix("/oauth2/v2.0/authorize").unwrap_or(sts);
        let Some((host, tenant)) = sts.rsplit_once('/') else {
            return Err(format!(
                "the server sent an STS URL without a tenant: '{sts_url}'"
            ));
        };
        let scheme_ok = host.starts_with("https://") || is_loopback_http(host);
        if !scheme_ok || tenant.is_empty() || host.matches('/').count() != 2 {
            return Err(format!(
                "the server sent an STS URL the driver cannot use: '{sts_url}' \
                 (expected https://<authority host>/<tenant>)"
            ));
        }
        let spn = spn.trim();
        if spn.is_empty() {
            return Err("the server sent an empty SPN in FEDAUTHINFO".into());
        }
        let resource = format!("{}/", spn.trim_end_matches('/'));
        Ok(Authority {
            host: host.to_string(),
            tenant: tenant.to_string(),
            scope: format!("{resource}.default"),
            resource,
        })
    }

    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.host, self.tenant)
    }

    pub fn device_code_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/devicecode", self.host, self.tenant)
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/authorize", self.host, self.tenant)
    }

    /// The same authority with another host and tenant (workload identity's and the
    /// environment credential's `AZURE_AUTHORITY_HOST` / `AZURE_TENANT_ID`). The host must be
    /// https (or loopback http), like the server's STS URL.
    pub fn with_host_and_tenant(
        &self,
        host: Option<&str>,
        tenant: Option<&str>,
    ) -> Result<Authority, String> {
        let mut a = self.clone();
        if let Some(h) = host.filter(|h| !h.is_empty()) {
            let h = h.trim_end_matches('/');
            if !(h.starts_with("https://") || is_loopback_http(h)) {
                return Err(format!(
                    "AZURE_AUTHORITY_HOST must be an https URL, not '{h}'"
                ));
            }
            a.host = h.to_string();
        }
        if let Some(t) = tenant.filter(|t| !t.is_empty()) {
            a.tenant = t.to_string();
        }
        Ok(a)
    }
}

/// Plain HTTP is allowed only to this machine (tests, local proxies); secrets never leave it
/// unencrypted.
pub fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_public_cloud() {
        let a = Authority::from_fedauth_info(
            "https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47",
            "https://database.windows.net/",
        )
        .unwrap();
        assert_eq!(a.host, "https://login.windows.net");
        assert_eq!(a.tenant, "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(a.scope, "https://database.windows.net/.default");
        assert_eq!(
            a.token_url(),
            "https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
        );
    }

    #[test]
    fn sovereign_cloud_with_authorize_suffix_and_spn_without_slash() {
        let a = Authority::from_fedauth_info(
            "https://login.chinacloudapi.cn/tenant-1/oauth2/authorize",
            "https://database.chinacloudapi.cn",
        )
        .unwrap();
        assert_eq!(
            (a.host.as_str(), a.tenant.as_str()),
            ("https://login.chinacloudapi.cn", "tenant-1")
        );
        assert_eq!(a.resource, "https://database.chinacloudapi.cn/");
    }

    #[test]
    fn rejects_urls_that_would_leak_secrets_or_lack_a_tenant() {
        assert!(
            Authority::from_fedauth_info("http://evil.example/t", "https://database.windows.net/")
                .is_err()
        );
        assert!(
            Authority::from_fedauth_info(
                "https://login.windows.net",
                "https://database.windows.net/"
            )
            .is_err()
        );
        assert!(Authority::from_fedauth_info("https://login.windows.net/t", "").is_err());
        assert!(
            Authority::from_fedauth_info(
                "http://127.0.0.1:8080/t",
                "https://database.windows.net/"
            )
            .is_ok()
        );
    }
}
