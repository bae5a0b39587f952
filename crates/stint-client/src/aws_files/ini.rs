//! Minimal, lossless editing of the AWS CLI's INI files. Stint changes only the section or
//! block it owns; every other byte (comments, spacing, ordering, line endings, sections it
//! does not understand) is carried over unchanged.

use crate::error::{Error, Result};

/// One physical line, with its terminator (`\n`, `\r\n`, or none on the last line).
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    raw: &'a str,
}

impl<'a> Line<'a> {
    fn content(&self) -> &'a str {
        self.raw.trim_end_matches(['\n', '\r'])
    }

    /// The normalised section name when this line is a `[section]` header.
    fn header(&self) -> Option<String> {
        let trimmed = self.content().trim();
        let inner = trimmed.strip_prefix('[')?;
        let end = inner.find(']')?;
        Some(normalize(&inner[..end]))
    }

    fn is_blank_or_comment(&self) -> bool {
        let t = self.content().trim_start();
        t.is_empty() || t.starts_with('#') || t.starts_with(';')
    }

    fn has_terminator(&self) -> bool {
        self.raw.ends_with('\n')
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    text.split_inclusive('\n').map(|raw| Line { raw }).collect()
}

/// `[profile   dev]` and `[profile dev]` name the same section.
fn normalize(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The line ending new lines should use: the file's own, `\n` for a new file.
fn newline_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Every section name in the file, in order.
pub fn section_names(text: &str) -> Vec<String> {
    lines(text).iter().filter_map(Line::header).collect()
}

/// Renders `key = value` lines.
fn body(entries: &[(&str, &str)], nl: &str) -> String {
    entries
        .iter()
        .map(|(k, v)| format!("{k} = {v}{nl}"))
        .collect()
}

/// Sets section `name` to exactly `entries`. An existing section keeps its header line and
/// the comments and blank lines that follow its last entry; a new one is appended.
pub fn upsert_section(text: &str, name: &str, entries: &[(&str, &str)]) -> String {
    let name = normalize(name);
    let nl = newline_of(text);
    let all = lines(text);
    let Some(start) = all
        .iter()
        .position(|l| l.header().as_deref() == Some(&name))
    else {
        let mut out = separated(text, nl);
        out.push_str(&format!("[{name}]{nl}"));
        out.push_str(&body(entries, nl));
        return out;
    };
    let end = all[start + 1..]
        .iter()
        .position(|l| l.header().is_some())
        .map_or(all.len(), |i| start + 1 + i);
    // Keep the trailing comments and blank lines: they usually belong to what follows.
    let mut keep_from = end;
    while keep_from > start + 1 && all[keep_from - 1].is_blank_or_comment() {
        keep_from -= 1;
    }

    let mut out = String::with_capacity(text.len() + 256);
    for line in &all[..=start] {
        out.push_str(line.raw);
    }
    if !all[start].has_terminator() {
        out.push_str(nl);
    }
    out.push_str(&body(entries, nl));
    let tail: String = all[keep_from..end].iter().map(|l| l.raw).collect();
    out.push_str(&tail);
    if end < all.len() && !out.ends_with('\n') {
        out.push_str(nl);
    }
    for line in &all[end..] {
        out.push_str(line.raw);
    }
    out
}

/// Removes section `name` (header and entries, not the comments after its last entry).
pub fn remove_section(text: &str, name: &str) -> String {
    let name = normalize(name);
    let all = lines(text);
    let Some(start) = all
        .iter()
        .position(|l| l.header().as_deref() == Some(&name))
    else {
        return text.to_owned();
    };
    let end = all[start + 1..]
        .iter()
        .position(|l| l.header().is_some())
        .map_or(all.len(), |i| start + 1 + i);
    let mut keep_from = end;
    while keep_from > start + 1 && all[keep_from - 1].is_blank_or_comment() {
        keep_from -= 1;
    }
    let mut out = String::with_capacity(text.len());
    for line in all[..start].iter().chain(&all[keep_from..]) {
        out.push_str(line.raw);
    }
    out
}

/// A block of lines between two marker lines that one program owns outright.
#[derive(Debug, Clone, Copy)]
pub struct ManagedBlock<'a> {
    pub begin: &'a str,
    pub end: &'a str,
}

impl ManagedBlock<'_> {
    fn find(&self, all: &[Line<'_>]) -> Result<Option<(usize, usize)>> {
        let begin = all.iter().position(|l| l.content().trim() == self.begin);
        let end = all.iter().position(|l| l.content().trim() == self.end);
        match (begin, end) {
            (None, None) => Ok(None),
            (Some(b), Some(e)) if b < e => Ok(Some((b, e))),
            _ => Err(Error::InvalidInput(format!(
                "the Stint block's marker lines (`{}` ... `{}`) are damaged: \
                 delete what is left of the block and run the command again",
                self.begin, self.end
            ))),
        }
    }

    /// Section names outside the block (the user's own), which the block must not repeat.
    pub fn sections_outside(&self, text: &str) -> Result<Vec<String>> {
        let all = lines(text);
        let span = self.find(&all)?;
        Ok(all
            .iter()
            .enumerate()
            .filter(|(i, _)| span.is_none_or(|(b, e)| *i < b || *i > e))
            .filter_map(|(_, l)| l.header())
            .collect())
    }

    /// Replaces the block's content with `content` (lines ending in `\n`), appending the
    /// block when absent and removing it when `content` is empty.
    pub fn replace(&self, text: &str, content: &str) -> Result<String> {
        let nl = newline_of(text);
        let all = lines(text);
        let content = if nl == "\r\n" {
            content.replace("\r\n", "\n").replace('\n', "\r\n")
        } else {
            content.to_owned()
        };
        let block = if content.is_empty() {
            String::new()
        } else {
            format!("{}{nl}{content}{}{nl}", self.begin, self.end)
        };
        match self.find(&all)? {
            Some((b, e)) => {
                let mut out: String = all[..b].iter().map(|l| l.raw).collect();
                out.push_str(&block);
                let rest: String = all[e + 1..].iter().map(|l| l.raw).collect();
                if block.is_empty() {
                    // Undo the one line break `append_separator` added: the file is
                    // again what it was, byte for byte.
                    if rest.is_empty() && out.ends_with(nl) {
                        out.truncate(out.len() - nl.len());
                    }
                } else if !all[e].has_terminator() {
                    // The old end marker had no newline; neither should the file's end.
                    out.truncate(out.len() - nl.len());
                }
                out.push_str(&rest);
                Ok(out)
            }
            None if block.is_empty() => Ok(text.to_owned()),
            None => {
                let mut out = text.to_owned();
                out.push_str(append_separator(text, nl));
                out.push_str(&block);
                Ok(out)
            }
        }
    }
}

/// What goes between a file and a block appended to it: always exactly one line break,
/// so that removing the block can take exactly one away again. After a final newline
/// that makes a blank line; a file without one gets the newline its last line lacked.
fn append_separator<'n>(text: &str, nl: &'n str) -> &'n str {
    if text.is_empty() { "" } else { nl }
}

/// `text` ready for something to be appended: ends with a newline and, unless empty, a
/// blank line.
fn separated(text: &str, nl: &str) -> String {
    let mut out = text.to_owned();
    if out.is_empty() {
        return out;
    }
    if !out.ends_with('\n') {
        out.push_str(nl);
    }
    if !out.ends_with(&format!("{nl}{nl}")) {
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER_FILE: &str = "\
# my credentials, hand-written
[default]
aws_access_key_id = AKIAUSER
aws_secret_access_key = user-secret ; inline
\t
;; a comment about work
[ work ]
aws_access_key_id=AKIAWORK
region   =   eu-west-1

[z]
x = 1";

    #[test]
    fn adding_a_section_appends_and_keeps_every_existing_byte() {
        let out = upsert_section(USER_FILE, "stint-prod", &[("a", "1"), ("b", "2")]);
        assert_eq!(out, format!("{USER_FILE}\n\n[stint-prod]\na = 1\nb = 2\n"));
        assert!(out.starts_with(USER_FILE));
    }

    #[test]
    fn replacing_a_section_touches_only_its_entries() {
        let out = upsert_section(USER_FILE, "work", &[("aws_access_key_id", "NEW")]);
        let expected = USER_FILE.replace(
            "aws_access_key_id=AKIAWORK\nregion   =   eu-west-1\n",
            "aws_access_key_id = NEW\n",
        );
        assert_eq!(out, expected);
        // The comment after [default]'s entries stays where it was when [default] changes.
        let out = upsert_section(USER_FILE, "default", &[("k", "v")]);
        let expected = USER_FILE.replace(
            "aws_access_key_id = AKIAUSER\naws_secret_access_key = user-secret ; inline\n",
            "k = v\n",
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn replacing_the_last_section_without_a_final_newline() {
        let out = upsert_section(USER_FILE, "z", &[("x", "2")]);
        assert_eq!(out, USER_FILE.replace("[z]\nx = 1", "[z]\nx = 2\n"));
        let out = upsert_section("[z]", "z", &[("x", "2")]);
        assert_eq!(out, "[z]\nx = 2\n");
    }

    #[test]
    fn upsert_is_idempotent() {
        let once = upsert_section(USER_FILE, "stint-prod", &[("a", "1")]);
        let twice = upsert_section(&once, "stint-prod", &[("a", "1")]);
        assert_eq!(once, twice);
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text = "[default]\r\nregion = us-east-1\r\n";
        let out = upsert_section(text, "p", &[("a", "1")]);
        assert_eq!(
            out,
            "[default]\r\nregion = us-east-1\r\n\r\n[p]\r\na = 1\r\n"
        );
    }

    #[test]
    fn an_empty_file_gets_just_the_section() {
        assert_eq!(upsert_section("", "p", &[("a", "1")]), "[p]\na = 1\n");
    }

    #[test]
    fn removing_a_section_keeps_the_rest() {
        let added = upsert_section(USER_FILE, "stint-prod", &[("a", "1")]);
        let removed = remove_section(&added, "stint-prod");
        assert_eq!(removed, format!("{USER_FILE}\n\n"));
        assert_eq!(remove_section(USER_FILE, "absent"), USER_FILE);
    }

    #[test]
    fn section_names_are_normalised() {
        assert_eq!(section_names(USER_FILE), vec!["default", "work", "z"]);
        assert_eq!(section_names("[profile   a  b]\n"), vec!["profile a b"]);
    }

    const BLOCK: ManagedBlock<'static> = ManagedBlock {
        begin: "# >>> begin",
        end: "# <<< end",
    };

    #[test]
    fn a_managed_block_is_appended_then_replaced_in_place_then_removed() {
        let user = "[profile mine]\nregion = eu-west-1\n";
        let first = BLOCK.replace(user, "[profile a]\nx = 1\n").unwrap();
        assert_eq!(
            first,
            "[profile mine]\nregion = eu-west-1\n\n# >>> begin\n[profile a]\nx = 1\n# <<< end\n"
        );
        let with_more = format!("{first}\n[profile after]\ny = 2\n");
        let second = BLOCK.replace(&with_more, "[profile b]\nz = 3\n").unwrap();
        assert_eq!(
            second,
            "[profile mine]\nregion = eu-west-1\n\n# >>> begin\n[profile b]\nz = 3\n# <<< end\n\n[profile after]\ny = 2\n"
        );
        assert_eq!(
            BLOCK.sections_outside(&second).unwrap(),
            vec!["profile mine", "profile after"]
        );
        let removed = BLOCK.replace(&first, "").unwrap();
        assert_eq!(removed, user);
    }

    #[test]
    fn removing_an_appended_block_restores_the_file_byte_for_byte() {
        let originals = [
            "",
            "x",
            "x\n",
            "x\n\n",
            "x\n\n\n",
            "[a]\r\nk = v",
            "[a]\r\nk = v\r\n",
            "[a]\r\nk = v\r\n\r\n",
            "# only a comment",
            "\n",
        ];
        for original in originals {
            let added = BLOCK.replace(original, "[profile a]\nx = 1\n").unwrap();
            assert!(added.starts_with(original), "{original:?} -> {added:?}");
            assert!(
                added.contains(&format!("\n{}", BLOCK.begin)) || original.is_empty(),
                "the block starts on its own line: {added:?}"
            );
            let rewritten = BLOCK.replace(&added, "[profile b]\ny = 2\n").unwrap();
            let removed = BLOCK.replace(&rewritten, "").unwrap();
            assert_eq!(removed, original, "after adding and rewriting the block");
        }
    }

    #[test]
    fn a_damaged_block_is_refused_not_guessed_at() {
        let text = "# >>> begin\n[profile a]\n";
        let err = BLOCK.replace(text, "x").unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
        assert!(BLOCK.replace("# <<< end\n# >>> begin\n", "x").is_err());
    }
}
