//! Listing a tenant's requests, one page per call. By acceptance (or all): one query on `gsi1`.
//! By status: one query on `gsi2`, in the status's own partition, so no other status is read.
//! A pending request lists as pending while its code runs, and as expired once it ran out (as
//! it reads): its sort key starts with that time, so the two are key ranges of the pending
//! partition. `expired` therefore reads two ranges (the stored expired requests, and the lapsed
//! pending ones) and merges them by id, with a cursor for each.
//!
//! Every query asks for one more request than the page holds, so a page that ends exactly at
//! the last request hands out no cursor (DynamoDB's own `LastEvaluatedKey` would, whenever the
//! limit is reached, leaving the caller an empty last page).

use std::collections::BTreeMap;

use super::codec::{self, s, Item};
use super::{keys, DynamoStore, SERVICE};
use crate::adapters::OrServiceError;
use crate::domain::{RequestStatus, TenantId};
use crate::ports::{ListFilter, Listing, Page, PageCursor, ServiceError};

/// One key range of the status index: a status's partition, or part of the pending one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Whole(RequestStatus),
    /// Pending requests whose code runs past `now`.
    OpenAt(u64),
    /// Pending requests whose code ran out by `now` (they read as expired).
    LapsedAt(u64),
}

impl Range {
    fn status(self) -> RequestStatus {
        match self {
            Range::Whole(status) => status,
            Range::OpenAt(_) | Range::LapsedAt(_) => RequestStatus::Pending,
        }
    }

    /// Its name in a cursor.
    fn name(self) -> &'static str {
        match self {
            Range::Whole(status) => status.as_str(),
            Range::OpenAt(_) => "open",
            Range::LapsedAt(_) => "lapsed",
        }
    }

    /// Whether a sort key falls in the range.
    fn holds(self, sk: &str) -> bool {
        match self {
            Range::Whole(_) => true,
            Range::OpenAt(now) => sk >= keys::instant(now + 1).as_str(),
            Range::LapsedAt(now) => sk < keys::instant(now + 1).as_str(),
        }
    }
}

/// The ranges a status listing reads at `now`.
fn ranges(status: RequestStatus, now: u64) -> Vec<Range> {
    match status {
        RequestStatus::Pending => vec![Range::OpenAt(now)],
        RequestStatus::Expired => vec![Range::Whole(status), Range::LapsedAt(now)],
        status => vec![Range::Whole(status)],
    }
}

/// Where a range's next page starts.
#[derive(Debug, Clone, PartialEq)]
enum Position {
    Start,
    After(BTreeMap<String, String>),
    Done,
}

/// The index key attributes of an item or a `LastEvaluatedKey`: what `ExclusiveStartKey` takes.
fn key_of(item: &Item, index_keys: [&str; 2]) -> BTreeMap<String, String> {
    [keys::PK, keys::SK, index_keys[0], index_keys[1]]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), codec::get_s(item, name)?.to_owned())))
        .collect()
}

fn as_item(key: &BTreeMap<String, String>) -> Item {
    key.iter().map(|(k, v)| (k.clone(), s(v))).collect()
}

const GSI2_KEYS: [&str; 2] = [keys::GSI2PK, keys::GSI2SK];
const DONE: &str = "done";

impl DynamoStore {
    pub(super) async fn list(
        &self,
        tenant: &TenantId,
        listing: Listing,
        limit: u32,
        start: Option<PageCursor>,
        now: u64,
    ) -> Result<Page, ServiceError> {
        let limit = limit.clamp(1, 1000) as i32;
        let accepted = match listing.filter {
            ListFilter::All => None,
            ListFilter::Accepted => Some(true),
            ListFilter::NotAccepted => Some(false),
            ListFilter::Status(status) => {
                let ranges = ranges(status, now);
                return self
                    .list_ranges(tenant, &ranges, limit, start, listing.newest_first)
                    .await;
            }
        };
        let start = match start {
            None => None,
            Some(PageCursor(cursor)) => {
                // A cursor from another tenant's or another filter's listing reads nothing.
                let prefix = accepted.map(keys::listing_prefix);
                let fits = cursor.get(keys::GSI1PK) == Some(&keys::requests_of(tenant))
                    && cursor
                        .get(keys::GSI1SK)
                        .is_some_and(|sk| prefix.is_none_or(|p| sk.starts_with(&p)));
                if !fits {
                    return Ok(empty());
                }
                Some(as_item(&cursor))
            }
        };
        let out = self
            .requests_query(tenant, accepted)
            .scan_index_forward(!listing.newest_first)
            .limit(limit + 1)
            .set_exclusive_start_key(start)
            .send()
            .await
            .or_service(SERVICE)?;
        let items = out.items();
        let page = &items[..items.len().min(limit as usize)];
        let requests = page
            .iter()
            .map(codec::stored_request)
            .collect::<Result<_, _>>()?;
        const GSI1_KEYS: [&str; 2] = [keys::GSI1PK, keys::GSI1SK];
        let next = match (items.len() > page.len(), page.last()) {
            // More follow: the page ends at its last request.
            (true, Some(last)) => Some(PageCursor(key_of(last, GSI1_KEYS))),
            // Fewer came back than asked for: the end, unless the query's 1 MB page ended
            // first (then DynamoDB says where it stopped).
            _ => out
                .last_evaluated_key
                .as_ref()
                .map(|key| PageCursor(key_of(key, GSI1_KEYS))),
        };
        Ok(Page { requests, next })
    }

    /// One page over some ranges of the status index, merged by id: a query per range that
    /// may still hold requests, each from its own position.
    async fn list_ranges(
        &self,
        tenant: &TenantId,
        ranges: &[Range],
        limit: i32,
        start: Option<PageCursor>,
        newest_first: bool,
    ) -> Result<Page, ServiceError> {
        let Some(positions) = positions(tenant, ranges, start) else {
            return Ok(empty());
        };
        let mut fetched = Vec::new();
        for (range, position) in ranges.iter().zip(&positions) {
            fetched.push(match position {
                Position::Done => (vec![], false),
                Position::Start => {
                    self.query_range(tenant, *range, None, limit + 1, newest_first)
                        .await?
                }
                Position::After(key) => {
                    self.query_range(tenant, *range, Some(key), limit + 1, newest_first)
                        .await?
                }
            });
        }
        // Merge: take the next id in order from the heads of the ranges, `limit` times.
        let mut taken = vec![0usize; ranges.len()];
        let mut requests = Vec::new();
        while requests.len() < limit as usize {
            let mut best: Option<usize> = None;
            for (i, (items, _)) in fetched.iter().enumerate() {
                let Some(head) = items.get(taken[i]) else {
                    continue;
                };
                let better = best.is_none_or(|b| {
                    let current = &fetched[b].0[taken[b]];
                    let (a, c) = (
                        codec::text(head, "requestId"),
                        codec::text(current, "requestId"),
                    );
                    (a.unwrap_or_default() > c.unwrap_or_default()) == newest_first
                });
                if better {
                    best = Some(i);
                }
            }
            let Some(i) = best else { break };
            requests.push(codec::stored_request(&fetched[i].0[taken[i]])?);
            taken[i] += 1;
        }
        let mut cursor = BTreeMap::new();
        let mut done = true;
        for (i, range) in ranges.iter().enumerate() {
            let (items, more) = &fetched[i];
            let position = if taken[i] == items.len() && !more {
                Position::Done
            } else if taken[i] > 0 {
                Position::After(key_of(&items[taken[i] - 1], GSI2_KEYS))
            } else {
                positions[i].clone()
            };
            match position {
                Position::Done => {
                    cursor.insert(range.name().to_owned(), DONE.to_owned());
                }
                Position::Start => done = false,
                Position::After(key) => {
                    done = false;
                    for (k, v) in key {
                        cursor.insert(format!("{}.{k}", range.name()), v);
                    }
                }
            }
        }
        let next = (!done).then_some(PageCursor(cursor));
        Ok(Page { requests, next })
    }

    /// Up to `limit` items of one range from `after`, and whether more may follow.
    async fn query_range(
        &self,
        tenant: &TenantId,
        range: Range,
        after: Option<&BTreeMap<String, String>>,
        limit: i32,
        newest_first: bool,
    ) -> Result<(Vec<Item>, bool), ServiceError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .expression_attribute_values(":pk", s(keys::requests_in(tenant, range.status())))
            .scan_index_forward(!newest_first)
            .limit(limit);
        query = match range {
            Range::Whole(_) => query.key_condition_expression("gsi2pk = :pk"),
            Range::OpenAt(now) => query
                .key_condition_expression("gsi2pk = :pk AND gsi2sk >= :open")
                .expression_attribute_values(":open", s(keys::instant(now + 1))),
            Range::LapsedAt(now) => query
                .key_condition_expression("gsi2pk = :pk AND gsi2sk < :open")
                .expression_attribute_values(":open", s(keys::instant(now + 1))),
        };
        if let Some(after) = after {
            // The range moves with time: a position it has left behind (the request lapsed
            // meanwhile) is outside the key condition, which DynamoDB refuses. Oldest first,
            // everything before the range's new start was read; newest first, nothing is left.
            let holds = after.get(keys::GSI2SK).is_some_and(|sk| range.holds(sk));
            match (holds, newest_first) {
                (true, _) => query = query.set_exclusive_start_key(Some(as_item(after))),
                (false, false) => {}
                (false, true) => return Ok((vec![], false)),
            }
        }
        let out = query.send().await.or_service(SERVICE)?;
        let more = out.last_evaluated_key.is_some();
        Ok((out.items.unwrap_or_default(), more))
    }
}

/// Each range's position in a cursor; `None` for a cursor of another tenant or listing.
fn positions(
    tenant: &TenantId,
    ranges: &[Range],
    start: Option<PageCursor>,
) -> Option<Vec<Position>> {
    let Some(PageCursor(cursor)) = start else {
        return Some(vec![Position::Start; ranges.len()]);
    };
    let names: Vec<&str> = ranges.iter().map(|r| r.name()).collect();
    let known = cursor
        .keys()
        .all(|k| names.contains(&k.split('.').next().unwrap_or_default()));
    if !known || cursor.is_empty() {
        return None;
    }
    ranges
        .iter()
        .map(|range| {
            let name = range.name();
            if cursor.get(name).map(String::as_str) == Some(DONE) {
                return Some(Position::Done);
            }
            let prefix = format!("{name}.");
            let key: BTreeMap<String, String> = cursor
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_owned(), v.clone())))
                .collect();
            if key.is_empty() {
                return Some(Position::Start);
            }
            let partition = keys::requests_in(tenant, range.status());
            (key.get(keys::GSI2PK) == Some(&partition)).then_some(Position::After(key))
        })
        .collect()
}

fn empty() -> Page {
    Page {
        requests: vec![],
        next: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    #[test]
    fn each_status_reads_its_own_ranges() {
        assert_eq!(
            ranges(RequestStatus::Verified, 5),
            vec![Range::Whole(RequestStatus::Verified)]
        );
        assert_eq!(ranges(RequestStatus::Pending, 5), vec![Range::OpenAt(5)]);
        assert_eq!(
            ranges(RequestStatus::Expired, 5),
            vec![Range::Whole(RequestStatus::Expired), Range::LapsedAt(5)]
        );
    }

    #[test]
    fn open_and_lapsed_split_the_pending_partition_at_now() {
        let id = crate::domain::RequestId::generate();
        let sk = |expires| keys::status_listing(RequestStatus::Pending, &id, expires);
        assert!(Range::OpenAt(100).holds(&sk(101)));
        assert!(!Range::OpenAt(100).holds(&sk(100)));
        assert!(Range::LapsedAt(100).holds(&sk(100)));
        assert!(!Range::LapsedAt(100).holds(&sk(101)));
    }

    #[test]
    fn a_cursor_names_each_range_and_refuses_another_tenants_or_listings() {
        let ranges = ranges(RequestStatus::Expired, 5);
        assert_eq!(
            positions(&tenant(), &ranges, None),
            Some(vec![Position::Start, Position::Start])
        );
        let ours = BTreeMap::from([
            (
                "expired.gsi2pk".to_owned(),
                keys::requests_in(&tenant(), RequestStatus::Expired),
            ),
            ("expired.gsi2sk".to_owned(), "01J".to_owned()),
            ("lapsed".to_owned(), DONE.to_owned()),
        ]);
        let read = positions(&tenant(), &ranges, Some(PageCursor(ours.clone()))).unwrap();
        assert!(matches!(read[0], Position::After(_)));
        assert_eq!(read[1], Position::Done);
        let other = TenantId::parse("other").unwrap();
        assert_eq!(
            positions(&other, &ranges, Some(PageCursor(ours.clone()))),
            None
        );
        // A cursor of the verified listing is not one of the expired listing's.
        let verified = BTreeMap::from([("verified.gsi2sk".to_owned(), "01J".to_owned())]);
        assert_eq!(
            positions(&tenant(), &ranges, Some(PageCursor(verified))),
            None
        );
    }
}
