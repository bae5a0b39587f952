//! Parses the CloudWatch Logs Insights subset the simulator runs (see `worlds/FORMAT.md`):
//! `fields`, `display`, `filter`, `sort`, `limit`, joined by `|`. Anything else is refused
//! with a message naming what was found and where, as Logs answers MalformedQueryException.

use super::{Cmp, Command, Expr, Operand, Query, SortKey};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Regex(String),
    Num(f64),
    Op(&'static str),
    Pipe,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A character no token starts with; the parser says where it was found.
    Other(char),
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Regex(s) => format!("/{s}/"),
        Tok::Num(n) => n.to_string(),
        Tok::Op(o) => format!("'{o}'"),
        Tok::Pipe => "'|'".into(),
        Tok::Comma => "','".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Other(c) => format!("unexpected '{c}'"),
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '@' || c == '.'
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, String> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // A `/` starts a regex only where an operand is expected (after `like`, `=~`).
    let regex_allowed = |out: &Vec<(usize, Tok)>| {
        matches!(out.last(), Some((_, Tok::Ident(k))) if k.eq_ignore_ascii_case("like"))
            || matches!(out.last(), Some((_, Tok::Op("=~"))))
    };
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '|' => Some(Tok::Pipe),
            ',' => Some(Tok::Comma),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(t) = single {
            out.push((pos, t));
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' || c == '`' || (c == '/' && regex_allowed(&out)) {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                let Some(&(_, d)) = chars.get(j) else {
                    return Err(format!(
                        "unterminated {c}...{c} starting at character {pos}"
                    ));
                };
                if d == '\\' && c != '/' {
                    if let Some(&(_, e)) = chars.get(j + 1) {
                        text.push(e);
                        j += 2;
                        continue;
                    }
                }
                if d == '\\' && c == '/' {
                    // Keep the escape for the regex engine, but `\/` is a literal slash.
                    if let Some(&(_, e)) = chars.get(j + 1) {
                        if e != '/' {
                            text.push('\\');
                        }
                        text.push(e);
                        j += 2;
                        continue;
                    }
                }
                if d == c {
                    break;
                }
                text.push(d);
                j += 1;
            }
            out.push((
                pos,
                match c {
                    '/' => Tok::Regex(text),
                    '`' => Tok::Ident(text),
                    _ => Tok::Str(text),
                },
            ));
            i = j + 1;
            continue;
        }
        if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit()))
        {
            let mut j = i + 1;
            while chars
                .get(j)
                .is_some_and(|(_, d)| d.is_ascii_digit() || *d == '.')
            {
                j += 1;
            }
            let end = chars.get(j).map_or(src.len(), |(p, _)| *p);
            let text = &src[pos..end];
            let n = text
                .parse::<f64>()
                .map_err(|_| format!("'{text}' at character {pos} is not a number"))?;
            out.push((pos, Tok::Num(n)));
            i = j;
            continue;
        }
        if is_ident_start(c) {
            let mut j = i + 1;
            while chars.get(j).is_some_and(|(_, d)| is_ident_char(*d)) {
                j += 1;
            }
            let end = chars.get(j).map_or(src.len(), |(p, _)| *p);
            out.push((pos, Tok::Ident(src[pos..end].to_owned())));
            i = j;
            continue;
        }
        let two: String = chars[i..].iter().take(2).map(|(_, c)| *c).collect();
        let op = ["==", "!=", "<=", ">=", "=~"]
            .into_iter()
            .find(|o| two == *o)
            .or_else(|| ["=", "<", ">"].into_iter().find(|o| two.starts_with(o)));
        match op {
            Some(o) => {
                out.push((pos, Tok::Op(o)));
                i += o.len();
            }
            None => {
                out.push((pos, Tok::Other(c)));
                i += 1;
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    fn where_(&self) -> String {
        match self.toks.get(self.at) {
            Some((pos, t)) => format!("{} at character {pos}", describe(t)),
            None => "the end of the query".into(),
        }
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(k)) if k.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.keyword(kw);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn field(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Tok::Ident(name)) => {
                let name = name.clone();
                self.at += 1;
                Ok(name)
            }
            _ => Err(format!("expected a field name, found {}", self.where_())),
        }
    }

    fn field_list(&mut self) -> Result<Vec<String>, String> {
        let mut fields = vec![self.field()?];
        while self.peek() == Some(&Tok::Comma) {
            self.at += 1;
            fields.push(self.field()?);
        }
        Ok(fields)
    }

    fn command(&mut self) -> Result<Command, String> {
        let Some(Tok::Ident(name)) = self.peek().cloned() else {
            return Err(format!("expected a command, found {}", self.where_()));
        };
        self.at += 1;
        match name.to_ascii_lowercase().as_str() {
            "fields" => Ok(Command::Fields(self.field_list()?)),
            "display" => Ok(Command::Display(self.field_list()?)),
            "filter" => Ok(Command::Filter(self.or()?)),
            "sort" => {
                let mut keys = Vec::new();
                loop {
                    let field = self.field()?;
                    let descending = if self.eat_keyword("desc") {
                        true
                    } else {
                        self.eat_keyword("asc");
                        false
                    };
                    keys.push(SortKey { field, descending });
                    if self.peek() != Some(&Tok::Comma) {
                        break;
                    }
                    self.at += 1;
                }
                Ok(Command::Sort(keys))
            }
            "limit" => match self.next() {
                Some(Tok::Num(n)) if n >= 1.0 && n.fract() == 0.0 && n <= 10_000.0 => {
                    Ok(Command::Limit(n as usize))
                }
                _ => Err("limit takes a whole number from 1 to 10000".into()),
            },
            other => Err(format!(
                "the command '{other}' is not supported by stint-sim (it runs fields, display, filter, sort and limit)"
            )),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat_keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.not()?;
        while self.eat_keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.eat_keyword("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Tok::Ident(f)) => Ok(Operand::Field(f)),
            Some(Tok::Str(s)) => Ok(Operand::Str(s)),
            Some(Tok::Num(n)) => Ok(Operand::Num(n)),
            _ => {
                self.at -= 1;
                Err(format!(
                    "expected a field, a string or a number, found {}",
                    self.where_()
                ))
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::LParen) {
            self.at += 1;
            let e = self.or()?;
            if self.next() != Some(Tok::RParen) {
                self.at -= 1;
                return Err(format!("expected ')', found {}", self.where_()));
            }
            return Ok(e);
        }
        if self.keyword("ispresent") {
            self.at += 1;
            if self.next() != Some(Tok::LParen) {
                return Err("ispresent takes a field in parentheses: ispresent(errorCode)".into());
            }
            let f = self.field()?;
            if self.next() != Some(Tok::RParen) {
                return Err("ispresent takes one field: ispresent(errorCode)".into());
            }
            return Ok(Expr::Present(f));
        }
        let left = self.operand()?;
        let negated = self.eat_keyword("not");
        if self.eat_keyword("like") || (!negated && self.peek() == Some(&Tok::Op("=~"))) {
            if self.peek() == Some(&Tok::Op("=~")) {
                self.at += 1;
            }
            let pattern = match self.next() {
                Some(Tok::Regex(r)) => regex::Regex::new(&r)
                    .map_err(|e| format!("/{r}/ is not a valid regular expression: {e}"))?,
                Some(Tok::Str(s)) => regex::Regex::new(&regex::escape(&s))
                    .map_err(|e| format!("\"{s}\" cannot be matched: {e}"))?,
                _ => {
                    self.at -= 1;
                    return Err(format!(
                        "like takes a /regex/ or a \"substring\", found {}",
                        self.where_()
                    ));
                }
            };
            let e = Expr::Like(left, pattern);
            return Ok(if negated { Expr::Not(Box::new(e)) } else { e });
        }
        if self.eat_keyword("in") {
            if self.next() != Some(Tok::LBracket) {
                return Err("in takes a list: field in [\"a\", \"b\"]".into());
            }
            let mut items = Vec::new();
            loop {
                items.push(self.operand()?);
                match self.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RBracket) => break,
                    _ => {
                        self.at -= 1;
                        return Err(format!("expected ',' or ']', found {}", self.where_()));
                    }
                }
            }
            let e = Expr::In(left, items);
            return Ok(if negated { Expr::Not(Box::new(e)) } else { e });
        }
        if negated {
            return Err(format!(
                "expected like or in after not, found {}",
                self.where_()
            ));
        }
        let cmp = match self.next() {
            Some(Tok::Op("=" | "==")) => Cmp::Eq,
            Some(Tok::Op("!=")) => Cmp::Ne,
            Some(Tok::Op("<")) => Cmp::Lt,
            Some(Tok::Op("<=")) => Cmp::Le,
            Some(Tok::Op(">")) => Cmp::Gt,
            Some(Tok::Op(">=")) => Cmp::Ge,
            _ => {
                self.at -= 1;
                return Err(format!(
                    "expected a comparison (=, !=, <, <=, >, >=, like, in), found {}",
                    self.where_()
                ));
            }
        };
        Ok(Expr::Cmp(left, cmp, self.operand()?))
    }
}

pub(super) fn parse(src: &str) -> Result<Query, String> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err("the query is empty".into());
    }
    let mut p = Parser { toks, at: 0 };
    let mut commands = vec![p.command()?];
    while p.peek().is_some() {
        if p.next() != Some(Tok::Pipe) {
            p.at -= 1;
            return Err(format!(
                "expected '|' between commands, found {}",
                p.where_()
            ));
        }
        commands.push(p.command()?);
    }
    Ok(Query { commands })
}
