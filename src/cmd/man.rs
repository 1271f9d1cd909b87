//! `knocklog man [SUBCOMMAND]`: the manual pages in roff, made from the command line's
//! own definition (clap_mangen): knocklog.1, and knocklog-scan.1 and its siblings as
//! git has them.

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::config::UsageError;

pub fn run(subcommand: Option<&str>) -> anyhow::Result<u8> {
    let command = Cli::command();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name).filter(|s| s.get_name() != "help") else {
                let names: Vec<&str> =
                    command.get_subcommands().map(|s| s.get_name()).filter(|&n| n != "help").collect();
                return Err(UsageError(format!("no subcommand {name:?}: the pages are {}", names.join(", "))).into());
            };
            // `knocklog-scan(1)`, its synopsis `knocklog scan ...`.
            sub.clone()
                .name(format!("knocklog-{name}"))
                .bin_name(format!("knocklog {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    clap_mangen::Man::new(page).render(&mut std::io::stdout().lock()).context("writing the manual page")?;
    Ok(super::EXIT_OK)
}
