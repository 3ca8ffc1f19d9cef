//! The captured images of an onboarding: which side of the document (or the face) an image is,
//! and the tenant-scoped key it is stored under.

use std::fmt;

use super::{DocumentId, ImageFormat, TenantId};

/// What an image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageSide {
    Front,
    Back,
    Side,
    Face,
}

impl ImageSide {
    pub const ALL: [ImageSide; 4] = [Self::Front, Self::Back, Self::Side, Self::Face];

    /// The name in the published errors and in storage keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Front => "front",
            Self::Back => "back",
            Self::Side => "side",
            Self::Face => "face",
        }
    }

    /// The request field that carries it.
    pub fn field(self) -> &'static str {
        match self {
            Self::Front => "frontImage",
            Self::Back => "backImage",
            Self::Side => "sideImage",
            Self::Face => "faceImage",
        }
    }
}

/// Where one image of a document record is stored: `tenants/<tenant>/documents/<document>/
/// <side>.<png|jpg>`. Every part is from a restricted alphabet (tenant and document ids are
/// letters, digits, `-`, `_`), so a key can never reach outside its tenant's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageKey(String);

impl ImageKey {
    pub fn new(
        tenant: &TenantId,
        document: &DocumentId,
        side: ImageSide,
        format: ImageFormat,
    ) -> Self {
        Self(format!(
            "{}{}.{}",
            Self::document_prefix(tenant, document),
            side.as_str(),
            format.extension()
        ))
    }

    /// The prefix of every image of one document record.
    pub fn document_prefix(tenant: &TenantId, document: &DocumentId) -> String {
        format!("{}documents/{document}/", Self::tenant_prefix(tenant))
    }

    /// Where an upload through a presigned POST lands: `tenants/<tenant>/uploads/<ref>`. The
    /// tenant comes from the caller's key, never from the reference, so a reference can only
    /// name an object of the caller's own tenant.
    pub fn upload(tenant: &TenantId, upload: &UploadRef) -> Self {
        Self(format!(
            "{}uploads/{}",
            Self::tenant_prefix(tenant),
            upload.0
        ))
    }

    /// The prefix of every image of one tenant.
    pub fn tenant_prefix(tenant: &TenantId) -> String {
        format!("tenants/{tenant}/")
    }

    /// A key read back from a record, accepted only under `tenant`'s prefix.
    pub fn stored(tenant: &TenantId, raw: &str) -> Option<Self> {
        let ok = raw.starts_with(&Self::tenant_prefix(tenant))
            && !raw.contains("..")
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ImageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The reference of an upload (`POST /api/uploads` hands it out, the image routes take it as
/// `{"s3ref": ...}`): a ULID in lower case, so it can only be a key segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UploadRef(String);

impl UploadRef {
    pub fn generate() -> Self {
        Self(ulid::Ulid::new().to_string().to_ascii_lowercase())
    }

    /// A reference as a caller sent it back: 26 characters of Crockford base32 (either case).
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 26 && ulid::Ulid::from_string(raw).is_ok();
        ok.then(|| Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (TenantId, DocumentId) {
        (
            TenantId::parse("acme").unwrap(),
            DocumentId::parse("doc-1").unwrap(),
        )
    }

    #[test]
    fn keys_are_scoped_to_the_tenant_and_the_document() {
        let (tenant, doc) = ids();
        let key = ImageKey::new(&tenant, &doc, ImageSide::Front, ImageFormat::Jpeg);
        assert_eq!(key.as_str(), "tenants/acme/documents/doc-1/front.jpg");
        assert!(key
            .as_str()
            .starts_with(&ImageKey::document_prefix(&tenant, &doc)));
        let face = ImageKey::new(&tenant, &doc, ImageSide::Face, ImageFormat::Png);
        assert_eq!(face.as_str(), "tenants/acme/documents/doc-1/face.png");
    }

    #[test]
    fn an_upload_lands_under_the_callers_tenant_whatever_the_reference() {
        let (tenant, _) = ids();
        let upload = UploadRef::parse("01JD3V6Q3W0C9Z8Y7X6W5V4T3S").unwrap();
        assert_eq!(
            ImageKey::upload(&tenant, &upload).as_str(),
            "tenants/acme/uploads/01jd3v6q3w0c9z8y7x6w5v4t3s"
        );
        for raw in [
            "",
            "../x",
            "01JD3V6Q3W0C9Z8Y7X6W5V4T3",
            "tenants/b/uploads/01JD3V6Q3W0C9Z8Y7X6W5V4T3S",
            "01JD3V6Q3W0C9Z8Y7X6W5V4T3S/",
        ] {
            assert_eq!(UploadRef::parse(raw), None, "{raw}");
        }
        let fresh = UploadRef::generate();
        assert_eq!(UploadRef::parse(fresh.as_str()), Some(fresh));
    }

    #[test]
    fn stored_keys_of_another_tenant_or_with_odd_characters_are_refused() {
        let (tenant, _) = ids();
        assert!(ImageKey::stored(&tenant, "tenants/acme/documents/d/front.jpg").is_some());
        for raw in [
            "tenants/other/documents/d/front.jpg",
            "tenants/acme/../other/front.jpg",
            "tenants/acme/documents/d/front.jpg?x",
            "s3://bucket/tenants/acme/front.jpg",
            "",
        ] {
            assert_eq!(ImageKey::stored(&tenant, raw), None, "{raw}");
        }
    }
}
