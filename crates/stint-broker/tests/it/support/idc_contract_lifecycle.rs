//! The account assignment lifecycle the Identity Center adapter must carry out against any
//! Identity Center (moto's or stint-sim's): create and delete, each settled by polling its
//! status, counted through the raw listing.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use super::idc_contract::World;
use stint_broker::idc::{
    AssignmentKey, IdcError, IdentityCenter, OperationId, OperationStatus, Organization,
    PrincipalType,
};

// ---------------------------------------------------------------------------------------
// The write side: the assignment lifecycle.

/// How many times AWS itself (not the adapter, which deduplicates) lists this exact
/// assignment: proof that a repeated create did not make a second one.
pub async fn raw_count(
    sso: &aws_sdk_ssoadmin::Client,
    instance_arn: &str,
    key: &AssignmentKey,
) -> usize {
    let mut count = 0;
    let mut token = None;
    loop {
        let page = sso
            .list_account_assignments()
            .instance_arn(instance_arn)
            .account_id(&key.account_id)
            .permission_set_arn(&key.permission_set_arn)
            .set_next_token(token)
            .send()
            .await
            .expect("raw ListAccountAssignments");
        count += page
            .account_assignments()
            .iter()
            .filter(|a| {
                a.principal_id() == Some(key.principal_id.as_str())
                    && a.principal_type().map(|t| t.as_str())
                        == Some(match key.principal_type {
                            PrincipalType::User => "USER",
                            PrincipalType::Group => "GROUP",
                        })
            })
            .count();
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return count;
        }
    }
}

/// Polls until the operation is no longer in progress (Identity Center is asynchronous).
pub async fn settle<F, Fut>(what: &str, mut status: F) -> OperationStatus
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<OperationStatus, IdcError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match status().await.unwrap_or_else(|e| panic!("{what}: {e}")) {
            OperationStatus::InProgress if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            OperationStatus::InProgress => panic!("{what}: still in progress after 60 s"),
            done => return done,
        }
    }
}

pub async fn create_and_settle(
    idc: &dyn IdentityCenter,
    key: &AssignmentKey,
) -> (OperationId, OperationStatus) {
    let op = idc.create_assignment(key).await.expect("create_assignment");
    let status = settle("creation", || idc.creation_status(&op)).await;
    (op, status)
}

pub async fn delete_and_settle(
    idc: &dyn IdentityCenter,
    key: &AssignmentKey,
) -> (OperationId, OperationStatus) {
    let op = idc.delete_assignment(key).await.expect("delete_assignment");
    let status = settle("deletion", || idc.deletion_status(&op)).await;
    (op, status)
}

pub struct Lifecycle<'a> {
    pub idc: &'a dyn IdentityCenter,
    /// An SDK client on the same endpoint, to check what AWS itself holds.
    pub raw: &'a aws_sdk_ssoadmin::Client,
    pub instance_arn: &'a str,
    pub world: &'a World,
    pub permission_sets: &'a BTreeMap<String, String>,
    pub org: &'a Organization,
}

impl Lifecycle<'_> {
    async fn user_id(&self, user_name: &str) -> String {
        self.idc
            .find_user(user_name)
            .await
            .expect("find_user")
            .expect("demo user")
            .user_id
    }

    fn key(
        &self,
        principal_id: &str,
        principal_type: PrincipalType,
        account: &str,
        ps: &str,
    ) -> AssignmentKey {
        AssignmentKey {
            principal_type,
            principal_id: principal_id.to_owned(),
            account_id: self
                .org
                .account(account)
                .expect("account by name")
                .id
                .clone(),
            permission_set_arn: self.permission_sets[ps].clone(),
        }
    }

    async fn listed(&self, key: &AssignmentKey) -> Vec<AssignmentKey> {
        self.idc
            .list_assignments(&key.account_id, &key.permission_set_arn)
            .await
            .expect("list_assignments")
    }

    /// create → SUCCEEDED → listed → delete → SUCCEEDED → not listed; both repeated.
    pub async fn grant_and_revoke(&self) {
        let alice = self.user_id("alice").await;
        let key = self.key(&alice, PrincipalType::User, "prod", "PowerUserAccess");
        assert!(
            !self.listed(&key).await.contains(&key),
            "starts without the assignment"
        );

        let (op, status) = create_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded, "creation {op:?}");
        assert!(
            self.listed(&key).await.contains(&key),
            "listed once created"
        );
        assert_eq!(raw_count(self.raw, self.instance_arn, &key).await, 1);

        // Creating what exists is done at once, and makes no second assignment.
        let (again, status) = create_and_settle(self.idc, &key).await;
        assert_eq!(
            status,
            OperationStatus::Succeeded,
            "repeated creation {again:?}"
        );
        assert_eq!(
            raw_count(self.raw, self.instance_arn, &key).await,
            1,
            "no duplicate"
        );

        let (op, status) = delete_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded, "deletion {op:?}");
        assert!(!self.listed(&key).await.contains(&key), "gone once deleted");
        assert_eq!(raw_count(self.raw, self.instance_arn, &key).await, 0);

        // Deleting what is gone is done at once, and is not an error.
        let (again, status) = delete_and_settle(self.idc, &key).await;
        assert_eq!(
            status,
            OperationStatus::Succeeded,
            "repeated deletion {again:?}"
        );
        assert_eq!(raw_count(self.raw, self.instance_arn, &key).await, 0);
    }

    /// Standing group assignments are listed with their type, and a user grant of the
    /// same permission set in the same account comes and goes without touching them.
    pub async fn standing_access_survives(&self) {
        let standing = self
            .world
            .assignments
            .iter()
            .find(|a| a.account == "dev" && a.permission_set == "ReadOnlyAccess")
            .expect("the demo world's standing ReadOnlyAccess in dev");
        let group = standing.group.as_deref().expect("a group assignment");
        let engineers_id = {
            let listed = self
                .idc
                .list_assignments(
                    &self.org.account("dev").expect("dev").id,
                    &self.permission_sets["ReadOnlyAccess"],
                )
                .await
                .expect("list_assignments");
            let groups: Vec<&AssignmentKey> = listed
                .iter()
                .filter(|k| k.principal_type == PrincipalType::Group)
                .collect();
            assert_eq!(
                groups.len(),
                1,
                "the standing {group} assignment: {listed:?}"
            );
            groups[0].principal_id.clone()
        };
        let standing_key = self.key(&engineers_id, PrincipalType::Group, "dev", "ReadOnlyAccess");

        let carol = self.user_id("carol").await;
        let grant = self.key(&carol, PrincipalType::User, "dev", "ReadOnlyAccess");
        assert_eq!(
            create_and_settle(self.idc, &grant).await.1,
            OperationStatus::Succeeded
        );
        let listed = self.listed(&grant).await;
        assert!(
            listed.contains(&grant) && listed.contains(&standing_key),
            "{listed:?}"
        );

        assert_eq!(
            delete_and_settle(self.idc, &grant).await.1,
            OperationStatus::Succeeded
        );
        let listed = self.listed(&grant).await;
        assert!(!listed.contains(&grant), "{listed:?}");
        assert!(
            listed.contains(&standing_key),
            "the standing assignment is untouched: {listed:?}"
        );
    }

    /// A status asked of the wrong kind of request is an error, not a silent success.
    pub async fn statuses_do_not_mix(&self) {
        let alice = self.user_id("alice").await;
        let key = self.key(&alice, PrincipalType::User, "staging", "BillingReadOnly");
        let (_, status) = create_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded);
        let noop = self
            .idc
            .create_assignment(&key)
            .await
            .expect("repeated create");
        assert!(
            self.idc.deletion_status(&noop).await.is_err(),
            "{noop:?} is a creation"
        );
        let (_, status) = delete_and_settle(self.idc, &key).await;
        assert_eq!(status, OperationStatus::Succeeded);
        let noop = self
            .idc
            .delete_assignment(&key)
            .await
            .expect("repeated delete");
        assert!(
            self.idc.creation_status(&noop).await.is_err(),
            "{noop:?} is a deletion"
        );
    }
}
