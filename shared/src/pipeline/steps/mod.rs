//! The pipeline's steps, one module each, in the order [`super::process`] runs them.

pub mod admit;
pub mod authenticate;
pub mod bind;
pub mod claim;
pub mod complete;
pub mod mark;
pub mod prepare;
pub mod send;
