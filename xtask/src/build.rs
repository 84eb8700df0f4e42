//! Building the widget (wasm-pack, size-optimised) and the server.

use std::process::Command;

use crate::compress;
use crate::root;
use crate::run::{self, Failed, Run, command};
use crate::setup::{self, path_with_tools};

/// Flags for the nightly build: panics become a bare trap instead of carrying the formatting
/// and unwinding machinery, and panic locations and `Debug` output are compiled out. Together
/// with rebuilding `std` for size they take about 16 KB gzip off the download.
const NIGHTLY_RUSTFLAGS: &str =
    concat!("-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none ", stack!());

/// The widget's stack: 256 KiB instead of Rust's 1 MiB, which every page would hold as
/// WebAssembly memory. Rendering nests a few dozen frames; the stack comes first in memory,
/// so running out of it traps (the page then shows its plain link) instead of overwriting.
macro_rules! stack {
    () => {
        "-Clink-arg=-zstack-size=262144"
    };
}
use stack;

/// Builds the widget into `www/pkg` with the `widget` profile (opt-level z, LTO, panic abort)
/// and wasm-opt -Oz: on the installed nightly toolchain with `std` rebuilt for size when there
/// is one, else (or if that fails) on stable. Then compresses it once for serving.
pub fn widget() -> Result<(), Failed> {
    if setup::nightly_for_size() {
        run::step("Building the widget (nightly, std rebuilt for size: wasm-pack build --profile widget)");
        let mut build = wasm_pack_build();
        build
            .env("RUSTUP_TOOLCHAIN", "nightly")
            .env("RUSTFLAGS", NIGHTLY_RUSTFLAGS)
            // Its own target directory, so stable and nightly builds never invalidate each other.
            .env("CARGO_TARGET_DIR", root().join("target/nightly"))
            .args([
                ".",
                "--",
                "-Z",
                "build-std=std,panic_abort",
                "-Z",
                "build-std-features=optimize_for_size",
            ]);
        match build.status_ok("wasm-pack build (nightly)") {
            Ok(()) => return loader().and_then(|()| compress::widget()),
            Err(Failed(why)) => println!("    {why}; building with stable instead"),
        }
    }
    run::step("Building the widget (stable: wasm-pack build --profile widget)");
    wasm_pack_build().status_ok("wasm-pack build")?;
    loader()?;
    compress::widget()
}

/// The loader as served: `www/paywall.js` without its comments, its names shortened (terser),
/// in `www/pkg/`, where the server's build takes it from. Every reader downloads it; its
/// comments are for us.
fn loader() -> Result<(), Failed> {
    run::step("Minifying the loader (terser www/paywall.js -o www/pkg/paywall.loader.js)");
    command("terser")
        .args(["www/paywall.js", "--compress", "--mangle", "--ecma", "2020", "--output"])
        .arg(LOADER)
        .current_dir(root())
        .env("PATH", path_with_tools())
        .status_ok("terser")?;
    // What it was made from, beside it: the server's build takes the minified loader only while
    // `www/paywall.js` is still that.
    std::fs::copy(root().join("www/paywall.js"), root().join(LOADER_SOURCE))
        .map(drop)
        .map_err(|error| Failed(format!("copying www/paywall.js beside the minified loader: {error}")))
}

/// Where the minified loader is written (the server's `build.rs` embeds it from there).
pub const LOADER: &str = "www/pkg/paywall.loader.js";
/// The copy of `www/paywall.js` it was made from.
const LOADER_SOURCE: &str = "www/pkg/paywall.loader.source.js";

fn wasm_pack_build() -> Command {
    let mut build = command("wasm-pack");
    build
        .args(["build", "--profile", "widget", "--target", "web", "--out-dir", "www/pkg", "--no-pack"])
        .env("RUSTFLAGS", stack!())
        .current_dir(root())
        .env("PATH", path_with_tools());
    build
}

/// Builds the server binary in release mode.
pub fn server() -> Result<(), Failed> {
    run::step("Building the server (release)");
    run::cargo().args(["build", "--release", "--package", "paywall-server"]).status_ok("cargo build")
}
