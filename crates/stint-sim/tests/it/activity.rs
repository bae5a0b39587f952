//! Session activity: calls made with issued role credentials (STS, S3, EC2, DynamoDB, in
//! any region) and console sign-ins land in the organization trail as CloudTrail records,
//! late by the delivery delay, and come back through Logs Insights with
//! `aws-sdk-cloudwatchlogs` as an activity adapter would query them.

use aws_credential_types::Credentials;
use aws_sdk_cloudwatchlogs::operation::start_query::StartQueryError;
use aws_sdk_cloudwatchlogs::types::QueryStatus;
use stint_sim::RunningSim;

use crate::signed::*;
use crate::support::*;

async fn logs(sim: &RunningSim) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&operator_config(sim).await)
}

/// Runs a query over the last day and polls it to the end, as an adapter does.
async fn query(sim: &RunningSim, text: &str) -> Vec<Vec<(String, String)>> {
    let logs = logs(sim).await;
    let end = sim.now().timestamp();
    let started = logs
        .start_query()
        .log_group_name(&sim.world().cloudtrail().log_group)
        .start_time(end - 86_400)
        .end_time(end)
        .query_string(text)
        .send()
        .await
        .expect("StartQuery");
    let id = started.query_id().unwrap().to_owned();
    let mut polls = 0;
    loop {
        let out = logs
            .get_query_results()
            .query_id(&id)
            .send()
            .await
            .expect("GetQueryResults");
        polls += 1;
        match out.status() {
            Some(QueryStatus::Complete) => {
                assert!(polls > 1, "a query runs before it completes, as in AWS");
                return out
                    .results()
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|f| {
                                (
                                    f.field().unwrap_or_default().to_owned(),
                                    f.value().unwrap_or_default().to_owned(),
                                )
                            })
                            .collect()
                    })
                    .collect();
            }
            Some(QueryStatus::Running | QueryStatus::Scheduled) => {
                assert!(out.results().is_empty());
            }
            other => panic!("query ended {other:?}"),
        }
        assert!(polls < 10, "the query never completed");
    }
}

fn field<'a>(row: &'a [(String, String)], name: &str) -> Option<&'a str> {
    row.iter().find(|(f, _)| f == name).map(|(_, v)| v.as_str())
}

fn arn(sim: &RunningSim, account: &str, permission_set: &str, user: &str) -> String {
    let id = account_id(sim, account);
    format!(
        "arn:aws:sts::{id}:assumed-role/{}/{user}",
        sim.world().reserved_role_name(&id, permission_set)
    )
}

#[tokio::test]
async fn calls_with_role_credentials_come_back_through_logs_insights_after_the_delay() {
    let sim = demo().await;
    let creds = role_credentials(&sim, "alice", "dev", "ReadOnlyAccess").await;
    let other = role_credentials(&sim, "carol", "dev", "ReadOnlyAccess").await;

    // A user whose default region is eu-west-1 calls the regional STS endpoint.
    let sts = aws_sdk_sts::Client::new(
        &aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-west-1"))
            .endpoint_url(sim.url())
            .time_source(SimTime(sim.clock()))
            .credentials_provider(creds.clone())
            .load()
            .await,
    );
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .expect("eu-west-1 STS");
    let alice_arn = arn(&sim, "dev", "ReadOnlyAccess", "alice");
    assert_eq!(me.arn(), Some(alice_arn.as_str()));

    let (status, body) = s3_list_buckets(&sim, &creds, "us-east-1").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<Name>dev-app-assets-555555555555</Name>"),
        "{body}"
    );
    let (status, body) = ec2_describe_instances(&sim, &creds, "eu-west-1").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<value>dev-web-1</value>") && body.contains("eu-west-1a"),
        "{body}"
    );
    let (status, body) = dynamodb_list_tables(&sim, &creds, "us-west-2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, r#"{"TableNames":["dev-orders","dev-sessions"]}"#);
    // carol's call and the operator's own call are not alice's activity.
    assert_eq!(s3_list_buckets(&sim, &other, "us-east-1").await.0, 200);
    let op = sim.operator_credentials();
    let op = Credentials::new(
        op.access_key_id,
        op.secret_access_key.expose(),
        None,
        None,
        "op",
    );
    assert_eq!(s3_list_buckets(&sim, &op, "us-east-1").await.0, 200);

    let by_alice = format!(
        "fields @timestamp, eventSource, eventName, awsRegion, recipientAccountId, userIdentity.sessionContext.sessionIssuer.userName \
         | filter userIdentity.arn = '{alice_arn}' | sort @timestamp asc | limit 50"
    );
    assert!(
        query(&sim, &by_alice).await.is_empty(),
        "CloudTrail has not delivered yet"
    );

    let delay = sim.world().cloudtrail().delivery_delay;
    sim.advance_clock(delay);
    let rows = query(&sim, &by_alice).await;
    let events: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                field(r, "eventSource").unwrap(),
                field(r, "eventName").unwrap(),
                field(r, "awsRegion").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("sts.amazonaws.com", "GetCallerIdentity", "eu-west-1"),
            ("s3.amazonaws.com", "ListBuckets", "us-east-1"),
            ("ec2.amazonaws.com", "DescribeInstances", "eu-west-1"),
            ("dynamodb.amazonaws.com", "ListTables", "us-west-2"),
        ]
    );
    for row in &rows {
        assert_eq!(field(row, "recipientAccountId"), Some("555555555555"));
        assert_eq!(
            field(row, "userIdentity.sessionContext.sessionIssuer.userName"),
            Some(
                sim.world()
                    .reserved_role_name("555555555555", "ReadOnlyAccess")
                    .as_str()
            )
        );
        assert!(field(row, "@ptr").is_some());
    }

    // The whole record, as an adapter reads it from @message.
    let rows = query(
        &sim,
        &format!("filter userIdentity.arn = '{alice_arn}' and eventName = 'ListTables'"),
    )
    .await;
    let record: serde_json::Value =
        serde_json::from_str(field(&rows[0], "@message").unwrap()).unwrap();
    for key in [
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "readOnly",
        "recipientAccountId",
        "eventID",
        "eventType",
    ] {
        assert!(record.get(key).is_some(), "{key} missing from {record}");
    }
    assert_eq!(record["userIdentity"]["type"], "AssumedRole");
    assert_eq!(record["userIdentity"]["accessKeyId"], creds.access_key_id());
    assert_eq!(record["sourceIPAddress"], "127.0.0.1");
    assert_eq!(record["eventType"], "AwsApiCall");
    assert_eq!(record["readOnly"], true);

    let everyone = query(
        &sim,
        "fields userIdentity.arn | filter eventSource = 's3.amazonaws.com'",
    )
    .await;
    let arns: Vec<&str> = everyone
        .iter()
        .filter_map(|r| field(r, "userIdentity.arn"))
        .collect();
    assert_eq!(arns.len(), 2, "alice and carol, not the operator: {arns:?}");
}

#[tokio::test]
async fn console_sign_ins_and_refused_calls_are_recorded() {
    let sim = demo_with(|w| w.replace("delivery_delay = \"30s\"", "delivery_delay = \"0s\"")).await;
    let creds = role_credentials(&sim, "bob", "identity", "StintBaseline").await;

    // A console sign-in through the federation endpoint.
    let session = serde_json::json!({
        "sessionId": creds.access_key_id(),
        "sessionKey": creds.secret_access_key(),
        "sessionToken": creds.session_token().unwrap(),
    });
    let token: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/federation", sim.url()))
        .query(&[
            ("Action", "getSigninToken"),
            ("Session", &session.to_string()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let login = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/federation", sim.url()))
        .query(&[
            ("Action", "login"),
            ("SigninToken", token["SigninToken"].as_str().unwrap()),
            ("Destination", "https://console.aws.amazon.com/s3/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 302);

    // An admin API with role credentials: refused, and recorded with its error.
    let err = aws_sdk_ssoadmin::Client::new(&config_with(&sim, creds.clone()).await)
        .list_instances()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");

    let bob = arn(&sim, "identity", "StintBaseline", "bob");
    let rows = query(
        &sim,
        &format!("fields eventName, eventType, errorCode, additionalEventData.LoginTo, responseElements.ConsoleLogin | filter userIdentity.arn = \"{bob}\" | sort @timestamp asc"),
    )
    .await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(field(&rows[0], "eventName"), Some("ConsoleLogin"));
    assert_eq!(field(&rows[0], "eventType"), Some("AwsConsoleSignIn"));
    assert_eq!(
        field(&rows[0], "responseElements.ConsoleLogin"),
        Some("Success")
    );
    assert_eq!(
        field(&rows[0], "additionalEventData.LoginTo"),
        Some("https://console.aws.amazon.com/s3/")
    );
    assert_eq!(field(&rows[1], "eventName"), Some("ListInstances"));
    assert_eq!(field(&rows[1], "errorCode"), Some("AccessDeniedException"));

    let trail = sim.trail();
    assert_eq!(trail.events.len(), 2);
    assert!(trail.events.iter().all(|e| e.delivered));
}

#[tokio::test]
async fn bad_queries_and_unknown_log_groups_are_refused() {
    let sim = demo().await;
    let logs = logs(&sim).await;
    let now = sim.now().timestamp();
    let group = sim.world().cloudtrail().log_group.clone();
    let err = logs
        .start_query()
        .log_group_name(&group)
        .start_time(now - 60)
        .end_time(now)
        .query_string("stats count(*) by eventName")
        .send()
        .await
        .unwrap_err();
    match err.into_service_error() {
        StartQueryError::MalformedQueryException(e) => {
            assert!(
                e.message()
                    .unwrap_or_default()
                    .contains("'stats' is not supported"),
                "{e:?}"
            );
        }
        other => panic!("expected MalformedQueryException, got {other:?}"),
    }
    let err = logs
        .start_query()
        .log_group_name("some-other-group")
        .start_time(now - 60)
        .end_time(now)
        .query_string("fields eventName")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        StartQueryError::ResourceNotFoundException(_)
    ));
    let err = logs
        .start_query()
        .log_group_name(&group)
        .start_time(now)
        .end_time(now - 60)
        .query_string("fields eventName")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        StartQueryError::InvalidParameterException(_)
    ));

    let described = logs
        .describe_log_groups()
        .log_group_name_prefix("aws-cloudtrail-logs-")
        .send()
        .await
        .unwrap();
    assert_eq!(described.log_groups().len(), 1);
    assert_eq!(
        described.log_groups()[0].log_group_name(),
        Some(group.as_str())
    );

    // StopQuery cancels a running query; a finished one cannot be stopped.
    let id = logs
        .start_query()
        .log_group_name(&group)
        .start_time(now - 60)
        .end_time(now)
        .query_string("fields eventName")
        .send()
        .await
        .unwrap()
        .query_id()
        .unwrap()
        .to_owned();
    assert!(
        logs.stop_query()
            .query_id(&id)
            .send()
            .await
            .unwrap()
            .success()
    );
    let out = logs.get_query_results().query_id(&id).send().await.unwrap();
    assert_eq!(out.status(), Some(&QueryStatus::Cancelled));
    assert!(
        !logs
            .stop_query()
            .query_id(&id)
            .send()
            .await
            .unwrap()
            .success()
    );

    // Role credentials cannot read the trail, and faults reach the logs API too.
    let creds = role_credentials(&sim, "alice", "dev", "ReadOnlyAccess").await;
    let err = aws_sdk_cloudwatchlogs::Client::new(&config_with(&sim, creds).await)
        .describe_log_groups()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");
    sim.set_faults(stint_sim::Faults {
        logs: stint_sim::ApiFaults {
            error_rate: 1.0,
            ..stint_sim::ApiFaults::default()
        },
        ..stint_sim::Faults::default()
    })
    .unwrap();
    let err = logs
        .start_query()
        .log_group_name(&group)
        .start_time(now - 60)
        .end_time(now)
        .query_string("fields eventName")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InternalServerException");
}

#[tokio::test]
async fn resource_calls_check_the_signature() {
    let sim = demo().await;
    let creds = role_credentials(&sim, "alice", "dev", "ReadOnlyAccess").await;
    let forged = Credentials::new(
        creds.access_key_id(),
        "not-the-secret-key-at-all-000000000000000",
        creds.session_token().map(str::to_owned),
        None,
        "forged",
    );
    let (status, body) = s3_list_buckets(&sim, &forged, "us-east-1").await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    let (status, body) = ec2_describe_instances(&sim, &forged, "us-east-1").await;
    assert_eq!(status, 401);
    assert!(body.contains("<Code>AuthFailure</Code>"), "{body}");
    let (status, body) = dynamodb_list_tables(&sim, &forged, "us-east-1").await;
    assert_eq!(status, 400);
    assert!(body.contains("InvalidSignatureException"), "{body}");
    assert!(
        sim.trail().events.is_empty(),
        "unauthenticated calls are nobody's activity"
    );
}
