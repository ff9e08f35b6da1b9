/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation SignIn($username: String!, $password: String!) {\n    signIn(username: $username, password: $password) { token role expiresAt }\n  }\n": typeof types.SignInDocument,
    "\n  query Me {\n    me { role actor staff { username displayName email manager store { code name } } }\n  }\n": typeof types.MeDocument,
    "\n  query Dashboard {\n    analyticsRuns(first: 30) {\n      asOf members\n      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }\n    }\n    analyticsRun {\n      asOf members finishedAt declining lapsed\n      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }\n      tierDistribution { key count }\n      tierMigration { from to count }\n      loyaltyQuadrants { key count }\n      valueQuadrants { key count }\n      layers { key count }\n      bgnbd { r alpha a b logLikelihood timeUnit }\n      gammaGamma { p q v logLikelihood }\n    }\n    jobRuns(first: 10) { id job asOf trigger status startedAt finishedAt error }\n  }\n": typeof types.DashboardDocument,
    "\n  query SatisfactionReport($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $storeCode: String) {\n    satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $storeCode) {\n      scale\n      overall { asked answered responseRate average score high low }\n      byStore { store { code name } figures { asked answered responseRate average score high low } }\n      byAssociate { associate { username displayName } figures { asked answered responseRate average score high low } }\n      byMonth { month figures { asked answered responseRate average score high low } }\n    }\n  }\n": typeof types.SatisfactionReportDocument,
    "\n  query Members($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {\n    members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node {\n        memberNo name city joinedAt phone contactMasked pointsBalance tier\n        store { code name }\n        metrics { recencyDays monetary365 pAlive clv lapsed declining }\n      } }\n    }\n    stores { code name }\n  }\n": typeof types.MembersDocument,
    "\n  query Member($memberNo: String!) {\n    member(memberNo: $memberNo) {\n      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt\n      interests locale timeZone emailConsent emailConsentPending consentSource consentAt smsConsent wechatConsent wechatBound\n      status pointsBalance tier\n      consents { channel granted source wording recordedAt }\n      store { code name }\n      assignedAssociate { username displayName }\n      referredBy { memberNo name }\n      metrics {\n        asOf recencyDays frequency365 monetary365 profit365 ordersTotal spendTotal firstPurchase\n        lastPurchase avgOrderValue rScore fScore mScore qualifiedTier belowTierSince pAlive\n        expectedPurchases365 expectedValue365 clv simpleClv loyaltyQuadrant loyaltyStrategy\n        valueQuadrant valueStrategy layer declining lapsed\n      }\n      tierHistory { oldTier newTier reason changedAt }\n      purchases(first: 20) { edges { node { id orderId kind occurredAt amount profit category store { name } } } }\n      feedback(first: 20) { edges { node { id kind score scale body status resolution resolvedAt createdAt } } }\n      pointsLedger(first: 20) { edges { node { id kind points reason reference createdAt } } }\n      customFields { key label kind value updatedAt }\n    }\n    memberFields { key label kind choices }\n  }\n": typeof types.MemberDocument,
    "\n  query MemberFields { memberFields { key label kind choices } }\n": typeof types.MemberFieldsDocument,
    "\n  mutation DefineMemberField($input: MemberFieldInput!) {\n    defineMemberField(input: $input) { key label kind choices }\n  }\n": typeof types.DefineMemberFieldDocument,
    "\n  mutation SetMemberFields($memberNo: String!, $values: [MemberFieldValueInput!]!) {\n    setMemberFields(memberNo: $memberNo, values: $values) { key label kind value updatedAt }\n  }\n": typeof types.SetMemberFieldsDocument,
    "\n  query MemberNotes($memberNo: String!, $first: Int) {\n    member(memberNo: $memberNo) { notes(first: $first) { id author body createdAt writtenBy { username displayName } } }\n  }\n": typeof types.MemberNotesDocument,
    "\n  mutation AddMemberNote($memberNo: String!, $body: String!) {\n    addMemberNote(memberNo: $memberNo, body: $body) { id }\n  }\n": typeof types.AddMemberNoteDocument,
    "\n  query MemberOutreach($memberNo: String!) {\n    member(memberNo: $memberNo) { segments { id name } }\n    outbox(filter: { memberNo: $memberNo }, first: 50) {\n      totalCount\n      edges { node { kind occurrence status dueAt sentAt attempts lastError } }\n    }\n  }\n": typeof types.MemberOutreachDocument,
    "\n  mutation RecordPurchase($input: PurchaseInput!) { recordPurchase(input: $input) { id } }\n": typeof types.RecordPurchaseDocument,
    "\n  query MemberFormChoices { stores { code name } }\n": typeof types.MemberFormChoicesDocument,
    "\n  query MemberProfile($memberNo: String!) {\n    member(memberNo: $memberNo) {\n      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt\n      interests locale timeZone\n      store { code name }\n      referredBy { memberNo name }\n    }\n  }\n": typeof types.MemberProfileDocument,
    "\n  mutation CreateMember($memberNo: String!, $input: MemberFields!) {\n    createMember(memberNo: $memberNo, input: $input) { memberNo name }\n  }\n": typeof types.CreateMemberDocument,
    "\n  mutation UpdateMember($memberNo: String!, $input: MemberFields!) {\n    updateMember(memberNo: $memberNo, input: $input) { memberNo name }\n  }\n": typeof types.UpdateMemberDocument,
    "\n  mutation AssignAssociate($memberNo: String!, $username: String) {\n    assignAssociate(memberNo: $memberNo, username: $username) { memberNo assignedAssociate { username displayName } }\n  }\n": typeof types.AssignAssociateDocument,
    "\n  mutation RecordReturn($input: ReturnInput!) { recordReturn(input: $input) { id orderId amount } }\n": typeof types.RecordReturnDocument,
    "\n  mutation RecordFeedback($input: FeedbackInput!) { recordFeedback(input: $input) { id } }\n": typeof types.RecordFeedbackDocument,
    "\n  mutation EarnPoints($memberNo: String!, $points: Int!, $reference: String) {\n    earnPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }\n  }\n": typeof types.EarnPointsDocument,
    "\n  mutation RedeemPoints($memberNo: String!, $points: Int!, $reference: String) {\n    redeemPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }\n  }\n": typeof types.RedeemPointsDocument,
    "\n  query Templates($kind: String) {\n    emailTemplates(kind: $kind) { kind locale subject text html custom }\n    members(first: 1) { edges { node { memberNo } } }\n    me { staff { email } }\n  }\n": typeof types.TemplatesDocument,
    "\n  query PreviewTemplate($input: TemplateInput!, $memberNo: String!) {\n    previewTemplate(input: $input, memberNo: $memberNo) {\n      email { subject text html }\n      problem { part line message }\n    }\n  }\n": typeof types.PreviewTemplateDocument,
    "\n  mutation SaveTemplate($input: TemplateInput!) { saveEmailTemplate(input: $input) }\n": typeof types.SaveTemplateDocument,
    "\n  mutation ResetTemplate($kind: String!, $locale: String!) { resetEmailTemplate(kind: $kind, locale: $locale) }\n": typeof types.ResetTemplateDocument,
    "\n  mutation SendTestEmail($kind: String!, $memberNo: String!, $to: String!, $locale: String) {\n    sendTestEmail(kind: $kind, memberNo: $memberNo, to: $to, locale: $locale)\n  }\n": typeof types.SendTestEmailDocument,
    "\n  query Holidays($year: Int!) {\n    holidays(year: $year) { key name nameZh nameEn date calendar enabled daysBefore builtin }\n  }\n": typeof types.HolidaysDocument,
    "\n  mutation SaveHoliday($input: HolidayInput!, $year: Int) {\n    saveHoliday(input: $input, year: $year) { key date }\n  }\n": typeof types.SaveHolidayDocument,
    "\n  query CallList {\n    myCallList(first: 50) {\n      memberNo name phone email contactMasked tier\n      metrics { recencyDays lastPurchase clv pAlive ordersTotal }\n    }\n  }\n": typeof types.CallListDocument,
    "\n  mutation RecordCallOutcome($memberNo: String!, $outcome: CallOutcome!, $note: String) {\n    recordCallOutcome(memberNo: $memberNo, outcome: $outcome, note: $note) { outcome createdAt }\n  }\n": typeof types.RecordCallOutcomeDocument,
    "\n  query Segments {\n    segments { id name description lastCount lastRefreshedAt count updatedBy updatedAt }\n  }\n": typeof types.SegmentsDocument,
    "\n  query SegmentChoices {\n    segments { id name }\n    stores { code name }\n    segmentFields { name kind operators choices nullable }\n    memberFields { key label kind choices }\n  }\n": typeof types.SegmentChoicesDocument,
    "\n  query SegmentPreview($filter: SegmentFilter!, $first: Int) {\n    segmentPreview(filter: $filter, first: $first) {\n      count\n      edges { node { memberNo name city tier store { name } metrics { recencyDays monetary365 } } }\n    }\n  }\n": typeof types.SegmentPreviewDocument,
    "\n  query Segment($id: ID!, $since: DateTime, $after: String) {\n    segment(id: $id) {\n      id name description filter createdBy updatedBy createdAt updatedAt lastRefreshedAt lastCount count\n      refreshes(first: 60) { id refreshedAt asOf requestedBy members entered left }\n      members(first: 25, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges { node { memberNo name city tier store { name } } }\n      }\n      entered(since: $since, first: 50) { nodes { at member { memberNo name tier } } }\n      left(since: $since, first: 50) { nodes { at member { memberNo name tier } } }\n    }\n  }\n": typeof types.SegmentDocument,
    "\n  mutation CreateSegment($name: String!, $description: String, $filter: SegmentFilter!) {\n    createSegment(name: $name, description: $description, filter: $filter) { id }\n  }\n": typeof types.CreateSegmentDocument,
    "\n  mutation UpdateSegment($id: ID!, $name: String, $description: String, $filter: SegmentFilter) {\n    updateSegment(id: $id, name: $name, description: $description, filter: $filter) { id }\n  }\n": typeof types.UpdateSegmentDocument,
    "\n  mutation DeleteSegment($id: ID!) { deleteSegment(id: $id) }\n": typeof types.DeleteSegmentDocument,
    "\n  mutation RefreshSegment($id: ID!) {\n    refreshSegment(id: $id) { id refreshedAt members entered left }\n  }\n": typeof types.RefreshSegmentDocument,
    "\n  query Campaigns {\n    campaigns {\n      id name kind status schedule nextStartAt sendTime priority holdoutShare updatedBy updatedAt\n      segment { id name }\n    }\n  }\n": typeof types.CampaignsDocument,
    "\n  query Campaign($id: ID!) {\n    campaign(id: $id) {\n      id name kind status schedule nextStartAt templateKind templateLocales oncePerMember holdoutShare\n      priority channels attributionDays category categoryWindowDays sendTime daysBefore createdBy updatedBy updatedAt\n      segment { id name }\n      coupon { id name }\n      occurrences {\n        id key startedAt audience heldOut queued\n        report {\n          sent deferred failed suppressed paused cancelled unsubscribed eta\n          channels { channel sent delivered failed optedOut smsParts smsCost }\n          sentGroup { members buyers orders revenue revenuePerMember }\n          heldOutGroup { members buyers orders revenue revenuePerMember }\n          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n          upliftCuped { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n      }\n    }\n    segments { id name }\n    couponDefinitions { id name }\n  }\n": typeof types.CampaignDocument,
    "\n  query OfferChoices {\n    couponDefinitions { id name }\n  }\n": typeof types.OfferChoicesDocument,
    "\n  mutation CreateCampaign($input: CampaignInput!) { createCampaign(input: $input) { id } }\n": typeof types.CreateCampaignDocument,
    "\n  mutation UpdateCampaign($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id } }\n": typeof types.UpdateCampaignDocument,
    "\n  mutation ScheduleCampaign($id: ID!) { scheduleCampaign(id: $id) { id status } }\n": typeof types.ScheduleCampaignDocument,
    "\n  mutation PauseCampaign($id: ID!) { pauseCampaign(id: $id) { id status } }\n": typeof types.PauseCampaignDocument,
    "\n  mutation ResumeCampaign($id: ID!) { resumeCampaign(id: $id) { id status } }\n": typeof types.ResumeCampaignDocument,
    "\n  mutation CancelCampaign($id: ID!) { cancelCampaign(id: $id) { id status } }\n": typeof types.CancelCampaignDocument,
    "\n  query Access {\n    staffUsers { username displayName role manager disabledAt store { code } }\n    appKeys { id name createdBy createdAt lastUsedAt revokedAt }\n  }\n": typeof types.AccessDocument,
    "\n  mutation DisableStaffUser($username: String!) { disableStaffUser(username: $username) { username disabledAt } }\n": typeof types.DisableStaffUserDocument,
    "\n  mutation EnableStaffUser($username: String!) { enableStaffUser(username: $username) { username disabledAt } }\n": typeof types.EnableStaffUserDocument,
    "\n  mutation SetStoreManager($username: String!, $manager: Boolean!) {\n    setStoreManager(username: $username, manager: $manager) { username manager }\n  }\n": typeof types.SetStoreManagerDocument,
    "\n  mutation CreateAppKey($name: String!) { createAppKey(name: $name) { key appKey { id } } }\n": typeof types.CreateAppKeyDocument,
    "\n  mutation RevokeAppKey($id: ID!) { revokeAppKey(id: $id) { id revokedAt } }\n": typeof types.RevokeAppKeyDocument,
    "\n  mutation RevokeTokensOf($memberNo: String, $username: String) {\n    revokeTokensOf(memberNo: $memberNo, username: $username)\n  }\n": typeof types.RevokeTokensOfDocument,
    "\n  mutation RevokeToken($token: String!) { revokeToken(token: $token) }\n": typeof types.RevokeTokenDocument,
    "\n  query ChannelTemplates {\n    smsTemplates { kind locale custom templateCode text params { name value } }\n    wechatTemplates { kind locale messageKind templateId link fields { name value } }\n    members(first: 1) { edges { node { memberNo } } }\n  }\n": typeof types.ChannelTemplatesDocument,
    "\n  mutation SaveSmsTemplate($input: SmsTemplateInput!) { saveSmsTemplate(input: $input) }\n": typeof types.SaveSmsTemplateDocument,
    "\n  mutation SaveWechatTemplate($input: WechatTemplateInput!) { saveWechatTemplate(input: $input) }\n": typeof types.SaveWechatTemplateDocument,
    "\n  query PreviewSms($kind: String!, $memberNo: String!, $locale: String) {\n    previewSms(kind: $kind, memberNo: $memberNo, locale: $locale) { text length parts templateCode }\n  }\n": typeof types.PreviewSmsDocument,
    "\n  query PreviewWechat($kind: String!, $memberNo: String!, $locale: String) {\n    previewWechat(kind: $kind, memberNo: $memberNo, locale: $locale) { templateId link fields { name value } }\n  }\n": typeof types.PreviewWechatDocument,
    "\n  query Offers {\n    couponDefinitions {\n      id name kind amountOff percentOff maxDiscount gift minSpend storeCodes categories validFrom validUntil validDays\n      perMemberLimit stock issued pointsPrice importedCodes codesLeft\n      report { issued redeemed expired outstanding redemptionRate discounts revenue liability }\n    }\n    rewards { id name pointsPrice stock issued codesLeft validFrom validUntil validDays }\n  }\n": typeof types.OffersDocument,
    "\n  mutation DefineCoupon($input: CouponDefinitionInput!) {\n    defineCoupon(input: $input) { id }\n  }\n": typeof types.DefineCouponDocument,
    "\n  query MemberCoupons($memberNo: String!) {\n    member(memberNo: $memberNo) { coupons { id code state validUntil orderId discount definition { name } } }\n    couponDefinitions { id name }\n    rewards(memberNo: $memberNo) { id name pointsPrice }\n  }\n": typeof types.MemberCouponsDocument,
    "\n  mutation IssueCoupon($definitionId: ID!, $memberNo: String!) {\n    issueCoupon(definitionId: $definitionId, memberNo: $memberNo) { code }\n  }\n": typeof types.IssueCouponDocument,
    "\n  mutation ImportCouponCodes($definitionId: ID!, $codes: [String!]!) {\n    importCouponCodes(definitionId: $definitionId, codes: $codes) { added unchanged rejected { line message } }\n  }\n": typeof types.ImportCouponCodesDocument,
    "\n  mutation RedeemReward($definitionId: ID!, $memberNo: String!) {\n    redeemReward(definitionId: $definitionId, memberNo: $memberNo) { code }\n  }\n": typeof types.RedeemRewardDocument,
    "\n  mutation RedeemCoupon($code: String!, $orderId: String!) {\n    redeemCoupon(code: $code, orderId: $orderId) { code discount }\n  }\n": typeof types.RedeemCouponDocument,
    "\n  query OpenTasks($storeCode: String) {\n    openTasks(storeCode: $storeCode, first: 50) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": typeof types.OpenTasksDocument,
    "\n  query TaskStores { stores { code name } }\n": typeof types.TaskStoresDocument,
    "\n  mutation ClaimTask($id: ID!) {\n    claimTask(id: $id) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": typeof types.ClaimTaskDocument,
    "\n  query StoreAssociates($storeCode: String) { storeAssociates(storeCode: $storeCode) { username displayName } }\n": typeof types.StoreAssociatesDocument,
    "\n  mutation AssignTask($id: ID!, $username: String) {\n    assignTask(id: $id, username: $username) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": typeof types.AssignTaskDocument,
    "\n  mutation CloseTask($id: ID!, $input: TaskOutcomeInput!) {\n    closeTask(id: $id, input: $input) { id status outcome }\n  }\n": typeof types.CloseTaskDocument,
    "\n  query TaskRules { taskRules { kind enabled days minAmount tiers openDays holdoutShare } }\n": typeof types.TaskRulesDocument,
    "\n  mutation UpdateTaskRule($kind: TaskKind!, $input: TaskRuleInput!) {\n    updateTaskRule(kind: $kind, input: $input) { kind enabled days minAmount tiers openDays holdoutShare }\n  }\n": typeof types.UpdateTaskRuleDocument,
    "\n  query OpenComplaints($storeCode: String) {\n    openComplaints(storeCode: $storeCode, first: 50) {\n      id body createdAt dueBy escalatedAt\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": typeof types.OpenComplaintsDocument,
    "\n  mutation ResolveFeedback($id: ID!, $resolution: String!) {\n    resolveFeedback(id: $id, resolution: $resolution) { id status }\n  }\n": typeof types.ResolveFeedbackDocument,
    "\n  query UnattendedMembers($storeCode: String!) {\n    unattendedMembers(storeCode: $storeCode, first: 50) {\n      memberNo name tier\n      assignedAssociate { username displayName disabledAt }\n      metrics { clv }\n    }\n  }\n": typeof types.UnattendedMembersDocument,
    "\n  mutation HandOverMembers($fromUsername: String!, $toUsername: String) {\n    handOverMembers(fromUsername: $fromUsername, toUsername: $toUsername) { members tasks }\n  }\n": typeof types.HandOverMembersDocument,
    "\n  query TaskReport($kind: TaskKind!, $from: NaiveDate!, $to: NaiveDate!, $windowDays: Int) {\n    taskReport(kind: $kind, from: $from, to: $to, windowDays: $windowDays) {\n      tasked { members buyers orders revenue revenuePerMember }\n      heldBack { members buyers orders revenue revenuePerMember }\n      done reached\n      uplift { sentPerMember heldOutPerMember upliftPerMember incrementalRevenue incrementalLow incrementalHigh }\n      retention { tasked heldBack difference low high }\n    }\n  }\n": typeof types.TaskReportDocument,
    "\n  query AssociateScores($storeCode: String!, $from: NaiveDate!, $to: NaiveDate!) {\n    associateScores(storeCode: $storeCode, from: $from, to: $to) {\n      associate { username displayName disabledAt }\n      members tasks done doneOnTime reached complaintsResolved complaintsWithinSla buyers revenue\n    }\n  }\n": typeof types.AssociateScoresDocument,
    "\n  query Playbooks {\n    playbooks {\n      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants\n      segment { id name }\n      campaign { id name status channels }\n    }\n  }\n": typeof types.PlaybooksDocument,
    "\n  mutation SetPlaybook($strategy: Strategy!, $enabled: Boolean!) {\n    setPlaybook(strategy: $strategy, enabled: $enabled) {\n      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants\n      segment { id name }\n      campaign { id name status channels }\n    }\n  }\n": typeof types.SetPlaybookDocument,
    "\n  query Journeys {\n    journeys {\n      id key name status updatedBy updatedAt\n      version { number publishedAt }\n      report { entered active }\n    }\n  }\n": typeof types.JourneysDocument,
    "\n  query Journey($id: ID!) {\n    journey(id: $id) {\n      id key name status draft updatedBy updatedAt\n      version { id number definition publishedAt publishedBy }\n      versions { id number publishedAt publishedBy }\n      report {\n        entered heldOut active done exited\n        entriesByDay { date count }\n        steps { version node path kind waiting passed }\n        treated { members buyers orders revenue revenuePerMember }\n        control { members buyers orders revenue revenuePerMember }\n        uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        conversion { tasked heldBack difference low high }\n        arms {\n          name\n          group { members buyers orders revenue revenuePerMember }\n          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n        leader {\n          name runnerUp clears\n          againstRunnerUp { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n      }\n    }\n  }\n": typeof types.JourneyDocument,
    "\n  query JourneyChoices {\n    campaigns(kind: JOURNEY) { id name channels templateKind templateLocales }\n    smsTemplates { kind }\n    wechatTemplates { kind }\n    couponDefinitions { id name }\n    segments { id name }\n    stores { code name }\n    segmentFields { name kind operators choices nullable }\n    memberFields { key label kind choices }\n  }\n": typeof types.JourneyChoicesDocument,
    "\n  mutation CreateJourney($name: String!, $definition: JSON!) {\n    createJourney(name: $name, definition: $definition) { id }\n  }\n": typeof types.CreateJourneyDocument,
    "\n  mutation SaveJourney($id: ID!, $name: String, $definition: JSON!) {\n    saveJourney(id: $id, name: $name, definition: $definition) { id }\n  }\n": typeof types.SaveJourneyDocument,
    "\n  mutation PublishJourney($id: ID!) {\n    publishJourney(id: $id) { id status version { number } }\n  }\n": typeof types.PublishJourneyDocument,
    "\n  mutation SetJourneyStatus($id: ID!, $status: JourneyStatus!) {\n    setJourneyStatus(id: $id, status: $status) { id status }\n  }\n": typeof types.SetJourneyStatusDocument,
    "\n  mutation PromoteJourneyArm($id: ID!, $arm: String!) {\n    promoteJourneyArm(id: $id, arm: $arm) { id status version { number } }\n  }\n": typeof types.PromoteJourneyArmDocument,
    "\n  mutation CreateJourneyMessage($input: CampaignInput!) {\n    createCampaign(input: $input) { id name kind channels templateKind }\n  }\n": typeof types.CreateJourneyMessageDocument,
};
const documents: Documents = {
    "\n  mutation SignIn($username: String!, $password: String!) {\n    signIn(username: $username, password: $password) { token role expiresAt }\n  }\n": types.SignInDocument,
    "\n  query Me {\n    me { role actor staff { username displayName email manager store { code name } } }\n  }\n": types.MeDocument,
    "\n  query Dashboard {\n    analyticsRuns(first: 30) {\n      asOf members\n      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }\n    }\n    analyticsRun {\n      asOf members finishedAt declining lapsed\n      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }\n      tierDistribution { key count }\n      tierMigration { from to count }\n      loyaltyQuadrants { key count }\n      valueQuadrants { key count }\n      layers { key count }\n      bgnbd { r alpha a b logLikelihood timeUnit }\n      gammaGamma { p q v logLikelihood }\n    }\n    jobRuns(first: 10) { id job asOf trigger status startedAt finishedAt error }\n  }\n": types.DashboardDocument,
    "\n  query SatisfactionReport($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $storeCode: String) {\n    satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $storeCode) {\n      scale\n      overall { asked answered responseRate average score high low }\n      byStore { store { code name } figures { asked answered responseRate average score high low } }\n      byAssociate { associate { username displayName } figures { asked answered responseRate average score high low } }\n      byMonth { month figures { asked answered responseRate average score high low } }\n    }\n  }\n": types.SatisfactionReportDocument,
    "\n  query Members($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {\n    members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node {\n        memberNo name city joinedAt phone contactMasked pointsBalance tier\n        store { code name }\n        metrics { recencyDays monetary365 pAlive clv lapsed declining }\n      } }\n    }\n    stores { code name }\n  }\n": types.MembersDocument,
    "\n  query Member($memberNo: String!) {\n    member(memberNo: $memberNo) {\n      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt\n      interests locale timeZone emailConsent emailConsentPending consentSource consentAt smsConsent wechatConsent wechatBound\n      status pointsBalance tier\n      consents { channel granted source wording recordedAt }\n      store { code name }\n      assignedAssociate { username displayName }\n      referredBy { memberNo name }\n      metrics {\n        asOf recencyDays frequency365 monetary365 profit365 ordersTotal spendTotal firstPurchase\n        lastPurchase avgOrderValue rScore fScore mScore qualifiedTier belowTierSince pAlive\n        expectedPurchases365 expectedValue365 clv simpleClv loyaltyQuadrant loyaltyStrategy\n        valueQuadrant valueStrategy layer declining lapsed\n      }\n      tierHistory { oldTier newTier reason changedAt }\n      purchases(first: 20) { edges { node { id orderId kind occurredAt amount profit category store { name } } } }\n      feedback(first: 20) { edges { node { id kind score scale body status resolution resolvedAt createdAt } } }\n      pointsLedger(first: 20) { edges { node { id kind points reason reference createdAt } } }\n      customFields { key label kind value updatedAt }\n    }\n    memberFields { key label kind choices }\n  }\n": types.MemberDocument,
    "\n  query MemberFields { memberFields { key label kind choices } }\n": types.MemberFieldsDocument,
    "\n  mutation DefineMemberField($input: MemberFieldInput!) {\n    defineMemberField(input: $input) { key label kind choices }\n  }\n": types.DefineMemberFieldDocument,
    "\n  mutation SetMemberFields($memberNo: String!, $values: [MemberFieldValueInput!]!) {\n    setMemberFields(memberNo: $memberNo, values: $values) { key label kind value updatedAt }\n  }\n": types.SetMemberFieldsDocument,
    "\n  query MemberNotes($memberNo: String!, $first: Int) {\n    member(memberNo: $memberNo) { notes(first: $first) { id author body createdAt writtenBy { username displayName } } }\n  }\n": types.MemberNotesDocument,
    "\n  mutation AddMemberNote($memberNo: String!, $body: String!) {\n    addMemberNote(memberNo: $memberNo, body: $body) { id }\n  }\n": types.AddMemberNoteDocument,
    "\n  query MemberOutreach($memberNo: String!) {\n    member(memberNo: $memberNo) { segments { id name } }\n    outbox(filter: { memberNo: $memberNo }, first: 50) {\n      totalCount\n      edges { node { kind occurrence status dueAt sentAt attempts lastError } }\n    }\n  }\n": types.MemberOutreachDocument,
    "\n  mutation RecordPurchase($input: PurchaseInput!) { recordPurchase(input: $input) { id } }\n": types.RecordPurchaseDocument,
    "\n  query MemberFormChoices { stores { code name } }\n": types.MemberFormChoicesDocument,
    "\n  query MemberProfile($memberNo: String!) {\n    member(memberNo: $memberNo) {\n      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt\n      interests locale timeZone\n      store { code name }\n      referredBy { memberNo name }\n    }\n  }\n": types.MemberProfileDocument,
    "\n  mutation CreateMember($memberNo: String!, $input: MemberFields!) {\n    createMember(memberNo: $memberNo, input: $input) { memberNo name }\n  }\n": types.CreateMemberDocument,
    "\n  mutation UpdateMember($memberNo: String!, $input: MemberFields!) {\n    updateMember(memberNo: $memberNo, input: $input) { memberNo name }\n  }\n": types.UpdateMemberDocument,
    "\n  mutation AssignAssociate($memberNo: String!, $username: String) {\n    assignAssociate(memberNo: $memberNo, username: $username) { memberNo assignedAssociate { username displayName } }\n  }\n": types.AssignAssociateDocument,
    "\n  mutation RecordReturn($input: ReturnInput!) { recordReturn(input: $input) { id orderId amount } }\n": types.RecordReturnDocument,
    "\n  mutation RecordFeedback($input: FeedbackInput!) { recordFeedback(input: $input) { id } }\n": types.RecordFeedbackDocument,
    "\n  mutation EarnPoints($memberNo: String!, $points: Int!, $reference: String) {\n    earnPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }\n  }\n": types.EarnPointsDocument,
    "\n  mutation RedeemPoints($memberNo: String!, $points: Int!, $reference: String) {\n    redeemPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }\n  }\n": types.RedeemPointsDocument,
    "\n  query Templates($kind: String) {\n    emailTemplates(kind: $kind) { kind locale subject text html custom }\n    members(first: 1) { edges { node { memberNo } } }\n    me { staff { email } }\n  }\n": types.TemplatesDocument,
    "\n  query PreviewTemplate($input: TemplateInput!, $memberNo: String!) {\n    previewTemplate(input: $input, memberNo: $memberNo) {\n      email { subject text html }\n      problem { part line message }\n    }\n  }\n": types.PreviewTemplateDocument,
    "\n  mutation SaveTemplate($input: TemplateInput!) { saveEmailTemplate(input: $input) }\n": types.SaveTemplateDocument,
    "\n  mutation ResetTemplate($kind: String!, $locale: String!) { resetEmailTemplate(kind: $kind, locale: $locale) }\n": types.ResetTemplateDocument,
    "\n  mutation SendTestEmail($kind: String!, $memberNo: String!, $to: String!, $locale: String) {\n    sendTestEmail(kind: $kind, memberNo: $memberNo, to: $to, locale: $locale)\n  }\n": types.SendTestEmailDocument,
    "\n  query Holidays($year: Int!) {\n    holidays(year: $year) { key name nameZh nameEn date calendar enabled daysBefore builtin }\n  }\n": types.HolidaysDocument,
    "\n  mutation SaveHoliday($input: HolidayInput!, $year: Int) {\n    saveHoliday(input: $input, year: $year) { key date }\n  }\n": types.SaveHolidayDocument,
    "\n  query CallList {\n    myCallList(first: 50) {\n      memberNo name phone email contactMasked tier\n      metrics { recencyDays lastPurchase clv pAlive ordersTotal }\n    }\n  }\n": types.CallListDocument,
    "\n  mutation RecordCallOutcome($memberNo: String!, $outcome: CallOutcome!, $note: String) {\n    recordCallOutcome(memberNo: $memberNo, outcome: $outcome, note: $note) { outcome createdAt }\n  }\n": types.RecordCallOutcomeDocument,
    "\n  query Segments {\n    segments { id name description lastCount lastRefreshedAt count updatedBy updatedAt }\n  }\n": types.SegmentsDocument,
    "\n  query SegmentChoices {\n    segments { id name }\n    stores { code name }\n    segmentFields { name kind operators choices nullable }\n    memberFields { key label kind choices }\n  }\n": types.SegmentChoicesDocument,
    "\n  query SegmentPreview($filter: SegmentFilter!, $first: Int) {\n    segmentPreview(filter: $filter, first: $first) {\n      count\n      edges { node { memberNo name city tier store { name } metrics { recencyDays monetary365 } } }\n    }\n  }\n": types.SegmentPreviewDocument,
    "\n  query Segment($id: ID!, $since: DateTime, $after: String) {\n    segment(id: $id) {\n      id name description filter createdBy updatedBy createdAt updatedAt lastRefreshedAt lastCount count\n      refreshes(first: 60) { id refreshedAt asOf requestedBy members entered left }\n      members(first: 25, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges { node { memberNo name city tier store { name } } }\n      }\n      entered(since: $since, first: 50) { nodes { at member { memberNo name tier } } }\n      left(since: $since, first: 50) { nodes { at member { memberNo name tier } } }\n    }\n  }\n": types.SegmentDocument,
    "\n  mutation CreateSegment($name: String!, $description: String, $filter: SegmentFilter!) {\n    createSegment(name: $name, description: $description, filter: $filter) { id }\n  }\n": types.CreateSegmentDocument,
    "\n  mutation UpdateSegment($id: ID!, $name: String, $description: String, $filter: SegmentFilter) {\n    updateSegment(id: $id, name: $name, description: $description, filter: $filter) { id }\n  }\n": types.UpdateSegmentDocument,
    "\n  mutation DeleteSegment($id: ID!) { deleteSegment(id: $id) }\n": types.DeleteSegmentDocument,
    "\n  mutation RefreshSegment($id: ID!) {\n    refreshSegment(id: $id) { id refreshedAt members entered left }\n  }\n": types.RefreshSegmentDocument,
    "\n  query Campaigns {\n    campaigns {\n      id name kind status schedule nextStartAt sendTime priority holdoutShare updatedBy updatedAt\n      segment { id name }\n    }\n  }\n": types.CampaignsDocument,
    "\n  query Campaign($id: ID!) {\n    campaign(id: $id) {\n      id name kind status schedule nextStartAt templateKind templateLocales oncePerMember holdoutShare\n      priority channels attributionDays category categoryWindowDays sendTime daysBefore createdBy updatedBy updatedAt\n      segment { id name }\n      coupon { id name }\n      occurrences {\n        id key startedAt audience heldOut queued\n        report {\n          sent deferred failed suppressed paused cancelled unsubscribed eta\n          channels { channel sent delivered failed optedOut smsParts smsCost }\n          sentGroup { members buyers orders revenue revenuePerMember }\n          heldOutGroup { members buyers orders revenue revenuePerMember }\n          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n          upliftCuped { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n      }\n    }\n    segments { id name }\n    couponDefinitions { id name }\n  }\n": types.CampaignDocument,
    "\n  query OfferChoices {\n    couponDefinitions { id name }\n  }\n": types.OfferChoicesDocument,
    "\n  mutation CreateCampaign($input: CampaignInput!) { createCampaign(input: $input) { id } }\n": types.CreateCampaignDocument,
    "\n  mutation UpdateCampaign($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id } }\n": types.UpdateCampaignDocument,
    "\n  mutation ScheduleCampaign($id: ID!) { scheduleCampaign(id: $id) { id status } }\n": types.ScheduleCampaignDocument,
    "\n  mutation PauseCampaign($id: ID!) { pauseCampaign(id: $id) { id status } }\n": types.PauseCampaignDocument,
    "\n  mutation ResumeCampaign($id: ID!) { resumeCampaign(id: $id) { id status } }\n": types.ResumeCampaignDocument,
    "\n  mutation CancelCampaign($id: ID!) { cancelCampaign(id: $id) { id status } }\n": types.CancelCampaignDocument,
    "\n  query Access {\n    staffUsers { username displayName role manager disabledAt store { code } }\n    appKeys { id name createdBy createdAt lastUsedAt revokedAt }\n  }\n": types.AccessDocument,
    "\n  mutation DisableStaffUser($username: String!) { disableStaffUser(username: $username) { username disabledAt } }\n": types.DisableStaffUserDocument,
    "\n  mutation EnableStaffUser($username: String!) { enableStaffUser(username: $username) { username disabledAt } }\n": types.EnableStaffUserDocument,
    "\n  mutation SetStoreManager($username: String!, $manager: Boolean!) {\n    setStoreManager(username: $username, manager: $manager) { username manager }\n  }\n": types.SetStoreManagerDocument,
    "\n  mutation CreateAppKey($name: String!) { createAppKey(name: $name) { key appKey { id } } }\n": types.CreateAppKeyDocument,
    "\n  mutation RevokeAppKey($id: ID!) { revokeAppKey(id: $id) { id revokedAt } }\n": types.RevokeAppKeyDocument,
    "\n  mutation RevokeTokensOf($memberNo: String, $username: String) {\n    revokeTokensOf(memberNo: $memberNo, username: $username)\n  }\n": types.RevokeTokensOfDocument,
    "\n  mutation RevokeToken($token: String!) { revokeToken(token: $token) }\n": types.RevokeTokenDocument,
    "\n  query ChannelTemplates {\n    smsTemplates { kind locale custom templateCode text params { name value } }\n    wechatTemplates { kind locale messageKind templateId link fields { name value } }\n    members(first: 1) { edges { node { memberNo } } }\n  }\n": types.ChannelTemplatesDocument,
    "\n  mutation SaveSmsTemplate($input: SmsTemplateInput!) { saveSmsTemplate(input: $input) }\n": types.SaveSmsTemplateDocument,
    "\n  mutation SaveWechatTemplate($input: WechatTemplateInput!) { saveWechatTemplate(input: $input) }\n": types.SaveWechatTemplateDocument,
    "\n  query PreviewSms($kind: String!, $memberNo: String!, $locale: String) {\n    previewSms(kind: $kind, memberNo: $memberNo, locale: $locale) { text length parts templateCode }\n  }\n": types.PreviewSmsDocument,
    "\n  query PreviewWechat($kind: String!, $memberNo: String!, $locale: String) {\n    previewWechat(kind: $kind, memberNo: $memberNo, locale: $locale) { templateId link fields { name value } }\n  }\n": types.PreviewWechatDocument,
    "\n  query Offers {\n    couponDefinitions {\n      id name kind amountOff percentOff maxDiscount gift minSpend storeCodes categories validFrom validUntil validDays\n      perMemberLimit stock issued pointsPrice importedCodes codesLeft\n      report { issued redeemed expired outstanding redemptionRate discounts revenue liability }\n    }\n    rewards { id name pointsPrice stock issued codesLeft validFrom validUntil validDays }\n  }\n": types.OffersDocument,
    "\n  mutation DefineCoupon($input: CouponDefinitionInput!) {\n    defineCoupon(input: $input) { id }\n  }\n": types.DefineCouponDocument,
    "\n  query MemberCoupons($memberNo: String!) {\n    member(memberNo: $memberNo) { coupons { id code state validUntil orderId discount definition { name } } }\n    couponDefinitions { id name }\n    rewards(memberNo: $memberNo) { id name pointsPrice }\n  }\n": types.MemberCouponsDocument,
    "\n  mutation IssueCoupon($definitionId: ID!, $memberNo: String!) {\n    issueCoupon(definitionId: $definitionId, memberNo: $memberNo) { code }\n  }\n": types.IssueCouponDocument,
    "\n  mutation ImportCouponCodes($definitionId: ID!, $codes: [String!]!) {\n    importCouponCodes(definitionId: $definitionId, codes: $codes) { added unchanged rejected { line message } }\n  }\n": types.ImportCouponCodesDocument,
    "\n  mutation RedeemReward($definitionId: ID!, $memberNo: String!) {\n    redeemReward(definitionId: $definitionId, memberNo: $memberNo) { code }\n  }\n": types.RedeemRewardDocument,
    "\n  mutation RedeemCoupon($code: String!, $orderId: String!) {\n    redeemCoupon(code: $code, orderId: $orderId) { code discount }\n  }\n": types.RedeemCouponDocument,
    "\n  query OpenTasks($storeCode: String) {\n    openTasks(storeCode: $storeCode, first: 50) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": types.OpenTasksDocument,
    "\n  query TaskStores { stores { code name } }\n": types.TaskStoresDocument,
    "\n  mutation ClaimTask($id: ID!) {\n    claimTask(id: $id) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": types.ClaimTaskDocument,
    "\n  query StoreAssociates($storeCode: String) { storeAssociates(storeCode: $storeCode) { username displayName } }\n": types.StoreAssociatesDocument,
    "\n  mutation AssignTask($id: ID!, $username: String) {\n    assignTask(id: $id, username: $username) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": types.AssignTaskDocument,
    "\n  mutation CloseTask($id: ID!, $input: TaskOutcomeInput!) {\n    closeTask(id: $id, input: $input) { id status outcome }\n  }\n": types.CloseTaskDocument,
    "\n  query TaskRules { taskRules { kind enabled days minAmount tiers openDays holdoutShare } }\n": types.TaskRulesDocument,
    "\n  mutation UpdateTaskRule($kind: TaskKind!, $input: TaskRuleInput!) {\n    updateTaskRule(kind: $kind, input: $input) { kind enabled days minAmount tiers openDays holdoutShare }\n  }\n": types.UpdateTaskRuleDocument,
    "\n  query OpenComplaints($storeCode: String) {\n    openComplaints(storeCode: $storeCode, first: 50) {\n      id body createdAt dueBy escalatedAt\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n": types.OpenComplaintsDocument,
    "\n  mutation ResolveFeedback($id: ID!, $resolution: String!) {\n    resolveFeedback(id: $id, resolution: $resolution) { id status }\n  }\n": types.ResolveFeedbackDocument,
    "\n  query UnattendedMembers($storeCode: String!) {\n    unattendedMembers(storeCode: $storeCode, first: 50) {\n      memberNo name tier\n      assignedAssociate { username displayName disabledAt }\n      metrics { clv }\n    }\n  }\n": types.UnattendedMembersDocument,
    "\n  mutation HandOverMembers($fromUsername: String!, $toUsername: String) {\n    handOverMembers(fromUsername: $fromUsername, toUsername: $toUsername) { members tasks }\n  }\n": types.HandOverMembersDocument,
    "\n  query TaskReport($kind: TaskKind!, $from: NaiveDate!, $to: NaiveDate!, $windowDays: Int) {\n    taskReport(kind: $kind, from: $from, to: $to, windowDays: $windowDays) {\n      tasked { members buyers orders revenue revenuePerMember }\n      heldBack { members buyers orders revenue revenuePerMember }\n      done reached\n      uplift { sentPerMember heldOutPerMember upliftPerMember incrementalRevenue incrementalLow incrementalHigh }\n      retention { tasked heldBack difference low high }\n    }\n  }\n": types.TaskReportDocument,
    "\n  query AssociateScores($storeCode: String!, $from: NaiveDate!, $to: NaiveDate!) {\n    associateScores(storeCode: $storeCode, from: $from, to: $to) {\n      associate { username displayName disabledAt }\n      members tasks done doneOnTime reached complaintsResolved complaintsWithinSla buyers revenue\n    }\n  }\n": types.AssociateScoresDocument,
    "\n  query Playbooks {\n    playbooks {\n      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants\n      segment { id name }\n      campaign { id name status channels }\n    }\n  }\n": types.PlaybooksDocument,
    "\n  mutation SetPlaybook($strategy: Strategy!, $enabled: Boolean!) {\n    setPlaybook(strategy: $strategy, enabled: $enabled) {\n      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants\n      segment { id name }\n      campaign { id name status channels }\n    }\n  }\n": types.SetPlaybookDocument,
    "\n  query Journeys {\n    journeys {\n      id key name status updatedBy updatedAt\n      version { number publishedAt }\n      report { entered active }\n    }\n  }\n": types.JourneysDocument,
    "\n  query Journey($id: ID!) {\n    journey(id: $id) {\n      id key name status draft updatedBy updatedAt\n      version { id number definition publishedAt publishedBy }\n      versions { id number publishedAt publishedBy }\n      report {\n        entered heldOut active done exited\n        entriesByDay { date count }\n        steps { version node path kind waiting passed }\n        treated { members buyers orders revenue revenuePerMember }\n        control { members buyers orders revenue revenuePerMember }\n        uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        conversion { tasked heldBack difference low high }\n        arms {\n          name\n          group { members buyers orders revenue revenuePerMember }\n          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n        leader {\n          name runnerUp clears\n          againstRunnerUp { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n      }\n    }\n  }\n": types.JourneyDocument,
    "\n  query JourneyChoices {\n    campaigns(kind: JOURNEY) { id name channels templateKind templateLocales }\n    smsTemplates { kind }\n    wechatTemplates { kind }\n    couponDefinitions { id name }\n    segments { id name }\n    stores { code name }\n    segmentFields { name kind operators choices nullable }\n    memberFields { key label kind choices }\n  }\n": types.JourneyChoicesDocument,
    "\n  mutation CreateJourney($name: String!, $definition: JSON!) {\n    createJourney(name: $name, definition: $definition) { id }\n  }\n": types.CreateJourneyDocument,
    "\n  mutation SaveJourney($id: ID!, $name: String, $definition: JSON!) {\n    saveJourney(id: $id, name: $name, definition: $definition) { id }\n  }\n": types.SaveJourneyDocument,
    "\n  mutation PublishJourney($id: ID!) {\n    publishJourney(id: $id) { id status version { number } }\n  }\n": types.PublishJourneyDocument,
    "\n  mutation SetJourneyStatus($id: ID!, $status: JourneyStatus!) {\n    setJourneyStatus(id: $id, status: $status) { id status }\n  }\n": types.SetJourneyStatusDocument,
    "\n  mutation PromoteJourneyArm($id: ID!, $arm: String!) {\n    promoteJourneyArm(id: $id, arm: $arm) { id status version { number } }\n  }\n": types.PromoteJourneyArmDocument,
    "\n  mutation CreateJourneyMessage($input: CampaignInput!) {\n    createCampaign(input: $input) { id name kind channels templateKind }\n  }\n": types.CreateJourneyMessageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($username: String!, $password: String!) {\n    signIn(username: $username, password: $password) { token role expiresAt }\n  }\n"): typeof import('./graphql').SignInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { role actor staff { username displayName email manager store { code name } } }\n  }\n"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard {\n    analyticsRuns(first: 30) {\n      asOf members\n      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }\n    }\n    analyticsRun {\n      asOf members finishedAt declining lapsed\n      kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }\n      tierDistribution { key count }\n      tierMigration { from to count }\n      loyaltyQuadrants { key count }\n      valueQuadrants { key count }\n      layers { key count }\n      bgnbd { r alpha a b logLikelihood timeUnit }\n      gammaGamma { p q v logLikelihood }\n    }\n    jobRuns(first: 10) { id job asOf trigger status startedAt finishedAt error }\n  }\n"): typeof import('./graphql').DashboardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SatisfactionReport($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $storeCode: String) {\n    satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $storeCode) {\n      scale\n      overall { asked answered responseRate average score high low }\n      byStore { store { code name } figures { asked answered responseRate average score high low } }\n      byAssociate { associate { username displayName } figures { asked answered responseRate average score high low } }\n      byMonth { month figures { asked answered responseRate average score high low } }\n    }\n  }\n"): typeof import('./graphql').SatisfactionReportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members($filter: MemberFilter, $orderBy: MemberOrder, $first: Int, $after: String) {\n    members(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node {\n        memberNo name city joinedAt phone contactMasked pointsBalance tier\n        store { code name }\n        metrics { recencyDays monetary365 pAlive clv lapsed declining }\n      } }\n    }\n    stores { code name }\n  }\n"): typeof import('./graphql').MembersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Member($memberNo: String!) {\n    member(memberNo: $memberNo) {\n      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt\n      interests locale timeZone emailConsent emailConsentPending consentSource consentAt smsConsent wechatConsent wechatBound\n      status pointsBalance tier\n      consents { channel granted source wording recordedAt }\n      store { code name }\n      assignedAssociate { username displayName }\n      referredBy { memberNo name }\n      metrics {\n        asOf recencyDays frequency365 monetary365 profit365 ordersTotal spendTotal firstPurchase\n        lastPurchase avgOrderValue rScore fScore mScore qualifiedTier belowTierSince pAlive\n        expectedPurchases365 expectedValue365 clv simpleClv loyaltyQuadrant loyaltyStrategy\n        valueQuadrant valueStrategy layer declining lapsed\n      }\n      tierHistory { oldTier newTier reason changedAt }\n      purchases(first: 20) { edges { node { id orderId kind occurredAt amount profit category store { name } } } }\n      feedback(first: 20) { edges { node { id kind score scale body status resolution resolvedAt createdAt } } }\n      pointsLedger(first: 20) { edges { node { id kind points reason reference createdAt } } }\n      customFields { key label kind value updatedAt }\n    }\n    memberFields { key label kind choices }\n  }\n"): typeof import('./graphql').MemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MemberFields { memberFields { key label kind choices } }\n"): typeof import('./graphql').MemberFieldsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DefineMemberField($input: MemberFieldInput!) {\n    defineMemberField(input: $input) { key label kind choices }\n  }\n"): typeof import('./graphql').DefineMemberFieldDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMemberFields($memberNo: String!, $values: [MemberFieldValueInput!]!) {\n    setMemberFields(memberNo: $memberNo, values: $values) { key label kind value updatedAt }\n  }\n"): typeof import('./graphql').SetMemberFieldsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MemberNotes($memberNo: String!, $first: Int) {\n    member(memberNo: $memberNo) { notes(first: $first) { id author body createdAt writtenBy { username displayName } } }\n  }\n"): typeof import('./graphql').MemberNotesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddMemberNote($memberNo: String!, $body: String!) {\n    addMemberNote(memberNo: $memberNo, body: $body) { id }\n  }\n"): typeof import('./graphql').AddMemberNoteDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MemberOutreach($memberNo: String!) {\n    member(memberNo: $memberNo) { segments { id name } }\n    outbox(filter: { memberNo: $memberNo }, first: 50) {\n      totalCount\n      edges { node { kind occurrence status dueAt sentAt attempts lastError } }\n    }\n  }\n"): typeof import('./graphql').MemberOutreachDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordPurchase($input: PurchaseInput!) { recordPurchase(input: $input) { id } }\n"): typeof import('./graphql').RecordPurchaseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MemberFormChoices { stores { code name } }\n"): typeof import('./graphql').MemberFormChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MemberProfile($memberNo: String!) {\n    member(memberNo: $memberNo) {\n      memberNo name gender birthday lunarBirthday phone email address contactMasked city joinedAt\n      interests locale timeZone\n      store { code name }\n      referredBy { memberNo name }\n    }\n  }\n"): typeof import('./graphql').MemberProfileDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateMember($memberNo: String!, $input: MemberFields!) {\n    createMember(memberNo: $memberNo, input: $input) { memberNo name }\n  }\n"): typeof import('./graphql').CreateMemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMember($memberNo: String!, $input: MemberFields!) {\n    updateMember(memberNo: $memberNo, input: $input) { memberNo name }\n  }\n"): typeof import('./graphql').UpdateMemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AssignAssociate($memberNo: String!, $username: String) {\n    assignAssociate(memberNo: $memberNo, username: $username) { memberNo assignedAssociate { username displayName } }\n  }\n"): typeof import('./graphql').AssignAssociateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordReturn($input: ReturnInput!) { recordReturn(input: $input) { id orderId amount } }\n"): typeof import('./graphql').RecordReturnDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordFeedback($input: FeedbackInput!) { recordFeedback(input: $input) { id } }\n"): typeof import('./graphql').RecordFeedbackDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EarnPoints($memberNo: String!, $points: Int!, $reference: String) {\n    earnPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }\n  }\n"): typeof import('./graphql').EarnPointsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeemPoints($memberNo: String!, $points: Int!, $reference: String) {\n    redeemPoints(memberNo: $memberNo, points: $points, reference: $reference) { id }\n  }\n"): typeof import('./graphql').RedeemPointsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Templates($kind: String) {\n    emailTemplates(kind: $kind) { kind locale subject text html custom }\n    members(first: 1) { edges { node { memberNo } } }\n    me { staff { email } }\n  }\n"): typeof import('./graphql').TemplatesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreviewTemplate($input: TemplateInput!, $memberNo: String!) {\n    previewTemplate(input: $input, memberNo: $memberNo) {\n      email { subject text html }\n      problem { part line message }\n    }\n  }\n"): typeof import('./graphql').PreviewTemplateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveTemplate($input: TemplateInput!) { saveEmailTemplate(input: $input) }\n"): typeof import('./graphql').SaveTemplateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetTemplate($kind: String!, $locale: String!) { resetEmailTemplate(kind: $kind, locale: $locale) }\n"): typeof import('./graphql').ResetTemplateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendTestEmail($kind: String!, $memberNo: String!, $to: String!, $locale: String) {\n    sendTestEmail(kind: $kind, memberNo: $memberNo, to: $to, locale: $locale)\n  }\n"): typeof import('./graphql').SendTestEmailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Holidays($year: Int!) {\n    holidays(year: $year) { key name nameZh nameEn date calendar enabled daysBefore builtin }\n  }\n"): typeof import('./graphql').HolidaysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveHoliday($input: HolidayInput!, $year: Int) {\n    saveHoliday(input: $input, year: $year) { key date }\n  }\n"): typeof import('./graphql').SaveHolidayDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CallList {\n    myCallList(first: 50) {\n      memberNo name phone email contactMasked tier\n      metrics { recencyDays lastPurchase clv pAlive ordersTotal }\n    }\n  }\n"): typeof import('./graphql').CallListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordCallOutcome($memberNo: String!, $outcome: CallOutcome!, $note: String) {\n    recordCallOutcome(memberNo: $memberNo, outcome: $outcome, note: $note) { outcome createdAt }\n  }\n"): typeof import('./graphql').RecordCallOutcomeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Segments {\n    segments { id name description lastCount lastRefreshedAt count updatedBy updatedAt }\n  }\n"): typeof import('./graphql').SegmentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SegmentChoices {\n    segments { id name }\n    stores { code name }\n    segmentFields { name kind operators choices nullable }\n    memberFields { key label kind choices }\n  }\n"): typeof import('./graphql').SegmentChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SegmentPreview($filter: SegmentFilter!, $first: Int) {\n    segmentPreview(filter: $filter, first: $first) {\n      count\n      edges { node { memberNo name city tier store { name } metrics { recencyDays monetary365 } } }\n    }\n  }\n"): typeof import('./graphql').SegmentPreviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Segment($id: ID!, $since: DateTime, $after: String) {\n    segment(id: $id) {\n      id name description filter createdBy updatedBy createdAt updatedAt lastRefreshedAt lastCount count\n      refreshes(first: 60) { id refreshedAt asOf requestedBy members entered left }\n      members(first: 25, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges { node { memberNo name city tier store { name } } }\n      }\n      entered(since: $since, first: 50) { nodes { at member { memberNo name tier } } }\n      left(since: $since, first: 50) { nodes { at member { memberNo name tier } } }\n    }\n  }\n"): typeof import('./graphql').SegmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSegment($name: String!, $description: String, $filter: SegmentFilter!) {\n    createSegment(name: $name, description: $description, filter: $filter) { id }\n  }\n"): typeof import('./graphql').CreateSegmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateSegment($id: ID!, $name: String, $description: String, $filter: SegmentFilter) {\n    updateSegment(id: $id, name: $name, description: $description, filter: $filter) { id }\n  }\n"): typeof import('./graphql').UpdateSegmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteSegment($id: ID!) { deleteSegment(id: $id) }\n"): typeof import('./graphql').DeleteSegmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSegment($id: ID!) {\n    refreshSegment(id: $id) { id refreshedAt members entered left }\n  }\n"): typeof import('./graphql').RefreshSegmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Campaigns {\n    campaigns {\n      id name kind status schedule nextStartAt sendTime priority holdoutShare updatedBy updatedAt\n      segment { id name }\n    }\n  }\n"): typeof import('./graphql').CampaignsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Campaign($id: ID!) {\n    campaign(id: $id) {\n      id name kind status schedule nextStartAt templateKind templateLocales oncePerMember holdoutShare\n      priority channels attributionDays category categoryWindowDays sendTime daysBefore createdBy updatedBy updatedAt\n      segment { id name }\n      coupon { id name }\n      occurrences {\n        id key startedAt audience heldOut queued\n        report {\n          sent deferred failed suppressed paused cancelled unsubscribed eta\n          channels { channel sent delivered failed optedOut smsParts smsCost }\n          sentGroup { members buyers orders revenue revenuePerMember }\n          heldOutGroup { members buyers orders revenue revenuePerMember }\n          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n          upliftCuped { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n      }\n    }\n    segments { id name }\n    couponDefinitions { id name }\n  }\n"): typeof import('./graphql').CampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OfferChoices {\n    couponDefinitions { id name }\n  }\n"): typeof import('./graphql').OfferChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCampaign($input: CampaignInput!) { createCampaign(input: $input) { id } }\n"): typeof import('./graphql').CreateCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateCampaign($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id } }\n"): typeof import('./graphql').UpdateCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ScheduleCampaign($id: ID!) { scheduleCampaign(id: $id) { id status } }\n"): typeof import('./graphql').ScheduleCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PauseCampaign($id: ID!) { pauseCampaign(id: $id) { id status } }\n"): typeof import('./graphql').PauseCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeCampaign($id: ID!) { resumeCampaign(id: $id) { id status } }\n"): typeof import('./graphql').ResumeCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelCampaign($id: ID!) { cancelCampaign(id: $id) { id status } }\n"): typeof import('./graphql').CancelCampaignDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Access {\n    staffUsers { username displayName role manager disabledAt store { code } }\n    appKeys { id name createdBy createdAt lastUsedAt revokedAt }\n  }\n"): typeof import('./graphql').AccessDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableStaffUser($username: String!) { disableStaffUser(username: $username) { username disabledAt } }\n"): typeof import('./graphql').DisableStaffUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnableStaffUser($username: String!) { enableStaffUser(username: $username) { username disabledAt } }\n"): typeof import('./graphql').EnableStaffUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetStoreManager($username: String!, $manager: Boolean!) {\n    setStoreManager(username: $username, manager: $manager) { username manager }\n  }\n"): typeof import('./graphql').SetStoreManagerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAppKey($name: String!) { createAppKey(name: $name) { key appKey { id } } }\n"): typeof import('./graphql').CreateAppKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeAppKey($id: ID!) { revokeAppKey(id: $id) { id revokedAt } }\n"): typeof import('./graphql').RevokeAppKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeTokensOf($memberNo: String, $username: String) {\n    revokeTokensOf(memberNo: $memberNo, username: $username)\n  }\n"): typeof import('./graphql').RevokeTokensOfDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeToken($token: String!) { revokeToken(token: $token) }\n"): typeof import('./graphql').RevokeTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChannelTemplates {\n    smsTemplates { kind locale custom templateCode text params { name value } }\n    wechatTemplates { kind locale messageKind templateId link fields { name value } }\n    members(first: 1) { edges { node { memberNo } } }\n  }\n"): typeof import('./graphql').ChannelTemplatesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveSmsTemplate($input: SmsTemplateInput!) { saveSmsTemplate(input: $input) }\n"): typeof import('./graphql').SaveSmsTemplateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveWechatTemplate($input: WechatTemplateInput!) { saveWechatTemplate(input: $input) }\n"): typeof import('./graphql').SaveWechatTemplateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreviewSms($kind: String!, $memberNo: String!, $locale: String) {\n    previewSms(kind: $kind, memberNo: $memberNo, locale: $locale) { text length parts templateCode }\n  }\n"): typeof import('./graphql').PreviewSmsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreviewWechat($kind: String!, $memberNo: String!, $locale: String) {\n    previewWechat(kind: $kind, memberNo: $memberNo, locale: $locale) { templateId link fields { name value } }\n  }\n"): typeof import('./graphql').PreviewWechatDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Offers {\n    couponDefinitions {\n      id name kind amountOff percentOff maxDiscount gift minSpend storeCodes categories validFrom validUntil validDays\n      perMemberLimit stock issued pointsPrice importedCodes codesLeft\n      report { issued redeemed expired outstanding redemptionRate discounts revenue liability }\n    }\n    rewards { id name pointsPrice stock issued codesLeft validFrom validUntil validDays }\n  }\n"): typeof import('./graphql').OffersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DefineCoupon($input: CouponDefinitionInput!) {\n    defineCoupon(input: $input) { id }\n  }\n"): typeof import('./graphql').DefineCouponDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MemberCoupons($memberNo: String!) {\n    member(memberNo: $memberNo) { coupons { id code state validUntil orderId discount definition { name } } }\n    couponDefinitions { id name }\n    rewards(memberNo: $memberNo) { id name pointsPrice }\n  }\n"): typeof import('./graphql').MemberCouponsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IssueCoupon($definitionId: ID!, $memberNo: String!) {\n    issueCoupon(definitionId: $definitionId, memberNo: $memberNo) { code }\n  }\n"): typeof import('./graphql').IssueCouponDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportCouponCodes($definitionId: ID!, $codes: [String!]!) {\n    importCouponCodes(definitionId: $definitionId, codes: $codes) { added unchanged rejected { line message } }\n  }\n"): typeof import('./graphql').ImportCouponCodesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeemReward($definitionId: ID!, $memberNo: String!) {\n    redeemReward(definitionId: $definitionId, memberNo: $memberNo) { code }\n  }\n"): typeof import('./graphql').RedeemRewardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RedeemCoupon($code: String!, $orderId: String!) {\n    redeemCoupon(code: $code, orderId: $orderId) { code discount }\n  }\n"): typeof import('./graphql').RedeemCouponDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenTasks($storeCode: String) {\n    openTasks(storeCode: $storeCode, first: 50) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n"): typeof import('./graphql').OpenTasksDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskStores { stores { code name } }\n"): typeof import('./graphql').TaskStoresDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClaimTask($id: ID!) {\n    claimTask(id: $id) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n"): typeof import('./graphql').ClaimTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StoreAssociates($storeCode: String) { storeAssociates(storeCode: $storeCode) { username displayName } }\n"): typeof import('./graphql').StoreAssociatesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AssignTask($id: ID!, $username: String) {\n    assignTask(id: $id, username: $username) {\n      id kind reason dueOn expiresOn inPool mine\n      assignee { username displayName }\n      store { code }\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n"): typeof import('./graphql').AssignTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CloseTask($id: ID!, $input: TaskOutcomeInput!) {\n    closeTask(id: $id, input: $input) { id status outcome }\n  }\n"): typeof import('./graphql').CloseTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskRules { taskRules { kind enabled days minAmount tiers openDays holdoutShare } }\n"): typeof import('./graphql').TaskRulesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateTaskRule($kind: TaskKind!, $input: TaskRuleInput!) {\n    updateTaskRule(kind: $kind, input: $input) { kind enabled days minAmount tiers openDays holdoutShare }\n  }\n"): typeof import('./graphql').UpdateTaskRuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenComplaints($storeCode: String) {\n    openComplaints(storeCode: $storeCode, first: 50) {\n      id body createdAt dueBy escalatedAt\n      member { memberNo name phone contactMasked tier store { code name } }\n    }\n  }\n"): typeof import('./graphql').OpenComplaintsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResolveFeedback($id: ID!, $resolution: String!) {\n    resolveFeedback(id: $id, resolution: $resolution) { id status }\n  }\n"): typeof import('./graphql').ResolveFeedbackDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UnattendedMembers($storeCode: String!) {\n    unattendedMembers(storeCode: $storeCode, first: 50) {\n      memberNo name tier\n      assignedAssociate { username displayName disabledAt }\n      metrics { clv }\n    }\n  }\n"): typeof import('./graphql').UnattendedMembersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation HandOverMembers($fromUsername: String!, $toUsername: String) {\n    handOverMembers(fromUsername: $fromUsername, toUsername: $toUsername) { members tasks }\n  }\n"): typeof import('./graphql').HandOverMembersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskReport($kind: TaskKind!, $from: NaiveDate!, $to: NaiveDate!, $windowDays: Int) {\n    taskReport(kind: $kind, from: $from, to: $to, windowDays: $windowDays) {\n      tasked { members buyers orders revenue revenuePerMember }\n      heldBack { members buyers orders revenue revenuePerMember }\n      done reached\n      uplift { sentPerMember heldOutPerMember upliftPerMember incrementalRevenue incrementalLow incrementalHigh }\n      retention { tasked heldBack difference low high }\n    }\n  }\n"): typeof import('./graphql').TaskReportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssociateScores($storeCode: String!, $from: NaiveDate!, $to: NaiveDate!) {\n    associateScores(storeCode: $storeCode, from: $from, to: $to) {\n      associate { username displayName disabledAt }\n      members tasks done doneOnTime reached complaintsResolved complaintsWithinSla buyers revenue\n    }\n  }\n"): typeof import('./graphql').AssociateScoresDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Playbooks {\n    playbooks {\n      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants\n      segment { id name }\n      campaign { id name status channels }\n    }\n  }\n"): typeof import('./graphql').PlaybooksDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPlaybook($strategy: Strategy!, $enabled: Boolean!) {\n    setPlaybook(strategy: $strategy, enabled: $enabled) {\n      strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants\n      segment { id name }\n      campaign { id name status channels }\n    }\n  }\n"): typeof import('./graphql').SetPlaybookDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Journeys {\n    journeys {\n      id key name status updatedBy updatedAt\n      version { number publishedAt }\n      report { entered active }\n    }\n  }\n"): typeof import('./graphql').JourneysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Journey($id: ID!) {\n    journey(id: $id) {\n      id key name status draft updatedBy updatedAt\n      version { id number definition publishedAt publishedBy }\n      versions { id number publishedAt publishedBy }\n      report {\n        entered heldOut active done exited\n        entriesByDay { date count }\n        steps { version node path kind waiting passed }\n        treated { members buyers orders revenue revenuePerMember }\n        control { members buyers orders revenue revenuePerMember }\n        uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        conversion { tasked heldBack difference low high }\n        arms {\n          name\n          group { members buyers orders revenue revenuePerMember }\n          uplift { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n        leader {\n          name runnerUp clears\n          againstRunnerUp { sentPerMember heldOutPerMember upliftPerMember standardError incrementalRevenue incrementalLow incrementalHigh }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').JourneyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JourneyChoices {\n    campaigns(kind: JOURNEY) { id name channels templateKind templateLocales }\n    smsTemplates { kind }\n    wechatTemplates { kind }\n    couponDefinitions { id name }\n    segments { id name }\n    stores { code name }\n    segmentFields { name kind operators choices nullable }\n    memberFields { key label kind choices }\n  }\n"): typeof import('./graphql').JourneyChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateJourney($name: String!, $definition: JSON!) {\n    createJourney(name: $name, definition: $definition) { id }\n  }\n"): typeof import('./graphql').CreateJourneyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveJourney($id: ID!, $name: String, $definition: JSON!) {\n    saveJourney(id: $id, name: $name, definition: $definition) { id }\n  }\n"): typeof import('./graphql').SaveJourneyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PublishJourney($id: ID!) {\n    publishJourney(id: $id) { id status version { number } }\n  }\n"): typeof import('./graphql').PublishJourneyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetJourneyStatus($id: ID!, $status: JourneyStatus!) {\n    setJourneyStatus(id: $id, status: $status) { id status }\n  }\n"): typeof import('./graphql').SetJourneyStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PromoteJourneyArm($id: ID!, $arm: String!) {\n    promoteJourneyArm(id: $id, arm: $arm) { id status version { number } }\n  }\n"): typeof import('./graphql').PromoteJourneyArmDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateJourneyMessage($input: CampaignInput!) {\n    createCampaign(input: $input) { id name kind channels templateKind }\n  }\n"): typeof import('./graphql').CreateJourneyMessageDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
