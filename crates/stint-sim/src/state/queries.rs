//! Logs Insights queries: run when started, over what the log group held then, and
//! reported `Running` on the first GetQueryResults and `Complete` after, so a client has
//! to poll as it must against AWS (where a query takes seconds).

use std::collections::HashMap;

use crate::insights::QueryResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStatus {
    Running,
    Complete,
    Cancelled,
}

impl QueryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryStatus::Running => "Running",
            QueryStatus::Complete => "Complete",
            QueryStatus::Cancelled => "Cancelled",
        }
    }
}

#[derive(Debug)]
pub struct StoredQuery {
    pub result: QueryResult,
    status: QueryStatus,
}

#[derive(Debug, Default)]
pub struct Queries {
    queries: HashMap<String, StoredQuery>,
}

impl Queries {
    pub fn start(&mut self, result: QueryResult) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.queries.insert(
            id.clone(),
            StoredQuery {
                result,
                status: QueryStatus::Running,
            },
        );
        id
    }

    /// The status to report now and the query; a running query completes once it has
    /// been seen running.
    pub fn poll(&mut self, id: &str) -> Option<(QueryStatus, &StoredQuery)> {
        let q = self.queries.get_mut(id)?;
        let reported = q.status;
        if q.status == QueryStatus::Running {
            q.status = QueryStatus::Complete;
        }
        Some((reported, q))
    }

    /// StopQuery: true if the query was running and is now cancelled.
    pub fn stop(&mut self, id: &str) -> Option<bool> {
        let q = self.queries.get_mut(id)?;
        let was_running = q.status == QueryStatus::Running;
        if was_running {
            q.status = QueryStatus::Cancelled;
        }
        Some(was_running)
    }
}
