//! Keeping `target/` from growing without end: every change to the code links each test
//! binary anew under a new hash, and cargo never deletes the old ones (a few hundred megabytes
//! each, so a day of runs filled tens of gigabytes).

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

/// How many builds of each test binary to keep: the server's tests are built in two
/// configurations (the workspace run and the server's own), each one current.
const KEEP: usize = 2;

/// Deletes all but the newest [`KEEP`] builds of each test binary in `deps` (names like
/// `meter-0123456789abcdef`, or the same with `.wasm`); prints what it freed.
pub fn old_test_binaries(deps: &Path) {
    let Ok(entries) = std::fs::read_dir(deps) else { return };
    let mut builds: HashMap<String, Vec<(SystemTime, std::path::PathBuf, u64)>> = HashMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
        let stem = name.strip_suffix(".wasm").unwrap_or(name);
        let Some((test, hash)) = stem.rsplit_once('-') else { continue };
        // A test binary: no extension of its own, a 16-digit hash, and not a library.
        if stem.contains('.')
            || hash.len() != 16
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
            || test.starts_with("lib")
        {
            continue;
        }
        let Ok(metadata) = entry.metadata() else { continue };
        if !metadata.is_file() {
            continue;
        }
        let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        builds.entry(test.to_owned()).or_default().push((modified, path, metadata.len()));
    }
    let mut freed = 0;
    for mut versions in builds.into_values() {
        versions.sort_by_key(|(modified, ..)| std::cmp::Reverse(*modified));
        for (_, path, size) in versions.into_iter().skip(KEEP) {
            if std::fs::remove_file(&path).is_ok() {
                freed += size;
                // Its dependency list goes with it.
                let _ = std::fs::remove_file(path.with_extension("d"));
            }
        }
    }
    if freed > 0 {
        println!("    removed old test binaries from {}: {:.1} GB", deps.display(), freed as f64 / 1e9);
    }
}
