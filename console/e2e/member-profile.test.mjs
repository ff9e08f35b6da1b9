// The brand's own member fields and staff notes end to end in Debian's chromium: a marketer
// defines a choice field and a number field on the Member fields page (a bad key refused beside
// the key input, nothing defined; an emptied label refused beside the label when editing); an
// associate on a phone fills them in on a member of their store (a bad number refused beside
// its input, nothing saved), clears and sets a choice again, and writes two notes, and the card
// shows exactly what the API returns, newest note first, with no sideways scroll; a marketer
// filters a segment on the choice field, a number and openComplaint, and the builder counts what
// segmentPreview counts; the marketer's member card shows the values but neither the form nor
// the notes. A screenshot for docs/console.md is taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { BRAND_ZONE, PASSWORD, PHONE, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
let stack;
/** Tokens of the associate wang (store SH01) and the marketer mei, for what the API shows them. */
let wang;
let mei;
/** The member of wang's store the associate fills in. */
let memberNo;

before(async () => {
  stack = await startStack();
  const signInAs = 'mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }';
  wang = (await stack.graphql(signInAs, { u: 'wang', p: PASSWORD })).signIn.token;
  mei = (await stack.graphql(signInAs, { u: 'mei', p: PASSWORD })).signIn.token;
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

/** A request whose errors are the point: the whole response. */
async function attempt(query, variables, token) {
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const FIELDS = '{ memberFields { key label kind choices } }';
const DEFINE = 'mutation($in: MemberFieldInput!) { defineMemberField(input: $in) { key } }';
const SET = 'mutation($m: String!, $v: [MemberFieldValueInput!]!) { setMemberFields(memberNo: $m, values: $v) { key value } }';
const CARD = `query($m: String!) { member(memberNo: $m) {
  customFields { key label kind value }
  notes(first: 50) { id body createdAt author writtenBy { username displayName } } } }`;
const zhDateTime = (moment) =>
  new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium', timeStyle: 'short', timeZone: BRAND_ZONE }).format(new Date(moment));

test('a marketer defines a choice field and a number field; a bad key is refused beside the key input', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '自定义字段' }).click();
  await page.getByRole('heading', { name: '自定义字段', exact: true }).waitFor();
  await page.getByText('还没有自定义字段。').waitFor();

  const form = page.getByRole('form', { name: '新建字段' });
  await form.getByLabel('标识', { exact: true }).fill('Family Status');
  await form.getByLabel('名称', { exact: true }).fill('家庭状况');
  await form.getByRole('combobox', { name: '类型' }).selectOption({ label: '单选' });
  // One word a line; blank lines and spaces around a word do not count.
  await form.getByLabel('可选值', { exact: true }).fill('已婚\n未婚\n\n  有孩子 ');
  await form.getByRole('button', { name: '保存' }).click();

  // Refused by the key, and said beside it in Chinese: the API names the refusal by its key.
  const refused = await attempt(DEFINE, { in: { key: 'Family Status', label: '家庭状况', kind: 'CHOICE', choices: ['已婚', '未婚', '有孩子'] } }, mei);
  assert.equal(refused.errors[0].extensions.field, 'input.key');
  assert.deepEqual([refused.errors[0].extensions.key, refused.errors[0].extensions.params.key], ['memberField.key', 'Family Status']);
  await form.locator('[data-input=key]').getByRole('alert').filter({ hasText: 'Family Status 不能作为标识：只能用小写字母、数字和 _' }).waitFor();
  assert.equal(await form.getByLabel('标识', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await form.getByRole('alert').count(), 1, 'one refusal, by the key');
  assert.deepEqual((await stack.graphql(FIELDS, {}, mei)).memberFields, [], 'nothing defined');

  await form.getByLabel('标识', { exact: true }).fill('family');
  await form.getByRole('button', { name: '保存' }).click();
  await page.getByRole('status').filter({ hasText: '已新建字段：家庭状况（family）。' }).waitFor();
  assert.equal(await form.getByRole('alert').count(), 0);
  assert.equal(await form.getByLabel('标识', { exact: true }).inputValue(), '', 'the form is empty again');

  // A number has no words to give.
  await form.getByLabel('标识', { exact: true }).fill('shoe_size');
  await form.getByLabel('名称', { exact: true }).fill('鞋码');
  await form.getByRole('combobox', { name: '类型' }).selectOption({ label: '数字' });
  assert.equal(await form.getByLabel('可选值', { exact: true }).count(), 0);
  await form.getByRole('button', { name: '保存' }).click();
  await page.getByRole('status').filter({ hasText: '已新建字段：鞋码（shoe_size）。' }).waitFor();

  // A defined field's words change in place; an emptied label is refused beside it (in Chinese:
  // the API names that refusal by a key).
  await page.getByRole('button', { name: '修改 家庭状况' }).click();
  const edit = page.getByRole('form', { name: '修改 家庭状况' });
  assert.equal(await edit.getByLabel('标识', { exact: true }).count(), 0, 'the key stays');
  assert.equal(await edit.getByRole('combobox', { name: '类型' }).count(), 0, 'the kind stays');
  assert.equal(await edit.getByLabel('可选值', { exact: true }).inputValue(), '已婚\n未婚\n有孩子');
  await edit.getByLabel('名称', { exact: true }).fill('');
  await edit.getByLabel('可选值', { exact: true }).fill('已婚\n未婚\n有孩子\n离异');
  await edit.getByRole('button', { name: '保存' }).click();
  await edit.locator('[data-input=label]').getByRole('alert').filter({ hasText: '名称 不能为空' }).waitFor();
  assert.equal(await edit.getByLabel('名称', { exact: true }).getAttribute('aria-invalid'), 'true');
  await edit.getByLabel('名称', { exact: true }).fill('家庭状况');
  await edit.getByRole('button', { name: '保存' }).click();
  await page.getByRole('status').filter({ hasText: '已保存：家庭状况。' }).waitFor();
  assert.equal(await edit.count(), 0, 'the form closes');

  const { memberFields } = await stack.graphql(FIELDS, {}, mei);
  assert.deepEqual(memberFields, [
    { key: 'family', label: '家庭状况', kind: 'CHOICE', choices: ['已婚', '未婚', '有孩子', '离异'] },
    { key: 'shoe_size', label: '鞋码', kind: 'NUMBER', choices: [] },
  ]);
  // The list is the API's, in its order.
  const rows = await page.locator('table.fields tbody tr[data-field]').evaluateAll((trs) =>
    trs.map((tr) => ({
      key: tr.querySelector('.key').textContent.trim(),
      label: tr.querySelector('.label').textContent.trim(),
      kind: tr.querySelector('.kind').dataset.kind,
      words: [...tr.querySelectorAll('.choices .badge')].map((b) => b.textContent.trim()),
    })),
  );
  assert.deepEqual(rows, memberFields.map((f) => ({ key: f.key, label: f.label, kind: f.kind, words: f.choices })));
  assert.deepEqual(await page.locator('table.fields tbody .kind').allInnerTexts(), ['单选', '数字']);
  await page.context().close();
});

test('an associate on a phone fills in a member\u2019s fields and writes notes; the card shows what the API returns', async () => {
  const { members } = await stack.graphql('{ members(first: 1, orderBy: { field: MEMBER_NO, direction: ASC }) { edges { node { memberNo name store { code } } } } }', {}, wang);
  const chosen = members.edges[0].node;
  assert.equal(chosen.store.code, 'SH01');
  memberNo = chosen.memberNo;

  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  await page.goto(`${stack.base}/console/#/member/${encodeURIComponent(memberNo)}`);
  await page.getByRole('heading', { name: new RegExp(chosen.name) }).waitFor();
  const about = page.getByRole('region', { name: '会员画像' });
  const notes = page.getByRole('region', { name: '店员备注' });
  await about.getByText('尚未填写。').waitFor();
  await notes.getByText('还没有备注。').waitFor();

  // Every defined field, an input fitting its kind.
  await about.getByRole('button', { name: '修改画像' }).tap();
  const form = about.getByRole('form', { name: '修改画像' });
  const family = form.getByRole('combobox', { name: '家庭状况' });
  const shoe = form.getByRole('textbox', { name: '鞋码' });
  assert.deepEqual(await family.locator('option').allTextContents(), ['— 未填 —', '已婚', '未婚', '有孩子', '离异']);
  assert.equal(await shoe.getAttribute('inputmode'), 'decimal');
  await family.selectOption('已婚');
  await shoe.fill('abc');
  await form.getByRole('button', { name: '保存' }).tap();

  // Refused by the number, as the API refuses the same values (in Chinese, by its key);
  // nothing saved (all or none).
  const refused = await attempt(SET, { m: memberNo, v: [{ key: 'family', value: '已婚' }, { key: 'shoe_size', value: 'abc' }] }, wang);
  assert.equal(refused.errors[0].extensions.field, 'values[1].value');
  assert.deepEqual([refused.errors[0].extensions.key, refused.errors[0].extensions.params.got], ['memberField.notNumber', 'abc']);
  await form.locator('[data-input=shoe_size]').getByRole('alert').filter({ hasText: '应为数字，而不是 abc' }).waitFor();
  assert.equal(await shoe.getAttribute('aria-invalid'), 'true');
  assert.equal(await family.getAttribute('aria-invalid'), 'false');
  assert.equal(await form.getByRole('alert').count(), 1, 'one refusal, by the number');
  assert.deepEqual((await stack.graphql(CARD, { m: memberNo }, wang)).member.customFields, [], 'nothing saved');

  await shoe.fill('38.50');
  await form.getByRole('button', { name: '保存' }).tap();
  await about.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  const shown = async () => ({
    labels: await about.locator('dl dt').allInnerTexts(),
    values: await about.locator('dl dd').allInnerTexts(),
  });
  let { customFields } = (await stack.graphql(CARD, { m: memberNo }, wang)).member;
  assert.deepEqual(customFields, [
    { key: 'family', label: '家庭状况', kind: 'CHOICE', value: '已婚' },
    { key: 'shoe_size', label: '鞋码', kind: 'NUMBER', value: '38.5' },
  ]);
  assert.deepEqual(await shown(), { labels: customFields.map((v) => v.label), values: customFields.map((v) => v.value) });

  // The empty choice clears the field: only the number is left, on the card as in the API.
  await about.getByRole('button', { name: '修改画像' }).tap();
  assert.equal(await family.inputValue(), '已婚');
  assert.equal(await shoe.inputValue(), '38.5');
  await family.selectOption({ label: '— 未填 —' });
  await form.getByRole('button', { name: '保存' }).tap();
  // Saved (the list is away while the form is open, so wait for the save, then the list).
  await about.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  await about.locator('dl dt').filter({ hasText: '家庭状况' }).waitFor({ state: 'detached' });
  ({ customFields } = (await stack.graphql(CARD, { m: memberNo }, wang)).member);
  assert.deepEqual(customFields.map((v) => [v.key, v.value]), [['shoe_size', '38.5']]);
  assert.deepEqual(await shown(), { labels: ['鞋码'], values: ['38.5'] });
  // And set again.
  await about.getByRole('button', { name: '修改画像' }).tap();
  await family.selectOption('已婚');
  await form.getByRole('button', { name: '保存' }).tap();
  await about.locator('dl dt').filter({ hasText: '家庭状况' }).waitFor();
  ({ customFields } = (await stack.graphql(CARD, { m: memberNo }, wang)).member);
  assert.deepEqual(await shown(), { labels: customFields.map((v) => v.label), values: customFields.map((v) => v.value) });
  assert.deepEqual(customFields.map((v) => v.value), ['已婚', '38.5']);

  // Two notes; the newest first, by their writer, when.
  const add = notes.getByRole('form', { name: '添加备注' });
  for (const body of ['喜欢素色，周末到店。\n下次上新提醒她。', '电话确认：鞋码 38.5。']) {
    await add.getByLabel('新备注', { exact: true }).fill(body);
    await add.getByRole('button', { name: '添加备注' }).tap();
    await notes.locator('li[data-note] .body').filter({ hasText: body.split('\n')[0] }).waitFor();
  }
  await add.getByRole('status').filter({ hasText: '已添加备注。' }).waitFor();
  assert.equal(await add.getByLabel('新备注', { exact: true }).inputValue(), '');
  const { notes: written } = (await stack.graphql(CARD, { m: memberNo }, wang)).member;
  assert.equal(written.length, 2);
  assert.deepEqual(written.map((n) => n.body), ['电话确认：鞋码 38.5。', '喜欢素色，周末到店。\n下次上新提醒她。'], 'newest first');
  assert.ok(written.every((n) => n.writtenBy?.username === 'wang' && n.writtenBy.displayName === '王店员'));
  const cards = await notes.locator('li[data-note]').evaluateAll((lis) =>
    lis.map((li) => ({ id: li.dataset.note, by: li.querySelector('.by').textContent, body: li.querySelector('.body').textContent })),
  );
  assert.deepEqual(cards, written.map((n) => ({ id: n.id, by: `王店员 · ${zhDateTime(n.createdAt)}`, body: n.body })));

  // All of it on the phone: nothing scrolls sideways, both blocks inside the screen.
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
  assert.ok(width <= 0, `the member card scrolls ${width}px sideways`);
  for (const region of [about, notes]) {
    const box = await region.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `a block spans ${box.x}–${box.x + box.width}px`);
  }
  await about.getByRole('button', { name: '修改画像' }).tap();
  await shoe.waitFor();
  const formWidth = await page.evaluate(() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
  assert.ok(formWidth <= 0, `the open form scrolls ${formWidth}px sideways`);
  await form.getByRole('button', { name: '取消' }).tap();
  await about.locator('dl').waitFor();
  await about.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${shots}/member-profile-phone.png` });
  await page.context().close();
});

test('a marketer filters a segment on the brand\u2019s choice field, a number and openComplaint; the counts are the API\u2019s', async () => {
  // More members with values (all stores), and open complaints for two of the married ones.
  const { members } = await stack.graphql('{ members(first: 40, orderBy: { field: MEMBER_NO, direction: DESC }) { edges { node { memberNo } } } }');
  const others = members.edges.map((e) => e.node.memberNo).filter((no) => no !== memberNo);
  const plan = [['已婚', '36'], ['已婚', '39'], ['已婚', '41.5'], ['未婚', '37'], ['有孩子', '40'], ['已婚', '']];
  for (const [i, [family, size]] of plan.entries()) {
    await stack.graphql(SET, { m: others[i], v: [{ key: 'family', value: family }, { key: 'shoe_size', value: size }] });
  }
  const complain = 'mutation($in: FeedbackInput!) { recordFeedback(input: $in) { id } }';
  for (const no of [memberNo, others[1]]) await stack.graphql(complain, { in: { memberNo: no, kind: 'COMPLAINT', body: '尺码不合适' } });
  const count = async (filter) =>
    (await stack.graphql('query($f: SegmentFilter!) { segmentPreview(filter: $f, first: 1) { count } }', { f: filter }, mei)).segmentPreview.count;

  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.goto(`${stack.base}/console/#/segments/new`);
  await page.getByRole('heading', { name: '新建分群' }).waitFor();
  const node = (path) => page.locator(`[data-path="${path}"]`);

  // The API's fields, then the brand's, under their own heading by their labels.
  const { segmentFields } = await stack.graphql('{ segmentFields { name } }', {}, mei);
  const fieldSelect = node('filter.and[0]').getByRole('combobox', { name: '字段' });
  await fieldSelect.locator('option[value="custom.family"]').waitFor({ state: 'attached' });
  const offered = await fieldSelect.locator('option').evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual(offered.sort(), [...segmentFields.map((f) => f.name), 'custom.family', 'custom.shoe_size'].sort());
  const brand = await fieldSelect.locator('optgroup[label="品牌自定义字段"] option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(brand, [['custom.family', '家庭状况'], ['custom.shoe_size', '鞋码']]);
  assert.equal(await fieldSelect.locator('option[value=openComplaint]').textContent(), '有未解决的投诉');

  // Condition 1: family is 已婚 (the new condition starts as "is one of"; the field's words).
  await fieldSelect.selectOption('custom.family');
  const first = node('filter.and[0]');
  assert.equal(await first.getByRole('combobox', { name: '运算' }).inputValue(), 'IN');
  assert.deepEqual(await first.getByRole('group', { name: '取值' }).getByRole('checkbox').evaluateAll((cs) => cs.map((c) => c.parentElement.textContent.trim())),
    ['已婚', '未婚', '有孩子', '离异']);
  await first.getByRole('checkbox', { name: '已婚' }).check();
  const married = { field: { field: 'custom.family', op: 'IN', values: ['已婚'] } };
  const expectedMarried = await count(married);
  assert.equal(expectedMarried, 5, 'wang\u2019s member and four more');
  await page.locator(`[data-live-count="${expectedMarried}"]`).waitFor();

  // Condition 2: shoe size ≥ 38, sent as a number; a word is refused at its node first.
  await page.getByRole('button', { name: '+ 条件', exact: true }).click();
  const second = node('filter.and[1]');
  await second.getByRole('combobox', { name: '字段' }).selectOption('custom.shoe_size');
  await second.getByRole('combobox', { name: '运算' }).selectOption('GE');
  const size = second.getByRole('textbox', { name: '值' });
  await size.fill('大码');
  await second.getByRole('alert').filter({ hasText: '请输入数字。' }).waitFor();
  assert.equal(await size.getAttribute('aria-invalid'), 'true');
  await size.fill('38');
  const big = { field: { field: 'custom.shoe_size', op: 'GE', value: 38 } };
  const expectedBig = await count({ and: [married, big] });
  assert.equal(expectedBig, 3, '38.5, 39 and 41.5');
  await page.locator(`[data-live-count="${expectedBig}"]`).waitFor();
  assert.equal(await second.getByRole('alert').count(), 0);

  // Condition 3: has an open complaint.
  await page.getByRole('button', { name: '+ 条件', exact: true }).click();
  const third = node('filter.and[2]');
  await third.getByRole('combobox', { name: '字段' }).selectOption('openComplaint');
  await third.getByRole('combobox', { name: '运算' }).selectOption('EQ');
  await third.getByRole('combobox', { name: '值' }).selectOption({ label: '是' });
  const open = { field: { field: 'openComplaint', op: 'EQ', value: true } };
  const final = (await stack.graphql('query($f: SegmentFilter!) { segmentPreview(filter: $f, first: 10) { count edges { node { memberNo } } } }',
    { f: { and: [married, big, open] } }, mei)).segmentPreview;
  const found = final.edges.map((e) => e.node.memberNo);
  assert.ok(found.includes(memberNo) && found.includes(others[1]) && final.count < expectedBig, `the two who complained: ${found}`);
  await page.locator(`[data-live-count="${final.count}"]`).waitFor();
  const listed = await page.locator('section[aria-labelledby=live] tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(listed.sort(), found.sort());

  // In English, the labels too.
  await page.getByRole('combobox', { name: '语言' }).first().selectOption('en');
  const english = node('filter.and[0]').getByRole('combobox', { name: 'Field' });
  assert.equal(await english.locator('optgroup[label="The brand\u2019s member fields"] option[value="custom.family"]').textContent(), '家庭状况');
  assert.equal(await english.locator('option[value=openComplaint]').textContent(), 'Open complaint');
  await page.getByRole('combobox', { name: 'Language' }).first().selectOption('zh-CN');

  // The marketer's member card: the values, but neither the form nor the notes.
  await page.goto(`${stack.base}/console/#/member/${encodeURIComponent(memberNo)}`);
  const about = page.getByRole('region', { name: '会员画像' });
  await about.locator('dl dd').first().waitFor();
  const { customFields } = (await stack.graphql('query($m: String!) { member(memberNo: $m) { customFields { label value } } }', { m: memberNo }, mei)).member;
  assert.deepEqual(await about.locator('dl dt').allInnerTexts(), customFields.map((v) => v.label));
  assert.deepEqual(await about.locator('dl dd').allInnerTexts(), customFields.map((v) => v.value));
  assert.equal(await about.getByRole('button', { name: '修改画像' }).count(), 0);
  assert.equal(await page.getByRole('region', { name: '店员备注' }).count(), 0);
  assert.equal(await page.locator('.error').count(), 0, 'nothing refused');
  const forbidden = await attempt('query($m: String!) { member(memberNo: $m) { notes(first: 1) { id } } }', { m: memberNo }, mei);
  assert.equal(forbidden.errors[0].extensions.code, 'FORBIDDEN', 'the API keeps the notes from marketers');
  await page.context().close();
});
