//! Honest, atomic output (docs/robustness.md):
//!
//! - stdout: the `out!` / `outln!` macros (defined in `cli/mod.rs`) return an error naming stdout
//!   (`writing to stdout: No space left on device`) instead of panicking like `println!`.
//! - files: [`Outputs`] checks every output path *before* the computation (parent directory
//!   exists, extension allowed, directory writable: a temporary file is created next to the
//!   target) and renames the temporaries onto their targets only when the whole command
//!   succeeded ([`Outputs::commit`]); on error (or Ctrl-C) the temporaries are removed, so a
//!   failed command leaves nothing behind. A target that exists and is not a regular file
//!   (`/dev/null`, `/dev/full`, a FIFO) is written in place, with every write checked.

use anyhow::{bail, Context};
use std::ffi::CString;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Write to stdout, naming it in the error.
pub fn stdout_write(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut lock = std::io::stdout().lock();
    lock.write_fmt(args)
        .and_then(|_| lock.flush())
        .map_err(|e| anyhow::anyhow!("writing to stdout: {e}"))
}

/// Flush stdout (end of a command), naming it in the error.
pub fn flush_stdout() -> anyhow::Result<()> {
    std::io::stdout()
        .lock()
        .flush()
        .map_err(|e| anyhow::anyhow!("writing to stdout: {e}"))
}

/// Temporary files of the running command, removed by the Ctrl-C handler.
static PENDING: Mutex<Vec<CString>> = Mutex::new(Vec::new());

fn register(path: &Path) {
    if let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) {
        if let Ok(mut p) = PENDING.lock() {
            p.push(c);
        }
    }
}

fn unregister(path: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.retain(|c| c.as_bytes() != path.as_os_str().as_encoded_bytes());
    }
}

/// Install a SIGINT/SIGTERM handler that removes the pending temporary files, prints
/// `interrupted` and exits with status 130 (a long run stays interruptible and leaves nothing).
pub fn install_interrupt_handler() {
    #[cfg(unix)]
    {
        extern "C" fn on_signal(_: libc::c_int) {
            // Only async-signal-safe calls: try_lock (no blocking), unlink, write, _exit.
            if let Ok(p) = PENDING.try_lock() {
                for c in p.iter() {
                    // SAFETY: `c` is a valid NUL-terminated path.
                    unsafe {
                        libc::unlink(c.as_ptr());
                    }
                }
            }
            let msg = b"\nerror: interrupted; partial outputs removed\n";
            // SAFETY: writing a static buffer to fd 2 and exiting are async-signal-safe.
            unsafe {
                libc::write(2, msg.as_ptr().cast(), msg.len());
                libc::_exit(130);
            }
        }
        // SAFETY: installs a handler that only performs async-signal-safe operations.
        unsafe {
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
    }
}

/// Allowed extensions of a plot file.
pub const PLOT_EXTENSIONS: [&str; 2] = ["png", "svg"];

/// One reserved output file.
#[derive(Debug)]
struct Reserved {
    target: PathBuf,
    /// Temporary file next to the target; `None`: write in place (not a regular file).
    temp: Option<PathBuf>,
    option: String,
    /// Given up ([`Outputs::discard`]): nothing is written.
    discarded: bool,
}

/// The output files of one command: reserved before the computation, renamed on success.
#[derive(Debug, Default)]
pub struct Outputs {
    files: Vec<Reserved>,
}

impl Outputs {
    /// No outputs yet.
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Reserve `path` for option `option` (e.g. `--csv`): check the parent directory, the
    /// extension (`extensions`, lower case, empty = any) and writability by creating the
    /// temporary file. Returns the index to pass to [`Outputs::path`] / [`Outputs::writer`].
    pub fn reserve(
        &mut self,
        option: &str,
        path: &Path,
        extensions: &[&str],
    ) -> anyhow::Result<usize> {
        let shown = path.display();
        if path.as_os_str().is_empty() {
            bail!("{option}: empty file name");
        }
        if !extensions.is_empty() {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if !ext.as_deref().is_some_and(|e| extensions.contains(&e)) {
                bail!(
                    "{option} `{shown}`: unsupported file type (allowed extensions: {})",
                    extensions.join(", ")
                );
            }
        }
        if self.files.iter().any(|f| f.target == path) {
            bail!("{option} `{shown}`: the same file is given for two outputs");
        }
        let meta = std::fs::metadata(path).ok();
        if let Some(m) = &meta {
            if m.is_dir() {
                bail!("{option} `{shown}`: is a directory");
            }
            if !m.is_file() {
                // a device or FIFO: written in place, every write checked
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("{option} `{shown}`: cannot open for writing"))?;
                self.files.push(Reserved {
                    target: path.to_path_buf(),
                    temp: None,
                    option: option.to_string(),
                    discarded: false,
                });
                return Ok(self.files.len() - 1);
            }
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match std::fs::metadata(&parent) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => bail!(
                "{option} `{shown}`: `{}` is not a directory",
                parent.display()
            ),
            Err(_) => bail!(
                "{option} `{shown}`: directory `{}` does not exist",
                parent.display()
            ),
        }
        let name = path
            .file_name()
            .with_context(|| format!("{option} `{shown}`: not a file name"))?
            .to_string_lossy();
        // keep the extension last: the plot backends choose the format by extension
        let temp = parent.join(format!(
            ".{name}.{}.tmp.{}",
            std::process::id(),
            path.extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        File::create(&temp).with_context(|| {
            format!(
                "{option} `{shown}`: cannot create a file in `{}`",
                parent.display()
            )
        })?;
        register(&temp);
        self.files.push(Reserved {
            target: path.to_path_buf(),
            temp: Some(temp),
            option: option.to_string(),
            discarded: false,
        });
        Ok(self.files.len() - 1)
    }

    /// The path to write output `i` to (the temporary file, or the target written in place).
    pub fn path(&self, i: usize) -> &Path {
        let f = &self.files[i];
        f.temp.as_deref().unwrap_or(&f.target)
    }

    /// The target path of output `i` (for messages).
    pub fn target(&self, i: usize) -> &Path {
        &self.files[i].target
    }

    /// A buffered writer on output `i`; use [`finish`] to flush it with a named error.
    pub fn writer(&self, i: usize) -> anyhow::Result<Named> {
        let f = &self.files[i];
        let path = self.path(i);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .create(f.temp.is_some())
            .open(path)
            .with_context(|| format!("{} `{}`: cannot open", f.option, f.target.display()))?;
        Ok(Named {
            inner: BufWriter::new(file),
            name: format!("{} `{}`", f.option, f.target.display()),
        })
    }

    /// Write `text` to output `i` (checked, flushed).
    pub fn write_all(&self, i: usize, text: &[u8]) -> anyhow::Result<()> {
        let mut w = self.writer(i)?;
        w.write_all(text)?;
        w.finish()
    }

    /// Give up output `i` (not produced after all): its temporary file is removed at commit.
    pub fn discard(&mut self, i: usize) {
        if let Some(t) = self.files[i].temp.take() {
            let _ = std::fs::remove_file(&t);
            unregister(&t);
        }
        self.files[i].discarded = true;
    }

    /// Rename every temporary file onto its target (all outputs were written).
    pub fn commit(mut self) -> anyhow::Result<()> {
        let files = std::mem::take(&mut self.files);
        let mut result = Ok(());
        for f in &files {
            if let Some(t) = &f.temp {
                if result.is_ok() {
                    if let Err(e) = std::fs::rename(t, &f.target) {
                        result = Err(anyhow::anyhow!(
                            "{} `{}`: cannot rename the finished file into place: {e}",
                            f.option,
                            f.target.display()
                        ));
                    }
                }
                let _ = std::fs::remove_file(t);
                unregister(t);
            }
        }
        result
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        for f in &self.files {
            if let Some(t) = &f.temp {
                let _ = std::fs::remove_file(t);
                unregister(t);
            }
        }
    }
}

/// A buffered file writer whose errors name the output.
pub struct Named {
    inner: BufWriter<File>,
    name: String,
}

impl Named {
    /// Write a line, naming the output in the error.
    pub fn line(&mut self, text: &str) -> anyhow::Result<()> {
        self.inner
            .write_all(text.as_bytes())
            .and_then(|_| self.inner.write_all(b"\n"))
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.name))
    }

    /// Write bytes, naming the output in the error.
    pub fn write_all(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.inner
            .write_all(bytes)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.name))
    }

    /// Flush and sync; every error names the output.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.inner
            .flush()
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.name))?;
        let file = self
            .inner
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing {}: {}", self.name, e.error()))?;
        if file.metadata().map(|m| m.is_file()).unwrap_or(false) {
            file.sync_all()
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.name))?;
        }
        Ok(())
    }
}
