//! SMS and WeChat beside email: consent and addresses per channel (with the proof of each
//! consent), the channel preference of a campaign and of each message, what the providers said
//! of a message, templates per channel, numbers never to text again, and the WeChat access
//! token replicas share.
use sea_orm_migration::prelude::*;

use crate::{add_column, created_at_column, drop_column, drop_index, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    SmsConsent,
    WechatConsent,
    /// The member's openid with the brand's Official Account.
    WechatOpenid,
    /// With the brand's mini-program.
    WechatMiniOpenid,
    WechatUnionid,
}

/// Every consent given or withdrawn, per channel: source, time and the wording shown.
#[derive(DeriveIden)]
enum MemberConsents {
    Table,
    Id,
    MemberId,
    Channel,
    Granted,
    Source,
    Wording,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    /// The channels still to try, in order ("wechat,sms,email").
    Channels,
    /// The channel it was (or is being) sent on.
    Channel,
    ProviderRef,
    DeliveredAt,
    /// SMS parts billed.
    Parts,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Channels,
}

/// SMS and WeChat templates per kind and locale (email keeps `email_templates`).
#[derive(DeriveIden)]
enum ChannelTemplates {
    Table,
    Channel,
    Kind,
    Locale,
    Source,
    UpdatedBy,
    UpdatedAt,
}

/// Numbers that hard-failed or whose owner was erased, as hashes (as `email_suppressions`).
#[derive(DeriveIden)]
enum PhoneSuppressions {
    Table,
    Id,
    PhoneHash,
    Reason,
    CreatedAt,
}

/// Provider access tokens shared by every process (WeChat's).
#[derive(DeriveIden)]
enum ChannelTokens {
    Table,
    Name,
    Token,
    ExpiresAt,
}

const MEMBER_OPENID_INDEX: &str = "ux_members_wechat_openid";
const MEMBER_MINI_OPENID_INDEX: &str = "ux_members_wechat_mini_openid";
const CONSENTS_INDEX: &str = "ix_member_consents_member";
const PROVIDER_REF_INDEX: &str = "ix_outbox_provider_ref";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let flag = |c: Members| ColumnDef::new(c).boolean().not_null().default(false).to_owned();
        let openid = |c: Members| ColumnDef::new(c).string_len(128).null().to_owned();
        // SQLite alters one column per statement.
        for column in [
            flag(Members::SmsConsent),
            flag(Members::WechatConsent),
            openid(Members::WechatOpenid),
            openid(Members::WechatMiniOpenid),
            openid(Members::WechatUnionid),
        ] {
            add_column(manager, Members::Table, column).await?;
        }
        for (name, column) in [
            (MEMBER_OPENID_INDEX, "wechat_openid"),
            (MEMBER_MINI_OPENID_INDEX, "wechat_mini_openid"),
        ] {
            let mut unique = index(Members::Table, name, &[column]);
            manager.create_index(unique.unique().to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(MemberConsents::Table)
                    .col(id_column(MemberConsents::Id))
                    .col(ColumnDef::new(MemberConsents::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(MemberConsents::Channel).string_len(16).not_null())
                    .col(ColumnDef::new(MemberConsents::Granted).boolean().not_null())
                    .col(ColumnDef::new(MemberConsents::Source).string_len(64).not_null())
                    .col(ColumnDef::new(MemberConsents::Wording).text().null())
                    .col(created_at_column(MemberConsents::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                MemberConsents::Table,
                CONSENTS_INDEX,
                &["member_id", "channel", "recorded_at"],
            ))
            .await?;

        for column in [
            channels(Outbox::Channels),
            ColumnDef::new(Outbox::Channel).string_len(16).null().to_owned(),
            ColumnDef::new(Outbox::ProviderRef).string_len(128).null().to_owned(),
            ColumnDef::new(Outbox::DeliveredAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Outbox::Parts).integer().null().to_owned(),
        ] {
            add_column(manager, Outbox::Table, column).await?;
        }
        manager
            .create_index(index(Outbox::Table, PROVIDER_REF_INDEX, &["provider_ref"]))
            .await?;
        add_column(manager, Campaigns::Table, channels(Campaigns::Channels)).await?;

        manager
            .create_table(
                Table::create()
                    .table(ChannelTemplates::Table)
                    .col(ColumnDef::new(ChannelTemplates::Channel).string_len(16).not_null())
                    .col(ColumnDef::new(ChannelTemplates::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(ChannelTemplates::Locale).string_len(16).not_null())
                    .col(ColumnDef::new(ChannelTemplates::Source).text().not_null())
                    .col(ColumnDef::new(ChannelTemplates::UpdatedBy).string_len(64).not_null())
                    .col(created_at_column(ChannelTemplates::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelTemplates::Channel)
                            .col(ChannelTemplates::Kind)
                            .col(ChannelTemplates::Locale),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PhoneSuppressions::Table)
                    .col(id_column(PhoneSuppressions::Id))
                    .col(
                        ColumnDef::new(PhoneSuppressions::PhoneHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(PhoneSuppressions::Reason).string_len(32).not_null())
                    .col(created_at_column(PhoneSuppressions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelTokens::Table)
                    .col(
                        ColumnDef::new(ChannelTokens::Name)
                            .string_len(128)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ChannelTokens::Token).text().not_null())
                    .col(
                        ColumnDef::new(ChannelTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChannelTokens::Table.into_iden(),
            PhoneSuppressions::Table.into_iden(),
            ChannelTemplates::Table.into_iden(),
            MemberConsents::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        drop_column(manager, Campaigns::Table, Campaigns::Channels).await?;
        drop_index(manager, Outbox::Table, PROVIDER_REF_INDEX).await?;
        for column in [
            Outbox::Channels,
            Outbox::Channel,
            Outbox::ProviderRef,
            Outbox::DeliveredAt,
            Outbox::Parts,
        ] {
            drop_column(manager, Outbox::Table, column).await?;
        }
        for name in [MEMBER_OPENID_INDEX, MEMBER_MINI_OPENID_INDEX] {
            drop_index(manager, Members::Table, name).await?;
        }
        for column in [
            Members::SmsConsent,
            Members::WechatConsent,
            Members::WechatOpenid,
            Members::WechatMiniOpenid,
            Members::WechatUnionid,
        ] {
            drop_column(manager, Members::Table, column).await?;
        }
        Ok(())
    }
}

/// A channel preference, email unless said otherwise.
fn channels(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .string_len(64)
        .not_null()
        .default("email")
        .to_owned()
}
