//! Installing what the build and the tests need, skipping whatever is already there.
//!
//! Versions are pinned to ones that work together on these machines: wasm-bindgen-cli must
//! match the `wasm-bindgen` in Cargo.lock exactly, and wasm-opt must be new enough to read
//! what current Rust emits (the npm `binaryen` package, not Debian's).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::root;
use crate::run::{self, Failed, Run, command};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const BINARYEN_VERSION: &str = "132.0.0";
const TERSER_VERSION: &str = "5.51.4";
const CARGO_DENY_VERSION: &str = "0.20.2";

/// What building the widget needs: the wasm target, wasm-bindgen-cli, wasm-opt and terser
/// (which minifies the loader).
pub fn for_building() -> Result<(), Failed> {
    wasm_target()?;
    wasm_bindgen()?;
    js_tools()
}

/// What building and every test need: also Debian's packages (Chromium, chromedriver,
/// fiu-utils), cargo-nextest, cargo-deny and the end-to-end packages.
pub fn everything() -> Result<(), Failed> {
    for_building()?;
    debian_packages()?;
    cargo_nextest()?;
    cargo_deny()?;
    e2e_packages()
}

/// `PATH` with the project's own tools (wasm-opt) and cargo's install directory first, so the
/// builds find exactly the versions installed here.
pub fn path_with_tools() -> OsString {
    let mut paths = vec![root().join(".tools/node_modules/.bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).expect("PATH entries contain no separator")
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

fn have(what: &str) {
    println!("    ✓ {what}");
}

/// Whether a nightly toolchain is installed and ready to rebuild `std` for wasm (its
/// `rust-src` and wasm target are added if missing). No nightly is installed by this command:
/// without one the widget is built with stable, a little larger.
pub fn nightly_for_size() -> bool {
    let toolchains = command("rustup").args(["toolchain", "list"]).output_text().unwrap_or_default();
    if !toolchains.lines().any(|line| line.starts_with("nightly")) {
        println!("    - no nightly toolchain: the widget is built with stable (about 16 KB gzip larger)");
        return false;
    }
    let components = command("rustup")
        .args(["component", "list", "--installed", "--toolchain", "nightly"])
        .output_text()
        .unwrap_or_default();
    let targets = command("rustup")
        .args(["target", "list", "--installed", "--toolchain", "nightly"])
        .output_text()
        .unwrap_or_default();
    let ready = components.lines().any(|line| line.starts_with("rust-src"))
        && targets.lines().any(|line| line.trim() == WASM_TARGET);
    if ready {
        have("nightly with rust-src and the wasm target");
        return true;
    }
    run::step("Adding rust-src and the wasm target to the nightly toolchain");
    command("rustup")
        .args(["component", "add", "rust-src", "--toolchain", "nightly"])
        .status_ok("rustup")
        .is_ok()
        && command("rustup")
            .args(["target", "add", WASM_TARGET, "--toolchain", "nightly"])
            .status_ok("rustup")
            .is_ok()
}

fn wasm_target() -> Result<(), Failed> {
    let installed =
        command("rustup").args(["target", "list", "--installed"]).output_text().unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        have(WASM_TARGET);
        return Ok(());
    }
    run::step(&format!("Installing the {WASM_TARGET} target"));
    command("rustup").args(["target", "add", WASM_TARGET]).status_ok("rustup target add")
}

/// The version a tool reports, if it runs.
fn version_of(program: impl AsRef<std::ffi::OsStr>) -> String {
    command(program).arg("--version").env("PATH", path_with_tools()).output_text().unwrap_or_default()
}

/// cargo-deny, which checks the dependencies' licences, sources and duplicate versions
/// (`deny.toml`): built from crates.io (its prebuilt binaries are on GitHub), once per machine,
/// since the build takes minutes.
fn cargo_deny() -> Result<(), Failed> {
    if version_of(cargo_deny_binary()).contains(CARGO_DENY_VERSION) {
        have(&format!("cargo-deny {CARGO_DENY_VERSION}"));
        return Ok(());
    }
    run::step(&format!("Installing cargo-deny {CARGO_DENY_VERSION} (about a minute)"));
    cargo_install(&["cargo-deny", "--version", CARGO_DENY_VERSION, "--locked"], &[])
}

/// cargo-nextest, which runs the native tests: on this project's machines already, else built
/// from crates.io.
fn cargo_nextest() -> Result<(), Failed> {
    if let Some(version) = run::cargo().args(["nextest", "--version"]).output_text() {
        have(version.lines().next().unwrap_or("cargo-nextest"));
        return Ok(());
    }
    run::step("Installing cargo-nextest (about 3 minutes)");
    cargo_install(&["cargo-nextest", "--locked"], &[])
}

/// `cargo install` of a tool, built for a quick build rather than the fastest binary: these
/// tools read a lockfile or some WebAssembly, and their own release profiles (fat LTO, one
/// codegen unit) would make a new machine wait minutes longer. Unoptimised but for `hot`, the
/// crates the tool spends its time in, and in one target directory for every tool, so that the
/// crates they share are built once: 2:17 for cargo-deny and wasm-bindgen-cli together on a new
/// machine, against 3:53 optimised each on its own (and the widget's tests run as fast).
fn cargo_install(args: &[&str], hot: &[&str]) -> Result<(), Failed> {
    let mut install = run::cargo();
    install
        .arg("install")
        .args(args)
        .env("CARGO_TARGET_DIR", root().join("target/tools"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false");
    for package in hot {
        install.args(["--config", &format!("profile.release.package.{package}.opt-level=2")]);
    }
    install.status_ok(&format!("cargo install {}", args[0]))
}

/// Where cargo-deny is installed.
pub fn cargo_deny_binary() -> PathBuf {
    cargo_bin().join("cargo-deny")
}

fn wasm_bindgen() -> Result<(), Failed> {
    let version = locked_version("wasm-bindgen")?;
    if version_of(cargo_bin().join("wasm-bindgen")).split_whitespace().nth(1) == Some(version.as_str())
        && cargo_bin().join("wasm-bindgen-test-runner").exists()
    {
        have(&format!("wasm-bindgen-cli {version}"));
        return Ok(());
    }
    // The widget's glue must come from exactly the version the widget links (its test runner
    // too). Not `--locked`: its lockfile pins a crate version this registry lacks.
    run::step(&format!("Installing wasm-bindgen-cli {version}, matching Cargo.lock (about a minute)"));
    // It spends its time reading, rewriting and writing WebAssembly (the test binaries are
    // megabytes): unoptimised, the widget's tests took twice as long.
    let hot = ["wasm-bindgen-cli", "wasm-bindgen-cli-support", "walrus", "wasmparser", "wasm-encoder"];
    cargo_install(&["wasm-bindgen-cli", "--version", &version], &hot)
}

/// The version of `package` that Cargo.lock pins, as `cargo metadata` reports it.
fn locked_version(package: &str) -> Result<String, Failed> {
    package_metadata(package)?["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Failed(format!("Cargo.lock does not pin {package}")))
}

/// `package` as `cargo metadata` describes it: its version as Cargo.lock pins it, its
/// `[package.metadata]`, and so on.
pub fn package_metadata(package: &str) -> Result<serde_json::Value, Failed> {
    let metadata = run::cargo()
        .args(["metadata", "--format-version", "1", "--locked"])
        .output_text()
        .ok_or_else(|| Failed("cargo metadata failed".into()))?;
    let mut metadata: serde_json::Value = serde_json::from_str(&metadata)
        .map_err(|error| Failed(format!("reading cargo metadata: {error}")))?;
    metadata["packages"]
        .as_array_mut()
        .and_then(|packages| packages.iter_mut().find(|candidate| candidate["name"] == package))
        .map(serde_json::Value::take)
        .ok_or_else(|| Failed(format!("cargo metadata names no package {package}")))
}

/// wasm-opt and terser, from npm into `.tools`; installed together, since an install with
/// `--no-save` removes the packages it was not given.
fn js_tools() -> Result<(), Failed> {
    let bin = root().join(".tools/node_modules/.bin");
    let major = BINARYEN_VERSION.split('.').next().unwrap_or_default();
    let wasm_opt = version_of(bin.join("wasm-opt")).contains(&format!("version {major}"));
    let terser = version_of(bin.join("terser")).contains(TERSER_VERSION);
    if wasm_opt && terser {
        have(&format!("wasm-opt {major} and terser {TERSER_VERSION} (.tools)"));
        return Ok(());
    }
    run::step(&format!(
        "Installing wasm-opt (npm binaryen@{BINARYEN_VERSION}) and terser@{TERSER_VERSION} into .tools"
    ));
    command("npm")
        .args(["install", "--prefix", ".tools", "--no-save", "--no-audit", "--no-fund"])
        .arg(format!("binaryen@{BINARYEN_VERSION}"))
        .arg(format!("terser@{TERSER_VERSION}"))
        .current_dir(root())
        .status_ok("npm install binaryen terser")
}

/// Debian's packages the tests use, each known by a file it installs: Chromium, its headless
/// shell (most end-to-end tests: a third of the processor time) and chromedriver (the browser
/// tests), fiu-utils (disk errors injected under the server).
const DEBIAN_PACKAGES: [(&str, &str); 4] = [
    ("chromium", "/usr/bin/chromium"),
    ("chromium-headless-shell", "/usr/bin/chromium-headless-shell"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("fiu-utils", "/usr/bin/fiu-run"),
];

fn debian_packages() -> Result<(), Failed> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        have(&DEBIAN_PACKAGES.map(|(package, _)| package).join(", "));
        return Ok(());
    }
    run::step(&format!("Installing {} from Debian (apt-get)", missing.join(", ")));
    let as_root = command("id").arg("-u").output_text().is_some_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut apt = if as_root { command("apt-get") } else { command("sudo") };
        if !as_root {
            apt.args(["-n", "apt-get"]);
        }
        apt.args(args).env("DEBIAN_FRONTEND", "noninteractive").status_ok("apt-get")
    };
    apt(&["update", "-qq"])?;
    apt(&[&["install", "-y", "-qq"][..], &missing].concat())
}

/// Where `cargo xtask bench` installs the peers it measures the widget against.
pub const BENCH_PEERS: &str = ".tools/bench";

/// The peers, as npm publishes them, at the versions measured, and Lighthouse, which scores
/// each page.
const PEERS: [(&str, &str); 3] =
    [("@tryghost/portal", "2.71.227"), ("@unlock-protocol/paywall", "0.8.1"), ("lighthouse", "13.5.0")];

/// Installs the peers `cargo xtask bench` measures (into `.tools/bench`), unless there.
pub fn bench_peers() -> Result<(), Failed> {
    let modules = root().join(BENCH_PEERS).join("node_modules");
    let installed = |(name, version): &(&str, &str)| {
        let manifest = std::fs::read_to_string(modules.join(name).join("package.json")).unwrap_or_default();
        serde_json::from_str::<serde_json::Value>(&manifest)
            .is_ok_and(|manifest| manifest["version"].as_str() == Some(version))
    };
    if PEERS.iter().all(installed) {
        have("the peers to measure against (.tools/bench)");
        return Ok(());
    }
    run::step("Installing the peers to measure against (npm) into .tools/bench");
    command("npm")
        .args([
            "install",
            "--prefix",
            BENCH_PEERS,
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
        ])
        .args(PEERS.map(|(name, version)| format!("{name}@{version}")))
        .current_dir(root())
        .status_ok("npm install of the peers")
}

fn e2e_packages() -> Result<(), Failed> {
    let e2e = root().join("e2e");
    // Every package `package.json` names is there (a checkout updated to one that names more
    // installs them).
    let manifest = std::fs::read_to_string(e2e.join("package.json"))
        .map_err(|error| Failed(format!("reading e2e/package.json: {error}")))?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest)
        .map_err(|error| Failed(format!("e2e/package.json is not JSON: {error}")))?;
    let installed = manifest["devDependencies"].as_object().is_some_and(|packages| {
        packages.keys().all(|name| e2e.join("node_modules").join(name).join("package.json").exists())
    });
    if installed {
        have("end-to-end packages (e2e/node_modules)");
        return Ok(());
    }
    // playwright-core only: the `playwright` package would try to download browsers.
    run::step("Installing the end-to-end test packages (npm ci in e2e/)");
    command("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(e2e).status_ok("npm ci")
}

/// Installs `package==version` from PyPI into a virtual environment at `venv` unless its
/// `binary` is there already (Debian's `python3-venv` first, if missing).
pub fn python_tool(venv: &Path, package: &str, version: &str, binary: &str) -> Result<(), Failed> {
    if venv.join("bin").join(binary).exists() {
        println!("    ✓ {package}");
        return Ok(());
    }
    let shown = venv.strip_prefix(root()).unwrap_or(venv);
    run::step(&format!("Installing {package} {version} (PyPI) into {}", shown.display()));
    if command("python3").args(["-m", "venv"]).arg(venv).status_ok("python3 -m venv").is_err() {
        // Debian ships venv separately.
        command("apt-get")
            .args(["install", "-y", "-q", "python3-venv"])
            .status_ok("apt-get install python3-venv")?;
        let _ = std::fs::remove_dir_all(venv);
        command("python3").args(["-m", "venv"]).arg(venv).status_ok("python3 -m venv")?;
    }
    command(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("{package}=={version}"))
        .status_ok(&format!("pip install {package}"))
}
