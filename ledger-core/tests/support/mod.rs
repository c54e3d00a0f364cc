//! What the flash tests share with the `flash_model` fuzz target.

pub mod flash_model;
pub mod mock_flash;
