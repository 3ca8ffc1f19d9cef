//! The document reader over Amazon Textract `AnalyzeID`: front and back read in one call from
//! the image bucket, the fields flattened front first.

use aws_sdk_textract::types::{Document, S3Object};
use aws_sdk_textract::Client;

use super::sdk_error;
use crate::domain::ImageKey;
use crate::ports::{DocumentReader, ReadError, ReadField};

const SERVICE: &str = "textract";

#[derive(Clone, Debug)]
pub struct TextractReader {
    client: Client,
    bucket: String,
}

impl TextractReader {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

impl DocumentReader for TextractReader {
    async fn read_document(&self, pages: &[ImageKey]) -> Result<Vec<ReadField>, ReadError> {
        let documents = pages
            .iter()
            .map(|key| {
                let object = S3Object::builder()
                    .bucket(&self.bucket)
                    .name(key.as_str())
                    .build();
                Document::builder().s3_object(object).build()
            })
            .collect();
        let out = match self
            .client
            .analyze_id()
            .set_document_pages(Some(documents))
            .send()
            .await
        {
            Ok(out) => out,
            Err(err) => {
                // The images themselves are refused: a format, size or content Textract
                // cannot read. Anything else is a failure of ours or the service's.
                let unreadable = err.as_service_error().is_some_and(|e| {
                    e.is_unsupported_document_exception()
                        || e.is_bad_document_exception()
                        || e.is_document_too_large_exception()
                });
                return Err(match unreadable {
                    true => ReadError::Unreadable,
                    false => ReadError::Service(sdk_error(SERVICE, &err)),
                });
            }
        };
        let mut documents = out.identity_documents().to_vec();
        documents.sort_by_key(|d| d.document_index());
        Ok(documents
            .iter()
            .flat_map(|d| d.identity_document_fields())
            .filter_map(|field| {
                let kind = field.r#type()?.text().to_owned();
                let value = field.value_detection()?;
                Some(ReadField {
                    kind,
                    text: value.text().to_owned(),
                    normalized: value
                        .normalized_value()
                        .and_then(|v| v.value())
                        .map(str::to_owned),
                })
            })
            .collect())
    }
}
