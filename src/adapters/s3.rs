//! The image store over Amazon S3: `PutObject` into the stack's private bucket (tagged unused
//! until a request names the document: `ListObjectsV2` + `DeleteObjectTagging` then), presigned
//! `GetObject` URLs for reads, `DeleteObjects` for erasure.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use aws_sdk_s3::Client;

use super::OrServiceError;
use crate::domain::{Image, ImageKey};
use crate::ports::{ImageStore, ServiceError, ServiceErrorKind};

const SERVICE: &str = "s3";
/// The tag every image is stored with until a request names its document: the bucket's
/// lifecycle rule (infra/) expires objects carrying it after `RETENTION_DAYS`, as DynamoDB's
/// TTL does the unused document record.
pub const UNUSED_TAG: (&str, &str) = ("ekyc-retention", "unused");
/// `DeleteObjects` takes at most 1000 keys a call.
const DELETE_BATCH: usize = 1000;

#[derive(Clone, Debug)]
pub struct S3ImageStore {
    client: Client,
    bucket: String,
}

/// An S3 client; path-style addressing when an endpoint override is set (a local stand-in has
/// no per-bucket host names).
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(
            sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some(),
        )
        .build();
    Client::from_conf(config)
}

impl S3ImageStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket if missing (local runs and tests; in AWS, infra/ makes it).
    pub async fn ensure_bucket(&self) -> Result<(), ServiceError> {
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err)
                if err.as_service_error().is_some_and(|e| {
                    e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()
                }) =>
            {
                Ok(())
            }
            Err(err) => Err(super::sdk_error(SERVICE, &err)),
        }
    }
}

impl ImageStore for S3ImageStore {
    async fn put_image(&self, key: &ImageKey, image: &Image) -> Result<(), ServiceError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(image.format().content_type())
            .tagging(format!("{}={}", UNUSED_TAG.0, UNUSED_TAG.1))
            .body(ByteStream::from(image.bytes().to_vec()))
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }

    async fn presigned_url(
        &self,
        key: &ImageKey,
        valid_for: Duration,
    ) -> Result<String, ServiceError> {
        let config = PresigningConfig::expires_in(valid_for).map_err(|e| {
            ServiceError::new(
                SERVICE,
                ServiceErrorKind::Rejected,
                format!("presigning: {e}"),
            )
        })?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(config)
            .await
            .or_service(SERVICE)?;
        Ok(request.uri().to_owned())
    }

    async fn keep_images(&self, prefix: &str) -> Result<(), ServiceError> {
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .or_service(SERVICE)?;
            let untagged = page.contents().iter().filter_map(|o| o.key()).map(|key| {
                self.client
                    .delete_object_tagging()
                    .bucket(&self.bucket)
                    .key(key)
                    .send()
            });
            for outcome in futures::future::join_all(untagged).await {
                outcome.or_service(SERVICE)?;
            }
            token = page.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                return Ok(());
            }
        }
    }

    async fn delete_images(&self, keys: &[ImageKey]) -> Result<(), ServiceError> {
        for batch in keys.chunks(DELETE_BATCH) {
            let objects = batch
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k.as_str()).build())
                .collect::<Result<Vec<_>, _>>()
                .or_service(SERVICE)?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .or_service(SERVICE)?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .or_service(SERVICE)?;
            if let Some(error) = out.errors().first() {
                return Err(ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::Rejected,
                    format!(
                        "{} of the objects not deleted ({})",
                        out.errors().len(),
                        error.code().unwrap_or("without a code")
                    ),
                ));
            }
        }
        Ok(())
    }
}
