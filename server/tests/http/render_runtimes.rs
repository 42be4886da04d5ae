//! Pages rendered from several tokio runtimes at once, while other routers are being built:
//! what the parallel test run does, on purpose and many times over.
//!
//! Building a router lists its routes by rendering the app once (`generate_route_list`), and
//! leptos marks that with one process-wide flag (`SuppressResourceLoad`, a static
//! `AtomicBool` in leptos_server). A `Resource` whose future is first polled in any thread
//! while the flag is up turns into `pending()` for good, and its page never finishes. The
//! router therefore lists the routes once per process (`server::router`), and this test keeps
//! it that way: eight runtimes, each on its own thread, build routers and render the pages
//! with a `Resource` (the login page in German and English, the MFA page) and the not-found
//! page, again and again.

use std::{
    collections::BTreeMap,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex, mpsc},
    thread,
    time::Duration,
};

use http::StatusCode;

use crate::harness::{Client, TestApp, ip};

const RUNTIMES: usize = 8;
const ROUNDS: usize = 20;
/// Far above the few seconds the whole test takes: with no runtime done this long after the
/// previous one, a render has stopped for good.
const LIMIT: Duration = Duration::from_secs(60);

/// What each runtime is waiting for, by runtime.
type Open = Arc<Mutex<BTreeMap<usize, String>>>;

async fn rounds(n: usize, open: Open) {
    let doing = |what: String| {
        open.lock().unwrap().insert(n, what);
    };
    let mut t = TestApp::start().await;
    for round in 0..ROUNDS {
        // Another runtime renders while this one builds its router, and the other way round.
        doing(format!("building router {round}"));
        t.router = t.new_router();
        let c = Client::new(&t, ip(1));
        doing(format!("GET /login (round {round})"));
        let de = c.get("/login").await;
        assert!(de.body.contains("E-Mail-Adresse") && de.body.contains("lang=\"de\""), "{}", de.body);
        doing(format!("GET /login in English (round {round})"));
        let en = c.get_with("/login", &[("accept-language", "en-GB,en;q=0.9")]).await;
        assert!(en.body.contains("E-mail address") && en.body.contains("lang=\"en\""), "{}", en.body);
        doing(format!("GET /mfa (round {round})"));
        let mfa = c.get("/mfa").await;
        assert!(mfa.body.contains("</html>"), "{}", mfa.body);
        doing(format!("GET /no-such-page (round {round})"));
        let missing = c.get("/no-such-page").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("</html>"), "{}", missing.body);
    }
    open.lock().unwrap().remove(&n);
}

#[test]
fn pages_render_from_several_runtimes_at_once() {
    let open: Open = Arc::default();
    let (done_tx, done_rx) = mpsc::channel();
    for n in 0..RUNTIMES {
        let (open, done) = (open.clone(), done_tx.clone());
        thread::Builder::new()
            .name(format!("runtime-{n}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let ran = std::panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(rounds(n, open))));
                let _ = done.send((n, ran.err().map(|e| panic_text(&e))));
            })
            .unwrap();
    }
    drop(done_tx);
    for _ in 0..RUNTIMES {
        match done_rx.recv_timeout(LIMIT) {
            Ok((_, None)) => {}
            Ok((n, Some(e))) => panic!("runtime {n} failed: {e}"),
            // A runtime stuck in a render cannot be stopped from here; the process ends it.
            Err(_) => panic!("no answer within {LIMIT:?}; still waiting: {:?}", open.lock().unwrap()),
        }
    }
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Many pages rendered side by side on one multi-threaded runtime, as a server under load
/// does: each answer is whole and carries its own language's `<title>`.
///
/// leptos keeps each render's signals in an arena of its own and finds it through a
/// thread-local that whatever ran last on the thread has set. A page's `<title>` is read
/// after the body's first chunk, from a task that another render may have run on in between;
/// read through the other render's arena, the title's signal is "disposed" and the render
/// panics (about one render in 750 under the soak). `vendor/leptos_integration_utils` polls
/// the whole response inside its own owner and arena.
#[test]
fn pages_rendered_side_by_side_keep_their_own_title() {
    const CLIENTS: usize = 48;
    const PAGES: usize = 30;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let t = TestApp::start().await;
        let wanted = [
            ("/login", "de-DE", "<title>Anmelden – Lieferantenportal</title>"),
            ("/login", "en-GB", "<title>Log in – Supplier portal</title>"),
            ("/mfa", "de-DE", "<title>Anmeldung bestätigen – Lieferantenportal</title>"),
            ("/mfa", "en-GB", "<title>Confirm login – Supplier portal</title>"),
        ];
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|n| {
                let c = Client::new(&t, ip(n as u8 + 1));
                tokio::spawn(async move {
                    let mut wrong = Vec::new();
                    for i in 0..PAGES {
                        let (path, lang, title) = wanted[(n + i) % wanted.len()];
                        let page = c.get_with(path, &[("accept-language", lang)]).await;
                        if page.status != StatusCode::OK || !page.body.contains(title) || !page.body.contains("</html>")
                        {
                            wrong.push(format!("{path} {lang}: {} {}", page.status, first_line_of_head(&page.body)));
                        }
                    }
                    wrong
                })
            })
            .collect();
        let (mut panicked, mut wrong) = (0, Vec::new());
        for task in tasks {
            match task.await {
                Ok(w) => wrong.extend(w),
                Err(_) => panicked += 1,
            }
        }
        assert_eq!((panicked, wrong.len()), (0, 0), "{panicked} clients saw a render panic; wrong pages: {wrong:#?}");
    });
}

fn first_line_of_head(body: &str) -> &str {
    body.find("<title>").map_or(&body[..body.len().min(200)], |i| &body[i..body.len().min(i + 80)])
}
