//! Who may do what: one table, checked in one place.
//!
//! Every root field (query and mutation) and every sensitive nested field names the roles that
//! may resolve it; the `Policies` extension refuses the rest with FORBIDDEN (UNAUTHENTICATED
//! without a token) before the resolver runs. A root field missing from the table is refused to
//! everyone, and the schema-wide role test fails on it, so no field ships unguarded. Which rows
//! a role sees (an associate their store's members, a member token its own record) stays with
//! the services: `Viewer::check_member_access`.
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ErrorExtensions, PathSegment, ServerResult, Value};

use crate::auth::{Role, Viewer};
use crate::error::AppError;

use Role::{Admin, Associate, Marketer, Member};

/// Who may resolve a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Without a token too: what gets one.
    Public,
    /// A token of one of these roles.
    Roles(&'static [Role]),
}

const EVERYONE: Access = Access::Roles(&[Admin, Marketer, Associate, Member]);
const STAFF: Access = Access::Roles(&[Admin, Marketer, Associate]);
/// Segments, campaigns, templates, analytics: marketing's work.
const PLANNERS: Access = Access::Roles(&[Admin, Marketer]);
/// Who records at the till and keeps the member file: admins and the store's associates.
const STORE: Access = Access::Roles(&[Admin, Associate]);
/// The store's people and the member themself (consent, feedback, their own profile).
const STORE_AND_MEMBER: Access = Access::Roles(&[Admin, Associate, Member]);
const ADMINS: Access = Access::Roles(&[Admin]);
const ASSOCIATES: Access = Access::Roles(&[Associate]);
const MEMBERS: Access = Access::Roles(&[Member]);

/// (type, field, who). Root fields first, then nested fields a role must not read through an
/// object it may otherwise see.
pub const POLICIES: &[(&str, &str, Access)] = &[
    // Members and the store's work.
    ("Query", "member", EVERYONE),
    ("Query", "members", STAFF),
    ("Query", "stores", STAFF),
    ("Query", "holidays", STAFF),
    ("Query", "segmentFields", STAFF),
    ("Query", "myCallList", ASSOCIATES),
    ("Mutation", "createMember", STORE),
    ("Mutation", "updateMember", STORE_AND_MEMBER),
    ("Mutation", "setEmailConsent", STORE_AND_MEMBER),
    ("Mutation", "recordPurchase", STORE),
    ("Mutation", "recordReturn", STORE),
    ("Mutation", "recordFeedback", STORE_AND_MEMBER),
    ("Mutation", "resolveFeedback", STORE),
    ("Mutation", "earnPoints", STORE),
    ("Mutation", "redeemPoints", STORE_AND_MEMBER),
    ("Mutation", "adjustPoints", ADMINS),
    ("Mutation", "recordCallOutcome", Access::Roles(&[Associate, Admin])),
    // Offers: marketing defines them; the store's people and marketing issue them; the store
    // redeems them at the till.
    ("Query", "couponDefinitions", STAFF),
    ("Query", "coupon", STORE),
    ("Mutation", "defineCoupon", PLANNERS),
    ("Mutation", "importCouponCodes", PLANNERS),
    ("Query", "openTasks", STORE),
    ("Query", "storeAssociates", STORE),
    ("Query", "openComplaints", STORE),
    ("Query", "taskRules", PLANNERS),
    ("Query", "taskReport", PLANNERS),
    ("Query", "satisfactionReport", PLANNERS),
    ("Query", "playbooks", PLANNERS),
    ("Mutation", "setPlaybook", PLANNERS),
    ("Query", "journeys", PLANNERS),
    ("Query", "journey", PLANNERS),
    ("Mutation", "createJourney", PLANNERS),
    ("Mutation", "saveJourney", PLANNERS),
    ("Mutation", "publishJourney", PLANNERS),
    ("Mutation", "setJourneyStatus", PLANNERS),
    ("Mutation", "promoteJourneyArm", PLANNERS),
    ("Query", "associateScores", PLANNERS),
    ("Mutation", "claimTask", ASSOCIATES),
    ("Mutation", "closeTask", STORE),
    ("Mutation", "updateTaskRule", PLANNERS),
    ("Mutation", "issueCoupon", STAFF),
    ("Mutation", "redeemCoupon", STORE),
    // Points buy rewards: in the member's app or at the counter.
    ("Query", "rewards", EVERYONE),
    ("Mutation", "redeemReward", STORE_AND_MEMBER),
    // The member's own app.
    ("Query", "me", EVERYONE),
    ("Query", "tierBenefits", EVERYONE),
    ("Mutation", "updateMe", MEMBERS),
    ("Mutation", "updateMyPreferences", MEMBERS),
    // Marketing.
    ("Query", "analyticsRun", PLANNERS),
    ("Query", "analyticsRuns", PLANNERS),
    ("Query", "jobRuns", PLANNERS),
    ("Query", "emailTemplates", PLANNERS),
    ("Query", "previewEmail", PLANNERS),
    ("Query", "previewTemplate", PLANNERS),
    ("Query", "outboxOccurrences", PLANNERS),
    ("Query", "outbox", PLANNERS),
    ("Query", "segments", PLANNERS),
    ("Query", "segment", PLANNERS),
    ("Query", "segmentPreview", PLANNERS),
    ("Query", "campaigns", PLANNERS),
    ("Query", "campaign", PLANNERS),
    ("Mutation", "saveHoliday", PLANNERS),
    ("Mutation", "saveEmailTemplate", PLANNERS),
    ("Query", "smsTemplates", PLANNERS),
    ("Query", "wechatTemplates", PLANNERS),
    ("Query", "previewSms", PLANNERS),
    ("Query", "previewWechat", PLANNERS),
    ("Mutation", "saveSmsTemplate", PLANNERS),
    ("Mutation", "saveWechatTemplate", PLANNERS),
    ("Mutation", "resetEmailTemplate", PLANNERS),
    ("Mutation", "sendTestEmail", PLANNERS),
    ("Mutation", "createSegment", PLANNERS),
    ("Mutation", "updateSegment", PLANNERS),
    ("Mutation", "refreshSegment", PLANNERS),
    ("Mutation", "deleteSegment", PLANNERS),
    ("Mutation", "createCampaign", PLANNERS),
    ("Mutation", "updateCampaign", PLANNERS),
    ("Mutation", "scheduleCampaign", PLANNERS),
    ("Mutation", "pauseCampaign", PLANNERS),
    ("Mutation", "resumeCampaign", PLANNERS),
    ("Mutation", "cancelCampaign", PLANNERS),
    // Administration.
    ("Query", "staffUsers", ADMINS),
    ("Query", "auditLog", ADMINS),
    ("Query", "appKeys", ADMINS),
    ("Mutation", "assignAssociate", ADMINS),
    ("Query", "memberFields", STAFF),
    ("Mutation", "defineMemberField", PLANNERS),
    ("Mutation", "setMemberFields", STORE),
    ("Mutation", "addMemberNote", STORE),
    ("Mutation", "eraseMember", ADMINS),
    ("Mutation", "createStore", ADMINS),
    ("Mutation", "createStaffUser", ADMINS),
    ("Mutation", "disableStaffUser", ADMINS),
    ("Mutation", "handOverMembers", ADMINS),
    ("Mutation", "setStoreManager", ADMINS),
    ("Mutation", "assignTask", STORE),
    ("Query", "unattendedMembers", ADMINS),
    ("Mutation", "enableStaffUser", ADMINS),
    ("Mutation", "runAnalytics", ADMINS),
    ("Mutation", "runJob", ADMINS),
    ("Mutation", "createAppKey", ADMINS),
    ("Mutation", "revokeAppKey", ADMINS),
    ("Mutation", "revokeToken", ADMINS),
    ("Mutation", "revokeTokensOf", ADMINS),
    // Signing in and out.
    ("Mutation", "signIn", Access::Public),
    ("Mutation", "issueMemberToken", Access::Public),
    ("Mutation", "signOut", EVERYONE),
    // What a member token does not read of itself: the brand's scores and labels of it, its
    // orders' profit, and who its associate is beyond their display name.
    ("Member", "metrics", STAFF),
    ("Member", "segments", PLANNERS),
    ("Member", "customFields", STAFF),
    // What the store's people write down about a member is theirs.
    ("Member", "notes", STORE),
    ("CouponDefinition", "report", PLANNERS),
    ("Purchase", "profit", STAFF),
    ("Staff", "username", STAFF),
    ("Staff", "email", STAFF),
    ("Staff", "role", STAFF),
    ("Staff", "store", STAFF),
    ("Staff", "disabledAt", ADMINS),
];

/// The policy of a field; `None` for a nested field anyone who reaches it may read.
pub fn of(type_name: &str, field: &str) -> Option<Access> {
    POLICIES
        .iter()
        .find(|(ty, name, _)| *ty == type_name && *name == field)
        .map(|(_, _, access)| *access)
}

fn is_root(type_name: &str) -> bool {
    matches!(type_name, "Query" | "Mutation")
}

/// Whether `viewer` (none without a token) may resolve `type_name.field`.
pub fn check(viewer: Option<&Viewer>, type_name: &str, field: &str) -> Result<(), AppError> {
    let access = match of(type_name, field) {
        Some(access) => access,
        None if is_root(type_name) => {
            return Err(AppError::Forbidden(format!("{field} has no access policy yet")));
        }
        None => return Ok(()),
    };
    let Access::Roles(roles) = access else {
        return Ok(());
    };
    let viewer = viewer.ok_or_else(|| AppError::unauthenticated("no bearer token".into()))?;
    viewer.require(roles)
}

/// The extension that applies `POLICIES` to every field as it is resolved.
pub struct Policies;

impl ExtensionFactory for Policies {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Policies)
    }
}

#[async_trait::async_trait]
impl Extension for Policies {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !info.is_for_introspection {
            if let Err(refused) = check(ctx.data_opt::<Viewer>(), info.parent_type, info.name) {
                let mut error = refused.extend().into_server_error(info.field.name.pos);
                error.path = path(&info);
                return Err(error);
            }
        }
        next.run(ctx, info).await
    }
}

/// The response path of the field being resolved, as an error carries it.
fn path(info: &ResolveInfo<'_>) -> Vec<PathSegment> {
    let segments = info.path_node.to_string_vec();
    // A name never starts with a digit: what parses is a list index.
    segments
        .into_iter()
        .map(|segment| match segment.parse() {
            Ok(index) => PathSegment::Index(index),
            Err(_) => PathSegment::Field(segment),
        })
        .collect()
}
