//! Role credentials and their cache, the signed identity request, console links, logout
//! and the AWS CLI's files.

use stint_client::sso::LoginStatus;
use stint_client::store::SecretStore;
use stint_client::{ConsoleRequest, Error, ProfileStyle};

use crate::support::{BASELINE_ACCOUNT, DEV_ACCOUNT, Harness};
use crate::target;

#[tokio::test]
async fn role_credentials_are_cached_until_five_minutes_before_expiry() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let since = h.last_call();
    let dev = target("dev/ReadOnlyAccess");
    let creds = stint.credentials(&dev).await.unwrap();
    assert_eq!(
        creds.account_id, DEV_ACCOUNT,
        "the account name resolved through the portal"
    );
    assert_eq!(creds.role_name, "ReadOnlyAccess");
    let again = stint
        .credentials(&target("555555555555/ReadOnlyAccess"))
        .await
        .unwrap();
    assert_eq!(again, creds);
    assert_eq!(h.count_calls(since, "GetRoleCredentials", None), 1);

    // A separate process (another client on the same store) is served from the cache too.
    let other = h.client().await;
    assert_eq!(
        other
            .credentials(&target("555555555555/ReadOnlyAccess"))
            .await
            .unwrap(),
        creds
    );
    assert_eq!(h.count_calls(since, "GetRoleCredentials", None), 1);

    let left = creds.expiration - h.sim.now();
    h.sim
        .advance_clock((left - chrono::Duration::minutes(4)).to_std().unwrap());
    let fresh = stint.credentials(&dev).await.unwrap();
    assert_ne!(fresh.access_key_id, creds.access_key_id);
    assert_eq!(h.count_calls(since, "GetRoleCredentials", None), 2);
}

#[tokio::test]
async fn a_role_not_held_is_no_access_and_an_unknown_account_lists_the_known_ones() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let err = stint
        .credentials(&target("333333333333/AdministratorAccess"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoAccess { .. }), "{err:?}");
    assert_eq!(err.kind(), stint_client::ErrorKind::Forbidden);
    assert!(err.to_string().contains("stint request"), "{err}");

    let err = stint
        .credentials(&target("prdo/AdministratorAccess"))
        .await
        .unwrap_err();
    let Error::UnknownAccount { known, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(known.contains(&"dev".to_owned()), "{known:?}");
}

#[tokio::test]
async fn the_signed_identity_request_is_accepted_by_sts_and_names_the_person() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let signed = stint.signed_identity("stint-test").await.unwrap();
    assert!(
        signed
            .headers
            .iter()
            .any(|h| h.name == "x-stint-broker" && h.value == "stint-test")
    );
    let auth = &signed
        .headers
        .iter()
        .find(|h| h.name == "authorization")
        .unwrap()
        .value;
    assert!(
        auth.contains("x-stint-broker"),
        "the audience is signed: {auth}"
    );

    let identity = stint.caller_identity().await.unwrap();
    assert_eq!(identity.account, BASELINE_ACCOUNT);
    assert!(
        identity
            .arn
            .starts_with("arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_StintBaseline_")
            && identity.arn.ends_with("/alice"),
        "{}",
        identity.arn
    );

    // A signature over a tampered audience is refused by STS.
    let mut tampered = signed.clone();
    for header in &mut tampered.headers {
        if header.name == "x-stint-broker" {
            header.value = "another-broker".into();
        }
    }
    let err = stint_client::identity::send_to_sts(&reqwest::Client::new(), &tampered)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Aws { .. }), "{err:?}");
}

#[tokio::test]
async fn the_console_link_lands_on_the_console_for_the_right_account_and_role() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let request = ConsoleRequest {
        service: Some("s3".into()),
        region: Some("eu-west-1".into()),
        portal: false,
    };
    let url = stint
        .console_url(&target("dev/ReadOnlyAccess"), &request)
        .await
        .unwrap();
    assert!(
        url.expose()
            .starts_with(&format!("{}/federation?Action=login&", h.sim.url())),
        "{}",
        url.expose()
    );

    let page: serde_json::Value = reqwest::Client::new()
        .get(url.expose())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["accountId"], DEV_ACCOUNT);
    assert_eq!(page["roleName"], "ReadOnlyAccess");
    assert_eq!(page["userName"], "alice");
    assert_eq!(
        page["destination"],
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    );
    assert_eq!(page["issuer"], h.sim.start_url());

    let portal = ConsoleRequest {
        portal: true,
        ..request
    };
    let link = stint
        .console_url(&target("dev/ReadOnlyAccess"), &portal)
        .await
        .unwrap();
    assert!(
        link.expose().starts_with(&format!(
            "{}/#/console?account_id=555555555555&role_name=ReadOnlyAccess&destination=",
            h.sim.start_url().trim_end_matches('/')
        )),
        "{}",
        link.expose()
    );
}

#[tokio::test]
async fn logout_forgets_the_token_credentials_and_the_aws_cli_copy() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    stint
        .credentials(&target("dev/ReadOnlyAccess"))
        .await
        .unwrap();
    let cache = h
        .paths
        .aws_sso_cache_dir
        .join(stint_client::sso::aws_cache::file_name("stint"));
    assert!(cache.exists());

    stint.logout().await.unwrap();
    assert_eq!(stint.status().await.unwrap(), LoginStatus::LoggedOut);
    assert!(!cache.exists());
    assert_eq!(
        h.store.keys(),
        vec!["sso-registration:stint".to_owned()],
        "only the client registration stays"
    );
    assert!(h.store.get("sso-token:stint").unwrap().is_none());
}

#[tokio::test]
async fn profiles_are_written_into_the_aws_files() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    std::fs::create_dir_all(h.paths.aws_config_file.parent().unwrap()).unwrap();
    std::fs::write(&h.paths.aws_config_file, "[default]\nregion = eu-west-1\n").unwrap();

    let creds = stint
        .write_credentials_profile("dev-ro", &target("dev/ReadOnlyAccess"))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&h.paths.aws_credentials_file).unwrap();
    assert!(
        text.contains(&format!(
            "[dev-ro]\naws_access_key_id = {}\n",
            creds.access_key_id
        )),
        "{text}"
    );

    let report = stint
        .setup_profiles(ProfileStyle::Sso, "", "stint")
        .await
        .unwrap();
    assert!(
        report
            .written
            .contains(&"profile dev-ReadOnlyAccess".to_owned()),
        "{report:?}"
    );
    assert!(
        report
            .written
            .contains(&"profile identity-StintBaseline".to_owned()),
        "{report:?}"
    );
    let config = std::fs::read_to_string(&h.paths.aws_config_file).unwrap();
    assert!(
        config.starts_with("[default]\nregion = eu-west-1\n"),
        "{config}"
    );
    assert!(config.contains("[profile dev-ReadOnlyAccess]\nsso_session = stint\nsso_account_id = 555555555555\nsso_role_name = ReadOnlyAccess\n"), "{config}");
    assert!(
        config.contains(&format!(
            "[sso-session stint]\nsso_start_url = {}\n",
            h.sim.start_url()
        )),
        "{config}"
    );
}

#[tokio::test]
async fn held_roles_list_what_the_portal_gives_without_the_baseline() {
    let h = Harness::start().await;
    let stint = h.client().await;
    h.login(&stint, "alice").await.unwrap();
    let held = stint.held_roles().await.unwrap();
    let names: Vec<String> = held
        .iter()
        .map(|r| format!("{}:{}/{}", r.account_id, r.account_name, r.permission_set))
        .collect();
    // alice is an engineer: standing ReadOnlyAccess in dev, and the baseline, left out.
    assert_eq!(names, [format!("{DEV_ACCOUNT}:dev/ReadOnlyAccess")]);
    assert!(
        !held.iter().any(|r| r.account_id == BASELINE_ACCOUNT),
        "{held:?}"
    );
    // bob holds nothing but the baseline: nothing to show.
    let bob = h.client_with(stint_client::store::MemoryStore::new()).await;
    h.login(&bob, "bob").await.unwrap();
    assert_eq!(bob.held_roles().await.unwrap(), []);
}
