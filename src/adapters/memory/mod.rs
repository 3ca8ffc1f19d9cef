//! In-memory adapters for every port, for unit tests of the use cases and the HTTP edge
//! without DynamoDB Local, moto or the Connect stand-in (in the spirit of `store/memory.rs` in
//! aws-samples/serverless-rust-demo). They keep the contracts the DynamoDB, SES and Connect
//! adapters keep (all-or-nothing creates, per-tenant reservations, conditional transitions)
//! and take switches that make an operation fail, stall, or lose a conditional-write race.

mod delivery;
mod faults;
mod onboarding;
mod queue;
mod store;

pub use delivery::{MemoryDialer, MemoryMailer, PlacedCall, SentMail};
pub use faults::{Fault, Op};
pub use onboarding::{MemoryDocumentReader, MemoryFaceMatcher, MemoryFetcher, MemoryImageStore};
pub use queue::MemoryCallQueue;
pub use store::MemoryStore;

use crate::ports::Ports;

/// The in-memory set of adapters.
pub struct InMemory;

impl InMemory {
    /// Fresh in-memory onboarding adapters (the reader reads nothing, faces match at 0.99).
    pub fn onboarding() -> crate::ports::Onboarding<InMemory> {
        crate::ports::Onboarding {
            images: MemoryImageStore::default(),
            fetcher: MemoryFetcher::default(),
            reader: MemoryDocumentReader::default(),
            matcher: MemoryFaceMatcher::default(),
        }
    }
}

impl Ports for InMemory {
    type Store = MemoryStore;
    type Mailer = MemoryMailer;
    type Queue = MemoryCallQueue;
    type Images = MemoryImageStore;
    type Fetcher = MemoryFetcher;
    type Reader = MemoryDocumentReader;
    type Matcher = MemoryFaceMatcher;
}
