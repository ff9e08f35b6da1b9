// The strategy playbooks end to end in Debian's chromium: a marketer opens the Playbooks page
// (next to Task rules), reads what each playbook is for and does, dismisses the question of
// switching deep care on (nothing changes), then switches it on; the card then shows the saved
// segment and the draft campaign exactly as `playbooks` returns them, and both links open them;
// the Task rules page shows the care-call rule on (switched by the playbooks, not there); the
// marketer switches deep care off after a confirmation and the card and the rule show it off.
// With deep care on, the tasks job's care call shows on the tasks page by its kind and reason in
// Chinese. An associate has no Playbooks entry, the route shows nothing and asks the API
// nothing, and the API refuses them. A screenshot for docs/console.md is taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { PASSWORD, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
let stack;
/** Tokens of the marketer mei and the associate wang. */
let mei;
let wang;

before(async () => {
  stack = await startStack();
  const signInAs = 'mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }';
  mei = (await stack.graphql(signInAs, { u: 'mei', p: PASSWORD })).signIn.token;
  wang = (await stack.graphql(signInAs, { u: 'wang', p: PASSWORD })).signIn.token;
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

const PLAYBOOKS = `{ playbooks { strategy name enabled callEveryDays loyaltyQuadrants valueQuadrants
  segment { id name } campaign { id name status channels holdoutShare segment { id } } } }`;
const CARE_RULE = '{ taskRules { kind enabled } }';
const careRule = async () => (await stack.graphql(CARE_RULE, {}, mei)).taskRules.find((r) => r.kind === 'CARE_CALL');

/** The switch of a card, on or off as it says (aria-checked). */
const state = async (card) => (await card.getByRole('switch', { name: '启用' }).getAttribute('aria-checked')) === 'true';

/** Clicks `target`, answering the confirmation it asks; resolves with the question. */
async function answering(page, target, accept) {
  let asked = null;
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    return accept ? dialog.accept() : dialog.dismiss();
  });
  await target.click();
  for (let i = 0; i < 50 && asked === null; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(asked, 'a confirmation was asked');
  return asked;
}

test('a marketer switches deep care on: the card shows its segment and draft campaign as the API has them; the care-call rule is on; off again after a confirmation', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  const nav = page.getByRole('navigation', { name: '主导航' });
  const entries = await nav.getByRole('link').allInnerTexts();
  assert.equal(entries.indexOf('策略方案'), entries.indexOf('任务规则') + 1, `next to Task rules: ${entries}`);
  await nav.getByRole('link', { name: '策略方案' }).click();
  await page.getByRole('heading', { name: '策略方案', level: 1 }).waitFor();

  // Four cards in the API's order, all off, nothing made yet.
  const { playbooks } = await stack.graphql(PLAYBOOKS, {}, mei);
  assert.deepEqual(playbooks.map((p) => [p.strategy, p.enabled, p.segment, p.campaign]), [
    ['DEEP_CARE', false, null, null],
    ['DEEP_ACQUISITION', false, null, null],
    ['DEEP_MINING', false, null, null],
    ['LONG_TERM_CULTIVATION', false, null, null],
  ]);
  const cards = page.locator('article[data-playbook]');
  await cards.first().waitFor();
  assert.deepEqual(await cards.evaluateAll((list) => list.map((c) => c.dataset.playbook)), playbooks.map((p) => p.strategy));
  assert.deepEqual(await cards.locator('h2').allInnerTexts(), ['深度关爱', '深度获取', '深度挖掘', '长期培育']);

  // What each is for (its quadrants, in the dashboard's words) and does (calls, channels).
  const zhQuadrant = { TRUE_FRIEND: '知己', BARNACLE: '藤壶', BUTTERFLY: '蝴蝶', STRANGER: '过客', STAR: '明星', CASH_COW: '现金牛', QUESTION_MARK: '问题', DOG: '瘦狗' };
  const calls = { DEEP_CARE: 90, DEEP_ACQUISITION: 60, DEEP_MINING: null, LONG_TERM_CULTIVATION: null };
  for (const p of playbooks) {
    const card = page.locator(`article[data-playbook=${p.strategy}]`);
    assert.deepEqual(await card.locator('[data-fact=quadrants] .quadrant').allInnerTexts(), [...p.loyaltyQuadrants, ...p.valueQuadrants].map((q) => zhQuadrant[q]));
    assert.equal(p.callEveryDays, calls[p.strategy], p.strategy);
    const said = (await card.locator('[data-fact=calls]').innerText()).trim();
    if (p.callEveryDays) assert.match(said, new RegExp(`^专属店员每 ${p.callEveryDays} 天致电每位会员一次`));
    else assert.equal(said, '不安排致电');
    const channels = p.strategy === 'LONG_TERM_CULTIVATION' ? '邮件' : '微信 → 短信 → 邮件';
    assert.equal((await card.locator('[data-fact=channels]').innerText()).trim(), channels, p.strategy);
    assert.equal(await state(card), false);
    assert.deepEqual(await card.locator('[data-fact=segment], [data-fact=campaign]').allInnerTexts(), ['首次开启时创建', '首次开启时创建']);
  }
  const deep = page.locator('article[data-playbook=DEEP_CARE]');
  assert.deepEqual(await deep.locator('[data-fact=quadrants] .quadrant').allInnerTexts(), ['知己', '明星']);

  // Asked what switching on makes; dismissed, nothing changes.
  const toggle = deep.getByRole('switch', { name: '启用' });
  const question = await answering(page, toggle, false);
  for (const part of ['开启深度关爱？', '知己或明星', '分群', '草稿活动', '微信 → 短信 → 邮件', '10%', '每 90 天致电每位会员一次']) {
    assert.ok(question.includes(part), `the question says ${part}: ${question}`);
  }
  assert.equal(await state(deep), false);
  assert.equal((await stack.graphql(PLAYBOOKS, {}, mei)).playbooks[0].enabled, false, 'nothing switched');
  assert.equal((await careRule()).enabled, false);

  // Accepted: on, with its segment and its draft campaign, as `playbooks` returns them.
  await answering(page, toggle, true);
  await deep.getByRole('status').filter({ hasText: '已开启：深度关爱。' }).waitFor();
  assert.equal(await deep.getByRole('alert').count(), 0);
  const on = (await stack.graphql(PLAYBOOKS, {}, mei)).playbooks.find((p) => p.strategy === 'DEEP_CARE');
  assert.equal(on.enabled, true);
  assert.ok(on.segment && on.campaign, 'a segment and a campaign made');
  assert.deepEqual(
    { status: on.campaign.status, holdout: Number(on.campaign.holdoutShare), channels: on.campaign.channels, audience: on.campaign.segment?.id },
    { status: 'draft', holdout: 0.1, channels: ['WECHAT', 'SMS', 'EMAIL'], audience: on.segment.id },
  );
  assert.equal(await state(deep), true);
  const segmentLink = deep.locator('[data-fact=segment] a');
  const campaignLink = deep.locator('[data-fact=campaign] a');
  assert.deepEqual(
    [await segmentLink.innerText(), await segmentLink.getAttribute('href')],
    [on.segment.name, `#/segments/${on.segment.id}`],
  );
  assert.deepEqual(
    [await campaignLink.innerText(), await campaignLink.getAttribute('href')],
    [on.campaign.name, `#/campaigns/${on.campaign.id}`],
  );
  const badge = deep.locator('[data-fact=campaign] .badge');
  assert.deepEqual([await badge.innerText(), await badge.getAttribute('data-status')], ['草稿', 'draft']);
  await deep.getByText('草稿：请到活动页撰写内容并设置发送计划。').waitFor();
  // The others are as they were.
  for (const other of ['DEEP_ACQUISITION', 'DEEP_MINING', 'LONG_TERM_CULTIVATION']) {
    assert.equal(await state(page.locator(`article[data-playbook=${other}]`)), false, other);
  }
  await page.screenshot({ path: `${shots}/playbooks.png`, fullPage: true });

  // The links open them.
  await segmentLink.click();
  await page.getByRole('heading', { name: on.segment.name, level: 1 }).waitFor();
  await page.goBack();
  await campaignLink.click();
  await page.getByRole('heading', { name: on.campaign.name, level: 1 }).waitFor();
  await page.locator('h1 .badge[data-status=draft]').filter({ hasText: '草稿' }).waitFor();

  // The Task rules page: the care-call rule is on, switched by the playbooks.
  await nav.getByRole('link', { name: '任务规则' }).click();
  const rule = page.locator('form[data-rule=CARE_CALL]');
  await rule.getByRole('heading', { name: '定期回访' }).waitFor();
  const enabled = rule.getByRole('checkbox', { name: '启用' });
  assert.equal(await enabled.isChecked(), true);
  assert.equal(await enabled.isDisabled(), true, 'switched by the playbooks');
  await rule.getByRole('link', { name: '策略方案' }).waitFor();
  assert.equal(await rule.locator('input[name=days]').count(), 0, 'a playbook says how often');
  assert.equal((await careRule()).enabled, true);
  // Its other settings save here, and leave it on.
  await rule.getByLabel('任务有效天数').fill('10');
  await rule.getByRole('button', { name: '保存' }).click();
  await rule.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  const saved = (await stack.graphql('{ taskRules { kind enabled openDays } }', {}, mei)).taskRules.find((r) => r.kind === 'CARE_CALL');
  assert.deepEqual(saved, { kind: 'CARE_CALL', enabled: true, openDays: 10 });

  // Off again: asked first, then the card and the rule show it off.
  await nav.getByRole('link', { name: '策略方案' }).click();
  await deep.waitFor();
  const off = await answering(page, deep.getByRole('switch', { name: '启用' }), true);
  for (const part of ['关闭深度关爱？', '活动将暂停', '店员将不再为这些会员致电']) {
    assert.ok(off.includes(part), `the question says ${part}: ${off}`);
  }
  await deep.getByRole('status').filter({ hasText: '已关闭：深度关爱。' }).waitFor();
  assert.equal(await state(deep), false);
  const offNow = (await stack.graphql(PLAYBOOKS, {}, mei)).playbooks.find((p) => p.strategy === 'DEEP_CARE');
  assert.equal(offNow.enabled, false);
  // What it made stays, shown as the API has it (a draft is not live, so not paused).
  assert.equal(await deep.locator('[data-fact=segment] a').innerText(), offNow.segment.name);
  assert.equal(await deep.locator('[data-fact=campaign] a').innerText(), offNow.campaign.name);
  assert.equal(await deep.locator('[data-fact=campaign] .badge').getAttribute('data-status'), offNow.campaign.status);
  assert.equal((await careRule()).enabled, false);
  await nav.getByRole('link', { name: '任务规则' }).click();
  await rule.getByRole('heading', { name: '定期回访' }).waitFor();
  assert.equal(await rule.getByRole('checkbox', { name: '启用' }).isChecked(), false);
  await page.context().close();
});

test('a care call on the tasks page: its kind and its reason in Chinese', async () => {
  await stack.graphql('mutation { setPlaybook(strategy: DEEP_CARE, enabled: true) { enabled } }', {}, mei);
  await stack.graphql('mutation($in: TaskRuleInput!) { updateTaskRule(kind: CARE_CALL, input: $in) { enabled } }', { in: { holdoutShare: '0' } });
  assert.equal((await stack.graphql('mutation { runJob(name: "tasks") { status } }')).runJob.status, 'succeeded');
  const { openTasks } = await stack.graphql('{ openTasks { id kind reason } }');
  const care = openTasks.filter((x) => x.kind === 'CARE_CALL');
  assert.ok(care.length > 0, 'the tasks job made care calls');
  assert.equal(care[0].reason, 'playbook deep_care: a call every 90 days');

  const page = await stack.newPage();
  await signIn(page, stack.base, 'lin');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '任务', exact: true }).click();
  const card = page.locator(`[data-task="${care[0].id}"]`);
  await card.waitFor();
  assert.equal(await card.locator('.kind').innerText(), '定期回访');
  assert.equal(await card.locator('.reason').innerText(), '深度关爱：每 90 天致电一次');
  await page.context().close();
  await stack.graphql('mutation { setPlaybook(strategy: DEEP_CARE, enabled: false) { enabled } }', {}, mei);
});

test('an associate has no Playbooks page: no entry, the route shows nothing and asks nothing, the API refuses', async () => {
  const page = await stack.newPage();
  const asked = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/graphql') && /Playbook/.test(request.postData() ?? '')) asked.push(request.postData());
  });
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  const nav = page.getByRole('navigation', { name: '主导航' });
  assert.equal(await nav.getByRole('link', { name: '策略方案' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: '任务规则' }).count(), 0);

  // As the Task rules route does for them: nothing.
  for (const path of ['task-rules', 'playbooks']) {
    await page.goto(`${stack.base}/console/#/${path}`);
    await page.getByRole('heading', { name: '我的回访名单' }).waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.querySelector('main')?.innerText.trim() === '');
    assert.equal(await page.locator('main h1').count(), 0, `#/${path} shows nothing`);
  }
  assert.equal(await page.locator('article[data-playbook]').count(), 0);
  assert.deepEqual(asked, [], 'the page asked the API nothing');

  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${wang}` },
    body: JSON.stringify({ query: '{ playbooks { strategy } }' }),
  });
  const body = await response.json();
  assert.equal(body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(body));
  await page.context().close();
});
