"""boto3/botocore against the stint-sim binary for the second-round additions: the browser
sign-in (authorization code with PKCE), regional STS, identitystore membership writes,
the resource calls role credentials can make, and their CloudTrail records read back
through CloudWatch Logs Insights."""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.parse

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import NO_RETRIES

REDIRECT = "http://127.0.0.1:53999/oauth/callback"


def pkce_login(sim, user: str) -> dict:
    """RegisterClient + authorize + CreateToken, with the parameters the AWS CLI sends."""
    oidc = sim.unsigned("sso-oidc")
    reg = oidc.register_client(
        clientName="boto3-pkce",
        clientType="public",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=[REDIRECT],
        issuerUrl=sim.ready["startUrl"],
        scopes=["sso:account:access"],
    )
    verifier = base64.urlsafe_b64encode(b"v" * 48).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code",
        "client_id": reg["clientId"],
        "redirect_uri": REDIRECT,
        "state": "st-boto3",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": challenge,
    })
    decision = sim.control("POST", "/authorize/approve", json={
        "authorizeUrl": f"{sim.url}/authorize?{query}", "userName": user,
    })
    back = urllib.parse.parse_qs(urllib.parse.urlparse(decision["redirectTo"]).query)
    assert back["state"] == ["st-boto3"]
    token = oidc.create_token(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType="authorization_code",
        code=back["code"][0],
        codeVerifier=verifier,
        redirectUri=REDIRECT,
    )
    return {"oidc": oidc, "reg": reg, "token": token, "code": back["code"][0], "verifier": verifier}


def role_credentials(sim, token: str, account: str, role: str) -> dict:
    return sim.unsigned("sso").get_role_credentials(accessToken=token, accountId=account, roleName=role)["roleCredentials"]


def with_role(sim, creds: dict, service: str, region: str | None):
    kwargs = {"region_name": region} if region else {}
    return boto3.client(
        service,
        endpoint_url=sim.url,
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds["sessionToken"],
        config=NO_RETRIES,
        **kwargs,
    )


def test_pkce_login_refresh_and_a_reused_code(sim):
    login = pkce_login(sim, "alice")
    oidc, reg, token = login["oidc"], login["reg"], login["token"]
    assert token["tokenType"] == "Bearer" and token["refreshToken"]
    renewed = oidc.create_token(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"],
        grantType="refresh_token", refreshToken=token["refreshToken"],
    )
    assert renewed["accessToken"] != token["accessToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="authorization_code",
            code=login["code"], codeVerifier=login["verifier"], redirectUri=REDIRECT,
        )


def test_regional_sts_with_a_default_region_of_eu_west_1(sim, monkeypatch):
    token = pkce_login(sim, "alice")["token"]["accessToken"]
    creds = role_credentials(sim, token, "555555555555", "ReadOnlyAccess")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    sts = with_role(sim, creds, "sts", None)
    assert sts.meta.region_name == "eu-west-1"
    me = sts.get_caller_identity()
    assert me["Account"] == "555555555555"
    assert me["Arn"].endswith("/alice")


def test_group_membership_writes(sim):
    ids = sim.client("identitystore")
    store = sim.ready["identityStoreId"]
    group = ids.get_group_id(
        IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "oncall-admins"}}
    )["GroupId"]
    user = ids.get_user_id(
        IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "carol"}}
    )["UserId"]
    membership = ids.create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": user})["MembershipId"]
    assert ids.get_group_membership_id(IdentityStoreId=store, GroupId=group, MemberId={"UserId": user})["MembershipId"] == membership
    with pytest.raises(ids.exceptions.ConflictException) as dup:
        ids.create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": user})
    assert dup.value.response["Reason"] == "UNIQUENESS_CONSTRAINT_VIOLATION"
    ids.delete_group_membership(IdentityStoreId=store, MembershipId=membership)
    with pytest.raises(ids.exceptions.ResourceNotFoundException) as gone:
        ids.delete_group_membership(IdentityStoreId=store, MembershipId=membership)
    assert gone.value.response["ResourceType"] == "GROUP_MEMBERSHIP"


def query(logs, group: str, text: str, now: int) -> list[dict]:
    qid = logs.start_query(logGroupName=group, startTime=now - 3600, endTime=now + 60, queryString=text)["queryId"]
    for _ in range(10):
        out = logs.get_query_results(queryId=qid)
        if out["status"] == "Complete":
            return [{f["field"]: f["value"] for f in row} for row in out["results"]]
        assert out["status"] == "Running"
        time.sleep(0.05)
    pytest.fail("the query never completed")


def test_resource_calls_land_in_the_trail_and_logs_insights_reads_them(sim):
    token = pkce_login(sim, "carol")["token"]["accessToken"]
    creds = role_credentials(sim, token, "555555555555", "ReadOnlyAccess")
    buckets = [b["Name"] for b in with_role(sim, creds, "s3", "us-east-1").list_buckets()["Buckets"]]
    assert buckets == ["dev-app-assets-555555555555", "dev-access-logs-555555555555"]
    reservations = with_role(sim, creds, "ec2", "eu-west-1").describe_instances()["Reservations"]
    names = [t["Value"] for i in reservations[0]["Instances"] for t in i["Tags"]]
    assert names == ["dev-web-1", "dev-worker-1"]
    assert reservations[0]["Instances"][0]["Placement"]["AvailabilityZone"] == "eu-west-1a"
    assert with_role(sim, creds, "dynamodb", "us-east-1").list_tables()["TableNames"] == ["dev-orders", "dev-sessions"]
    with pytest.raises(ClientError) as denied:
        with_role(sim, creds, "sso-admin", sim.region).list_instances()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"

    world = sim.control("GET", "/world")
    trail = sim.control("GET", "/cloudtrail")
    group = trail["logGroup"]
    assert len(trail["events"]) == 4 and not any(e["delivered"] for e in trail["events"])
    sim.advance(trail["deliveryDelaySeconds"])
    now = sim.control("GET", "/clock")["nowEpochMillis"] // 1000
    logs = sim.client("logs")
    rows = query(
        logs, group,
        "fields eventSource, eventName, awsRegion, errorCode | filter userIdentity.arn like /\\/carol$/ "
        "and recipientAccountId = '555555555555' | sort @timestamp asc",
        now,
    )
    assert [(r["eventSource"], r["eventName"], r["awsRegion"]) for r in rows] == [
        ("s3.amazonaws.com", "ListBuckets", "us-east-1"),
        ("ec2.amazonaws.com", "DescribeInstances", "eu-west-1"),
        ("dynamodb.amazonaws.com", "ListTables", "us-east-1"),
        ("sso.amazonaws.com", "ListInstances", sim.region),
    ]
    assert rows[-1]["errorCode"] == "AccessDeniedException"
    assert "errorCode" not in rows[0]
    assert world["instance"]["region"] == sim.region

    with pytest.raises(logs.exceptions.MalformedQueryException):
        logs.start_query(logGroupName=group, startTime=now - 60, endTime=now, queryString="fields a | bogus")
