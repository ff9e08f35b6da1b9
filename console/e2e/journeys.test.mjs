// Journeys end to end in Debian's chromium, against a real server with demo data. A marketer
// opens the shipped win-back journey from the Journeys page, gives its SMS step an offer (made
// through the API beforehand) and adds a coupon step without one: publishing saves the draft and
// the server's refusal (`steps[5].offerId`, journey.noOffer) shows on that step, in Chinese, with
// "1 个问题" beside Publish. With the offer chosen it publishes as version 1 and goes live; after
// a journeys run each step shows who is on it and who went through it as the report has them; it
// pauses and resumes. A new journey is written with a message made on the spot (by SMS, its
// template marked not written yet), a branch, an A/B split whose shares make 90% and whose arm
// sends a message not chosen yet, and a wait until a day left empty: it saves as a draft (nulls
// where nothing is chosen), and publishing shows all four problems at once, each on its step
// (journey.noTemplate, splitShares, noMessage, noDate), with "4 个问题" beside Publish. Fixed one
// by one (each mark goes as its place changes; saving keeps the others), the SMS template is
// written through the step's link (which saves the draft first) and the way back; the journey
// reads back as written, in the page and in the API, and publishes. In English the page
// switches to Chinese with the language switch; at a phone's width nothing runs off the side.
// Screenshots for docs/console.md are taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { PHONE, PASSWORD, brandDay, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
const OFFER = '回归礼 50 元';
let stack;
let mei;
let offerId;

const JOURNEYS = '{ journeys { id key name status version { number } } }';
const JOURNEY = `query($id: ID!) { journey(id: $id) { id name status draft version { number definition }
  report { entered active steps { version path kind waiting passed } } } }`;
const journey = async (id) => (await stack.graphql(JOURNEY, { id }, mei)).journey;

before(async () => {
  stack = await startStack();
  mei = (await stack.graphql('mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }', { u: 'mei', p: PASSWORD })).signIn.token;
  const made = await stack.graphql(
    'mutation($in: CouponDefinitionInput!) { defineCoupon(input: $in) { id } }',
    { in: { name: OFFER, kind: 'AMOUNT_OFF', amountOff: '50', validDays: 30 } },
    mei,
  );
  offerId = Number(made.defineCoupon.id);
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

/** The step card at a definition path. */
const step = (page, path) => page.locator(`article[data-step-path="${path}"]`);
/** The menu adding a step at the end of the list at `path` (not the menus of the lists inside it). */
const addTo = (page, path) => page.locator(`[data-steps="${path}"] > select.add`);

test('the win-back journey: an offer on its SMS, a refusal shown at its step, published as version 1, counts on its steps, paused and resumed', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  const nav = page.getByRole('navigation', { name: '主导航' });
  await nav.getByRole('link', { name: '客户旅程' }).click();
  await page.getByRole('heading', { name: '客户旅程', level: 1 }).waitFor();

  // The four shipped journeys, drafts, none published.
  const { journeys } = await stack.graphql(JOURNEYS, {}, mei);
  assert.deepEqual(journeys.map((j) => [j.key, j.status, j.version]), [
    ['winback', 'DRAFT', null], ['welcome', 'DRAFT', null], ['post_purchase', 'DRAFT', null], ['birthday_month', 'DRAFT', null],
  ]);
  for (const j of journeys) {
    const row = page.locator(`tr[data-journey="${j.key}"]`);
    await row.getByRole('link', { name: j.name }).waitFor();
    assert.equal(await row.locator('[data-status]').innerText(), '草稿');
    assert.equal(await row.locator('[data-version]').innerText(), '—');
  }
  const winback = journeys.find((j) => j.key === 'winback');
  await page.locator('tr[data-journey=winback]').getByRole('link').click();
  await page.getByRole('heading', { name: winback.name, level: 1 }).waitFor();
  await page.getByRole('heading', { name: '进入与退出' }).waitFor();

  // The shipped flow: email, 7 days, SMS, 14 days, a call.
  const types = () => page.locator('[data-steps=steps] > ol > li > article').evaluateAll((cards) => cards.map((c) => c.dataset.stepType));
  assert.deepEqual(await types(), ['send', 'wait', 'send', 'wait', 'task']);
  assert.equal(await step(page, 'steps[1]').getByRole('textbox', { name: '天数' }).inputValue(), '7');
  assert.equal(await page.locator('[data-part=reentry] input[name=reentryDays]').inputValue(), '180');
  assert.equal(await page.getByRole('checkbox', { name: '进入后有任何购买即退出' }).isChecked(), true);
  // The SMS step's message links to its SMS template, written already (the shipped ones are).
  const sms = step(page, 'steps[2]');
  const smsMessage = (await journey(winback.id)).draft.steps[2].campaignId;
  const smsLink = sms.locator('a[data-template=sms]');
  assert.equal(await smsLink.getAttribute('href'), `#/channel-templates?kind=campaign%3A${smsMessage}&journey=${winback.id}`);
  assert.equal(await smsLink.innerText(), '编辑短信模板');
  assert.equal(await sms.locator('[data-missing], [data-templates-missing]').count(), 0);

  // The offer on the SMS; a coupon step at the end, without one.
  await sms.getByRole('combobox', { name: '优惠（可选）' }).selectOption({ label: OFFER });
  await addTo(page, 'steps').selectOption({ label: '发放优惠券' });
  const coupon = step(page, 'steps[5]');
  await coupon.waitFor();
  assert.equal(await coupon.getAttribute('data-step-type'), 'coupon');
  await page.getByText('有未保存的修改').waitFor();

  // Publishing saves the draft, and the server's refusal shows at the coupon step.
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await coupon.getByRole('alert').filter({ hasText: '请选择此步骤发放的优惠' }).waitFor();
  assert.equal(await coupon.getByRole('combobox', { name: '优惠', exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('article[data-step-path] [role=alert]').count(), 1, 'shown at that step alone');
  assert.equal(await page.locator('[data-problems]').innerText(), '1 个问题');
  let saved = await journey(winback.id);
  assert.equal(saved.status, 'DRAFT');
  assert.equal(saved.version, null);
  assert.deepEqual(saved.draft.steps[2].offerId, offerId, 'the draft was saved');
  assert.deepEqual(saved.draft.steps[5], { type: 'coupon', offerId: null });

  // Fixed: published as version 1, live.
  await coupon.getByRole('combobox', { name: '优惠', exact: true }).selectOption({ label: OFFER });
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '已发布为版本 1：旅程进行中。' }).waitFor();
  assert.equal(await page.locator('article[data-step-path] [role=alert]').count(), 0);
  assert.equal(await page.locator('[data-problems]').count(), 0);
  await page.locator('h1 [data-status=LIVE]').filter({ hasText: '进行中' }).waitFor();
  assert.equal(await page.locator('h1 [data-version]').innerText(), '版本 1');
  saved = await journey(winback.id);
  assert.equal(saved.status, 'LIVE');
  assert.equal(saved.version.number, 1);
  assert.deepEqual(saved.version.definition.steps.map((s) => s.type), ['send', 'wait', 'send', 'wait', 'task', 'coupon']);
  assert.equal(saved.version.definition.steps[5].offerId, offerId);
  // Nothing left to publish.
  assert.equal(await page.getByRole('button', { name: '发布', exact: true }).isDisabled(), true);

  // A journeys run lets the lapsed repeat buyers in: each step shows its count from the report.
  assert.equal((await stack.graphql('mutation { runJob(name: "journeys") { status } }')).runJob.status, 'succeeded');
  const ran = await journey(winback.id);
  assert.ok(ran.report.entered > 0, `members entered: ${JSON.stringify(ran.report)}`);
  await page.reload();
  await page.getByRole('heading', { name: '进入与退出' }).waitFor();
  for (const s of ran.report.steps.filter((x) => x.version === 1)) {
    const counts = step(page, s.path).locator('.counts');
    await counts.waitFor();
    assert.deepEqual([await counts.getAttribute('data-waiting'), await counts.getAttribute('data-passed')], [String(s.waiting), String(s.passed)], s.path);
  }
  const waiting = ran.report.steps.find((s) => s.version === 1 && s.path === 'steps[1]');
  assert.ok(waiting.waiting > 0, 'members wait the 7 days');
  assert.equal(await step(page, 'steps[1]').locator('.counts').innerText(), `当前 ${waiting.waiting} 人 · 已通过 ${waiting.passed} 人`);
  const report = page.locator('[data-report]');
  assert.equal(await report.locator('[data-figure=entered] .value').innerText(), String(ran.report.entered));
  assert.equal(await report.locator('[data-figure=active] .value').innerText(), String(ran.report.active));
  await report.locator('[data-group=treated]').waitFor();
  await report.locator('[data-group=control]').waitFor();
  await page.screenshot({ path: `${shots}/journey.png`, fullPage: true });

  // Paused, then live again.
  await page.getByRole('button', { name: '暂停' }).click();
  await page.getByRole('status').filter({ hasText: '已暂停' }).waitFor();
  await page.locator('h1 [data-status=PAUSED]').filter({ hasText: '已暂停' }).waitFor();
  assert.equal((await journey(winback.id)).status, 'PAUSED');
  await page.getByRole('button', { name: '恢复' }).click();
  await page.getByRole('status').filter({ hasText: '已恢复进行。' }).waitFor();
  await page.locator('h1 [data-status=LIVE]').waitFor();
  assert.equal((await journey(winback.id)).status, 'LIVE');

  // The list shows it live, version 1, with its counts.
  await nav.getByRole('link', { name: '客户旅程' }).click();
  const row = page.locator('tr[data-journey=winback]');
  await row.locator('[data-status=LIVE]').waitFor();
  assert.equal(await row.locator('[data-version]').innerText(), '1');
  assert.equal(await row.locator('[data-figure=entered]').innerText(), ran.report.entered.toLocaleString('zh-CN'));
  await page.screenshot({ path: `${shots}/journeys.png` });
  await page.context().close();
});

test('a new journey saved with a message, a day and its shares left to settle: publishing marks every problem on its step at once; fixed, its SMS template written through the step\u2019s link, it reads back as written and publishes', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '客户旅程' }).click();
  await page.getByRole('link', { name: '新建旅程' }).click();
  await page.getByRole('heading', { name: '新建旅程', level: 1 }).waitFor();

  const NAME = '购后关怀 A/B';
  const MESSAGE = '购后感谢短信';
  await page.getByRole('textbox', { name: '名称' }).fill(NAME);
  await page.getByRole('combobox', { name: '事件' }).selectOption({ label: '完成购买' });
  await page.getByRole('radio', { name: '间隔后可再次进入' }).check();
  await page.locator('input[name=reentryDays]').fill('60');
  // The first step, a send of a message made on the spot: a journey message by SMS, its
  // template not written yet, which the step says and links to (focused, what to do next).
  const first = step(page, 'steps[0]');
  await first.getByRole('button', { name: '新建消息' }).click();
  const making = first.getByRole('group', { name: '新建消息' });
  await making.getByRole('textbox', { name: '消息名称' }).fill(MESSAGE);
  await making.getByRole('checkbox', { name: '短信' }).check();
  await making.getByRole('checkbox', { name: '邮件' }).uncheck();
  await making.getByRole('button', { name: '创建消息' }).click();
  await making.waitFor({ state: 'detached' });
  const { campaigns } = await stack.graphql('{ campaigns(kind: JOURNEY) { id name kind channels templateLocales } }', {}, mei);
  const message = campaigns.find((c) => c.name === MESSAGE);
  assert.deepEqual({ kind: message.kind, channels: message.channels }, { kind: 'JOURNEY', channels: ['SMS'] });
  assert.equal(await first.getByRole('combobox', { name: '旅程消息' }).inputValue(), message.id);
  const smsLink = first.locator('a[data-template=sms]');
  assert.equal(await smsLink.getAttribute('href'), `#/channel-templates?kind=campaign%3A${message.id}`);
  assert.equal(await smsLink.innerText(), '撰写短信模板');
  assert.equal(await smsLink.getAttribute('data-missing'), 'true');
  assert.equal(await smsLink.evaluate((a) => a === document.activeElement), true, 'the link to write it has the focus');
  assert.equal(await first.locator('[data-templates-missing]').getAttribute('data-templates-missing'), 'SMS');
  await first.getByText('尚未撰写').waitFor();
  assert.equal(await first.locator('a[data-template=email]').count(), 0, 'no email template: it goes by SMS');

  // A branch: A-tier members wait 2 days, the others get a call.
  await addTo(page, 'steps').selectOption({ label: '条件分支' });
  const branch = step(page, 'steps[1]');
  await branch.getByRole('checkbox', { name: 'A', exact: true }).check();
  await addTo(page, 'steps[1].then').selectOption({ label: '等待' });
  await step(page, 'steps[1].then[0]').getByRole('textbox', { name: '天数' }).fill('2');
  await addTo(page, 'steps[1].otherwise').selectOption({ label: '致电任务' });
  await step(page, 'steps[1].otherwise[0]').getByRole('textbox', { name: '致电原因' }).fill('问问新买的衣服是否合身');

  // A split added at the end, then moved above the branch: arm A sends a message not chosen
  // yet and gives a coupon, arm B leaves; the shares make 90%.
  await addTo(page, 'steps').selectOption({ label: 'A/B 分流' });
  await step(page, 'steps[2]').getByRole('button', { name: '上移' }).click();
  assert.equal(await step(page, 'steps[1]').getAttribute('data-step-type'), 'split');
  assert.equal(await step(page, 'steps[2]').getAttribute('data-step-type'), 'branch');
  const split = step(page, 'steps[1]');
  await addTo(page, 'steps[1].arms[0].steps').selectOption({ label: '发送消息' });
  await addTo(page, 'steps[1].arms[0].steps').selectOption({ label: '发放优惠券' });
  await step(page, 'steps[1].arms[0].steps[1]').getByRole('combobox', { name: '优惠', exact: true }).selectOption({ label: OFFER });
  await addTo(page, 'steps[1].arms[1].steps').selectOption({ label: '退出旅程' });
  await split.locator('[data-arm="1"] input[name=armName]').fill('对照文案');
  await split.locator('[data-arm="1"] input[name=armPercent]').fill('40');
  assert.equal(await split.locator('[data-total]').getAttribute('data-total'), '90');
  // Last, a wait until a day not chosen yet.
  await addTo(page, 'steps').selectOption({ label: '等到指定日期' });
  const until = step(page, 'steps[3]');
  assert.equal(await until.getAttribute('data-step-type'), 'waitUntil');

  // It saves as it is: what is not chosen goes as null.
  await page.getByRole('button', { name: '创建旅程' }).click();
  await page.getByRole('status').filter({ hasText: '旅程已创建为草稿。' }).waitFor();
  const id = new URL(page.url()).hash.match(/^#\/journeys\/(\d+)$/)?.[1];
  assert.ok(id, page.url());
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  let draft = (await journey(id)).draft;
  assert.deepEqual(draft.steps[1].arms[0].steps[0], { type: 'send', campaignId: null, offerId: null });
  assert.deepEqual(draft.steps[3], { type: 'waitUntil', date: null });

  // Published: every problem at once, each on its own step, in Chinese.
  await page.getByRole('button', { name: '发布', exact: true }).click();
  const alertOf = (path) => step(page, path).locator(':scope > [role=alert]');
  await page.locator('[data-problems]').filter({ hasText: '4 个问题' }).waitFor();
  assert.deepEqual(
    [await alertOf('steps[0]').innerText(), await alertOf('steps[0]').getAttribute('data-error-key')],
    [`消息“${MESSAGE}”还没有短信模板，请通过本步骤的链接撰写`, 'journey.noTemplate'],
  );
  assert.equal(await alertOf('steps[1]').innerText(), '每个分组都要有占比，合计须为 100%（当前 90%）');
  assert.equal(await alertOf('steps[1].arms[0].steps[0]').innerText(), '请选择一条旅程消息', 'named once, though the server lists it twice');
  assert.equal(await step(page, 'steps[1].arms[0].steps[0]').getByRole('combobox', { name: '旅程消息' }).getAttribute('aria-invalid'), 'true');
  assert.equal(await alertOf('steps[3]').innerText(), '请选择要等到的日期');
  assert.equal(await until.locator('input[name=date]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('article[data-step-path] [role=alert]').count(), 4, 'four problems, each on its step');
  assert.equal(await page.locator('article.invalid').count(), 4, 'those four steps marked');
  assert.equal((await journey(id)).status, 'DRAFT');
  // (From the top, where the sticky Save and Publish bar sits in a full-page picture.)
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/journey-problems.png`, fullPage: true });

  // Fixed one by one, each mark goes with its problem; saving keeps the others.
  await split.locator('[data-arm="1"] input[name=armPercent]').fill('50');
  await alertOf('steps[1]').waitFor({ state: 'detached' });
  await page.locator('[data-problems]').filter({ hasText: '3 个问题' }).waitFor();
  await page.getByRole('button', { name: '保存草稿' }).click();
  await page.getByRole('status').filter({ hasText: '草稿已保存。' }).waitFor();
  assert.equal(await page.locator('article[data-step-path] [role=alert]').count(), 3);
  // A shipped message, which has its templates: the win-back email.
  const { journeys } = await stack.graphql(JOURNEYS, {}, mei);
  const shipped = (await journey(journeys.find((j) => j.key === 'winback').id)).draft.steps[0].campaignId;
  assert.deepEqual(campaigns.find((c) => c.id === String(shipped)).templateLocales, ['en', 'zh-CN']);
  await step(page, 'steps[1].arms[0].steps[0]').getByRole('combobox', { name: '旅程消息' }).selectOption(String(shipped));
  await alertOf('steps[1].arms[0].steps[0]').waitFor({ state: 'detached' });
  await step(page, 'steps[1].arms[0].steps[0]').locator('a[data-template=email]:not([data-missing])').waitFor();
  const DAY = brandDay(-30);
  await until.locator('input[name=date]').fill(DAY);
  await alertOf('steps[3]').waitFor({ state: 'detached' });
  await page.locator('[data-problems]').filter({ hasText: '1 个问题' }).waitFor();

  // The SMS template, through the step's link: the draft is saved first, then its page opens.
  await smsLink.click();
  await page.getByRole('heading', { name: '短信与微信模板', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).hash, `#/channel-templates?kind=campaign%3A${message.id}&journey=${id}`);
  draft = (await journey(id)).draft;
  assert.equal(draft.steps[1].arms[0].steps[0].campaignId, shipped, 'saved before leaving');
  assert.deepEqual(draft.steps[3], { type: 'waitUntil', date: DAY });
  const sms = page.locator('[data-sms]');
  await sms.getByRole('textbox', { name: '服务商审核通过的模板编号' }).fill('SMS_274830002');
  await sms.getByRole('textbox', { name: '审核通过的模板内容' }).fill('${name}您好，感谢您的购买，期待再次光临。拒收请回复R');
  await sms.getByRole('button', { name: '保存' }).click();
  await page.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  await page.getByRole('link', { name: '返回客户旅程' }).click();
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  await first.locator('a[data-template=sms]').filter({ hasText: '编辑短信模板' }).waitFor();
  assert.equal(await first.locator('[data-missing], [data-templates-missing]').count(), 0, 'written now');

  const expected = {
    entry: { type: 'event', event: 'purchased' },
    reentryDays: 60,
    exit: { onPurchase: false, filter: null },
    holdoutBasisPoints: 1000,
    attributionDays: 30,
    steps: [
      { type: 'send', campaignId: Number(message.id), offerId: null },
      { type: 'split', arms: [
        { name: 'A', percent: 50, steps: [{ type: 'send', campaignId: shipped, offerId: null }, { type: 'coupon', offerId }] },
        { name: '对照文案', percent: 50, steps: [{ type: 'exit' }] },
      ] },
      { type: 'branch', filter: { and: [{ field: { field: 'tier', op: 'IN', values: ['A'] } }] },
        then: [{ type: 'wait', days: 2, hours: 0, at: null }],
        otherwise: [{ type: 'task', reason: '问问新买的衣服是否合身', openDays: 7 }] },
      { type: 'waitUntil', date: DAY },
    ],
  };
  assert.deepEqual((await journey(id)).draft, expected);

  // Reloaded, the page reads it back as written.
  await page.reload();
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  await step(page, 'steps[2].otherwise[0]').waitFor();
  const paths = await page.locator('article[data-step-path]').evaluateAll((cards) => cards.map((c) => `${c.dataset.stepPath}:${c.dataset.stepType}`));
  assert.deepEqual(paths, [
    'steps[0]:send', 'steps[1]:split', 'steps[1].arms[0].steps[0]:send', 'steps[1].arms[0].steps[1]:coupon', 'steps[1].arms[1].steps[0]:exit',
    'steps[2]:branch', 'steps[2].then[0]:wait', 'steps[2].otherwise[0]:task', 'steps[3]:waitUntil',
  ]);
  assert.equal(await page.getByRole('combobox', { name: '事件' }).inputValue(), 'purchased');
  assert.equal(await page.locator('input[name=reentryDays]').inputValue(), '60');
  assert.equal(await step(page, 'steps[0]').getByRole('combobox', { name: '旅程消息' }).inputValue(), message.id);
  assert.equal(await step(page, 'steps[1].arms[0].steps[0]').getByRole('combobox', { name: '旅程消息' }).inputValue(), String(shipped));
  assert.deepEqual(await step(page, 'steps[1]').locator('input[name=armName]').evaluateAll((l) => l.map((i) => i.value)), ['A', '对照文案']);
  assert.deepEqual(await step(page, 'steps[1]').locator('input[name=armPercent]').evaluateAll((l) => l.map((i) => i.value)), ['50', '50']);
  assert.equal(await step(page, 'steps[1].arms[0].steps[1]').getByRole('combobox', { name: '优惠', exact: true }).inputValue(), String(offerId));
  assert.equal(await step(page, 'steps[2]').getByRole('checkbox', { name: 'A', exact: true }).isChecked(), true);
  assert.equal(await step(page, 'steps[2].then[0]').getByRole('textbox', { name: '天数' }).inputValue(), '2');
  assert.equal(await step(page, 'steps[2].otherwise[0]').getByRole('textbox', { name: '致电原因' }).inputValue(), '问问新买的衣服是否合身');
  assert.equal(await step(page, 'steps[3]').locator('input[name=date]').inputValue(), DAY);
  assert.equal(await page.getByText('有未保存的修改').count(), 0, 'nothing unsaved after a reload');
  await page.screenshot({ path: `${shots}/journey-editor.png`, fullPage: true });

  // Published now: version 1.
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '已发布为版本 1' }).waitFor();
  assert.equal(await page.locator('[data-problems]').count(), 0);
  assert.deepEqual((await journey(id)).version.definition, expected);
  await page.context().close();
});

test('in English, switched to Chinese with the language switch; at a phone\u2019s width nothing runs off the side', async () => {
  const page = await stack.newPage({ ...PHONE, locale: 'en' });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  const { journeys } = await stack.graphql(JOURNEYS, {}, mei);
  const birthday = journeys.find((j) => j.key === 'birthday_month');
  await page.goto(`${stack.base}/console/#/journeys/${birthday.id}`);
  await page.getByRole('heading', { name: birthday.name, level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Who enters and leaves' }).waitFor();
  // The birthday month: the gift, then a wait for the code to be redeemed, else a reminder.
  const title = (path) => step(page, path).locator(':scope > header h3').innerText();
  assert.equal(await title('steps[1]'), 'Wait for an event');
  assert.equal(await step(page, 'steps[1]').getByRole('combobox', { name: 'Event' }).inputValue(), 'redeemedCoupon');
  await step(page, 'steps[1].timeout[0]').getByRole('heading', { name: 'Send a message' }).waitFor();
  await page.getByRole('button', { name: 'Publish', exact: true }).waitFor();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok((await overflow()) <= 0, `no sideways scrolling at 390 px: ${await overflow()}`);
  await page.screenshot({ path: `${shots}/journey-phone.png`, fullPage: true });

  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await page.getByRole('heading', { name: '进入与退出' }).waitFor();
  assert.equal(await title('steps[1]'), '等待事件');
  assert.equal(await step(page, 'steps[1]').getByRole('combobox', { name: '事件' }).evaluate((s) => s.selectedOptions[0].text), '核销优惠券');
  await step(page, 'steps[1]').getByRole('region', { name: '超时未发生时' }).waitFor();
  await page.getByRole('button', { name: '发布', exact: true }).waitFor();
  assert.equal(await page.locator('[data-no-report]').innerText(), '旅程发布、会员进入后才有效果报告。');
  assert.equal(await page.locator('h1 [data-status]').innerText(), '草稿');
  assert.ok((await overflow()) <= 0, `no sideways scrolling at 390 px in Chinese: ${await overflow()}`);
  await page.context().close();
});
