//! Rejection: a downstream failure is swallowed and the caller reports success.

mod fire_and_forget;
mod silent_skip;
mod swallowed_error;
mod unchecked_response;

pub use fire_and_forget::FireAndForget;
pub use silent_skip::SilentSkip;
pub use swallowed_error::SwallowedError;
pub use unchecked_response::UncheckedResponse;
