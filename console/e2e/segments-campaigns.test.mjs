// Segments and campaigns end to end in Debian's chromium: build the scenario segment visually
// and see the live count equal `segmentPreview`; a wrong operand flagged at its node; save and
// refresh it; a campaign for it on a cron schedule read aloud in both languages, its template
// saved from the campaign's link (and read back when reopened), scheduled, an occurrence started
// and sent, and its report; the member profile's segments and emails; the built-in birthday
// campaign's send time and days early; a field the API adds later is offered by its name.
// Screenshots for docs/console.md are taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import cronstrue from 'cronstrue';
import 'cronstrue/locales/zh_CN.js';
import { signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
const SEGMENT = '上海床品 A/B 会员';
const CAMPAIGN = '秋季床品上新';
const CRON = '0 0 10 * * *';
let stack;
let segmentId;
let segmentSize;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

const count = async (filter) =>
  (await stack.graphql('query($f: SegmentFilter!) { segmentPreview(filter: $f, first: 1) { count } }', { f: filter }))
    .segmentPreview.count;
const zh = (n) => new Intl.NumberFormat('zh-CN').format(n);
/** The stored filter spells out the parts not given as null. */
const withoutNulls = (value) =>
  Array.isArray(value)
    ? value.map(withoutNulls)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]))
      : value;

test('a segment built visually counts what segmentPreview counts, and a wrong operand is flagged at its node', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '分群' }).click();
  await page.getByRole('heading', { name: '会员分群' }).waitFor();
  await page.getByText('还没有保存的分群。').waitFor();
  await page.getByRole('link', { name: '新建分群' }).click();
  await page.getByRole('heading', { name: '新建分群' }).waitFor();
  const node = (path) => page.locator(`[data-path="${path}"]`);

  // The builder offers the fields, operators and choices `segmentFields` lists, no more.
  const { segmentFields } = await stack.graphql('{ segmentFields { name kind operators choices } }');
  const fieldSelect = node('filter.and[0]').getByRole('combobox', { name: '字段' });
  await fieldSelect.locator('option[value=tier]').waitFor({ state: 'attached' });
  const offered = await fieldSelect.locator('option').evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual([...offered].sort(), segmentFields.map((f) => f.name).sort(), 'every field the API lists');
  await page.getByRole('button', { name: '+ 条件', exact: true }).click();
  const probe = node('filter.and[1]');
  for (const name of ['interests', 'emailConsent', 'birthMonth', 'gender', 'loyaltyStrategy']) {
    const field = segmentFields.find((f) => f.name === name);
    assert.ok(field, name);
    await probe.getByRole('combobox', { name: '字段' }).selectOption(name);
    const ops = await probe.getByRole('combobox', { name: '运算' }).locator('option').evaluateAll((options) => options.map((o) => o.value));
    assert.deepEqual(ops, field.operators, `${name}: the operators segmentFields gives`);
    if (field.choices.length && field.operators.includes('IN')) {
      await probe.getByRole('combobox', { name: '运算' }).selectOption('IN');
      assert.equal(await probe.getByRole('group', { name: '取值' }).getByRole('checkbox').count(), field.choices.length, `${name}: its choices`);
    }
  }
  await probe.getByRole('button', { name: '删除' }).click();

  // Condition 1: tier is A or B (the new condition starts as "tier is one of").
  await node('filter.and[0]').getByRole('checkbox', { name: 'A', exact: true }).check();
  await node('filter.and[0]').getByRole('checkbox', { name: 'B', exact: true }).check();
  // Condition 2: city = 上海.
  await page.getByRole('button', { name: '+ 条件', exact: true }).click();
  await node('filter.and[1]').getByRole('combobox', { name: '字段' }).selectOption('city');
  await node('filter.and[1]').getByRole('combobox', { name: '运算' }).selectOption('EQ');
  await node('filter.and[1]').getByRole('textbox', { name: '值' }).fill('上海');
  // Condition 3: bought bedding in the last 365 days.
  await page.getByRole('button', { name: '+ 条件', exact: true }).click();
  await node('filter.and[2]').getByRole('combobox', { name: '条件类型' }).selectOption('bought');
  await node('filter.and[2]').getByRole('textbox', { name: '品类' }).fill('床品');

  const three = [
    { field: { field: 'tier', op: 'IN', values: ['A', 'B'] } },
    { field: { field: 'city', op: 'EQ', value: '上海' } },
    { bought: { category: '床品', window: { lastDays: 365 } } },
  ];
  const expected = await count({ and: three });
  const everyone = await count({ and: [three[0]] });
  assert.ok(expected > 0 && expected < everyone, `the scenario narrows the members (${expected} of ${everyone})`);
  await page.locator(`[data-live-count="${expected}"]`).waitFor();
  assert.equal(await page.locator('.count').textContent(), `符合条件：${zh(expected)} 人`);
  assert.equal(await page.locator('section[aria-labelledby=live] tbody tr').count(), Math.min(10, expected));

  // Condition 4, typed wrong: days since last purchase > "abc". The server's error names
  // filter.and[3].field.value; it shows at that node, and only there.
  await page.getByRole('button', { name: '+ 条件', exact: true }).click();
  await node('filter.and[3]').getByRole('combobox', { name: '字段' }).selectOption('recencyDays');
  await node('filter.and[3]').getByRole('combobox', { name: '运算' }).selectOption('GT');
  const value = node('filter.and[3]').getByRole('textbox', { name: '值' });
  await value.fill('abc');
  const alert = node('filter.and[3]').getByRole('alert');
  await alert.waitFor();
  // The server names the refusal by a key; the Chinese console says it in Chinese.
  assert.match((await alert.textContent()) ?? '', /应为整数，而不是 "abc"/);
  assert.equal(await value.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('[role=alert]').count(), 1, 'one error, at its node');
  assert.equal(await page.getByRole('button', { name: '保存分群' }).isDisabled(), true);
  await page.screenshot({ path: `${shots}/segment-error.png`, fullPage: true });

  // Fixed, the count follows the API again.
  await value.fill('30');
  const four = [...three, { field: { field: 'recencyDays', op: 'GT', value: 30 } }];
  const expectedFour = await count({ and: four });
  await page.locator(`[data-live-count="${expectedFour}"]`).waitFor();
  assert.equal(await alert.count(), 0);
  // Back to the three conditions of the scenario.
  await node('filter.and[3]').getByRole('button', { name: '删除' }).click();
  await page.locator(`[data-live-count="${expected}"]`).waitFor();

  await page.getByRole('textbox', { name: '名称' }).fill(SEGMENT);
  await page.getByRole('textbox', { name: '说明' }).fill('A、B 级上海会员，一年内买过床品');
  await page.getByRole('button', { name: '保存分群' }).click();
  await page.getByRole('heading', { name: SEGMENT }).waitFor();
  segmentId = page.url().match(/#\/segments\/(\d+)/)?.[1];
  assert.ok(segmentId, page.url());
  const { segment } = await stack.graphql('query($id: ID!) { segment(id: $id) { name filter count } }', { id: segmentId });
  assert.equal(segment.count, expected);
  assert.deepEqual(withoutNulls(segment.filter), { and: three }, 'the saved filter is the one built');
  segmentSize = expected;
  // The saved segment's page fills the builder from its stored filter and previews it again.
  await page.locator(`[data-live-count="${expected}"]`).waitFor();
  assert.equal(await page.locator('[data-path="filter.and[2]"]').getByRole('textbox', { name: '品类' }).inputValue(), '床品');

  // Refresh now: its size at the refresh, the chart, and who entered.
  await page.getByRole('button', { name: '立即刷新' }).click();
  await page.getByRole('status').filter({ hasText: `已刷新：${zh(expected)} 人，新进入 ${zh(expected)} 人` }).waitFor();
  assert.match((await page.locator('[data-last-count]').textContent()) ?? '', new RegExp(`^${zh(expected)} `));
  await page.locator('section[aria-labelledby=size] svg').waitFor();
  assert.equal(await page.locator('[data-changes=segEntered] tbody tr').count(), Math.min(50, expected));
  await page.screenshot({ path: `${shots}/segment.png`, fullPage: true });

  // Listed, with its live count.
  await page.getByRole('link', { name: '← 会员分群' }).click();
  const row = page.locator(`[data-segment="${SEGMENT}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-live]').textContent(), zh(expected));
  await page.screenshot({ path: `${shots}/segments.png` });
  await page.context().close();
});

test('a campaign for the segment: cron read aloud, template saved from its link, scheduled, sent and reported', async () => {
  assert.ok(segmentId, 'the segment test ran first');
  // A tablet's width, in the brand's zone.
  const page = await stack.newPage({ viewport: { width: 1024, height: 900 }, timezoneId: 'Asia/Shanghai' });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '营销活动' }).click();
  await page.getByRole('heading', { name: '营销活动' }).waitFor();
  // The built-in campaigns are listed with their status.
  const { campaigns: builtins } = await stack.graphql('{ campaigns { name kind status } }');
  assert.ok(builtins.some((c) => c.kind === 'BIRTHDAY'), JSON.stringify(builtins));
  for (const c of builtins) {
    await page.locator(`[data-campaign="${c.name}"] [data-status="${c.status}"]`).waitFor();
  }

  await page.getByRole('link', { name: '新建活动' }).click();
  await page.getByRole('heading', { name: '新建活动' }).waitFor();
  await page.getByRole('textbox', { name: '名称' }).fill(CAMPAIGN);
  await page.getByRole('combobox', { name: '分群' }).selectOption({ label: SEGMENT });
  await page.getByRole('textbox', { name: '对照组比例（%）' }).fill('30');
  await page.getByRole('radio', { name: '周期发送（cron）' }).check();
  await page.getByRole('textbox', { name: /Cron 表达式/ }).fill(CRON);
  const reading = page.locator('[data-cron-reading]');
  const zhReading = cronstrue.toString(CRON, { locale: 'zh_CN', use24HourTimeFormat: true });
  assert.match(zhReading, /10:00/);
  await reading.filter({ hasText: `${zhReading} (品牌时区)` }).waitFor();
  // An expression that is not cron says so.
  await page.getByRole('textbox', { name: /Cron 表达式/ }).fill('every day');
  await reading.filter({ hasText: '无法识别为 cron 表达式。' }).waitFor();
  await page.getByRole('textbox', { name: /Cron 表达式/ }).fill(CRON);
  // The reading follows the console's language.
  await page.getByRole('combobox', { name: '语言' }).first().selectOption('en');
  await reading.filter({ hasText: 'At 10:00 (brand time zone)' }).waitFor();
  await page.screenshot({ path: `${shots}/campaign-new-en.png`, fullPage: true });
  await page.getByRole('combobox', { name: 'Language' }).first().selectOption('zh-CN');
  await page.getByRole('button', { name: '创建草稿' }).click();

  await page.locator('h1 [data-status=draft]').waitFor();
  const campaignId = page.url().match(/#\/campaigns\/(\d+)/)?.[1];
  assert.ok(campaignId, page.url());
  assert.equal(await page.locator('[data-schedule]').textContent(), `${zhReading} (品牌时区)`);
  const { campaign } = await stack.graphql('query($id: ID!) { campaign(id: $id) { schedule holdoutShare segment { id } templateKind } }', { id: campaignId });
  assert.deepEqual(campaign.schedule, { cron: CRON });
  assert.equal(Number(campaign.holdoutShare), 0.3);
  assert.equal(campaign.segment.id, segmentId);

  // Without its template it cannot be scheduled, and the page says why.
  await page.locator('[data-template-saved=false]').waitFor();
  await page.getByRole('button', { name: '排期发送' }).click();
  // The server names the refusal by its key; the Chinese console says it in Chinese.
  await page.getByRole('alert').filter({ hasText: '请先保存其中文（zh-CN）模板' }).waitFor();

  // Its template, opened from the campaign with its kind chosen, starts from a starter text.
  await page.locator('[data-template-link]').click();
  await page.getByRole('heading', { name: '邮件模板' }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: '模板' }).inputValue(), `campaign:${campaignId}`);
  await page.locator('[data-template-state=starter]').waitFor();
  await page.getByText('模板可以正常生成。').waitFor();
  const subject = page.getByRole('textbox', { name: '主题' });
  const SUBJECT = '{{ member.name }}，秋季床品上新了';
  await subject.fill(SUBJECT);
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  // Reopened, the editor shows the saved template, not the starter text.
  await page.reload();
  await page.locator('[data-template-state=saved]').waitFor();
  assert.equal(await subject.inputValue(), SUBJECT);
  const { emailTemplates: saved } = await stack.graphql('query($k: String) { emailTemplates(kind: $k) { locale subject } }', { k: `campaign:${campaignId}` });
  assert.deepEqual(saved, [{ locale: 'zh-CN', subject: SUBJECT }]);
  await page.getByRole('link', { name: '返回活动' }).click();
  await page.locator('[data-template-saved=true]').waitFor();
  await page.locator('[data-template-locale="zh-CN"][data-saved=true]').waitFor();
  await page.locator('[data-template-locale="en"][data-saved=false]').waitFor();
  await page.getByRole('button', { name: '排期发送' }).click();
  await page.locator('h1 [data-status=scheduled]').waitFor();
  assert.equal(await page.locator('[data-no-occurrence]').count(), 1);
  // When the next occurrence starts, as the API says, in the page's language and zone.
  const { campaign: scheduled } = await stack.graphql('query($id: ID!) { campaign(id: $id) { nextStartAt } }', { id: campaignId });
  assert.ok(scheduled.nextStartAt, 'a cron campaign has a next start');
  const next = page.locator('[data-next-start]');
  // (The API's nextStartAt carries the fraction of a second it was asked at: compare to the second.)
  const toSecond = (v) => Math.floor(Date.parse(v) / 1000);
  assert.equal(toSecond(await next.getAttribute('data-next-start')), toSecond(scheduled.nextStartAt));
  const shanghai = new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' });
  assert.equal(await next.textContent(), shanghai.format(new Date(scheduled.nextStartAt)));
  assert.match((await next.textContent()) ?? '', /10:00$/);

  // Yesterday's 10:00 tick, caught up by hand, then the outbox sends.
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  const before = stack.mails().length;
  await stack.graphql('mutation($d: NaiveDate) { runJob(name: "campaigns", asOf: $d) { status } }', { d: yesterday });
  await stack.graphql('mutation { runJob(name: "outbox") { status } }');
  const { campaign: sent } = await stack.graphql(`query($id: ID!) { campaign(id: $id) { status occurrences {
    key audience heldOut queued report { sent failed suppressed
      sentGroup { revenuePerMember } heldOutGroup { revenuePerMember } uplift { incrementalRevenue } upliftCuped { incrementalRevenue } } } } }`, { id: campaignId });
  assert.equal(sent.occurrences.length, 1, JSON.stringify(sent));
  const [o] = sent.occurrences;
  // The audience: the segment's members who consent and can be mailed.
  assert.ok(o.audience > 0 && o.audience <= segmentSize, `${o.audience} of ${segmentSize}`);
  assert.equal(o.audience, o.heldOut + o.queued);
  assert.ok(o.queued > 0 && o.report.sent > 0, JSON.stringify(o));
  assert.equal(stack.mails().length - before, o.report.sent, 'every email sent reached the SMTP server');

  await page.reload();
  const section = page.locator(`[data-occurrence="${o.key}"]`);
  await section.waitFor();
  for (const [figure, value] of [['audience', o.audience], ['heldOut', o.heldOut], ['queued', o.queued], ['sent', o.report.sent], ['failed', o.report.failed], ['suppressed', o.report.suppressed]]) {
    assert.equal(await section.locator(`[data-figure=${figure}] .value`).textContent(), zh(value), figure);
  }
  const yuan = (v) => new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(Number(v));
  assert.ok(((await section.locator('table.groups').textContent()) ?? '').includes(yuan(o.report.sentGroup.revenuePerMember)));
  if (o.report.uplift) {
    assert.ok(((await section.locator('[data-estimate=campUplift]').textContent()) ?? '').startsWith(yuan(o.report.uplift.incrementalRevenue)));
  } else {
    await section.getByText('每组至少两人才能估计增量销售额。').waitFor();
  }
  await section.locator('svg').first().waitFor();
  await page.screenshot({ path: `${shots}/campaign-report.png`, fullPage: true });

  // The recipient's profile lists the segment (as of its refresh) and the email sent.
  // The outbox is oldest first: the campaign's emails are the last sent.
  let email;
  for (let after = null, more = true; more;) {
    const { outbox } = await stack.graphql(`query($after: String) { outbox(filter: { status: "sent" }, first: 100, after: $after) {
      pageInfo { hasNextPage endCursor } nodes { kind occurrence member { memberNo } } } }`, { after });
    email = outbox.nodes.at(-1) ?? email;
    more = outbox.pageInfo.hasNextPage;
    after = outbox.pageInfo.endCursor;
  }
  assert.ok(email?.member, JSON.stringify(email));
  const { member: recipient } = await stack.graphql('query($no: String!) { member(memberNo: $no) { segments { id name } } }', { no: email.member.memberNo });
  assert.deepEqual(recipient.segments.filter((s) => s.id === segmentId), [{ id: segmentId, name: SEGMENT }]);
  await page.goto(`${stack.base}/console/#/member/${encodeURIComponent(email.member.memberNo)}`);
  const link = page.locator(`[data-member-segment="${segmentId}"]`);
  await link.waitFor();
  assert.equal(await link.textContent(), SEGMENT);
  assert.equal(await page.locator('[data-member-segment]').count(), recipient.segments.length);
  const row = page.locator(`[data-emails] tr[data-email-kind="${email.kind}"][data-email-status=sent]`).filter({ has: page.locator(`[data-occurrence="${email.occurrence}"]`) });
  assert.equal(await row.count(), 1, 'the email sent is listed');
  await page.screenshot({ path: `${shots}/member-outreach.png`, fullPage: true });
  await link.click();
  await page.getByRole('heading', { name: SEGMENT }).waitFor();
  await page.goto(`${stack.base}/console/#/campaigns/${campaignId}`);
  await page.locator('h1 [data-status=sending], h1 [data-status=scheduled]').first().waitFor();

  // Pause and cancel follow the status.
  await page.getByRole('button', { name: '暂停' }).click();
  await page.locator('h1 [data-status=paused]').waitFor();
  await page.getByRole('button', { name: '取消活动' }).click();
  await page.locator('h1 [data-status=cancelled]').waitFor();
  assert.equal(await page.getByRole('button', { name: '排期发送' }).count(), 0);
  await page.context().close();
});

test('the built-in birthday campaign: send time and days early saved, paused and resumed, not cancelled', async () => {
  const { campaigns } = await stack.graphql('{ campaigns { id name kind status } }');
  const birthday = campaigns.find((c) => c.kind === 'BIRTHDAY');
  const winback = campaigns.find((c) => c.kind === 'WINBACK');
  assert.ok(birthday && winback, JSON.stringify(campaigns));
  const page = await stack.newPage({ locale: 'en' });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Campaigns' }).click();
  await page.locator(`[data-campaign="${birthday.name}"] a`).click();
  await page.getByRole('heading', { name: birthday.name }).waitFor();
  const form = page.getByRole('form', { name: 'Campaign settings' });
  await form.waitFor();
  // No schedule and no name to edit: its timing instead.
  assert.equal(await form.getByRole('radio', { name: /cron/ }).count(), 0);
  assert.equal(await form.getByRole('textbox', { name: 'Name' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Cancel campaign' }).count(), 0);
  await form.getByRole('radio', { name: 'Segment' }).check();
  await form.getByRole('combobox', { name: 'Segment' }).selectOption({ label: SEGMENT });
  await form.getByLabel("Send time (member's local time)").fill('10:30');
  await form.getByRole('textbox', { name: /Days before the birthday/ }).fill('2');
  await form.getByRole('textbox', { name: 'Control group (% held out)' }).fill('5');
  await form.getByRole('textbox', { name: 'Priority under the daily cap' }).fill('3');
  // A text first, else the email: SMS ticked and moved to the top of the preference.
  await form.getByRole('checkbox', { name: 'SMS' }).check();
  await form.getByRole('button', { name: 'Move SMS up' }).click();
  await form.getByRole('button', { name: 'Move SMS up' }).click();
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  const query = 'query($id: ID!) { campaign(id: $id) { status sendTime daysBefore holdoutShare priority channels segment { id } } }';
  const { campaign } = await stack.graphql(query, { id: birthday.id });
  assert.deepEqual(
    { ...campaign, holdoutShare: Number(campaign.holdoutShare) },
    { status: 'scheduled', sendTime: '10:30:00', daysBefore: 2, holdoutShare: 0.05, priority: 3, channels: ['SMS', 'EMAIL'], segment: { id: segmentId } },
  );
  await page.locator('[data-timing]').filter({ hasText: "due at 10:30 in each member's time zone; days early: 2" }).waitFor();
  // Reopened, the form shows what is stored.
  await page.reload();
  await page.locator('[data-timing]').waitFor();
  assert.equal(await form.getByLabel("Send time (member's local time)").inputValue(), '10:30');
  assert.equal(await form.getByRole('textbox', { name: /Days before the birthday/ }).inputValue(), '2');
  const preference = await form.locator('[data-channels] li').allInnerTexts();
  assert.deepEqual(preference.map((text) => text.replace('↑', '').trim()), ['SMS', 'Email', 'WeChat']);
  assert.ok(await form.getByRole('checkbox', { name: 'SMS' }).isChecked());
  assert.ok(!(await form.getByRole('checkbox', { name: 'WeChat' }).isChecked()));
  await page.screenshot({ path: `${shots}/campaign-birthday-en.png`, fullPage: true });

  // A bad number of days is refused at its field.
  await form.getByRole('textbox', { name: /Days before the birthday/ }).fill('61');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'Days early: 0 to 60' }).waitFor();
  assert.equal((await stack.graphql(query, { id: birthday.id })).campaign.daysBefore, 2);

  await page.getByRole('button', { name: 'Pause' }).click();
  await page.locator('h1 [data-status=paused]').waitFor();
  assert.equal((await stack.graphql(query, { id: birthday.id })).campaign.status, 'paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.locator('h1 [data-status=scheduled]').waitFor();
  assert.equal((await stack.graphql(query, { id: birthday.id })).campaign.status, 'scheduled');

  // Win-back has a send time but no days early.
  await page.goto(`${stack.base}/console/#/campaigns/${winback.id}`);
  await page.getByRole('heading', { name: winback.name }).waitFor();
  await form.getByLabel("Send time (member's local time)").waitFor();
  assert.equal(await form.getByRole('textbox', { name: /Days before/ }).count(), 0);
  await page.context().close();
});

test('a freshly opened builder shows no error and counts nothing until its condition is filled in; saving early names what is missing', async () => {
  const page = await stack.newPage();
  // Every filter the builder asks to count.
  const asked = [];
  page.on('request', (request) => {
    const body = request.postData() ?? '';
    if (request.url().endsWith('/graphql') && body.includes('query SegmentPreview')) asked.push(JSON.parse(body).variables.filter);
  });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.goto(`${stack.base}/console/#/segments/new`);
  const condition = page.locator('[data-path="filter.and[0]"]');
  await condition.getByRole('combobox', { name: '字段' }).locator('option[value=tier]').waitFor({ state: 'attached' });
  // "Tier is one of" with nothing ticked yet: not an error, and not counted.
  await page.locator('.count').filter({ hasText: '所有条件填写完整后显示人数。' }).waitFor();
  assert.equal(await page.locator('[role=alert]').count(), 0, 'no error before anything was entered');
  assert.equal(await page.locator('[aria-invalid=true]').count(), 0);

  // Saved as it is, the condition says what it lacks.
  await page.getByRole('textbox', { name: '名称' }).fill('未填完的分群');
  await page.getByRole('button', { name: '保存分群' }).click();
  await condition.getByRole('alert').filter({ hasText: '请至少选择或输入一个取值。' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '保存分群' }).isDisabled(), true);

  // Filled in, it is counted, and the error is gone.
  await condition.getByRole('checkbox', { name: 'A', exact: true }).check();
  const filter = { and: [{ field: { field: 'tier', op: 'IN', values: ['A'] } }] };
  await page.locator(`[data-live-count="${await count(filter)}"]`).waitFor();
  assert.equal(await page.locator('[role=alert]').count(), 0);
  assert.ok(asked.length > 0 && asked.every((f) => JSON.stringify(f) === JSON.stringify(filter)), `only the filled-in filter was counted: ${JSON.stringify(asked)}`);
  const { segments } = await stack.graphql('{ segments { name } }');
  assert.ok(!segments.some((s) => s.name === '未填完的分群'), 'nothing was saved');
  await page.context().close();
});

test('a field the API adds later is offered by its name, with the operators the API gives it', async () => {
  const page = await stack.newPage();
  // The server answers as a newer one would: one more field in segmentFields.
  await page.route('**/graphql', async (route) => {
    if (!(route.request().postData() ?? '').includes('query SegmentChoices')) return route.fallback();
    const response = await route.fetch();
    const body = await response.json();
    body.data.segmentFields.push({ name: 'shoeSize', kind: 'int', operators: ['EQ', 'GE'], choices: [], nullable: true });
    return route.fulfill({ response, json: body });
  });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.goto(`${stack.base}/console/#/segments/new`);
  const condition = page.locator('[data-path="filter.and[0]"]');
  const field = condition.getByRole('combobox', { name: '字段' });
  await field.locator('option[value=shoeSize]').waitFor({ state: 'attached' });
  assert.equal(await field.locator('option[value=shoeSize]').textContent(), 'shoeSize');
  await field.selectOption('shoeSize');
  const ops = await condition.getByRole('combobox', { name: '运算' }).locator('option').evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual(ops, ['EQ', 'GE']);
  await page.context().close();
});
