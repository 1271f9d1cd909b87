//! The knocklog binary: parse the command line, run the subcommand, exit with its code.

fn main() -> std::process::ExitCode {
    knocklog::cmd::main()
}
