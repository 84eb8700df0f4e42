//! A server that cannot start says why, with the cause underneath, and exits with 1.

mod common;

use common::process::ServerProcess;

fn refusal(env: &[(&str, &str)]) -> String {
    let failed = ServerProcess::try_start(env).err().expect("the server does not start");
    assert_eq!(failed.status.and_then(|status| status.code()), Some(1), "{}", failed.log);
    failed.log
}

#[test]
fn a_server_that_cannot_start_says_why_and_what_caused_it() {
    let log = refusal(&[("PAYWALL_SMTP_URL", "not a url")]);
    let line = log.lines().find(|line| line.starts_with("paywall-server: ")).expect("a line saying why");
    let cause =
        line.strip_prefix("paywall-server: PAYWALL_SMTP_URL is not valid: ").expect("what is not valid");
    assert!(cause.contains("relative URL without a base"), "the cause is given: {log}");

    let log = refusal(&[("PAYWALL_SIGNING_KEY_FILE", "/nonexistent/signing.key")]);
    assert!(
        log.contains("reading the signing key /nonexistent/signing.key: No such file or directory"),
        "{log}"
    );

    let log = refusal(&[("PAYWALL_SIGNING_KEY", "changeme")]);
    assert!(log.contains("head -c 48 /dev/urandom | base64"), "{log}");
}
