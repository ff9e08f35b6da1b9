//! Synthetic demo data.
use sea_orm::DatabaseConnection;
use crate::brand::Brand;
pub async fn generate(_db: &DatabaseConnection, _brand: &Brand, _n: u64, _seed: u64) -> anyhow::Result<String> { todo!() }
