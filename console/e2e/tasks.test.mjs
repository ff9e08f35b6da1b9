// The associates' tasks end to end in Debian's chromium, at a phone's size (390×844): an admin
// switches on the after-purchase rule on the rules page (a refused holdout shown by its field);
// an associate of a new store, its members and a large order three days ago go in through the
// API; the tasks job runs; the associate sees the pool task's card with the phone masked, claims
// it, gets the number to tap, taps an outcome, and the task is gone. No page scrolls sideways.
// A screenshot for docs/console.md is taken on the way.
// A store's manager: an admin makes an associate manager on the access page; they see a
// colleague's task on the tasks page, with who holds it, and give it back to the store's pool.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { PASSWORD, PHONE, brandDay, signIn, startStack } from './server.mjs';

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

const zhDate = (day) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
};

/** The page is no wider than the phone: nothing scrolls sideways. */
async function fitsThePhone(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${what}: ${width}px wide at a 390px viewport`);
}

test('on a phone: an admin switches on the after-purchase rule; an associate claims the pool task, calls, and closes it in a tap', async () => {
  // The admin, on the rules page.
  const admin = await stack.newPage(PHONE);
  await signIn(admin, stack.base, 'lin');
  await admin.getByRole('heading', { name: '概览' }).waitFor();
  await admin.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '任务规则' }).tap();
  await admin.getByRole('heading', { name: '任务规则' }).waitFor();
  const rule = admin.locator('form[data-rule=AFTER_PURCHASE_CALL]');
  await rule.getByRole('heading', { name: '购后回访' }).waitFor();
  // Off by default; the birthday rule has no least amount, the win-back rule no days.
  assert.equal(await rule.getByRole('checkbox', { name: '启用' }).isChecked(), false);
  assert.equal(await admin.locator('form[data-rule=BIRTHDAY_CALL] input[name=minAmount]').count(), 0);
  assert.equal(await admin.locator('form[data-rule=WINBACK_CALL] input[name=days]').count(), 0);
  await fitsThePhone(admin, 'task rules');

  await rule.getByRole('checkbox', { name: '启用' }).check();
  await rule.getByLabel('消费后几天').fill('3');
  await rule.getByLabel('最低消费金额（元）').fill('1000');
  // More than the API allows is refused, by the field it names.
  await rule.getByLabel('对照组比例（%，不致电）').fill('60');
  await rule.getByRole('button', { name: '保存' }).tap();
  await rule.getByRole('alert').filter({ hasText: '0.5' }).waitFor();
  assert.equal(await rule.getByLabel('对照组比例（%，不致电）').getAttribute('aria-invalid'), 'true');
  let { taskRules } = await stack.graphql('{ taskRules { kind enabled } }');
  assert.equal(taskRules.find((r) => r.kind === 'AFTER_PURCHASE_CALL').enabled, false, 'nothing saved');

  await rule.getByLabel('对照组比例（%，不致电）').fill('0');
  await rule.getByRole('button', { name: '保存' }).tap();
  await rule.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  assert.equal(await rule.getByRole('alert').count(), 0);
  ({ taskRules } = await stack.graphql('{ taskRules { kind enabled days minAmount tiers openDays holdoutShare } }'));
  const saved = taskRules.find((r) => r.kind === 'AFTER_PURCHASE_CALL');
  assert.deepEqual(
    { ...saved, holdoutShare: Number(saved.holdoutShare) },
    { kind: 'AFTER_PURCHASE_CALL', enabled: true, days: 3, minAmount: '1000.00', tiers: [], openDays: 7, holdoutShare: 0 },
  );
  await admin.context().close();

  // A store of its own, its associate (with a password to sign in), two members, and three days
  // ago (in the brand's zone) a large order and a small one.
  await stack.graphql('mutation { createStore(code: "TK01", name: "静安任务店", city: "上海") { code } }');
  const staff = 'mutation($in: StaffInput!) { createStaffUser(input: $in) { username } }';
  await stack.graphql(staff, { in: { username: 'zhao', displayName: '赵店员', role: 'ASSOCIATE', storeCode: 'TK01' } });
  stack.patron(['staff', 'set-password', 'zhao'], `${PASSWORD}\n`);
  const create = 'mutation($no: String!, $in: MemberFields!) { createMember(memberNo: $no, input: $in) { memberNo } }';
  await stack.graphql(create, { no: 'TK-0001', in: { name: '钱多多', phone: '13800000003', storeCode: 'TK01' } });
  await stack.graphql(create, { no: 'TK-0002', in: { name: '孙小小', phone: '13800000004', storeCode: 'TK01' } });
  const bought = brandDay(3);
  const buy = 'mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }';
  // 04:00 UTC is noon in Shanghai: the brand's day `bought`.
  for (const [memberNo, orderId, amount] of [['TK-0001', 'TK-ORDER-1', '1288.00'], ['TK-0002', 'TK-ORDER-2', '500.00']]) {
    await stack.graphql(buy, { in: { memberNo, orderId, amount, storeCode: 'TK01', occurredAt: `${bought}T04:00:00Z` } });
  }
  const { runJob } = await stack.graphql('mutation { runJob(name: "tasks") { status } }');
  assert.equal(runJob.status, 'succeeded');
  const open = '{ openTasks(storeCode: "TK01") { id kind expiresOn inPool member { memberNo } } }';
  const { openTasks } = await stack.graphql(open);
  assert.deepEqual(
    openTasks.map((x) => [x.kind, x.member.memberNo, x.inPool]),
    [['AFTER_PURCHASE_CALL', 'TK-0001', true]],
    'one pool task: the large order',
  );
  const task = openTasks[0];

  // The associate, on their phone.
  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'zhao');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  const nav = page.getByRole('navigation', { name: '主导航' });
  const links = await nav.getByRole('link').allInnerTexts();
  assert.ok(links.indexOf('任务') >= 0 && links.indexOf('任务') < links.indexOf('回访名单'), `tasks before the call list: ${links}`);
  assert.ok(!links.includes('任务规则'), 'associates do not tune the rules');
  await nav.getByRole('link', { name: '任务', exact: true }).tap();
  await page.getByRole('heading', { name: '任务', exact: true }).waitFor();
  const card = page.locator(`[data-task="${task.id}"]`);
  await card.waitFor();
  assert.equal(await page.locator('[data-task]').count(), 1, 'the store\u2019s pool only');
  await card.getByText('购后回访').waitFor();
  await card.locator('[data-pool]').filter({ hasText: '任务池' }).waitFor();
  await card.getByRole('link', { name: '钱多多' }).waitFor();
  assert.equal(await card.getByRole('link', { name: '钱多多' }).getAttribute('href'), '#/member/TK-0001');
  await card.getByText(`${zhDate(bought)}的订单 TK-ORDER-1，金额 ¥1,288.00`).waitFor();
  await card.getByText(`截止 ${zhDate(task.expiresOn)}`).waitFor();
  // Not the associate's member yet: the number is masked, nothing to tap but the claim.
  const phone = card.locator('[data-field=phone]');
  assert.equal(await phone.textContent(), '138****0003');
  assert.equal(await card.locator('a[href^="tel:"]').count(), 0);
  assert.equal(await card.getByRole('button', { name: '已联系' }).count(), 0);
  await fitsThePhone(page, 'tasks');

  await card.getByRole('button', { name: '认领' }).tap();
  await page.getByRole('status').filter({ hasText: '已认领：钱多多 现由您负责。' }).waitFor();
  const call = card.locator('a[href="tel:13800000003"]');
  await call.waitFor();
  assert.equal(await call.textContent(), '13800000003');
  assert.equal(await card.getByRole('button', { name: '认领' }).count(), 0);
  await card.locator('[data-pool]').waitFor({ state: 'detached' });
  const { member } = await stack.graphql('{ member(memberNo: "TK-0001") { assignedAssociate { username } } }');
  assert.deepEqual(member.assignedAssociate, { username: 'zhao' }, '专人负责: the member is the claimer\u2019s');
  await fitsThePhone(page, 'a claimed task');
  await page.screenshot({ path: `${shots}/tasks-phone.png` });

  // One tap: the outcome closes it.
  await card.getByRole('group', { name: '通话结果' }).getByRole('button', { name: '已联系' }).tap();
  await page.getByRole('status').filter({ hasText: '已完成：钱多多（已联系）' }).waitFor();
  await card.waitFor({ state: 'detached' });
  await page.getByText('目前没有待办任务。').waitFor();
  assert.deepEqual((await stack.graphql(open)).openTasks, []);
  const { auditLog } = await stack.graphql('{ auditLog(target: "TK-0001", first: 5) { action actor } }');
  assert.ok(auditLog.some((e) => e.action === 'task.close'), JSON.stringify(auditLog));
  await page.reload();
  await page.getByText('目前没有待办任务。').waitFor();
  await page.context().close();
});

test('on a phone: an admin makes an associate store manager; they give a colleague\u2019s task back to the pool', async () => {
  // A store, two associates (one to be its manager), a member looked after by the other, a large
  // order three days ago, and the after-purchase rule on.
  await stack.graphql('mutation { createStore(code: "TK02", name: "徐汇任务店", city: "上海") { code } }');
  const staff = 'mutation($in: StaffInput!) { createStaffUser(input: $in) { username } }';
  await stack.graphql(staff, { in: { username: 'qian', displayName: '钱店长', role: 'ASSOCIATE', storeCode: 'TK02' } });
  await stack.graphql(staff, { in: { username: 'sun', displayName: '孙店员', role: 'ASSOCIATE', storeCode: 'TK02' } });
  stack.patron(['staff', 'set-password', 'qian'], `${PASSWORD}\n`);
  await stack.graphql('mutation($no: String!, $in: MemberFields!) { createMember(memberNo: $no, input: $in) { memberNo } }', {
    no: 'TK-0101', in: { name: '周大方', phone: '13800000011', storeCode: 'TK02' },
  });
  await stack.graphql('mutation { assignAssociate(memberNo: "TK-0101", username: "sun") { memberNo } }');
  await stack.graphql('mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }', {
    in: { memberNo: 'TK-0101', orderId: 'TK-ORDER-101', amount: '2000.00', storeCode: 'TK02', occurredAt: `${brandDay(3)}T04:00:00Z` },
  });
  await stack.graphql('mutation($in: TaskRuleInput!) { updateTaskRule(kind: AFTER_PURCHASE_CALL, input: $in) { enabled } }', {
    in: { enabled: true, days: 3, minAmount: '1000', tiers: [], openDays: 7, holdoutShare: '0' },
  });
  assert.equal((await stack.graphql('mutation { runJob(name: "tasks") { status } }')).runJob.status, 'succeeded');
  const open = '{ openTasks(storeCode: "TK02") { id inPool assignee { username } member { memberNo } } }';
  const [task] = (await stack.graphql(open)).openTasks;
  assert.deepEqual([task.member.memberNo, task.inPool, task.assignee], ['TK-0101', false, { username: 'sun' }], 'the colleague\u2019s task');

  // The admin makes qian the store's manager.
  const admin = await stack.newPage(PHONE);
  await signIn(admin, stack.base, 'lin');
  await admin.getByRole('heading', { name: '概览' }).waitFor();
  await admin.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '访问' }).tap();
  const row = admin.locator('tr[data-staff-user=qian]');
  await row.getByText('否', { exact: true }).waitFor();
  await row.getByRole('button', { name: '设为店长' }).tap();
  await admin.getByRole('status').filter({ hasText: '钱店长 (qian) 现为门店 TK02 的店长' }).waitFor();
  await row.getByText('店长', { exact: true }).waitFor();
  await row.getByRole('button', { name: '取消店长' }).waitFor();
  // An admin is no associate: nothing to make a manager of.
  assert.equal(await admin.locator('tr[data-staff-user=lin]').getByRole('button', { name: '设为店长' }).count(), 0);
  const { staffUsers } = await stack.graphql('{ staffUsers { username manager } }');
  const managers = Object.fromEntries(staffUsers.map((u) => [u.username, u.manager]));
  assert.deepEqual([managers.qian, managers.sun], [true, false]);
  await admin.context().close();

  // The manager, on their phone: the colleague's task, who holds it, and giving it to the pool.
  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'qian');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '任务', exact: true }).tap();
  await page.getByRole('heading', { name: '任务', exact: true }).waitFor();
  const card = page.locator(`[data-task="${task.id}"]`);
  await card.waitFor();
  await card.locator('[data-holder]').filter({ hasText: '负责人：孙店员' }).waitFor();
  assert.equal(await card.locator('[data-pool]').count(), 0);
  // Not the manager's own: nothing to claim or close.
  assert.equal(await card.getByRole('button', { name: '认领' }).count(), 0);
  assert.equal(await card.getByRole('button', { name: '已联系' }).count(), 0);
  const give = card.getByLabel('转交给');
  const [pool, ...colleagues] = await give.locator('option').allInnerTexts();
  assert.deepEqual([pool, colleagues.sort()], ['门店任务池', ['孙店员', '钱店长'].sort()], 'the pool and the store\u2019s associates');
  assert.equal(await card.getByRole('button', { name: '转交' }).isDisabled(), true, 'already with 孙店员');
  await fitsThePhone(page, 'a manager\u2019s tasks');

  await give.selectOption({ label: '门店任务池' });
  await card.getByRole('button', { name: '转交' }).tap();
  await page.getByRole('status').filter({ hasText: '已放回任务池：周大方 的任务。' }).waitFor();
  await card.locator('[data-holder]').filter({ hasText: '负责人：任务池' }).waitFor();
  await card.locator('[data-pool]').filter({ hasText: '任务池' }).waitFor();
  assert.equal(await card.getByRole('alert').count(), 0);
  await fitsThePhone(page, 'a task given to the pool');
  const after = (await stack.graphql(open)).openTasks.find((x) => x.id === task.id);
  assert.deepEqual([after.inPool, after.assignee], [true, null], 'the task is in the pool');
  await page.context().close();
});

test('on a phone: an admin sees how each associate of a store did, as the API counts it', async () => {
  // zhao (TK01, from the first test) closed the after-purchase task, member reached; an admin
  // then disables them, and their row is marked.
  await stack.graphql('mutation { disableStaffUser(username: "zhao") { username } }');
  const admin = await stack.newPage(PHONE);
  await signIn(admin, stack.base, 'lin');
  await admin.getByRole('heading', { name: '概览' }).waitFor();
  await admin.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '任务规则' }).tap();
  const section = admin.getByRole('region', { name: '店员表现' });
  await section.waitFor();
  const from = await section.getByLabel('开始日期').inputValue();
  const to = await section.getByLabel('结束日期').inputValue();
  assert.deepEqual([from, to], [brandDay(29), brandDay(0)], 'the last 30 days');

  // The end before the start is refused by the field.
  await section.getByLabel('门店').selectOption({ label: '静安任务店' });
  await section.getByLabel('结束日期').fill(brandDay(30));
  await section.getByRole('button', { name: '查看' }).tap();
  await section.getByRole('alert').waitFor();
  assert.equal(await section.getByLabel('结束日期').getAttribute('aria-invalid'), 'true');
  await section.getByLabel('结束日期').fill(to);
  await section.getByRole('button', { name: '查看' }).tap();

  const q = `query($s: String!, $f: NaiveDate!, $t: NaiveDate!) { associateScores(storeCode: $s, from: $f, to: $t) {
    associate { username displayName disabledAt } members tasks done doneOnTime reached complaintsResolved complaintsWithinSla buyers revenue } }`;
  const { associateScores } = await stack.graphql(q, { s: 'TK01', f: from, t: to });
  const s = associateScores.find((x) => x.associate?.username === 'zhao');
  assert.deepEqual([s.done, s.reached, s.buyers, Number(s.revenue)], [1, 1, 1, 1288], JSON.stringify(s));
  assert.ok(s.associate.disabledAt);

  const row = section.locator('tr[data-associate=zhao]');
  await row.waitFor();
  assert.equal(await section.getByRole('alert').count(), 0);
  const pct = (x) => new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(x);
  const shown = Object.fromEntries(await row.locator('[data-figure]').evaluateAll((cells) =>
    cells.map((c) => [c.dataset.figure, c.textContent.trim().replace(/\s+/g, ' ')])));
  assert.deepEqual(shown, {
    name: '赵店员 已停用',
    members: String(s.members),
    tasks: String(s.tasks),
    done: `${s.done}（按时 ${pct(s.doneOnTime / s.done)}）`,
    reach: pct(s.reached / s.done),
    complaints: `${s.complaintsWithinSla} / ${s.complaintsResolved}`,
    buyers: String(s.buyers),
    revenue: new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(Number(s.revenue)),
  });
  assert.equal(await row.getAttribute('data-disabled'), '');
  await fitsThePhone(admin, 'associate scores');
  await admin.context().close();
});
