//! Users and groups from the Identity Store.
//!
//! Lookups by name use `GetUserId` / `GetGroupId` with a unique attribute; `ListUsers` and
//! `ListGroups` filters are deprecated by AWS. A "not found" answer means the user or group
//! does not exist only when the service says the missing resource is a user (or group): a
//! missing *identity store* is a configuration error and is reported as one, or a wrong
//! `identity_store_id` would make every login look like an unknown user.

use std::future::Future;

use aws_sdk_identitystore::config::http::HttpResponse;
use aws_sdk_identitystore::error::SdkError;
use aws_sdk_identitystore::operation::describe_group::DescribeGroupError;
use aws_sdk_identitystore::operation::describe_user::{DescribeUserError, DescribeUserOutput};
use aws_sdk_identitystore::operation::get_group_id::GetGroupIdError;
use aws_sdk_identitystore::operation::get_user_id::GetUserIdError;
use aws_sdk_identitystore::types::error::ResourceNotFoundException;
use aws_sdk_identitystore::types::{AlternateIdentifier, MemberId, ResourceType, UniqueAttribute};
use aws_smithy_types::Document;
use futures::{StreamExt, TryStreamExt, stream};

use super::aws::{AwsIdentityCenter, IDENTITY_STORE};
use super::calls::{paginate, paginate_read, read_retrying};
use super::{DirectoryGroup, DirectoryUser, IdcError};

/// Lookups in flight at once when one answer needs many (a user's groups, a group's
/// members): enough to keep a login fast, few enough not to trip Identity Store throttling.
const CONCURRENT_LOOKUPS: usize = 4;

impl AwsIdentityCenter {
    pub(super) async fn user_by_name(
        &self,
        user_name: &str,
    ) -> Result<Option<DirectoryUser>, IdcError> {
        let instance = self.instance().await?;
        let identifier = unique_attribute("userName", user_name)?;
        let found = self
            .calls
            .run(
                IDENTITY_STORE,
                "GetUserId",
                absent_if_missing(
                    self.store
                        .get_user_id()
                        .identity_store_id(&instance.identity_store_id)
                        .alternate_identifier(identifier)
                        .send(),
                    |e| match e {
                        GetUserIdError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::User,
                ),
            )
            .await?;
        match found {
            Some(out) => self.user_by_id(&out.user_id).await,
            None => Ok(None),
        }
    }

    pub(super) async fn user_by_id(
        &self,
        user_id: &str,
    ) -> Result<Option<DirectoryUser>, IdcError> {
        let instance = self.instance().await?;
        let found = self
            .calls
            .run(
                IDENTITY_STORE,
                "DescribeUser",
                absent_if_missing(
                    self.store
                        .describe_user()
                        .identity_store_id(&instance.identity_store_id)
                        .user_id(user_id)
                        .send(),
                    |e| match e {
                        DescribeUserError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::User,
                ),
            )
            .await?;
        found.map(directory_user).transpose()
    }

    pub(super) async fn groups_of(&self, user_id: &str) -> Result<Vec<DirectoryGroup>, IdcError> {
        let instance = self.instance().await?;
        let memberships = paginate("ListGroupMembershipsForMember", |token| async {
            let out = self
                .calls
                .run(
                    IDENTITY_STORE,
                    "ListGroupMembershipsForMember",
                    self.store
                        .list_group_memberships_for_member()
                        .identity_store_id(&instance.identity_store_id)
                        .member_id(MemberId::UserId(user_id.to_owned()))
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.group_memberships, out.next_token))
        })
        .await?;
        let mut group_ids: Vec<String> =
            memberships.into_iter().filter_map(|m| m.group_id).collect();
        group_ids.sort();
        group_ids.dedup();

        let groups: Vec<Option<DirectoryGroup>> = stream::iter(group_ids)
            .map(|group_id| self.group_by_id(group_id))
            .buffered(CONCURRENT_LOOKUPS)
            .try_collect()
            .await?;
        // A group deleted between the two calls is simply no longer one of the user's groups.
        Ok(groups.into_iter().flatten().collect())
    }

    async fn group_by_id(&self, group_id: String) -> Result<Option<DirectoryGroup>, IdcError> {
        let instance = self.instance().await?;
        let found = self
            .calls
            .run(
                IDENTITY_STORE,
                "DescribeGroup",
                absent_if_missing(
                    self.store
                        .describe_group()
                        .identity_store_id(&instance.identity_store_id)
                        .group_id(&group_id)
                        .send(),
                    |e| match e {
                        DescribeGroupError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::Group,
                ),
            )
            .await?;
        Ok(found.map(|g| DirectoryGroup {
            display_name: g.display_name.unwrap_or_else(|| g.group_id.clone()),
            group_id: g.group_id,
        }))
    }

    /// The members of the group with this display name. A group that does not exist has no
    /// members: the engine then finds nobody to approve and says so, which is the right
    /// answer for a policy that names a group Identity Center does not have (logged, too).
    pub(super) async fn members_of(
        &self,
        group_name: &str,
    ) -> Result<Vec<DirectoryUser>, IdcError> {
        let instance = self.instance().await?;
        let identifier = unique_attribute("displayName", group_name)?;
        let found = read_retrying(|| {
            self.calls.run(
                IDENTITY_STORE,
                "GetGroupId",
                absent_if_missing(
                    self.store
                        .get_group_id()
                        .identity_store_id(&instance.identity_store_id)
                        .alternate_identifier(identifier.clone())
                        .send(),
                    |e| match e {
                        GetGroupIdError::ResourceNotFoundException(e) => Some(e),
                        _ => None,
                    },
                    ResourceType::Group,
                ),
            )
        })
        .await?;
        let Some(group) = found else {
            tracing::warn!(group = group_name, "no such group in the identity store");
            return Ok(Vec::new());
        };

        let memberships = paginate_read("ListGroupMemberships", |token| async {
            let out = self
                .calls
                .run(
                    IDENTITY_STORE,
                    "ListGroupMemberships",
                    self.store
                        .list_group_memberships()
                        .identity_store_id(&instance.identity_store_id)
                        .group_id(&group.group_id)
                        .set_next_token(token)
                        .set_max_results(self.settings.page_size)
                        .send(),
                )
                .await?;
            Ok((out.group_memberships, out.next_token))
        })
        .await?;
        let mut user_ids: Vec<String> = memberships
            .into_iter()
            .filter_map(|m| match m.member_id {
                Some(MemberId::UserId(id)) => Some(id),
                _ => None,
            })
            .collect();
        user_ids.sort();
        user_ids.dedup();

        let users: Vec<Option<DirectoryUser>> = stream::iter(user_ids)
            .map(|user_id| async move { read_retrying(|| self.user_by_id(&user_id)).await })
            .buffered(CONCURRENT_LOOKUPS)
            .try_collect()
            .await?;
        Ok(users.into_iter().flatten().collect())
    }
}

pub(super) fn unique_attribute(path: &str, value: &str) -> Result<AlternateIdentifier, IdcError> {
    if value.is_empty() {
        return Err(IdcError::Other(format!("cannot look up an empty {path}")));
    }
    UniqueAttribute::builder()
        .attribute_path(path)
        .attribute_value(Document::String(value.to_owned()))
        .build()
        .map(AlternateIdentifier::UniqueAttribute)
        .map_err(|e| IdcError::Other(format!("cannot build a {path} lookup: {e}")))
}

/// Turns "this user (or group) does not exist" into `Ok(None)`, leaving every other error,
/// a missing identity store included, to the usual mapping.
pub(super) async fn absent_if_missing<T, E>(
    call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    not_found: impl Fn(&E) -> Option<&ResourceNotFoundException>,
    missing: ResourceType,
) -> Result<Option<T>, SdkError<E, HttpResponse>> {
    match call.await {
        Ok(found) => Ok(Some(found)),
        Err(SdkError::ServiceError(service))
            if not_found(service.err()).is_some_and(|e| {
                e.resource_type.is_none() || e.resource_type.as_ref() == Some(&missing)
            }) =>
        {
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

fn directory_user(out: DescribeUserOutput) -> Result<DirectoryUser, IdcError> {
    let user_name = out.user_name.filter(|n| !n.is_empty()).ok_or_else(|| {
        IdcError::Other(format!(
            "DescribeUser returned user {} without a user name",
            out.user_id
        ))
    })?;
    let display_name = out
        .display_name
        .filter(|n| !n.is_empty())
        .or_else(|| {
            let name = out.name.as_ref()?;
            name.formatted
                .clone()
                .filter(|f| !f.is_empty())
                .or_else(|| {
                    let parts: Vec<&str> =
                        [name.given_name.as_deref(), name.family_name.as_deref()]
                            .into_iter()
                            .flatten()
                            .filter(|p| !p.is_empty())
                            .collect();
                    (!parts.is_empty()).then(|| parts.join(" "))
                })
        })
        .unwrap_or_else(|| user_name.clone());
    let emails = out.emails.unwrap_or_default();
    let email = emails
        .iter()
        .find(|e| e.primary)
        .or_else(|| emails.first())
        .and_then(|e| e.value.clone());
    Ok(DirectoryUser {
        user_id: out.user_id,
        user_name,
        display_name,
        email,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_identitystore::types::{Email, Name};

    fn user() -> aws_sdk_identitystore::operation::describe_user::builders::DescribeUserOutputBuilder
    {
        DescribeUserOutput::builder()
            .user_id("u-1")
            .identity_store_id("d-1234567890")
            .user_name("alice")
    }

    #[test]
    fn prefers_display_name_then_formatted_then_given_and_family() {
        let with_display = user()
            .display_name("Alice Adams")
            .name(Name::builder().formatted("A. Adams").build())
            .build()
            .unwrap();
        assert_eq!(
            directory_user(with_display).unwrap().display_name,
            "Alice Adams"
        );

        let formatted = user()
            .name(Name::builder().formatted("A. Adams").build())
            .build()
            .unwrap();
        assert_eq!(directory_user(formatted).unwrap().display_name, "A. Adams");

        let parts = user()
            .name(
                Name::builder()
                    .given_name("Alice")
                    .family_name("Adams")
                    .build(),
            )
            .build()
            .unwrap();
        assert_eq!(directory_user(parts).unwrap().display_name, "Alice Adams");

        let bare = user().build().unwrap();
        assert_eq!(directory_user(bare).unwrap().display_name, "alice");
    }

    #[test]
    fn prefers_the_primary_email() {
        let out = user()
            .emails(Email::builder().value("old@example.com").build())
            .emails(
                Email::builder()
                    .value("alice@example.com")
                    .primary(true)
                    .build(),
            )
            .build()
            .unwrap();
        assert_eq!(
            directory_user(out).unwrap().email.as_deref(),
            Some("alice@example.com")
        );
        let first = user()
            .emails(Email::builder().value("only@example.com").build())
            .build()
            .unwrap();
        assert_eq!(
            directory_user(first).unwrap().email.as_deref(),
            Some("only@example.com")
        );
        assert_eq!(directory_user(user().build().unwrap()).unwrap().email, None);
    }

    #[test]
    fn a_user_without_a_name_is_an_error() {
        let out = DescribeUserOutput::builder()
            .user_id("u-1")
            .identity_store_id("d-1234567890")
            .build()
            .unwrap();
        assert!(directory_user(out).is_err());
    }

    #[test]
    fn an_empty_name_is_refused_before_any_call() {
        assert!(unique_attribute("userName", "").is_err());
        assert!(unique_attribute("userName", "alice").is_ok());
    }
}
