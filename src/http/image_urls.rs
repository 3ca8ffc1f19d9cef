//! Reads show images as short-lived presigned GET URLs: a record keeps the object keys of its
//! images; a value that is not a key of this tenant (an operator-registered `s3://` URI) is
//! shown as stored.

use super::App;
use crate::domain::{DocumentIdentification, ImageKey, TenantId};
use crate::ports::{ImageStore, Ports};
use crate::use_cases::review::Reviewed;

pub(super) async fn presign_all<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    reviewed: &mut [Reviewed],
) {
    for r in reviewed.iter_mut() {
        if let Some(document) = r.document.as_mut() {
            presign(app, tenant, document).await;
        }
    }
}

async fn presign<P: Ports>(app: &App<P>, tenant: &TenantId, document: &mut DocumentIdentification) {
    for field in [
        &mut document.id_front_image,
        &mut document.id_back_image,
        &mut document.id_side_image,
        &mut document.face_image,
    ] {
        let Some(key) = field
            .as_deref()
            .and_then(|raw| ImageKey::stored(tenant, raw))
        else {
            continue;
        };
        // Presigning is local signing, no call; should it fail, the image is left out rather
        // than the read.
        *field = match app
            .onboarding
            .images
            .presigned_url(&key, app.image_url_ttl)
            .await
        {
            Ok(url) => Some(url),
            Err(e) => {
                tracing::warn!(error = %e, "image URL not presigned");
                None
            }
        };
    }
}
