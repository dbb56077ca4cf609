//! Key handling: maps a key press onto the [`Ui`] state.
//!
//! Progress: plain function.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::view::Ui;

/// What the loop does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the monitor.
    Quit,
    /// The UI state changed: draw again.
    Redraw,
    /// Nothing to do.
    Ignore,
}

/// Applies `key` to `ui`.
pub fn handle(ui: &mut Ui, key: KeyEvent) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::Ignore;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('d')) {
        return Action::Quit;
    }
    if let Some(typed) = &mut ui.editing {
        match key.code {
            KeyCode::Enter => {
                ui.filter = typed.trim().to_owned();
                ui.editing = None;
            }
            KeyCode::Esc => {
                ui.filter.clear();
                ui.editing = None;
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) if !ctrl && typed.len() < 32 => typed.push(c),
            _ => return Action::Ignore,
        }
        return Action::Redraw;
    }
    match key.code {
        KeyCode::Char('q') | KeyCode::Char('Q') => return Action::Quit,
        KeyCode::Char('p') | KeyCode::Char(' ') => ui.paused = !ui.paused,
        KeyCode::Tab => ui.tab = ui.tab.next(),
        KeyCode::BackTab => ui.tab = ui.tab.prev(),
        KeyCode::Char('/') => ui.editing = Some(ui.filter.clone()),
        KeyCode::Char('?') | KeyCode::Char('h') => ui.help = !ui.help,
        KeyCode::Esc if ui.help => ui.help = false,
        KeyCode::Esc if !ui.filter.is_empty() => ui.filter.clear(),
        _ => return Action::Ignore,
    }
    Action::Redraw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Tab;

    fn press(ui: &mut Ui, code: KeyCode) -> Action {
        handle(ui, KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_drive_the_ui() {
        let mut ui = Ui::default();
        assert_eq!(press(&mut ui, KeyCode::Char('p')), Action::Redraw);
        assert!(ui.paused);
        press(&mut ui, KeyCode::Tab);
        assert_eq!(ui.tab, Tab::Events);
        press(&mut ui, KeyCode::BackTab);
        assert_eq!(ui.tab, Tab::Overview);
        press(&mut ui, KeyCode::Char('?'));
        assert!(ui.help);
        press(&mut ui, KeyCode::Esc);
        assert!(!ui.help);
        assert_eq!(press(&mut ui, KeyCode::Char('x')), Action::Ignore);
        assert_eq!(press(&mut ui, KeyCode::Char('q')), Action::Quit);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(handle(&mut ui, ctrl_c), Action::Quit);
    }

    #[test]
    fn slash_edits_the_filter() {
        let mut ui = Ui::default();
        press(&mut ui, KeyCode::Char('/'));
        for c in "btc".chars() {
            press(&mut ui, KeyCode::Char(c));
        }
        // 'q' while typing is text, not quit.
        assert_eq!(press(&mut ui, KeyCode::Char('q')), Action::Redraw);
        press(&mut ui, KeyCode::Backspace);
        press(&mut ui, KeyCode::Enter);
        assert_eq!((ui.filter.as_str(), ui.editing.is_none()), ("btc", true));
        press(&mut ui, KeyCode::Char('/'));
        press(&mut ui, KeyCode::Esc);
        assert!(ui.filter.is_empty());
    }
}
