//! Hand-checked golden frames.
