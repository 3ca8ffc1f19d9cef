use super::*;
use crate::adapters::memory::{MemoryFaceMatcher, MemoryFetcher, MemoryImageStore, MemoryStore};
use crate::domain::{DocumentIdentification, Image, ImageFormat};
use crate::ports::ServiceErrorKind;

const PNG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.png");
const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");

#[derive(Default)]
struct World {
    images: MemoryImageStore,
    fetcher: MemoryFetcher,
    matcher: MemoryFaceMatcher,
    store: MemoryStore,
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn doc_id() -> DocumentId {
    DocumentId::parse("doc-1").unwrap()
}

fn front_key() -> ImageKey {
    ImageKey::new(&tenant(), &doc_id(), ImageSide::Front, ImageFormat::Jpeg)
}

fn record(front: Option<String>) -> DocumentIdentification {
    let mut doc: DocumentIdentification =
        serde_json::from_str(include_str!("../../events/document.json")).unwrap();
    doc.id_front_image = front;
    doc.face_image = None;
    doc.face_match = None;
    doc
}

fn selfie() -> ImageInput {
    ImageInput::Inline(Image::from_bytes(JPEG.to_vec()).unwrap())
}

impl World {
    fn with_document() -> Self {
        let world = Self::default();
        world
            .store
            .insert_document(&tenant(), &doc_id(), record(Some(front_key().to_string())));
        world
    }

    async fn run(&self, tenant: &TenantId, face: ImageInput) -> Result<f64, FaceAuthError> {
        authenticate_face(
            &self.images,
            &self.fetcher,
            &self.matcher,
            &self.store,
            tenant,
            &doc_id(),
            face,
            0.8,
        )
        .await
    }

    async fn document(&self) -> DocumentIdentification {
        self.store
            .get_document(&tenant(), &doc_id())
            .await
            .unwrap()
            .unwrap()
    }
}

#[tokio::test]
async fn a_match_records_the_score_and_the_selfie_on_the_document() {
    let world = World::with_document();
    world
        .matcher
        .answer(Ok(FaceComparison::Match { similarity: 0.9912 }));
    assert_eq!(world.run(&tenant(), selfie()).await, Ok(0.9912));
    let selfie_key = ImageKey::new(&tenant(), &doc_id(), ImageSide::Face, ImageFormat::Jpeg);
    assert_eq!(
        world.matcher.asked(),
        [(selfie_key.clone(), front_key(), 0.8)]
    );
    let doc = world.document().await;
    assert_eq!(doc.face_match, Some(0.9912));
    assert_eq!(doc.face_image, Some(selfie_key.to_string()));
    assert!(world.images.get(&selfie_key).is_some());
}

#[tokio::test]
async fn an_unknown_or_foreign_document_is_no_document_and_nothing_is_stored() {
    let world = World::with_document();
    let other = TenantId::parse("other").unwrap();
    assert_eq!(
        world.run(&other, selfie()).await,
        Err(FaceAuthError::NoDocument)
    );
    let empty = World::default();
    assert_eq!(
        empty.run(&tenant(), selfie()).await,
        Err(FaceAuthError::NoDocument)
    );
    assert!(world.images.keys().is_empty());
    assert!(world.matcher.asked().is_empty());
}

#[tokio::test]
async fn refusals_keep_neither_the_selfie_nor_a_score() {
    for (answer, expected) in [
        (Ok(FaceComparison::NoMatch), FaceAuthError::NoMatch),
        (
            Ok(FaceComparison::NoFaceInSelfie),
            FaceAuthError::NoFaceInSelfie,
        ),
        (
            Ok(FaceComparison::NoFaceOnDocument),
            FaceAuthError::NoFaceOnDocument,
        ),
        (Err(FaceError::Unreadable), FaceAuthError::InvalidImage),
    ] {
        let world = World::with_document();
        world.matcher.answer(answer);
        assert_eq!(world.run(&tenant(), selfie()).await, Err(expected));
        assert!(world.images.keys().is_empty());
        assert_eq!(world.document().await.face_match, None);
    }
    let world = World::with_document();
    world
        .matcher
        .answer(Err(FaceError::Service(ServiceError::new(
            "rekognition",
            ServiceErrorKind::Unavailable,
            "InternalServerError",
        ))));
    assert!(matches!(
        world.run(&tenant(), selfie()).await,
        Err(FaceAuthError::Service(_))
    ));
}

#[tokio::test]
async fn a_record_without_a_stored_front_image_cannot_be_compared() {
    let world = World::default();
    world.store.insert_document(
        &tenant(),
        &doc_id(),
        record(Some("s3://ekyc-demo-captures/jane/front.jpg".into())),
    );
    assert_eq!(
        world.run(&tenant(), selfie()).await,
        Err(FaceAuthError::NoDocumentImage)
    );
}

#[tokio::test]
async fn an_unusable_face_url_is_an_invalid_image() {
    let world = World::with_document();
    assert_eq!(
        world
            .run(
                &tenant(),
                ImageInput::Url("https://img.example/x.png".into())
            )
            .await,
        Err(FaceAuthError::InvalidImage)
    );
    world.fetcher.serve(
        "https://img.example/me.png",
        Image::from_bytes(PNG.to_vec()).unwrap(),
    );
    assert!(world
        .run(
            &tenant(),
            ImageInput::Url("https://img.example/me.png".into())
        )
        .await
        .is_ok());
}
