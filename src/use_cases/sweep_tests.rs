//! The TTL sweeper over the in-memory store (whose `remove_by_ttl` removes a request as
//! DynamoDB's TTL does: no count moves) and image store.

use super::*;
use crate::adapters::memory::{MemoryImageStore, MemoryStore, Op};
use crate::domain::stats::{StatusCounts, Window};
use crate::domain::{
    DocumentId, DocumentIdentification, Email, Image, ImageFormat, ImageKey, ImageSide,
    NewKycRequest, Otp, OtpHasher, PhoneNumber, RequestId, RequestStatus, TenantId,
};
use crate::ports::{RequestStore, StatsStore};

pub(crate) const NOW: u64 = 1_795_780_800;
const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

/// A document record with its front and face images.
async fn document(store: &MemoryStore, images: &MemoryImageStore, id: &str) -> DocumentId {
    let id = DocumentId::parse(id).unwrap();
    let record: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    store.insert_document(&tenant(), &id, record);
    for side in [ImageSide::Front, ImageSide::Face] {
        let key = ImageKey::new(&tenant(), &id, side, ImageFormat::Jpeg);
        let image = Image::from_bytes(JPEG.to_vec()).unwrap();
        images.put_image(&key, &image).await.unwrap();
    }
    id
}

/// A pending request naming `document`, its code long run out (the sweeper's edge tests use
/// it too).
pub(crate) async fn request(store: &MemoryStore, document: &DocumentId, i: u32) -> RequestId {
    let id = RequestId::generate();
    let request = NewKycRequest {
        id,
        tenant: tenant(),
        email: Email::parse(&format!("u{i}@example.com")).unwrap(),
        phone: PhoneNumber::parse(&format!("+1415555{:04}", 100 + i)).unwrap(),
        document_id: document.clone(),
        otp_hash: OtpHasher::new(&[1u8; 32])
            .unwrap()
            .hash(&id, &Otp::generate()),
        created_at: NOW - 90_000,
        otp_expires_at: NOW - 89_400,
        max_attempts: 3,
        creates_per_minute: None,
        call_scheduled_at: None,
    };
    store.create_request(&request).await.unwrap();
    id
}

async fn current(store: &MemoryStore) -> StatusCounts {
    let window = Window::last(7, NOW);
    store.stats(&tenant(), window, NOW).await.unwrap().current
}

fn images_of(images: &MemoryImageStore, document: &DocumentId) -> usize {
    let prefix = ImageKey::document_prefix(&tenant(), document);
    let keys = images.keys();
    keys.iter()
        .filter(|k| k.as_str().starts_with(&prefix))
        .count()
}

#[tokio::test]
async fn a_ttl_removal_is_counted_and_the_document_no_request_names_goes_with_its_images() {
    let (store, images) = (MemoryStore::default(), MemoryImageStore::default());
    let doc = document(&store, &images, "doc-1").await;
    let id = request(&store, &doc, 1).await;
    let removed = store.remove_by_ttl(&tenant(), &id).unwrap();
    assert_eq!(
        (removed.status, &removed.document_id),
        (RequestStatus::Pending, &doc)
    );
    // As DynamoDB's TTL leaves it: the counts still hold the request, the record its count.
    assert_eq!(current(&store).await.pending, 1);
    assert_eq!(store.document_refs(&tenant(), &doc), Some(1));
    assert_eq!(images_of(&images, &doc), 2);

    let swept = sweep(&store, &images, &removed, NOW).await.unwrap();

    assert_eq!(
        swept,
        Swept {
            counted: true,
            erased: Some(doc.clone())
        }
    );
    assert_eq!(current(&store).await, StatusCounts::default());
    assert_eq!(store.document_refs(&tenant(), &doc), None, "record erased");
    assert_eq!(images_of(&images, &doc), 0, "images erased");
}

#[tokio::test]
async fn a_replayed_removal_changes_nothing() {
    let (store, images) = (MemoryStore::default(), MemoryImageStore::default());
    let doc = document(&store, &images, "doc-1").await;
    let first = request(&store, &doc, 1).await;
    let _second = request(&store, &doc, 2).await;
    let removed = store.remove_by_ttl(&tenant(), &first).unwrap();
    let swept = sweep(&store, &images, &removed, NOW).await.unwrap();
    assert_eq!((swept.counted, swept.erased), (true, None));
    let (counts, refs) = (current(&store).await, store.document_refs(&tenant(), &doc));
    assert_eq!((counts.pending, refs), (1, Some(1)));

    for _ in 0..3 {
        let again = sweep(&store, &images, &removed, NOW).await.unwrap();
        assert_eq!((again.counted, again.erased), (false, None));
    }

    assert_eq!(current(&store).await, counts);
    assert_eq!(store.document_refs(&tenant(), &doc), refs);
    assert_eq!(images_of(&images, &doc), 2);
}

#[tokio::test]
async fn a_document_another_request_still_names_is_kept_until_that_one_goes() {
    let (store, images) = (MemoryStore::default(), MemoryImageStore::default());
    let doc = document(&store, &images, "doc-1").await;
    let (first, second) = (
        request(&store, &doc, 1).await,
        request(&store, &doc, 2).await,
    );
    let removed = store.remove_by_ttl(&tenant(), &first).unwrap();
    let swept = sweep(&store, &images, &removed, NOW).await.unwrap();
    assert_eq!(swept.erased, None);
    assert_eq!(store.document_refs(&tenant(), &doc), Some(1));
    assert_eq!(images_of(&images, &doc), 2);

    let removed = store.remove_by_ttl(&tenant(), &second).unwrap();
    let swept = sweep(&store, &images, &removed, NOW).await.unwrap();
    assert_eq!(swept.erased, Some(doc.clone()));
    assert_eq!(images_of(&images, &doc), 0);
    assert_eq!(current(&store).await, StatusCounts::default());
}

#[tokio::test]
async fn a_removal_whose_document_is_gone_is_still_counted() {
    let (store, images) = (MemoryStore::default(), MemoryImageStore::default());
    let doc = document(&store, &images, "doc-1").await;
    let id = request(&store, &doc, 1).await;
    let mut removed = store.remove_by_ttl(&tenant(), &id).unwrap();
    removed.document_id = DocumentId::parse("doc-gone").unwrap();
    let swept = sweep(&store, &images, &removed, NOW).await.unwrap();
    assert_eq!((swept.counted, swept.erased), (true, None));
    assert_eq!(current(&store).await, StatusCounts::default());
    assert_eq!(store.document_refs(&tenant(), &doc), Some(1), "untouched");
}

#[tokio::test]
async fn a_failed_count_is_an_error_and_its_redelivery_counts_once() {
    let (store, images) = (MemoryStore::default(), MemoryImageStore::default());
    let doc = document(&store, &images, "doc-1").await;
    let id = request(&store, &doc, 1).await;
    let removed = store.remove_by_ttl(&tenant(), &id).unwrap();
    store.fail_next(Op::Sweep, 1);
    assert!(sweep(&store, &images, &removed, NOW).await.is_err());
    assert_eq!(current(&store).await.pending, 1, "nothing counted");

    let swept = sweep(&store, &images, &removed, NOW).await.unwrap();
    assert_eq!(swept.erased, Some(doc));
    let again = sweep(&store, &images, &removed, NOW).await.unwrap();
    assert!(!again.counted);
    assert_eq!(current(&store).await, StatusCounts::default());
}
