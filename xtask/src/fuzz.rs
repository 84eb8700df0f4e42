//! `cargo xtask fuzz`: the fuzz targets of `server/tests/fuzz.rs`, coverage-guided by
//! libFuzzer, for longer than `cargo test` runs them.
//!
//! The test file is built once with bolero's libFuzzer engine: the flags, the engine's
//! environment and the corpus layout are cargo-bolero's (`libfuzzer.rs` and `test_target.rs`
//! of cargo-bolero 0.13), driven from here so that only this one test binary is built with
//! coverage instrumentation (cargo-bolero builds every test target of the package) and no
//! tool needs installing. It needs the nightly toolchain for AddressSanitizer, as
//! cargo-bolero does by default: the instrumentation also reaches the server's own binary
//! (cargo builds it for every integration test), which links only because the sanitizer's
//! runtime defines the coverage hooks libFuzzer defines in the test binary.
//!
//! Each target runs from its corpus (`server/tests/__fuzz__/<target>/corpus`, the inputs kept
//! in the repository); what reaches new code is added there, the corpus is then merged down
//! to the inputs that keep its coverage (the hand-written `seed-*` files always stay), and a
//! crash is written to `crashes/` next to it, which `cargo test` replays until it is fixed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::root;
use crate::run::{self, Failed, Run, command};

/// The coverage instrumentation libFuzzer needs, as cargo-bolero passes it, and the cfgs that
/// select bolero's libFuzzer engine.
const RUSTFLAGS: &str = "--cfg fuzzing --cfg fuzzing_libfuzzer -Zsanitizer=address -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cllvm-args=-sanitizer-coverage-stack-depth";

/// The largest input generated, as under `cargo test` (bolero's default).
const MAX_LEN: usize = 4096;

/// How long one input may take before it counts as a hang.
const TIMEOUT_SECONDS: u64 = 10;

/// The hand-written corpus entries, kept whatever the merge says.
const SEED_PREFIX: &str = "seed-";

/// Runs every fuzz target (or those named) for `seconds` each, then merges its corpus.
pub fn run(seconds: u64, only: &[String]) -> Result<(), Failed> {
    let binary = build()?;
    let targets = targets(&binary, only)?;
    let mut crashed = Vec::new();
    for target in &targets {
        let dir = corpus_home(target);
        let (corpus, crashes) = (dir.join("corpus"), dir.join("crashes"));
        for folder in [&corpus, &crashes] {
            std::fs::create_dir_all(folder)
                .map_err(|error| Failed(format!("creating {}: {error}", folder.display())))?;
        }
        run::step(&format!("Fuzzing {target} for {seconds} s (libFuzzer)"));
        let before = entries(&corpus)?.len();
        let found = libfuzzer(
            &binary,
            target,
            &[
                path_arg(&corpus)?,
                path_arg(&crashes)?,
                format!("-artifact_prefix={}/", path_arg(&crashes)?),
                format!("-max_total_time={seconds}"),
                format!("-timeout={TIMEOUT_SECONDS}"),
                format!("-max_len={MAX_LEN}"),
                "-print_final_stats=1".to_owned(),
            ],
        );
        if found.is_err() {
            crashed.push(format!("{target}: see {}", crashes.display()));
            continue;
        }
        let grown = entries(&corpus)?.len();
        let kept = merge(&binary, target, &corpus)?;
        println!("    {target}: corpus {before} → {grown} inputs, {kept} after merging");
    }
    match crashed.len() {
        0 => Ok(()),
        _ => Err(Failed(format!(
            "fuzzing found a crash (make it a regression test, then fix it):\n  {}",
            crashed.join("\n  ")
        ))),
    }
}

/// Builds `server/tests/fuzz.rs` with coverage instrumentation; the test binary's path.
fn build() -> Result<PathBuf, Failed> {
    run::step("Building the fuzz targets with libFuzzer (profile `fuzz`; the first time takes minutes)");
    // With `--target` named, RUSTFLAGS reach only the target's code, not build scripts and
    // procedural macros, and the artifacts go to a folder of their own.
    let host = command("rustup")
        .args(["run", "nightly", "rustc", "-vV"])
        .output_text()
        .and_then(|info| info.lines().find_map(|line| line.strip_prefix("host: ").map(str::to_owned)))
        .ok_or_else(|| Failed("rustc -vV names no host".into()))?;
    let messages = command("rustup")
        .args(["run", "nightly", "cargo", "test"])
        .current_dir(root())
        .args(["-p", "paywall-server", "--test", "fuzz", "--no-run", "--profile", "fuzz"])
        .args(["--target", &host, "--message-format", "json-render-diagnostics"])
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("BOLERO_FUZZER", "libfuzzer")
        .stdout_ok("building the fuzz targets")?;
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "fuzz")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| Failed("cargo built no fuzz test binary".into()))
}

/// The binary's fuzz targets (`fuzz_*`), or those of them named.
fn targets(binary: &Path, only: &[String]) -> Result<Vec<String>, Failed> {
    let listed = command(binary)
        .args(["--list", "--format", "terse"])
        .output_text()
        .ok_or_else(|| Failed("the fuzz test binary does not list its tests".into()))?;
    let all: Vec<String> = listed
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .filter(|name| name.starts_with("fuzz_"))
        .map(str::to_owned)
        .collect();
    let unknown: Vec<&String> = only.iter().filter(|name| !all.contains(name)).collect();
    if !unknown.is_empty() {
        return Err(Failed(format!("no fuzz target {unknown:?}; there are {}", all.join(", "))));
    }
    Ok(all.into_iter().filter(|name| only.is_empty() || only.contains(name)).collect())
}

/// Where bolero keeps a target's inputs: its name without `fuzz_`, beside the test file.
fn corpus_home(target: &str) -> PathBuf {
    root().join("server/tests/__fuzz__").join(target.trim_start_matches("fuzz_"))
}

/// Runs one target under libFuzzer with `args` (bolero's libFuzzer engine reads them from
/// `BOLERO_LIBFUZZER_ARGS`, split at spaces).
fn libfuzzer(binary: &Path, target: &str, args: &[String]) -> Result<(), Failed> {
    command(binary)
        .args([target, "--exact", "--nocapture", "--quiet", "--test-threads", "1"])
        .env("BOLERO_TEST_NAME", target)
        .env("BOLERO_LIBTEST_HARNESS", "1")
        .env("BOLERO_LIBFUZZER_ARGS", args.join(" "))
        .current_dir(root().join("server"))
        .status_ok(&format!("fuzzing {target}"))
}

/// Merges the corpus down to the inputs that keep its coverage, keeping every seed; how many
/// inputs it has after.
fn merge(binary: &Path, target: &str, corpus: &Path) -> Result<usize, Failed> {
    let merged = corpus.with_file_name("corpus.merging");
    let _ = std::fs::remove_dir_all(&merged);
    std::fs::create_dir_all(&merged)
        .map_err(|error| Failed(format!("creating {}: {error}", merged.display())))?;
    libfuzzer(binary, target, &["-merge=1".to_owned(), path_arg(&merged)?, path_arg(corpus)?])?;
    let seeds: HashSet<Vec<u8>> = entries(corpus)?
        .into_iter()
        .filter(|path| is_seed(path))
        .filter_map(|path| std::fs::read(path).ok())
        .collect();
    let io = |error: std::io::Error| Failed(format!("merging {}: {error}", corpus.display()));
    for path in entries(corpus)?.into_iter().filter(|path| !is_seed(path)) {
        std::fs::remove_file(path).map_err(io)?;
    }
    for path in entries(&merged)? {
        let contents = std::fs::read(&path).map_err(io)?;
        if !seeds.contains(&contents) {
            std::fs::rename(&path, corpus.join(path.file_name().expect("a file has a name"))).map_err(io)?;
        }
    }
    std::fs::remove_dir_all(&merged).map_err(io)?;
    Ok(entries(corpus)?.len())
}

fn is_seed(path: &Path) -> bool {
    path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with(SEED_PREFIX))
}

/// The files in a folder.
fn entries(dir: &Path) -> Result<Vec<PathBuf>, Failed> {
    let listing =
        std::fs::read_dir(dir).map_err(|error| Failed(format!("reading {}: {error}", dir.display())))?;
    Ok(listing.filter_map(Result::ok).map(|entry| entry.path()).filter(|path| path.is_file()).collect())
}

/// A path as one of libFuzzer's arguments, which bolero splits at spaces.
fn path_arg(path: &Path) -> Result<String, Failed> {
    let text = path.to_str().filter(|text| !text.contains(' '));
    text.map(str::to_owned)
        .ok_or_else(|| Failed(format!("libFuzzer cannot be given a path with spaces: {}", path.display())))
}
