//! `knocklog completions SHELL`: the shell completion script, made from the command
//! line's own definition (clap_complete), so it never lags behind a flag.

use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "knocklog", &mut std::io::stdout().lock());
    Ok(super::EXIT_OK)
}
