//! Who signed a request. Admin APIs and STS require SigV4 by a world operator's key or by
//! role credentials the simulator issued; the AWS error for each failure depends on the
//! protocol (JSON 1.1 services say `UnrecognizedClientException`, STS says
//! `InvalidClientTokenId`, and so on).

use axum::http::StatusCode;

use super::error::AwsError;
use crate::sigv4::{self, SigV4Error, SignedRequest};
use crate::sim::Sim;
use crate::state::credentials::IssuedCredential;
use crate::state::oidc::constant_time_eq;
use crate::world::Operator;

#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Operator(Operator),
    Role(IssuedCredential),
}

impl Caller {
    pub fn arn(&self) -> String {
        match self {
            Caller::Operator(op) => op.arn(),
            Caller::Role(c) => format!(
                "arn:aws:sts::{}:assumed-role/{}/{}",
                c.account_id, c.role_name, c.user_name
            ),
        }
    }
}

/// Which regions a service's signatures may be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Regions {
    /// Only the instance's region (Identity Center's APIs live in one region).
    Instance,
    /// A global service (Organizations): its region, or us-east-1 where it is signed.
    InstanceOrUsEast1,
    /// Regional endpoints everywhere (STS, the resource services): each signs with its
    /// own region, so whatever region the client is configured for.
    Any,
}

/// Verifies the signature and finds the caller.
pub(crate) fn authenticate(
    sim: &Sim,
    req: &SignedRequest<'_>,
    service: &str,
    regions: Regions,
) -> Result<Caller, SigV4Error> {
    let auth = sigv4::parse(req)?;
    let now = sim.now();
    let (caller, secret) = if let Some(op) = sim.world.operator_by_key(&auth.access_key_id) {
        // Long-term keys carry no session token; one that does is not ours.
        if auth.security_token.is_some() {
            return Err(SigV4Error::BadToken);
        }
        (
            Caller::Operator(op.clone()),
            op.secret_access_key.expose().to_owned(),
        )
    } else if let Some(cred) = sim.state().credentials.by_access_key(&auth.access_key_id) {
        let token_ok = auth
            .security_token
            .as_deref()
            .is_some_and(|t| constant_time_eq(t, cred.session_token.expose()));
        if !token_ok {
            return Err(SigV4Error::BadToken);
        }
        if now >= cred.expires_at {
            return Err(SigV4Error::ExpiredToken);
        }
        (
            Caller::Role(cred.clone()),
            cred.secret_access_key.expose().to_owned(),
        )
    } else {
        return Err(SigV4Error::UnknownKey);
    };
    let region = &sim.world.instance().region;
    let expected_region = match regions {
        Regions::Instance => region.as_str(),
        Regions::InstanceOrUsEast1 if auth.region == "us-east-1" => "us-east-1",
        Regions::InstanceOrUsEast1 => region.as_str(),
        // A region is a name of lowercase letters, digits and hyphens; anything else in
        // the scope is a malformed signature, not a region.
        Regions::Any if is_region_name(&auth.region) => auth.region.as_str(),
        Regions::Any => region.as_str(),
    };
    sigv4::verify(req, &auth, &secret, service, expected_region, now)?;
    Ok(caller)
}

fn is_region_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

/// How a JSON 1.1 service reports a signature problem.
pub(crate) fn json_error(err: SigV4Error) -> AwsError {
    match err {
        SigV4Error::Missing => AwsError::bad_request(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        SigV4Error::Incomplete(m) => AwsError::bad_request("IncompleteSignatureException", m),
        SigV4Error::UnknownKey | SigV4Error::BadToken => {
            AwsError::bad_request("UnrecognizedClientException", INVALID_TOKEN)
        }
        SigV4Error::ExpiredToken => AwsError::bad_request("ExpiredTokenException", EXPIRED_TOKEN),
        SigV4Error::Invalid(m) => AwsError::bad_request("InvalidSignatureException", m),
    }
}

/// How STS (query protocol) reports a signature problem.
pub(crate) fn query_error(err: SigV4Error) -> AwsError {
    let forbidden = |code, message: String| AwsError::new(StatusCode::FORBIDDEN, code, message);
    match err {
        SigV4Error::Missing => forbidden(
            "MissingAuthenticationToken",
            "Request is missing Authentication Token".into(),
        ),
        SigV4Error::Incomplete(m) => AwsError::bad_request("IncompleteSignature", m),
        SigV4Error::UnknownKey | SigV4Error::BadToken => {
            forbidden("InvalidClientTokenId", INVALID_TOKEN.into())
        }
        SigV4Error::ExpiredToken => forbidden("ExpiredToken", EXPIRED_TOKEN.into()),
        SigV4Error::Invalid(m) => forbidden("SignatureDoesNotMatch", m),
    }
}

/// Admin APIs are for operators. Role credentials sign correctly but hold no permission
/// for them here (the simulator does not model IAM policies).
pub(crate) fn require_operator(caller: &Caller, action: &str) -> Result<(), AwsError> {
    match caller {
        Caller::Operator(_) => Ok(()),
        Caller::Role(_) => Err(AwsError::bad_request(
            "AccessDeniedException",
            format!(
                "User: {} is not authorized to perform: {action} (stint-sim allows admin APIs to [[operators]] only)",
                caller.arn()
            ),
        )),
    }
}
