//! The manager against a fake source (counting calls, scripted answers) and a fake clock.

use super::*;
use crate::auth::secret::Secret;
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const T0: u64 = 1_900_000_000_000; // ms

struct FakeClock {
    now: AtomicU64,
    slept: AtomicU64,
}

impl FakeClock {
    fn new() -> Arc<FakeClock> {
        Arc::new(FakeClock {
            now: AtomicU64::new(T0),
            slept: AtomicU64::new(0),
        })
    }
    fn advance(&self, d: Duration) {
        self.now.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.advance(d);
        self.slept.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
        Box::pin(tokio::task::yield_now())
    }
}

/// Answers from a script (then "ok" forever); each token lives `lifetime` from the fake now.
struct FakeSource {
    clock: Arc<FakeClock>,
    calls: AtomicU32,
    script: Mutex<VecDeque<Result<(), SourceError>>>,
    lifetime: Duration,
    delay: Duration,
    gate: Option<Arc<tokio::sync::Notify>>,
    name: &'static str,
}

impl FakeSource {
    fn new(clock: &Arc<FakeClock>, lifetime: Duration) -> FakeSource {
        FakeSource {
            clock: clock.clone(),
            calls: AtomicU32::new(0),
            script: Mutex::new(VecDeque::new()),
            lifetime,
            delay: Duration::ZERO,
            gate: None,
            name: "token",
        }
    }
    fn then(self, r: Result<(), SourceError>) -> FakeSource {
        self.script.lock().unwrap().push_back(r);
        self
    }
    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenSource for FakeSource {
    async fn fetch(&self, _budget: Duration) -> Result<Token, SourceError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(g) = &self.gate {
            g.notified().await;
        }
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.script.lock().unwrap().pop_front().unwrap_or(Ok(()))?;
        let expires_on = (self.clock.now_ms() + self.lifetime.as_millis() as u64) / 1000;
        Ok(Token {
            access_token: Secret::new(format!("{}-{n}", self.name)),
            expires_on,
        })
    }
}

fn manager(clock: &Arc<FakeClock>) -> Arc<TokenManager> {
    Arc::new(TokenManager::new(clock.clone(), Policy::default()))
}

const HOUR: Duration = Duration::from_secs(3600);
const TIMEOUT: Duration = Duration::from_secs(15);

fn throttled(retry_after: Option<u64>) -> SourceError {
    SourceError {
        status: Some(429),
        retry_after: retry_after.map(Duration::from_secs),
        ..SourceError::transient("fake", "HTTP 429")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cold_cache_stampede_makes_one_request() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let mut src = FakeSource::new(&clock, HOUR);
    src.delay = Duration::from_millis(100);
    let src = Arc::new(src);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (m, src) = (m.clone(), src.clone());
            tokio::spawn(async move { m.get("k", src.as_ref(), TIMEOUT).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().access_token.expose(), "token-0");
    }
    assert_eq!(src.calls(), 1);
}

#[tokio::test]
async fn cached_until_the_refresh_window_then_refreshed_once() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR);
    m.get("k", &src, TIMEOUT).await.unwrap();
    clock.advance(Duration::from_secs(54 * 60));
    assert_eq!(
        m.get("k", &src, TIMEOUT)
            .await
            .unwrap()
            .access_token
            .expose(),
        "token-0"
    );
    assert_eq!(
        src.calls(),
        1,
        "54 minutes into a 60-minute token: still cached"
    );
    clock.advance(Duration::from_secs(60 + 30));
    assert_eq!(
        m.get("k", &src, TIMEOUT)
            .await
            .unwrap()
            .access_token
            .expose(),
        "token-1"
    );
    assert_eq!(
        m.get("k", &src, TIMEOUT)
            .await
            .unwrap()
            .access_token
            .expose(),
        "token-1"
    );
    assert_eq!(src.calls(), 2);
}

#[tokio::test]
async fn long_lived_tokens_refresh_from_half_their_lifetime() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, Duration::from_secs(24 * 3600));
    m.get("k", &src, TIMEOUT).await.unwrap();
    clock.advance(Duration::from_secs(11 * 3600));
    m.get("k", &src, TIMEOUT).await.unwrap();
    assert_eq!(src.calls(), 1);
    clock.advance(Duration::from_secs(3600 + 1));
    m.get("k", &src, TIMEOUT).await.unwrap();
    assert_eq!(src.calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn during_an_early_refresh_other_callers_use_the_valid_token() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR);
    src.script.lock().unwrap().push_back(Ok(()));
    let gate = Arc::new(tokio::sync::Notify::new());
    let src = Arc::new(src);
    m.get("k", src.as_ref(), TIMEOUT).await.unwrap();
    // Now gate the next fetch so the refresh hangs while others call.
    let gated = Arc::new(FakeSource {
        gate: Some(gate.clone()),
        name: "new",
        ..FakeSource::new(&clock, HOUR)
    });
    clock.advance(Duration::from_secs(57 * 60));
    let refresher = {
        let (m, g) = (m.clone(), gated.clone());
        tokio::spawn(async move { m.get("k", g.as_ref(), TIMEOUT).await })
    };
    while gated.calls() == 0 {
        tokio::task::yield_now().await;
    }
    for _ in 0..10 {
        let t = m.get("k", gated.as_ref(), TIMEOUT).await.unwrap();
        assert_eq!(
            t.access_token.expose(),
            "token-0",
            "others keep the still-valid token"
        );
    }
    assert_eq!(gated.calls(), 1, "exactly one refresher");
    gate.notify_one();
    assert_eq!(
        refresher.await.unwrap().unwrap().access_token.expose(),
        "new-0"
    );
    assert_eq!(
        m.get("k", gated.as_ref(), TIMEOUT)
            .await
            .unwrap()
            .access_token
            .expose(),
        "new-0"
    );
}

#[tokio::test]
async fn a_nearly_expired_token_is_never_returned() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, Duration::from_secs(10));
    m.get("k", &src, TIMEOUT).await.unwrap();
    clock.advance(Duration::from_millis(9_600)); // 0.4 s left of 10 s: inside the last 1/20
    let t = m.get("k", &src, TIMEOUT).await.unwrap();
    assert_eq!(t.access_token.expose(), "token-1");
    assert!(t.expires_on * 1000 > clock.now_ms());
}

#[tokio::test]
async fn failed_early_refresh_keeps_serving_the_valid_token() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR)
        .then(Ok(()))
        .then(Err(SourceError::hard("fake", "AADSTS7000215")));
    m.get("k", &src, TIMEOUT).await.unwrap();
    clock.advance(Duration::from_secs(56 * 60));
    assert_eq!(
        m.get("k", &src, TIMEOUT)
            .await
            .unwrap()
            .access_token
            .expose(),
        "token-0"
    );
    assert_eq!(
        m.get("k", &src, TIMEOUT)
            .await
            .unwrap()
            .access_token
            .expose(),
        "token-0"
    );
    assert_eq!(
        src.calls(),
        2,
        "the failed refresh is not retried by every caller"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_then_success() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR)
        .then(Err(throttled(Some(3))))
        .then(Err(throttled(Some(3))));
    let t = m.get("k", &src, TIMEOUT).await.unwrap();
    assert_eq!(t.access_token.expose(), "token-2");
    assert_eq!(src.calls(), 3);
    assert_eq!(clock.slept.load(Ordering::SeqCst), 6000);
}

#[tokio::test]
async fn backoff_gives_up_within_the_login_timeout() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR);
    for _ in 0..100 {
        src.script.lock().unwrap().push_back(Err(SourceError {
            status: Some(503),
            ..SourceError::transient("fake", "HTTP 503")
        }));
    }
    let e = m.get("k", &src, Duration::from_secs(10)).await.unwrap_err();
    assert!(e.message.contains("gave up after"), "{}", e.message);
    assert!(clock.slept.load(Ordering::SeqCst) < 10_000);
    assert!(
        (3..=6).contains(&src.calls()),
        "exponential, not a tight loop: {}",
        src.calls()
    );
}

#[tokio::test]
async fn hard_failures_are_cached_briefly() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR)
        .then(Err(SourceError::hard("fake", "AADSTS700016")))
        .then(Err(SourceError::hard("fake", "AADSTS700016")));
    assert!(m.get("k", &src, TIMEOUT).await.is_err());
    assert!(m.get("k", &src, TIMEOUT).await.is_err());
    assert_eq!(src.calls(), 1);
    clock.advance(Duration::from_secs(6));
    assert!(m.get("k", &src, TIMEOUT).await.is_err());
    assert_eq!(src.calls(), 2);
    clock.advance(Duration::from_secs(6));
    assert!(m.get("k", &src, TIMEOUT).await.is_ok());
}

#[tokio::test]
async fn keys_are_independent() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR);
    m.get("a", &src, TIMEOUT).await.unwrap();
    m.get("b", &src, TIMEOUT).await.unwrap();
    m.get("a", &src, TIMEOUT).await.unwrap();
    assert_eq!(src.calls(), 2);
}

#[tokio::test]
async fn a_refused_token_is_discarded_and_the_next_caller_fetches_anew() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR);
    let first = m.serve("k", &src, TIMEOUT).await.unwrap();
    assert!(!first.from_cache, "a cold cache fetches");
    let again = m.serve("k", &src, TIMEOUT).await.unwrap();
    assert!(again.from_cache);
    assert_eq!(again.token, first.token);

    m.discard("k", &first.token);
    let renewed = m.serve("k", &src, TIMEOUT).await.unwrap();
    assert!(!renewed.from_cache);
    assert_eq!(renewed.token.access_token.expose(), "token-1");
    assert_eq!(src.calls(), 2);
}

#[tokio::test]
async fn discarding_a_token_already_replaced_keeps_the_replacement() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, HOUR);
    let old = m.get("k", &src, TIMEOUT).await.unwrap();
    m.discard("k", &old);
    let new = m.get("k", &src, TIMEOUT).await.unwrap();
    // A second connection refused with the old token discards late: the new one stays.
    m.discard("k", &old);
    m.discard("unknown key", &old);
    assert_eq!(m.get("k", &src, TIMEOUT).await.unwrap(), new);
    assert_eq!(src.calls(), 2);
}

#[tokio::test]
async fn ten_second_tokens_over_forty_seconds_take_about_four_requests() {
    let clock = FakeClock::new();
    let m = manager(&clock);
    let src = FakeSource::new(&clock, Duration::from_secs(10));
    for _ in 0..400 {
        let t = m.get("k", &src, TIMEOUT).await.unwrap();
        assert!(t.expires_on * 1000 > clock.now_ms());
        clock.advance(Duration::from_millis(100));
    }
    assert!((4..=6).contains(&src.calls()), "{}", src.calls());
}

#[test]
fn expiry_is_the_earlier_of_reported_and_jwt_exp() {
    use base64::Engine;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":1000}"#);
    let t = crate::auth::http::finish_token(format!("h.{claims}.s"), 5000);
    assert_eq!(t.expires_on, 1000);
    let t = crate::auth::http::finish_token(format!("h.{claims}.s"), 900);
    assert_eq!(t.expires_on, 900);
}
