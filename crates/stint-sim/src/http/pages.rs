//! The pages a person uses: the index, the device verification page (approve or deny a
//! sign-in), the access portal (`/start`, including the `#/console?...` shortcut links),
//! and the simulated console a federated sign-in lands on.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::RequestContext;
use super::federation::{console_path, found};
use super::html::{escape, page};
use super::portal::issue_for;
use crate::sim::Sim;
use crate::state::random;
use crate::world::User;

const PORTAL_COOKIE: &str = "stint_sim_portal";
const DEFAULT_DESTINATION: &str = "https://console.aws.amazon.com/";

pub(crate) fn index(sim: &Sim) -> Response {
    let w = &sim.world;
    let base = &sim.base_url;
    let body = format!(
        "<h1>stint-sim</h1><p>Identity Center instance <code>{}</code> in <code>{}</code>, \
identity store <code>{}</code>: {} users, {} groups, {} accounts, {} permission sets.</p>\
<ul><li><a href=\"/start\">Access portal</a> ({base}/start)</li>\
<li><a href=\"/device\">Device verification</a> ({base}/device)</li>\
<li>Browser sign-in: {base}/authorize?response_type=code&amp;client_id=...</li>\
<li><a href=\"/_sim\">Control API</a> ({base}/_sim)</li></ul>\
<p>Point an AWS SDK at <code>{base}</code> with an endpoint override: sso, sso-oidc, sso-admin, \
identitystore, organizations and sts are all served here.</p>",
        escape(&w.instance().instance_arn),
        escape(&w.instance().region),
        escape(&w.instance().identity_store_id),
        w.users().len(),
        w.groups().len(),
        w.accounts().len(),
        w.permission_sets().len(),
    );
    page(StatusCode::OK, "stint-sim", &body)
}

pub(crate) fn form_fields(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn user_datalist(sim: &Sim) -> String {
    let options: String = sim
        .world
        .users()
        .iter()
        .map(|u| {
            format!(
                "<option value=\"{}\">{}</option>",
                escape(&u.user_name),
                escape(&u.display_name)
            )
        })
        .collect();
    format!("<datalist id=\"users\">{options}</datalist>")
}

fn device_form(sim: &Sim, user_code: &str, notice: &str) -> String {
    format!(
        "<h1>Authorize a device</h1>{notice}\
<p>A program is asking to sign in to this Identity Center. Approve only if the code below is \
the one it shows you.</p>\
<form method=\"post\" action=\"/device\">\
<label>Code<br><input name=\"user_code\" value=\"{}\" required autocomplete=\"off\" class=\"code\" size=\"10\"></label>\
<label>Sign in as<br><input name=\"user_name\" list=\"users\" required autocomplete=\"off\" placeholder=\"user name\"></label>{}\
<button class=\"approve\" name=\"decision\" value=\"approve\">Approve</button>\
<button class=\"deny\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        escape(user_code),
        user_datalist(sim)
    )
}

pub(crate) async fn device_page(
    State(sim): State<Arc<Sim>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    tracing::Span::current().record("operation", "DevicePage");
    let code = q.get("user_code").map(String::as_str).unwrap_or_default();
    let notice = if code.is_empty() {
        String::new()
    } else if sim
        .state()
        .oidc
        .pending_by_user_code(code, sim.now())
        .is_none()
    {
        "<p class=\"error\">No sign-in is waiting for this code: it may have expired, been used, or been mistyped.</p>".to_owned()
    } else {
        String::new()
    };
    page(
        StatusCode::OK,
        "Authorize a device",
        &device_form(&sim, code, &notice),
    )
}

pub(crate) async fn device_submit(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    tracing::Span::current().record("operation", "DeviceDecision");
    let fields = form_fields(&body);
    let code = fields
        .get("user_code")
        .map(String::as_str)
        .unwrap_or_default();
    let user_name = fields
        .get("user_name")
        .map(String::as_str)
        .unwrap_or_default();
    let deny = fields.get("decision").map(String::as_str) == Some("deny");
    let user_name = if deny && user_name.is_empty() {
        // Denying does not need a person; record it against nobody in particular.
        sim.world
            .users()
            .first()
            .map(|u| u.user_name.clone())
            .unwrap_or_default()
    } else {
        user_name.to_owned()
    };
    match sim.decide_device(code, &user_name, deny) {
        Ok(decision) if deny => page(
            StatusCode::OK,
            "Sign-in denied",
            &format!(
                "<h1 class=\"error\">Denied</h1><p>The sign-in with code <span class=\"code\">{}</span> was denied. \
The program that asked will be told <code>access_denied</code>.</p>",
                escape(&decision.user_code)
            ),
        ),
        Ok(decision) => {
            let mut response = page(
                StatusCode::OK,
                "Sign-in approved",
                &format!(
                    "<h1 class=\"ok\">Approved</h1><p>Signed in as <b>{}</b>. You can close this window and \
return to the program that asked (code <span class=\"code\">{}</span>).</p><p><a href=\"/start\">Open the access portal</a></p>",
                    escape(&decision.user_name),
                    escape(&decision.user_code)
                ),
            );
            if let Some(user) = sim.world.user_by_name(&decision.user_name) {
                set_portal_cookie(&sim, &mut response, user);
            }
            response
        }
        Err(e) => {
            let status = e.status();
            let notice = format!("<p class=\"error\">{}</p>", escape(&e.to_string()));
            page(
                status,
                "Authorize a device",
                &device_form(&sim, code, &notice),
            )
        }
    }
}

pub(crate) fn set_portal_cookie(sim: &Sim, response: &mut Response, user: &User) {
    let session = random::alphanumeric(32);
    sim.state()
        .portal_sessions
        .insert(session.clone(), user.user_id.clone());
    let cookie = format!("{PORTAL_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn portal_user<'a>(sim: &'a Sim, headers: &HeaderMap) -> Option<&'a User> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    let session = cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == PORTAL_COOKIE)
        .map(|(_, value)| value)?;
    let user_id = sim.state().portal_sessions.get(session).cloned()?;
    sim.world.user_by_id(&user_id)
}

/// Sends `#/console?account_id=..&role_name=..&destination=..` shortcut links (the hash
/// never reaches a server) through the portal's console landing.
const SHORTCUT_SCRIPT: &str = "<script>(function(){var h=location.hash;var p='#/console?';\
if(h.indexOf(p)===0){location.replace('/start/console?'+h.slice(p.length));}})();</script>";

fn signin_form(sim: &Sim, next: &str, notice: &str) -> String {
    format!(
        "<h1>Sign in to the access portal</h1>{notice}<form method=\"post\" action=\"/start/signin\">\
<input type=\"hidden\" name=\"next\" value=\"{}\">\
<label>User name<br><input name=\"user_name\" list=\"users\" required autocomplete=\"off\"></label>{}\
<button class=\"approve\">Sign in</button></form>",
        escape(next),
        user_datalist(sim)
    )
}

pub(crate) async fn start(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    tracing::Span::current().record("operation", "AccessPortal");
    let Some(user) = portal_user(&sim, &headers) else {
        let body = format!("{SHORTCUT_SCRIPT}{}", signin_form(&sim, "/start", ""));
        return page(StatusCode::OK, "Access portal", &body);
    };
    let access = sim.state().access_of(&user.user_id);
    let mut rows = String::new();
    for (account_id, ps_arn) in &access {
        let (Some(account), Some(ps)) = (
            sim.world.account(account_id),
            sim.world.permission_set_by_arn(ps_arn),
        ) else {
            continue;
        };
        let link = format!(
            "/start/console?account_id={}&role_name={}",
            account.id,
            urlencode(&ps.name)
        );
        rows.push_str(&format!(
            "<tr><td>{} <code>{}</code></td><td>{}</td><td><a href=\"{}\">Management console</a></td></tr>",
            escape(&account.name),
            escape(&account.id),
            escape(&ps.name),
            escape(&link)
        ));
    }
    let body = format!(
        "{SHORTCUT_SCRIPT}<h1>AWS access portal</h1><p>Signed in as <b>{}</b> ({}).</p>\
<table><tr><th>Account</th><th>Role</th><th></th></tr>{rows}</table>",
        escape(&user.user_name),
        escape(&user.display_name)
    );
    page(StatusCode::OK, "Access portal", &body)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(crate) async fn start_signin(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    tracing::Span::current().record("operation", "PortalSignIn");
    let fields = form_fields(&body);
    let next = fields
        .get("next")
        .filter(|n| n.starts_with("/start"))
        .cloned()
        .unwrap_or_else(|| "/start".to_owned());
    let name = fields
        .get("user_name")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(user) = sim.world.user_by_name(name) else {
        let notice = format!(
            "<p class=\"error\">There is no user named \"{}\" in this world.</p>",
            escape(name)
        );
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            &signin_form(&sim, &next, &notice),
        );
    };
    let mut response = Redirect::to(&next).into_response();
    set_portal_cookie(&sim, &mut response, user);
    response
}

pub(crate) async fn start_console(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    tracing::Span::current().record("operation", "PortalConsole");
    let account = q.get("account_id").map(String::as_str).unwrap_or_default();
    let role = q.get("role_name").map(String::as_str).unwrap_or_default();
    let destination = q
        .get("destination")
        .cloned()
        .unwrap_or_else(|| DEFAULT_DESTINATION.to_owned());
    let Some(user) = portal_user(&sim, &headers) else {
        let mut next = format!(
            "/start/console?account_id={}&role_name={}",
            urlencode(account),
            urlencode(role)
        );
        if q.contains_key("destination") {
            next.push_str(&format!("&destination={}", urlencode(&destination)));
        }
        return page(StatusCode::OK, "Sign in", &signin_form(&sim, &next, ""));
    };
    if url::Url::parse(&destination).map_or(true, |u| {
        !u.host_str().is_some_and(|h| {
            h == "console.aws.amazon.com" || h.ends_with(".console.aws.amazon.com")
        })
    }) {
        return page(
            StatusCode::BAD_REQUEST,
            "Bad destination",
            "<h1 class=\"error\">Bad destination</h1><p>The destination must be an https://console.aws.amazon.com/ address.</p>",
        );
    }
    match issue_for(&sim, user, account, role) {
        Ok(credential) => {
            let now = sim.now();
            let session = sim
                .state()
                .credentials
                .open_console(
                    &credential,
                    destination,
                    Some("stint-sim access portal".to_owned()),
                    now,
                )
                .clone();
            super::trail::record_console_login(&sim, &ctx, &session);
            found(&console_path(&session))
        }
        Err(_) => page(
            StatusCode::FORBIDDEN,
            "No access",
            &format!(
                "<h1 class=\"error\">No access</h1><p><b>{}</b> does not hold <b>{}</b> in account <code>{}</code> right now.</p>\
<p><a href=\"/start\">Back to the access portal</a></p>",
                escape(&user.user_name),
                escape(role),
                escape(account)
            ),
        ),
    }
}

pub(crate) async fn console(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    tracing::Span::current().record("operation", "Console");
    let id = params.get("id").map(String::as_str).unwrap_or_default();
    let Some(session) = sim.state().credentials.console(id).cloned() else {
        return page(
            StatusCode::NOT_FOUND,
            "Not signed in",
            "<h1 class=\"error\">Not signed in</h1><p>This console session does not exist. Sign in again through the federation endpoint or the access portal.</p>",
        );
    };
    let account_name = sim
        .world
        .account(&session.account_id)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let expired = sim.now() >= session.expires_at;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let status = if expired {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    if wants_json {
        let body = json!({
            "accountId": session.account_id,
            "accountName": account_name,
            "roleName": session.permission_set_name,
            "iamRoleName": session.role_name,
            "userName": session.user_name,
            "destination": session.destination,
            "issuer": session.issuer,
            "signedInAt": session.signed_in_at,
            "expiresAt": session.expires_at,
            "expired": expired,
        });
        return (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    let body = format!(
        "<main id=\"console\" data-account-id=\"{aid}\" data-account-name=\"{aname}\" data-role-name=\"{role}\" \
data-user-name=\"{user}\" data-destination=\"{dest}\">\
<h1>AWS Management Console (simulated)</h1>{expired_note}\
<table><tr><th>Account</th><td>{aname} <code>{aid}</code></td></tr>\
<tr><th>Role</th><td>{role} (<code>{iam}</code>)</td></tr>\
<tr><th>User</th><td>{user}</td></tr>\
<tr><th>Destination</th><td><code>{dest}</code></td></tr>\
<tr><th>Session ends</th><td>{ends}</td></tr></table></main>",
        aid = escape(&session.account_id),
        aname = escape(&account_name),
        role = escape(&session.permission_set_name),
        iam = escape(&session.role_name),
        user = escape(&session.user_name),
        dest = escape(&session.destination),
        ends = session.expires_at.to_rfc3339(),
        expired_note = if expired {
            "<p class=\"error\">This console session has expired.</p>"
        } else {
            ""
        },
    );
    page(status, "Console", &body)
}
