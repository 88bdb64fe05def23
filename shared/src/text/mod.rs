//! Reading and writing text exactly, below everything else: JSON content ids, repeated
//! keys, cutting one member out of a payload, the characters SQS accepts, and the
//! providers' timestamp formats.

pub mod canonical_json;
pub mod duplicate_keys;
pub mod json_members;
pub mod sqs_text;
pub mod timestamps;
