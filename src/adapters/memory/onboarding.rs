//! In-memory image store, URL fetcher, document reader and face matcher, each answering what
//! a test sets and recording what it was asked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::{Image, ImageFormat, ImageKey};
use crate::ports::{
    DocumentReader, FaceComparison, FaceError, FaceMatcher, ImageFetcher, ImageStore,
    PresignedUpload, ReadError, ReadField, ServiceError, ServiceErrorKind, StoredObject,
    UnusableUrl,
};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Images by key; `fail` makes every call a service error.
#[derive(Debug, Default)]
pub struct MemoryImageStore {
    images: Mutex<BTreeMap<ImageKey, Image>>,
    /// The keys stored as unused (not yet kept by [`ImageStore::keep_images`]).
    unused: Mutex<std::collections::BTreeSet<ImageKey>>,
    /// What clients uploaded through presigned forms: any bytes (S3 checks only the size).
    uploads: Mutex<BTreeMap<ImageKey, Vec<u8>>>,
    fail: Mutex<bool>,
}

impl MemoryImageStore {
    pub fn keys(&self) -> Vec<ImageKey> {
        lock(&self.images).keys().cloned().collect()
    }

    pub fn get(&self, key: &ImageKey) -> Option<Image> {
        lock(&self.images).get(key).cloned()
    }

    /// A client's upload through a presigned form, as S3 would store it.
    pub fn upload(&self, key: &ImageKey, bytes: &[u8]) {
        lock(&self.uploads).insert(key.clone(), bytes.to_vec());
        lock(&self.unused).insert(key.clone());
    }

    /// Whether an upload is still where the client put it.
    pub fn has_upload(&self, key: &ImageKey) -> bool {
        lock(&self.uploads).contains_key(key)
    }

    /// Whether the image is still stored as unused (the bucket would expire it).
    pub fn is_unused(&self, key: &ImageKey) -> bool {
        lock(&self.unused).contains(key)
    }

    pub fn set_failing(&self, fail: bool) {
        *lock(&self.fail) = fail;
    }

    fn check(&self) -> Result<(), ServiceError> {
        match *lock(&self.fail) {
            true => Err(ServiceError::new(
                "memory-s3",
                ServiceErrorKind::Unavailable,
                "switched to fail",
            )),
            false => Ok(()),
        }
    }
}

impl ImageStore for MemoryImageStore {
    async fn put_image(&self, key: &ImageKey, image: &Image) -> Result<(), ServiceError> {
        self.check()?;
        lock(&self.images).insert(key.clone(), image.clone());
        lock(&self.unused).insert(key.clone());
        Ok(())
    }

    async fn presigned_url(
        &self,
        key: &ImageKey,
        valid_for: Duration,
    ) -> Result<String, ServiceError> {
        self.check()?;
        Ok(format!("memory://{key}?expires-in={}", valid_for.as_secs()))
    }

    async fn delete_images(&self, keys: &[ImageKey]) -> Result<(), ServiceError> {
        self.check()?;
        let mut images = lock(&self.images);
        for key in keys {
            images.remove(key);
            lock(&self.unused).remove(key);
        }
        Ok(())
    }

    async fn presign_upload(
        &self,
        key: &ImageKey,
        format: ImageFormat,
        max_bytes: u64,
        valid_for: Duration,
        now: u64,
    ) -> Result<PresignedUpload, ServiceError> {
        self.check()?;
        Ok(PresignedUpload {
            url: "memory://uploads".into(),
            fields: vec![
                ("key".into(), key.to_string()),
                ("Content-Type".into(), format.content_type().into()),
                ("max".into(), max_bytes.to_string()),
                ("expires".into(), (now + valid_for.as_secs()).to_string()),
            ],
        })
    }

    async fn peek(
        &self,
        key: &ImageKey,
        head: usize,
    ) -> Result<Option<StoredObject>, ServiceError> {
        self.check()?;
        let bytes = match lock(&self.uploads).get(key) {
            Some(bytes) => bytes.clone(),
            None => match lock(&self.images).get(key) {
                Some(image) => image.bytes().to_vec(),
                None => return Ok(None),
            },
        };
        Ok(Some(StoredObject {
            size: bytes.len() as u64,
            head: bytes[..head.min(bytes.len())].to_vec(),
        }))
    }

    async fn move_image(
        &self,
        from: &ImageKey,
        to: &ImageKey,
        _format: ImageFormat,
    ) -> Result<(), ServiceError> {
        self.check()?;
        let bytes = lock(&self.uploads).remove(from).ok_or_else(|| {
            ServiceError::new("memory-s3", ServiceErrorKind::Rejected, "no such upload")
        })?;
        let image = Image::from_bytes(bytes).map_err(|_| {
            ServiceError::new("memory-s3", ServiceErrorKind::Rejected, "not an image")
        })?;
        lock(&self.images).insert(to.clone(), image);
        let mut unused = lock(&self.unused);
        unused.remove(from);
        unused.insert(to.clone());
        Ok(())
    }

    async fn keep_images(&self, prefix: &str) -> Result<(), ServiceError> {
        self.check()?;
        lock(&self.unused).retain(|key| !key.as_str().starts_with(prefix));
        Ok(())
    }
}

/// Serves the images a test registered by URL; any other URL is unusable.
#[derive(Debug, Default)]
pub struct MemoryFetcher {
    pages: Mutex<HashMap<String, Image>>,
}

impl MemoryFetcher {
    pub fn serve(&self, url: &str, image: Image) {
        lock(&self.pages).insert(url.to_owned(), image);
    }
}

impl ImageFetcher for MemoryFetcher {
    async fn fetch(&self, url: &str) -> Result<Image, UnusableUrl> {
        lock(&self.pages)
            .get(url)
            .cloned()
            .ok_or_else(|| UnusableUrl("not served".into()))
    }
}

/// Answers every read with what the test set (by default: no fields at all).
#[derive(Debug)]
pub struct MemoryDocumentReader {
    answer: Mutex<Result<Vec<ReadField>, ReadError>>,
    asked: Mutex<Vec<Vec<ImageKey>>>,
}

impl Default for MemoryDocumentReader {
    fn default() -> Self {
        Self {
            answer: Mutex::new(Ok(Vec::new())),
            asked: Mutex::new(Vec::new()),
        }
    }
}

impl MemoryDocumentReader {
    /// Answers with these (type, text, normalized) fields.
    pub fn answer_fields(&self, fields: &[(&str, &str, Option<&str>)]) {
        *lock(&self.answer) = Ok(fields
            .iter()
            .map(|(kind, text, normalized)| ReadField {
                kind: (*kind).to_owned(),
                text: (*text).to_owned(),
                normalized: normalized.map(str::to_owned),
            })
            .collect());
    }

    pub fn answer_error(&self, error: ReadError) {
        *lock(&self.answer) = Err(error);
    }

    /// The pages of every read, in order.
    pub fn asked(&self) -> Vec<Vec<ImageKey>> {
        lock(&self.asked).clone()
    }
}

impl DocumentReader for MemoryDocumentReader {
    async fn read_document(&self, pages: &[ImageKey]) -> Result<Vec<ReadField>, ReadError> {
        lock(&self.asked).push(pages.to_vec());
        lock(&self.answer).clone()
    }
}

/// Answers every comparison with what the test set (by default a 0.99 match).
#[derive(Debug)]
pub struct MemoryFaceMatcher {
    answer: Mutex<Result<FaceComparison, FaceError>>,
    asked: Mutex<Vec<(ImageKey, ImageKey, f64)>>,
}

impl Default for MemoryFaceMatcher {
    fn default() -> Self {
        Self {
            answer: Mutex::new(Ok(FaceComparison::Match { similarity: 0.99 })),
            asked: Mutex::new(Vec::new()),
        }
    }
}

impl MemoryFaceMatcher {
    pub fn answer(&self, answer: Result<FaceComparison, FaceError>) {
        *lock(&self.answer) = answer;
    }

    /// (selfie, document, threshold) of every comparison.
    pub fn asked(&self) -> Vec<(ImageKey, ImageKey, f64)> {
        lock(&self.asked).clone()
    }
}

impl FaceMatcher for MemoryFaceMatcher {
    async fn compare_faces(
        &self,
        selfie: &ImageKey,
        document: &ImageKey,
        threshold: f64,
    ) -> Result<FaceComparison, FaceError> {
        lock(&self.asked).push((selfie.clone(), document.clone(), threshold));
        lock(&self.answer).clone()
    }
}
