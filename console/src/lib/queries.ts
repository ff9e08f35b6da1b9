// Every GraphQL operation the console sends. `npm run codegen` types them against schema.graphql.
import { graphql } from './gql';

export const SignIn = graphql(`
  mutation SignIn($username: String!, $password: String!) {
    signIn(username: $username, password: $password) { token role expiresAt }
  }
`);

export const Me = graphql(`
  query Me {
    me { role actor staff { username displayName email manager store { code name } } }
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

// The satisfaction surveys' answers over a period (planners and admins): on a scale (the
// configured one when none is given), of one store or all; overall, per store, per associate and
// per month. (No associate's `disabledAt`: admins only, and marketers read this too.)
export const SatisfactionReport = graphql(`
  query SatisfactionReport($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $storeCode: String) {
    satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $storeCode) {
      scale
      overall { asked answered responseRate average score high low }
      byStore { store { code name } figures { asked answered responseRate average score high low } }
      byAssociate { associate { username displayName } figures { asked answered responseRate average score high low } }
      byMonth { month figures { asked answered responseRate average score high low } }
    }
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
      interests locale timeZone emailConsent emailConsentPending consentSource consentAt smsConsent wechatConsent wechatBound
      status pointsBalance tier
      consents { channel granted source wording recordedAt }
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
      feedback(first: 20) { edges { node { id kind score scale body status resolution resolvedAt createdAt } } }
      pointsLedger(first: 20) { edges { node { id kind points reason reference createdAt } } }
      customFields { key label kind value updatedAt }
    }
    memberFields { key label kind choices }
  }
`);

// The brand's own member fields (any staff reads them; planners and admins define them) and a
// member's values of them (admins and associates set them, all or none; an empty value clears).
export const MemberFields = graphql(`
  query MemberFields { memberFields { key label kind choices } }
`);

export const DefineMemberField = graphql(`
  mutation DefineMemberField($input: MemberFieldInput!) {
    defineMemberField(input: $input) { key label kind choices }
  }
`);

export const SetMemberFields = graphql(`
  mutation SetMemberFields($memberNo: String!, $values: [MemberFieldValueInput!]!) {
    setMemberFields(memberNo: $memberNo, values: $values) { key label kind value updatedAt }
  }
`);

// Staff notes on a member: admins and associates only (a marketer asking is refused the whole
// query, so the card asks for them apart).
export const MemberNotes = graphql(`
  query MemberNotes($memberNo: String!, $first: Int) {
    member(memberNo: $memberNo) { notes(first: $first) { id author body createdAt writtenBy { username displayName } } }
  }
`);

export const AddMemberNote = graphql(`
  mutation AddMemberNote($memberNo: String!, $body: String!) {
    addMemberNote(memberNo: $memberNo, body: $body) { id }
  }
`);

// Marketers and admins only: the member's saved segments and the emails sent to them.
export const MemberOutreach = graphql(`
  query MemberOutreach($memberNo: String!) {
    member(memberNo: $memberNo) { segments { id name } }
    outbox(filter: { memberNo: $memberNo }, first: 50) {
      totalCount
      edges { node { kind occurrence status dueAt sentAt attempts lastError } }
    }
  }
`);

export const RecordPurchase = graphql(`
  mutation RecordPurchase($input: PurchaseInput!) { recordPurchase(input: $input) { id } }
`);

// The member forms: a new member, a member's profile as the edit form reads it, the stores to
// choose from, and the associates' workbench on the member card (the assigned associate, a return
// against one of the member's orders).
export const MemberFormChoices = graphql(`
  query MemberFormChoices { stores { code name } }
`);

export const MemberProfile = graphql(`
  query MemberProfile($memberNo: String!) {
    member(memberNo: $memberNo) {
      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt
      interests locale timeZone
      store { code name }
      referredBy { memberNo name }
    }
  }
`);

export const CreateMember = graphql(`
  mutation CreateMember($memberNo: String!, $input: MemberFields!) {
    createMember(memberNo: $memberNo, input: $input) { memberNo name }
  }
`);

export const UpdateMember = graphql(`
  mutation UpdateMember($memberNo: String!, $input: MemberFields!) {
    updateMember(memberNo: $memberNo, input: $input) { memberNo name }
  }
`);

export const AssignAssociate = graphql(`
  mutation AssignAssociate($memberNo: String!, $username: String) {
    assignAssociate(memberNo: $memberNo, username: $username) { memberNo assignedAssociate { username displayName } }
  }
`);

export const RecordReturn = graphql(`
  mutation RecordReturn($input: ReturnInput!) { recordReturn(input: $input) { id orderId amount } }
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
  query Templates($kind: String) {
    emailTemplates(kind: $kind) { kind locale subject text html custom }
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

export const Segments = graphql(`
  query Segments {
    segments { id name description lastCount lastRefreshedAt count updatedBy updatedAt }
  }
`);

export const SegmentChoices = graphql(`
  query SegmentChoices {
    segments { id name }
    stores { code name }
    segmentFields { name kind operators choices nullable }
    memberFields { key label kind choices }
  }
`);

export const SegmentPreview = graphql(`
  query SegmentPreview($filter: SegmentFilter!, $first: Int) {
    segmentPreview(filter: $filter, first: $first) {
      count
      edges { node { memberNo name city tier store { name } metrics { recencyDays monetary365 } } }
    }
  }
`);

export const Segment = graphql(`
  query Segment($id: ID!, $since: DateTime, $after: String) {
    segment(id: $id) {
      id name description filter createdBy updatedBy createdAt updatedAt lastRefreshedAt lastCount count
      refreshes(first: 60) { id refreshedAt asOf requestedBy members entered left }
      members(first: 25, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { memberNo name city tier store { name } } }
      }
      entered(since: $since, first: 50) { nodes { at member { memberNo name tier } } }
      left(since: $since, first: 50) { nodes { at member { memberNo name tier } } }
    }
  }
`);

export const CreateSegment = graphql(`
  mutation CreateSegment($name: String!, $description: String, $filter: SegmentFilter!) {
    createSegment(name: $name, description: $description, filter: $filter) { id }
  }
`);

export const UpdateSegment = graphql(`
  mutation UpdateSegment($id: ID!, $name: String, $description: String, $filter: SegmentFilter) {
    updateSegment(id: $id, name: $name, description: $description, filter: $filter) { id }
  }
`);

export const DeleteSegment = graphql(`
  mutation DeleteSegment($id: ID!) { deleteSegment(id: $id) }
`);

export const RefreshSegment = graphql(`
  mutation RefreshSegment($id: ID!) {
    refreshSegment(id: $id) { id refreshedAt members entered left }
  }
`);

export const Campaigns = graphql(`
  query Campaigns {
    campaigns {
      id name kind status schedule nextStartAt sendTime priority holdoutShare updatedBy updatedAt
      segment { id name }
    }
  }
`);

export const Campaign = graphql(`
  query Campaign($id: ID!) {
    campaign(id: $id) {
      id name kind status schedule nextStartAt templateKind templateLocales oncePerMember holdoutShare
      priority channels attributionDays category categoryWindowDays sendTime daysBefore createdBy updatedBy updatedAt
      segment { id name }
      coupon { id name }
      occurrences {
        id key startedAt audience heldOut queued
        report {
          sent deferred failed suppressed paused cancelled unsubscribed eta
          channels { channel sent delivered failed optedOut smsParts smsCost }
          sentGroup { members buyers orders revenue revenuePerMember }
          heldOutGroup { members buyers orders revenue revenuePerMember }
          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }
          upliftCuped { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }
        }
      }
    }
    segments { id name }
    couponDefinitions { id name }
  }
`);

export const OfferChoices = graphql(`
  query OfferChoices {
    couponDefinitions { id name }
  }
`);

export const CreateCampaign = graphql(`
  mutation CreateCampaign($input: CampaignInput!) { createCampaign(input: $input) { id } }
`);

export const UpdateCampaign = graphql(`
  mutation UpdateCampaign($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id } }
`);

export const ScheduleCampaign = graphql(`
  mutation ScheduleCampaign($id: ID!) { scheduleCampaign(id: $id) { id status } }
`);

export const PauseCampaign = graphql(`
  mutation PauseCampaign($id: ID!) { pauseCampaign(id: $id) { id status } }
`);

export const ResumeCampaign = graphql(`
  mutation ResumeCampaign($id: ID!) { resumeCampaign(id: $id) { id status } }
`);

export const CancelCampaign = graphql(`
  mutation CancelCampaign($id: ID!) { cancelCampaign(id: $id) { id status } }
`);

export const Access = graphql(`
  query Access {
    staffUsers { username displayName role manager disabledAt store { code } }
    appKeys { id name createdBy createdAt lastUsedAt revokedAt }
  }
`);

export const DisableStaffUser = graphql(`
  mutation DisableStaffUser($username: String!) { disableStaffUser(username: $username) { username disabledAt } }
`);

export const EnableStaffUser = graphql(`
  mutation EnableStaffUser($username: String!) { enableStaffUser(username: $username) { username disabledAt } }
`);

export const SetStoreManager = graphql(`
  mutation SetStoreManager($username: String!, $manager: Boolean!) {
    setStoreManager(username: $username, manager: $manager) { username manager }
  }
`);

export const CreateAppKey = graphql(`
  mutation CreateAppKey($name: String!) { createAppKey(name: $name) { key appKey { id } } }
`);

export const RevokeAppKey = graphql(`
  mutation RevokeAppKey($id: ID!) { revokeAppKey(id: $id) { id revokedAt } }
`);

export const RevokeTokensOf = graphql(`
  mutation RevokeTokensOf($memberNo: String, $username: String) {
    revokeTokensOf(memberNo: $memberNo, username: $username)
  }
`);

export const RevokeToken = graphql(`
  mutation RevokeToken($token: String!) { revokeToken(token: $token) }
`);

export const ChannelTemplates = graphql(`
  query ChannelTemplates {
    smsTemplates { kind locale custom templateCode text params { name value } }
    wechatTemplates { kind locale messageKind templateId link fields { name value } }
    members(first: 1) { edges { node { memberNo } } }
  }
`);

export const SaveSmsTemplate = graphql(`
  mutation SaveSmsTemplate($input: SmsTemplateInput!) { saveSmsTemplate(input: $input) }
`);

export const SaveWechatTemplate = graphql(`
  mutation SaveWechatTemplate($input: WechatTemplateInput!) { saveWechatTemplate(input: $input) }
`);

export const PreviewSms = graphql(`
  query PreviewSms($kind: String!, $memberNo: String!, $locale: String) {
    previewSms(kind: $kind, memberNo: $memberNo, locale: $locale) { text length parts templateCode }
  }
`);

export const PreviewWechat = graphql(`
  query PreviewWechat($kind: String!, $memberNo: String!, $locale: String) {
    previewWechat(kind: $kind, memberNo: $memberNo, locale: $locale) { templateId link fields { name value } }
  }
`);

export const Offers = graphql(`
  query Offers {
    couponDefinitions {
      id name kind amountOff percentOff maxDiscount gift minSpend storeCodes categories validFrom validUntil validDays
      perMemberLimit stock issued pointsPrice importedCodes codesLeft
      report { issued redeemed expired outstanding redemptionRate discounts revenue liability }
    }
    rewards { id name pointsPrice stock issued codesLeft validFrom validUntil validDays }
  }
`);

export const DefineCoupon = graphql(`
  mutation DefineCoupon($input: CouponDefinitionInput!) {
    defineCoupon(input: $input) { id }
  }
`);

export const MemberCoupons = graphql(`
  query MemberCoupons($memberNo: String!) {
    member(memberNo: $memberNo) { coupons { id code state validUntil orderId discount definition { name } } }
    couponDefinitions { id name }
    rewards(memberNo: $memberNo) { id name pointsPrice }
  }
`);

export const IssueCoupon = graphql(`
  mutation IssueCoupon($definitionId: ID!, $memberNo: String!) {
    issueCoupon(definitionId: $definitionId, memberNo: $memberNo) { code }
  }
`);

export const ImportCouponCodes = graphql(`
  mutation ImportCouponCodes($definitionId: ID!, $codes: [String!]!) {
    importCouponCodes(definitionId: $definitionId, codes: $codes) { added unchanged rejected { line message } }
  }
`);

export const RedeemReward = graphql(`
  mutation RedeemReward($definitionId: ID!, $memberNo: String!) {
    redeemReward(definitionId: $definitionId, memberNo: $memberNo) { code }
  }
`);

export const RedeemCoupon = graphql(`
  mutation RedeemCoupon($code: String!, $orderId: String!) {
    redeemCoupon(code: $code, orderId: $orderId) { code discount }
  }
`);

// The associates' tasks: open ones (an associate's own and their store's pool; an admin's, every
// store's or one store's), claiming from the pool, closing with an outcome.
export const OpenTasks = graphql(`
  query OpenTasks($storeCode: String) {
    openTasks(storeCode: $storeCode, first: 50) {
      id kind reason dueOn expiresOn inPool mine
      assignee { username displayName }
      store { code }
      member { memberNo name phone contactMasked tier store { code name } }
    }
  }
`);

export const TaskStores = graphql(`
  query TaskStores { stores { code name } }
`);

export const ClaimTask = graphql(`
  mutation ClaimTask($id: ID!) {
    claimTask(id: $id) {
      id kind reason dueOn expiresOn inPool mine
      assignee { username displayName }
      store { code }
      member { memberNo name phone contactMasked tier store { code name } }
    }
  }
`);

// A manager's (or an admin's): a task to a colleague of its store, or back to the pool.
export const StoreAssociates = graphql(`
  query StoreAssociates($storeCode: String) { storeAssociates(storeCode: $storeCode) { username displayName } }
`);

export const AssignTask = graphql(`
  mutation AssignTask($id: ID!, $username: String) {
    assignTask(id: $id, username: $username) {
      id kind reason dueOn expiresOn inPool mine
      assignee { username displayName }
      store { code }
      member { memberNo name phone contactMasked tier store { code name } }
    }
  }
`);

export const CloseTask = graphql(`
  mutation CloseTask($id: ID!, $input: TaskOutcomeInput!) {
    closeTask(id: $id, input: $input) { id status outcome }
  }
`);

export const TaskRules = graphql(`
  query TaskRules { taskRules { kind enabled days minAmount tiers openDays holdoutShare } }
`);

export const UpdateTaskRule = graphql(`
  mutation UpdateTaskRule($kind: TaskKind!, $input: TaskRuleInput!) {
    updateTaskRule(kind: $kind, input: $input) { kind enabled days minAmount tiers openDays holdoutShare }
  }
`);

// Open complaints, oldest first (an associate's store's; an admin's, every store's or one's), and
// resolving one.
export const OpenComplaints = graphql(`
  query OpenComplaints($storeCode: String) {
    openComplaints(storeCode: $storeCode, first: 50) {
      id body createdAt dueBy escalatedAt
      member { memberNo name phone contactMasked tier store { code name } }
    }
  }
`);

export const ResolveFeedback = graphql(`
  mutation ResolveFeedback($id: ID!, $resolution: String!) {
    resolveFeedback(id: $id, resolution: $resolution) { id status }
  }
`);

// Admins: a store's members nobody looks after, and handing an associate's members over.
export const UnattendedMembers = graphql(`
  query UnattendedMembers($storeCode: String!) {
    unattendedMembers(storeCode: $storeCode, first: 50) {
      memberNo name tier
      assignedAssociate { username displayName disabledAt }
      metrics { clv }
    }
  }
`);

export const HandOverMembers = graphql(`
  mutation HandOverMembers($fromUsername: String!, $toUsername: String) {
    handOverMembers(fromUsername: $fromUsername, toUsername: $toUsername) { members tasks }
  }
`);

// What a kind's calls were worth: tasks given out against those held back.
export const TaskReport = graphql(`
  query TaskReport($kind: TaskKind!, $from: NaiveDate!, $to: NaiveDate!, $windowDays: Int) {
    taskReport(kind: $kind, from: $from, to: $to, windowDays: $windowDays) {
      tasked { members buyers orders revenue revenuePerMember }
      heldBack { members buyers orders revenue revenuePerMember }
      done reached
      uplift { sentPerMember heldOutPerMember upliftPerMember incrementalRevenue incrementalLow incrementalHigh }
      retention { tasked heldBack difference low high }
    }
  }
`);

export const AssociateScores = graphql(`
  query AssociateScores($storeCode: String!, $from: NaiveDate!, $to: NaiveDate!) {
    associateScores(storeCode: $storeCode, from: $from, to: $to) {
      associate { username displayName disabledAt }
      members tasks done doneOnTime reached complaintsResolved complaintsWithinSla buyers revenue
    }
  }
`);

// The strategy playbooks: each one's quadrants, calls, and what it made when first switched on;
// switching one on or off.
export const Playbooks = graphql(`
  query Playbooks {
    playbooks {
      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants
      segment { id name }
      campaign { id name status channels }
    }
  }
`);

export const SetPlaybook = graphql(`
  mutation SetPlaybook($strategy: Strategy!, $enabled: Boolean!) {
    setPlaybook(strategy: $strategy, enabled: $enabled) {
      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants
      segment { id name }
      campaign { id name status channels }
    }
  }
`);

// Journeys (marketers, admins): the list, one journey with its draft, versions and report, what
// its steps may name (journey messages, offers, segments, the filter builder's fields), and its
// life: create, save the draft, publish it as the next version, pause and resume.
export const Journeys = graphql(`
  query Journeys {
    journeys {
      id key name status updatedBy updatedAt
      version { number publishedAt }
      report { entered active }
    }
  }
`);

export const Journey = graphql(`
  query Journey($id: ID!) {
    journey(id: $id) {
      id key name status draft updatedBy updatedAt
      version { id number definition publishedAt publishedBy }
      versions { id number publishedAt publishedBy }
      report {
        entered heldOut active done exited
        entriesByDay { date count }
        steps { version node path kind waiting passed }
        treated { members buyers orders revenue revenuePerMember }
        control { members buyers orders revenue revenuePerMember }
        uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }
        conversion { tasked heldBack difference low high }
        arms {
          name
          group { members buyers orders revenue revenuePerMember }
          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }
        }
        leader {
          name runnerUp clears
          againstRunnerUp { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }
        }
      }
    }
  }
`);

// The journey messages with what tells which of their channels lack a template: the email
// template's locales, the saved SMS and WeChat templates' kinds.
export const JourneyChoices = graphql(`
  query JourneyChoices {
    campaigns(kind: JOURNEY) { id name channels templateKind templateLocales }
    smsTemplates { kind }
    wechatTemplates { kind }
    couponDefinitions { id name }
    segments { id name }
    stores { code name }
    segmentFields { name kind operators choices nullable }
    memberFields { key label kind choices }
  }
`);

export const CreateJourney = graphql(`
  mutation CreateJourney($name: String!, $definition: JSON!) {
    createJourney(name: $name, definition: $definition) { id }
  }
`);

export const SaveJourney = graphql(`
  mutation SaveJourney($id: ID!, $name: String, $definition: JSON!) {
    saveJourney(id: $id, name: $name, definition: $definition) { id }
  }
`);

export const PublishJourney = graphql(`
  mutation PublishJourney($id: ID!) {
    publishJourney(id: $id) { id status version { number } }
  }
`);

export const SetJourneyStatus = graphql(`
  mutation SetJourneyStatus($id: ID!, $status: JourneyStatus!) {
    setJourneyStatus(id: $id, status: $status) { id status }
  }
`);

export const PromoteJourneyArm = graphql(`
  mutation PromoteJourneyArm($id: ID!, $arm: String!) {
    promoteJourneyArm(id: $id, arm: $arm) { id status version { number } }
  }
`);

export const CreateJourneyMessage = graphql(`
  mutation CreateJourneyMessage($input: CampaignInput!) {
    createCampaign(input: $input) { id name kind channels templateKind }
  }
`);
