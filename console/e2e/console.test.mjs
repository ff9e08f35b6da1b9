// The console end to end in Debian's chromium: sign-in and sign-out, the dashboard against the
// API, a template with a deliberate error, an associate's call list, both languages (the
// browser's on a first visit), every page's icon and nothing missing, GraphiQL offline, an
// admin's app keys, token revocation and a disabled staff user. Screenshots for
// docs/console.md are taken on the way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { PASSWORD, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
let stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
  // Nothing may be loaded from outside 127.0.0.1, and no page may fail.
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

/** The Subject header, with RFC 2047 encoded words decoded. */
function subjectOf(raw) {
  const header = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = header.split(/\r?\n/).find((l) => /^subject:/i.test(l)) ?? '';
  return line
    .replace(/^subject:\s*/i, '')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind, text) =>
      kind.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeURIComponent(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, '%$1')),
    );
}

const percent = (locale, value) =>
  new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);

test('sign-in refuses a wrong password, keeps the token out of the URL, and signs out', async () => {
  const page = await stack.newPage();
  await page.goto(`${stack.base}/console/`);
  await page.getByRole('heading', { name: '登录 Patron' }).waitFor();
  await page.screenshot({ path: `${shots}/sign-in.png` });
  await page.locator('input[name=username]').fill('mei');
  await page.locator('input[name=password]').fill('not the password');
  await page.locator('form button[type=submit]').click();
  // Refused with a key the Chinese console says in Chinese.
  await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();

  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  const token = await page.evaluate(() => sessionStorage.getItem('patron.token'));
  assert.ok(token && token.split('.').length === 3, 'a bearer token in sessionStorage');
  assert.ok(!page.url().includes(token), 'the token is not in the URL');
  const me = await stack.graphql('{ me { role staff { username } } }', {}, token);
  assert.deepEqual(me.me, { role: 'MARKETER', staff: { username: 'mei' } });

  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('heading', { name: '登录 Patron' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('patron.token')), null);

  // A token that stops working sends the user back to sign-in.
  await page.evaluate(() => sessionStorage.setItem('patron.token', 'x.y.z'));
  await page.goto(`${stack.base}/console/?reload#/members`);
  await page.getByText('登录已失效，请重新登录。').waitFor();
  await page.context().close();
});

test('the dashboard shows the API\u2019s numbers, and a quadrant opens its members', async () => {
  const { analyticsRun: run } = await stack.graphql(`{ analyticsRun { asOf
    kpis { repurchaseRate churnRate referralRate top20RevenueShare activeMembers }
    loyaltyQuadrants { key count } } }`);
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  for (const field of ['repurchaseRate', 'churnRate', 'referralRate', 'top20RevenueShare']) {
    const shown = await page.locator(`[data-kpi=${field}] .value`).textContent();
    assert.equal(shown, percent('zh-CN', run.kpis[field]), field);
  }
  assert.equal(
    await page.locator('[data-kpi=activeMembers] .value').textContent(),
    new Intl.NumberFormat('zh-CN').format(run.kpis.activeMembers),
  );
  const friends = run.loyaltyQuadrants.find((q) => q.key === 'true_friend')?.count ?? 0;
  assert.ok(friends > 0, 'the demo has true friends');
  const cell = page.locator('[data-cell=true_friend]');
  assert.equal(await cell.locator('strong').textContent(), new Intl.NumberFormat('zh-CN').format(friends));
  await page.locator('svg').first().waitFor();
  await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });

  await cell.click();
  await page.getByRole('heading', { name: '会员' }).waitFor();
  await page.locator(`[data-total="${friends}"]`).waitFor();
  await page.screenshot({ path: `${shots}/members.png` });

  await page.locator('tbody a').first().click();
  await page.getByRole('heading', { name: '分析结果' }).waitFor();
  await page.getByText('存活概率由 BG/NBD 模型估计').waitFor();
  // A marketer sees contact details masked.
  await page.locator('[data-masked=true]').waitFor();
  assert.match((await page.locator('[data-field=phone]').textContent()) ?? '', /\*\*\*\*/);
  await page.screenshot({ path: `${shots}/member.png`, fullPage: true });
  await page.context().close();
});

test('a template with a deliberate error is flagged at its line; the fixed one is test-sent', async () => {
  // An English browser gets the English console on a first visit.
  const page = await stack.newPage({ locale: 'en' });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Email templates' }).waitFor();
  await page.getByText('The template renders.').waitFor();

  // Break line 2 of the HTML: an `if` without a condition.
  const html = page.getByRole('textbox', { name: 'HTML', exact: true });
  await html.click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('{% if %}');
  const problem = page.locator('[data-problem=html]');
  await problem.waitFor();
  assert.match((await problem.textContent()) ?? '', /^html, line 2: .*syntax error/);
  await page.locator('.cm-problem-line[data-problem-line="2"]').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true);
  await page.screenshot({ path: `${shots}/templates-error.png`, fullPage: true });

  // Clear the broken line again.
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.press('Backspace');
  await page.getByText('The template renders.').waitFor();
  const before = stack.mails().length;
  await page.getByRole('button', { name: 'Send a test to mei@brand.example' }).click();
  await page.getByText('Test email sent to mei@brand.example.').waitFor();
  const sent = stack.mails().slice(before);
  assert.equal(sent.length, 1, 'one message reached the SMTP server');
  assert.deepEqual(sent[0].envelope.rcpt_tos, ['mei@brand.example']);
  assert.match(subjectOf(sent[0].raw), /^\[TEST\] /);
  await page.context().close();
});

test('an SMS template as the provider approved it: a placeholder left unfilled is refused, the saved one previews with its length', async () => {
  const page = await stack.newPage({ locale: 'en' });
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.getByRole('link', { name: 'SMS & WeChat' }).click();
  await page.getByRole('heading', { name: 'SMS and WeChat templates' }).waitFor();
  const sms = page.locator('[data-sms]');
  // The shipped birthday wording, without a provider code yet.
  await sms.getByRole('textbox', { name: 'Approved wording' }).fill('${name}您好，${gift}已备好。拒收请回复R');
  await sms.getByRole('textbox', { name: 'Template code approved by the provider' }).fill('SMS_274830001');
  await sms.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'no parameter fills ${gift}' }).waitFor();

  await sms.getByRole('textbox', { name: 'Approved wording' }).fill('${name}您好，生日礼遇已备好。拒收请回复R');
  await sms.getByRole('button', { name: 'Save' }).click();
  // The shipped wording's ${brand} is gone, so is its parameter: the provider would refuse it.
  await page.getByRole('alert').filter({ hasText: 'the wording has no placeholder for brand' }).waitFor();
  await sms.getByRole('button', { name: 'Remove' }).nth(1).click();
  await sms.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  const preview = page.locator('[data-sms-preview]');
  await preview.waitFor();
  const { members } = await stack.graphql('{ members(first: 1) { edges { node { name } } } }');
  const name = members.edges[0].node.name;
  const text = `${name}您好，生日礼遇已备好。拒收请回复R`;
  await preview.getByText(text).waitFor();
  await preview.getByText(`${[...text].length} characters, 1 billed message(s)`).waitFor();
  const { smsTemplates } = await stack.graphql('{ smsTemplates { kind locale custom templateCode } }');
  assert.deepEqual(
    smsTemplates.find((x) => x.kind === 'birthday' && x.locale === 'zh-CN'),
    { kind: 'birthday', locale: 'zh-CN', custom: true, templateCode: 'SMS_274830001' },
  );
  // A WeChat template message: its fields filled in for the member once saved.
  const wechat = page.locator('[data-wechat]');
  await wechat.getByRole('textbox', { name: 'Template ID' }).fill('TM-birthday');
  await wechat.getByRole('button', { name: 'Save' }).click();
  await wechat.locator('[data-wechat-preview]').getByText(name, { exact: true }).waitFor();
  await page.screenshot({ path: `${shots}/channel-templates-en.png`, fullPage: true });
  await page.context().close();
});

test('an associate\u2019s call list on a tablet: masked contacts, one tap records an outcome', async () => {
  const page = await stack.newPage({ viewport: { width: 1024, height: 768 }, hasTouch: true, isMobile: true });
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  const cards = page.locator('[data-member]');
  await cards.first().waitFor();
  const count = await cards.count();
  assert.ok(count > 0, 'lapsed members to call');
  const phone = (await cards.first().locator('[data-field=phone]').textContent()) ?? '';
  assert.match(phone, /^\d{3}\*\*\*\*\d{4}$/, 'unassigned members\u2019 phones are masked');
  await page.screenshot({ path: `${shots}/call-list.png` });

  const first = await cards.first().getAttribute('data-member');
  await cards.first().getByRole('button', { name: '将到店' }).tap();
  await cards.first().getByText('已记录：将到店').waitFor();
  const { auditLog } = await stack.graphql('query($m:String){ auditLog(target:$m, first:5) { action actor } }', { m: first });
  assert.ok(auditLog.some((e) => e.action === 'member.call_outcome'), JSON.stringify(auditLog));
  // Recorded, the member leaves the list for the cooldown.
  await page.reload();
  await page.getByRole('heading', { name: '我的回访名单' }).waitFor();
  await page.locator('[data-member]').first().waitFor({ state: 'attached' }).catch(() => {});
  assert.equal(await page.locator(`[data-member="${first}"]`).count(), 0);

  // The associate sees neither the dashboard nor templates in the navigation.
  const nav = await page.getByRole('navigation', { name: '主导航' }).textContent();
  assert.ok(!nav.includes('概览') && !nav.includes('邮件模板'), nav);
  await page.context().close();
});

test('both languages: English throughout after switching, remembered across a reload', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.getByRole('link', { name: '节假日' }).click();
  await page.locator('[data-holiday=spring_festival]').waitFor();
  const zhName = await page.locator('[data-holiday=spring_festival] td').nth(1).textContent();
  assert.match(zhName ?? '', /春节/);
  await page.getByRole('combobox', { name: '语言' }).first().selectOption('en');
  await page.getByRole('heading', { name: 'Holidays' }).waitFor();
  assert.match((await page.locator('[data-holiday=spring_festival] td').nth(1).textContent()) ?? '', /Spring Festival/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.screenshot({ path: `${shots}/holidays-en.png` });
  await page.reload();
  await page.getByRole('heading', { name: 'Holidays' }).waitFor();
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const { analyticsRun: run } = await stack.graphql('{ analyticsRun { kpis { churnRate } } }');
  const churn = await page.locator('[data-kpi=churnRate] .value').textContent();
  assert.equal(churn, percent('en', run.kpis.churnRate));
  assert.equal(await page.locator('[data-kpi=repurchaseRate] .name').textContent(), 'Repurchase rate');
  await page.context().close();
});

test('on a first visit the console speaks the browser\u2019s language; one chosen with the switch is kept', async () => {
  for (const [locale, title, lang] of [['en-US', 'Sign in to Patron', 'en'], ['zh-CN', '登录 Patron', 'zh-CN']]) {
    const page = await stack.newPage({ locale });
    await page.goto(`${stack.base}/console/`);
    await page.getByRole('heading', { name: title }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang, locale);
    await page.context().close();
  }
  // Chosen with the switch, a language wins over the browser's from then on.
  const page = await stack.newPage({ locale: 'en-US' });
  await page.goto(`${stack.base}/console/`);
  await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await page.getByRole('heading', { name: '登录 Patron' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: '登录 Patron' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await page.context().close();
});

test('no page load asks for something the server lacks: the console and GraphiQL name their icon, /favicon.ico answers', async () => {
  for (const [path, icon] of [['/console/', '/console/favicon.svg'], ['/graphiql', '/console/favicon.svg'], ['/healthz', '/favicon.ico']]) {
    // Not routed: Playwright's routing keeps the browser from asking for a page's icon. The
    // DevTools protocol sees every request and answer instead.
    const page = await stack.newPage({}, { routed: false });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const elsewhere = [];
    const failed = [];
    cdp.on('Network.requestWillBeSent', ({ request }) => {
      const url = new URL(request.url);
      if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1') elsewhere.push(request.url);
    });
    // GraphiQL asks for the schema before anyone signed in: that 401 is expected.
    cdp.on('Network.responseReceived', ({ response }) => {
      if (response.status >= 400 && response.status !== 401) failed.push(`${response.status} ${response.url}`);
    });
    const answered = new Promise((resolve, reject) => {
      const late = setTimeout(() => reject(new Error(`${path}: the browser did not get ${icon}`)), 15000);
      const seen = ({ response }) => {
        if (new URL(response.url).pathname !== icon) return;
        clearTimeout(late);
        cdp.off('Network.responseReceived', seen);
        resolve(response);
      };
      cdp.on('Network.responseReceived', seen);
    });
    await page.goto(`${stack.base}${path}`);
    // A page without an icon of its own (the health check's JSON) gets it at /favicon.ico.
    if (icon !== '/favicon.ico') assert.equal(await page.locator('link[rel=icon]').getAttribute('href'), icon, path);
    const response = await answered;
    assert.equal(response.status, 200, `${path}: ${icon}`);
    assert.equal(response.mimeType, 'image/svg+xml', `${path}: ${icon}`);
    if (path === '/graphiql') await page.locator('.graphiql-container').waitFor();
    assert.deepEqual(failed, [], `${path}: answers that failed`);
    assert.deepEqual(elsewhere, [], `${path}: requests outside 127.0.0.1`);
    await page.context().close();
  }
});

test('GraphiQL loads from the binary, reads the schema and answers with the console\u2019s token', async () => {
  const page = await stack.newPage();
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  await page.goto(`${stack.base}/graphiql`);
  await page.locator('.graphiql-container').waitFor();
  // The console's token is in GraphiQL's headers.
  await page.locator('.graphiql-editor-tool').getByText(/"Bearer ey/).waitFor();
  // The docs explorer reads the schema with the standard introspection query.
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  await page.locator('.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).click();
  await page.locator('.graphiql-doc-explorer-field-name', { hasText: /^segmentPreview$/ }).waitFor();
  await page.context().close();
});

test('an admin makes an app key, an app gets a member token with it, both are revoked; a staff user is disabled and enabled', async () => {
  const issue = (key, memberNo) =>
    fetch(`${stack.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($k:String!,$m:String!){ issueMemberToken(appKey:$k, memberNo:$m){ token } }',
        variables: { k: key, m: memberNo },
      }),
    }).then((r) => r.json());
  const memberNo = (await stack.graphql('{ members(first:1){ edges { node { memberNo } } } }')).members.edges[0].node.memberNo;

  const page = await stack.newPage({ locale: 'en-US' });
  await signIn(page, stack.base, 'lin');
  await page.getByRole('link', { name: /访问|Access/ }).click();
  await page.getByLabel(/应用名称|Name of the app/).fill('Till app');
  await page.getByRole('button', { name: /创建密钥|Create key/ }).click();
  const key = (await page.locator('[data-created-key] code').textContent()).trim();
  assert.match(key, /^patron_app_/);
  await page.locator('[data-app-key="Till app"]').waitFor();
  await page.screenshot({ path: `${shots}/access.png` });

  const memberToken = (await issue(key, memberNo)).data.issueMemberToken.token;
  const me = await stack.graphql('{ me { role } }', {}, memberToken);
  assert.equal(me.me.role, 'MEMBER');

  // Every token of the member stops working at once.
  await page.getByLabel(/^(会员号|Member no\.)/).last().fill(memberNo);
  await page.locator('form[aria-labelledby=revoke-holder] button[type=submit]').click();
  await page.getByRole('status').filter({ hasText: memberNo }).waitFor();
  await assert.rejects(stack.graphql('{ me { role } }', {}, memberToken), /UNAUTHENTICATED/);

  // The key itself, after the confirmation.
  page.once('dialog', (dialog) => dialog.accept());
  await page.locator('[data-app-key="Till app"]').getByRole('button').click();
  await page.locator('[data-app-key="Till app"] button').waitFor({ state: 'detached' });
  const refused = await issue(key, memberNo);
  assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(refused));

  // A colleague who left, disabled after the confirmation that names them: their token stops
  // working and their sign-in is refused; enabled again, they sign in.
  const signInAs = 'mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }';
  const wangToken = (await stack.graphql(signInAs, { u: 'wang', p: PASSWORD })).signIn.token;
  const wang = page.locator('[data-staff-user=wang]');
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    dialog.accept();
  });
  await wang.getByRole('button', { name: /停用|Disable/ }).click();
  await page.getByRole('status').filter({ hasText: /已停用|is disabled/ }).waitFor();
  assert.match(asked, /王店员 \(wang\)/);
  await wang.getByText(/自 .+ 起停用|disabled since/).waitFor();
  await assert.rejects(stack.graphql('{ me { role } }', {}, wangToken), /UNAUTHENTICATED/);
  const wangPage = await stack.newPage();
  await signIn(wangPage, stack.base, 'wang');
  await wangPage.getByRole('alert').filter({ hasText: '此员工账号已停用' }).waitFor();

  await wang.getByRole('button', { name: /启用|Enable/ }).click();
  await page.getByRole('status').filter({ hasText: /可以重新登录|can sign in again/ }).waitFor();
  await wang.getByRole('button', { name: /停用|Disable/ }).waitFor();
  await wangPage.locator('form button[type=submit]').click();
  await wangPage.getByRole('heading', { name: '我的回访名单' }).waitFor();

  // Nobody disables themself: the refusal shows as the page's other errors do, in the
  // console's words (the API names it by its key, staff.notYourself).
  page.once('dialog', (dialog) => dialog.accept());
  await page.locator('[data-staff-user=lin]').getByRole('button', { name: /停用|Disable/ }).click();
  await page.getByRole('alert').filter({ hasText: 'username: You cannot disable yourself' }).waitFor();
  await wangPage.context().close();
  await page.context().close();
});

test('a marketer defines an offer; an associate issues it at the counter and redeems it with an order', async () => {
  const marketer = await stack.newPage();
  await signIn(marketer, stack.base, 'mei');
  await marketer.getByRole('link', { name: '优惠券' }).click();
  const form = marketer.locator('form[aria-labelledby=define-offer]');
  await form.getByLabel('名称').fill('会员满减');
  await form.getByLabel('减免金额').fill('20');
  await form.getByLabel('最低消费').fill('100');
  await form.getByRole('button', { name: '保存' }).click();
  await marketer.locator('[data-offer="会员满减"]').waitFor();

  // The associate's member, and an order of theirs at the store.
  const signInAs = 'mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }';
  const wang = (await stack.graphql(signInAs, { u: 'wang', p: PASSWORD })).signIn.token;
  const memberNo = (await stack.graphql('{ members(first:1){ edges { node { memberNo } } } }', {}, wang)).members.edges[0].node
    .memberNo;
  const order = 'E2E-COUPON-1';
  const purchase = 'mutation($in: PurchaseInput!){ recordPurchase(input: $in){ id } }';
  await stack.graphql(purchase, { in: { memberNo, orderId: order, occurredAt: new Date().toISOString(), amount: '130.00' } }, wang);

  const page = await stack.newPage({ viewport: { width: 820, height: 1180 } });
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: /呼叫|回访|call/i }).first().waitFor();
  await page.goto(`${stack.base}/console/#/member/${encodeURIComponent(memberNo)}`);
  const issue = page.locator('form[aria-label="发放优惠券"]');
  await issue.getByLabel('优惠').selectOption({ label: '会员满减' });
  await issue.getByRole('button', { name: '发放优惠券' }).click();
  await page.getByRole('status').filter({ hasText: '已发放' }).waitFor();
  const code = await page.locator('[data-coupon]').first().getAttribute('data-coupon');
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$/);
  await page.locator(`[data-coupon="${code}"]`).filter({ hasText: '可用' }).waitFor();

  // Typed as a member reads it out: lower case, with spaces.
  const redeem = page.locator('form[aria-label="到店核销"]');
  await redeem.getByLabel('券码').fill(code.toLowerCase().replaceAll('-', ' '));
  await redeem.getByLabel('订单').fill(order);
  await redeem.getByRole('button', { name: '到店核销' }).click();
  await page.getByRole('status').filter({ hasText: `已核销 ${code}` }).waitFor();
  await page.locator(`[data-coupon="${code}"]`).filter({ hasText: '已核销' }).waitFor();
  await page.screenshot({ path: `${shots}/coupons.png` });

  // The offer's report counts it.
  await marketer.reload();
  await marketer.locator('[data-offer="会员满减"]').filter({ hasText: '100%' }).waitFor();

  // A draft campaign gives each recipient a code of it, chosen on its form.
  const create = 'mutation($in: CampaignInput!){ createCampaign(input: $in){ id } }';
  const draft = (await stack.graphql(create, { in: { name: '回馈老客', allMembers: true } })).createCampaign.id;
  await marketer.goto(`${stack.base}/console/#/campaigns/${draft}`);
  await marketer.getByLabel('每位收件人一张优惠券').selectOption({ label: '会员满减' });
  await marketer.getByRole('button', { name: '保存', exact: true }).click();
  await marketer.getByRole('status').waitFor();
  const saved = await stack.graphql('query($id: ID!){ campaign(id: $id){ coupon { name } } }', { id: draft });
  assert.deepEqual(saved.campaign.coupon, { name: '会员满减' });
  await marketer.context().close();
  await page.context().close();
});

test('a marketer imports an offer\u2019s codes from the POS; an associate redeems it as a reward for a member\u2019s points', async () => {
  const marketer = await stack.newPage();
  await signIn(marketer, stack.base, 'mei');
  await marketer.getByRole('link', { name: '优惠券' }).click();
  const form = marketer.locator('form[aria-labelledby=define-offer]');
  await form.getByLabel('名称').fill('POS 代金券');
  await form.getByLabel('减免金额').fill('10');
  await form.getByLabel('积分价格').fill('200');
  await form.getByLabel('券码从 POS 导入').check();
  await form.getByRole('button', { name: '保存' }).click();
  await marketer.locator('[data-offer="POS 代金券"] [data-codes-left="0"]').waitFor();

  // A CSV with a header, a blank line and a bad row: the bad row is the third code sent but the
  // file's fifth line.
  const importer = marketer.locator('[data-import="POS 代金券"]');
  const csv = 'code,note\nPOS-0001,first\npos-0002,second\n\nnot a code!,typo\nPOS-0003,third\n';
  await importer.getByLabel('为“POS 代金券”导入券码').setInputFiles({ name: 'codes.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await importer.getByRole('status').filter({ hasText: '新增 3 个，已存在 0 个，拒绝 1 个。' }).waitFor();
  assert.deepEqual(await importer.locator('[data-rejected] li').evaluateAll((items) => items.map((li) => li.dataset.line)), ['5']);
  assert.match(await importer.locator('[data-rejected] li').innerText(), /^第 5 行：code: "not a code!" is not a code/);
  await marketer.locator('[data-offer="POS 代金券"] [data-codes-left="3"]').waitFor();

  // A plain list longer than one call: sent in two, a row of the second call still at its line.
  const list = ['POS-0001', ...Array.from({ length: 1000 }, (_, i) => `BULK-${i + 1}`), 'bad code'].join('\n');
  await importer.getByLabel('为“POS 代金券”导入券码').setInputFiles({ name: 'codes.txt', mimeType: 'text/plain', buffer: Buffer.from(list) });
  await importer.getByRole('status').filter({ hasText: '新增 1,000 个，已存在 1 个，拒绝 1 个。' }).waitFor();
  assert.match(await importer.locator('[data-rejected] li').innerText(), /^第 1002 行：/);
  await marketer.locator('[data-offer="POS 代金券"] [data-codes-left="1003"]').waitFor();

  // The rewards catalogue lists it at its price, with the codes it can still give.
  const listed = marketer.locator('[data-reward="POS 代金券"]');
  assert.deepEqual(await listed.locator('td').allInnerTexts(), ['POS 代金券', '200', '1,003', '发放后 30 天']);

  // The associate's member, with points to spend.
  const signInAs = 'mutation($u:String!,$p:String!){ signIn(username:$u, password:$p){ token } }';
  const wang = (await stack.graphql(signInAs, { u: 'wang', p: PASSWORD })).signIn.token;
  const memberNo = (await stack.graphql('{ members(first:1){ edges { node { memberNo } } } }', {}, wang)).members.edges[0].node
    .memberNo;
  const balance = async () => (await stack.graphql('query($m:String!){ member(memberNo:$m){ pointsBalance } }', { m: memberNo })).member.pointsBalance;
  await stack.graphql('mutation($m:String!){ earnPoints(memberNo:$m, points:500, reason:"e2e reward") { id } }', { m: memberNo });
  const before = await balance();

  const page = await stack.newPage({ viewport: { width: 820, height: 1180 } });
  await signIn(page, stack.base, 'wang');
  await page.getByRole('heading', { name: /呼叫|回访|call/i }).first().waitFor();
  await page.goto(`${stack.base}/console/#/member/${encodeURIComponent(memberNo)}`);
  const reward = page.locator('form[aria-label="积分兑换"]');
  await reward.getByLabel('奖励').selectOption({ label: 'POS 代金券 · 200 积分' });
  await reward.getByRole('button', { name: '积分兑换' }).click();
  await page.getByRole('status').filter({ hasText: '已用 200 积分兑换 POS-0001' }).waitFor();
  // The first imported code, and the balance 200 lower, on the card as in the API.
  await page.locator('[data-coupon="POS-0001"]').filter({ hasText: 'POS 代金券' }).filter({ hasText: '可用' }).waitFor();
  await page.getByText(`余额：${(before - 200).toLocaleString('zh-CN')}`).waitFor();
  assert.equal(await balance(), before - 200);
  await marketer.reload();
  await marketer.locator('[data-offer="POS 代金券"] [data-codes-left="1002"]').waitFor();

  // Points spent elsewhere meanwhile: the refusal shows by the form; after a reload the card
  // offers nothing the member cannot afford.
  await stack.graphql('mutation($m:String!, $p:Int!){ redeemPoints(memberNo:$m, points:$p, reason:"e2e") { id } }', {
    m: memberNo,
    p: before - 200,
  });
  await reward.getByRole('button', { name: '积分兑换' }).click();
  await page.locator('form[aria-label="积分兑换"] + [role=alert]').filter({ hasText: /^points: / }).waitFor();
  assert.equal(await balance(), 0);
  await page.reload();
  await page.locator('[data-no-reward]').filter({ hasText: '该会员的积分不足以兑换任何奖励。' }).waitFor();
  assert.equal(await page.locator('form[aria-label="积分兑换"]').count(), 0);
  await marketer.context().close();
  await page.context().close();
});
