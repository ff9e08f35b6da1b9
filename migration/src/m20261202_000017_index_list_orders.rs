//! The member list pages by keyset in any order it offers: an index per order, ending in the id
//! that breaks ties, lets the database read a page straight off the index instead of sorting
//! every matching member. The audit log is read newest first by time (read entries are written
//! in groups, so their ids do not follow time).
use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
}

#[derive(DeriveIden)]
enum MemberMetrics {
    Table,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
}

const MEMBER_ORDERS: &[(&str, &[&str])] = &[
    ("idx_members_name_order", &["name", "id"]),
    ("idx_members_birthday_order", &["birthday", "id"]),
];

/// `idx_metrics_tier_order` replaces `idx_metrics_tier`, which it serves as well.
const METRIC_ORDERS: &[(&str, &[&str])] = &[
    ("idx_metrics_tier_order", &["tier", "member_id"]),
    ("idx_metrics_recency_order", &["recency_days", "member_id"]),
    ("idx_metrics_frequency_order", &["frequency_365", "member_id"]),
    ("idx_metrics_monetary_order", &["monetary_365_cents", "member_id"]),
    ("idx_metrics_p_alive_order", &["p_alive", "member_id"]),
    ("idx_metrics_clv_order", &["clv_cents", "member_id"]),
];

const AUDIT_TIME: &str = "idx_audit_time";
const OLD_TIER: &str = "idx_metrics_tier";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in MEMBER_ORDERS {
            manager.create_index(index(Members::Table, name, columns)).await?;
        }
        for (name, columns) in METRIC_ORDERS {
            manager.create_index(index(MemberMetrics::Table, name, columns)).await?;
        }
        drop_index(manager, MemberMetrics::Table, OLD_TIER).await?;
        manager
            .create_index(index(AuditLog::Table, AUDIT_TIME, &["created_at", "id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, AuditLog::Table, AUDIT_TIME).await?;
        manager
            .create_index(index(MemberMetrics::Table, OLD_TIER, &["tier"]))
            .await?;
        for (name, _) in METRIC_ORDERS {
            drop_index(manager, MemberMetrics::Table, name).await?;
        }
        for (name, _) in MEMBER_ORDERS {
            drop_index(manager, Members::Table, name).await?;
        }
        Ok(())
    }
}
