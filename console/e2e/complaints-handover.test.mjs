// Complaints, a leaver's hand-over and what the calls were worth, end to end in Debian's chromium.
// Through the API: the after-purchase rule switched on (nothing held back), a store with three
// associates and four members, large orders three days ago, the tasks job, and a complaint. An
// associate on a phone (390×844) sees the complaint's card, the number to tap and when it is due,
// is refused an empty resolution by its field, resolves it, and the card is gone and the API says
// resolved. An admin on the Access page disables an associate, sees their members among the
// store's unattended ones, is refused a colleague disabled meanwhile by that field, and hands the
// members and their open tasks to the store's pool. On the Task rules page the report shows the
// two groups as the API counts them, and that there are not enough tasks yet for an estimate. No
// page scrolls sideways on the phone. A screenshot for docs/console.md is taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { BRAND_ZONE, PASSWORD, PHONE, brandDay, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
let stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

/** The page is no wider than the phone: nothing scrolls sideways. */
async function fitsThePhone(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${what}: ${width}px wide at a 390px viewport`);
}

test('an associate resolves a complaint on a phone; an admin hands a leaver\u2019s members to the pool and reads what the calls were worth', async () => {
  const { graphql } = stack;
  // After a purchase of 1000 or more, a call three days later; nobody held back.
  await graphql(
    'mutation($in: TaskRuleInput!) { updateTaskRule(kind: AFTER_PURCHASE_CALL, input: $in) { kind } }',
    { in: { enabled: true, days: 3, minAmount: '1000', tiers: [], openDays: 7, holdoutShare: '0' } },
  );
  await graphql('mutation { createStore(code: "CP01", name: "徐汇投诉店", city: "上海") { code } }');
  const staff = 'mutation($in: StaffInput!) { createStaffUser(input: $in) { username } }';
  for (const [username, displayName] of [['zhou', '周店员'], ['qian', '钱店员'], ['sun', '孙店员']]) {
    await graphql(staff, { in: { username, displayName, role: 'ASSOCIATE', storeCode: 'CP01' } });
  }
  stack.patron(['staff', 'set-password', 'zhou'], `${PASSWORD}\n`);
  const create = 'mutation($no: String!, $in: MemberFields!) { createMember(memberNo: $no, input: $in) { memberNo } }';
  const assign = 'mutation($no: String!, $to: String) { assignAssociate(memberNo: $no, username: $to) { memberNo } }';
  const members = [
    ['CP-0001', '周到', '13800000011', 'zhou'],
    ['CP-0002', '钱进', '13800000012', 'qian'],
    ['CP-0003', '钱来', '13800000013', 'qian'],
    ['CP-0004', '吴用', '13800000014', null],
  ];
  for (const [no, name, phone, associate] of members) {
    await graphql(create, { no, in: { name, phone, storeCode: 'CP01' } });
    if (associate) await graphql(assign, { no, to: associate });
  }
  // 04:00 UTC is noon in Shanghai: three days ago in the brand's zone.
  const bought = brandDay(3);
  const buy = 'mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }';
  for (const [memberNo, amount] of [['CP-0002', '1500.00'], ['CP-0003', '2000.00'], ['CP-0004', '1200.00']]) {
    await graphql(buy, { in: { memberNo, orderId: `CP-ORDER-${memberNo}`, amount, storeCode: 'CP01', occurredAt: `${bought}T04:00:00Z` } });
  }
  assert.equal((await graphql('mutation { runJob(name: "tasks") { status } }')).runJob.status, 'succeeded');
  const open = '{ openTasks(storeCode: "CP01") { kind inPool assignee { username } member { memberNo } } }';
  const tasksOf = async () =>
    (await graphql(open)).openTasks.map((x) => [x.member.memberNo, x.kind, x.inPool, x.assignee?.username ?? null]).sort();
  assert.deepEqual(await tasksOf(), [
    ['CP-0002', 'AFTER_PURCHASE_CALL', false, 'qian'],
    ['CP-0003', 'AFTER_PURCHASE_CALL', false, 'qian'],
    ['CP-0004', 'AFTER_PURCHASE_CALL', true, null],
  ]);
  const body = '店员态度冷淡，退换货等了一个多小时。';
  const { recordFeedback } = await graphql(
    'mutation($in: FeedbackInput!) { recordFeedback(input: $in) { id dueBy } }',
    { in: { memberNo: 'CP-0001', kind: 'COMPLAINT', body } },
  );

  // (a) The associate, on their phone.
  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'zhou');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '投诉', exact: true }).tap();
  await page.getByRole('heading', { name: '投诉', exact: true }).waitFor();
  const card = page.locator(`[data-complaint="${recordFeedback.id}"]`);
  await card.waitFor();
  assert.equal(await page.locator('[data-complaint]').count(), 1, 'the store\u2019s one open complaint');
  assert.equal(await card.getByRole('link', { name: '周到' }).getAttribute('href'), '#/member/CP-0001');
  await card.getByText(body).waitFor();
  await card.getByText(/收到$/).waitFor();
  const due = new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeStyle: 'short', timeZone: BRAND_ZONE }).format(new Date(recordFeedback.dueBy));
  await card.getByText(`请于 ${due} 前处理`).waitFor();
  assert.equal(await card.locator('[data-late]').count(), 0, 'not overdue: just recorded');
  // Their own member: the number to tap.
  const call = card.locator('a[href="tel:13800000011"]');
  assert.equal(await call.textContent(), '13800000011');
  await fitsThePhone(page, 'complaints');

  const resolution = card.getByLabel('处理结果');
  const text = '已致电道歉，当场办理了退换。';
  await resolution.fill(text);
  await page.screenshot({ path: `${shots}/complaints-phone.png` });
  // Spaces are no resolution: refused by the field, and nothing sent.
  await resolution.fill('   ');
  await card.getByRole('button', { name: '标记为已处理' }).tap();
  await card.getByRole('alert').filter({ hasText: '请填写处理结果。' }).waitFor();
  assert.equal(await resolution.getAttribute('aria-invalid'), 'true');
  assert.equal((await graphql('{ openComplaints(storeCode: "CP01") { id } }')).openComplaints.length, 1);
  await fitsThePhone(page, 'a refused resolution');
  await resolution.fill(text);
  await card.getByRole('alert').waitFor({ state: 'detached' });
  await card.getByRole('button', { name: '标记为已处理' }).tap();
  await page.getByRole('status').filter({ hasText: '已处理：周到 的投诉' }).waitFor();
  await card.waitFor({ state: 'detached' });
  await page.getByText('目前没有待处理的投诉。').waitFor();
  const { member } = await graphql('{ member(memberNo: "CP-0001") { feedback(first: 5) { edges { node { id status resolution } } } } }');
  assert.deepEqual(member.feedback.edges.map((e) => e.node), [{ id: recordFeedback.id, status: 'resolved', resolution: text }]);
  assert.deepEqual((await graphql('{ openComplaints(storeCode: "CP01") { id } }')).openComplaints, []);
  await fitsThePhone(page, 'complaints, all resolved');
  await page.context().close();

  // (b) The admin disables the associate who left, and hands their members over.
  const admin = await stack.newPage({ timezoneId: BRAND_ZONE });
  await signIn(admin, stack.base, 'lin');
  await admin.getByRole('heading', { name: '概览' }).waitFor();
  await admin.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '访问' }).click();
  await admin.getByRole('heading', { name: '员工、应用密钥与令牌' }).waitFor();
  admin.once('dialog', (dialog) => dialog.accept());
  await admin.locator('[data-staff-user=qian]').getByRole('button', { name: '停用' }).click();
  await admin.getByRole('status').filter({ hasText: '钱店员 (qian) 已停用。' }).waitFor();

  const section = admin.locator('section', { has: admin.getByRole('heading', { name: '交接会员' }) });
  await section.getByRole('combobox', { name: /^门店/ }).selectOption('CP01');
  const unattended = section.locator('table[data-unattended]');
  const row = (no) => unattended.locator(`tr[data-member="${no}"]`);
  await row('CP-0002').getByText('负责店员 钱店员 (qian) 已停用').waitFor();
  await row('CP-0003').getByText('负责店员 钱店员 (qian) 已停用').waitFor();
  await row('CP-0004').getByText('未分配店员').waitFor();
  assert.equal(await row('CP-0001').count(), 0, 'an active associate\u2019s member is looked after');

  const form = section.getByRole('form', { name: '交接' });
  await form.getByLabel('移交此店员的会员').selectOption('qian');
  await form.getByLabel('移交给').selectOption('sun');
  // Meanwhile sun leaves too: the API refuses them, and the page says so by the field.
  await graphql('mutation { disableStaffUser(username: "sun") { username } }');
  await form.getByRole('button', { name: '移交' }).click();
  await form.getByRole('alert').filter({ hasText: 'sun' }).waitFor();
  assert.equal(await form.getByLabel('移交给').getAttribute('aria-invalid'), 'true');
  assert.notEqual(await form.getByLabel('移交此店员的会员').getAttribute('aria-invalid'), 'true');
  assert.deepEqual((await tasksOf()).map((x) => x[3]), ['qian', 'qian', null], 'nothing moved');

  await form.getByLabel('移交给').selectOption({ label: '门店任务池' });
  await form.getByRole('button', { name: '移交' }).click();
  await section.getByRole('status').filter({ hasText: '已将 钱店员 (qian) 的会员移入门店任务池：会员 2 位，未完成任务 2 个。' }).waitFor();
  assert.equal(await form.getByRole('alert').count(), 0);
  // Still unattended, now with nobody at all: the pool's until an associate claims them.
  await row('CP-0002').getByText('未分配店员').waitFor();
  await row('CP-0003').getByText('未分配店员').waitFor();
  const assigned = await graphql('{ a: member(memberNo: "CP-0002") { assignedAssociate { username } } b: member(memberNo: "CP-0003") { assignedAssociate { username } } }');
  assert.deepEqual(assigned, { a: { assignedAssociate: null }, b: { assignedAssociate: null } });
  assert.deepEqual(await tasksOf(), [
    ['CP-0002', 'AFTER_PURCHASE_CALL', true, null],
    ['CP-0003', 'AFTER_PURCHASE_CALL', true, null],
    ['CP-0004', 'AFTER_PURCHASE_CALL', true, null],
  ]);

  // (c) What the after-purchase calls were worth, over the last 30 days.
  const { taskReport } = await graphql(
    'query($from: NaiveDate!, $to: NaiveDate!) { taskReport(kind: AFTER_PURCHASE_CALL, from: $from, to: $to) { tasked { members } heldBack { members } uplift { upliftPerMember } retention { difference } } }',
    { from: brandDay(29), to: brandDay(0) },
  );
  assert.ok(taskReport.tasked.members >= 3, JSON.stringify(taskReport));
  assert.equal(taskReport.heldBack.members, 0);
  assert.equal(taskReport.uplift, null);
  assert.equal(taskReport.retention, null);
  await admin.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '任务规则' }).click();
  const report = admin.locator('section', { has: admin.getByRole('heading', { name: '回访效果' }) });
  await report.waitFor();
  assert.equal(await report.getByLabel('到期日起').inputValue(), brandDay(29));
  assert.equal(await report.getByLabel('到期日止').inputValue(), brandDay(0));
  assert.equal(await report.getByLabel('统计窗口（天）').inputValue(), '30');
  await report.getByLabel('任务类型').selectOption({ label: '购后回访' });
  await report.getByRole('button', { name: '查看' }).click();
  const groups = report.locator('table[data-task-report=AFTER_PURCHASE_CALL]');
  await groups.waitFor();
  const count = async (group) => groups.locator(`tr[data-group=${group}] [data-figure=members]`).textContent();
  assert.equal(await groups.locator('tr[data-group=tasked] th').textContent(), '已发出任务');
  assert.equal(await count('tasked'), String(taskReport.tasked.members));
  assert.equal(await groups.locator('tr[data-group=heldBack] th').textContent(), '对照组（未致电）');
  assert.equal(await count('heldBack'), '0');
  await report.getByText('任务数量还不够').waitFor();
  assert.equal(await report.locator('[data-estimate]').count(), 0);
  // A window the API refuses is shown by its field.
  await report.getByLabel('统计窗口（天）').fill('400');
  await report.getByRole('button', { name: '查看' }).click();
  await report.getByRole('alert').filter({ hasText: '365' }).waitFor();
  assert.equal(await report.getByLabel('统计窗口（天）').getAttribute('aria-invalid'), 'true');
  await admin.context().close();
});
