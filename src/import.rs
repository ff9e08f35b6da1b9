//! CSV import of members and purchases.
use std::path::Path;
use sea_orm::DatabaseConnection;
use crate::brand::Brand;
pub async fn members(_db: &DatabaseConnection, _brand: &Brand, _file: &Path) -> anyhow::Result<String> { todo!() }
pub async fn purchases(_db: &DatabaseConnection, _brand: &Brand, _file: &Path) -> anyhow::Result<String> { todo!() }
