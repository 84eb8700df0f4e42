//! Disk errors under the running server, injected into its system calls by libfiu (`fiu-run`,
//! from Debian's `fiu-utils`): `fsync` and `fdatasync` failing with EIO, then `pwrite`
//! failing with ENOSPC (a full disk). While the disk fails, every write is answered 503 with
//! `Retry-After` and none is acknowledged; reads go on; once the disk is well again the same
//! process writes again; after a kill and a restart every acknowledged write is there and
//! SQLite finds its file whole.
//!
//! `#[ignore]`d in a plain `cargo test` (it needs `fiu-run`); `cargo xtask test` installs
//! fiu-utils and runs it.

mod common;

use std::process::Command;
use std::time::Duration;

use common::process::ServerProcess;
use common::{count_where, database_of};
use reqwest::StatusCode;
use serde_json::json;

/// Where libfiu's control pipes go: `PREFIX-PID.in` and `.out`.
fn control_prefix(dir: &std::path::Path) -> String {
    dir.join("fiu-ctrl").display().to_string()
}

/// Runs a libfiu remote-control `command` in the server process.
fn fiu(server: &ServerProcess, prefix: &str, command: &str) {
    let status = Command::new("fiu-ctrl")
        .args(["-f", prefix, "-c", command, &server.pid().to_string()])
        .status()
        .expect("fiu-ctrl runs (apt-get install fiu-utils)");
    assert!(status.success(), "fiu-ctrl -c {command:?} failed");
}

/// What one admin write came to.
#[derive(Debug, PartialEq)]
enum Written {
    Acknowledged,
    Refused,
}

/// Admin writes, each adding a reader, and those acknowledged.
struct Writes {
    http: reqwest::Client,
    key: String,
    n: usize,
    acknowledged: Vec<String>,
}

impl Writes {
    /// Adds a reader; asserts the outcome is `expected`, if given.
    async fn add(&mut self, server: &ServerProcess, expected: Option<Written>) -> Written {
        self.n += 1;
        let email = format!("disk-{}@example.com", self.n);
        let written = add_reader(&self.http, server, &self.key, &email).await;
        if let Some(expected) = expected {
            assert_eq!(written, expected, "{email}");
        }
        if written == Written::Acknowledged {
            self.acknowledged.push(email);
        }
        written
    }
}

async fn add_reader(http: &reqwest::Client, server: &ServerProcess, key: &str, email: &str) -> Written {
    let response = http
        .post(format!("http://{}/v1/admin/readers", server.addr))
        .bearer_auth(key)
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response.headers().get("retry-after").is_some();
    let text = response.text().await.unwrap();
    match status {
        StatusCode::CREATED => Written::Acknowledged,
        StatusCode::SERVICE_UNAVAILABLE if retry_after => Written::Refused,
        _ => panic!("{status} (Retry-After: {retry_after}): {text}\n{}", server.log()),
    }
}

#[tokio::test]
#[ignore = "needs fiu-run (cargo xtask test installs fiu-utils)"]
async fn a_failing_or_full_disk_refuses_writes_with_503_and_loses_nothing_acknowledged() {
    let scratch = tempfile::tempdir().unwrap();
    let prefix = control_prefix(scratch.path());
    let settings = [("RUST_LOG", "warn"), ("PATH", "/usr/local/bin:/usr/bin:/bin")];
    let server = ServerProcess::try_start_under(
        &["fiu-run", "-x", "-f", &prefix],
        tempfile::tempdir().unwrap(),
        &settings,
    )
    .unwrap_or_else(|failed| panic!("the server did not start under fiu-run: {failed:?}"));
    let data = server.dir.path().join("data");
    let db = database_of(&data).await;
    let key = common::admin_key_in(&db).await;
    db.close().await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();

    let mut writes = Writes { http, key, n: 0, acknowledged: Vec::new() };
    for _ in 0..3 {
        writes.add(&server, Some(Written::Acknowledged)).await;
    }

    for (failing, points) in [
        ("fsync fails (EIO)", ["posix/io/sync/fsync", "posix/io/sync/fdatasync"]),
        ("the disk is full (ENOSPC)", ["posix/io/rw/pwrite", "posix/io/rw/pwritev"]),
    ] {
        let errno = if failing.contains("EIO") { 5 } else { 28 };
        for point in points {
            fiu(&server, &prefix, &format!("enable name={point},failinfo={errno}"));
        }
        for _ in 0..5 {
            writes.add(&server, Some(Written::Refused)).await;
        }
        // Reads need no disk write: the readers are still listed.
        let listed = writes
            .http
            .get(format!("http://{}/v1/admin/readers", server.addr))
            .bearer_auth(&writes.key)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), StatusCode::OK, "a read while {failing}");
        for point in points {
            fiu(&server, &prefix, &format!("disable name={point}"));
        }
        // Well again: the same process writes, perhaps after a moment.
        let mut tries = 0;
        loop {
            if writes.add(&server, None).await == Written::Acknowledged {
                break;
            }
            tries += 1;
            assert!(tries < 20, "no write succeeded after {failing} stopped");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let dir = server.kill();
    let db = database_of(&dir.path().join("data")).await;
    for email in &writes.acknowledged {
        assert_eq!(
            count_where(&db, "readers", &format!("email = '{email}'")).await,
            1,
            "{email} was acknowledged and lost"
        );
    }
    let paywall_server::store::Db::Sqlite(pool) = &db else { panic!("this test is about SQLite's file") };
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await.unwrap();
    assert_eq!(integrity, ["ok"]);
    let broken: Vec<(String,)> =
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(pool).await.unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    db.close().await;
}
