//! Where the commands' output goes: stdout (a closed pipe is not an error), output
//! directories, and the progress bar on stderr. A leaf: it imports nothing from the other
//! command modules, so every command can use it without a circle of imports.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

/// The one progress-bar factory: bytes analysed, hidden unless stderr is a terminal.
/// An input of unknown length (`total_bytes` 0: a pipe) gets a spinner with the bytes read and
/// the rate, and a hint that Ctrl-C reports what was read.
pub(super) fn progress_bar(total_bytes: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = if total_bytes == 0 {
        (
            ProgressBar::new_spinner(),
            "{spinner} [{elapsed_precise}] {binary_bytes} read ({binary_bytes_per_sec}){msg}; Ctrl-C reports what was read",
        )
    } else {
        (
            ProgressBar::new(total_bytes),
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, eta {eta}){msg}",
        )
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    if total_bytes == 0 {
        // A spinner only moves when ticked; data may arrive slowly.
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    bar
}

pub(super) fn prepare_dir(dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))
}

pub(super) fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing to stdout")
        }
        _ => Ok(()),
    }
}
