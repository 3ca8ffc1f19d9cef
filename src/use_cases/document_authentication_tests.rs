use super::*;
use crate::adapters::memory::{MemoryDocumentReader, MemoryFetcher, MemoryImageStore, MemoryStore};
use crate::ports::ServiceErrorKind;

const PNG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.png");
const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");
const PASSPORT: &str = include_str!("../../tests/fixtures/textract/analyze-id-passport.json");
const NOT_AN_ID: &str = include_str!("../../tests/fixtures/textract/analyze-id-not-an-id.json");

#[derive(Default)]
struct World {
    images: MemoryImageStore,
    fetcher: MemoryFetcher,
    reader: MemoryDocumentReader,
    store: MemoryStore,
}

/// The (type, text, normalized) fields of an AnalyzeID fixture.
fn fixture_fields(json: &str) -> Vec<(String, String, Option<String>)> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["IdentityDocuments"][0]["IdentityDocumentFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["Type"]["Text"].as_str().unwrap().to_owned(),
                f["ValueDetection"]["Text"].as_str().unwrap().to_owned(),
                f["ValueDetection"]["NormalizedValue"]["Value"]
                    .as_str()
                    .map(str::to_owned),
            )
        })
        .collect()
}

impl World {
    fn reads(&self, json: &str) {
        let fields = fixture_fields(json);
        let borrowed: Vec<(&str, &str, Option<&str>)> = fields
            .iter()
            .map(|(k, t, n)| (k.as_str(), t.as_str(), n.as_deref()))
            .collect();
        self.reader.answer_fields(&borrowed);
    }

    async fn run(&self, input: DocumentImages) -> Result<AuthenticatedDocument, DocumentError> {
        authenticate_document(
            &self.images,
            &self.fetcher,
            &self.reader,
            &self.store,
            &tenant(),
            input,
            // 2026-11-27T12:00:00Z
            1_795_780_800,
        )
        .await
    }
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn inline(bytes: &[u8]) -> ImageInput {
    ImageInput::Inline(Image::from_bytes(bytes.to_vec()).unwrap())
}

fn front_only(front: ImageInput) -> DocumentImages {
    DocumentImages {
        front,
        back: None,
        side: None,
    }
}

#[tokio::test]
async fn a_recognised_document_is_stored_read_and_recorded() {
    let world = World::default();
    world.reads(PASSPORT);
    let done = world
        .run(DocumentImages {
            front: inline(JPEG),
            back: Some(inline(PNG)),
            side: Some(inline(PNG)),
        })
        .await
        .unwrap();
    let info = &done.document.id_information;
    assert_eq!(info.document_number.as_deref(), Some("X123456789"));
    assert_eq!(info.age, Some(34));
    let prefix = format!("tenants/acme/documents/{}/", done.id);
    let front = format!("{prefix}front.jpg");
    assert_eq!(
        done.document.id_front_image.as_deref(),
        Some(front.as_str())
    );
    assert_eq!(
        done.document.id_back_image,
        Some(format!("{prefix}back.png"))
    );
    assert_eq!(
        done.document.id_side_image,
        Some(format!("{prefix}side.png"))
    );
    assert_eq!(world.images.keys().len(), 3);
    // Front and back are read together; the side image is only stored.
    let asked = world.reader.asked();
    assert_eq!(asked.len(), 1);
    let pages: Vec<String> = asked[0].iter().map(ToString::to_string).collect();
    assert_eq!(pages, [front, format!("{prefix}back.png")]);
    let stored = world.store.get_document(&tenant(), &done.id).await.unwrap();
    assert_eq!(stored, Some(done.document));
}

#[tokio::test]
async fn an_image_url_is_fetched() {
    let world = World::default();
    world.reads(PASSPORT);
    world.fetcher.serve(
        "https://img.example/front.png",
        Image::from_bytes(PNG.to_vec()).unwrap(),
    );
    let done = world
        .run(front_only(ImageInput::Url(
            "https://img.example/front.png".into(),
        )))
        .await
        .unwrap();
    let key =
        ImageKey::stored(&tenant(), done.document.id_front_image.as_deref().unwrap()).unwrap();
    assert_eq!(world.images.get(&key).unwrap().bytes(), PNG);
}

#[tokio::test]
async fn an_unusable_url_names_its_side_and_nothing_is_stored_or_read() {
    let world = World::default();
    world.reads(PASSPORT);
    let err = world
        .run(front_only(ImageInput::Url(
            "https://img.example/missing.png".into(),
        )))
        .await;
    assert_eq!(err, Err(DocumentError::InvalidImage(ImageSide::Front)));
    let err = world
        .run(DocumentImages {
            front: inline(JPEG),
            back: Some(ImageInput::Url("https://img.example/missing.png".into())),
            side: None,
        })
        .await;
    assert_eq!(err, Err(DocumentError::InvalidImage(ImageSide::Back)));
    assert!(world.images.keys().is_empty());
    assert!(world.reader.asked().is_empty());
}

#[tokio::test]
async fn an_unrecognised_document_keeps_nothing() {
    let world = World::default();
    world.reads(NOT_AN_ID);
    assert_eq!(
        world.run(front_only(inline(JPEG))).await,
        Err(DocumentError::NotRecognized)
    );
    world.reader.answer_error(ReadError::Unreadable);
    assert_eq!(
        world.run(front_only(inline(JPEG))).await,
        Err(DocumentError::NotRecognized)
    );
    assert_eq!(world.reader.asked().len(), 2);
    assert!(
        world.images.keys().is_empty(),
        "images of a refused document are deleted"
    );
}

#[tokio::test]
async fn a_document_number_without_four_digits_is_not_recognised() {
    let world = World::default();
    world.reader.answer_fields(&[
        ("ID_TYPE", "PASSPORT", None),
        ("DOCUMENT_NUMBER", "AB1", None),
        ("LAST_NAME", "DOE", None),
    ]);
    assert_eq!(
        world.run(front_only(inline(JPEG))).await,
        Err(DocumentError::NotRecognized)
    );
    assert!(world.images.keys().is_empty());
}

#[tokio::test]
async fn service_failures_are_service_errors_and_keep_nothing() {
    let world = World::default();
    world
        .reader
        .answer_error(ReadError::Service(ServiceError::new(
            "textract",
            ServiceErrorKind::Throttled,
            "ProvisionedThroughputExceededException",
        )));
    let err = world.run(front_only(inline(JPEG))).await.unwrap_err();
    assert!(matches!(err, DocumentError::Service(ref e) if e.kind == ServiceErrorKind::Throttled));
    assert!(world.images.keys().is_empty());

    let world = World::default();
    world.reads(PASSPORT);
    world.images.set_failing(true);
    let err = world.run(front_only(inline(JPEG))).await.unwrap_err();
    assert!(matches!(err, DocumentError::Service(_)));
    assert!(world.reader.asked().is_empty());
}
