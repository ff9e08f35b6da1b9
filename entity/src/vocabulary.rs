//! Patron's words, each one Rust type: the tiers, quadrants, layers and strategies the analytics
//! run writes, and the kinds and statuses of members, purchases, campaigns and messages. Stored
//! as the strings they have always been (string-backed `ActiveEnum`s), so the columns stay as
//! they are, and used as these types by the jobs, the services, the segment dictionary and the
//! GraphQL API (feature `graphql`): a new word is a compile error wherever it is not handled.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An enum whose variants are stored as the given strings, with `ALL`, `NAMES`, `as_str` and
/// `parse`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident $(as $graphql:tt)? {
            $($(#[$variant_meta:meta])* $variant:ident = $text:tt),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum, Serialize,
            Deserialize,
        )]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        $(#[cfg_attr(feature = "graphql", graphql(name = $graphql))])?
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[sea_orm(string_value = $text)]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every word, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Every word as stored.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// As stored.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|word| word.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// How a message reaches a member.
    Channel {
        Email = "email",
        /// Text messages through the brand's SMS provider.
        Sms = "sms",
        /// Official Account template messages or mini-program subscribe messages.
        Wechat = "wechat",
    }
}

impl Channel {
    /// A preference as stored ("wechat,sms,email"); unknown words are skipped.
    pub fn parse_list(text: &str) -> Vec<Self> {
        text.split(',').filter_map(|word| Self::parse(word.trim())).collect()
    }

    /// A preference as stored.
    pub fn list(channels: &[Self]) -> String {
        channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }
}

vocabulary! {
    /// What a marketing message is about, as a member chooses what they want to hear of.
    Topic {
        Birthday = "birthday",
        Holidays = "holidays",
        /// New arrivals in the categories the member follows.
        NewArrivals = "new_arrivals",
        /// Offers, win-back and the brand's other campaigns.
        Offers = "offers",
    }
}

impl Topic {
    /// The topic of a campaign kind's messages; `None` for notices about the member's own
    /// account (points about to lapse, a survey of their visit), which consent alone governs.
    pub fn of(kind: CampaignKind) -> Option<Self> {
        match kind {
            CampaignKind::Birthday => Some(Self::Birthday),
            CampaignKind::Holiday => Some(Self::Holidays),
            CampaignKind::NewArrivals => Some(Self::NewArrivals),
            CampaignKind::Custom | CampaignKind::Winback | CampaignKind::CouponExpiry | CampaignKind::Journey => {
                Some(Self::Offers)
            }
            CampaignKind::PointsExpiry | CampaignKind::SatisfactionSurvey | CampaignKind::EmailConfirmation => None,
        }
    }
}

vocabulary! {
    /// How often a member wants marketing messages ("fewer" before "none").
    Frequency {
        /// Up to the brand's daily cap.
        Normal = "normal",
        /// At most one a week.
        Fewer = "fewer",
    }
}

// The vocabulary macro derives a fixed set of traits, without `Default`.
#[allow(clippy::derivable_impls)]
impl Default for Frequency {
    fn default() -> Self {
        Self::Normal
    }
}

vocabulary! {
    /// A member class: A is best ("消费频率高、金额高的为A类顾客，并依次分类").
    Tier as "TierLevel" { A = "A", B = "B", C = "C", D = "D" }
}

vocabulary! {
    /// Loyalty × value: how loyal and how valuable a member is.
    LoyaltyQuadrant {
        /// 知己: high loyalty, high value.
        TrueFriend = "true_friend",
        /// 藤壶: high loyalty, low value.
        Barnacle = "barnacle",
        /// 蝴蝶: low loyalty, high value.
        Butterfly = "butterfly",
        /// 过客: low loyalty, low value.
        Stranger = "stranger",
    }
}

vocabulary! {
    /// The value curve: current value × potential value.
    ValueQuadrant {
        /// 明星: high current, high potential.
        Star = "star",
        /// 现金: high current, low potential.
        CashCow = "cash_cow",
        /// 问题: low current, high potential.
        QuestionMark = "question_mark",
        /// 瘦狗: low current, low potential.
        Dog = "dog",
    }
}

vocabulary! {
    /// What a brand does for a quadrant's members.
    Strategy {
        /// 深度关爱: true friends, stars.
        DeepCare = "deep_care",
        /// 深度获取: butterflies, question marks.
        DeepAcquisition = "deep_acquisition",
        /// 深度挖掘: barnacles, cash cows.
        DeepMining = "deep_mining",
        /// 长期培育: strangers, dogs.
        LongTermCultivation = "long_term_cultivation",
    }
}

vocabulary! {
    /// How firmly a member is held.
    Layer {
        /// 忠诚层: at least two purchase days and p_alive ≥ the configured threshold.
        Loyal = "loyal",
        /// 潜在层: at most one purchase day, the last within 365 days, or none yet.
        Potential = "potential",
        /// 游离层: everyone else who bought.
        Floating = "floating",
    }
}

impl LoyaltyQuadrant {
    /// The quadrant of a member with high (`true`) or low loyalty and value.
    pub fn from_high(loyalty: bool, value: bool) -> Self {
        match (loyalty, value) {
            (true, true) => Self::TrueFriend,
            (true, false) => Self::Barnacle,
            (false, true) => Self::Butterfly,
            (false, false) => Self::Stranger,
        }
    }

    /// Its Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::TrueFriend => "知己",
            Self::Barnacle => "藤壶",
            Self::Butterfly => "蝴蝶",
            Self::Stranger => "过客",
        }
    }

    pub fn strategy(self) -> Strategy {
        match self {
            Self::TrueFriend => Strategy::DeepCare,
            Self::Barnacle => Strategy::DeepMining,
            Self::Butterfly => Strategy::DeepAcquisition,
            Self::Stranger => Strategy::LongTermCultivation,
        }
    }
}

impl ValueQuadrant {
    /// The quadrant of a member with high (`true`) or low current and potential value.
    pub fn from_high(current: bool, potential: bool) -> Self {
        match (current, potential) {
            (true, true) => Self::Star,
            (true, false) => Self::CashCow,
            (false, true) => Self::QuestionMark,
            (false, false) => Self::Dog,
        }
    }

    /// Its Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Star => "明星",
            Self::CashCow => "现金",
            Self::QuestionMark => "问题",
            Self::Dog => "瘦狗",
        }
    }

    pub fn strategy(self) -> Strategy {
        match self {
            Self::Star => Strategy::DeepCare,
            Self::CashCow => Strategy::DeepMining,
            Self::QuestionMark => Strategy::DeepAcquisition,
            Self::Dog => Strategy::LongTermCultivation,
        }
    }
}

impl Strategy {
    /// Its Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::DeepCare => "深度关爱",
            Self::DeepAcquisition => "深度获取",
            Self::DeepMining => "深度挖掘",
            Self::LongTermCultivation => "长期培育",
        }
    }
}

impl Layer {
    /// Its Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Loyal => "忠诚层",
            Self::Potential => "潜在层",
            Self::Floating => "游离层",
        }
    }
}

vocabulary! {
    /// Whether a member's record is in use.
    MemberStatus {
        Active = "active",
        /// Erased on request: personal data gone, purchases kept for the brand's figures.
        Erased = "erased",
    }
}

vocabulary! {
    /// A line of the purchase history.
    PurchaseKind {
        Purchase = "purchase",
        /// Money back on an earlier order (a negative amount).
        Return = "return",
    }
}

vocabulary! {
    /// What a member's feedback is.
    FeedbackKind { Inquiry = "inquiry", Complaint = "complaint", Satisfaction = "satisfaction" }
}

vocabulary! {
    FeedbackStatus { Open = "open", Resolved = "resolved" }
}

vocabulary! {
    /// A line of the points ledger.
    PointsKind { Earn = "earn", Redeem = "redeem", Expire = "expire", Adjust = "adjust" }
}

vocabulary! {
    /// What a campaign sends, to whom: a marketer's own, or one of the built-in campaigns that
    /// exist once each.
    CampaignKind {
        Custom = "custom",
        /// New products in a category, for members interested in it or who bought in it lately.
        NewArrivals = "new_arrivals",
        Birthday = "birthday",
        Holiday = "holiday",
        Winback = "winback",
        /// The notice before a member's points lapse.
        PointsExpiry = "points_expiry",
        /// The reminder before a coupon a member holds lapses unused.
        CouponExpiry = "coupon_expiry",
        /// The one-question satisfaction survey after a purchase or a resolved complaint.
        SatisfactionSurvey = "satisfaction_survey",
        /// A message a journey's send step sends: its own templates, no audience or schedule of
        /// its own (the journey says who and when).
        Journey = "journey",
        /// Not a campaign but a message the outbox sends all the same: the email asking a member
        /// to confirm they want marketing email (double opt-in). No campaign has this kind.
        EmailConfirmation = "email_confirmation",
    }
}

vocabulary! {
    CampaignStatus {
        Draft = "draft",
        Scheduled = "scheduled",
        /// Its first occurrence started; a one-off one finishes when its messages are out.
        Sending = "sending",
        Paused = "paused",
        Finished = "finished",
        Cancelled = "cancelled",
    }
}

vocabulary! {
    /// Where one message in the outbox stands.
    OutboxStatus {
        Queued = "queued",
        Sent = "sent",
        /// Given up: undeliverable, or broken as it stands.
        Failed = "failed",
        /// Not sent on purpose (consent withdrawn, address suppressed, holiday disabled).
        Suppressed = "suppressed",
        /// Its campaign is paused.
        Paused = "paused",
        Cancelled = "cancelled",
    }
}

impl CampaignKind {
    /// The campaigns that exist once each, built in.
    pub const BUILT_IN: &'static [Self] = &[
        Self::Birthday,
        Self::Holiday,
        Self::Winback,
        Self::PointsExpiry,
        Self::CouponExpiry,
        Self::SatisfactionSurvey,
    ];

    pub fn is_built_in(self) -> bool {
        Self::BUILT_IN.contains(&self)
    }
}

impl CampaignStatus {
    /// May start occurrences (or, built in, queue).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Scheduled | Self::Sending)
    }
}

vocabulary! {
    /// A scheduled job, by the name `patron jobs run` takes.
    Job {
        /// Re-tier and score every member.
        Analytics = "analytics",
        /// Refresh every saved segment's membership.
        Segments = "segments",
        Birthday = "birthday",
        Holiday = "holiday",
        Winback = "winback",
        /// Start the marketers' campaign occurrences that are due.
        Campaigns = "campaigns",
        /// Send what is due.
        Outbox = "outbox",
        /// Queue the notices before points expire.
        PointsExpiryNotice = "points-expiry-notice",
        /// Expire the points whose time is up.
        PointsExpiry = "points-expiry",
        /// Queue the reminders before coupons lapse unused.
        CouponExpiryNotice = "coupon-expiry-notice",
        /// Generate the associates' tasks due, and expire those whose moment passed.
        Tasks = "tasks",
        /// Ask the day's satisfaction surveys.
        SatisfactionSurvey = "satisfaction-survey",
        /// Move every journey's members along: entries, exits, and the steps that are due.
        Journeys = "journeys",
    }
}

vocabulary! {
    /// How a job run was started.
    Trigger { Schedule = "schedule", Cli = "cli", Api = "api" }
}

vocabulary! {
    JobRunStatus { Running = "running", Succeeded = "succeeded", Failed = "failed" }
}

vocabulary! {
    Gender { Female = "female", Male = "male", Other = "other" }
}

impl Gender {
    /// Reads the spellings brands' files use: `female`/`f`/`女`, `male`/`m`/`男`, `other`.
    pub fn read(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "female" | "f" | "女" => Some(Self::Female),
            "male" | "m" | "男" => Some(Self::Male),
            "other" | "o" | "其他" => Some(Self::Other),
            _ => None,
        }
    }
}

vocabulary! {
    /// How an associate's call to a member went.
    CallOutcome {
        Reached = "reached",
        NoAnswer = "no_answer",
        WillVisit = "will_visit",
        Declined = "declined",
        WrongNumber = "wrong_number",
    }
}

vocabulary! {
    /// Why an associate calls a member.
    TaskKind {
        /// A greeting before an A or B member's birthday.
        BirthdayCall = "birthday_call",
        /// A greeting before a holiday, for A members.
        HolidayCall = "holiday_call",
        /// A lapsed repeat buyer: find out why, and bring them back.
        WinbackCall = "winback_call",
        /// A member who first reached A or B.
        WelcomeCall = "welcome_call",
        /// 回访: a few days after a large purchase.
        AfterPurchaseCall = "after_purchase_call",
        /// 回访: a few days after a complaint was resolved.
        ComplaintFollowUp = "complaint_follow_up",
        /// A switched-on playbook's regular call to the members of its strategy.
        CareCall = "care_call",
        /// A journey's call step: no rule of its own, the journey says who and when.
        JourneyCall = "journey_call",
    }
}

vocabulary! {
    /// What a brand's own member field holds.
    MemberFieldKind {
        Text = "text",
        Number = "number",
        /// A day, `YYYY-MM-DD`.
        Date = "date",
        /// One of the field's words.
        Choice = "choice",
    }
}

vocabulary! {
    /// How a satisfaction survey asks.
    SurveyScale {
        /// Customer satisfaction, 1 (very unhappy) to 5 (very happy).
        Csat = "csat",
        /// Net Promoter Score: how likely to recommend us, 0 to 10.
        Nps = "nps",
    }
}

impl SurveyScale {
    /// The scores it accepts.
    pub fn range(self) -> std::ops::RangeInclusive<i16> {
        match self {
            Self::Csat => 1..=5,
            Self::Nps => 0..=10,
        }
    }
}

vocabulary! {
    /// What a satisfaction survey asks about.
    SurveyOccasion {
        /// A purchase: the member's first order of the day.
        Purchase = "purchase",
        /// A complaint of theirs that was resolved.
        Complaint = "complaint",
    }
}

vocabulary! {
    TaskStatus {
        Open = "open",
        Done = "done",
        Skipped = "skipped",
        /// Its moment passed before anyone did it.
        Expired = "expired",
    }
}

vocabulary! {
    /// Why a lapsed member stopped coming, as they told the associate.
    LapseReason {
        Price = "price",
        Product = "product",
        Service = "service",
        MovedAway = "moved_away",
        Competitor = "competitor",
        NoneGiven = "none_given",
    }
}

vocabulary! {
    /// What a coupon gives.
    CouponKind {
        /// A sum off the order.
        AmountOff = "amount_off",
        /// A percentage off the order, up to a cap when one is set.
        PercentOff = "percent_off",
        /// A gift handed over with the order (小礼物): nothing off.
        Gift = "gift",
    }
}

vocabulary! {
    /// Where a coupon stands, as stored; an issued coupon past its last day is expired.
    CouponStatus {
        Issued = "issued",
        Redeemed = "redeemed",
    }
}

vocabulary! {
    /// Who issued a coupon.
    CouponSource {
        /// A staff user or an app through the API (`issueCoupon`).
        Api = "api",
        /// Bought with points from the rewards catalogue (`redeemReward`).
        Reward = "reward",
        /// Given to each recipient of a campaign's occurrence (the held-out group gets none).
        Campaign = "campaign",
        /// Given by a journey's coupon step.
        Journey = "journey",
    }
}

vocabulary! {
    /// Whether a journey takes members in.
    JourneyStatus {
        /// Being written: nobody enters.
        Draft = "draft",
        /// Its current version takes members in, and everyone in it moves on.
        Live = "live",
        /// Nobody enters and nobody moves on until it is live again.
        Paused = "paused",
    }
}

vocabulary! {
    /// Where a member's visit of a journey stands.
    JourneyPositionStatus {
        /// On a step, waiting for its time or its event.
        Active = "active",
        /// In the journey's control group: recorded at entry, never sent anything.
        HeldOut = "held_out",
        /// Went through the last step, or an exit step.
        Done = "done",
        /// Met the journey's exit criteria on the way.
        Exited = "exited",
    }
}
