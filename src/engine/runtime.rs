//! The process's one tokio runtime, and the single way the synchronous ODBC calls enter it.
//!
//! - A current-thread runtime: the ODBC call's own thread polls the engine's future and drives
//!   the socket, so a read that has to wait costs one park on epoll instead of a wake-up hop
//!   from an I/O worker thread (measured: 13% less client CPU for pyodbc's executemany, 10% for
//!   prepared executes, bench/README.md). Calls from several threads at once still each run their
//!   own future on their own thread; whichever of them holds the driver dispatches the others'
//!   I/O readiness and wakes them, and hands the driver on when its call returns.
//! - Built on first use; rebuilt in a child after `fork()` (the parent's driver state is not
//!   the child's), which `pthread_atfork` tells us about.
//! - If the calling thread already runs inside a tokio runtime (an async host calling ODBC),
//!   `block_on` would panic, so the future is driven from a scoped helper thread instead.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, RwLock};

use tokio::runtime::Runtime;

/// The runtime, with the process it was built in. Runtimes are leaked on purpose: dropping the
/// parent's runtime in a forked child would join (blocking-pool) threads that do not exist there.
static RUNTIME: RwLock<Option<&'static Runtime>> = RwLock::new(None);
static FORKED: AtomicBool = AtomicBool::new(false);
static ATFORK: Once = Once::new();

extern "C" fn child_after_fork() {
    FORKED.store(true, Ordering::SeqCst);
}

fn build() -> &'static Runtime {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building the tokio runtime");
    Box::leak(Box::new(runtime))
}

/// The current process's runtime.
fn runtime() -> &'static Runtime {
    ATFORK.call_once(|| unsafe {
        // SAFETY: registers a handler that only stores to an atomic.
        libc::pthread_atfork(None, None, Some(child_after_fork));
    });
    if FORKED.load(Ordering::Relaxed) {
        let mut slot = RUNTIME.write().unwrap_or_else(|e| e.into_inner());
        if FORKED.swap(false, Ordering::SeqCst) {
            *slot = Some(build());
        }
    }
    if let Some(rt) = *RUNTIME.read().unwrap_or_else(|e| e.into_inner()) {
        return rt;
    }
    let mut slot = RUNTIME.write().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert_with(build)
}

/// Runs `future` to completion on the driver's runtime from synchronous code.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime();
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|scope| {
            scope
                .spawn(|| rt.block_on(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    } else {
        rt.block_on(future)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_works_from_plain_threads() {
        assert_eq!(block_on(async { 7 }), 7);
        let handles: Vec<_> = (0..4)
            .map(|i| std::thread::spawn(move || block_on(async move { i * 2 })))
            .collect();
        let sum: i32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 12);
    }

    #[test]
    fn block_on_works_inside_a_host_runtime() {
        let host = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let value = host.block_on(async { block_on(async { 41 + 1 }) });
        assert_eq!(value, 42);
    }
}
