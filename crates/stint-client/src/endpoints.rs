//! AWS endpoints, found the way the AWS SDKs find them. The SDK clients come from
//! `aws_config`, so `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL_SSO_OIDC` and
//! `AWS_ENDPOINT_URL_STS` (and the profile's `services` section) just work; the endpoints
//! Stint addresses by hand (STS for the signed identity request, the federation sign-in
//! endpoint) honour the same variables. There is no special code path for tests.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::service_config::ServiceConfigKey;
use url::Url;

use crate::error::{Error, Result};

/// Loads the shared SDK configuration for `region`, without credentials: the SSO OIDC and
/// portal calls are unsigned, and Stint must never pick up (or recurse into) a profile's
/// credential chain.
pub async fn sdk_config(region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .http_client(http_client())
        .timeout_config(timeouts())
        .no_credentials()
        .load()
        .await
}

/// Every SDK call (the portal, SSO OIDC, STS) ends within [`crate::http::CALL_DEADLINE`],
/// whatever the endpoint does: the operation timeout covers connecting, TLS, every attempt
/// and reading the answer.
pub fn timeouts() -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder()
        .connect_timeout(crate::http::CONNECT_DEADLINE)
        .operation_timeout(crate::http::CALL_DEADLINE)
        .build()
}

/// The SDK clients' HTTP client: hyper on rustls with ring and the system's trusted roots.
/// The SDK's own default would add aws-lc, a second TLS library next to reqwest's.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The SDK configuration, loaded on first use. Building it (and the SDK clients on top)
/// costs more than everything else a warm `credential_process` call does, and that call
/// answers from the keyring without touching AWS.
#[derive(Debug, Clone)]
pub struct LazySdk {
    region: String,
    cell: std::sync::Arc<tokio::sync::OnceCell<SdkConfig>>,
}

impl LazySdk {
    /// Loads with [`sdk_config`] for `region` when first needed.
    pub fn new(region: &str) -> Self {
        Self {
            region: region.to_owned(),
            cell: std::sync::Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// A configuration the caller built (tests, the app).
    pub fn preloaded(sdk: SdkConfig) -> Self {
        Self {
            region: sdk
                .region()
                .map(|r| r.as_ref().to_owned())
                .unwrap_or_default(),
            cell: std::sync::Arc::new(tokio::sync::OnceCell::new_with(Some(sdk))),
        }
    }

    pub async fn get(&self) -> &SdkConfig {
        self.cell.get_or_init(|| sdk_config(&self.region)).await
    }
}

/// The AWS partition a region belongs to; it decides the sign-in and console hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }

    /// The federation endpoint's host.
    pub fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::AwsUsGov => "signin.amazonaws-us-gov.com",
            Partition::AwsCn => "signin.amazonaws.cn",
        }
    }

    /// The console's host, without a region.
    pub fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::AwsUsGov => "console.amazonaws-us-gov.com",
            Partition::AwsCn => "console.amazonaws.cn",
        }
    }
}

/// The endpoint URL configured for one service, as the SDKs read it: the
/// `AWS_ENDPOINT_URL_<SERVICE>` variable or the profile's `services` section, else the
/// global `AWS_ENDPOINT_URL` / `endpoint_url`.
pub fn configured_endpoint(sdk: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config()
        .and_then(|conf| conf.load_config(key))
        .or_else(|| sdk.endpoint_url().map(str::to_owned))
        .filter(|url| !url.trim().is_empty())
}

/// Where the STS SDK client would send a request: the configured endpoint, or the
/// regional STS endpoint of the SDK's region, resolved by the STS crate's own rules.
pub async fn sts_endpoint(sdk: &SdkConfig) -> Result<Url> {
    let region = sdk
        .region()
        .map(|r| r.as_ref().to_owned())
        .ok_or(Error::NotConfigured {
            what: "the Identity Center region",
        })?;
    let params = Params::builder()
        .region(region)
        .use_fips(sdk.use_fips().unwrap_or(false))
        .use_dual_stack(sdk.use_dual_stack().unwrap_or(false))
        .use_global_endpoint(false)
        .set_endpoint(configured_endpoint(sdk, "STS"))
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot resolve the STS endpoint: {e}")))?;
    let endpoint = DefaultResolver::new()
        .resolve_endpoint(&params)
        .await
        .map_err(|e| Error::InvalidInput(format!("cannot resolve the STS endpoint: {e}")))?;
    Url::parse(endpoint.url())
        .map_err(|e| Error::InvalidInput(format!("STS endpoint `{}`: {e}", endpoint.url())))
}

/// The federation endpoint (`getSigninToken`, `login`): `<AWS_ENDPOINT_URL_SIGNIN>/federation`
/// when set, else the partition's sign-in host.
pub fn federation_endpoint(sdk: &SdkConfig, region: &str) -> Result<Url> {
    let base = configured_endpoint(sdk, "signin")
        .unwrap_or_else(|| format!("https://{}", Partition::of_region(region).signin_host()));
    let url = format!("{}/federation", base.trim_end_matches('/'));
    Url::parse(&url).map_err(|e| Error::InvalidInput(format!("sign-in endpoint `{url}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region_prefix() {
        assert_eq!(Partition::of_region("eu-west-1"), Partition::Aws);
        assert_eq!(Partition::of_region("us-gov-west-1"), Partition::AwsUsGov);
        assert_eq!(Partition::of_region("cn-north-1"), Partition::AwsCn);
        assert_eq!(Partition::AwsCn.signin_host(), "signin.amazonaws.cn");
        assert_eq!(
            Partition::AwsUsGov.console_host(),
            "console.amazonaws-us-gov.com"
        );
    }

    fn bare(region: &str) -> SdkConfig {
        SdkConfig::builder()
            .region(Region::new(region.to_owned()))
            .behavior_version(BehaviorVersion::latest())
            .build()
    }

    #[tokio::test]
    async fn sts_resolves_to_the_regional_endpoint_of_each_partition() {
        let url = sts_endpoint(&bare("eu-west-1")).await.unwrap();
        assert_eq!(url.as_str(), "https://sts.eu-west-1.amazonaws.com/");
        let url = sts_endpoint(&bare("cn-north-1")).await.unwrap();
        assert_eq!(url.as_str(), "https://sts.cn-north-1.amazonaws.com.cn/");
    }

    #[tokio::test]
    async fn an_explicit_endpoint_url_wins() {
        let sdk = SdkConfig::builder()
            .region(Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:4566")
            .behavior_version(BehaviorVersion::latest())
            .build();
        assert_eq!(
            sts_endpoint(&sdk).await.unwrap().as_str(),
            "http://127.0.0.1:4566/"
        );
        assert_eq!(
            federation_endpoint(&sdk, "us-east-1").unwrap().as_str(),
            "http://127.0.0.1:4566/federation"
        );
    }

    #[test]
    fn federation_defaults_to_the_partition_host() {
        assert_eq!(
            federation_endpoint(&bare("us-gov-west-1"), "us-gov-west-1")
                .unwrap()
                .as_str(),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            federation_endpoint(&bare("eu-west-1"), "eu-west-1")
                .unwrap()
                .as_str(),
            "https://signin.aws.amazon.com/federation"
        );
    }
}
