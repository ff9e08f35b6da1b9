// The associates' workbench end to end in Debian's chromium: an admin creates a member through
// the form (a bad phone number refused beside its field, nothing saved), edits them in English (a
// bad email beside its field, a birthday that cannot be removed), and assigns them an associate of
// their store and clears it again; an associate creates a member of their own store, records a
// return against one of a member's orders (too large a refund refused by the amount, a second,
// different return by the order), and reads the member list on a phone: a card per member, no
// sideways scroll. A marketer sees none of these forms. Every shown value is checked against
// what the API returns. A screenshot for docs/console.md is taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { PASSWORD, PHONE, brandDay, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
let stack;
/** The associate wang's token (store SH01), for what the API shows them. */
let wang;

before(async () => {
  stack = await startStack();
  const signInAs = 'mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }';
  wang = (await stack.graphql(signInAs, { u: 'wang', p: PASSWORD })).signIn.token;
  // A second associate at wang's store, to assign.
  await stack.graphql('mutation($in: StaffInput!) { createStaffUser(input: $in) { username } }', {
    in: { username: 'zhou', displayName: '周店员', role: 'ASSOCIATE', storeCode: 'SH01' },
  });
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

/** A request whose errors are the point: the whole response. */
async function attempt(query, variables = {}, token = stack.admin) {
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const zhDate = (day) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
};
const zhMoney = (amount) => new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(Number(amount));

const profile = `query($m: String!) { member(memberNo: $m) {
  memberNo name gender birthday lunarBirthday phone email address city joinedAt interests locale timeZone
  contactMasked store { code name } assignedAssociate { username displayName } } }`;
const CREATE = 'mutation($no: String!, $in: MemberFields!) { createMember(memberNo: $no, input: $in) { memberNo } }';

test('an admin creates a member through the form; a bad phone number is refused beside its field', async () => {
  const { stores } = await stack.graphql('{ stores { code name } }');
  const sh01 = stores.find((s) => s.code === 'SH01');
  const page = await stack.newPage();
  await signIn(page, stack.base, 'lin');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '会员' }).click();
  await page.getByRole('heading', { name: '会员', exact: true }).waitFor();
  // The desktop list is still the table, with its header.
  await page.locator('table.members tbody tr').first().waitFor();
  assert.equal(await page.locator('table.members thead').isVisible(), true);
  await page.getByRole('link', { name: '新建会员' }).click();
  await page.getByRole('heading', { name: '新建会员' }).waitFor();

  const form = page.getByRole('form', { name: '新建会员' });
  await form.getByLabel('会员号', { exact: true }).fill('MF-0001');
  await form.getByLabel('姓名', { exact: true }).fill('林晓雨');
  await form.getByLabel('性别').selectOption({ label: '女' });
  await form.getByLabel('生日', { exact: true }).fill('1990-05-12');
  await form.getByLabel('电话', { exact: true }).fill('12345');
  await form.getByLabel('邮箱', { exact: true }).fill('Xiaoyu@Example.com');
  await form.getByLabel('城市', { exact: true }).fill('上海');
  await form.getByLabel('门店').selectOption({ label: sh01.name });
  await form.getByLabel('兴趣', { exact: true }).fill('茶, 香氛');
  await form.getByRole('button', { name: '保存' }).click();

  // Refused by the phone, and said beside it, in Chinese, as the API names the field.
  const refused = await attempt(CREATE, { no: 'MF-0001', in: { name: '林晓雨', phone: '12345' } });
  assert.equal(refused.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal(refused.errors[0].extensions.field, 'phone');
  const phoneField = form.locator('[data-input=phone]');
  await phoneField.getByRole('alert').filter({ hasText: '12345 不是有效的手机号' }).waitFor();
  assert.equal(await form.getByLabel('电话', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await form.getByRole('alert').count(), 1, 'one refusal, by the phone');
  assert.equal(await form.getByLabel('姓名', { exact: true }).getAttribute('aria-invalid'), 'false');
  assert.equal((await attempt(profile, { m: 'MF-0001' })).errors[0].extensions.code, 'NOT_FOUND', 'nothing saved');

  await form.getByLabel('电话', { exact: true }).fill('13900001111');
  await form.getByRole('button', { name: '保存' }).click();
  // The member card, saying so.
  await page.getByRole('status').filter({ hasText: '已创建会员：林晓雨（MF-0001）' }).waitFor();
  assert.equal(new URL(page.url()).hash, '#/member/MF-0001');
  const { member } = await stack.graphql(profile, { m: 'MF-0001' });
  assert.deepEqual(
    { ...member, joinedAt: undefined, timeZone: undefined },
    {
      memberNo: 'MF-0001', name: '林晓雨', gender: 'FEMALE', birthday: '1990-05-12', lunarBirthday: false,
      phone: '13900001111', email: 'xiaoyu@example.com', address: null, city: '上海', joinedAt: undefined,
      interests: ['茶', '香氛'], locale: 'zh-CN', timeZone: undefined, contactMasked: false,
      store: { code: 'SH01', name: sh01.name }, assignedAssociate: null,
    },
  );
  assert.equal(member.joinedAt, brandDay(0), 'joined today by default');
  await page.getByRole('heading', { name: /林晓雨/ }).waitFor();
  assert.equal(await page.locator('[data-field=phone]').textContent(), member.phone);
  assert.equal(await page.locator('[data-field=email]').textContent(), member.email);
  const facts = page.getByRole('region', { name: '会员档案' });
  for (const text of ['女', zhDate(member.birthday), member.city, sh01.name, '茶, 香氛']) {
    await facts.getByText(text, { exact: true }).waitFor();
  }
  await page.context().close();
});

test('an admin edits the member in English: a bad email and a removed birthday are refused by their fields', async () => {
  const page = await stack.newPage({ locale: 'en' });
  await signIn(page, stack.base, 'lin');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.goto(`${stack.base}/console/#/member/MF-0001`);
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByRole('heading', { name: 'Edit 林晓雨' }).waitFor();
  const form = page.getByRole('form', { name: 'Edit' });
  // Filled in as the API has it.
  const before = (await stack.graphql(profile, { m: 'MF-0001' })).member;
  assert.equal(await form.getByLabel('Name', { exact: true }).inputValue(), before.name);
  assert.equal(await form.getByLabel('Phone', { exact: true }).inputValue(), before.phone);
  assert.equal(await form.getByLabel('Birthday', { exact: true }).inputValue(), before.birthday);
  assert.equal(await form.getByLabel('Interests', { exact: true }).inputValue(), before.interests.join(', '));
  assert.equal(await form.getByLabel('Store').inputValue(), 'SH01');
  assert.equal(await form.getByLabel('Member no.', { exact: true }).count(), 0, 'the number stays');

  await form.getByLabel('Email', { exact: true }).fill('not-an-email');
  await form.getByLabel('City', { exact: true }).fill('杭州');
  await form.getByLabel('Address', { exact: true }).fill('西湖区文三路 1 号');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.locator('[data-input=email]').getByRole('alert').filter({ hasText: 'not-an-email is not a valid email address' }).waitFor();
  assert.equal(await form.getByLabel('Email', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal((await stack.graphql(profile, { m: 'MF-0001' })).member.city, '上海', 'nothing saved');

  // An email removed is fine; a birthday removed is not (the API keeps it once given).
  await form.getByLabel('Email', { exact: true }).fill('');
  await form.getByLabel('Birthday', { exact: true }).fill('');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.locator('[data-input=birthday]').getByRole('alert').filter({ hasText: 'Once given, this cannot be removed' }).waitFor();
  assert.equal(await form.locator('[data-input=email]').getByRole('alert').count(), 0);
  await form.getByLabel('Birthday', { exact: true }).fill('1990-05-21');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved: 林晓雨' }).waitFor();
  assert.equal(new URL(page.url()).hash, '#/member/MF-0001');

  const { member } = await stack.graphql(profile, { m: 'MF-0001' });
  assert.deepEqual(
    [member.email, member.city, member.address, member.birthday, member.phone, member.name],
    [null, '杭州', '西湖区文三路 1 号', '1990-05-21', before.phone, before.name],
  );
  const { auditLog } = await stack.graphql('{ auditLog(target: "MF-0001", first: 5) { action } }');
  assert.equal(auditLog.filter((e) => e.action === 'member.update').length, 1, 'one change saved');
  assert.equal(await page.locator('[data-field=email]').textContent(), '—');
  await page.getByRole('region', { name: 'Profile' }).getByText('杭州', { exact: true }).waitFor();
  await page.context().close();
});

test('an admin assigns an associate of the member\u2019s store, and clears it', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'lin');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.goto(`${stack.base}/console/#/member/MF-0001`);
  const assign = page.getByRole('form', { name: '指派专属店员' });
  const select = assign.getByLabel('专属店员');
  await select.locator('option', { hasText: '周店员' }).waitFor({ state: 'attached' });
  const { storeAssociates } = await stack.graphql('{ storeAssociates(storeCode: "SH01") { displayName } }');
  const [none, ...choices] = await select.locator('option').allInnerTexts();
  assert.deepEqual([none, choices.sort()], ['不指定', storeAssociates.map((a) => a.displayName).sort()]);
  assert.equal(await assign.getByRole('button', { name: '指派' }).isDisabled(), true, 'nobody yet, nobody chosen');

  await select.selectOption({ label: '周店员' });
  await assign.getByRole('button', { name: '指派' }).click();
  await assign.getByRole('status').filter({ hasText: '现由 周店员 负责 林晓雨。' }).waitFor();
  await page.locator('[data-field=associate]').filter({ hasText: '周店员' }).waitFor();
  let { member } = await stack.graphql(profile, { m: 'MF-0001' });
  assert.deepEqual(member.assignedAssociate, { username: 'zhou', displayName: '周店员' });
  assert.equal(await select.inputValue(), 'zhou');

  await select.selectOption({ label: '不指定' });
  await assign.getByRole('button', { name: '指派' }).click();
  await assign.getByRole('status').filter({ hasText: '林晓雨 现无专属店员。' }).waitFor();
  await page.locator('[data-field=associate]').filter({ hasText: '—' }).waitFor();
  ({ member } = await stack.graphql(profile, { m: 'MF-0001' }));
  assert.equal(member.assignedAssociate, null);
  await page.context().close();
});

test('an associate creates a member of their store, and records a return against an order; refusals by their fields', async () => {
  // Two orders of the member at wang's store: two days ago and yesterday (noon in Shanghai).
  const buy = 'mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }';
  for (const [orderId, amount, days] of [['MF-ORDER-1', '880.00', 2], ['MF-ORDER-2', '120.00', 1]]) {
    await stack.graphql(buy, { in: { memberNo: 'MF-0001', orderId, amount, occurredAt: `${brandDay(days)}T04:00:00Z` } });
  }

  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();

  // A new member: of wang's store, whatever the form.
  await page.goto(`${stack.base}/console/#/members/new`);
  const create = page.getByRole('form', { name: '新建会员' });
  await create.locator('[data-input=storeCode] [data-store=SH01]').waitFor();
  assert.equal(await create.getByLabel('门店').count(), 0, 'no store to choose');
  await create.getByLabel('会员号', { exact: true }).fill('MF 0002');
  await create.getByLabel('姓名', { exact: true }).fill('陈一鸣');
  await create.getByRole('button', { name: '保存' }).tap();
  await create.locator('[data-input=memberNo]').getByRole('alert').filter({ hasText: '会员号 不能包含空格' }).waitFor();
  await create.getByLabel('会员号', { exact: true }).fill('MF-0002');
  await create.getByRole('button', { name: '保存' }).tap();
  await page.getByRole('status').filter({ hasText: '已创建会员：陈一鸣（MF-0002）' }).waitFor();
  await page.getByRole('heading', { name: /陈一鸣/ }).waitFor();
  const created = (await stack.graphql(profile, { m: 'MF-0002' })).member;
  assert.deepEqual([created.name, created.store.code], ['陈一鸣', 'SH01']);
  // An associate assigns nobody.
  assert.equal(await page.locator('form[data-assign]').count(), 0);

  // The return, on MF-0001's card.
  await page.goto(`${stack.base}/console/#/member/MF-0001`);
  const form = page.getByRole('form', { name: '登记退货' });
  const order = form.getByLabel('退货订单');
  const amount = form.getByLabel('退款金额', { exact: true });
  await order.locator('option').first().waitFor({ state: 'attached' });
  // The member's orders newest first; the first not returned chosen, its whole amount.
  const options = await order.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options, [
    ['MF-ORDER-2', `MF-ORDER-2 · ${zhDate(brandDay(1))} · ${zhMoney('120.00')}`],
    ['MF-ORDER-1', `MF-ORDER-1 · ${zhDate(brandDay(2))} · ${zhMoney('880.00')}`],
  ]);
  assert.equal(await amount.inputValue(), '120.00');
  await order.selectOption('MF-ORDER-1');
  assert.equal(await amount.inputValue(), '880.00');

  // More than the order paid: refused by the amount, as the console says the API's refusal.
  await amount.fill('1000');
  await form.getByRole('button', { name: '登记退货' }).tap();
  const tooMuch = await attempt('mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }', {
    in: { orderId: 'MF-ORDER-1', amount: '1000', occurredAt: new Date().toISOString() },
  }, wang);
  assert.equal(tooMuch.errors[0].extensions.field, 'amount');
  assert.equal(tooMuch.errors[0].extensions.key, 'purchase.refundTooLarge');
  const { orderId, paid } = tooMuch.errors[0].extensions.params;
  await form.locator('[data-input=amount]').getByRole('alert').filter({ hasText: `退款金额超过订单 ${orderId} 的实付金额（${paid}）` }).waitFor();
  assert.equal(await amount.getAttribute('aria-invalid'), 'true');

  await amount.fill('300');
  await form.getByRole('button', { name: '登记退货' }).tap();
  await form.getByRole('status').filter({ hasText: `已登记退货：订单 MF-ORDER-1，退款 ${zhMoney('300')}。` }).waitFor();
  assert.equal(await form.getByRole('alert').count(), 0);
  const lines = async () =>
    (await stack.graphql('{ member(memberNo: "MF-0001") { purchases(first: 10) { edges { node { orderId kind amount } } } } }'))
      .member.purchases.edges.map((e) => e.node);
  const returned = (await lines()).find((l) => l.kind === 'return');
  assert.deepEqual([returned.orderId, Number(returned.amount)], ['MF-ORDER-1', -300]);
  const row = page.locator('tr[data-order=MF-ORDER-1][data-kind=return]');
  await row.waitFor();
  await row.getByText('退货', { exact: true }).waitFor();
  assert.equal(await row.locator('td.num').textContent(), zhMoney(returned.amount));
  assert.match(await order.locator('option[value=MF-ORDER-1]').textContent(), /（已退货）$/);

  // A second, different return of the same order: refused by the order.
  await order.selectOption('MF-ORDER-1');
  await amount.fill('200');
  await form.getByRole('button', { name: '登记退货' }).tap();
  const again = await attempt('mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }', {
    in: { orderId: 'MF-ORDER-1', amount: '200', occurredAt: new Date().toISOString() },
  }, wang);
  assert.equal(again.errors[0].extensions.field, 'orderId');
  assert.equal(again.errors[0].extensions.key, 'purchase.orderTaken');
  await form.locator('[data-input=orderId]').getByRole('alert').filter({ hasText: '订单 MF-ORDER-1 已有一条内容不同的记录' }).waitFor();
  assert.equal(await order.getAttribute('aria-invalid'), 'true');
  assert.equal((await lines()).filter((l) => l.kind === 'return').length, 1, 'still one return');
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
  assert.ok(width <= 0, `the member card scrolls ${width}px sideways`);
  await page.context().close();
});

test('on a phone, the member list reads as cards, nothing scrolls sideways, and a card opens its member', async () => {
  // An analytics run, so the member has a tier and a CLV to show.
  assert.equal((await stack.graphql('mutation { runAnalytics { status } }')).runAnalytics.status, 'succeeded');
  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '会员' }).tap();
  await page.getByRole('heading', { name: '会员', exact: true }).waitFor();
  const sideways = () => page.evaluate(() => {
    const s = document.scrollingElement;
    return { scrollWidth: s.scrollWidth, clientWidth: s.clientWidth };
  });

  // The first page of the store's members, as the API lists them for wang.
  const list = `query($f: MemberFilter) { members(filter: $f, first: 25, orderBy: { field: MEMBER_NO, direction: ASC }) {
    totalCount edges { node { memberNo name tier phone store { name } metrics { recencyDays clv } } } } }`;
  const { members } = await stack.graphql(list, {}, wang);
  await page.locator(`[data-total="${members.totalCount}"]`).waitFor();
  const rows = page.locator('table.members tbody tr');
  assert.equal(await rows.count(), members.edges.length);
  let { scrollWidth, clientWidth } = await sideways();
  assert.ok(scrollWidth <= clientWidth, `the list is ${scrollWidth}px wide in ${clientWidth}px`);
  const head = await page.locator('table.members thead').boundingBox();
  assert.ok(head.width <= 1 && head.height <= 1, `no column headers on a phone (only for screen readers): ${JSON.stringify(head)}`);
  const first = members.edges[0].node;
  assert.equal(await rows.first().getAttribute('data-member-no'), first.memberNo);
  assert.equal(await rows.first().locator('td.name').textContent(), first.name);
  await page.screenshot({ path: `${shots}/members-phone.png` });

  // The member from the form, by a search: their card.
  await page.getByLabel('搜索', { exact: true }).fill('林晓雨');
  await page.getByRole('button', { name: '应用' }).tap();
  const card = page.locator('tr[data-member-no=MF-0001]');
  await card.waitFor();
  const found = (await stack.graphql(list, { f: { search: '林晓雨' } }, wang)).members.edges.map((e) => e.node);
  assert.deepEqual(found.map((m) => m.memberNo), ['MF-0001']);
  const m = found[0];
  const cell = (name) => card.locator(`td.${name}`).evaluate((td) => td.innerText.trim());
  assert.equal(await cell('name'), m.name);
  assert.equal(await cell('no'), m.memberNo);
  assert.equal(await cell('store'), m.store.name);
  assert.equal(await cell('phone'), m.phone);
  assert.ok(m.tier && m.metrics?.clv, `the run gave MF-0001 a tier and a CLV: ${JSON.stringify(m)}`);
  assert.equal(await cell('tier'), m.tier);
  assert.equal(await cell('clv'), zhMoney(m.metrics.clv));
  assert.equal(await cell('recency'), String(m.metrics.recencyDays));
  // Each figure says what it is.
  const before = (name) => card.locator(`td.${name}`).evaluate((td) => getComputedStyle(td, '::before').content);
  assert.deepEqual([await before('tier'), await before('recency'), await before('clv')], ['"等级 "', '"距上次购买（天） "', '"顾客终身价值 "']);
  for (const hidden of ['joined', 'spend', 'palive']) assert.equal(await card.locator(`td.${hidden}`).isVisible(), false, hidden);
  // A card, not a column of single characters: the name on one line, the card within the phone.
  const name = await card.locator('td.name').boundingBox();
  const box = await card.boundingBox();
  assert.ok(name.height < 40, `the name is ${name.height}px tall`);
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `the card spans ${box.x}–${box.x + box.width}px`);
  ({ scrollWidth, clientWidth } = await sideways());
  assert.ok(scrollWidth <= clientWidth, `the list is ${scrollWidth}px wide in ${clientWidth}px`);

  // A tap on the card, by the name, opens the member.
  await card.tap({ position: { x: 30, y: 14 } });
  await page.getByRole('heading', { name: /林晓雨/ }).waitFor();
  assert.equal(new URL(page.url()).hash, '#/member/MF-0001');
  await page.context().close();
});

test('a marketer sees the member but none of the forms that change it', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '会员' }).click();
  await page.getByRole('heading', { name: '会员', exact: true }).waitFor();
  assert.equal(await page.getByRole('link', { name: '新建会员' }).count(), 0);
  await page.goto(`${stack.base}/console/#/member/MF-0001`);
  await page.getByRole('heading', { name: /林晓雨/ }).waitFor();
  await page.getByRole('region', { name: '购买与退货' }).waitFor();
  assert.equal(await page.getByRole('link', { name: '编辑' }).count(), 0);
  assert.equal(await page.locator('form[data-return]').count(), 0);
  assert.equal(await page.locator('form[data-assign]').count(), 0);
  // The form's address shows the card instead.
  await page.goto(`${stack.base}/console/#/member/MF-0001/edit`);
  await page.waitForTimeout(200);
  assert.equal(await page.getByRole('form', { name: '编辑' }).count(), 0);
  await page.context().close();
});
