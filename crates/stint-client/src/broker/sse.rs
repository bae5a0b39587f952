//! A server-sent-events parser (the WHATWG `text/event-stream` format), fed arbitrary
//! chunks of bytes as they arrive.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The last `id:` seen (sticky across events, as the spec says).
    pub id: Option<String>,
    /// `event:` field; `message` when absent.
    pub event: Option<String>,
    pub data: String,
    /// `retry:` in milliseconds, when the server set one with this event.
    pub retry_ms: Option<u64>,
}

#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    last_id: Option<String>,
    event: Option<String>,
    data: Vec<String>,
    retry_ms: Option<u64>,
    started: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The last event id seen, for `Last-Event-ID` on reconnect.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Feeds bytes; returns the events completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        // Lines end in \n, \r\n or a lone \r. A trailing \r may be the first half of
        // \r\n, so it waits for the next chunk.
        while let Some(pos) = self.pending.iter().position(|b| *b == b'\n' || *b == b'\r') {
            if self.pending[pos] == b'\r' && pos + 1 == self.pending.len() {
                break;
            }
            let skip = if self.pending[pos] == b'\r' && self.pending.get(pos + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            let line: Vec<u8> = self.pending.drain(..pos + skip).take(pos).collect();
            let mut text = String::from_utf8_lossy(&line).into_owned();
            if !self.started {
                self.started = true;
                if let Some(rest) = text.strip_prefix('\u{feff}') {
                    text = rest.to_owned();
                }
            }
            if let Some(event) = self.line(&text) {
                events.push(event);
            }
        }
        events
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => self.data.push(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" => self.retry_ms = value.parse().ok(),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let retry_ms = self.retry_ms.take();
        let event = self.event.take();
        if self.data.is_empty() {
            return None;
        }
        let data = std::mem::take(&mut self.data).join("\n");
        Some(SseEvent {
            id: self.last_id.clone(),
            event,
            data,
            retry_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_split_anywhere_across_chunks() {
        let stream = b"\xef\xbb\xbf: keep-alive\n\nid: 7\nevent: request\ndata: {\"a\":\ndata: 1}\n\nid: 8\r\ndata: x\r\n\r\ndata: no id\rretry: 2500\r\r\n";
        for split in 0..stream.len() {
            let mut parser = SseParser::new();
            let mut events = parser.feed(&stream[..split]);
            events.extend(parser.feed(&stream[split..]));
            assert_eq!(events.len(), 3, "split at {split}: {events:?}");
            assert_eq!(events[0].id.as_deref(), Some("7"));
            assert_eq!(events[0].event.as_deref(), Some("request"));
            assert_eq!(events[0].data, "{\"a\":\n1}");
            assert_eq!(events[1].id.as_deref(), Some("8"));
            assert_eq!(events[1].data, "x");
            // The id is sticky; retry comes with the event it was sent in.
            assert_eq!(events[2].id.as_deref(), Some("8"));
            assert_eq!(events[2].retry_ms, Some(2500));
            assert_eq!(parser.last_event_id(), Some("8"));
        }
    }

    #[test]
    fn an_event_without_data_is_not_dispatched() {
        let mut parser = SseParser::new();
        assert!(parser.feed(b"id: 3\nevent: ping\n\n").is_empty());
        assert_eq!(parser.last_event_id(), Some("3"));
        let events = parser.feed(b"data\n\n");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "");
        assert_eq!(events[0].event, None);
    }

    #[test]
    fn multibyte_characters_split_across_chunks_survive() {
        let text = "data: caf\u{e9} \u{1f600}\n\n".as_bytes();
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for byte in text {
            events.extend(parser.feed(std::slice::from_ref(byte)));
        }
        assert_eq!(events[0].data, "caf\u{e9} \u{1f600}");
    }
}
