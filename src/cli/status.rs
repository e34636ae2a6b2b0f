//! The process exit statuses. A leaf, so every command module can name them without
//! importing from `cli/mod.rs`, which dispatches to the commands.

/// Exit status when every source came out as expected.
pub const EXIT_OK: u8 = 0;
/// Exit status for a statistical failure (a good source failed, or a control passed).
pub const EXIT_STATISTICAL_FAILURE: u8 = 1;
/// Exit status for bad usage, unreadable input, or input on which no test could run.
pub const EXIT_USAGE: u8 = 2;
/// Exit status after SIGINT (128 + 2, as shells report it), also when the report of what was
/// read before it was written.
pub const EXIT_INTERRUPTED: u8 = 130;
