//! Slow and idle clients against the real binary (`server/src/serve.rs`): a client that
//! trickles its request headers (slowloris), or keeps a connection open without sending a
//! next request, is cut off once the header timeout has passed, while other clients are
//! served all along.

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{Instant, sleep},
};

use crate::process::{Server, http};

/// Reads until the server closes the connection; gives what it sent and how long after
/// `began` it closed.
async fn read_until_closed(stream: &mut TcpStream, began: Instant) -> (String, Duration) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Ok(Err(e)) => panic!("reading: {e}"),
            Err(_) => panic!("the server kept the connection open {:?} after it began", began.elapsed()),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), began.elapsed())
}

async fn healthz(addr: SocketAddr) -> u16 {
    tokio::task::spawn_blocking(move || http(addr, "GET", "/healthz", "", None, None).unwrap().status).await.unwrap()
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_or_stays_idle_is_cut_off_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("riegel.sqlite");
    let log = dir.path().join("server.log");
    let server = Server::start_on(db.to_str().unwrap(), &log, &[("RIEGEL_HEADER_TIMEOUT_SECS", "2")]).await;
    let addr = server.addr;

    // Half a request head, then one more header line a second: never the blank line.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let slow_began = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    // A whole request on a keep-alive connection, answered, then silence.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut first = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut first)).await.unwrap().unwrap();
    let idle_began = Instant::now();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));

    let mut trickled = 0;
    while slow_began.elapsed() < Duration::from_secs(5) {
        // Other clients are served meanwhile.
        assert_eq!(healthz(addr).await, 200);
        if slow.write_all(format!("X-Slow-{trickled}: 1\r\n").as_bytes()).await.is_err() {
            break;
        }
        trickled += 1;
        sleep(Duration::from_secs(1)).await;
    }
    let (sent, slow_after) = read_until_closed(&mut slow, slow_began).await;
    assert_eq!(sent, "", "nothing is answered to a head that never ends");
    assert!(
        (Duration::from_millis(1500)..Duration::from_secs(6)).contains(&slow_after),
        "the trickling client was cut off after {slow_after:?}, {trickled} header lines"
    );
    let (sent, idle_after) = read_until_closed(&mut idle, idle_began).await;
    assert_eq!(sent, "");
    assert!(
        (Duration::from_millis(1500)..Duration::from_secs(6)).contains(&idle_after),
        "the idle keep-alive connection was closed after {idle_after:?}"
    );
    // The server is as it was: a new connection is served.
    assert_eq!(healthz(addr).await, 200);
    drop(server);
}
