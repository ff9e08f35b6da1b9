// Segments and campaigns end to end in Debian's chromium: build the scenario segment visually
// and see the live count equal `segmentPreview`; a wrong operand flagged at its node; save and
// refresh it; a campaign for it on a cron schedule read aloud in both languages, its template
// saved from the campaign's link, scheduled, an occurrence started and sent, and its report.
// Screenshots for the README are taken on the way.
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

  // Condition 1: tier is A or B (the new condition starts as "tier is one of").
  const node = (path) => page.locator(`[data-path="${path}"]`);
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
  assert.match((await alert.textContent()) ?? '', /whole number/);
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
  await page.getByRole('alert').filter({ hasText: 'zh-CN template' }).waitFor();

  // Its template, opened from the campaign with its kind chosen, starts from a starter text.
  await page.locator('[data-template-link]').click();
  await page.getByRole('heading', { name: '邮件模板' }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: '模板' }).inputValue(), `campaign:${campaignId}`);
  await page.getByText('模板可以正常生成。').waitFor();
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  await page.getByRole('link', { name: '返回活动' }).click();
  await page.locator('[data-template-saved=true]').waitFor();
  await page.getByRole('button', { name: '排期发送' }).click();
  await page.locator('h1 [data-status=scheduled]').waitFor();
  assert.equal(await page.locator('[data-no-occurrence]').count(), 1);

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

  // Pause and cancel follow the status.
  await page.getByRole('button', { name: '暂停' }).click();
  await page.locator('h1 [data-status=paused]').waitFor();
  await page.getByRole('button', { name: '取消活动' }).click();
  await page.locator('h1 [data-status=cancelled]').waitFor();
  assert.equal(await page.getByRole('button', { name: '排期发送' }).count(), 0);
  await page.context().close();
});
