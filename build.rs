//! Build script: records what the binary was built from and with, for the provenance that every
//! report and JSON document carries (`src/provenance.rs` reads these variables).
//!
//! Nothing here may fail the build: a tree without git (a crates.io download, a tarball, a copy
//! without `.git`) or a machine without a `git` program records no commit, and an unusable
//! `$RUSTC --version` records "unknown".

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files the binary is built from. The build script reruns when one changes, so the dirty
/// flag follows edits; edits elsewhere (documentation, tests) do not change the binary and are
/// not what the flag is about.
const BUILT_FROM: [&str; 4] = ["src", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    let root =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    for path in BUILT_FROM {
        println!("cargo:rerun-if-changed={path}");
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = run(Command::new(rustc).arg("--version")).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=RNGAUDIT_RUSTC_VERSION={version}");

    let (commit, dirty) = match git_state(&root) {
        Some((commit, dirty)) => (
            commit,
            dirty.map_or("", |d| if d { "true" } else { "false" }),
        ),
        None => (String::new(), ""),
    };
    println!("cargo:rustc-env=RNGAUDIT_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=RNGAUDIT_GIT_DIRTY={dirty}");
}

/// The commit checked out at `root`, and whether the files the binary is built from differ from
/// it (`None` when git could not say). `None` altogether when `root` is not the top of a git
/// work tree: a crate unpacked inside someone else's repository must not report that
/// repository's commit.
fn git_state(root: &Path) -> Option<(String, Option<bool>)> {
    let top = git(root, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), root) {
        return None;
    }
    watch_git_files(root);
    let commit = git(root, &["rev-parse", "HEAD"])?;
    // `--no-optional-locks`: a status run from a build must never take the index lock that the
    // user's own git command may be holding, nor rewrite the index behind its back.
    let mut status = vec![
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=normal",
        "--",
    ];
    status.extend(BUILT_FROM);
    let dirty = git(root, &status).map(|changes| !changes.is_empty());
    Some((commit, dirty))
}

/// Reruns the script when HEAD moves (a checkout) or the branch it names moves (a commit). In a
/// linked work tree `.git` is a file and these live elsewhere; `--git-path` knows where.
fn watch_git_files(root: &Path) {
    let mut paths = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(reference) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        paths.push(reference);
    }
    for name in paths {
        let Some(path) = git(root, &["rev-parse", "--git-path", &name]) else {
            continue;
        };
        let path = root.join(path);
        // A path that does not exist (a branch only in packed-refs) would make cargo rerun the
        // script on every build.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    run(Command::new("git").arg("-C").arg(root).args(args))
}

/// The trimmed standard output of a command that succeeded.
fn run(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_string())
}
