//! `stint login`, `logout`, `whoami`.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use stint_client::Stint;
use stint_client::sso::{BrowserOutcome, LoginFlow, LoginHooks, LoginProgress, LoginStatus};

use crate::cli::LoginArgs;
use crate::output;
use stint_client::browser;

/// The browser sign-in unless asked otherwise, or unless no browser can be opened here;
/// and whether to open a browser at all.
fn flow(stint: &Stint, args: &LoginArgs) -> (LoginFlow, bool) {
    if args.use_device_code || stint.config().preferences.use_device_code {
        return (LoginFlow::DeviceCode, !args.no_browser);
    }
    if args.no_browser {
        // The person opens the printed URL, on this machine: the browser sign-in works.
        return (LoginFlow::Browser, false);
    }
    match browser::unavailable(|name| std::env::var(name).ok()) {
        Some(why) => {
            eprintln!("No browser can be opened here ({why}): signing in with a device code.");
            (LoginFlow::DeviceCode, false)
        }
        None => (LoginFlow::Browser, true),
    }
}

pub async fn login(stint: &Stint, args: LoginArgs) -> Result<ExitCode> {
    let open = |url: &str| browser::open(url);
    let progress = |event: LoginProgress| match event {
        LoginProgress::WaitingForAnotherLogin => {
            eprintln!("Another stint is logging in; waiting for it to finish...");
        }
        LoginProgress::BrowserSignIn(prompt) => {
            match &prompt.browser {
                BrowserOutcome::Opened => eprintln!("Opened your browser to sign in."),
                BrowserOutcome::NotRequested => eprintln!(
                    "Open this page in a browser on this machine to sign in:\n\n  {}\n",
                    prompt.authorize_url
                ),
                BrowserOutcome::Failed(why) => eprintln!(
                    "Could not open a browser ({why}). Open this page in a browser on this machine to sign in:\n\n  {}\n\n(or press Ctrl-C and run `stint login --use-device-code`)",
                    prompt.authorize_url
                ),
            }
            eprintln!(
                "Waiting until {} for you to allow Stint in the browser (Ctrl-C to stop)...",
                output::local(prompt.expires_at)
            );
        }
        LoginProgress::Prompt(prompt) => {
            match &prompt.browser {
                BrowserOutcome::Opened => eprintln!("Opened your browser to sign in."),
                BrowserOutcome::NotRequested => {
                    eprintln!(
                        "Open this page to sign in:\n\n  {}\n",
                        prompt.verification_uri_complete
                    );
                }
                BrowserOutcome::Failed(why) => eprintln!(
                    "Could not open a browser ({why}). Open this page to sign in:\n\n  {}\n",
                    prompt.verification_uri_complete
                ),
            }
            eprintln!(
                "Check that the page shows the code {} (valid until {}). Waiting for approval...",
                prompt.user_code,
                output::local(prompt.expires_at)
            );
        }
        LoginProgress::Approved => {}
    };
    let (flow, open_browser) = flow(stint, &args);
    let hooks = LoginHooks {
        open_browser: if open_browser { Some(&open) } else { None },
        on_progress: &progress,
    };
    let token = stint.login(flow, hooks).await?;
    eprintln!(
        "Logged in to {}. The login renews itself until your Identity Center session ends.",
        token.start_url
    );
    if stint.has_broker() {
        let session = stint.broker()?.session().await?;
        eprintln!(
            "Signed in to Stint as {} ({}).",
            session.me.user.user_name, session.me.user.display_name
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn logout(stint: &Stint) -> Result<ExitCode> {
    stint.logout().await?;
    eprintln!("Logged out: tokens and cached credentials are gone from this machine.");
    Ok(ExitCode::SUCCESS)
}

pub async fn whoami(stint: &Stint, as_json: bool) -> Result<ExitCode> {
    let status = stint.status().await?;
    let LoginStatus::LoggedIn {
        start_url,
        access_token_expires_at,
        renewable,
        logged_in_at,
    } = &status
    else {
        return Err(match status {
            LoginStatus::Expired { .. } => stint_client::Error::LoginExpired,
            _ => stint_client::Error::NotLoggedIn,
        }
        .into());
    };
    if stint.has_broker() {
        let me = stint.broker()?.me().await?;
        if as_json {
            output::json(&json!({ "login": status, "me": me }))?;
        } else {
            println!("{} ({})", me.user.user_name, me.user.display_name);
            if let Some(email) = &me.email {
                println!("email:     {email}");
            }
            println!("groups:    {}", me.groups.join(", "));
            let personas: Vec<String> = me
                .personas
                .iter()
                .map(|p| {
                    serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .collect();
            println!("roles:     {}", personas.join(", "));
            println!("portal:    {start_url}");
            println!(
                "logged in: {}{}",
                output::local(*logged_in_at),
                if *renewable { " (renews silently)" } else { "" }
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    // No broker: ask STS who the baseline role's credentials belong to, when configured.
    let identity = match stint.config().baseline() {
        Ok(_) => Some(stint.caller_identity().await?),
        Err(_) => None,
    };
    if as_json {
        output::json(&json!({ "login": status, "aws": identity }))?;
    } else {
        if let Some(identity) = &identity {
            println!("{}", identity.arn);
        }
        println!("portal:    {start_url}");
        println!(
            "logged in: {}{}",
            output::local(*logged_in_at),
            if *renewable { " (renews silently)" } else { "" }
        );
        println!(
            "token:     {} left",
            output::span(*access_token_expires_at - chrono::Utc::now())
        );
    }
    Ok(ExitCode::SUCCESS)
}
