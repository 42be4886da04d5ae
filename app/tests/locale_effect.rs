//! The language context's effect, polled while its owner is being disposed, does not panic.
//!
//! `I18nContextProvider` starts an effect that copies the page's locale into the language
//! cookie. On the server it is a task on the runtime, and nothing ties it to its owner: when
//! a runtime worker first polls it while the owner is being dropped, the locale signal is
//! already gone from the arena while the effect is not yet. leptos_i18n 0.6.2 read the signal
//! with `get()` there and panicked ("you tried to access a reactive value … but it has already
//! been disposed"). At start that owner is the route listing's, dropped as soon as the list
//! is done, so a busy machine printed a backtrace on some starts of the server; a page render
//! whose workers are all busy hits the same window. `vendor/leptos_i18n/PATCH.md` says what
//! the patch changes.
//!
//! A worker's timing is made exact here: an executor holds every spawned task, and a value
//! stored in the owner before the context polls them while the owner is dropped, after the
//! arena has let go of the owner's nodes and before those nodes are dropped. Without the
//! patch this test fails on every run.
//!
//! A test binary of its own: the executor is one for the whole process.
#![cfg(feature = "ssr")]

use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use leptos::prelude::{Owner, StoredValue};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::task::{Context, Waker};

/// Tasks spawned and not yet polled.
static HELD: Mutex<Vec<PinnedFuture<()>>> = Mutex::new(Vec::new());
/// What polling the held tasks found: how many were polled, and the panics they raised.
static POLLED: Mutex<(usize, Vec<String>)> = Mutex::new((0, Vec::new()));

/// An executor that runs nothing until told to.
struct Holding;

impl CustomExecutor for Holding {
    fn spawn(&self, task: PinnedFuture<()>) {
        lock(&HELD).push(task);
    }
    fn spawn_local(&self, _task: PinnedLocalFuture<()>) {}
    fn poll_local(&self) {}
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Polls every held task once, as a runtime worker would, recording any panic.
fn poll_held() {
    let tasks = std::mem::take(&mut *lock(&HELD));
    let mut cx = Context::from_waker(Waker::noop());
    for mut task in tasks {
        let polled = catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(&mut cx)));
        let mut seen = lock(&POLLED);
        seen.0 += 1;
        if let Err(panic) = polled {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            seen.1.push(message);
        }
    }
}

/// Stored in the owner first: dropped first among its nodes, once the arena has removed them.
struct PollWhenDropped;

impl Drop for PollWhenDropped {
    fn drop(&mut self) {
        poll_held();
    }
}

#[test]
fn the_locale_effect_polled_while_its_owner_is_dropped_does_not_panic() {
    Executor::init_custom_executor(Holding).expect("the first executor of this process");
    let owner = Owner::new_root(None);
    owner.with(|| {
        let _poll_when_dropped = StoredValue::new(PollWhenDropped);
        let _context = leptos_i18n::context::init_i18n_context::<app::i18n::Locale>();
    });
    assert!(!lock(&HELD).is_empty(), "the language context spawned its effect");

    drop(owner);

    let (polled, panics) = &*lock(&POLLED);
    assert!(*polled > 0, "the effect was polled while its owner was dropped");
    assert!(panics.is_empty(), "the effect panicked: {panics:?}");
}
