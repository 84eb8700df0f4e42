//! The data directory and the files in it (the database, the signing key) that only the
//! server's user may read.

use std::path::Path;

/// Creates the data directory, and any missing parent, readable by the owner only: it holds
/// the database and the signing key. A directory (and its files) left readable by others by an
/// earlier version is made private.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let make_private = |path: &Path, mode: u32| -> std::io::Result<()> {
            let metadata = std::fs::metadata(path)?;
            if metadata.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
                tracing::warn!(path = %path.display(), "others could read this; it is now the owner's alone");
            }
            Ok(())
        };
        make_private(path, 0o700)?;
        for file in ["paywall.db", "paywall.db-wal", "paywall.db-shm", "signing.key"] {
            let file = path.join(file);
            if file.exists() {
                make_private(&file, 0o600)?;
            }
        }
    }
    Ok(())
}

/// Writes a new file only its owner can read, whole and on disk before it returns: a crash or
/// a power cut leaves either no file or the whole of it, never a part (an empty signing key
/// would stop the server from starting again). Fails with `AlreadyExists` if `path` exists.
///
/// The contents go to a temporary file beside it, synced, then linked to `path` (a link, unlike
/// a rename, never replaces a file another process wrote meanwhile), and the directory synced
/// so the new name survives too.
#[cfg(unix)]
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.file_name().ok_or_else(|| std::io::Error::other("a file path"))?.to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    let written = (|| {
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::hard_link(&temporary, path)
    })();
    let _ = std::fs::remove_file(&temporary);
    written?;
    let directory = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(directory)?.sync_all()
}

/// Writes a new file.
#[cfg(not(unix))]
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_private_file_is_written_whole_once_and_leaves_nothing_beside_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signing.key");
        write_private(&path, b"the key").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"the key");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let again = write_private(&path, b"another key").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"the key", "an existing file is never replaced");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(names, ["signing.key"], "no temporary file is left");
    }
}
