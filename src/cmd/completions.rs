//! `knocklog completions SHELL`: the shell completion script, made from the command
//! line's own definition (clap_complete), so it never lags behind a flag.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    // Made in memory first: clap_complete panics when its writer fails, and a reader
    // that stops early (`| head`) makes stdout fail.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "knocklog", &mut script);
    std::io::stdout().lock().write_all(&script).context("writing the completion script")?;
    Ok(super::EXIT_OK)
}
