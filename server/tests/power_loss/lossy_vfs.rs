//! A SQLite VFS that loses power: "lossy", the platform's own (unix) VFS under another name,
//! passing every call through to the real file while remembering, for each database, WAL and
//! journal file, its content as of its last `xSync`. [`cut_power`] makes the disk under a
//! directory refuse every write from then on, for good; [`Outage::restore_synced`] then puts
//! back what was synced, as a disk that lost power would come back: the synced bytes of each
//! file, no file that was never synced, and no `-shm` (shared memory, never synced by design:
//! SQLite rebuilds it from the WAL).
//!
//! The model is the most pessimistic disk that keeps its promises: everything written and not
//! synced is gone, everything synced is there. Torn or partial sector writes are not modelled,
//! and creating or deleting a file counts as durable at once (SQLite syncs the directory of
//! the files it creates on their first sync; it deletes a WAL only once what it held is synced
//! in the database).
//!
//! The connections of the process that "lost power" may outlive the cut: sqlx's `Pool::close`
//! can return with a connection still open (launchbadge/sqlx#3217). So each file comes back as
//! a new file renamed over the old path, which SQLite's unix VFS, keeping its locks and shared
//! memory per inode, shares with no straggler; and a straggler that closes later can neither
//! write nor delete under the dead directory (its checkpoint fails, so it deletes no WAL and no
//! `-shm`).
//!
//! The file content is read through the real file's own handle, never by opening the path
//! again: closing a second descriptor of a database would drop the process's POSIX locks on it.

use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::{Mutex, MutexGuard, OnceLock};

use libsqlite3_sys as ffi;

/// The VFS's name, for `?vfs=` in a database URL.
pub const NAME: &str = "lossy";

/// `sqlite://{path}?vfs=lossy`: the database at `path`, opened through this VFS.
pub fn url(path: &Path) -> String {
    register();
    format!("sqlite://{}?vfs={NAME}", path.display())
}

/// The disk under a directory, switched off: see [`cut_power`].
#[must_use = "the files stay as the closing connections left them until the power comes back"]
pub struct Outage {
    dir: PathBuf,
}

/// Cuts the power to every file under `dir`, for good: from now on their writes, truncations,
/// syncs and deletions through this VFS fail as a dead disk's would, so closing the
/// connections afterwards (which would checkpoint and tidy up) changes nothing on disk. The
/// directory is reopened with another VFS once [`Outage::restore_synced`] has run.
pub fn cut_power(dir: &Path) -> Outage {
    let dir = std::fs::canonicalize(dir).expect("the directory whose power is cut exists");
    disk().dead.push(dir.clone());
    Outage { dir }
}

impl Outage {
    /// The power comes back: every file under the directory that the VFS saw is put back as
    /// it was at its last sync, or removed if it was never synced, and every `-shm` beside
    /// them is removed; returns the files put back or removed. Close the connections first:
    /// one sqlx fails to close keeps the old files, which nobody else then sees.
    pub fn restore_synced(self) -> Vec<PathBuf> {
        let mut disk = disk();
        let seen: Vec<PathBuf> =
            disk.synced.keys().filter(|path| path.starts_with(&self.dir)).cloned().collect();
        for path in &seen {
            match disk.synced.remove(path).flatten() {
                Some(content) => replace(path, &content),
                None => remove_if_there(path),
            }
            let mut shm = path.clone().into_os_string();
            shm.push("-shm");
            remove_if_there(Path::new(&shm));
        }
        seen
    }
}

/// Puts `content` at `path` as a new file (a new inode), with the old one's permissions.
fn replace(path: &Path, content: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    let permissions = std::fs::metadata(path)
        .map(|metadata| metadata.permissions())
        .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o600));
    let mut fresh = path.to_owned().into_os_string();
    fresh.push(".restored");
    std::fs::write(&fresh, content).expect("the synced content is written");
    std::fs::set_permissions(&fresh, permissions).expect("the old file's permissions are kept");
    std::fs::rename(&fresh, path).expect("the synced content is put back");
}

fn remove_if_there(path: &Path) {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => panic!("removing {path:?}: {error}"),
        _ => {}
    }
}

/// What the disk would keep, and which parts of it have lost power.
#[derive(Default)]
struct Disk {
    /// Each file the VFS has opened: its content at its last sync, or `None` if it has none
    /// (never synced since it was created, or deleted).
    synced: HashMap<PathBuf, Option<Vec<u8>>>,
    /// The directories whose power is cut.
    dead: Vec<PathBuf>,
}

impl Disk {
    fn is_dead(&self, path: &Path) -> bool {
        self.dead.iter().any(|dir| path.starts_with(dir))
    }
}

static DISK: OnceLock<Mutex<Disk>> = OnceLock::new();

fn disk() -> MutexGuard<'static, Disk> {
    // A test that failed while holding the lock leaves the map as consistent as any other.
    DISK.get_or_init(Mutex::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The VFS this one wraps.
struct Base(*mut ffi::sqlite3_vfs);

// SAFETY: a registered VFS is immutable and lives as long as the process; SQLite calls it from
// any thread.
unsafe impl Send for Base {}
// SAFETY: as above.
unsafe impl Sync for Base {}

static BASE: OnceLock<Base> = OnceLock::new();

fn base() -> *mut ffi::sqlite3_vfs {
    BASE.get().expect("the lossy VFS is registered before it is used").0
}

/// Registers the VFS with SQLite, once; never as the default.
pub fn register() {
    BASE.get_or_init(|| {
        // SAFETY: `sqlite3_vfs_find` initialises SQLite if needed and returns the default VFS,
        // which SQLite never frees.
        let base = unsafe { ffi::sqlite3_vfs_find(ptr::null()) };
        assert!(!base.is_null(), "SQLite has a default VFS");
        // SAFETY: `base` points to a live VFS (checked above); copying it copies only pointers.
        let mut lossy = unsafe { *base };
        // The base's other methods (xAccess, xFullPathname, xRandomness, the clock, ...) are
        // kept as they are: they are handed this VFS instead of the base, and its `pAppData`
        // is the base's, so they find what they need there as they would in their own.
        lossy.zName = std::ffi::CString::new(NAME).expect("a name without NUL").into_raw();
        lossy.pNext = ptr::null_mut();
        lossy.szOsFile += c_int::try_from(REAL_OFFSET).expect("a small struct");
        lossy.xOpen = Some(open);
        lossy.xDelete = Some(delete);
        let lossy = Box::leak(Box::new(lossy));
        // SAFETY: `lossy` is a complete VFS that lives as long as the process.
        let status = unsafe { ffi::sqlite3_vfs_register(lossy, 0) };
        assert_eq!(status, ffi::SQLITE_OK, "the lossy VFS registers");
        Base(base)
    });
}

/// What SQLite holds for a file this VFS opened: the file as SQLite sees it (whose methods are
/// this VFS's), then the base VFS's own file, at [`REAL_OFFSET`] in the same allocation.
#[repr(C)]
struct LossyFile {
    file: ffi::sqlite3_file,
    /// The file's full path if the VFS keeps track of it (a database, WAL or journal).
    path: Option<Box<PathBuf>>,
}

/// Where the base VFS's file starts, aligned for it (it begins with a pointer).
const REAL_OFFSET: usize = std::mem::size_of::<LossyFile>().next_multiple_of(std::mem::align_of::<u64>());

/// The kinds of file whose content outlives a connection; temporary ones do not matter.
const DURABLE_KINDS: c_int = ffi::SQLITE_OPEN_MAIN_DB
    | ffi::SQLITE_OPEN_MAIN_JOURNAL
    | ffi::SQLITE_OPEN_WAL
    | ffi::SQLITE_OPEN_SUPER_JOURNAL;

/// The base VFS's file inside one of ours.
///
/// # Safety
/// `file` was allocated by SQLite with this VFS's `szOsFile` bytes.
unsafe fn real_of(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: the allocation is REAL_OFFSET + the base's szOsFile bytes long.
    unsafe { file.cast::<u8>().add(REAL_OFFSET).cast() }
}

/// The path of a file this VFS opened and keeps track of.
///
/// # Safety
/// `file` was opened by [`open`] and not yet closed.
unsafe fn path_of<'a>(file: *mut ffi::sqlite3_file) -> Option<&'a Path> {
    // SAFETY: `open` wrote a LossyFile there, which lives until `close`.
    unsafe { (*file.cast::<LossyFile>()).path.as_deref().map(PathBuf::as_path) }
}

/// The base VFS's methods for its file.
///
/// # Safety
/// `real` is an open file of the base VFS.
unsafe fn methods<'a>(real: *mut ffi::sqlite3_file) -> &'a ffi::sqlite3_io_methods {
    // SAFETY: an open file's methods are set and outlive it.
    unsafe { &*(*real).pMethods }
}

/// Calls the base VFS's method `$name` on the real file inside `$file`.
macro_rules! forward {
    ($file:expr, $name:ident $(, $arg:expr)*) => {{
        // SAFETY: SQLite calls these methods only on a file `open` opened and `close` has not
        // closed; its real file is open, and its methods include this one (checked version).
        unsafe {
            let real = real_of($file);
            let method = methods(real).$name.expect(concat!("the base VFS has ", stringify!($name)));
            method(real $(, $arg)*)
        }
    }};
}

/// The whole content of an open file, read through its own handle.
///
/// # Safety
/// `real` is an open file of the base VFS.
unsafe fn content(real: *mut ffi::sqlite3_file) -> Result<Vec<u8>, c_int> {
    let mut size: ffi::sqlite3_int64 = 0;
    // SAFETY: `real` is open (the caller's promise) and `size` is a valid out-pointer.
    let status = unsafe { methods(real).xFileSize.expect("xFileSize")(real, &mut size) };
    if status != ffi::SQLITE_OK {
        return Err(status);
    }
    let length = usize::try_from(size).expect("a file size");
    let mut bytes = vec![0u8; length];
    if length > 0 {
        let amount = c_int::try_from(length).expect("a test database under 2 GiB");
        // SAFETY: `bytes` has room for `amount` bytes.
        let status =
            unsafe { methods(real).xRead.expect("xRead")(real, bytes.as_mut_ptr().cast(), amount, 0) };
        if status != ffi::SQLITE_OK {
            return Err(status);
        }
    }
    Ok(bytes)
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite hands a NUL-terminated name or null (a temporary file).
    let path = (!name.is_null() && flags & DURABLE_KINDS != 0)
        .then(|| PathBuf::from(unsafe { CStr::from_ptr(name) }.to_str().expect("a UTF-8 path")));
    let existed = path.as_deref().is_some_and(Path::exists);
    // SAFETY: `file` has room for a LossyFile followed by the base's file (szOsFile). Until
    // this succeeds, SQLite must see no methods, so that it does not close what did not open.
    unsafe {
        ptr::write(
            file.cast::<LossyFile>(),
            LossyFile { file: ffi::sqlite3_file { pMethods: ptr::null() }, path: None },
        )
    };
    // SAFETY: the real file's room is inside the allocation; the base VFS fills it in.
    let real = unsafe { real_of(file) };
    // SAFETY: the name and flags are SQLite's own, for the VFS this one wraps.
    let status = unsafe { (*base()).xOpen.expect("xOpen")(base(), name, real, flags, out_flags) };
    if status != ffi::SQLITE_OK {
        return status;
    }
    if let Some(path) = &path {
        let mut disk = disk();
        if !disk.synced.contains_key(path) {
            // A file first seen now: what it held before it was opened counts as durable (the
            // server creates the database file empty before SQLite opens it); a new one holds
            // nothing durable until its first sync.
            // SAFETY: `real` was just opened.
            let before = if existed {
                Some(unsafe { content(real) }.expect("reading a file just opened"))
            } else {
                None
            };
            disk.synced.insert(path.clone(), before);
        }
    }
    // SAFETY: as above; from here on SQLite calls this VFS's methods on the file.
    unsafe {
        let lossy = file.cast::<LossyFile>();
        (*lossy).path = path.map(Box::new);
        (*lossy).file.pMethods = &METHODS;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn delete(_vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: SQLite hands a NUL-terminated full path.
    let path = PathBuf::from(unsafe { CStr::from_ptr(name) }.to_str().expect("a UTF-8 path"));
    let mut disk = disk();
    if disk.is_dead(&path) {
        return ffi::SQLITE_IOERR_DELETE;
    }
    // SAFETY: the name is SQLite's own, for the VFS this one wraps.
    let status = unsafe { (*base()).xDelete.expect("xDelete")(base(), name, sync_dir) };
    if status == ffi::SQLITE_OK
        && let Some(synced) = disk.synced.get_mut(&path)
    {
        *synced = None;
    }
    status
}

/// Whether the file's disk has lost power.
///
/// # Safety
/// As [`path_of`].
unsafe fn dead(file: *mut ffi::sqlite3_file) -> bool {
    // SAFETY: the caller's promise.
    unsafe { path_of(file) }.is_some_and(|path| disk().is_dead(path))
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    let status = forward!(file, xClose);
    // SAFETY: `open` wrote a LossyFile at `file`; SQLite never uses it after xClose.
    drop(unsafe { (*file.cast::<LossyFile>()).path.take() });
    status
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    buffer: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    forward!(file, xRead, buffer, amount, offset)
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    buffer: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: SQLite calls this on a file `open` opened.
    if unsafe { dead(file) } {
        return ffi::SQLITE_IOERR_WRITE;
    }
    forward!(file, xWrite, buffer, amount, offset)
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: SQLite calls this on a file `open` opened.
    if unsafe { dead(file) } {
        return ffi::SQLITE_IOERR_TRUNCATE;
    }
    forward!(file, xTruncate, size)
}

/// Syncs the real file, then remembers what it holds as what would survive a power cut.
unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: SQLite calls this on a file `open` opened.
    let Some(path) = (unsafe { path_of(file) }) else {
        return forward!(file, xSync, flags);
    };
    // The lock is held from the check to the copy, so a power cut falls before or after.
    let mut disk = disk();
    if disk.is_dead(path) {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    let status = forward!(file, xSync, flags);
    if status != ffi::SQLITE_OK {
        return status;
    }
    // SAFETY: the real file is open.
    match unsafe { content(real_of(file)) } {
        Ok(content) => {
            disk.synced.insert(path.to_owned(), Some(content));
            ffi::SQLITE_OK
        }
        Err(status) => status,
    }
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    forward!(file, xFileSize, size)
}

unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    forward!(file, xLock, level)
}

unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    forward!(file, xUnlock, level)
}

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, reserved: *mut c_int) -> c_int {
    forward!(file, xCheckReservedLock, reserved)
}

unsafe extern "C" fn file_control(file: *mut ffi::sqlite3_file, op: c_int, argument: *mut c_void) -> c_int {
    forward!(file, xFileControl, op, argument)
}

unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    forward!(file, xSectorSize)
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    forward!(file, xDeviceCharacteristics)
}

// The shared memory (the WAL's index) is memory, not disk: it goes through untouched, and is
// removed when the power comes back.

unsafe extern "C" fn shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    mapped: *mut *mut c_void,
) -> c_int {
    forward!(file, xShmMap, page, page_size, extend, mapped)
}

unsafe extern "C" fn shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    count: c_int,
    flags: c_int,
) -> c_int {
    forward!(file, xShmLock, offset, count, flags)
}

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    forward!(file, xShmBarrier)
}

unsafe extern "C" fn shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    forward!(file, xShmUnmap, delete)
}

/// Memory-mapped reads, if the base file has them (version 3); else SQLite reads with xRead.
unsafe extern "C" fn fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    pages: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls this on a file `open` opened, with a valid out-pointer.
    unsafe {
        if methods(real_of(file)).iVersion < 3 {
            *pages = ptr::null_mut();
            return ffi::SQLITE_OK;
        }
    }
    forward!(file, xFetch, offset, amount, pages)
}

unsafe extern "C" fn unfetch(file: *mut ffi::sqlite3_file, offset: i64, pages: *mut c_void) -> c_int {
    // SAFETY: SQLite calls this on a file `open` opened.
    if unsafe { methods(real_of(file)).iVersion } < 3 {
        return ffi::SQLITE_OK;
    }
    forward!(file, xUnfetch, offset, pages)
}

/// The methods of every file this VFS opens: each passes through to the real file; writes,
/// truncations and syncs are refused once the power is cut, and a sync is remembered.
static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};
