//! The person's whole picture, as `stint ls` shows it: what they hold or may request,
//! the groups they may join for a time, their requests and grants, and what waits for
//! their approval. Read in one place so that the agent, which keeps it in memory, and the
//! CLI without an agent show the same thing.

use serde::{Deserialize, Serialize};
use stint_api::{AccessRequest, EligibleGroup, Grant, ListRequestsQuery, RequestScope};

use super::{AccessEntry, Stint};
use crate::error::Result;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// What the person holds now (portal) or may request (broker), merged.
    pub access: Vec<AccessEntry>,
    /// Every request the person made (the broker's order).
    pub requests: Vec<AccessRequest>,
    /// Active grants.
    pub grants: Vec<Grant>,
    /// Requests waiting for the person's decision.
    pub approvable: Vec<AccessRequest>,
    /// Groups the person may request membership of.
    pub groups: Vec<EligibleGroup>,
}

impl Stint {
    /// Reads the whole picture: the portal, and without a broker nothing more.
    pub async fn overview(&self) -> Result<Overview> {
        let Some(broker) = &self.broker else {
            return Ok(Overview {
                access: self.access_with(Vec::new()).await?,
                ..Overview::default()
            });
        };
        let eligibility = broker.eligibility().await?;
        let access = self.access_with(eligibility.items).await?;
        let requests = broker
            .all_requests(&ListRequestsQuery {
                scope: RequestScope::Mine,
                ..Default::default()
            })
            .await?;
        let approvable = broker
            .all_requests(&ListRequestsQuery {
                scope: RequestScope::Approvable,
                ..Default::default()
            })
            .await?;
        let grants = broker.grants().await?;
        Ok(Overview {
            access,
            requests,
            grants,
            approvable,
            groups: eligibility.groups,
        })
    }
}
