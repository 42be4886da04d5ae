//! `server backup FILE`: a consistent copy of the SQLite database, taken beside the running
//! server without stopping it (SQLite's `VACUUM INTO` reads one snapshot while writers go on).
//! PostgreSQL is backed up with `pg_dump` (docs/operate.md, "Backup and restore").
//!
//! The copy holds every password hash, session and sealed secret: it is created readable by
//! its owner only (0600), written under a hidden temporary name in the target's folder, made
//! durable, and only then given its name, so a half-written backup never carries it. An
//! existing file is never replaced.

use std::{
    fmt, fs, io,
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
};

use crate::backend::{
    db::{self, Location},
    store,
};

/// A backup written: where, and how many bytes.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Why no backup was written. Nothing is left behind, and an existing target is untouched.
#[derive(Debug)]
pub enum BackupError {
    /// The database is PostgreSQL, which `pg_dump` backs up.
    Postgres,
    /// The target exists already: a backup never replaces a file.
    TargetExists(PathBuf),
    /// The target's folder does not exist.
    NoFolder(PathBuf),
    /// The target names no file (`/`, `..`), or is not UTF-8, which SQLite needs.
    BadTarget(PathBuf),
    /// The database could not be opened or read (the message says which and why).
    Database(String),
    /// Writing the copy failed (disk full, no permission).
    Write(PathBuf, io::Error),
}

/// One line for the operator.
impl fmt::Display for BackupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupError::Postgres => write!(
                f,
                "the database is PostgreSQL: back it up with pg_dump, e.g. `pg_dump -Fc -f riegel.dump \"$RIEGEL_DATABASE\"` (docs/operate.md, Backup and restore)"
            ),
            BackupError::TargetExists(path) => {
                write!(f, "{} exists already: a backup never replaces a file, name a new one", path.display())
            }
            BackupError::NoFolder(path) => write!(f, "backup folder {} does not exist", path.display()),
            BackupError::BadTarget(path) => {
                write!(f, "backup target {} must name a file, in UTF-8", path.display())
            }
            BackupError::Database(e) => write!(f, "{e}"),
            BackupError::Write(path, e) => write!(f, "cannot write the backup {}: {e}", path.display()),
        }
    }
}

/// Copies the database at `database` to the new file `target`.
pub async fn backup(database: &Location, target: &Path) -> Result<Written, BackupError> {
    let source = match database {
        Location::Sqlite(path) => path,
        Location::Postgres(_) => return Err(BackupError::Postgres),
    };
    let folder = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(BackupError::NoFolder(folder.to_path_buf()));
    }
    if fs::symlink_metadata(target).is_ok() {
        return Err(BackupError::TargetExists(target.to_path_buf()));
    }
    let Some(name) = target.file_name() else {
        return Err(BackupError::BadTarget(target.to_path_buf()));
    };
    let partial = folder.join(format!(".{}.{:016x}.partial", name.to_string_lossy(), rand::random::<u64>()));
    let Some(partial_utf8) = partial.to_str() else {
        return Err(BackupError::BadTarget(target.to_path_buf()));
    };
    // Empty and the owner's alone: `VACUUM INTO` writes into an empty file and keeps its mode.
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| BackupError::Write(partial.clone(), e))?;
    let written = copy(source, partial_utf8, folder, target).await;
    if written.is_err() {
        let _ = fs::remove_file(&partial);
    }
    written
}

async fn copy(source: &Path, partial: &str, folder: &Path, target: &Path) -> Result<Written, BackupError> {
    let mut conn = db::open_existing_sqlite(source).await.map_err(BackupError::Database)?;
    let copied = store::backup::vacuum_into(&mut conn, partial).await;
    drop(sqlx::Connection::close(conn).await);
    copied.map_err(|e| BackupError::Database(format!("copying database {} failed: {e}", source.display())))?;
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |e| BackupError::Write(path, e)
    };
    // SQLite writes the copy without syncing it; it is on disk before it gets its name.
    fs::File::open(partial).and_then(|f| f.sync_all()).map_err(write_error(Path::new(partial)))?;
    publish(Path::new(partial), target)?;
    fs::File::open(folder).and_then(|f| f.sync_all()).map_err(write_error(folder))?;
    let bytes = fs::metadata(target).map_err(write_error(target))?.len();
    Ok(Written { path: target.to_path_buf(), bytes })
}

/// Gives the finished copy its name without ever replacing a file: a hard link fails when the
/// name is taken meanwhile. Where the filesystem has no hard links, a rename after a last look.
fn publish(partial: &Path, target: &Path) -> Result<(), BackupError> {
    match fs::hard_link(partial, target) {
        Ok(()) => {
            // The copy has its name; a temporary name left over is only clutter.
            let _ = fs::remove_file(partial);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(BackupError::TargetExists(target.to_path_buf())),
        Err(_) if fs::symlink_metadata(target).is_ok() => Err(BackupError::TargetExists(target.to_path_buf())),
        Err(_) => fs::rename(partial, target).map_err(|e| BackupError::Write(target.to_path_buf(), e)),
    }
}
