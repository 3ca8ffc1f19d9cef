//! The face matcher over Amazon Rekognition: `CompareFaces` (source: the selfie, target: the
//! document's front) from the image bucket; when it finds no face (it answers
//! `InvalidParameterException`), `DetectFaces` on the selfie tells which image had none.

use aws_sdk_rekognition::types::{Image, S3Object};
use aws_sdk_rekognition::Client;

use super::{sdk_error, OrServiceError};
use crate::domain::ImageKey;
use crate::ports::{FaceComparison, FaceError, FaceMatcher};

const SERVICE: &str = "rekognition";

#[derive(Clone, Debug)]
pub struct RekognitionMatcher {
    client: Client,
    bucket: String,
}

impl RekognitionMatcher {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    fn image(&self, key: &ImageKey) -> Image {
        let object = S3Object::builder()
            .bucket(&self.bucket)
            .name(key.as_str())
            .build();
        Image::builder().s3_object(object).build()
    }
}

impl FaceMatcher for RekognitionMatcher {
    async fn compare_faces(
        &self,
        selfie: &ImageKey,
        document: &ImageKey,
        threshold: f64,
    ) -> Result<FaceComparison, FaceError> {
        let out = self
            .client
            .compare_faces()
            .source_image(self.image(selfie))
            .target_image(self.image(document))
            .similarity_threshold((threshold * 100.0) as f32)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(err) => {
                let service = err.as_service_error();
                if service.is_some_and(|e| e.is_invalid_parameter_exception()) {
                    return self.which_has_no_face(selfie).await;
                }
                if service.is_some_and(|e| {
                    e.is_invalid_image_format_exception() || e.is_image_too_large_exception()
                }) {
                    return Err(FaceError::Unreadable);
                }
                return Err(FaceError::Service(sdk_error(SERVICE, &err)));
            }
        };
        let best = out
            .face_matches()
            .iter()
            .filter_map(|m| m.similarity())
            .fold(None, |best: Option<f32>, s| {
                Some(best.map_or(s, |b| b.max(s)))
            });
        Ok(match best {
            // The service's percentage has two decimals; the score keeps them (0.9912), not the
            // f32's binary noise.
            Some(similarity) => FaceComparison::Match {
                similarity: ((f64::from(similarity) * 100.0).round() / 10_000.0).clamp(0.0, 1.0),
            },
            None if out.source_image_face().is_none() => FaceComparison::NoFaceInSelfie,
            None if out.unmatched_faces().is_empty() => FaceComparison::NoFaceOnDocument,
            None => FaceComparison::NoMatch,
        })
    }
}

impl RekognitionMatcher {
    async fn which_has_no_face(&self, selfie: &ImageKey) -> Result<FaceComparison, FaceError> {
        let faces = self
            .client
            .detect_faces()
            .image(self.image(selfie))
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(match faces.face_details().is_empty() {
            true => FaceComparison::NoFaceInSelfie,
            false => FaceComparison::NoFaceOnDocument,
        })
    }
}
