// Every GraphQL operation the console sends. `npm run codegen` types them against schema.graphql.
import { graphql } from './gql';

export const SignIn = graphql(`
  mutation SignIn($username: String!, $password: String!) {
    signIn(username: $username, password: $password) { token role expiresAt }
  }
`);

export const Me = graphql(`
  query Me {
    me { role actor staff { username displayName email store { code name } } }
  }
`);

export const Dashboard = graphql(`
  query Dashboard {
    analyticsRuns(first: 30) {
      asOf members
      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }
    }
    analyticsRun {
      asOf members finishedAt declining lapsed
      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }
      tierDistribution { key count }
      tierMigration { from to count }
      loyaltyQuadrants { key count }
      valueQuadrants { key count }
      layers { key count }
      bgnbd { r alpha a b logLikelihood timeUnit }
      gammaGamma { p q v logLikelihood }
    }
    jobRuns(first: 10) { id job asOf trigger status startedAt finishedAt error }
  }
`);

export const Members = graphql(`
  query Members($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {
    members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        memberNo name city joinedAt phone contactMasked pointsBalance tier
        store { code name }
        metrics { recencyDays monetary365 pAlive clv lapsed declining }
      } }
    }
    stores { code name }
  }
`);

export const Member = graphql(`
  query Member($memberNo: String!) {
    member(memberNo: $memberNo) {
      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt
      interests locale timeZone emailConsent consentSource consentAt status pointsBalance tier
      store { code name }
      assignedAssociate { username displayName }
      referredBy { memberNo name }
      metrics {
        asOf recencyDays frequency365 monetary365 profit365 ordersTotal spendTotal firstPurchase
        lastPurchase avgOrderValue rScore fScore mScore qualifiedTier belowTierSince pAlive
        expectedPurchases365 expectedValue365 clv simpleClv loyaltyQuadrant loyaltyStrategy
        valueQuadrant valueStrategy layer declining lapsed
      }
      tierHistory { oldTier newTier reason changedAt }
      purchases(first: 20) { edges { node { id orderId kind occurredAt amount profit category store { name } } } }
      feedback(first: 20) { edges { node { id kind score body status resolution resolvedAt createdAt } } }
      pointsLedger(first: 20) { edges { node { id kind points reason reference createdAt } } }
    }
  }
`);

export const MemberEmails = graphql(`
  query MemberEmails($memberNo: String!) {
    outbox(filter: { memberNo: $memberNo }, first: 20) {
      totalCount
      edges { node { kind occurrence status dueAt sentAt attempts lastError } }
    }
  }
`);

export const RecordPurchase = graphql(`
  mutation RecordPurchase($input: PurchaseInput!) { recordPurchase(input: $input) { id } }
`);

export const RecordFeedback = graphql(`
  mutation RecordFeedback($input: FeedbackInput!) { recordFeedback(input: $input) { id } }
`);

export const EarnPoints = graphql(`
  mutation EarnPoints($memberNo: String!, $points: Int!, $reference: String) {
    earnPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }
  }
`);

export const RedeemPoints = graphql(`
  mutation RedeemPoints($memberNo: String!, $points: Int!, $reference: String) {
    redeemPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }
  }
`);

export const Templates = graphql(`
  query Templates {
    emailTemplates { kind locale subject text html custom }
    members(first: 1) { edges { node { memberNo } } }
    me { staff { email } }
  }
`);

export const PreviewTemplate = graphql(`
  query PreviewTemplate($input: TemplateInput!, $memberNo: String!) {
    previewTemplate(input: $input, memberNo: $memberNo) {
      email { subject text html }
      problem { part line message }
    }
  }
`);

export const SaveTemplate = graphql(`
  mutation SaveTemplate($input: TemplateInput!) { saveEmailTemplate(input: $input) }
`);

export const ResetTemplate = graphql(`
  mutation ResetTemplate($kind: String!, $locale: String!) { resetEmailTemplate(kind: $kind, locale: $locale) }
`);

export const SendTestEmail = graphql(`
  mutation SendTestEmail($kind: String!, $memberNo: String!, $to: String!, $locale: String) {
    sendTestEmail(kind: $kind, memberNo: $memberNo, to: $to, locale: $locale)
  }
`);

export const Holidays = graphql(`
  query Holidays($year: Int!) {
    holidays(year: $year) { key name nameZh nameEn date calendar enabled daysBefore builtin }
  }
`);

export const SaveHoliday = graphql(`
  mutation SaveHoliday($input: HolidayInput!, $year: Int) {
    saveHoliday(input: $input, year: $year) { key date }
  }
`);

export const CallList = graphql(`
  query CallList {
    myCallList(first: 50) {
      memberNo name phone email contactMasked tier
      metrics { recencyDays lastPurchase clv pAlive ordersTotal }
    }
  }
`);

export const RecordCallOutcome = graphql(`
  mutation RecordCallOutcome($memberNo: String!, $outcome: CallOutcome!, $note: String) {
    recordCallOutcome(memberNo: $memberNo, outcome: $outcome, note: $note) { outcome createdAt }
  }
`);
