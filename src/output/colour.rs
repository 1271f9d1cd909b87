//! Colour on the terminal: `--color auto|always|never`, with auto honouring NO_COLOR,
//! CLICOLOR_FORCE and TERM=dumb and colouring only a stream that is a terminal (the
//! rules anstream implements, as clap's help does). Text is padded before it is painted,
//! so that escape codes never shift a column.

use std::sync::OnceLock;

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};

pub const BLOCK: Style = AnsiColor::Red.on_default().bold();
pub const WATCH: Style = AnsiColor::Yellow.on_default();
pub const SNEAK: Style = AnsiColor::Magenta.on_default();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const NOTE: Style = AnsiColor::Cyan.on_default();
pub const FAILURE: Style = AnsiColor::Red.on_default().bold();
pub const HEADING: Style = Style::new().bold();

/// Whether stdout and stderr are coloured, decided once.
static ON: OnceLock<(bool, bool)> = OnceLock::new();

/// `--color`: `auto` (the default), `always` or `never`. Called once, before any output.
pub fn init(choice: &str) {
    let choice = match choice {
        "always" => ColorChoice::Always,
        "never" => ColorChoice::Never,
        _ => ColorChoice::Auto,
    };
    choice.write_global();
    let on = |c: ColorChoice| !matches!(c, ColorChoice::Never);
    let _ = ON.set((on(AutoStream::choice(&std::io::stdout())), on(AutoStream::choice(&std::io::stderr()))));
}

fn streams() -> (bool, bool) {
    *ON.get_or_init(|| (false, false))
}

/// `text` in `style` on stdout (plain when stdout gets no colour).
pub fn out(style: Style, text: &str) -> String {
    paint(streams().0, style, text)
}

/// `text` in `style` on stderr.
pub fn err(style: Style, text: &str) -> String {
    paint(streams().1, style, text)
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// The terminal's width in columns for stdout, when it is one (tables fit it).
pub fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn painting_wraps_the_text_only_when_on() {
        assert_eq!(paint(false, BLOCK, "block  "), "block  ");
        let painted = paint(true, BLOCK, "block  ");
        assert!(
            painted.starts_with("\x1b[") && painted.contains("block  ") && painted.ends_with("\x1b[0m"),
            "{painted:?}"
        );
    }
}
