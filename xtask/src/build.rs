//! Building the widget (wasm-pack, size-optimised) and the server.

use crate::root;
use crate::run::{self, Failed, Run, command};
use crate::setup::path_with_tools;

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

/// Builds the server binary in release mode.
pub fn server() -> Result<(), Failed> {
    run::step("Building the server (release)");
    run::cargo()
        .args(["build", "--release", "--package", "paywall-server"])
        .status_ok("cargo build")
}
