//! Unit tests of the device flow, refresh and logout (`oidc.rs`).

use super::*;

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

fn timing() -> Timing {
    Timing {
        device_poll_interval: Duration::from_secs(5),
        ..Timing::default()
    }
}

struct Setup {
    oidc: Oidc,
    id: String,
    secret: String,
    device: String,
    user_code: String,
}

fn setup(scopes: &[&str]) -> Setup {
    let mut oidc = Oidc::default();
    let c = oidc.register_client(
        Registration {
            name: "test".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Registration::default()
        },
        t(0),
        Duration::from_secs(90 * 24 * 3600),
    );
    let (id, secret) = (c.client_id.clone(), c.client_secret.expose().to_owned());
    let d = oidc
        .start_device_authorization(&id, &secret, t(0), &timing())
        .unwrap();
    let (device, user_code) = (d.device_code.expose().to_owned(), d.user_code.clone());
    Setup {
        oidc,
        id,
        secret,
        device,
        user_code,
    }
}

#[test]
fn device_flow_pending_slow_down_then_token_once() {
    let Setup {
        mut oidc,
        id,
        secret,
        device,
        user_code,
    } = setup(&[REFRESH_SCOPE]);
    let poll = |o: &mut Oidc, at| {
        o.create_token_from_device_code(&id, &secret, &device, &[], at, &timing())
    };
    assert_eq!(
        poll(&mut oidc, t(1)).unwrap_err(),
        OidcError::AuthorizationPending
    );
    assert_eq!(poll(&mut oidc, t(2)).unwrap_err(), OidcError::SlowDown);
    oidc.decide(
        &user_code.to_lowercase().replace('-', ""),
        Some("u1".into()),
        t(3),
    )
    .unwrap();
    let grant = poll(&mut oidc, t(10)).unwrap();
    assert!(grant.refresh_token.is_some());
    assert_eq!(grant.expires_in, 3600);
    assert_eq!(
        oidc.user_for_access_token(grant.access_token.expose(), t(11)),
        Some("u1")
    );
    assert!(matches!(
        poll(&mut oidc, t(20)).unwrap_err(),
        OidcError::InvalidGrant(_)
    ));
}

#[test]
fn refresh_rotates_and_stops_at_session_end() {
    let Setup {
        mut oidc,
        id,
        secret,
        device,
        user_code,
    } = setup(&[REFRESH_SCOPE]);
    oidc.decide(&user_code, Some("u1".into()), t(1)).unwrap();
    let grant = oidc
        .create_token_from_device_code(&id, &secret, &device, &[], t(1), &timing())
        .unwrap();
    let first = grant.refresh_token.unwrap();
    let second = oidc
        .create_token_from_refresh_token(&id, &secret, first.expose(), t(100), &timing())
        .unwrap()
        .refresh_token
        .unwrap();
    assert!(matches!(
        oidc.create_token_from_refresh_token(&id, &secret, first.expose(), t(101), &timing()),
        Err(OidcError::InvalidGrant(_))
    ));
    let after_session = 8 * 3600 + 2;
    assert!(matches!(
        oidc.create_token_from_refresh_token(
            &id,
            &secret,
            second.expose(),
            t(after_session),
            &timing()
        ),
        Err(OidcError::InvalidGrant(_))
    ));
}

#[test]
fn no_refresh_token_without_the_scope_and_denial_and_expiry() {
    let Setup {
        mut oidc,
        id,
        secret,
        device,
        user_code,
    } = setup(&[]);
    oidc.decide(&device, Some("u1".into()), t(1)).unwrap();
    let grant = oidc
        .create_token_from_device_code(&id, &secret, &device, &[], t(1), &timing())
        .unwrap();
    assert!(grant.refresh_token.is_none());
    assert_eq!(
        oidc.decide(&user_code, None, t(2)).unwrap_err(),
        DecideError::AlreadyDecided
    );

    let Setup {
        mut oidc,
        id,
        secret,
        device,
        user_code,
    } = setup(&[]);
    oidc.decide(&user_code, None, t(1)).unwrap();
    assert_eq!(
        oidc.create_token_from_device_code(&id, &secret, &device, &[], t(1), &timing())
            .unwrap_err(),
        OidcError::AccessDenied
    );

    let Setup {
        mut oidc,
        id,
        secret,
        device,
        user_code,
    } = setup(&[]);
    assert_eq!(
        oidc.create_token_from_device_code(&id, &secret, &device, &[], t(601), &timing())
            .unwrap_err(),
        OidcError::ExpiredToken
    );
    assert_eq!(
        oidc.decide(&user_code, None, t(601)).unwrap_err(),
        DecideError::Expired
    );
    assert!(matches!(
        oidc.create_token_from_device_code(&id, "wrong", &device, &[], t(1), &timing()),
        Err(OidcError::InvalidClient(_))
    ));
}

#[test]
fn logout_ends_the_session() {
    let Setup {
        mut oidc,
        id,
        secret,
        device,
        user_code,
    } = setup(&[REFRESH_SCOPE]);
    oidc.decide(&user_code, Some("u1".into()), t(1)).unwrap();
    let grant = oidc
        .create_token_from_device_code(&id, &secret, &device, &[], t(1), &timing())
        .unwrap();
    assert!(oidc.logout(grant.access_token.expose(), t(2)));
    assert_eq!(
        oidc.user_for_access_token(grant.access_token.expose(), t(3)),
        None
    );
    assert!(
        oidc.create_token_from_refresh_token(
            &id,
            &secret,
            grant.refresh_token.unwrap().expose(),
            t(3),
            &timing()
        )
        .is_err()
    );
    assert!(!oidc.logout(grant.access_token.expose(), t(4)));
}
