//! The process-wide token cache.
//!
//! - One entry per identity (the key covers mode, authority, tenant, scope, client/object/
//!   resource id, user and a fingerprint of the secret or certificate).
//! - Expiry is the earlier of the reported time and the JWT `exp` (see `http::finish_token`).
//! - Refresh starts early: from 5 minutes before expiry (a tenth of the lifetime for short
//!   tokens), or from half the lifetime for tokens that live 2 hours or more. In that window
//!   exactly one caller refreshes; the others keep using the valid token.
//! - Callers wait only when there is no usable token (cold cache, or less than
//!   min(30 s, lifetime/20) left): then one of them fetches and the rest wait for its result
//!   (N simultaneous connects -> one request).
//! - An expired token is never returned.
//! - Transient failures (429, 5xx, network) are retried with exponential back-off, honouring
//!   Retry-After, within the caller's login timeout; hard failures are remembered for a few
//!   seconds so a stampede of connects does not hammer the STS or IMDS.
//! - A token the server refused is dropped (`discard`); the login retries once with a new one
//!   when the refused token came from the cache (`engine::fedauth::EntraLogin::after_refusal`).
//! - No background threads: all work happens on the callers' tasks.

use super::secret::Token;
use super::sources::{SourceError, TokenSource};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time in milliseconds, and sleeping; replaceable in tests.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(d))
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    /// How long a hard failure is served from the cache.
    pub failure_ttl: Duration,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            failure_ttl: Duration::from_secs(5),
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// A token handed out, and whether it was in the cache before the call that got it.
#[derive(Clone, Debug)]
pub struct Served {
    pub token: Token,
    pub from_cache: bool,
}

pub struct TokenManager {
    clock: Arc<dyn Clock>,
    policy: Policy,
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

#[derive(Default)]
struct Entry {
    state: Mutex<State>,
    /// Held by the one caller that is fetching for this key.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    token: Option<Cached>,
    failure: Option<(SourceError, u64)>,
    /// After a failed early refresh, the next early attempt waits until then.
    next_early_refresh_ms: u64,
}

#[derive(Clone)]
struct Cached {
    token: Token,
    obtained_ms: u64,
    expires_ms: u64,
}

const TWO_HOURS_MS: u64 = 2 * 3600 * 1000;

impl Cached {
    fn lifetime_ms(&self) -> u64 {
        self.expires_ms.saturating_sub(self.obtained_ms)
    }
    fn refresh_from_ms(&self) -> u64 {
        let l = self.lifetime_ms();
        if l >= TWO_HOURS_MS {
            self.obtained_ms + l / 2
        } else {
            self.expires_ms - (300_000u64).min(l / 10)
        }
    }
    /// After this a caller must not be handed the token: it could expire before the server
    /// checks it.
    fn usable_until_ms(&self) -> u64 {
        self.expires_ms - (30_000u64).min(self.lifetime_ms() / 20)
    }
}

/// The process's token manager.
pub fn global() -> &'static TokenManager {
    static M: OnceLock<TokenManager> = OnceLock::new();
    M.get_or_init(|| TokenManager::new(Arc::new(SystemClock), Policy::default()))
}

impl TokenManager {
    pub fn new(clock: Arc<dyn Clock>, policy: Policy) -> TokenManager {
        TokenManager {
            clock,
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, key: &str) -> Arc<Entry> {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.to_string()).or_default().clone()
    }

    /// Drops every cached token and failure (tests, and after the user changes identity).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// A valid token for `key`, from the cache or from `source`, within `timeout`.
    pub async fn get(
        &self,
        key: &str,
        source: &dyn TokenSource,
        timeout: Duration,
    ) -> Result<Token, SourceError> {
        self.serve(key, source, timeout).await.map(|s| s.token)
    }

    /// As `get`, and says whether the token was cached before this call.
    pub async fn serve(
        &self,
        key: &str,
        source: &dyn TokenSource,
        timeout: Duration,
    ) -> Result<Served, SourceError> {
        let cached = |token| Served {
            token,
            from_cache: true,
        };
        let fetched = |token| Served {
            token,
            from_cache: false,
        };
        let entry = self.entry(key);
        let deadline = self.clock.now_ms() + timeout.as_millis() as u64;

        if let Some(valid) = self.usable(&entry) {
            if !self.wants_early_refresh(&entry, &valid) {
                return Ok(cached(valid.token));
            }
            // Early refresh: only the caller that gets the lock fetches; the rest go on with
            // the valid token.
            let Ok(_guard) = entry.fetching.try_lock() else {
                return Ok(cached(valid.token));
            };
            match self.usable(&entry) {
                Some(c) if !self.wants_early_refresh(&entry, &c) => return Ok(cached(c.token)),
                _ => {}
            }
            return match self.fetch_with_retry(source, deadline).await {
                Ok(t) => Ok(fetched(self.store(&entry, t))),
                Err(e) => {
                    let backoff = e
                        .retry_after
                        .unwrap_or(self.policy.first_backoff.max(Duration::from_secs(5)));
                    let mut st = lock(&entry.state);
                    st.next_early_refresh_ms = self.clock.now_ms() + backoff.as_millis() as u64;
                    drop(st);
                    match self.usable(&entry) {
                        Some(c) => Ok(cached(c.token)),
                        None => Err(self.remember_failure(&entry, e)),
                    }
                }
            };
        }

        if let Some(e) = self.cached_failure(&entry) {
            return Err(e);
        }
        let wait = Duration::from_millis(deadline.saturating_sub(self.clock.now_ms()));
        let Ok(_guard) = tokio::time::timeout(wait, entry.fetching.lock()).await else {
            return Err(SourceError::hard(
                "token manager",
                "another connection's token request did not finish within the login timeout",
            ));
        };
        // Whoever held the lock may have left a token or a failure for us: a token fetched
        // while this call waited counts as fetched for it.
        if let Some(c) = self.usable(&entry) {
            return Ok(fetched(c.token));
        }
        if let Some(e) = self.cached_failure(&entry) {
            return Err(e);
        }
        match self.fetch_with_retry(source, deadline).await {
            Ok(t) => Ok(fetched(self.store(&entry, t))),
            Err(e) => Err(self.remember_failure(&entry, e)),
        }
    }

    /// Forgets `token` after the server refused it, so the next caller fetches a new one. A
    /// token the server accepted once can stop being good before it expires (the principal's
    /// group membership changed, the token was revoked); msodbcsql, which fetches a token per
    /// connect, would get a good one next time, and so must we. A different token in the
    /// entry (another caller already replaced it) is kept.
    pub fn discard(&self, key: &str, token: &Token) {
        let Some(entry) = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
        else {
            return;
        };
        let mut st = lock(&entry.state);
        if st.token.as_ref().is_some_and(|c| c.token == *token) {
            st.token = None;
        }
    }

    fn usable(&self, entry: &Entry) -> Option<Cached> {
        let st = lock(&entry.state);
        st.token
            .clone()
            .filter(|c| self.clock.now_ms() < c.usable_until_ms())
    }

    fn wants_early_refresh(&self, entry: &Entry, c: &Cached) -> bool {
        let now = self.clock.now_ms();
        now >= c.refresh_from_ms() && now >= lock(&entry.state).next_early_refresh_ms
    }

    fn cached_failure(&self, entry: &Entry) -> Option<SourceError> {
        let st = lock(&entry.state);
        st.failure
            .as_ref()
            .filter(|(_, until)| self.clock.now_ms() < *until)
            .map(|(e, _)| e.clone())
    }

    fn store(&self, entry: &Entry, token: Token) -> Token {
        let now = self.clock.now_ms();
        let mut st = lock(&entry.state);
        st.token = Some(Cached {
            token: token.clone(),
            obtained_ms: now,
            expires_ms: token.expires_on.saturating_mul(1000),
        });
        st.failure = None;
        st.next_early_refresh_ms = 0;
        token
    }

    fn remember_failure(&self, entry: &Entry, e: SourceError) -> SourceError {
        let ttl = if e.transient {
            e.retry_after.unwrap_or(Duration::from_secs(1))
        } else {
            self.policy.failure_ttl
        };
        lock(&entry.state).failure =
            Some((e.clone(), self.clock.now_ms() + ttl.as_millis() as u64));
        e
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let d = self
            .policy
            .first_backoff
            .saturating_mul(1u32 << attempt.min(16));
        d.min(self.policy.max_backoff)
    }

    async fn fetch_with_retry(
        &self,
        source: &dyn TokenSource,
        deadline: u64,
    ) -> Result<Token, SourceError> {
        let mut attempt = 0u32;
        loop {
            let now = self.clock.now_ms();
            let budget = Duration::from_millis(deadline.saturating_sub(now));
            if budget.is_zero() {
                return Err(SourceError::hard(
                    "token manager",
                    "no token within the login timeout",
                ));
            }
            // The source gets a little less than the deadline so that its own timeouts (a hung
            // `az`, a silent IMDS) fire first and say which source it was.
            let inner = budget.saturating_sub((budget / 10).min(Duration::from_millis(300)));
            let result = match tokio::time::timeout(budget, source.fetch(inner)).await {
                Ok(r) => r,
                Err(_) => Err(SourceError::hard(
                    "token source",
                    "no answer within the login timeout",
                )),
            };
            match result {
                Ok(t) if t.expires_on.saturating_mul(1000) <= self.clock.now_ms() => {
                    return Err(SourceError::hard(
                        "token source",
                        "the token it returned has already expired (check the clock)",
                    ));
                }
                Ok(t) => return Ok(t),
                Err(mut e) if e.transient => {
                    let wait = e.retry_after.unwrap_or_else(|| self.backoff(attempt));
                    attempt += 1;
                    if self.clock.now_ms() + wait.as_millis() as u64 >= deadline {
                        e.message = format!(
                            "{} (gave up after {attempt} attempt(s) within the login timeout)",
                            e.message
                        );
                        return Err(e);
                    }
                    self.clock.sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests;
