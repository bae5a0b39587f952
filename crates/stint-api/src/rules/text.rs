//! Free text is text: a reason, ticket or comment is shown in terminals, notifications
//! and webhooks, so it may not carry control characters (an ESC starts a terminal escape
//! sequence that can rewrite what an approver sees). Line breaks and tabs are allowed
//! where text may span lines. Lengths are counted in characters, not bytes.

use std::fmt;

use super::{MAX_COMMENT_CHARS, MAX_REASON_CHARS, MAX_TICKET_CHARS, MIN_REASON_CHARS};

/// A free-text field of a request or decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Reason,
    Ticket,
    Comment,
}

impl TextField {
    /// The field's name as the API spells it.
    pub fn name(self) -> &'static str {
        match self {
            TextField::Reason => "reason",
            TextField::Ticket => "ticket",
            TextField::Comment => "comment",
        }
    }

    pub fn min_chars(self) -> u32 {
        match self {
            TextField::Reason => MIN_REASON_CHARS,
            TextField::Ticket | TextField::Comment => 0,
        }
    }

    pub fn max_chars(self) -> u32 {
        match self {
            TextField::Reason => MAX_REASON_CHARS,
            TextField::Ticket => MAX_TICKET_CHARS,
            TextField::Comment => MAX_COMMENT_CHARS,
        }
    }

    /// A ticket is a reference, one line; a reason or comment may be a paragraph.
    fn allows(self, c: char) -> bool {
        match self {
            TextField::Reason | TextField::Comment => matches!(c, '\n' | '\t'),
            TextField::Ticket => false,
        }
    }
}

/// What is wrong with a piece of free text. `Display` is the sentence to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    Missing {
        field: TextField,
    },
    TooShort {
        field: TextField,
        chars: usize,
    },
    TooLong {
        field: TextField,
        chars: usize,
    },
    /// `position` counts characters from 1.
    ControlCharacter {
        field: TextField,
        position: usize,
        character: char,
    },
}

impl TextProblem {
    pub fn field(&self) -> TextField {
        match self {
            TextProblem::Missing { field }
            | TextProblem::TooShort { field, .. }
            | TextProblem::TooLong { field, .. }
            | TextProblem::ControlCharacter { field, .. } => *field,
        }
    }
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.field().name();
        match self {
            TextProblem::Missing { .. } => {
                write!(f, "a {name} is required: say what you need the access for")
            }
            TextProblem::TooShort { field, chars } => write!(
                f,
                "the {name} is {chars} characters long; write at least {} characters",
                field.min_chars()
            ),
            TextProblem::TooLong { field, chars } => write!(
                f,
                "the {name} is {chars} characters long; keep it to {} characters",
                field.max_chars()
            ),
            TextProblem::ControlCharacter {
                field,
                position,
                character,
            } => {
                let allowed = if field.allows('\n') {
                    "only line breaks and tabs are allowed"
                } else {
                    "it is one line of plain text"
                };
                write!(
                    f,
                    "the {name} holds a control character (U+{:04X}) at character {position}: {allowed}",
                    u32::from(*character)
                )
            }
        }
    }
}

impl std::error::Error for TextProblem {}

/// Checks `text`, already trimmed as it will be stored. Control characters are C0, DEL
/// and C1 (`char::is_control`): ESC, BEL, carriage return, CSI...
pub fn check_text(field: TextField, text: &str) -> Result<(), TextProblem> {
    let mut chars = 0usize;
    for (i, c) in text.chars().enumerate() {
        chars += 1;
        if c.is_control() && !field.allows(c) {
            return Err(TextProblem::ControlCharacter {
                field,
                position: i + 1,
                character: c,
            });
        }
    }
    let min = usize::try_from(field.min_chars()).unwrap_or(usize::MAX);
    let max = usize::try_from(field.max_chars()).unwrap_or(usize::MAX);
    if chars == 0 && min > 0 {
        return Err(TextProblem::Missing { field });
    }
    if chars < min {
        return Err(TextProblem::TooShort { field, chars });
    }
    if chars > max {
        return Err(TextProblem::TooLong { field, chars });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_and_lengths_count_characters() {
        assert_eq!(check_text(TextField::Reason, "INC-123 latency"), Ok(()));
        assert_eq!(
            check_text(TextField::Reason, "line one\n\tline two"),
            Ok(())
        );
        // 2000 characters of two bytes each is 4000 bytes, and still allowed.
        let accents = "é".repeat(2000);
        assert_eq!(check_text(TextField::Comment, &accents), Ok(()));
        let over = "é".repeat(2001);
        let err = check_text(TextField::Comment, &over).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the comment is 2001 characters long; keep it to 2000 characters"
        );
    }

    #[test]
    fn escape_sequences_are_refused_naming_the_field() {
        let osc = "fix \u{1b}]0;pwned\u{7} now";
        let err = check_text(TextField::Reason, osc).unwrap_err();
        assert_eq!(
            err,
            TextProblem::ControlCharacter {
                field: TextField::Reason,
                position: 5,
                character: '\u{1b}'
            }
        );
        assert_eq!(
            err.to_string(),
            "the reason holds a control character (U+001B) at character 5: only line breaks and tabs are allowed"
        );
        for c in ['\u{7}', '\r', '\u{0}', '\u{7f}', '\u{9b}', '\u{85}'] {
            let text = format!("a{c}b");
            for field in [TextField::Reason, TextField::Ticket, TextField::Comment] {
                assert!(
                    check_text(field, &text).is_err(),
                    "{field:?} accepted U+{:04X}",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn a_ticket_is_one_line() {
        let err = check_text(TextField::Ticket, "INC-1\nINC-2").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "the ticket holds a control character (U+000A) at character 6: it is one line"
            ),
            "{err}"
        );
        assert!(check_text(TextField::Comment, "a\nb").is_ok());
    }

    #[test]
    fn a_reason_is_required() {
        let err = check_text(TextField::Reason, "").unwrap_err();
        assert_eq!(
            err,
            TextProblem::Missing {
                field: TextField::Reason
            }
        );
        assert!(err.to_string().starts_with("a reason is required"), "{err}");
        assert_eq!(check_text(TextField::Comment, ""), Ok(()));
    }
}
