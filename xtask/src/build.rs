//! Building the widget (wasm-pack, size-optimised) and the server.

use crate::root;
use crate::run::{self, Failed, Run, command};
use crate::setup::path_with_tools;

/// Which cargo profile the server is built with.
#[derive(Clone, Copy)]
pub enum Profile {
    /// For tests: shares the build that `cargo test` made.
    Debug,
    /// For the demo.
    Release,
}

/// Builds the widget into `www/pkg` with the `widget` profile (opt-level z, LTO, panic abort)
/// and wasm-opt -Oz.
pub fn widget() -> Result<(), Failed> {
    run::step("Building the widget (wasm-pack build --profile widget --target web)");
    command("wasm-pack")
        .args([
            "build",
            "--profile",
            "widget",
            "--target",
            "web",
            "--out-dir",
            "www/pkg",
            "--no-pack",
        ])
        .current_dir(root())
        .env("PATH", path_with_tools())
        .status_ok("wasm-pack build")
}

/// Builds the server binary.
pub fn server(profile: Profile) -> Result<(), Failed> {
    let mut cargo = run::cargo();
    cargo.args(["build", "--package", "paywall-server"]);
    match profile {
        Profile::Debug => run::step("Building the server"),
        Profile::Release => {
            run::step("Building the server (release)");
            cargo.arg("--release");
        }
    }
    cargo.status_ok("cargo build")
}
