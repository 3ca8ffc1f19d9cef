//! Issue 11 §7, load with uniqueness: 200 creates over 20 emails and 20 phone numbers from
//! concurrent clients (each its own handler and SDK clients, as separate Lambda instances would
//! be) against DynamoDB Local. Exactly one create per email and phone wins; every other is a
//! 409, never a 5xx; and the table holds exactly one reservation per winner's email and phone.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::scan::{request_ids, reservations};
use crate::support::*;

const PEOPLE: usize = 20;
const CLIENTS: usize = 10;
const CREATES: usize = 200;

/// The email of person `k`, written as the `n`th create spells it: the uniqueness key is the
/// lower-cased address, so every spelling contends for the same reservation.
fn email(base: &str, k: usize, n: usize) -> String {
    let local = format!("load{k}.{base}");
    match n % 3 {
        0 => format!("{local}@example.com"),
        1 => format!("{}@Example.COM", local.to_uppercase()),
        _ => format!("{local}@EXAMPLE.com"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_creates_over_twenty_people_give_one_201_each() {
    let t = Arc::new(Tenant::new().await);
    let connect = connect_stand_in(200).await;
    let base = ulid::Ulid::new().to_string().to_lowercase();
    let offset = (ulid::Ulid::new().random() % 9_000) as u32;
    let phones: Vec<String> = (0..PEOPLE).map(|k| phone(offset + k as u32)).collect();

    // Create n goes to person n % 20; client c sends creates c, c + 10, ... one after another,
    // so every person is contended by several clients at once.
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let app = Tenant::app(&connect).await;
        let (t, base, phones) = (t.clone(), base.clone(), phones.clone());
        clients.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            for n in (c..CREATES).step_by(CLIENTS) {
                let k = n % PEOPLE;
                let body = t.create_body(&email(&base, k, n), &phones[k]);
                let response = handle(&app, post_create(&t.key, &body)).await;
                answered.push((k, response.status().as_u16(), body_json(&response)));
            }
            (app, answered)
        }));
    }
    let mut answers = Vec::new();
    let mut apps = Vec::new();
    for client in clients {
        let (app, answered) = client.await.expect("a client panicked");
        answers.extend(answered);
        apps.push(app);
    }
    assert_eq!(answers.len(), CREATES);

    let mut winners: HashMap<usize, String> = HashMap::new();
    for (k, status, body) in &answers {
        match status {
            201 => {
                let id = body["id"].as_str().unwrap().to_owned();
                let earlier = winners.insert(*k, id);
                assert!(earlier.is_none(), "person {k} won twice");
            }
            409 => assert!(
                !body["fields"].as_array().unwrap().is_empty(),
                "a 409 names the taken fields: {body}"
            ),
            other => panic!("create answered {other}: {body}"),
        }
    }
    assert_eq!(
        winners.len(),
        PEOPLE,
        "exactly one 201 per email and per phone"
    );

    // The table: the winners' requests and exactly one reservation per email and per phone,
    // each held by its winner.
    let ids: HashSet<String> = winners.values().cloned().collect();
    let stored: HashSet<String> = request_ids(&t.tenant).await.into_iter().collect();
    assert_eq!(stored, ids, "only the winners' requests are stored");
    let held = reservations(&t.tenant).await;
    assert_eq!(held.len(), 2 * PEOPLE, "{held:?}");
    let mut per_winner: HashMap<&str, usize> = HashMap::new();
    for (_, holder) in &held {
        assert!(
            ids.contains(holder),
            "a reservation held by a loser: {holder}"
        );
        *per_winner.entry(holder.as_str()).or_default() += 1;
    }
    assert!(per_winner.values().all(|n| *n == 2), "{per_winner:?}");
    // Each client's queue holds the calls of its winners only: the dialer places one each.
    let mut dialled = 0;
    for app in &apps {
        dialled += dial(app, &connect).await;
    }
    assert_eq!(dialled, PEOPLE, "one call per winner");
    assert_eq!(calls_received(&connect).await.len(), PEOPLE);
}
