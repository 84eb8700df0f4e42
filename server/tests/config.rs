//! The configuration tests build on ignores the developer's shell. This file holds one test, so
//! no other test runs while it changes the process's environment.

use paywall_server::config::Config;

#[test]
fn a_tests_configuration_ignores_every_exported_setting() {
    // SAFETY: this test binary runs this one test, on one thread; nothing else reads the
    // environment while it is changed.
    unsafe {
        std::env::set_var("DATABASE_URL", "sqlite:///tmp/someone-elses.db");
        std::env::set_var("PAYWALL_SMTP_URL", "smtp://mail.example:25");
        std::env::set_var("PAYWALL_DEMO", "true");
        std::env::set_var("PAYWALL_SIGNING_KEY", "an exported key that a test must never use at all");
        std::env::set_var("PAYWALL_ADDR", "0.0.0.0:80");
    }
    let config = Config::defaults("data");
    assert_eq!(config.database_url, None);
    assert_eq!(config.mail.smtp_url, None);
    assert!(!config.demo.on);
    assert_eq!(config.signing.key, None);
    assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
    // The server itself does read them.
    use clap::Parser;
    let from_environment = Config::parse_from(["paywall-server"]);
    assert_eq!(from_environment.mail.smtp_url.as_deref(), Some("smtp://mail.example:25"));
    assert!(from_environment.signing.key.is_some());
}
