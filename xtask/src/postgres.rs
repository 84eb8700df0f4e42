//! A throwaway PostgreSQL server on loopback for the server's tests: made in a temporary
//! directory, started on a free port, and stopped and removed when dropped (so also when a
//! test step fails). PostgreSQL refuses to run as root; as root its commands run as the
//! `postgres` user.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{self, Failed, Run, command};

/// A running throwaway server.
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    /// `postgres://paywall@127.0.0.1:PORT`: the superuser `paywall`, trusted on loopback.
    pub url: String,
}

impl Postgres {
    /// Installs PostgreSQL if missing, and starts a fresh server.
    pub fn start() -> Result<Self, Failed> {
        let bin = installed()?;
        let dir = std::env::temp_dir().join(format!("paywall-test-postgres-{}", std::process::id()));
        stop_leftovers(&bin);
        std::fs::create_dir_all(&dir)
            .map_err(|error| Failed(format!("creating {}: {error}", dir.display())))?;
        if is_root() {
            command("chown").arg("postgres").arg(&dir).status_ok("chown for PostgreSQL")?;
        }
        let port = free_port()?;
        as_postgres(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "paywall", "-E", "UTF8", "--no-sync", "-D"])
            .arg(dir.join("db"))
            .stdout(std::process::Stdio::null())
            .status_ok("initdb")?;
        // Durability is not what these tests are about: no fsync makes them faster.
        let options = format!(
            "-k {} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400",
            dir.display()
        );
        as_postgres(&bin.join("pg_ctl"))
            .args(["-w", "-s", "-D"])
            .arg(dir.join("db"))
            .args(["-o", &options, "-l"])
            .arg(dir.join("log"))
            .arg("start")
            .status_ok("starting PostgreSQL")?;
        println!("    ✓ PostgreSQL on 127.0.0.1:{port} (in {})", dir.display());
        Ok(Postgres { bin, dir, url: format!("postgres://paywall@127.0.0.1:{port}") })
    }

    /// The directory of its programs (`pg_ctl`).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Its data directory, for `pg_ctl -D`.
    pub fn data(&self) -> PathBuf {
        self.dir.join("db")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop(&self.bin, &self.dir);
        println!("    ✓ PostgreSQL stopped");
    }
}

/// Stops the server in `dir`, if one runs there, and removes the directory.
fn stop(bin: &Path, dir: &Path) {
    let _ = as_postgres(&bin.join("pg_ctl"))
        .args(["-s", "-m", "immediate", "-D"])
        .arg(dir.join("db"))
        .arg("stop")
        .stderr(std::process::Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(dir);
}

/// Servers an interrupted run (Ctrl-C) left behind: those whose test command (the process
/// id in the directory's name) is gone. A run going on in another shell keeps its own.
fn stop_leftovers(bin: &Path) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("paywall-test-postgres-") else { continue };
        if !Path::new("/proc").join(pid).exists() {
            stop(bin, &entry.path());
        }
    }
}

/// The directory of PostgreSQL's server programs (the newest installed), installing the
/// Debian package if there is none.
fn installed() -> Result<PathBuf, Failed> {
    if let Some(bin) = find() {
        println!("    ✓ PostgreSQL ({})", bin.display());
        return Ok(bin);
    }
    run::step("Installing PostgreSQL (apt-get install postgresql)");
    command("apt-get")
        .args(["install", "-y", "-q", "postgresql"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status_ok("apt-get install postgresql")?;
    find().ok_or_else(|| Failed("PostgreSQL was installed but initdb was not found".into()))
}

fn find() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    command("id").arg("-u").output_text().is_some_and(|uid| uid.trim() == "0")
}

/// A PostgreSQL program, run as `postgres` when this is root.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut runuser = command("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        command(program)
    }
}

fn free_port() -> Result<u16, Failed> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|error| Failed(format!("a free port: {error}")))?;
    Ok(listener.local_addr().map_err(|error| Failed(error.to_string()))?.port())
}
