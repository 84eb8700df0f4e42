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

/// Writes a new file only its owner can read.
#[cfg(unix)]
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents)
}

/// Writes a new file.
#[cfg(not(unix))]
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
