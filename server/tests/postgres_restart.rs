//! PostgreSQL stopped at once (`pg_ctl -m immediate`, as a crash of the database's machine
//! looks to the server) and started again under a running paywall server: while it is down
//! every write is answered 503 with `Retry-After`, never 500; once it is back the same server
//! process, without a restart, is ready and writes again, and every write it acknowledged is
//! there. Its own binary, since it stops the database every other test of a run shares.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::process::ServerProcess;
use common::{count_where, database_of};
use reqwest::StatusCode;
use serde_json::json;

/// `pg_ctl restart -m immediate` on the run's PostgreSQL, as its own user when this is root.
fn restart_postgres_at_once() {
    let bin = std::env::var("PAYWALL_TEST_POSTGRES_BIN")
        .expect("PAYWALL_TEST_POSTGRES_BIN: set by cargo xtask test");
    let data = std::env::var("PAYWALL_TEST_POSTGRES_DATA")
        .expect("PAYWALL_TEST_POSTGRES_DATA: set by cargo xtask test");
    let pg_ctl = format!("{bin}/pg_ctl");
    let root = Command::new("id").arg("-u").output().is_ok_and(|id| id.stdout.starts_with(b"0\n"));
    let mut command = if root {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "postgres", "--", &pg_ctl]);
        runuser
    } else {
        Command::new(&pg_ctl)
    };
    // `restart` starts it with the options it was started with (postmaster.opts), its log in
    // its data directory: the server started must not hold this test's output open.
    let log = format!("{data}/restart.log");
    let status = command
        .args(["restart", "-m", "immediate", "-w", "-s", "-D", &data, "-l", &log])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl restart failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the run's PostgreSQL and its pg_ctl (cargo xtask test)"]
async fn postgres_stopped_at_once_under_the_server_comes_back_and_the_pool_recovers() {
    assert!(common::postgres().is_some(), "PAYWALL_TEST_POSTGRES names no PostgreSQL server");
    let server = ServerProcess::start(&[("RUST_LOG", "warn"), ("PAYWALL_TRUSTED_PROXIES", "127.0.0.1")]);
    let data = server.dir.path().join("data");
    let key = common::admin_key_in(&database_of(&data).await).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let base = format!("http://{}", server.addr);

    let write = |n: usize| {
        let http = http.clone();
        let (base, key) = (base.clone(), key.clone());
        async move {
            let email = format!("restart-{n}@example.com");
            let response = http
                .post(format!("{base}/v1/admin/readers"))
                .bearer_auth(key)
                .header("x-forwarded-for", format!("10.1.{}.{}", n / 250, n % 250))
                .json(&json!({"email": email}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let retry_after = response.headers().get("retry-after").is_some();
            let text = response.text().await.unwrap();
            assert!(
                status == StatusCode::CREATED || (status == StatusCode::SERVICE_UNAVAILABLE && retry_after),
                "{status} (Retry-After: {retry_after}): {text}"
            );
            (status == StatusCode::CREATED).then_some(email)
        }
    };

    let mut acknowledged = Vec::new();
    let mut refused = 0;
    let mut n = 0;
    // Writes before, during and after the restart, one after another.
    let restart = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(300));
        restart_postgres_at_once();
        Instant::now()
    });
    while !restart.is_finished() {
        n += 1;
        match write(n).await {
            Some(email) => acknowledged.push(email),
            None => refused += 1,
        }
    }
    let back = restart.join().unwrap();
    // Ready again, without a restart of the paywall server.
    let ready = loop {
        let answer = http.get(format!("{base}/readyz")).send().await.unwrap();
        if answer.status().is_success() {
            break back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(15), "not ready 15 s after PostgreSQL came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut after = 0;
    for _ in 0..20 {
        n += 1;
        if let Some(email) = write(n).await {
            acknowledged.push(email);
            after += 1;
        }
    }
    assert!(after >= 15, "only {after} of 20 writes succeeded after PostgreSQL came back");
    println!(
        "{} writes acknowledged, {refused} refused with 503 while PostgreSQL was down; ready {ready:?} after it came back",
        acknowledged.len()
    );
    let db = database_of(&data).await;
    for email in &acknowledged {
        assert_eq!(
            count_where(&db, "readers", &format!("email = '{email}'")).await,
            1,
            "{email} was acknowledged and lost"
        );
    }
    db.close().await;
}
