//! Turns AWS SDK errors into [`Error`]s: a request that never reached AWS is
//! `Unreachable`; a service error keeps AWS's code and message.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::Error;

pub(crate) fn from_sdk<E, R>(
    service: &'static str,
    operation: &'static str,
    err: SdkError<E, R>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Error::Unreachable {
            service: format!("{service} ({operation})"),
            message: DisplayErrorContext(&err).to_string(),
        },
        SdkError::ServiceError(service_err) => Error::Aws {
            service,
            operation,
            code: service_err.err().code().map(str::to_owned),
            message: service_err
                .err()
                .message()
                .unwrap_or("no message")
                .to_owned(),
        },
        _ => Error::Aws {
            service,
            operation,
            code: None,
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}

/// The AWS error code of a service error (`ForbiddenException`, ...), modelled or not.
pub(crate) fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service_err) => service_err.err().code(),
        _ => None,
    }
}
