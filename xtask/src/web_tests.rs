//! The widget's tests for the web: cargo builds them for wasm32, and wasm-bindgen's runner runs
//! each binary in headless Chromium through chromedriver (`webdriver.json` has the browser's
//! flags), as `cargo test --target wasm32-unknown-unknown` does with the runner set; but run
//! here without cargo, in the background, so that they take no build lock from the cargo
//! commands beside them, and with what they print kept until they are done.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread::JoinHandle;

use crate::run::{self, Failed, Run as _};
use crate::{root, setup};

/// The tests running, and the file what they print goes to.
pub struct Running {
    thread: JoinHandle<Result<(), Failed>>,
    log: PathBuf,
}

/// Builds the widget's tests for the web (shown as it goes); the test binaries.
pub fn build() -> Result<Vec<PathBuf>, Failed> {
    let messages = run::cargo()
        .args(["test", "--target", "wasm32-unknown-unknown", "--no-run"])
        .args(["--message-format", "json-render-diagnostics"])
        .stdout_ok("building the widget's tests for the web")?;
    let binaries: Vec<PathBuf> = messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact" && message["profile"]["test"] == true)
        .filter_map(|artifact| artifact["executable"].as_str().map(PathBuf::from))
        .collect();
    match binaries.is_empty() {
        true => Err(Failed("cargo built no test binaries for the web".into())),
        false => Ok(binaries),
    }
}

/// Starts running `binaries`, one after another, each with its own Chromium (temporary files
/// in `scratch`); what they print goes to `log`.
pub fn start(binaries: Vec<PathBuf>, scratch: &Path, log: &Path) -> Result<Running, Failed> {
    let mut file =
        std::fs::File::create(log).map_err(|error| Failed(format!("{}: {error}", log.display())))?;
    let scratch = scratch.to_owned();
    let thread = std::thread::spawn(move || {
        let mut failed = Vec::new();
        for binary in &binaries {
            let name = binary.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let _ = writeln!(file, "     Running {name}");
            let output =
                |file: &std::fs::File| file.try_clone().map(Stdio::from).unwrap_or_else(|_| Stdio::null());
            let passed = run::command("wasm-bindgen-test-runner")
                .arg(binary)
                .current_dir(root())
                .env("WASM_BINDGEN_TEST_ONLY_WEB", "1")
                .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                .env("PATH", setup::path_with_tools())
                .env("TMPDIR", &scratch)
                .stdout(output(&file))
                .stderr(output(&file))
                .status_ok(&name);
            if let Err(Failed(why)) = passed {
                let _ = writeln!(file, "{why}");
                failed.push(name);
            }
        }
        match failed.as_slice() {
            [] => Ok(()),
            failed => Err(Failed(format!("the widget's tests for the web failed: {}", failed.join(", ")))),
        }
    });
    Ok(Running { thread, log: log.to_owned() })
}

impl Running {
    /// Waits for the tests, prints what they printed, and fails if any failed.
    pub fn finish(self) -> Result<(), Failed> {
        let result = self
            .thread
            .join()
            .unwrap_or_else(|_| Err(Failed("the thread running the widget's tests panicked".into())));
        let shown = std::fs::File::open(&self.log)
            .and_then(|mut log| std::io::copy(&mut log, &mut std::io::stdout().lock()));
        if let Err(error) = shown {
            println!("    (what the tests printed could not be read from {}: {error})", self.log.display());
        }
        result
    }
}
