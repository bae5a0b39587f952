"""A second SDK agrees: boto3/botocore performs the device login, the portal calls and
the SSO Admin assignment sequence against the stint-sim binary."""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def device_login(sim, user: str, scopes=("sso:account:access",)):
    oidc = sim.unsigned("sso-oidc")
    reg = oidc.register_client(clientName="boto3-test", clientType="public", scopes=list(scopes))
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=sim.ready["startUrl"]
    )
    return oidc, reg, auth


def test_device_login_portal_and_sts(sim):
    oidc, reg, auth = device_login(sim, "alice")
    assert auth["verificationUriComplete"] == f"{sim.url}/device?user_code={auth['userCode']}"
    assert auth["interval"] == 1 and auth["expiresIn"] == 600

    # botocore maps the error to its modeled exception class.
    with pytest.raises(oidc.exceptions.AuthorizationPendingException) as pending:
        oidc.create_token(
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )
    assert pending.value.response["error"] == "authorization_pending"

    sim.control("POST", "/device/approve", json={"userCode": auth["userCode"], "userName": "alice"})
    sim.advance(2)  # past the poll interval
    token = oidc.create_token(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=auth["deviceCode"],
    )
    assert token["tokenType"] == "Bearer"
    assert token["expiresIn"] == 3600
    assert token["refreshToken"]

    portal = sim.unsigned("sso")
    accounts = [
        a
        for page in portal.get_paginator("list_accounts").paginate(accessToken=token["accessToken"], maxResults=1)
        for a in page["accountList"]
    ]
    assert sorted(a["accountName"] for a in accounts) == ["dev", "identity"]
    roles = portal.list_account_roles(accessToken=token["accessToken"], accountId="555555555555")["roleList"]
    assert [r["roleName"] for r in roles] == ["ReadOnlyAccess"]

    creds = portal.get_role_credentials(
        accessToken=token["accessToken"], accountId="555555555555", roleName="ReadOnlyAccess"
    )["roleCredentials"]
    clock = sim.control("GET", "/clock")
    assert abs(creds["expiration"] - (clock["nowEpochMillis"] + 8 * 3600 * 1000)) < 5000

    with pytest.raises(ClientError) as forbidden:
        portal.get_role_credentials(
            accessToken=token["accessToken"], accountId="333333333333", roleName="AdministratorAccess"
        )
    assert error_code(forbidden) == "ForbiddenException"
    assert forbidden.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    sts = boto3.client(
        "sts",
        endpoint_url=sim.url,
        region_name=sim.region,
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds["sessionToken"],
    )
    me = sts.get_caller_identity()
    assert me["Account"] == "555555555555"
    assert me["Arn"].startswith("arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_ReadOnlyAccess_")
    assert me["Arn"].endswith("/alice")

    # The refresh token rotates.
    renewed = oidc.create_token(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        grantType="refresh_token",
        refreshToken=token["refreshToken"],
    )
    assert renewed["refreshToken"] != token["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
        )

    portal.logout(accessToken=renewed["accessToken"])
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=renewed["accessToken"])


def test_denied_and_expired_device_codes(sim):
    oidc, reg, auth = device_login(sim, "bob", scopes=())
    sim.control("POST", "/device/approve", json={"userCode": auth["userCode"], "userName": "bob", "deny": True})
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        oidc.create_token(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )

    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=sim.ready["startUrl"]
    )
    sim.advance(601)
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        oidc.create_token(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )
    with pytest.raises(oidc.exceptions.InvalidClientException):
        oidc.create_token(
            clientId=reg["clientId"], clientSecret="wrong", grantType=DEVICE_GRANT,
            deviceCode=auth["deviceCode"],
        )


def test_sso_admin_assignment_sequence(sim):
    admin = sim.client("sso-admin")
    ids = sim.client("identitystore")
    instance = admin.list_instances()["Instances"][0]
    arn, store = instance["InstanceArn"], instance["IdentityStoreId"]
    assert arn == sim.ready["instanceArn"] and store == sim.ready["identityStoreId"]

    sets = {
        admin.describe_permission_set(InstanceArn=arn, PermissionSetArn=ps)["PermissionSet"]["Name"]: ps
        for page in admin.get_paginator("list_permission_sets").paginate(InstanceArn=arn, MaxResults=2)
        for ps in page["PermissionSets"]
    }
    assert set(sets) == {"StintBaseline", "ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess", "BillingReadOnly"}
    described = admin.describe_permission_set(InstanceArn=arn, PermissionSetArn=sets["PowerUserAccess"])
    assert described["PermissionSet"]["SessionDuration"] == "PT4H"

    alice = ids.get_user_id(
        IdentityStoreId=store,
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "alice"}},
    )["UserId"]

    assignment = dict(
        InstanceArn=arn,
        TargetId="333333333333",
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=sets["AdministratorAccess"],
        PrincipalType="USER",
        PrincipalId=alice,
    )
    # Slow provisioning so IN_PROGRESS cannot race the real clock; the clock is advanced
    # to finish it, staying within SigV4's 15 minutes of botocore's (real) signing time.
    sim.control("PUT", "/faults", json={"sso_admin": {"provisioning_delay": "5m"}})
    created = admin.create_account_assignment(**assignment)["AccountAssignmentCreationStatus"]
    assert created["Status"] == "IN_PROGRESS"
    with pytest.raises(admin.exceptions.ConflictException):
        admin.create_account_assignment(**assignment)

    sim.advance(300)
    status = admin.describe_account_assignment_creation_status(
        InstanceArn=arn, AccountAssignmentCreationRequestId=created["RequestId"]
    )["AccountAssignmentCreationStatus"]
    assert status["Status"] == "SUCCEEDED"
    assert status["PrincipalId"] == alice

    listed = admin.list_account_assignments(
        InstanceArn=arn, AccountId="333333333333", PermissionSetArn=sets["AdministratorAccess"]
    )["AccountAssignments"]
    # Beside the standing GROUP assignment of oncall-admins.
    assert [(a["PrincipalType"], a["PrincipalId"]) for a in listed if a["PrincipalType"] == "USER"] == [("USER", alice)]
    mine = admin.list_account_assignments_for_principal(InstanceArn=arn, PrincipalType="USER", PrincipalId=alice)
    assert [a["AccountId"] for a in mine["AccountAssignments"]] == ["333333333333"]

    deleted = admin.delete_account_assignment(**assignment)["AccountAssignmentDeletionStatus"]
    assert deleted["Status"] == "IN_PROGRESS"
    sim.advance(300)
    status = admin.describe_account_assignment_deletion_status(
        InstanceArn=arn, AccountAssignmentDeletionRequestId=deleted["RequestId"]
    )["AccountAssignmentDeletionStatus"]
    assert status["Status"] == "SUCCEEDED"
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.delete_account_assignment(**assignment)

    # The call log saw one create and two deletes (the second refused).
    calls = sim.control("GET", "/calls", params={"since": 0})["calls"]
    admin_calls = [(c["operation"], c["outcome"]) for c in calls if c["api"] == "sso_admin"]
    assert admin_calls == [
        ("CreateAccountAssignment", "ok"),
        ("CreateAccountAssignment", "ConflictException"),
        ("DeleteAccountAssignment", "ok"),
        ("DeleteAccountAssignment", "ResourceNotFoundException"),
    ]


def test_unsigned_and_badly_signed_admin_calls_are_refused(sim):
    unsigned = boto3.client(
        "sso-admin", endpoint_url=sim.url, region_name=sim.region,
        aws_access_key_id="AKIAUNKNOWNUNKNOWN00", aws_secret_access_key="x" * 40,
    )
    with pytest.raises(ClientError) as refused:
        unsigned.list_instances()
    assert error_code(refused) == "UnrecognizedClientException"
    raw = requests.post(
        sim.url, headers={"X-Amz-Target": "SWBExternalService.ListInstances",
                          "Content-Type": "application/x-amz-json-1.1"}, data="{}", timeout=30,
    )
    assert raw.status_code == 400
    assert raw.json()["__type"] == "MissingAuthenticationTokenException"
