//! STS and the clock: every endpoint on the allow-list answers as STS does, and the
//! broker's clock agrees with AWS's (a signed identity request is refused when its time is
//! further than `max_signing_skew` from the broker's, so a wrong clock refuses everyone).
//!
//! The try is an unsigned `GetCallerIdentity`: STS answers it with its own error document
//! (MissingAuthenticationToken), which proves the host is STS without sending a credential;
//! its `Date` header gives AWS's time.

use std::time::{Duration, SystemTime};

use super::Check;
use crate::config::{Config, StsEndpoint};

/// The whole try of one endpoint, connecting included.
const DEADLINE: Duration = Duration::from_secs(5);

pub(super) async fn check(config: &Config, checks: &mut Vec<Check>) {
    let endpoints = config.sts_endpoints();
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DEADLINE)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            checks.push(Check::fail(
                "sts",
                format!("no HTTP client: {e}"),
                "report a bug",
            ));
            return;
        }
    };
    let mut answered = Vec::new();
    let mut problems = Vec::new();
    let mut skews = Vec::new();
    for endpoint in &endpoints {
        match try_endpoint(&client, endpoint).await {
            Ok(skew) => {
                answered.push(endpoint.to_string());
                skews.extend(skew);
            }
            Err(why) => problems.push(format!("{endpoint}: {why}")),
        }
    }
    checks.push(if endpoints.is_empty() {
        Check::fail(
            "sts",
            "the STS allow-list is empty: nobody can sign in",
            "set identity_center.sts_hosts, or leave it out for the region's own endpoints",
        )
    } else if problems.is_empty() {
        Check::ok(
            "sts",
            format!("allow-listed STS answers: {}", answered.join(", ")),
        )
    } else {
        Check::fail(
            "sts",
            format!(
                "not every allow-listed STS endpoint answers: {}",
                problems.join("; ")
            ),
            "let the broker reach these hosts over HTTPS (proxy, firewall, VPC endpoint), or \
             correct identity_center.sts_hosts",
        )
    });
    checks.push(clock_check(config.identity_center.max_signing_skew, &skews));
}

/// The broker's clock minus AWS's, when the answer carried a `Date`.
async fn try_endpoint(
    client: &reqwest::Client,
    endpoint: &StsEndpoint,
) -> Result<Option<f64>, String> {
    let url = format!("{}://{}:{}/", endpoint.scheme, endpoint.host, endpoint.port);
    let sent = SystemTime::now();
    let response = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .map_err(|e| format!("no answer ({e})"))?;
    let received = SystemTime::now();
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok());
    let body = response
        .text()
        .await
        .map_err(|e| format!("no body ({e})"))?;
    if !body.contains("GetCallerIdentity") && !body.contains("<ErrorResponse") {
        return Err("answered, but not as STS".to_owned());
    }
    let Some(date) = date else { return Ok(None) };
    // Date has one-second resolution: compare with the middle of the exchange.
    let local_mid = unix_secs(sent) + (unix_secs(received) - unix_secs(sent)) / 2.0;
    Ok(Some(local_mid - date.timestamp() as f64 - 0.5))
}

fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn clock_check(max_skew: Duration, skews: &[f64]) -> Check {
    let Some(worst) = skews
        .iter()
        .copied()
        .max_by(|a, b| a.abs().total_cmp(&b.abs()))
    else {
        return Check::warn(
            "clock",
            "no STS answer carried a date to compare the clock with",
            "keep the broker's clock synchronised (NTP, chrony)",
        );
    };
    let max = max_skew.as_secs_f64();
    let detail = format!(
        "the broker's clock is {:.0} s {} AWS's (sign-in allows {max:.0} s)",
        worst.abs(),
        if worst >= 0.0 { "ahead of" } else { "behind" }
    );
    if worst.abs() >= max {
        Check::fail(
            "clock",
            detail,
            "synchronise the broker's clock (NTP, chrony)",
        )
    } else if worst.abs() >= max / 4.0 {
        Check::warn(
            "clock",
            detail,
            "synchronise the broker's clock (NTP, chrony)",
        )
    } else {
        Check::ok("clock", detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn skew_beyond_what_sign_in_allows_fails() {
        let max = Duration::from_secs(300);
        assert_eq!(clock_check(max, &[0.4, -1.0]).status, Status::Ok);
        assert_eq!(clock_check(max, &[100.0]).status, Status::Warn);
        let late = clock_check(max, &[2.0, -400.0]);
        assert_eq!(late.status, Status::Fail);
        assert!(late.detail.contains("400 s behind"), "{}", late.detail);
        assert_eq!(clock_check(max, &[]).status, Status::Warn);
    }
}
