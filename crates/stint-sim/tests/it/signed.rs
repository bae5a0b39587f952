//! Role credentials from the portal, and raw SigV4-signed calls for the services this crate
//! has no SDK client for (S3, EC2, DynamoDB), signed with `aws-sigv4` on the sim's clock.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use stint_sim::RunningSim;

use crate::support::*;

pub async fn role_credentials(
    sim: &RunningSim,
    user: &str,
    account: &str,
    role: &str,
) -> Credentials {
    let login = device_login(sim, user, &[]).await;
    let out = portal(sim)
        .await
        .get_role_credentials()
        .access_token(&login.access_token)
        .account_id(account_id(sim, account))
        .role_name(role)
        .send()
        .await
        .expect("GetRoleCredentials");
    let c = out.role_credentials().unwrap();
    Credentials::new(
        c.access_key_id().unwrap(),
        c.secret_access_key().unwrap(),
        c.session_token().map(str::to_owned),
        None,
        "portal",
    )
}

/// A raw SigV4-signed call, for the services this crate has no SDK client for.
pub async fn signed(
    sim: &RunningSim,
    creds: &Credentials,
    service: &str,
    region: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let url = format!("{}/", sim.url());
    let host = sim.url().trim_start_matches("http://").to_owned();
    let mut all: Vec<(&str, &str)> = vec![("host", host.as_str())];
    all.extend_from_slice(headers);
    let identity = creds.clone().into();
    let time: SystemTime = sim.now().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        method,
        url.clone(),
        all.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().method(method).uri(&url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let client = reqwest::Client::new();
    let mut builder = client.request(method.parse().unwrap(), &url);
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let response = builder.body(body.to_owned()).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

pub async fn s3_list_buckets(sim: &RunningSim, creds: &Credentials, region: &str) -> (u16, String) {
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    signed(
        sim,
        creds,
        "s3",
        region,
        "GET",
        &[("x-amz-content-sha256", empty)],
        "",
    )
    .await
}

pub async fn ec2_describe_instances(
    sim: &RunningSim,
    creds: &Credentials,
    region: &str,
) -> (u16, String) {
    signed(
        sim,
        creds,
        "ec2",
        region,
        "POST",
        &[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        "Action=DescribeInstances&Version=2016-11-15",
    )
    .await
}

pub async fn dynamodb_list_tables(
    sim: &RunningSim,
    creds: &Credentials,
    region: &str,
) -> (u16, String) {
    signed(
        sim,
        creds,
        "dynamodb",
        region,
        "POST",
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
        ],
        "{}",
    )
    .await
}
