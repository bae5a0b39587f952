//! Reading `[settings]`: the global limits, the ticket pattern, the groups with powers,
//! the webhook URL.

use std::time::Duration;

use super::{LONGEST_GRANT, SETTINGS_KEYS, SHORTEST_GRANT, one_line};
use crate::policy::fields::Fields;
use crate::policy::model::{MAX_TARGETS_LIMIT, Settings, TicketPattern};
use crate::policy::source::{Reporter, Table};

pub(super) fn read_settings(table: &Table, rep: &mut Reporter<'_>) -> Settings {
    let defaults = Settings::default();
    let mut f = Fields::new(table, "[settings]".to_owned(), SETTINGS_KEYS);
    let max_duration = f
        .duration("max_duration", SHORTEST_GRANT, LONGEST_GRANT, rep)
        .map_or(defaults.max_duration, |d| d.value);
    let ticket_required = f.bool("ticket_required", rep).unwrap_or(false);
    let ticket_pattern =
        f.string("ticket_pattern", rep)
            .and_then(|p| match TicketPattern::compile(&p.value) {
                Ok(t) => Some(t),
                Err(err) => {
                    rep.error_at(
                        p.location,
                        format!(
                            "`ticket_pattern` is not a valid regular expression: {}",
                            one_line(&err.to_string())
                        ),
                    );
                    None
                }
            });
    let approval_timeout = f
        .duration("approval_timeout", SHORTEST_GRANT, LONGEST_GRANT, rep)
        .map_or(defaults.approval_timeout, |d| d.value);
    let auditor_groups = f.strings("auditor_groups", rep);
    let admin_groups = f.strings("admin_groups", rep);
    let webhook_url = f
        .string("webhook_url", rep)
        .and_then(|u| match url::Url::parse(&u.value) {
            Ok(url) if matches!(url.scheme(), "https" | "http") => Some(url),
            Ok(url) => {
                rep.error_at(
                    u.location,
                    format!(
                        "`webhook_url` must be an http or https URL, not {}:",
                        url.scheme()
                    ),
                );
                None
            }
            Err(err) => {
                rep.error_at(u.location, format!("`webhook_url` is not a URL: {err}"));
                None
            }
        });
    let session_overhang_warning = f
        .duration(
            "session_overhang_warning",
            Duration::ZERO,
            LONGEST_GRANT,
            rep,
        )
        .map_or(defaults.session_overhang_warning, |d| d.value);
    let max_targets = f
        .integer(
            "max_targets",
            1,
            i64::from(MAX_TARGETS_LIMIT),
            &format!(
                "the most accounts one request may name; leave it out for {}",
                defaults.max_targets
            ),
            rep,
        )
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(defaults.max_targets);
    f.finish(rep);
    Settings {
        max_duration,
        ticket_required,
        ticket_pattern,
        approval_timeout,
        auditor_groups,
        admin_groups,
        webhook_url,
        session_overhang_warning,
        max_targets,
    }
}
