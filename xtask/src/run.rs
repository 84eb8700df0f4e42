//! Running commands and saying what is happening.

use std::ffi::OsStr;
use std::process::Command;

/// A step that failed, with what to tell the developer.
#[derive(Debug)]
pub struct Failed(pub String);

/// Prints a step's heading, with the time since the first step and the processor time the
/// finished commands have used since (both cores count): where a run's minutes go.
pub fn step(what: &str) {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = STARTED.get_or_init(std::time::Instant::now).elapsed().as_secs();
    let clock = |seconds: u64| format!("{}:{:02}", seconds / 60, seconds % 60);
    match children_cpu_seconds() {
        Some(cpu) => println!("\n==> [{}, processor {}] {what}", clock(elapsed), clock(cpu)),
        None => println!("\n==> [{}] {what}", clock(elapsed)),
    }
}

/// User and system time of this process's finished children (and theirs), from
/// `/proc/self/stat` (Linux only; its clock ticks are hundredths of a second there).
fn children_cpu_seconds() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's name, which is in parentheses: the state is field 3,
    // the children's user and system ticks fields 16 and 17.
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let ticks = |field: usize| fields.get(field - 3)?.parse::<u64>().ok();
    Some((ticks(16)? + ticks(17)?) / 100)
}

/// A command with the workspace's environment.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    Command::new(program)
}

/// `cargo`, the same one that runs xtask.
pub fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(super::root());
    // What `cargo run` told xtask about xtask's own package: some build scripts (ring's) rerun
    // when these change, so passing them on would rebuild those crates whenever a developer
    // alternates between `cargo xtask test` and cargo by hand.
    for (name, _) in std::env::vars_os() {
        let name_text = name.to_string_lossy();
        if name_text.starts_with("CARGO_PKG_")
            || name_text.starts_with("CARGO_MANIFEST_")
            || ["CARGO_CRATE_NAME", "CARGO_BIN_NAME", "CARGO_PRIMARY_PACKAGE"].contains(&&*name_text)
        {
            cargo.env_remove(&name);
        }
    }
    cargo
}

/// Running a command to completion.
pub trait Run {
    /// Runs with inherited output; fails unless it exits 0.
    fn status_ok(&mut self, what: &str) -> Result<(), Failed>;
    /// Runs and returns its standard output, or `None` if it cannot run or fails.
    fn output_text(&mut self) -> Option<String>;
    /// Runs with its standard error shown as it comes; returns its standard output, and
    /// fails unless it exits 0.
    fn stdout_ok(&mut self, what: &str) -> Result<String, Failed>;
}

impl Run for Command {
    fn status_ok(&mut self, what: &str) -> Result<(), Failed> {
        match self.status() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Failed(format!("{what} failed ({status})"))),
            Err(error) => Err(Failed(format!("{what} could not start: {error}"))),
        }
    }

    fn output_text(&mut self) -> Option<String> {
        let output = self.output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn stdout_ok(&mut self, what: &str) -> Result<String, Failed> {
        let output = self
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|error| Failed(format!("{what} could not start: {error}")))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        match output.status.success() {
            true => Ok(stdout),
            false => Err(Failed(format!("{what} failed ({}):\n{stdout}", output.status))),
        }
    }
}
