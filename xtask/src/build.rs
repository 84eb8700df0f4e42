//! Building the widget (size-optimised) and the server.
//!
//! The widget is built as `wasm-pack build --profile widget --target web --no-pack` builds it,
//! in its three steps, without wasm-pack itself: `cargo build`, `wasm-bindgen`, then `wasm-opt`
//! with the passes `Cargo.toml` gives wasm-pack. A new machine then builds one tool from source
//! (wasm-bindgen-cli, which the tests need too) instead of two; a developer's
//! `wasm-pack build` makes the same files.

use std::path::Path;
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
        run::step("Building the widget (nightly, std rebuilt for size: cargo build --profile widget)");
        // Its own target directory, so stable and nightly builds never invalidate each other.
        let target = root().join("target/nightly");
        let mut build = cargo_build(&target);
        build.env("RUSTUP_TOOLCHAIN", "nightly").env("RUSTFLAGS", NIGHTLY_RUSTFLAGS).args([
            "-Z",
            "build-std=std,panic_abort",
            "-Z",
            "build-std-features=optimize_for_size",
        ]);
        match build.status_ok("cargo build (nightly)") {
            Ok(()) => return bindgen_and_optimise(&target),
            Err(Failed(why)) => println!("    {why}; building with stable instead"),
        }
    }
    run::step("Building the widget (stable: cargo build --profile widget)");
    let target = root().join("target");
    cargo_build(&target).status_ok("cargo build")?;
    bindgen_and_optimise(&target)
}

/// The widget's WebAssembly as cargo left it in `target`, made ready to serve: its JavaScript
/// glue generated, its size optimised, the loader minified beside it and all compressed.
fn bindgen_and_optimise(target: &Path) -> Result<(), Failed> {
    let built = target.join(WASM_TARGET).join("widget/paywall.wasm");
    let passes = wasm_opt_passes()?;
    // What the files in `www/pkg` are made from: when that has not changed since they were
    // made, making them again (about 15 s, mostly wasm-opt and brotli) would change nothing.
    let made_from = format!(
        "{}\n{}\n{}",
        fingerprint(&built),
        fingerprint(&root().join("www/paywall.js")),
        passes.join(" ")
    );
    let stamp = root().join(STAMP);
    if std::fs::read_to_string(&stamp).is_ok_and(|made| made == made_from)
        && OUTPUTS.iter().all(|output| root().join(output).exists())
    {
        println!("    ✓ www/pkg is up to date with the widget's build");
        return Ok(());
    }
    let _ = std::fs::remove_file(&stamp);
    run::step("Generating the widget's glue (wasm-bindgen --target web --out-dir www/pkg)");
    command("wasm-bindgen")
        .arg(&built)
        .args(["--out-dir", "www/pkg", "--typescript", "--target", "web"])
        .current_dir(root())
        .env("PATH", path_with_tools())
        .status_ok("wasm-bindgen")?;
    run::step(&format!("Optimising the widget for size (wasm-opt {})", passes.join(" ")));
    let wasm = root().join("www/pkg/paywall_bg.wasm");
    let optimised = wasm.with_extension("opt.wasm");
    command("wasm-opt")
        .arg(&wasm)
        .arg("-o")
        .arg(&optimised)
        .args(&passes)
        .env("PATH", path_with_tools())
        .status_ok("wasm-opt")?;
    std::fs::rename(&optimised, &wasm)
        .map_err(|error| Failed(format!("replacing the widget with its optimised copy: {error}")))?;
    loader()?;
    compress::widget()?;
    std::fs::write(&stamp, made_from).map_err(|error| Failed(format!("writing {STAMP}: {error}")))
}

/// Where the build notes what `www/pkg` was made from.
const STAMP: &str = "www/pkg/.made-from";

/// What the server's build takes from `www/pkg`.
const OUTPUTS: [&str; 8] = [
    "www/pkg/paywall.js",
    "www/pkg/paywall.js.br",
    "www/pkg/paywall.js.gz",
    "www/pkg/paywall_bg.wasm",
    "www/pkg/paywall_bg.wasm.br",
    "www/pkg/paywall_bg.wasm.gz",
    LOADER,
    LOADER_SOURCE,
];

/// A file as the stamp knows it: its length and when it was last written.
fn fingerprint(file: &Path) -> String {
    let metadata = std::fs::metadata(file).ok();
    let length = metadata.as_ref().map_or(0, std::fs::Metadata::len);
    let written = metadata
        .and_then(|metadata| metadata.modified().ok())
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok());
    format!("{} {length} {}", file.display(), written.map_or(0, |since| since.as_nanos()))
}

/// wasm-opt's passes for the widget, as `Cargo.toml` gives them to wasm-pack for a custom
/// profile (`[package.metadata.wasm-pack.profile.custom]`): one list for both ways of building.
fn wasm_opt_passes() -> Result<Vec<String>, Failed> {
    setup::package_metadata("paywall")?["metadata"]["wasm-pack"]["profile"]["custom"]["wasm-opt"]
        .as_array()
        .and_then(|passes| passes.iter().map(|pass| pass.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| {
            Failed("Cargo.toml has no [package.metadata.wasm-pack.profile.custom] wasm-opt list".into())
        })
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

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// `cargo build` of the widget's library for the web, with the `widget` profile, into `target`.
fn cargo_build(target: &Path) -> Command {
    // rustup's `cargo`, not the one running xtask, so that `RUSTUP_TOOLCHAIN` can choose nightly.
    let mut build = command("cargo");
    build
        .current_dir(root())
        .env("PATH", path_with_tools())
        .args(["build", "--lib", "--package", "paywall", "--profile", "widget", "--target", WASM_TARGET])
        .env("RUSTFLAGS", stack!())
        .env("CARGO_TARGET_DIR", target);
    build
}

/// Builds the publisher's dashboard (the `admin` crate) into `www/admin/pkg`, which the server
/// serves at `/admin/`: `cargo build --profile admin` (small, without the widget's slow
/// whole-program passes: staff load it once a session), then its glue with `wasm-bindgen`.
pub fn dashboard() -> Result<(), Failed> {
    run::step("Building the dashboard (cargo build -p paywall-admin --profile admin)");
    let target = root().join("target");
    command("cargo")
        .current_dir(root())
        .env("PATH", path_with_tools())
        .env("CARGO_TARGET_DIR", &target)
        .args(["build", "--lib", "--package", "paywall-admin", "--profile", "admin", "--target", WASM_TARGET])
        .status_ok("cargo build (dashboard)")?;
    let built = target.join(WASM_TARGET).join("admin/paywall_admin.wasm");
    let stamp = root().join(DASHBOARD_STAMP);
    let made_from = fingerprint(&built);
    if std::fs::read_to_string(&stamp).is_ok_and(|made| made == made_from)
        && DASHBOARD_FILES.iter().all(|file| root().join(format!("{file}.br")).exists())
    {
        println!("    ✓ www/admin/pkg is up to date with the dashboard's build");
        return Ok(());
    }
    let _ = std::fs::remove_file(&stamp);
    run::step("The dashboard's glue, its size optimised (wasm-bindgen, wasm-opt -Os), compressed");
    command("wasm-bindgen")
        .arg(&built)
        .args(["--out-dir", "www/admin/pkg", "--no-typescript", "--target", "web"])
        .current_dir(root())
        .env("PATH", path_with_tools())
        .status_ok("wasm-bindgen (dashboard)")?;
    // The widget's passes with -Os for -Oz and without the two slow whole-module rewrites:
    // about 18 s here for a third off the download (417 KB gzip to 338 KB).
    let wasm = root().join(DASHBOARD_WASM);
    let optimised = wasm.with_extension("opt.wasm");
    let features = wasm_opt_passes()?.into_iter().filter(|pass| pass.starts_with("--enable-"));
    command("wasm-opt")
        .arg(&wasm)
        .arg("-o")
        .arg(&optimised)
        .arg("-Os")
        .args(features)
        .env("PATH", path_with_tools())
        .status_ok("wasm-opt (dashboard)")?;
    std::fs::rename(&optimised, &wasm)
        .map_err(|error| Failed(format!("replacing the dashboard with its optimised copy: {error}")))?;
    compress::beside(&DASHBOARD_FILES)?;
    std::fs::write(&stamp, made_from).map_err(|error| Failed(format!("writing {DASHBOARD_STAMP}: {error}")))
}

/// The dashboard's WebAssembly as served.
const DASHBOARD_WASM: &str = "www/admin/pkg/paywall_admin_bg.wasm";

/// What a staff member's browser fetches for the dashboard (besides its page, style sheet and
/// the two lines that start it): the glue and the WebAssembly.
pub const DASHBOARD_FILES: [&str; 2] = ["www/admin/pkg/paywall_admin.js", DASHBOARD_WASM];

/// Where the build notes what `www/admin/pkg` was made from.
const DASHBOARD_STAMP: &str = "www/admin/pkg/.made-from";

/// Builds the server binary in release mode.
pub fn server() -> Result<(), Failed> {
    run::step("Building the server (release)");
    run::cargo().args(["build", "--release", "--package", "paywall-server"]).status_ok("cargo build")
}
