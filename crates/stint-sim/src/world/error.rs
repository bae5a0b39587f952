//! Why a world file was refused: the file, and for each problem its line, column and
//! what is wrong, with the offending line quoted the way a compiler would.

use std::fmt;
use std::ops::Range;

/// A refused world file. `Display` prints every problem, one block each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct WorldError {
    pub file: String,
    pub problems: Vec<Problem>,
}

/// One thing wrong with a world file. `line` and `column` are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line the problem is on, and the span within it to underline.
    pub source_line: String,
    pub underline: Range<usize>,
}

impl fmt::Display for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, p.message)?;
            if !p.source_line.is_empty() {
                let gutter = p.line.to_string().len();
                let pad = " ".repeat(gutter);
                let lead = " ".repeat(p.underline.start);
                let marks = "^".repeat(p.underline.len().max(1));
                write!(
                    f,
                    "\n{pad} |\n{} | {}\n{pad} | {lead}{marks}",
                    p.line, p.source_line
                )?;
            }
        }
        Ok(())
    }
}

impl WorldError {
    /// An error with no position (the file could not be read at all).
    pub(crate) fn whole_file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            problems: vec![Problem {
                line: 1,
                column: 1,
                message: message.into(),
                source_line: String::new(),
                underline: 0..0,
            }],
        }
    }
}

/// Turns byte spans into problems with lines and columns.
pub(crate) struct Locator<'a> {
    src: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Locator<'a> {
    pub fn new(src: &'a str) -> Self {
        Self {
            src,
            problems: Vec::new(),
        }
    }

    pub fn report(&mut self, span: Range<usize>, message: impl Into<String>) {
        let start = span.start.min(self.src.len());
        let line_start = self.src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.src[start..]
            .find('\n')
            .map_or(self.src.len(), |i| start + i);
        let line = self.src[..start].matches('\n').count() + 1;
        let source_line = self.src[line_start..line_end].trim_end_matches('\r');
        let column = self.src[line_start..start].chars().count() + 1;
        let end = span.end.clamp(start, line_end);
        let underline_start = self.src[line_start..start].chars().count();
        let underline_len = self.src[start..end].chars().count();
        self.problems.push(Problem {
            line,
            column,
            message: message.into(),
            source_line: source_line.to_owned(),
            underline: underline_start..underline_start + underline_len,
        });
    }

    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    pub fn into_error(mut self, file: &str) -> WorldError {
        self.problems.sort_by_key(|p| (p.line, p.column));
        WorldError {
            file: file.to_owned(),
            problems: self.problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_line_and_column() {
        let src = "a = 1\nbb = \"zed\"\n";
        let mut loc = Locator::new(src);
        let at = src.find("\"zed\"").unwrap();
        loc.report(at..at + 5, "unknown user \"zed\"");
        let err = loc.into_error("w.toml");
        assert_eq!(err.problems[0].line, 2);
        assert_eq!(err.problems[0].column, 6);
        assert_eq!(
            err.to_string(),
            "w.toml:2:6: unknown user \"zed\"\n  |\n2 | bb = \"zed\"\n  |      ^^^^^"
        );
    }
}
