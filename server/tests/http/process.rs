//! The process harness: the real server binary started on a database and killed with
//! SIGKILL, and a raw HTTP/1.1 client that speaks to it over TCP (one connection a request),
//! for the tests that need a real process rather than the router in memory.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The real server binary in development mode on `db`, believing `X-Forwarded-For` from
/// 127.0.0.1; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts the binary on `database` (a file or a PostgreSQL URL) with more settings, its
    /// stderr written to `log`, and waits until `/healthz` answers 200. The
    /// binary is `RIEGEL_SERVER_BIN` when set (`./x test` sets the release build), else this
    /// test build's.
    pub async fn start_on(database: &str, log: &std::path::Path, settings: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let binary = std::env::var("RIEGEL_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_server").to_owned());
        let child = Command::new(binary)
            .env_remove("RIEGEL_SECRET_KEY")
            .env("RIEGEL_DEV", "true")
            .env("RIEGEL_DATABASE", database)
            .env("RIEGEL_BIND", addr.to_string())
            .env("RIEGEL_TRUSTED_PROXY", "127.0.0.1")
            .env("RIEGEL_ARGON2_M_KIB", "256")
            .env("RIEGEL_ARGON2_T", "1")
            .env("RIEGEL_ARGON2_QUEUE", "64")
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let server = Server { child, addr };
        for _ in 0..600 {
            let ready = tokio::task::spawn_blocking(move || http(addr, "GET", "/healthz", "", None, None))
                .await
                .unwrap()
                .is_ok_and(|r| r.status == 200);
            if ready {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start: {}", std::fs::read_to_string(log).unwrap_or_default());
    }

    /// Sends SIGTERM, as systemd or Kubernetes stop a service, and waits for the exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        assert!(sent.success(), "kill -TERM");
        self.child.wait().unwrap()
    }

    /// Sends `signal` (`STOP` freezes the process as a paused VM or a stalled host would,
    /// `CONT` lets it go on).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(sent.success(), "kill -{signal}");
    }

    /// Kills the process with SIGKILL (no shutdown of its own) and reaps it.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer as it came over the wire: the status code, the head (status line and headers)
/// and the body.
pub struct Raw {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request over a fresh connection; `Err` when no whole answer came back.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    from: Option<&str>,
    cookie: Option<&str>,
) -> std::io::Result<Raw> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(ip) = from {
        req.push_str(&format!("X-Forwarded-For: {ip}\r\n"));
    }
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes())?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(std::io::ErrorKind::InvalidData)?;
    let length: Option<usize> = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)));
    if length.is_some_and(|n| body.len() < n) {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Raw { status, head: head.to_owned(), body: body.to_owned() })
}

impl Raw {
    /// Whether the answer sends the browser to the MFA challenge.
    pub fn challenged(&self) -> bool {
        self.head.lines().any(|l| l.eq_ignore_ascii_case("location: /mfa"))
    }
}
