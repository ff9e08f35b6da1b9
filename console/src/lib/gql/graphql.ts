/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/**
 * Bought at least `minCount` times and/or for at least `minAmount` (net of returns) in the
 * window; at least once when neither is given.
 */
export type BoughtCondition = {
  category?: string | null | undefined;
  minAmount?: string | null | undefined;
  minCount?: number | null | undefined;
  /** Store code. */
  store?: string | null | undefined;
  window: TimeWindow;
};

export type CalendarKind =
  | 'LUNAR'
  | 'SOLAR';

/** How an associate's call to a member went. */
export type CallOutcome =
  | 'DECLINED'
  | 'NO_ANSWER'
  | 'REACHED'
  | 'WILL_VISIT'
  | 'WRONG_NUMBER';

export type CampaignInput = {
  /** Send to every consenting member (clears the segment). */
  allMembers?: boolean | null | undefined;
  /** Days after the send in which purchases count (default 30). */
  attributionDays?: number | null | undefined;
  /** New arrivals: the category, and how many days back a purchase in it counts (default 365). */
  category?: string | null | undefined;
  categoryWindowDays?: number | null | undefined;
  /**
   * The channels to reach members on, in order of preference: each member gets one message,
   * on the first they consented to and can receive (default: email).
   */
  channels?: Array<Channel> | null | undefined;
  /**
   * Gives each recipient a code of this offer (`{{ coupon.code }}` in its templates); the
   * held-out group gets none.
   */
  couponDefinitionId?: string | null | undefined;
  /**
   * Birthday: days early (default 0); holiday: days before each holiday without a lead time
   * of its own (default 3). 0 to 60.
   */
  daysBefore?: number | null | undefined;
  /** The share held out as a control group, 0 to 0.5 (e.g. 0.1). */
  holdoutShare?: string | null | undefined;
  /**
   * CUSTOM (default), NEW_ARRIVALS, or JOURNEY (a journey's message: its templates and
   * channels, sent by a journey's send steps); set when created.
   */
  kind?: CampaignKind | null | undefined;
  name?: string | null | undefined;
  /** Takes the offer off. */
  noCoupon?: boolean | null | undefined;
  /** Send at most once per member ever (default: once per occurrence). */
  oncePerMember?: boolean | null | undefined;
  /** Under the daily cap, the higher goes first. */
  priority?: number | null | undefined;
  schedule?: ScheduleInput | null | undefined;
  /** The audience; without one, every consenting member. */
  segmentId?: string | null | undefined;
  /**
   * Built-in kinds: the time of day their emails are due in each member's own zone
   * (default: the configured send hour, 09:00).
   */
  sendTime?: string | null | undefined;
};

/**
 * What a campaign sends, to whom: a marketer's own, or one of the built-in campaigns that
 * exist once each.
 */
export type CampaignKind =
  | 'BIRTHDAY'
  /** The reminder before a coupon a member holds lapses unused. */
  | 'COUPON_EXPIRY'
  | 'CUSTOM'
  /**
   * Not a campaign but a message the outbox sends all the same: the email asking a member
   * to confirm they want marketing email (double opt-in). No campaign has this kind.
   */
  | 'EMAIL_CONFIRMATION'
  | 'HOLIDAY'
  /**
   * A message a journey's send step sends: its own templates, no audience or schedule of
   * its own (the journey says who and when).
   */
  | 'JOURNEY'
  /** New products in a category, for members interested in it or who bought in it lately. */
  | 'NEW_ARRIVALS'
  /** The notice before a member's points lapse. */
  | 'POINTS_EXPIRY'
  /** The one-question satisfaction survey after a purchase or a resolved complaint. */
  | 'SATISFACTION_SURVEY'
  | 'WINBACK';

/** How a message reaches a member. */
export type Channel =
  | 'EMAIL'
  /** Text messages through the brand's SMS provider. */
  | 'SMS'
  /** Official Account template messages or mini-program subscribe messages. */
  | 'WECHAT';

/** A new offer. */
export type CouponDefinitionInput = {
  /** For AMOUNT_OFF: the sum taken off. */
  amountOff?: string | null | undefined;
  /** Purchase categories an order must be in; none: any order. */
  categories?: Array<string> | null | undefined;
  /** For GIFT: what is handed over. */
  gift?: string | null | undefined;
  /**
   * Its codes come from a list imported from the brand's POS (`importCouponCodes`), each
   * issued once, rather than being made by Patron.
   */
  importedCodes?: boolean | null | undefined;
  kind: CouponKind;
  /** For PERCENT_OFF: the most it takes off. */
  maxDiscount?: string | null | undefined;
  /** The order's amount before the discount must reach it. */
  minSpend?: string | null | undefined;
  /** Unique, as marketers and associates pick it from a list. */
  name: string;
  /** Codes one member may hold in all. */
  perMemberLimit?: number | null | undefined;
  /** For PERCENT_OFF: 1–99. */
  percentOff?: number | null | undefined;
  /** Puts the offer in the rewards catalogue at this many points a code. */
  pointsPrice?: number | null | undefined;
  /** Codes that may be issued in all. */
  stock?: number | null | undefined;
  /** Stores where it may be redeemed; none: every store. */
  storeCodes?: Array<string> | null | undefined;
  /**
   * … or this many days from the day of issue, that day included (with `validUntil` too:
   * whichever ends first). One of the two is required: an offer that never lapses is a
   * liability nobody can count.
   */
  validDays?: number | null | undefined;
  /** A fixed window, in the brand's time zone (either end may be open) … */
  validFrom?: string | null | undefined;
  validUntil?: string | null | undefined;
};

/** What a coupon gives. */
export type CouponKind =
  /** A sum off the order. */
  | 'AMOUNT_OFF'
  /** A gift handed over with the order (小礼物): nothing off. */
  | 'GIFT'
  /** A percentage off the order, up to a cap when one is set. */
  | 'PERCENT_OFF';

/** Where a coupon stands today, in the brand's time zone. */
export type CouponState =
  /** Its last day has passed unredeemed. */
  | 'EXPIRED'
  | 'REDEEMED'
  /** Issued; its first day is still to come. */
  | 'UPCOMING'
  /** May be redeemed today. */
  | 'VALID';

export type FeedbackInput = {
  body?: string | null | undefined;
  kind: FeedbackKind;
  memberNo: string;
  /** 1–5; required for a satisfaction score. */
  score?: number | null | undefined;
};

/** What a member's feedback is. */
export type FeedbackKind =
  | 'COMPLAINT'
  | 'INQUIRY'
  | 'SATISFACTION';

/**
 * `field op value`. Operands are JSON: numbers, strings (dates `YYYY-MM-DD`, money a decimal
 * such as `"3000.00"`), booleans; `between`, `in` and `notIn` take `values`.
 */
export type FieldCondition = {
  field: string;
  op: FilterOp;
  value?: unknown;
  values?: Array<unknown> | null | undefined;
};

/** A named value: an SMS parameter or a WeChat field, and the minijinja that fills it. */
export type FieldInput = {
  name: string;
  value: string;
};

export type FilterOp =
  /** `values: [low, high]`, both included. */
  | 'BETWEEN'
  /** Text contains (case-sensitive); interests include the topic. */
  | 'CONTAINS'
  | 'EQ'
  | 'GE'
  | 'GT'
  | 'IN'
  /** The field has no value (or an empty text). */
  | 'IS_EMPTY'
  | 'LE'
  | 'LT'
  | 'NE'
  | 'NOT_IN';

export type Gender =
  | 'FEMALE'
  | 'MALE'
  | 'OTHER';

/** A brand's own holiday, or a change to a built-in one (same key). */
export type HolidayInput = {
  calendar: CalendarKind;
  day: number;
  /** Days before the holiday its email goes out; the configured default when omitted. */
  daysBefore?: number | null | undefined;
  enabled?: boolean;
  /** Stable key, lower case with underscores, e.g. `store_anniversary`. */
  key: string;
  month: number;
  nameEn: string;
  nameZh: string;
};

/** Whether a journey takes members in. */
export type JourneyStatus =
  /** Being written: nobody enters. */
  | 'DRAFT'
  /** Its current version takes members in, and everyone in it moves on. */
  | 'LIVE'
  /** Nobody enters and nobody moves on until it is live again. */
  | 'PAUSED';

/** Why a lapsed member stopped coming, as they told the associate. */
export type LapseReason =
  | 'COMPETITOR'
  | 'MOVED_AWAY'
  | 'NONE_GIVEN'
  | 'PRICE'
  | 'PRODUCT'
  | 'SERVICE';

/** How firmly a member is held. */
export type Layer =
  /** 游离层: everyone else who bought. */
  | 'FLOATING'
  /** 忠诚层: at least two purchase days and p_alive ≥ the configured threshold. */
  | 'LOYAL'
  /** 潜在层: at most one purchase day, the last within 365 days, or none yet. */
  | 'POTENTIAL';

export type LocalTimeInput = {
  date: string;
  time: string;
};

/** Loyalty × value: how loyal and how valuable a member is. */
export type LoyaltyQuadrant =
  /** 藤壶: high loyalty, low value. */
  | 'BARNACLE'
  /** 蝴蝶: low loyalty, high value. */
  | 'BUTTERFLY'
  /** 过客: low loyalty, low value. */
  | 'STRANGER'
  /** 知己: high loyalty, high value. */
  | 'TRUE_FRIEND';

export type MemberFieldInput = {
  /** A choice's words. */
  choices?: Array<string> | null | undefined;
  /**
   * Lowercase letters, digits and `_`, starting with a letter: `family`, `shoe_size`. Fixed
   * once defined.
   */
  key: string;
  kind: MemberFieldKind;
  label: string;
};

/** What a brand's own member field holds. */
export type MemberFieldKind =
  /** One of the field's words. */
  | 'CHOICE'
  /** A day, `YYYY-MM-DD`. */
  | 'DATE'
  | 'NUMBER'
  | 'TEXT';

/** One value to set; none or empty clears it. */
export type MemberFieldValueInput = {
  key: string;
  value?: string | null | undefined;
};

/**
 * Profile fields of a member. On create, `name` is required; on update, a field left out stays
 * as it is and an empty string clears a text field.
 */
export type MemberFields = {
  address?: string | null | undefined;
  birthday?: string | null | undefined;
  city?: string | null | undefined;
  /** Where consent was given or withdrawn, e.g. `store-form`, `app`, `import`. */
  consentSource?: string | null | undefined;
  /** The wording the member was shown when they consented (kept as proof). */
  consentWording?: string | null | undefined;
  email?: string | null | undefined;
  /**
   * Marketing email to `email`. Under the brand's double opt-in, granting it emails the member
   * a confirmation link and it takes effect once they confirm (`emailConsentPending` till then).
   */
  emailConsent?: boolean | null | undefined;
  gender?: Gender | null | undefined;
  interests?: Array<string> | null | undefined;
  joinedAt?: string | null | undefined;
  locale?: string | null | undefined;
  /** Celebrate the lunar-calendar anniversary of the birthday. */
  lunarBirthday?: boolean | null | undefined;
  name?: string | null | undefined;
  phone?: string | null | undefined;
  /** Member number of the member who referred this one. */
  referredBy?: string | null | undefined;
  /** Marketing text messages to `phone`. */
  smsConsent?: boolean | null | undefined;
  /** Home store code. */
  storeCode?: string | null | undefined;
  timeZone?: string | null | undefined;
  /** Marketing WeChat messages to a bound openid. */
  wechatConsent?: boolean | null | undefined;
  /** With the brand's mini-program. */
  wechatMiniOpenid?: string | null | undefined;
  /**
   * The member's openid with the brand's Official Account (from the member app or the
   * brand's backend); an empty string unbinds it.
   */
  wechatOpenid?: string | null | undefined;
  wechatUnionid?: string | null | undefined;
};

/** Filters of the member list. All given filters must match. */
export type MemberFilter = {
  /** Only members assigned to the calling associate. */
  assignedToMe?: boolean | null | undefined;
  /** 1–12. */
  birthdayMonth?: number | null | undefined;
  city?: string | null | undefined;
  declining?: boolean | null | undefined;
  emailConsent?: boolean | null | undefined;
  gender?: Gender | null | undefined;
  /** Include erased records (admins only). */
  includeErased?: boolean | null | undefined;
  joinedFrom?: string | null | undefined;
  joinedTo?: string | null | undefined;
  lapsed?: boolean | null | undefined;
  layer?: Layer | null | undefined;
  loyaltyQuadrant?: LoyaltyQuadrant | null | undefined;
  maxPAlive?: number | null | undefined;
  maxRecencyDays?: number | null | undefined;
  minClv?: string | null | undefined;
  minFScore?: number | null | undefined;
  minMScore?: number | null | undefined;
  minPAlive?: number | null | undefined;
  minRScore?: number | null | undefined;
  minRecencyDays?: number | null | undefined;
  /**
   * Part of the name or member number (case-insensitive), or a whole phone number or email;
   * part of a phone or email only where the viewer sees it unmasked.
   */
  search?: string | null | undefined;
  storeCode?: string | null | undefined;
  /** From the latest analytics run: */
  tiers?: Array<TierLevel> | null | undefined;
  valueQuadrant?: ValueQuadrant | null | undefined;
};

export type MemberOrder = {
  direction?: SortDirection;
  field: MemberOrderField;
};

export type MemberOrderField =
  | 'BIRTHDAY'
  | 'CLV'
  | 'CREATED_AT'
  | 'FREQUENCY_365'
  | 'JOINED_AT'
  | 'MEMBER_NO'
  | 'MONETARY_365'
  | 'NAME'
  | 'P_ALIVE'
  | 'RECENCY_DAYS'
  | 'TIER';

/** A line of the points ledger. */
export type PointsKind =
  | 'ADJUST'
  | 'EARN'
  | 'EXPIRE'
  | 'REDEEM';

export type PurchaseInput = {
  /** Net amount paid, not negative. */
  amount: string;
  category?: string | null | undefined;
  /**
   * A coupon of the member's redeemed with the order: checked before the order is recorded,
   * so a coupon that does not apply records nothing.
   */
  couponCode?: string | null | undefined;
  memberNo: string;
  occurredAt: string;
  /** The order id: recording the same order twice changes nothing. */
  orderId: string;
  /** Gross profit, when known. */
  profit?: string | null | undefined;
  storeCode?: string | null | undefined;
};

export type ReturnInput = {
  /** Amount refunded, positive; at most what the order paid. */
  amount: string;
  /**
   * The member the return is recorded for, when the client knows it: an order of another
   * member's is refused rather than returned.
   */
  memberNo?: string | null | undefined;
  occurredAt: string;
  /** The order being returned. */
  orderId: string;
  /** Gross profit given back, positive, when known. */
  profit?: string | null | undefined;
};

/**
 * What a token may do. Staff roles act on the member file; `Member` is a frontend app acting
 * for one member.
 */
export type Role =
  | 'ADMIN'
  | 'ASSOCIATE'
  | 'MARKETER'
  | 'MEMBER';

/** When a campaign sends: exactly one of these. */
export type ScheduleInput =
  {   /** Once, at this time in the brand's time zone. */
  at: string; cron?: never; local?: never; onEntry?: never; }
  |  { at?: never;   /** At every tick of a cron expression with seconds in the brand's zone, e.g. `0 0 10 * * TUE`. */
  cron: string; local?: never; onEntry?: never; }
  |  { at?: never; cron?: never;   /** Once, at a time of day on a date in each member's own time zone. */
  local: LocalTimeInput; onEntry?: never; }
  |  { at?: never; cron?: never; local?: never;   /** Whenever a member enters the campaign's segment (at each refresh); `true`. */
  onEntry: boolean; };

/** One node of a segment filter: a group, a negation or one condition. */
export type SegmentFilter =
  {   /** Every filter holds. */
  and: Array<SegmentFilter>; birthdayWithin?: never; bought?: never; boughtNothing?: never; field?: never; inSegment?: never; not?: never; or?: never; tierChange?: never; }
  |  { and?: never;   /**
   * The birthday is within the next N days (0: today): the lunar one for members who keep a
   * lunar birthday; 29 February counts as 28 February in common years.
   */
  birthdayWithin: number; bought?: never; boughtNothing?: never; field?: never; inSegment?: never; not?: never; or?: never; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never;   /** Bought in a window, optionally in one category or at one store. */
  bought: BoughtCondition; boughtNothing?: never; field?: never; inSegment?: never; not?: never; or?: never; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never; bought?: never;   /** No purchase at all in the window (true for members who never bought). */
  boughtNothing: TimeWindow; field?: never; inSegment?: never; not?: never; or?: never; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never; bought?: never; boughtNothing?: never;   /**
   * A profile field or a field of the latest analytics run: `{ field: "tier", op: IN,
   * values: ["A", "B"] }`. Without a metrics row (never analysed) a metrics field is false.
   */
  field: FieldCondition; inSegment?: never; not?: never; or?: never; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never; bought?: never; boughtNothing?: never; field?: never;   /** Member of a saved segment. */
  inSegment: string; not?: never; or?: never; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never; bought?: never; boughtNothing?: never; field?: never; inSegment?: never;   not: SegmentFilter; or?: never; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never; bought?: never; boughtNothing?: never; field?: never; inSegment?: never; not?: never;   /** At least one filter holds. */
  or: Array<SegmentFilter>; tierChange?: never; }
  |  { and?: never; birthdayWithin?: never; bought?: never; boughtNothing?: never; field?: never; inSegment?: never; not?: never; or?: never;   /** The latest analytics run changed the member's tier. */
  tierChange: TierChangeCondition; };

export type SmsTemplateInput = {
  /** `birthday`, `holiday`, `winback`, `points_expiry`, `coupon_expiry` or a campaign's `campaign:<id>`. */
  kind: string;
  locale: string;
  /** Each placeholder's value, e.g. `name` → `{{ member.name }}`. */
  params: Array<FieldInput>;
  /** The template code the provider approved (Aliyun `SMS_…`, Tencent's id); Twilio needs none. */
  templateCode: string;
  /** The approved wording, with the provider's placeholders (`${name}`, or `{1}`). */
  text: string;
};

export type SortDirection =
  | 'ASC'
  | 'DESC';

/** What a brand does for a quadrant's members. */
export type Strategy =
  /** 深度获取: butterflies, question marks. */
  | 'DEEP_ACQUISITION'
  /** 深度关爱: true friends, stars. */
  | 'DEEP_CARE'
  /** 深度挖掘: barnacles, cash cows. */
  | 'DEEP_MINING'
  /** 长期培育: strangers, dogs. */
  | 'LONG_TERM_CULTIVATION';

/** How a satisfaction survey asks. */
export type SurveyScale =
  /** Customer satisfaction, 1 (very unhappy) to 5 (very happy). */
  | 'CSAT'
  /** Net Promoter Score: how likely to recommend us, 0 to 10. */
  | 'NPS';

/** Why an associate calls a member. */
export type TaskKind =
  /** 回访: a few days after a large purchase. */
  | 'AFTER_PURCHASE_CALL'
  /** A greeting before an A or B member's birthday. */
  | 'BIRTHDAY_CALL'
  /** A switched-on playbook's regular call to the members of its strategy. */
  | 'CARE_CALL'
  /** 回访: a few days after a complaint was resolved. */
  | 'COMPLAINT_FOLLOW_UP'
  /** A greeting before a holiday, for A members. */
  | 'HOLIDAY_CALL'
  /** A journey's call step: no rule of its own, the journey says who and when. */
  | 'JOURNEY_CALL'
  /** A member who first reached A or B. */
  | 'WELCOME_CALL'
  /** A lapsed repeat buyer: find out why, and bring them back. */
  | 'WINBACK_CALL';

/** How a task ended. */
export type TaskOutcomeInput = {
  /** For a win-back call: why the member stopped coming, as they said. */
  lapseReason?: LapseReason | null | undefined;
  note?: string | null | undefined;
  /** Done with this outcome; none: skipped. */
  outcome?: CallOutcome | null | undefined;
};

/** A rule's settings; what is left out stays as it is. */
export type TaskRuleInput = {
  /**
   * Birthday: days before it (0–30); after a purchase or a resolved complaint: days after it
   * (0–60).
   */
  days?: number | null | undefined;
  enabled?: boolean | null | undefined;
  /** The share held back to measure the calls' worth: 0 to 0.5, in steps of 0.0001. */
  holdoutShare?: string | null | undefined;
  /** After a purchase: the least amount that earns a call. */
  minAmount?: string | null | undefined;
  /** Days a task stays open (1–60); a birthday call stays open until the birthday. */
  openDays?: number | null | undefined;
  /** The tiers it is for; empty: every tier. */
  tiers?: Array<TierLevel> | null | undefined;
};

export type TaskStatus =
  | 'DONE'
  /** Its moment passed before anyone did it. */
  | 'EXPIRED'
  | 'OPEN'
  | 'SKIPPED';

export type TemplateInput = {
  html: string;
  /** `birthday`, `holiday`, `winback` or a campaign's `campaign:<id>`. */
  kind: string;
  /** `zh-CN` or `en`. */
  locale: string;
  subject: string;
  text: string;
};

/** A tier change of the latest run; every given part must hold. */
export type TierChangeCondition = {
  direction?: TierDirection | null | undefined;
  from?: Array<TierLevel> | null | undefined;
  to?: Array<TierLevel> | null | undefined;
};

export type TierDirection =
  | 'DOWNGRADED'
  | 'UPGRADED';

/** A member class: A is best ("消费频率高、金额高的为A类顾客，并依次分类"). */
export type TierLevel =
  | 'A'
  | 'B'
  | 'C'
  | 'D';

/**
 * `lastDays: N` — the N days up to and including the as-of date (a purchase exactly N days
 * ago is outside) — or `from` and `to`, both included.
 */
export type TimeWindow = {
  from?: string | null | undefined;
  lastDays?: number | null | undefined;
  to?: string | null | undefined;
};

/** The value curve: current value × potential value. */
export type ValueQuadrant =
  /** 现金: high current, low potential. */
  | 'CASH_COW'
  /** 瘦狗: low current, low potential. */
  | 'DOG'
  /** 问题: low current, high potential. */
  | 'QUESTION_MARK'
  /** 明星: high current, high potential. */
  | 'STAR';

/** Which WeChat message a template is. */
export type WechatMessageKind =
  /** An Official Account template message, to followers. */
  | 'OFFICIAL'
  /** A mini-program subscribe message, to members who accepted it. */
  | 'SUBSCRIBE';

export type WechatTemplateInput = {
  /** Each field of the template (`thing1`, `time2`, …) and what fills it. */
  fields: Array<FieldInput>;
  kind: string;
  /** Where a tap leads: a URL, or a mini-program page (minijinja). */
  link?: string | null | undefined;
  locale: string;
  messageKind: WechatMessageKind;
  templateId: string;
};

export type SignInMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type SignInMutation = { signIn: { token: string, role: Role, expiresAt: string } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { role: Role, actor: string, staff: { username: string, displayName: string, email: string | null, manager: boolean, store: { code: string, name: string } | null } | null } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { analyticsRuns: Array<{ asOf: string, members: number, kpis: { activeMembers: number, repurchaseRate: number, churnRate: number, referralRate: number, top20RevenueShare: number } }>, analyticsRun: { asOf: string, members: number, finishedAt: string, declining: number, lapsed: number, kpis: { activeMembers: number, repurchaseRate: number, churnRate: number, referralRate: number, top20RevenueShare: number }, tierDistribution: Array<{ key: string, count: number }>, tierMigration: Array<{ from: string, to: string, count: number }>, loyaltyQuadrants: Array<{ key: string, count: number }>, valueQuadrants: Array<{ key: string, count: number }>, layers: Array<{ key: string, count: number }>, bgnbd: { r: number, alpha: number, a: number, b: number, logLikelihood: number, timeUnit: string } | null, gammaGamma: { p: number, q: number, v: number, logLikelihood: number } | null } | null, jobRuns: Array<{ id: number, job: string, asOf: string | null, trigger: string, status: string, startedAt: string, finishedAt: string | null, error: string | null }> };

export type SatisfactionReportQueryVariables = Exact<{
  scale?: SurveyScale | null | undefined;
  from: string;
  to: string;
  storeCode?: string | null | undefined;
}>;


export type SatisfactionReportQuery = { satisfactionReport: { scale: SurveyScale, overall: { asked: number, answered: number, responseRate: string | null, average: string | null, score: string | null, high: number, low: number }, byStore: Array<{ store: { code: string, name: string } | null, figures: { asked: number, answered: number, responseRate: string | null, average: string | null, score: string | null, high: number, low: number } }>, byAssociate: Array<{ associate: { username: string, displayName: string } | null, figures: { asked: number, answered: number, responseRate: string | null, average: string | null, score: string | null, high: number, low: number } }>, byMonth: Array<{ month: string, figures: { asked: number, answered: number, responseRate: string | null, average: string | null, score: string | null, high: number, low: number } }> } };

export type MembersQueryVariables = Exact<{
  filter?: MemberFilter | null | undefined;
  orderBy?: MemberOrder | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type MembersQuery = { members: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { memberNo: string, name: string, city: string | null, joinedAt: string, phone: string | null, contactMasked: boolean, pointsBalance: number, tier: TierLevel | null, store: { code: string, name: string } | null, metrics: { recencyDays: number | null, monetary365: string, pAlive: number | null, clv: string | null, lapsed: boolean, declining: boolean } | null } }> }, stores: Array<{ code: string, name: string }> };

export type MemberQueryVariables = Exact<{
  memberNo: string;
}>;


export type MemberQuery = { member: { memberNo: string, name: string, gender: Gender | null, birthday: string | null, lunarBirthday: boolean, phone: string | null, email: string | null, address: string | null, contactMasked: boolean, city: string | null, joinedAt: string, interests: Array<string>, locale: string, timeZone: string, emailConsent: boolean, emailConsentPending: boolean, consentSource: string | null, consentAt: string | null, smsConsent: boolean, wechatConsent: boolean, wechatBound: boolean, status: string, pointsBalance: number, tier: TierLevel | null, consents: Array<{ channel: Channel, granted: boolean, source: string, wording: string | null, recordedAt: string }>, store: { code: string, name: string } | null, assignedAssociate: { username: string, displayName: string } | null, referredBy: { memberNo: string, name: string } | null, metrics: { asOf: string, recencyDays: number | null, frequency365: number, monetary365: string, profit365: string, ordersTotal: number, spendTotal: string, firstPurchase: string | null, lastPurchase: string | null, avgOrderValue: string | null, rScore: number | null, fScore: number | null, mScore: number | null, qualifiedTier: TierLevel | null, belowTierSince: string | null, pAlive: number | null, expectedPurchases365: number | null, expectedValue365: string | null, clv: string | null, simpleClv: string, loyaltyQuadrant: LoyaltyQuadrant | null, loyaltyStrategy: Strategy | null, valueQuadrant: ValueQuadrant | null, valueStrategy: Strategy | null, layer: Layer | null, declining: boolean, lapsed: boolean } | null, tierHistory: Array<{ oldTier: TierLevel | null, newTier: TierLevel | null, reason: string, changedAt: string }>, purchases: { edges: Array<{ node: { id: string, orderId: string, kind: string, occurredAt: string, amount: string, profit: string | null, category: string | null, store: { name: string } | null } }> }, feedback: { edges: Array<{ node: { id: string, kind: FeedbackKind | null, score: number | null, scale: SurveyScale | null, body: string | null, status: string, resolution: string | null, resolvedAt: string | null, createdAt: string } }> }, pointsLedger: { edges: Array<{ node: { id: string, kind: PointsKind | null, points: number, reason: string | null, reference: string | null, createdAt: string } }> }, customFields: Array<{ key: string, label: string, kind: MemberFieldKind, value: string, updatedAt: string }> }, memberFields: Array<{ key: string, label: string, kind: MemberFieldKind, choices: Array<string> }> };

export type MemberFieldsQueryVariables = Exact<{ [key: string]: never; }>;


export type MemberFieldsQuery = { memberFields: Array<{ key: string, label: string, kind: MemberFieldKind, choices: Array<string> }> };

export type DefineMemberFieldMutationVariables = Exact<{
  input: MemberFieldInput;
}>;


export type DefineMemberFieldMutation = { defineMemberField: { key: string, label: string, kind: MemberFieldKind, choices: Array<string> } };

export type SetMemberFieldsMutationVariables = Exact<{
  memberNo: string;
  values: Array<MemberFieldValueInput> | MemberFieldValueInput;
}>;


export type SetMemberFieldsMutation = { setMemberFields: Array<{ key: string, label: string, kind: MemberFieldKind, value: string, updatedAt: string }> };

export type MemberNotesQueryVariables = Exact<{
  memberNo: string;
  first?: number | null | undefined;
}>;


export type MemberNotesQuery = { member: { notes: Array<{ id: string, author: string, body: string, createdAt: string, writtenBy: { username: string, displayName: string } | null }> } };

export type AddMemberNoteMutationVariables = Exact<{
  memberNo: string;
  body: string;
}>;


export type AddMemberNoteMutation = { addMemberNote: { id: string } };

export type MemberOutreachQueryVariables = Exact<{
  memberNo: string;
}>;


export type MemberOutreachQuery = { member: { segments: Array<{ id: string, name: string }> }, outbox: { totalCount: number, edges: Array<{ node: { kind: string, occurrence: string, status: string, dueAt: string, sentAt: string | null, attempts: number, lastError: string | null } }> } };

export type RecordPurchaseMutationVariables = Exact<{
  input: PurchaseInput;
}>;


export type RecordPurchaseMutation = { recordPurchase: { id: string } };

export type MemberFormChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type MemberFormChoicesQuery = { stores: Array<{ code: string, name: string }> };

export type MemberProfileQueryVariables = Exact<{
  memberNo: string;
}>;


export type MemberProfileQuery = { member: { memberNo: string, name: string, gender: Gender | null, birthday: string | null, lunarBirthday: boolean, phone: string | null, email: string | null, address: string | null, contactMasked: boolean, city: string | null, joinedAt: string, interests: Array<string>, locale: string, timeZone: string, store: { code: string, name: string } | null, referredBy: { memberNo: string, name: string } | null } };

export type CreateMemberMutationVariables = Exact<{
  memberNo: string;
  input: MemberFields;
}>;


export type CreateMemberMutation = { createMember: { memberNo: string, name: string } };

export type UpdateMemberMutationVariables = Exact<{
  memberNo: string;
  input: MemberFields;
}>;


export type UpdateMemberMutation = { updateMember: { memberNo: string, name: string } };

export type AssignAssociateMutationVariables = Exact<{
  memberNo: string;
  username?: string | null | undefined;
}>;


export type AssignAssociateMutation = { assignAssociate: { memberNo: string, assignedAssociate: { username: string, displayName: string } | null } };

export type RecordReturnMutationVariables = Exact<{
  input: ReturnInput;
}>;


export type RecordReturnMutation = { recordReturn: { id: string, orderId: string, amount: string } };

export type RecordFeedbackMutationVariables = Exact<{
  input: FeedbackInput;
}>;


export type RecordFeedbackMutation = { recordFeedback: { id: string } };

export type EarnPointsMutationVariables = Exact<{
  memberNo: string;
  points: number;
  reference?: string | null | undefined;
}>;


export type EarnPointsMutation = { earnPoints: { id: string } };

export type RedeemPointsMutationVariables = Exact<{
  memberNo: string;
  points: number;
  reference?: string | null | undefined;
}>;


export type RedeemPointsMutation = { redeemPoints: { id: string } };

export type TemplatesQueryVariables = Exact<{
  kind?: string | null | undefined;
}>;


export type TemplatesQuery = { emailTemplates: Array<{ kind: string, locale: string, subject: string, text: string, html: string, custom: boolean }>, members: { edges: Array<{ node: { memberNo: string } }> }, me: { staff: { email: string | null } | null } };

export type PreviewTemplateQueryVariables = Exact<{
  input: TemplateInput;
  memberNo: string;
}>;


export type PreviewTemplateQuery = { previewTemplate: { email: { subject: string, text: string, html: string } | null, problem: { part: string, line: number | null, message: string } | null } };

export type SaveTemplateMutationVariables = Exact<{
  input: TemplateInput;
}>;


export type SaveTemplateMutation = { saveEmailTemplate: boolean };

export type ResetTemplateMutationVariables = Exact<{
  kind: string;
  locale: string;
}>;


export type ResetTemplateMutation = { resetEmailTemplate: boolean };

export type SendTestEmailMutationVariables = Exact<{
  kind: string;
  memberNo: string;
  to: string;
  locale?: string | null | undefined;
}>;


export type SendTestEmailMutation = { sendTestEmail: boolean };

export type HolidaysQueryVariables = Exact<{
  year: number;
}>;


export type HolidaysQuery = { holidays: Array<{ key: string, name: string, nameZh: string, nameEn: string, date: string | null, calendar: CalendarKind, enabled: boolean, daysBefore: number, builtin: boolean }> };

export type SaveHolidayMutationVariables = Exact<{
  input: HolidayInput;
  year?: number | null | undefined;
}>;


export type SaveHolidayMutation = { saveHoliday: { key: string, date: string | null } };

export type CallListQueryVariables = Exact<{ [key: string]: never; }>;


export type CallListQuery = { myCallList: Array<{ memberNo: string, name: string, phone: string | null, email: string | null, contactMasked: boolean, tier: TierLevel | null, metrics: { recencyDays: number | null, lastPurchase: string | null, clv: string | null, pAlive: number | null, ordersTotal: number } | null }> };

export type RecordCallOutcomeMutationVariables = Exact<{
  memberNo: string;
  outcome: CallOutcome;
  note?: string | null | undefined;
}>;


export type RecordCallOutcomeMutation = { recordCallOutcome: { outcome: string, createdAt: string } };

export type SegmentsQueryVariables = Exact<{ [key: string]: never; }>;


export type SegmentsQuery = { segments: Array<{ id: string, name: string, description: string | null, lastCount: number | null, lastRefreshedAt: string | null, count: number, updatedBy: string, updatedAt: string }> };

export type SegmentChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type SegmentChoicesQuery = { segments: Array<{ id: string, name: string }>, stores: Array<{ code: string, name: string }>, segmentFields: Array<{ name: string, kind: string, operators: Array<FilterOp>, choices: Array<string>, nullable: boolean }>, memberFields: Array<{ key: string, label: string, kind: MemberFieldKind, choices: Array<string> }> };

export type SegmentPreviewQueryVariables = Exact<{
  filter: SegmentFilter;
  first?: number | null | undefined;
}>;


export type SegmentPreviewQuery = { segmentPreview: { count: number, edges: Array<{ node: { memberNo: string, name: string, city: string | null, tier: TierLevel | null, store: { name: string } | null, metrics: { recencyDays: number | null, monetary365: string } | null } }> } };

export type SegmentQueryVariables = Exact<{
  id: string;
  since?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type SegmentQuery = { segment: { id: string, name: string, description: string | null, filter: unknown, createdBy: string, updatedBy: string, createdAt: string, updatedAt: string, lastRefreshedAt: string | null, lastCount: number | null, count: number, refreshes: Array<{ id: string, refreshedAt: string, asOf: string, requestedBy: string, members: number, entered: number, left: number }>, members: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { memberNo: string, name: string, city: string | null, tier: TierLevel | null, store: { name: string } | null } }> }, entered: { nodes: Array<{ at: string, member: { memberNo: string, name: string, tier: TierLevel | null } | null }> }, left: { nodes: Array<{ at: string, member: { memberNo: string, name: string, tier: TierLevel | null } | null }> } } };

export type CreateSegmentMutationVariables = Exact<{
  name: string;
  description?: string | null | undefined;
  filter: SegmentFilter;
}>;


export type CreateSegmentMutation = { createSegment: { id: string } };

export type UpdateSegmentMutationVariables = Exact<{
  id: string;
  name?: string | null | undefined;
  description?: string | null | undefined;
  filter?: SegmentFilter | null | undefined;
}>;


export type UpdateSegmentMutation = { updateSegment: { id: string } };

export type DeleteSegmentMutationVariables = Exact<{
  id: string;
}>;


export type DeleteSegmentMutation = { deleteSegment: boolean };

export type RefreshSegmentMutationVariables = Exact<{
  id: string;
}>;


export type RefreshSegmentMutation = { refreshSegment: { id: string, refreshedAt: string, members: number, entered: number, left: number } };

export type CampaignsQueryVariables = Exact<{ [key: string]: never; }>;


export type CampaignsQuery = { campaigns: Array<{ id: string, name: string, kind: CampaignKind, status: string, schedule: unknown, nextStartAt: string | null, sendTime: string | null, priority: number, holdoutShare: string, updatedBy: string, updatedAt: string, segment: { id: string, name: string } | null }> };

export type CampaignQueryVariables = Exact<{
  id: string;
}>;


export type CampaignQuery = { campaign: { id: string, name: string, kind: CampaignKind, status: string, schedule: unknown, nextStartAt: string | null, templateKind: string, templateLocales: Array<string>, oncePerMember: boolean, holdoutShare: string, priority: number, channels: Array<Channel>, attributionDays: number, category: string | null, categoryWindowDays: number | null, sendTime: string | null, daysBefore: number | null, createdBy: string, updatedBy: string, updatedAt: string, segment: { id: string, name: string } | null, coupon: { id: string, name: string } | null, occurrences: Array<{ id: string, key: string, startedAt: string, audience: number, heldOut: number, queued: number, report: { sent: number, deferred: number, failed: number, suppressed: number, paused: number, cancelled: number, unsubscribed: number, eta: string | null, channels: Array<{ channel: Channel, sent: number, delivered: number, failed: number, optedOut: number, smsParts: number, smsCost: string | null }>, sentGroup: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, heldOutGroup: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, uplift: { sentPerMember: string, heldOutPerMember: string, upliftPerMember: string, standardError: string, incrementalRevenue: string, incrementalLow: string, incrementalHigh: string } | null, upliftCuped: { sentPerMember: string, heldOutPerMember: string, upliftPerMember: string, standardError: string, incrementalRevenue: string, incrementalLow: string, incrementalHigh: string } | null } }> }, segments: Array<{ id: string, name: string }>, couponDefinitions: Array<{ id: string, name: string }> };

export type OfferChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type OfferChoicesQuery = { couponDefinitions: Array<{ id: string, name: string }> };

export type CreateCampaignMutationVariables = Exact<{
  input: CampaignInput;
}>;


export type CreateCampaignMutation = { createCampaign: { id: string } };

export type UpdateCampaignMutationVariables = Exact<{
  id: string;
  input: CampaignInput;
}>;


export type UpdateCampaignMutation = { updateCampaign: { id: string } };

export type ScheduleCampaignMutationVariables = Exact<{
  id: string;
}>;


export type ScheduleCampaignMutation = { scheduleCampaign: { id: string, status: string } };

export type PauseCampaignMutationVariables = Exact<{
  id: string;
}>;


export type PauseCampaignMutation = { pauseCampaign: { id: string, status: string } };

export type ResumeCampaignMutationVariables = Exact<{
  id: string;
}>;


export type ResumeCampaignMutation = { resumeCampaign: { id: string, status: string } };

export type CancelCampaignMutationVariables = Exact<{
  id: string;
}>;


export type CancelCampaignMutation = { cancelCampaign: { id: string, status: string } };

export type AccessQueryVariables = Exact<{ [key: string]: never; }>;


export type AccessQuery = { staffUsers: Array<{ username: string, displayName: string, role: string, manager: boolean, disabledAt: string | null, store: { code: string } | null }>, appKeys: Array<{ id: string, name: string, createdBy: string, createdAt: string, lastUsedAt: string | null, revokedAt: string | null }> };

export type DisableStaffUserMutationVariables = Exact<{
  username: string;
}>;


export type DisableStaffUserMutation = { disableStaffUser: { username: string, disabledAt: string | null } };

export type EnableStaffUserMutationVariables = Exact<{
  username: string;
}>;


export type EnableStaffUserMutation = { enableStaffUser: { username: string, disabledAt: string | null } };

export type SetStoreManagerMutationVariables = Exact<{
  username: string;
  manager: boolean;
}>;


export type SetStoreManagerMutation = { setStoreManager: { username: string, manager: boolean } };

export type CreateAppKeyMutationVariables = Exact<{
  name: string;
}>;


export type CreateAppKeyMutation = { createAppKey: { key: string, appKey: { id: string } } };

export type RevokeAppKeyMutationVariables = Exact<{
  id: string;
}>;


export type RevokeAppKeyMutation = { revokeAppKey: { id: string, revokedAt: string | null } };

export type RevokeTokensOfMutationVariables = Exact<{
  memberNo?: string | null | undefined;
  username?: string | null | undefined;
}>;


export type RevokeTokensOfMutation = { revokeTokensOf: boolean };

export type RevokeTokenMutationVariables = Exact<{
  token: string;
}>;


export type RevokeTokenMutation = { revokeToken: boolean };

export type ChannelTemplatesQueryVariables = Exact<{ [key: string]: never; }>;


export type ChannelTemplatesQuery = { smsTemplates: Array<{ kind: string, locale: string, custom: boolean, templateCode: string, text: string, params: Array<{ name: string, value: string }> }>, wechatTemplates: Array<{ kind: string, locale: string, messageKind: WechatMessageKind | null, templateId: string, link: string | null, fields: Array<{ name: string, value: string }> }>, members: { edges: Array<{ node: { memberNo: string } }> } };

export type SaveSmsTemplateMutationVariables = Exact<{
  input: SmsTemplateInput;
}>;


export type SaveSmsTemplateMutation = { saveSmsTemplate: boolean };

export type SaveWechatTemplateMutationVariables = Exact<{
  input: WechatTemplateInput;
}>;


export type SaveWechatTemplateMutation = { saveWechatTemplate: boolean };

export type PreviewSmsQueryVariables = Exact<{
  kind: string;
  memberNo: string;
  locale?: string | null | undefined;
}>;


export type PreviewSmsQuery = { previewSms: { text: string, length: number, parts: number, templateCode: string } };

export type PreviewWechatQueryVariables = Exact<{
  kind: string;
  memberNo: string;
  locale?: string | null | undefined;
}>;


export type PreviewWechatQuery = { previewWechat: { templateId: string, link: string | null, fields: Array<{ name: string, value: string }> } };

export type OffersQueryVariables = Exact<{ [key: string]: never; }>;


export type OffersQuery = { couponDefinitions: Array<{ id: string, name: string, kind: CouponKind, amountOff: string | null, percentOff: number | null, maxDiscount: string | null, gift: string | null, minSpend: string, storeCodes: Array<string>, categories: Array<string>, validFrom: string | null, validUntil: string | null, validDays: number | null, perMemberLimit: number | null, stock: number | null, issued: number, pointsPrice: number | null, importedCodes: boolean, codesLeft: number | null, report: { issued: number, redeemed: number, expired: number, outstanding: number, redemptionRate: number | null, discounts: string, revenue: string, liability: string | null } }>, rewards: Array<{ id: string, name: string, pointsPrice: number | null, stock: number | null, issued: number, codesLeft: number | null, validFrom: string | null, validUntil: string | null, validDays: number | null }> };

export type DefineCouponMutationVariables = Exact<{
  input: CouponDefinitionInput;
}>;


export type DefineCouponMutation = { defineCoupon: { id: string } };

export type MemberCouponsQueryVariables = Exact<{
  memberNo: string;
}>;


export type MemberCouponsQuery = { member: { coupons: Array<{ id: string, code: string, state: CouponState, validUntil: string, orderId: string | null, discount: string | null, definition: { name: string } }> }, couponDefinitions: Array<{ id: string, name: string }>, rewards: Array<{ id: string, name: string, pointsPrice: number | null }> };

export type IssueCouponMutationVariables = Exact<{
  definitionId: string;
  memberNo: string;
}>;


export type IssueCouponMutation = { issueCoupon: { code: string } };

export type ImportCouponCodesMutationVariables = Exact<{
  definitionId: string;
  codes: Array<string> | string;
}>;


export type ImportCouponCodesMutation = { importCouponCodes: { added: number, unchanged: number, rejected: Array<{ line: number, message: string }> } };

export type RedeemRewardMutationVariables = Exact<{
  definitionId: string;
  memberNo: string;
}>;


export type RedeemRewardMutation = { redeemReward: { code: string } };

export type RedeemCouponMutationVariables = Exact<{
  code: string;
  orderId: string;
}>;


export type RedeemCouponMutation = { redeemCoupon: { code: string, discount: string | null } };

export type OpenTasksQueryVariables = Exact<{
  storeCode?: string | null | undefined;
}>;


export type OpenTasksQuery = { openTasks: Array<{ id: string, kind: TaskKind, reason: string, dueOn: string, expiresOn: string, inPool: boolean, mine: boolean, assignee: { username: string, displayName: string } | null, store: { code: string } | null, member: { memberNo: string, name: string, phone: string | null, contactMasked: boolean, tier: TierLevel | null, store: { code: string, name: string } | null } | null }> };

export type TaskStoresQueryVariables = Exact<{ [key: string]: never; }>;


export type TaskStoresQuery = { stores: Array<{ code: string, name: string }> };

export type ClaimTaskMutationVariables = Exact<{
  id: string;
}>;


export type ClaimTaskMutation = { claimTask: { id: string, kind: TaskKind, reason: string, dueOn: string, expiresOn: string, inPool: boolean, mine: boolean, assignee: { username: string, displayName: string } | null, store: { code: string } | null, member: { memberNo: string, name: string, phone: string | null, contactMasked: boolean, tier: TierLevel | null, store: { code: string, name: string } | null } | null } };

export type StoreAssociatesQueryVariables = Exact<{
  storeCode?: string | null | undefined;
}>;


export type StoreAssociatesQuery = { storeAssociates: Array<{ username: string, displayName: string }> };

export type AssignTaskMutationVariables = Exact<{
  id: string;
  username?: string | null | undefined;
}>;


export type AssignTaskMutation = { assignTask: { id: string, kind: TaskKind, reason: string, dueOn: string, expiresOn: string, inPool: boolean, mine: boolean, assignee: { username: string, displayName: string } | null, store: { code: string } | null, member: { memberNo: string, name: string, phone: string | null, contactMasked: boolean, tier: TierLevel | null, store: { code: string, name: string } | null } | null } };

export type CloseTaskMutationVariables = Exact<{
  id: string;
  input: TaskOutcomeInput;
}>;


export type CloseTaskMutation = { closeTask: { id: string, status: TaskStatus, outcome: CallOutcome | null } };

export type TaskRulesQueryVariables = Exact<{ [key: string]: never; }>;


export type TaskRulesQuery = { taskRules: Array<{ kind: TaskKind, enabled: boolean, days: number | null, minAmount: string | null, tiers: Array<TierLevel>, openDays: number, holdoutShare: string }> };

export type UpdateTaskRuleMutationVariables = Exact<{
  kind: TaskKind;
  input: TaskRuleInput;
}>;


export type UpdateTaskRuleMutation = { updateTaskRule: { kind: TaskKind, enabled: boolean, days: number | null, minAmount: string | null, tiers: Array<TierLevel>, openDays: number, holdoutShare: string } };

export type OpenComplaintsQueryVariables = Exact<{
  storeCode?: string | null | undefined;
}>;


export type OpenComplaintsQuery = { openComplaints: Array<{ id: string, body: string | null, createdAt: string, dueBy: string | null, escalatedAt: string | null, member: { memberNo: string, name: string, phone: string | null, contactMasked: boolean, tier: TierLevel | null, store: { code: string, name: string } | null } | null }> };

export type ResolveFeedbackMutationVariables = Exact<{
  id: string;
  resolution: string;
}>;


export type ResolveFeedbackMutation = { resolveFeedback: { id: string, status: string } };

export type UnattendedMembersQueryVariables = Exact<{
  storeCode: string;
}>;


export type UnattendedMembersQuery = { unattendedMembers: Array<{ memberNo: string, name: string, tier: TierLevel | null, assignedAssociate: { username: string, displayName: string, disabledAt: string | null } | null, metrics: { clv: string | null } | null }> };

export type HandOverMembersMutationVariables = Exact<{
  fromUsername: string;
  toUsername?: string | null | undefined;
}>;


export type HandOverMembersMutation = { handOverMembers: { members: number, tasks: number } };

export type TaskReportQueryVariables = Exact<{
  kind: TaskKind;
  from: string;
  to: string;
  windowDays?: number | null | undefined;
}>;


export type TaskReportQuery = { taskReport: { done: number, reached: number, tasked: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, heldBack: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, uplift: { sentPerMember: string, heldOutPerMember: string, upliftPerMember: string, incrementalRevenue: string, incrementalLow: string, incrementalHigh: string } | null, retention: { tasked: number, heldBack: number, difference: number, low: number, high: number } | null } };

export type AssociateScoresQueryVariables = Exact<{
  storeCode: string;
  from: string;
  to: string;
}>;


export type AssociateScoresQuery = { associateScores: Array<{ members: number, tasks: number, done: number, doneOnTime: number, reached: number, complaintsResolved: number, complaintsWithinSla: number, buyers: number, revenue: string, associate: { username: string, displayName: string, disabledAt: string | null } | null }> };

export type PlaybooksQueryVariables = Exact<{ [key: string]: never; }>;


export type PlaybooksQuery = { playbooks: Array<{ strategy: Strategy, name: string, enabled: boolean, callEveryDays: number | null, loyaltyQuadrants: Array<LoyaltyQuadrant>, valueQuadrants: Array<ValueQuadrant>, segment: { id: string, name: string } | null, campaign: { id: string, name: string, status: string, channels: Array<Channel> } | null }> };

export type SetPlaybookMutationVariables = Exact<{
  strategy: Strategy;
  enabled: boolean;
}>;


export type SetPlaybookMutation = { setPlaybook: { strategy: Strategy, name: string, enabled: boolean, callEveryDays: number | null, loyaltyQuadrants: Array<LoyaltyQuadrant>, valueQuadrants: Array<ValueQuadrant>, segment: { id: string, name: string } | null, campaign: { id: string, name: string, status: string, channels: Array<Channel> } | null } };

export type JourneysQueryVariables = Exact<{ [key: string]: never; }>;


export type JourneysQuery = { journeys: Array<{ id: string, key: string | null, name: string, status: JourneyStatus, updatedBy: string, updatedAt: string, version: { number: number, publishedAt: string } | null, report: { entered: number, active: number } }> };

export type JourneyQueryVariables = Exact<{
  id: string;
}>;


export type JourneyQuery = { journey: { id: string, key: string | null, name: string, status: JourneyStatus, draft: unknown, updatedBy: string, updatedAt: string, version: { id: string, number: number, definition: unknown, publishedAt: string, publishedBy: string } | null, versions: Array<{ id: string, number: number, publishedAt: string, publishedBy: string }>, report: { entered: number, heldOut: number, active: number, done: number, exited: number, entriesByDay: Array<{ date: string, count: number }>, steps: Array<{ version: number, node: number, path: string, kind: string, waiting: number, passed: number }>, treated: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, control: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, uplift: { sentPerMember: string, heldOutPerMember: string, upliftPerMember: string, standardError: string, incrementalRevenue: string, incrementalLow: string, incrementalHigh: string } | null, conversion: { tasked: number, heldBack: number, difference: number, low: number, high: number } | null, arms: Array<{ name: string, group: { members: number, buyers: number, orders: number, revenue: string, revenuePerMember: string }, uplift: { sentPerMember: string, heldOutPerMember: string, upliftPerMember: string, standardError: string, incrementalRevenue: string, incrementalLow: string, incrementalHigh: string } | null }>, leader: { name: string, runnerUp: string, clears: boolean, againstRunnerUp: { sentPerMember: string, heldOutPerMember: string, upliftPerMember: string, standardError: string, incrementalRevenue: string, incrementalLow: string, incrementalHigh: string } } | null } } };

export type JourneyChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type JourneyChoicesQuery = { campaigns: Array<{ id: string, name: string, channels: Array<Channel>, templateKind: string, templateLocales: Array<string> }>, smsTemplates: Array<{ kind: string }>, wechatTemplates: Array<{ kind: string }>, couponDefinitions: Array<{ id: string, name: string }>, segments: Array<{ id: string, name: string }>, stores: Array<{ code: string, name: string }>, segmentFields: Array<{ name: string, kind: string, operators: Array<FilterOp>, choices: Array<string>, nullable: boolean }>, memberFields: Array<{ key: string, label: string, kind: MemberFieldKind, choices: Array<string> }> };

export type CreateJourneyMutationVariables = Exact<{
  name: string;
  definition: unknown;
}>;


export type CreateJourneyMutation = { createJourney: { id: string } };

export type SaveJourneyMutationVariables = Exact<{
  id: string;
  name?: string | null | undefined;
  definition: unknown;
}>;


export type SaveJourneyMutation = { saveJourney: { id: string } };

export type PublishJourneyMutationVariables = Exact<{
  id: string;
}>;


export type PublishJourneyMutation = { publishJourney: { id: string, status: JourneyStatus, version: { number: number } | null } };

export type SetJourneyStatusMutationVariables = Exact<{
  id: string;
  status: JourneyStatus;
}>;


export type SetJourneyStatusMutation = { setJourneyStatus: { id: string, status: JourneyStatus } };

export type PromoteJourneyArmMutationVariables = Exact<{
  id: string;
  arm: string;
}>;


export type PromoteJourneyArmMutation = { promoteJourneyArm: { id: string, status: JourneyStatus, version: { number: number } | null } };

export type CreateJourneyMessageMutationVariables = Exact<{
  input: CampaignInput;
}>;


export type CreateJourneyMessageMutation = { createCampaign: { id: string, name: string, kind: CampaignKind, channels: Array<Channel>, templateKind: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const SignInDocument = new TypedDocumentString(`
    mutation SignIn($username: String!, $password: String!) {
  signIn(username: $username, password: $password) {
    token
    role
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<SignInMutation, SignInMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    role
    actor
    staff {
      username
      displayName
      email
      manager
      store {
        code
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard {
  analyticsRuns(first: 30) {
    asOf
    members
    kpis {
      activeMembers
      repurchaseRate
      churnRate
      referralRate
      top20RevenueShare
    }
  }
  analyticsRun {
    asOf
    members
    finishedAt
    declining
    lapsed
    kpis {
      activeMembers
      repurchaseRate
      churnRate
      referralRate
      top20RevenueShare
    }
    tierDistribution {
      key
      count
    }
    tierMigration {
      from
      to
      count
    }
    loyaltyQuadrants {
      key
      count
    }
    valueQuadrants {
      key
      count
    }
    layers {
      key
      count
    }
    bgnbd {
      r
      alpha
      a
      b
      logLikelihood
      timeUnit
    }
    gammaGamma {
      p
      q
      v
      logLikelihood
    }
  }
  jobRuns(first: 10) {
    id
    job
    asOf
    trigger
    status
    startedAt
    finishedAt
    error
  }
}
    `) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const SatisfactionReportDocument = new TypedDocumentString(`
    query SatisfactionReport($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $storeCode: String) {
  satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $storeCode) {
    scale
    overall {
      asked
      answered
      responseRate
      average
      score
      high
      low
    }
    byStore {
      store {
        code
        name
      }
      figures {
        asked
        answered
        responseRate
        average
        score
        high
        low
      }
    }
    byAssociate {
      associate {
        username
        displayName
      }
      figures {
        asked
        answered
        responseRate
        average
        score
        high
        low
      }
    }
    byMonth {
      month
      figures {
        asked
        answered
        responseRate
        average
        score
        high
        low
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SatisfactionReportQuery, SatisfactionReportQueryVariables>;
export const MembersDocument = new TypedDocumentString(`
    query Members($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {
  members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        memberNo
        name
        city
        joinedAt
        phone
        contactMasked
        pointsBalance
        tier
        store {
          code
          name
        }
        metrics {
          recencyDays
          monetary365
          pAlive
          clv
          lapsed
          declining
        }
      }
    }
  }
  stores {
    code
    name
  }
}
    `) as unknown as TypedDocumentString<MembersQuery, MembersQueryVariables>;
export const MemberDocument = new TypedDocumentString(`
    query Member($memberNo: String!) {
  member(memberNo: $memberNo) {
    memberNo
    name
    gender
    birthday
    lunarBirthday
    phone
    email
    address
    contactMasked
    city
    joinedAt
    interests
    locale
    timeZone
    emailConsent
    emailConsentPending
    consentSource
    consentAt
    smsConsent
    wechatConsent
    wechatBound
    status
    pointsBalance
    tier
    consents {
      channel
      granted
      source
      wording
      recordedAt
    }
    store {
      code
      name
    }
    assignedAssociate {
      username
      displayName
    }
    referredBy {
      memberNo
      name
    }
    metrics {
      asOf
      recencyDays
      frequency365
      monetary365
      profit365
      ordersTotal
      spendTotal
      firstPurchase
      lastPurchase
      avgOrderValue
      rScore
      fScore
      mScore
      qualifiedTier
      belowTierSince
      pAlive
      expectedPurchases365
      expectedValue365
      clv
      simpleClv
      loyaltyQuadrant
      loyaltyStrategy
      valueQuadrant
      valueStrategy
      layer
      declining
      lapsed
    }
    tierHistory {
      oldTier
      newTier
      reason
      changedAt
    }
    purchases(first: 20) {
      edges {
        node {
          id
          orderId
          kind
          occurredAt
          amount
          profit
          category
          store {
            name
          }
        }
      }
    }
    feedback(first: 20) {
      edges {
        node {
          id
          kind
          score
          scale
          body
          status
          resolution
          resolvedAt
          createdAt
        }
      }
    }
    pointsLedger(first: 20) {
      edges {
        node {
          id
          kind
          points
          reason
          reference
          createdAt
        }
      }
    }
    customFields {
      key
      label
      kind
      value
      updatedAt
    }
  }
  memberFields {
    key
    label
    kind
    choices
  }
}
    `) as unknown as TypedDocumentString<MemberQuery, MemberQueryVariables>;
export const MemberFieldsDocument = new TypedDocumentString(`
    query MemberFields {
  memberFields {
    key
    label
    kind
    choices
  }
}
    `) as unknown as TypedDocumentString<MemberFieldsQuery, MemberFieldsQueryVariables>;
export const DefineMemberFieldDocument = new TypedDocumentString(`
    mutation DefineMemberField($input: MemberFieldInput!) {
  defineMemberField(input: $input) {
    key
    label
    kind
    choices
  }
}
    `) as unknown as TypedDocumentString<DefineMemberFieldMutation, DefineMemberFieldMutationVariables>;
export const SetMemberFieldsDocument = new TypedDocumentString(`
    mutation SetMemberFields($memberNo: String!, $values: [MemberFieldValueInput!]!) {
  setMemberFields(memberNo: $memberNo, values: $values) {
    key
    label
    kind
    value
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<SetMemberFieldsMutation, SetMemberFieldsMutationVariables>;
export const MemberNotesDocument = new TypedDocumentString(`
    query MemberNotes($memberNo: String!, $first: Int) {
  member(memberNo: $memberNo) {
    notes(first: $first) {
      id
      author
      body
      createdAt
      writtenBy {
        username
        displayName
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MemberNotesQuery, MemberNotesQueryVariables>;
export const AddMemberNoteDocument = new TypedDocumentString(`
    mutation AddMemberNote($memberNo: String!, $body: String!) {
  addMemberNote(memberNo: $memberNo, body: $body) {
    id
  }
}
    `) as unknown as TypedDocumentString<AddMemberNoteMutation, AddMemberNoteMutationVariables>;
export const MemberOutreachDocument = new TypedDocumentString(`
    query MemberOutreach($memberNo: String!) {
  member(memberNo: $memberNo) {
    segments {
      id
      name
    }
  }
  outbox(filter: {memberNo: $memberNo}, first: 50) {
    totalCount
    edges {
      node {
        kind
        occurrence
        status
        dueAt
        sentAt
        attempts
        lastError
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MemberOutreachQuery, MemberOutreachQueryVariables>;
export const RecordPurchaseDocument = new TypedDocumentString(`
    mutation RecordPurchase($input: PurchaseInput!) {
  recordPurchase(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<RecordPurchaseMutation, RecordPurchaseMutationVariables>;
export const MemberFormChoicesDocument = new TypedDocumentString(`
    query MemberFormChoices {
  stores {
    code
    name
  }
}
    `) as unknown as TypedDocumentString<MemberFormChoicesQuery, MemberFormChoicesQueryVariables>;
export const MemberProfileDocument = new TypedDocumentString(`
    query MemberProfile($memberNo: String!) {
  member(memberNo: $memberNo) {
    memberNo
    name
    gender
    birthday
    lunarBirthday
    phone
    email
    address
    contactMasked
    city
    joinedAt
    interests
    locale
    timeZone
    store {
      code
      name
    }
    referredBy {
      memberNo
      name
    }
  }
}
    `) as unknown as TypedDocumentString<MemberProfileQuery, MemberProfileQueryVariables>;
export const CreateMemberDocument = new TypedDocumentString(`
    mutation CreateMember($memberNo: String!, $input: MemberFields!) {
  createMember(memberNo: $memberNo, input: $input) {
    memberNo
    name
  }
}
    `) as unknown as TypedDocumentString<CreateMemberMutation, CreateMemberMutationVariables>;
export const UpdateMemberDocument = new TypedDocumentString(`
    mutation UpdateMember($memberNo: String!, $input: MemberFields!) {
  updateMember(memberNo: $memberNo, input: $input) {
    memberNo
    name
  }
}
    `) as unknown as TypedDocumentString<UpdateMemberMutation, UpdateMemberMutationVariables>;
export const AssignAssociateDocument = new TypedDocumentString(`
    mutation AssignAssociate($memberNo: String!, $username: String) {
  assignAssociate(memberNo: $memberNo, username: $username) {
    memberNo
    assignedAssociate {
      username
      displayName
    }
  }
}
    `) as unknown as TypedDocumentString<AssignAssociateMutation, AssignAssociateMutationVariables>;
export const RecordReturnDocument = new TypedDocumentString(`
    mutation RecordReturn($input: ReturnInput!) {
  recordReturn(input: $input) {
    id
    orderId
    amount
  }
}
    `) as unknown as TypedDocumentString<RecordReturnMutation, RecordReturnMutationVariables>;
export const RecordFeedbackDocument = new TypedDocumentString(`
    mutation RecordFeedback($input: FeedbackInput!) {
  recordFeedback(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<RecordFeedbackMutation, RecordFeedbackMutationVariables>;
export const EarnPointsDocument = new TypedDocumentString(`
    mutation EarnPoints($memberNo: String!, $points: Int!, $reference: String) {
  earnPoints(memberNo: $memberNo, points: $points, reference: $reference) {
    id
  }
}
    `) as unknown as TypedDocumentString<EarnPointsMutation, EarnPointsMutationVariables>;
export const RedeemPointsDocument = new TypedDocumentString(`
    mutation RedeemPoints($memberNo: String!, $points: Int!, $reference: String) {
  redeemPoints(memberNo: $memberNo, points: $points, reference: $reference) {
    id
  }
}
    `) as unknown as TypedDocumentString<RedeemPointsMutation, RedeemPointsMutationVariables>;
export const TemplatesDocument = new TypedDocumentString(`
    query Templates($kind: String) {
  emailTemplates(kind: $kind) {
    kind
    locale
    subject
    text
    html
    custom
  }
  members(first: 1) {
    edges {
      node {
        memberNo
      }
    }
  }
  me {
    staff {
      email
    }
  }
}
    `) as unknown as TypedDocumentString<TemplatesQuery, TemplatesQueryVariables>;
export const PreviewTemplateDocument = new TypedDocumentString(`
    query PreviewTemplate($input: TemplateInput!, $memberNo: String!) {
  previewTemplate(input: $input, memberNo: $memberNo) {
    email {
      subject
      text
      html
    }
    problem {
      part
      line
      message
    }
  }
}
    `) as unknown as TypedDocumentString<PreviewTemplateQuery, PreviewTemplateQueryVariables>;
export const SaveTemplateDocument = new TypedDocumentString(`
    mutation SaveTemplate($input: TemplateInput!) {
  saveEmailTemplate(input: $input)
}
    `) as unknown as TypedDocumentString<SaveTemplateMutation, SaveTemplateMutationVariables>;
export const ResetTemplateDocument = new TypedDocumentString(`
    mutation ResetTemplate($kind: String!, $locale: String!) {
  resetEmailTemplate(kind: $kind, locale: $locale)
}
    `) as unknown as TypedDocumentString<ResetTemplateMutation, ResetTemplateMutationVariables>;
export const SendTestEmailDocument = new TypedDocumentString(`
    mutation SendTestEmail($kind: String!, $memberNo: String!, $to: String!, $locale: String) {
  sendTestEmail(kind: $kind, memberNo: $memberNo, to: $to, locale: $locale)
}
    `) as unknown as TypedDocumentString<SendTestEmailMutation, SendTestEmailMutationVariables>;
export const HolidaysDocument = new TypedDocumentString(`
    query Holidays($year: Int!) {
  holidays(year: $year) {
    key
    name
    nameZh
    nameEn
    date
    calendar
    enabled
    daysBefore
    builtin
  }
}
    `) as unknown as TypedDocumentString<HolidaysQuery, HolidaysQueryVariables>;
export const SaveHolidayDocument = new TypedDocumentString(`
    mutation SaveHoliday($input: HolidayInput!, $year: Int) {
  saveHoliday(input: $input, year: $year) {
    key
    date
  }
}
    `) as unknown as TypedDocumentString<SaveHolidayMutation, SaveHolidayMutationVariables>;
export const CallListDocument = new TypedDocumentString(`
    query CallList {
  myCallList(first: 50) {
    memberNo
    name
    phone
    email
    contactMasked
    tier
    metrics {
      recencyDays
      lastPurchase
      clv
      pAlive
      ordersTotal
    }
  }
}
    `) as unknown as TypedDocumentString<CallListQuery, CallListQueryVariables>;
export const RecordCallOutcomeDocument = new TypedDocumentString(`
    mutation RecordCallOutcome($memberNo: String!, $outcome: CallOutcome!, $note: String) {
  recordCallOutcome(memberNo: $memberNo, outcome: $outcome, note: $note) {
    outcome
    createdAt
  }
}
    `) as unknown as TypedDocumentString<RecordCallOutcomeMutation, RecordCallOutcomeMutationVariables>;
export const SegmentsDocument = new TypedDocumentString(`
    query Segments {
  segments {
    id
    name
    description
    lastCount
    lastRefreshedAt
    count
    updatedBy
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<SegmentsQuery, SegmentsQueryVariables>;
export const SegmentChoicesDocument = new TypedDocumentString(`
    query SegmentChoices {
  segments {
    id
    name
  }
  stores {
    code
    name
  }
  segmentFields {
    name
    kind
    operators
    choices
    nullable
  }
  memberFields {
    key
    label
    kind
    choices
  }
}
    `) as unknown as TypedDocumentString<SegmentChoicesQuery, SegmentChoicesQueryVariables>;
export const SegmentPreviewDocument = new TypedDocumentString(`
    query SegmentPreview($filter: SegmentFilter!, $first: Int) {
  segmentPreview(filter: $filter, first: $first) {
    count
    edges {
      node {
        memberNo
        name
        city
        tier
        store {
          name
        }
        metrics {
          recencyDays
          monetary365
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SegmentPreviewQuery, SegmentPreviewQueryVariables>;
export const SegmentDocument = new TypedDocumentString(`
    query Segment($id: ID!, $since: DateTime, $after: String) {
  segment(id: $id) {
    id
    name
    description
    filter
    createdBy
    updatedBy
    createdAt
    updatedAt
    lastRefreshedAt
    lastCount
    count
    refreshes(first: 60) {
      id
      refreshedAt
      asOf
      requestedBy
      members
      entered
      left
    }
    members(first: 25, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          memberNo
          name
          city
          tier
          store {
            name
          }
        }
      }
    }
    entered(since: $since, first: 50) {
      nodes {
        at
        member {
          memberNo
          name
          tier
        }
      }
    }
    left(since: $since, first: 50) {
      nodes {
        at
        member {
          memberNo
          name
          tier
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SegmentQuery, SegmentQueryVariables>;
export const CreateSegmentDocument = new TypedDocumentString(`
    mutation CreateSegment($name: String!, $description: String, $filter: SegmentFilter!) {
  createSegment(name: $name, description: $description, filter: $filter) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateSegmentMutation, CreateSegmentMutationVariables>;
export const UpdateSegmentDocument = new TypedDocumentString(`
    mutation UpdateSegment($id: ID!, $name: String, $description: String, $filter: SegmentFilter) {
  updateSegment(id: $id, name: $name, description: $description, filter: $filter) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateSegmentMutation, UpdateSegmentMutationVariables>;
export const DeleteSegmentDocument = new TypedDocumentString(`
    mutation DeleteSegment($id: ID!) {
  deleteSegment(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteSegmentMutation, DeleteSegmentMutationVariables>;
export const RefreshSegmentDocument = new TypedDocumentString(`
    mutation RefreshSegment($id: ID!) {
  refreshSegment(id: $id) {
    id
    refreshedAt
    members
    entered
    left
  }
}
    `) as unknown as TypedDocumentString<RefreshSegmentMutation, RefreshSegmentMutationVariables>;
export const CampaignsDocument = new TypedDocumentString(`
    query Campaigns {
  campaigns {
    id
    name
    kind
    status
    schedule
    nextStartAt
    sendTime
    priority
    holdoutShare
    updatedBy
    updatedAt
    segment {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<CampaignsQuery, CampaignsQueryVariables>;
export const CampaignDocument = new TypedDocumentString(`
    query Campaign($id: ID!) {
  campaign(id: $id) {
    id
    name
    kind
    status
    schedule
    nextStartAt
    templateKind
    templateLocales
    oncePerMember
    holdoutShare
    priority
    channels
    attributionDays
    category
    categoryWindowDays
    sendTime
    daysBefore
    createdBy
    updatedBy
    updatedAt
    segment {
      id
      name
    }
    coupon {
      id
      name
    }
    occurrences {
      id
      key
      startedAt
      audience
      heldOut
      queued
      report {
        sent
        deferred
        failed
        suppressed
        paused
        cancelled
        unsubscribed
        eta
        channels {
          channel
          sent
          delivered
          failed
          optedOut
          smsParts
          smsCost
        }
        sentGroup {
          members
          buyers
          orders
          revenue
          revenuePerMember
        }
        heldOutGroup {
          members
          buyers
          orders
          revenue
          revenuePerMember
        }
        uplift {
          sentPerMember
          heldOutPerMember
          upliftPerMember
          standardError
          incrementalRevenue
          incrementalLow
          incrementalHigh
        }
        upliftCuped {
          sentPerMember
          heldOutPerMember
          upliftPerMember
          standardError
          incrementalRevenue
          incrementalLow
          incrementalHigh
        }
      }
    }
  }
  segments {
    id
    name
  }
  couponDefinitions {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CampaignQuery, CampaignQueryVariables>;
export const OfferChoicesDocument = new TypedDocumentString(`
    query OfferChoices {
  couponDefinitions {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<OfferChoicesQuery, OfferChoicesQueryVariables>;
export const CreateCampaignDocument = new TypedDocumentString(`
    mutation CreateCampaign($input: CampaignInput!) {
  createCampaign(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateCampaignMutation, CreateCampaignMutationVariables>;
export const UpdateCampaignDocument = new TypedDocumentString(`
    mutation UpdateCampaign($id: ID!, $input: CampaignInput!) {
  updateCampaign(id: $id, input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateCampaignMutation, UpdateCampaignMutationVariables>;
export const ScheduleCampaignDocument = new TypedDocumentString(`
    mutation ScheduleCampaign($id: ID!) {
  scheduleCampaign(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<ScheduleCampaignMutation, ScheduleCampaignMutationVariables>;
export const PauseCampaignDocument = new TypedDocumentString(`
    mutation PauseCampaign($id: ID!) {
  pauseCampaign(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<PauseCampaignMutation, PauseCampaignMutationVariables>;
export const ResumeCampaignDocument = new TypedDocumentString(`
    mutation ResumeCampaign($id: ID!) {
  resumeCampaign(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<ResumeCampaignMutation, ResumeCampaignMutationVariables>;
export const CancelCampaignDocument = new TypedDocumentString(`
    mutation CancelCampaign($id: ID!) {
  cancelCampaign(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<CancelCampaignMutation, CancelCampaignMutationVariables>;
export const AccessDocument = new TypedDocumentString(`
    query Access {
  staffUsers {
    username
    displayName
    role
    manager
    disabledAt
    store {
      code
    }
  }
  appKeys {
    id
    name
    createdBy
    createdAt
    lastUsedAt
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<AccessQuery, AccessQueryVariables>;
export const DisableStaffUserDocument = new TypedDocumentString(`
    mutation DisableStaffUser($username: String!) {
  disableStaffUser(username: $username) {
    username
    disabledAt
  }
}
    `) as unknown as TypedDocumentString<DisableStaffUserMutation, DisableStaffUserMutationVariables>;
export const EnableStaffUserDocument = new TypedDocumentString(`
    mutation EnableStaffUser($username: String!) {
  enableStaffUser(username: $username) {
    username
    disabledAt
  }
}
    `) as unknown as TypedDocumentString<EnableStaffUserMutation, EnableStaffUserMutationVariables>;
export const SetStoreManagerDocument = new TypedDocumentString(`
    mutation SetStoreManager($username: String!, $manager: Boolean!) {
  setStoreManager(username: $username, manager: $manager) {
    username
    manager
  }
}
    `) as unknown as TypedDocumentString<SetStoreManagerMutation, SetStoreManagerMutationVariables>;
export const CreateAppKeyDocument = new TypedDocumentString(`
    mutation CreateAppKey($name: String!) {
  createAppKey(name: $name) {
    key
    appKey {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<CreateAppKeyMutation, CreateAppKeyMutationVariables>;
export const RevokeAppKeyDocument = new TypedDocumentString(`
    mutation RevokeAppKey($id: ID!) {
  revokeAppKey(id: $id) {
    id
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<RevokeAppKeyMutation, RevokeAppKeyMutationVariables>;
export const RevokeTokensOfDocument = new TypedDocumentString(`
    mutation RevokeTokensOf($memberNo: String, $username: String) {
  revokeTokensOf(memberNo: $memberNo, username: $username)
}
    `) as unknown as TypedDocumentString<RevokeTokensOfMutation, RevokeTokensOfMutationVariables>;
export const RevokeTokenDocument = new TypedDocumentString(`
    mutation RevokeToken($token: String!) {
  revokeToken(token: $token)
}
    `) as unknown as TypedDocumentString<RevokeTokenMutation, RevokeTokenMutationVariables>;
export const ChannelTemplatesDocument = new TypedDocumentString(`
    query ChannelTemplates {
  smsTemplates {
    kind
    locale
    custom
    templateCode
    text
    params {
      name
      value
    }
  }
  wechatTemplates {
    kind
    locale
    messageKind
    templateId
    link
    fields {
      name
      value
    }
  }
  members(first: 1) {
    edges {
      node {
        memberNo
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ChannelTemplatesQuery, ChannelTemplatesQueryVariables>;
export const SaveSmsTemplateDocument = new TypedDocumentString(`
    mutation SaveSmsTemplate($input: SmsTemplateInput!) {
  saveSmsTemplate(input: $input)
}
    `) as unknown as TypedDocumentString<SaveSmsTemplateMutation, SaveSmsTemplateMutationVariables>;
export const SaveWechatTemplateDocument = new TypedDocumentString(`
    mutation SaveWechatTemplate($input: WechatTemplateInput!) {
  saveWechatTemplate(input: $input)
}
    `) as unknown as TypedDocumentString<SaveWechatTemplateMutation, SaveWechatTemplateMutationVariables>;
export const PreviewSmsDocument = new TypedDocumentString(`
    query PreviewSms($kind: String!, $memberNo: String!, $locale: String) {
  previewSms(kind: $kind, memberNo: $memberNo, locale: $locale) {
    text
    length
    parts
    templateCode
  }
}
    `) as unknown as TypedDocumentString<PreviewSmsQuery, PreviewSmsQueryVariables>;
export const PreviewWechatDocument = new TypedDocumentString(`
    query PreviewWechat($kind: String!, $memberNo: String!, $locale: String) {
  previewWechat(kind: $kind, memberNo: $memberNo, locale: $locale) {
    templateId
    link
    fields {
      name
      value
    }
  }
}
    `) as unknown as TypedDocumentString<PreviewWechatQuery, PreviewWechatQueryVariables>;
export const OffersDocument = new TypedDocumentString(`
    query Offers {
  couponDefinitions {
    id
    name
    kind
    amountOff
    percentOff
    maxDiscount
    gift
    minSpend
    storeCodes
    categories
    validFrom
    validUntil
    validDays
    perMemberLimit
    stock
    issued
    pointsPrice
    importedCodes
    codesLeft
    report {
      issued
      redeemed
      expired
      outstanding
      redemptionRate
      discounts
      revenue
      liability
    }
  }
  rewards {
    id
    name
    pointsPrice
    stock
    issued
    codesLeft
    validFrom
    validUntil
    validDays
  }
}
    `) as unknown as TypedDocumentString<OffersQuery, OffersQueryVariables>;
export const DefineCouponDocument = new TypedDocumentString(`
    mutation DefineCoupon($input: CouponDefinitionInput!) {
  defineCoupon(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<DefineCouponMutation, DefineCouponMutationVariables>;
export const MemberCouponsDocument = new TypedDocumentString(`
    query MemberCoupons($memberNo: String!) {
  member(memberNo: $memberNo) {
    coupons {
      id
      code
      state
      validUntil
      orderId
      discount
      definition {
        name
      }
    }
  }
  couponDefinitions {
    id
    name
  }
  rewards(memberNo: $memberNo) {
    id
    name
    pointsPrice
  }
}
    `) as unknown as TypedDocumentString<MemberCouponsQuery, MemberCouponsQueryVariables>;
export const IssueCouponDocument = new TypedDocumentString(`
    mutation IssueCoupon($definitionId: ID!, $memberNo: String!) {
  issueCoupon(definitionId: $definitionId, memberNo: $memberNo) {
    code
  }
}
    `) as unknown as TypedDocumentString<IssueCouponMutation, IssueCouponMutationVariables>;
export const ImportCouponCodesDocument = new TypedDocumentString(`
    mutation ImportCouponCodes($definitionId: ID!, $codes: [String!]!) {
  importCouponCodes(definitionId: $definitionId, codes: $codes) {
    added
    unchanged
    rejected {
      line
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ImportCouponCodesMutation, ImportCouponCodesMutationVariables>;
export const RedeemRewardDocument = new TypedDocumentString(`
    mutation RedeemReward($definitionId: ID!, $memberNo: String!) {
  redeemReward(definitionId: $definitionId, memberNo: $memberNo) {
    code
  }
}
    `) as unknown as TypedDocumentString<RedeemRewardMutation, RedeemRewardMutationVariables>;
export const RedeemCouponDocument = new TypedDocumentString(`
    mutation RedeemCoupon($code: String!, $orderId: String!) {
  redeemCoupon(code: $code, orderId: $orderId) {
    code
    discount
  }
}
    `) as unknown as TypedDocumentString<RedeemCouponMutation, RedeemCouponMutationVariables>;
export const OpenTasksDocument = new TypedDocumentString(`
    query OpenTasks($storeCode: String) {
  openTasks(storeCode: $storeCode, first: 50) {
    id
    kind
    reason
    dueOn
    expiresOn
    inPool
    mine
    assignee {
      username
      displayName
    }
    store {
      code
    }
    member {
      memberNo
      name
      phone
      contactMasked
      tier
      store {
        code
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<OpenTasksQuery, OpenTasksQueryVariables>;
export const TaskStoresDocument = new TypedDocumentString(`
    query TaskStores {
  stores {
    code
    name
  }
}
    `) as unknown as TypedDocumentString<TaskStoresQuery, TaskStoresQueryVariables>;
export const ClaimTaskDocument = new TypedDocumentString(`
    mutation ClaimTask($id: ID!) {
  claimTask(id: $id) {
    id
    kind
    reason
    dueOn
    expiresOn
    inPool
    mine
    assignee {
      username
      displayName
    }
    store {
      code
    }
    member {
      memberNo
      name
      phone
      contactMasked
      tier
      store {
        code
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ClaimTaskMutation, ClaimTaskMutationVariables>;
export const StoreAssociatesDocument = new TypedDocumentString(`
    query StoreAssociates($storeCode: String) {
  storeAssociates(storeCode: $storeCode) {
    username
    displayName
  }
}
    `) as unknown as TypedDocumentString<StoreAssociatesQuery, StoreAssociatesQueryVariables>;
export const AssignTaskDocument = new TypedDocumentString(`
    mutation AssignTask($id: ID!, $username: String) {
  assignTask(id: $id, username: $username) {
    id
    kind
    reason
    dueOn
    expiresOn
    inPool
    mine
    assignee {
      username
      displayName
    }
    store {
      code
    }
    member {
      memberNo
      name
      phone
      contactMasked
      tier
      store {
        code
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AssignTaskMutation, AssignTaskMutationVariables>;
export const CloseTaskDocument = new TypedDocumentString(`
    mutation CloseTask($id: ID!, $input: TaskOutcomeInput!) {
  closeTask(id: $id, input: $input) {
    id
    status
    outcome
  }
}
    `) as unknown as TypedDocumentString<CloseTaskMutation, CloseTaskMutationVariables>;
export const TaskRulesDocument = new TypedDocumentString(`
    query TaskRules {
  taskRules {
    kind
    enabled
    days
    minAmount
    tiers
    openDays
    holdoutShare
  }
}
    `) as unknown as TypedDocumentString<TaskRulesQuery, TaskRulesQueryVariables>;
export const UpdateTaskRuleDocument = new TypedDocumentString(`
    mutation UpdateTaskRule($kind: TaskKind!, $input: TaskRuleInput!) {
  updateTaskRule(kind: $kind, input: $input) {
    kind
    enabled
    days
    minAmount
    tiers
    openDays
    holdoutShare
  }
}
    `) as unknown as TypedDocumentString<UpdateTaskRuleMutation, UpdateTaskRuleMutationVariables>;
export const OpenComplaintsDocument = new TypedDocumentString(`
    query OpenComplaints($storeCode: String) {
  openComplaints(storeCode: $storeCode, first: 50) {
    id
    body
    createdAt
    dueBy
    escalatedAt
    member {
      memberNo
      name
      phone
      contactMasked
      tier
      store {
        code
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<OpenComplaintsQuery, OpenComplaintsQueryVariables>;
export const ResolveFeedbackDocument = new TypedDocumentString(`
    mutation ResolveFeedback($id: ID!, $resolution: String!) {
  resolveFeedback(id: $id, resolution: $resolution) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<ResolveFeedbackMutation, ResolveFeedbackMutationVariables>;
export const UnattendedMembersDocument = new TypedDocumentString(`
    query UnattendedMembers($storeCode: String!) {
  unattendedMembers(storeCode: $storeCode, first: 50) {
    memberNo
    name
    tier
    assignedAssociate {
      username
      displayName
      disabledAt
    }
    metrics {
      clv
    }
  }
}
    `) as unknown as TypedDocumentString<UnattendedMembersQuery, UnattendedMembersQueryVariables>;
export const HandOverMembersDocument = new TypedDocumentString(`
    mutation HandOverMembers($fromUsername: String!, $toUsername: String) {
  handOverMembers(fromUsername: $fromUsername, toUsername: $toUsername) {
    members
    tasks
  }
}
    `) as unknown as TypedDocumentString<HandOverMembersMutation, HandOverMembersMutationVariables>;
export const TaskReportDocument = new TypedDocumentString(`
    query TaskReport($kind: TaskKind!, $from: NaiveDate!, $to: NaiveDate!, $windowDays: Int) {
  taskReport(kind: $kind, from: $from, to: $to, windowDays: $windowDays) {
    tasked {
      members
      buyers
      orders
      revenue
      revenuePerMember
    }
    heldBack {
      members
      buyers
      orders
      revenue
      revenuePerMember
    }
    done
    reached
    uplift {
      sentPerMember
      heldOutPerMember
      upliftPerMember
      incrementalRevenue
      incrementalLow
      incrementalHigh
    }
    retention {
      tasked
      heldBack
      difference
      low
      high
    }
  }
}
    `) as unknown as TypedDocumentString<TaskReportQuery, TaskReportQueryVariables>;
export const AssociateScoresDocument = new TypedDocumentString(`
    query AssociateScores($storeCode: String!, $from: NaiveDate!, $to: NaiveDate!) {
  associateScores(storeCode: $storeCode, from: $from, to: $to) {
    associate {
      username
      displayName
      disabledAt
    }
    members
    tasks
    done
    doneOnTime
    reached
    complaintsResolved
    complaintsWithinSla
    buyers
    revenue
  }
}
    `) as unknown as TypedDocumentString<AssociateScoresQuery, AssociateScoresQueryVariables>;
export const PlaybooksDocument = new TypedDocumentString(`
    query Playbooks {
  playbooks {
    strategy
    name
    enabled
    callEveryDays
    loyaltyQuadrants
    valueQuadrants
    segment {
      id
      name
    }
    campaign {
      id
      name
      status
      channels
    }
  }
}
    `) as unknown as TypedDocumentString<PlaybooksQuery, PlaybooksQueryVariables>;
export const SetPlaybookDocument = new TypedDocumentString(`
    mutation SetPlaybook($strategy: Strategy!, $enabled: Boolean!) {
  setPlaybook(strategy: $strategy, enabled: $enabled) {
    strategy
    name
    enabled
    callEveryDays
    loyaltyQuadrants
    valueQuadrants
    segment {
      id
      name
    }
    campaign {
      id
      name
      status
      channels
    }
  }
}
    `) as unknown as TypedDocumentString<SetPlaybookMutation, SetPlaybookMutationVariables>;
export const JourneysDocument = new TypedDocumentString(`
    query Journeys {
  journeys {
    id
    key
    name
    status
    updatedBy
    updatedAt
    version {
      number
      publishedAt
    }
    report {
      entered
      active
    }
  }
}
    `) as unknown as TypedDocumentString<JourneysQuery, JourneysQueryVariables>;
export const JourneyDocument = new TypedDocumentString(`
    query Journey($id: ID!) {
  journey(id: $id) {
    id
    key
    name
    status
    draft
    updatedBy
    updatedAt
    version {
      id
      number
      definition
      publishedAt
      publishedBy
    }
    versions {
      id
      number
      publishedAt
      publishedBy
    }
    report {
      entered
      heldOut
      active
      done
      exited
      entriesByDay {
        date
        count
      }
      steps {
        version
        node
        path
        kind
        waiting
        passed
      }
      treated {
        members
        buyers
        orders
        revenue
        revenuePerMember
      }
      control {
        members
        buyers
        orders
        revenue
        revenuePerMember
      }
      uplift {
        sentPerMember
        heldOutPerMember
        upliftPerMember
        standardError
        incrementalRevenue
        incrementalLow
        incrementalHigh
      }
      conversion {
        tasked
        heldBack
        difference
        low
        high
      }
      arms {
        name
        group {
          members
          buyers
          orders
          revenue
          revenuePerMember
        }
        uplift {
          sentPerMember
          heldOutPerMember
          upliftPerMember
          standardError
          incrementalRevenue
          incrementalLow
          incrementalHigh
        }
      }
      leader {
        name
        runnerUp
        clears
        againstRunnerUp {
          sentPerMember
          heldOutPerMember
          upliftPerMember
          standardError
          incrementalRevenue
          incrementalLow
          incrementalHigh
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<JourneyQuery, JourneyQueryVariables>;
export const JourneyChoicesDocument = new TypedDocumentString(`
    query JourneyChoices {
  campaigns(kind: JOURNEY) {
    id
    name
    channels
    templateKind
    templateLocales
  }
  smsTemplates {
    kind
  }
  wechatTemplates {
    kind
  }
  couponDefinitions {
    id
    name
  }
  segments {
    id
    name
  }
  stores {
    code
    name
  }
  segmentFields {
    name
    kind
    operators
    choices
    nullable
  }
  memberFields {
    key
    label
    kind
    choices
  }
}
    `) as unknown as TypedDocumentString<JourneyChoicesQuery, JourneyChoicesQueryVariables>;
export const CreateJourneyDocument = new TypedDocumentString(`
    mutation CreateJourney($name: String!, $definition: JSON!) {
  createJourney(name: $name, definition: $definition) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateJourneyMutation, CreateJourneyMutationVariables>;
export const SaveJourneyDocument = new TypedDocumentString(`
    mutation SaveJourney($id: ID!, $name: String, $definition: JSON!) {
  saveJourney(id: $id, name: $name, definition: $definition) {
    id
  }
}
    `) as unknown as TypedDocumentString<SaveJourneyMutation, SaveJourneyMutationVariables>;
export const PublishJourneyDocument = new TypedDocumentString(`
    mutation PublishJourney($id: ID!) {
  publishJourney(id: $id) {
    id
    status
    version {
      number
    }
  }
}
    `) as unknown as TypedDocumentString<PublishJourneyMutation, PublishJourneyMutationVariables>;
export const SetJourneyStatusDocument = new TypedDocumentString(`
    mutation SetJourneyStatus($id: ID!, $status: JourneyStatus!) {
  setJourneyStatus(id: $id, status: $status) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<SetJourneyStatusMutation, SetJourneyStatusMutationVariables>;
export const PromoteJourneyArmDocument = new TypedDocumentString(`
    mutation PromoteJourneyArm($id: ID!, $arm: String!) {
  promoteJourneyArm(id: $id, arm: $arm) {
    id
    status
    version {
      number
    }
  }
}
    `) as unknown as TypedDocumentString<PromoteJourneyArmMutation, PromoteJourneyArmMutationVariables>;
export const CreateJourneyMessageDocument = new TypedDocumentString(`
    mutation CreateJourneyMessage($input: CampaignInput!) {
  createCampaign(input: $input) {
    id
    name
    kind
    channels
    templateKind
  }
}
    `) as unknown as TypedDocumentString<CreateJourneyMessageMutation, CreateJourneyMessageMutationVariables>;