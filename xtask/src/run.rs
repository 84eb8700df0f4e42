//! Running commands and saying what is happening.

use std::ffi::OsStr;
use std::process::Command;

/// A step that failed, with what to tell the developer.
#[derive(Debug)]
pub struct Failed(pub String);

/// Prints a step's heading, with the time since the first step: where a run's minutes go.
pub fn step(what: &str) {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = STARTED.get_or_init(std::time::Instant::now).elapsed().as_secs();
    println!("\n==> [{}:{:02}] {what}", elapsed / 60, elapsed % 60);
}

/// A command with the workspace's environment.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    Command::new(program)
}

/// `cargo`, the same one that runs xtask.
pub fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(super::root());
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
