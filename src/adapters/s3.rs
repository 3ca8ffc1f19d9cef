//! The image store over Amazon S3: `PutObject` into the stack's private bucket (tagged unused
//! until a request names the document: `ListObjectsV2` + `DeleteObjectTagging` then), presigned
//! `GetObject` URLs for reads, `DeleteObjects` for erasure.

use std::time::Duration;

use aws_sdk_s3::config::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier, TaggingDirective};
use aws_sdk_s3::Client;

use super::s3_post::{self, PostPolicy, Signer};
use super::OrServiceError;
use crate::domain::{Image, ImageFormat, ImageKey};
use crate::ports::{ImageStore, PresignedUpload, ServiceError, ServiceErrorKind, StoredObject};

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
    uploads: Option<UploadSigning>,
}

/// What signing upload forms needs beside the client: where they post to, and the credentials
/// and region of the SDK configuration (the client's own are not readable).
#[derive(Clone, Debug)]
pub struct UploadSigning {
    url: String,
    credentials: SharedCredentialsProvider,
    region: String,
}

impl UploadSigning {
    /// From the functions' SDK configuration: the bucket's URL is path-style under an endpoint
    /// override (a local stand-in has no per-bucket host names), else the bucket's
    /// virtual-hosted regional endpoint. `None` without credentials.
    pub fn new(sdk: &aws_config::SdkConfig, bucket: &str) -> Option<Self> {
        let region = sdk.region().map(|r| r.as_ref()).unwrap_or("us-east-1");
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|e| !e.is_empty())
            .or_else(|| sdk.endpoint_url().map(str::to_owned));
        let url = match endpoint {
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        Some(Self {
            url,
            credentials: sdk.credentials_provider()?,
            region: region.to_owned(),
        })
    }
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
    /// `uploads`: how to sign upload forms (`None`: `presign_upload` fails).
    pub fn new(client: Client, bucket: impl Into<String>, uploads: Option<UploadSigning>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            uploads,
        }
    }

    fn unused_tagging() -> String {
        format!("{}={}", UNUSED_TAG.0, UNUSED_TAG.1)
    }

    /// How to sign upload forms, and the credentials to sign one with now.
    async fn signing(&self) -> Result<(&UploadSigning, Credentials), ServiceError> {
        let signing = self.uploads.as_ref().ok_or_else(|| {
            ServiceError::new(
                SERVICE,
                ServiceErrorKind::Rejected,
                "no credentials to sign with",
            )
        })?;
        let credentials = signing
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| {
                ServiceError::new(
                    SERVICE,
                    ServiceErrorKind::Unavailable,
                    format!("credentials: {e}"),
                )
            })?;
        Ok((signing, credentials))
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
            .tagging(Self::unused_tagging())
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

    async fn presign_upload(
        &self,
        key: &ImageKey,
        format: ImageFormat,
        max_bytes: u64,
        valid_for: Duration,
        now: u64,
    ) -> Result<PresignedUpload, ServiceError> {
        let (signing, credentials) = self.signing().await?;
        let signer = Signer {
            access_key_id: credentials.access_key_id(),
            secret_access_key: credentials.secret_access_key(),
            session_token: credentials.session_token(),
            region: &signing.region,
        };
        let tagging = s3_post::tagging_xml(UNUSED_TAG.0, UNUSED_TAG.1);
        let policy = PostPolicy {
            bucket: &self.bucket,
            key: key.as_str(),
            content_type: format.content_type(),
            max_bytes,
            tagging: Some(&tagging),
            expires_at: now + valid_for.as_secs(),
        };
        Ok(PresignedUpload {
            url: signing.url.clone(),
            fields: s3_post::form_fields(&policy, &signer, now),
        })
    }

    async fn peek(
        &self,
        key: &ImageKey,
        head: usize,
    ) -> Result<Option<StoredObject>, ServiceError> {
        let read = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .range(format!("bytes=0-{}", head.max(1) - 1))
            .send()
            .await;
        let out = match read {
            Ok(out) => out,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None)
            }
            // An empty object has no byte 0.
            Err(err)
                if err.as_service_error().and_then(|e| e.meta().code()) == Some("InvalidRange") =>
            {
                return Ok(Some(StoredObject {
                    size: 0,
                    head: vec![],
                }))
            }
            Err(err) => return Err(super::sdk_error(SERVICE, &err)),
        };
        // `bytes 0-15/12345`: the whole object's size is after the slash.
        let size = out
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|total| total.parse().ok())
            .or_else(|| out.content_length().and_then(|n| u64::try_from(n).ok()))
            .unwrap_or(0);
        let bytes = out.body.collect().await.map_err(|e| {
            ServiceError::new(
                SERVICE,
                ServiceErrorKind::Unavailable,
                format!("reading: {e}"),
            )
        })?;
        let mut bytes = bytes.into_bytes().to_vec();
        bytes.truncate(head);
        Ok(Some(StoredObject { size, head: bytes }))
    }

    async fn move_image(
        &self,
        from: &ImageKey,
        to: &ImageKey,
        format: ImageFormat,
    ) -> Result<(), ServiceError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{}", self.bucket, from.as_str()))
            .key(to.as_str())
            .metadata_directive(MetadataDirective::Replace)
            .content_type(format.content_type())
            .tagging_directive(TaggingDirective::Replace)
            .tagging(Self::unused_tagging())
            .send()
            .await
            .or_service(SERVICE)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(from.as_str())
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
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
