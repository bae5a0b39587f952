//! What permission sets grant, through `aws-sdk-ssoadmin`: the world file's policies.

use aws_sdk_ssoadmin::operation::get_permissions_boundary_for_permission_set::GetPermissionsBoundaryForPermissionSetError;
use aws_sdk_ssoadmin::operation::list_managed_policies_in_permission_set::ListManagedPoliciesInPermissionSetError;

use crate::support::*;

#[tokio::test]
async fn policies_of_permission_sets_are_read_as_the_world_file_says() {
    let sim = demo().await;
    let admin = admin(&sim).await;
    let instance = sim.instance_arn();

    let billing = permission_set_arn(&sim, "BillingReadOnly");
    let managed = admin
        .list_managed_policies_in_permission_set()
        .instance_arn(instance)
        .permission_set_arn(&billing)
        .send()
        .await
        .unwrap();
    let attached: Vec<(&str, &str)> = managed
        .attached_managed_policies()
        .iter()
        .map(|p| (p.arn().unwrap(), p.name().unwrap()))
        .collect();
    assert_eq!(
        attached,
        [(
            "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
            "AWSBillingReadOnlyAccess"
        )]
    );
    let customer = admin
        .list_customer_managed_policy_references_in_permission_set()
        .instance_arn(instance)
        .permission_set_arn(&billing)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = customer
        .customer_managed_policy_references()
        .iter()
        .map(|r| r.name())
        .collect();
    assert_eq!(names, ["CostExplorerReports"]);
    let inline = admin
        .get_inline_policy_for_permission_set()
        .instance_arn(instance)
        .permission_set_arn(&billing)
        .send()
        .await
        .unwrap();
    assert_eq!(inline.inline_policy(), Some(""));

    let baseline = permission_set_arn(&sim, "StintBaseline");
    let managed = admin
        .list_managed_policies_in_permission_set()
        .instance_arn(instance)
        .permission_set_arn(&baseline)
        .send()
        .await
        .unwrap();
    assert!(managed.attached_managed_policies().is_empty());
    let inline = admin
        .get_inline_policy_for_permission_set()
        .instance_arn(instance)
        .permission_set_arn(&baseline)
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(inline.inline_policy().unwrap()).unwrap();
    assert_eq!(doc["Statement"][0]["Effect"], "Deny");

    let boundary = admin
        .get_permissions_boundary_for_permission_set()
        .instance_arn(instance)
        .permission_set_arn(&baseline)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            boundary.into_service_error(),
            GetPermissionsBoundaryForPermissionSetError::ResourceNotFoundException(_)
        ),
        "no boundary is ResourceNotFoundException"
    );

    let unknown = admin
        .list_managed_policies_in_permission_set()
        .instance_arn(instance)
        .permission_set_arn(format!("{}-gone", baseline))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        unknown.into_service_error(),
        ListManagedPoliciesInPermissionSetError::ResourceNotFoundException(_)
    ));
}
