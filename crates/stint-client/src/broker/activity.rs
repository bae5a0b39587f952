//! A request's session activity, from the organization trail through the broker.

use reqwest::Method;
use stint_api::{ActivityPage, ActivityQuery, routes};

use super::BrokerClient;
use crate::error::Result;

/// Pages fetched at most by [`BrokerClient::all_activity`]: past this, the listing says
/// so instead of walking on (a grant with more than 100,000 events wants the API).
const MAX_PAGES: usize = 100;

impl BrokerClient {
    /// One page of the request's activity, oldest first.
    pub async fn activity(&self, id: i64, query: &ActivityQuery) -> Result<ActivityPage> {
        self.call(
            Method::GET,
            &routes::with_id(routes::ACTIVITY, id),
            Some(query),
            None,
        )
        .await
    }

    /// Every page, as one: the first page's `asOf` and window, all events, and a
    /// `nextCursor` only when [`MAX_PAGES`] were not enough.
    pub async fn all_activity(&self, id: i64) -> Result<ActivityPage> {
        let mut query = ActivityQuery {
            cursor: None,
            limit: Some(1000),
        };
        let mut all = self.activity(id, &query).await?;
        for _ in 1..MAX_PAGES {
            let Some(cursor) = all.next_cursor.take() else {
                return Ok(all);
            };
            query.cursor = Some(cursor);
            let page = self.activity(id, &query).await?;
            all.after_window_count += page.after_window_count;
            all.items.extend(page.items);
            all.next_cursor = page.next_cursor;
        }
        Ok(all)
    }
}
