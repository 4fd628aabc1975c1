//! Validation of a [`StoreConfig`](crate::config::StoreConfig): placeholder being written.
use crate::config::StoreConfig;
use crate::errors::Result;

pub fn validate(_cfg: &StoreConfig) -> Result<()> {
    Ok(())
}
