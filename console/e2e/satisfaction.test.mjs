// Satisfaction end to end in Debian's chromium, on data the real binary makes: a server asking
// its surveys the day of the purchase (PATRON_SURVEYS__DAYS_AFTER=0) on the NPS scale; two stores
// of the test's own, an associate, members with email consent and an order each today; the
// built-in "Satisfaction survey" campaign without a holdout; the `satisfaction-survey` job through
// the API (NPS), then once more from the CLI on the CSAT scale for a second group; the outbox
// job mails the surveys to the SMTP sink, and each member answers by POSTing the survey page's
// form to the link in their email. The API's report is checked against a hand computation; the
// dashboard's Satisfaction section shows exactly the API's figures (overall, per month, per store,
// per associate) for the default period and the configured scale, one store, the other scale, an
// empty period, in Chinese and in English, and reads on a phone without sideways scroll. The
// member card shows a survey's score with its scale. A screenshot for docs/console.md is taken.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { BRAND_ZONE, PASSWORD, PHONE, brandDay, signIn, startStack } from './server.mjs';

const shots = resolve(import.meta.dirname, '../../docs/console');
/** A desktop browser at the brand: its today is the brand's. */
const DESKTOP = { timezoneId: BRAND_ZONE };
let stack;

before(async () => {
  stack = await startStack({ env: { PATRON_SURVEYS__DAYS_AFTER: '0', PATRON_SURVEYS__SCALE: 'nps' } });
});

after(async () => {
  await stack?.stop();
  assert.deepEqual(stack?.blocked ?? [], [], 'requests outside 127.0.0.1');
  assert.deepEqual(stack?.problems ?? [], [], 'page errors');
});

// Who answers what. NPS (the server's scale): five at SV01 (one does not answer), one at SV02;
// CSAT (the CLI's run): four at SV01 (one does not answer). zhou looks after some of them.
const members = [
  { no: 'SV-N1', name: '吴一', store: 'SV01', associate: 'zhou', scale: 'NPS', score: 10 },
  { no: 'SV-N2', name: '吴二', store: 'SV01', associate: 'zhou', scale: 'NPS', score: 3 },
  { no: 'SV-N3', name: '吴三', store: 'SV01', associate: null, scale: 'NPS', score: 9 },
  { no: 'SV-N4', name: '吴四', store: 'SV01', associate: null, scale: 'NPS', score: 7 },
  { no: 'SV-N5', name: '吴五', store: 'SV01', associate: 'zhou', scale: 'NPS', score: null },
  { no: 'SV-N6', name: '吴六', store: 'SV02', associate: null, scale: 'NPS', score: 6 },
  { no: 'SV-C1', name: '郑一', store: 'SV01', associate: 'zhou', scale: 'CSAT', score: 5 },
  { no: 'SV-C2', name: '郑二', store: 'SV01', associate: null, scale: 'CSAT', score: 4 },
  { no: 'SV-C3', name: '郑三', store: 'SV01', associate: 'zhou', scale: 'CSAT', score: 2 },
  { no: 'SV-C4', name: '郑四', store: 'SV01', associate: null, scale: 'CSAT', score: null },
];
const emailOf = (m) => `${m.no.toLowerCase()}@survey.example`;

/** The day the orders were made and the surveys asked, in the brand's zone (set by the first test). */
let day;
const from = brandDay(89);
const to = brandDay(0);

const FIGURES = 'asked answered responseRate average score high low';
const REPORT = `query($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $store: String) {
  satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $store) {
    scale
    overall { ${FIGURES} }
    byStore { store { code name } figures { ${FIGURES} } }
    byAssociate { associate { username displayName } figures { ${FIGURES} } }
    byMonth { month figures { ${FIGURES} } }
  } }`;
const report = async (variables) => (await stack.graphql(REPORT, { from, to, ...variables })).satisfactionReport;

/** A MIME message's parts' bodies, decoded (base64 or quoted-printable), as text. */
function bodies(raw) {
  return raw.split(/\r?\n--[^\r\n]+\r?\n/).map((part) => {
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
      const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    return body;
  });
}

async function answer(token, fields) {
  const response = await fetch(`${stack.base}/survey/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, text: await response.text() };
}

// The dashboard's formatting, written out again: the API's decimals in the page's language.
const texts = {
  'zh-CN': { none: '暂无回答', of: (a, b) => `${a} / ${b}`, noAssociate: '无专属店员' },
  en: { none: 'no answers yet', of: (a, b) => `${a} of ${b}`, noAssociate: 'No associate' },
};
function expected(scale, f, locale) {
  const num = (v, digits) => new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  const pct = (v) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(Number(v) / 100);
  const points = (v) => new Intl.NumberFormat(locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(Number(v));
  return {
    score: f.score === null ? texts[locale].none : scale === 'CSAT' ? pct(f.score) : points(f.score),
    average: f.average === null ? '—' : num(Number(f.average), 2),
    answered: texts[locale].of(num(f.answered, 0), num(f.asked, 0)),
    responseRate: f.responseRate === null ? '—' : pct(f.responseRate),
  };
}

/** What a figures element (the overall KPIs, a table row) shows, by `data-figure`. */
async function shown(locator) {
  const cells = await locator.locator('[data-figure]').evaluateAll((all) =>
    all.map((c) => [c.dataset.figure, c.textContent.trim().replace(/\s+/g, ' ')]));
  const { meaning, ...figures } = Object.fromEntries(cells);
  return figures;
}

/** The section shows `r` (the API's report for its choices) in `locale`, figure by figure. */
async function showsReport(section, r, locale) {
  const s = r.scale;
  assert.deepEqual(await shown(section.locator('[data-overall]')), expected(s, r.overall, locale), 'overall');
  if (r.overall.asked === 0) return;
  for (const row of r.byStore) {
    assert.deepEqual(await shown(section.locator(`tr[data-store="${row.store?.code ?? ''}"]`)), expected(s, row.figures, locale), `store ${row.store?.code}`);
  }
  assert.equal(await section.locator('tr[data-store]').count(), r.byStore.length, 'a row per store');
  for (const row of r.byAssociate) {
    const tr = section.locator(`tr[data-associate="${row.associate?.username ?? ''}"]`);
    assert.deepEqual(await shown(tr), expected(s, row.figures, locale), `associate ${row.associate?.username}`);
    const name = (await tr.locator('th').textContent()).trim().replace(/\s+/g, ' ');
    assert.equal(name, row.associate ? `${row.associate.displayName} ${row.associate.username}` : texts[locale].noAssociate);
  }
  assert.equal(await section.locator('tr[data-associate]').count(), r.byAssociate.length, 'a row per associate');
  // Every month of the period; those without surveys read as nobody answering.
  const months = await section.locator('tr[data-month]').evaluateAll((rows) => rows.map((row) => row.dataset.month));
  assert.deepEqual(months, monthsOf(from, to), 'every month of the period');
  const nobody = { asked: 0, answered: 0, responseRate: null, average: null, score: null };
  for (const month of months) {
    const figures = r.byMonth.find((m) => m.month === month)?.figures ?? nobody;
    assert.deepEqual(await shown(section.locator(`tr[data-month="${month}"]`)), expected(s, figures, locale), `month ${month}`);
  }
  assert.ok(r.byMonth.every((m) => months.includes(m.month)), 'every month the API gives is shown');
}

/** `YYYY-MM` of each month from `first` through `last`. */
function monthsOf(first, last) {
  const all = [];
  for (let [y, m] = first.split('-').map(Number); `${y}-${String(m).padStart(2, '0')}` <= last.slice(0, 7); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    all.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  return all;
}

/** The section's report is the one asked for. */
const ready = (section, scale, store = '') =>
  section.locator(`.shown[data-scale="${scale}"][data-store="${store}"][data-from="${from}"][data-to="${to}"]`).waitFor();

/** The page is no wider than the phone, and nothing in the section scrolls sideways. */
async function fitsThePhone(page, section, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${what}: ${width}px wide at a 390px viewport`);
  const wide = await section.locator('.card, .rows, table').evaluateAll((all) =>
    all.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`));
  assert.deepEqual(wide, [], `${what}: nothing scrolls sideways`);
}

test('surveys asked by the real jobs, mailed, and answered through their links; the API\u2019s report is the hand computation', async () => {
  const { graphql } = stack;
  await graphql('mutation { createStore(code: "SV01", name: "静安满意店", city: "上海") { code } }');
  await graphql('mutation { createStore(code: "SV02", name: "徐汇满意店", city: "上海") { code } }');
  await graphql('mutation($in: StaffInput!) { createStaffUser(input: $in) { username } }', {
    in: { username: 'zhou', displayName: '周店员', role: 'ASSOCIATE', storeCode: 'SV01' },
  });
  const create = 'mutation($no: String!, $in: MemberFields!) { createMember(memberNo: $no, input: $in) { memberNo } }';
  for (const m of members) {
    await graphql(create, { no: m.no, in: { name: m.name, email: emailOf(m), emailConsent: true, consentSource: 'store-form', storeCode: m.store } });
    if (m.associate) await graphql('mutation($m: String!, $u: String) { assignAssociate(memberNo: $m, username: $u) { memberNo } }', { m: m.no, u: m.associate });
  }
  // The built-in campaign that sends them, with nobody held out.
  const { campaigns } = await graphql('{ campaigns { id kind name } }');
  const campaign = campaigns.find((c) => c.kind === 'SATISFACTION_SURVEY');
  assert.equal(campaign?.name, 'Satisfaction survey');
  await graphql('mutation($id: ID!, $in: CampaignInput!) { updateCampaign(id: $id, input: $in) { id } }', { id: campaign.id, in: { holdoutShare: '0' } });
  const { campaign: saved } = await graphql('query($id: ID!) { campaign(id: $id) { holdoutShare } }', { id: campaign.id });
  assert.equal(Number(saved.holdoutShare), 0);

  // An order each, a minute ago: the surveys are asked on that day in the brand's zone.
  const at = new Date(Date.now() - 60_000);
  day = new Intl.DateTimeFormat('en-CA', { timeZone: BRAND_ZONE }).format(at);
  const buy = 'mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }';
  const order = (m) => graphql(buy, { in: { memberNo: m.no, orderId: `${m.no}-ORDER`, amount: '388.00', storeCode: m.store, occurredAt: at.toISOString() } });
  // The NPS group's orders, then the job through the API (the server's scale: NPS).
  for (const m of members.filter((x) => x.scale === 'NPS')) await order(m);
  const run = await graphql('mutation($d: NaiveDate) { runJob(name: "satisfaction-survey", asOf: $d) { status error } }', { d: day });
  assert.deepEqual(run.runJob, { status: 'succeeded', error: null });
  // The CSAT group's orders, then the job from the CLI on the CSAT scale (the NPS group were
  // asked today already: one survey a member a day).
  for (const m of members.filter((x) => x.scale === 'CSAT')) await order(m);
  stack.patron(['jobs', 'run', 'satisfaction-survey', '--as-of', day], undefined, { PATRON_SURVEYS__SCALE: 'csat' });
  assert.equal((await graphql('mutation { runJob(name: "outbox") { status } }')).runJob.status, 'succeeded');

  // Each member's email carries their survey's link: /survey/<member>.<day>.<signature>.
  const tokens = new Map();
  for (const mail of stack.mails()) {
    const [to] = mail.envelope.rcpt_tos;
    if (!to.endsWith('@survey.example')) continue;
    const links = new Set(bodies(mail.raw).flatMap((text) => [...text.matchAll(/\/survey\/(\d+\.\d{4}-\d{2}-\d{2}\.[\w-]+)/g)].map((x) => x[1])));
    assert.equal(links.size, 1, `${to}: one survey link, ${[...links]}`);
    tokens.set(to, [...links][0]);
  }
  assert.deepEqual([...tokens.keys()].sort(), members.map(emailOf).sort(), 'a survey email to each member');
  for (const token of tokens.values()) assert.equal(token.split('.')[1], day, 'asked today');

  // A score off the scale is refused and records nothing; then each member answers once.
  const refused = await answer(tokens.get(emailOf(members[0])), { score: '11', comment: '' });
  assert.match(refused.text, /a score from 0 to 10/);
  for (const m of members.filter((x) => x.score !== null)) {
    const reply = await answer(tokens.get(emailOf(m)), { score: String(m.score), comment: `${m.name}：服务很好` });
    assert.equal(reply.status, 200, m.no);
    assert.match(reply.text, /We have your answer/, m.no);
  }
  const again = await answer(tokens.get(emailOf(members[0])), { score: '0', comment: '' });
  assert.match(again.text, /already answered/);

  // By hand, SV01 on NPS: 10, 3, 9, 7 answered (one of five did not): promoters 2, detractors 1,
  // (2 − 1) / 4 = 25.0 points; mean 29 / 4 = 7.25; 4 of 5 = 80.0%. zhou's: 10 and 3 of three
  // asked: 0.0, mean 6.50, 66.7%; nobody's: 9 and 7: 50.0, mean 8.00. SV02's one 6: −100.0.
  const nps = await report({ scale: 'NPS', store: 'SV01' });
  const f = (asked, answered, responseRate, average, score, high, low) => ({ asked, answered, responseRate, average, score, high, low });
  assert.equal(nps.scale, 'NPS');
  assert.deepEqual(nps.overall, f(5, 4, '80.0', '7.25', '25.0', 2, 1));
  assert.deepEqual(nps.byStore, [{ store: { code: 'SV01', name: '静安满意店' }, figures: nps.overall }]);
  // Associates in id order, the surveys without one last.
  assert.deepEqual(nps.byAssociate, [
    { associate: { username: 'zhou', displayName: '周店员' }, figures: f(3, 2, '66.7', '6.50', '0.0', 1, 1) },
    { associate: null, figures: f(2, 2, '100.0', '8.00', '50.0', 1, 0) },
  ]);
  assert.deepEqual(nps.byMonth, [{ month: day.slice(0, 7), figures: nps.overall }]);
  // By hand, SV01 on CSAT: 5, 4, 2 answered (one of four did not): 2 of 3 answered 4 or 5 = 66.7%;
  // mean 11 / 3 = 3.67; 3 of 4 = 75.0%. zhou's: 5 and 2: 50.0%, mean 3.50; nobody's: 4 of two asked.
  const csat = await report({ scale: 'CSAT', store: 'SV01' });
  assert.deepEqual(csat.overall, f(4, 3, '75.0', '3.67', '66.7', 2, 1));
  assert.deepEqual(csat.byAssociate, [
    { associate: { username: 'zhou', displayName: '周店员' }, figures: f(2, 2, '100.0', '3.50', '50.0', 1, 1) },
    { associate: null, figures: f(2, 1, '50.0', '4.00', '100.0', 1, 0) },
  ]);
  // Every store: the test's two (the demo's members may have been asked today too).
  const all = await report({});
  assert.equal(all.scale, 'NPS', 'the configured scale when none is asked for');
  const byCode = Object.fromEntries(all.byStore.map((r) => [r.store?.code, r.figures]));
  assert.deepEqual(byCode.SV01, nps.overall);
  assert.deepEqual(byCode.SV02, f(1, 1, '100.0', '6.00', '-100.0', 0, 1));

  // Planners and admins only: an associate is refused.
  const associate = await graphql('mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { token } }', { u: 'wang', p: PASSWORD });
  await assert.rejects(
    stack.graphql('query($f: NaiveDate!, $t: NaiveDate!) { satisfactionReport(from: $f, to: $t) { scale } }', { f: from, t: to }, associate.signIn.token),
    /FORBIDDEN|not allowed|forbidden/i,
  );
});

test('the dashboard shows the API\u2019s satisfaction figures: every store, one store, the other scale, an empty period; in Chinese and English', async () => {
  assert.ok(day, 'the surveys were answered');
  const page = await stack.newPage(DESKTOP);
  await signIn(page, stack.base, 'mei');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  const section = page.getByRole('region', { name: '满意度' });
  await section.waitFor();
  // The last 90 days up to today, on the configured scale, every store.
  assert.deepEqual([await section.getByLabel('调查发出日期起').inputValue(), await section.getByLabel('截至').inputValue()], [from, to]);
  await ready(section, 'NPS');
  assert.equal(await section.getByRole('radio', { name: 'NPS（0–10 分）' }).isChecked(), true);
  assert.equal(await section.getByRole('radio', { name: 'CSAT（1–5 分）' }).isChecked(), false);
  assert.equal(await section.getByRole('combobox', { name: '门店' }).inputValue(), '');
  await showsReport(section, await report({}), 'zh-CN');
  await section.locator('svg').first().waitFor();
  await section.screenshot({ path: `${shots}/satisfaction.png` });

  // One store: the hand-computed figures, what the score means, and nobody's row.
  await section.getByRole('combobox', { name: '门店' }).selectOption({ label: '静安满意店' });
  await ready(section, 'NPS', 'SV01');
  const nps = await report({ scale: 'NPS', store: 'SV01' });
  await showsReport(section, nps, 'zh-CN');
  assert.equal(await section.locator('[data-overall] [data-figure=score]').textContent(), '+25');
  assert.equal(await section.locator('[data-overall] [data-figure=average]').textContent(), '7.25');
  assert.equal(
    await section.locator('[data-overall] [data-figure=meaning]').textContent(),
    '推荐者（9–10 分）减贬损者（0–6 分），−100 至 100：4 份回答中推荐者 2 位、贬损者 1 位',
  );
  await section.locator('tr[data-associate=""]').getByText('无专属店员').waitFor();

  // The other scale.
  await section.getByText('CSAT（1–5 分）').click();
  await ready(section, 'CSAT', 'SV01');
  assert.equal(await section.getByRole('radio', { name: 'CSAT（1–5 分）' }).isChecked(), true);
  const csat = await report({ scale: 'CSAT', store: 'SV01' });
  await showsReport(section, csat, 'zh-CN');
  assert.equal(await section.locator('[data-overall] [data-figure=score]').textContent(), '66.7%');
  assert.equal(await section.locator('[data-overall] [data-figure=average]').textContent(), '3.67');
  assert.equal(await section.locator('[data-overall] [data-figure=answered]').textContent(), '3 / 4');
  assert.equal(await section.locator('[data-overall] [data-figure=responseRate]').textContent(), '75%');
  assert.equal(await section.getByRole('alert').count(), 0);

  // In English: the same figures, in English.
  await page.getByRole('combobox', { name: '语言' }).first().selectOption('en');
  const english = page.getByRole('region', { name: 'Satisfaction' });
  await english.getByRole('heading', { name: 'By associate' }).waitFor();
  await showsReport(english, csat, 'en');
  assert.equal(await english.locator('[data-overall] [data-figure=answered]').textContent(), '3 of 4');
  assert.equal(await english.locator('[data-overall] [data-figure=meaning]').textContent(), '2 of 3 answered 4 or 5; 1 answered 1 or 2');
  await english.locator('tr[data-associate=""]').getByText('No associate').waitFor();
  await english.getByText('NPS (0–10)').click();
  await ready(english, 'NPS', 'SV01');
  await showsReport(english, nps, 'en');

  // A period without surveys reads as such.
  const [emptyFrom, emptyTo] = [brandDay(400), brandDay(380)];
  await english.getByLabel('Asked from').fill(emptyFrom);
  await english.getByLabel('Through').fill(emptyTo);
  await english.locator(`.shown[data-from="${emptyFrom}"][data-to="${emptyTo}"]`).waitFor();
  const empty = (await stack.graphql(REPORT, { scale: 'NPS', from: emptyFrom, to: emptyTo, store: 'SV01' })).satisfactionReport;
  assert.equal(empty.overall.asked, 0);
  assert.deepEqual(await shown(english.locator('[data-overall]')), expected('NPS', empty.overall, 'en'));
  assert.equal(await english.locator('[data-overall] [data-figure=score]').textContent(), 'no answers yet');
  await english.locator('[data-empty]').getByText('No surveys went out in this period: no answers yet.').waitFor();
  assert.equal(await english.locator('tr').count(), 0, 'no tables of nothing');
  // The end before the start is refused by the field.
  await english.getByLabel('Through').fill(brandDay(401));
  await english.getByRole('alert').waitFor();
  assert.equal(await english.getByLabel('Through').getAttribute('aria-invalid'), 'true');
  await page.context().close();
});

test('the member card shows a survey\u2019s score with its scale', async () => {
  const page = await stack.newPage(DESKTOP);
  await signIn(page, stack.base, 'lin');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  for (const [no, text] of [['SV-N1', 'NPS 10/10'], ['SV-C3', 'CSAT 2/5']]) {
    const { member } = await stack.graphql('query($m: String!) { member(memberNo: $m) { feedback(first: 5) { nodes { id kind score scale body } } } }', { m: no });
    const [feedback] = member.feedback.nodes;
    assert.deepEqual([feedback.kind, feedback.scale], ['SATISFACTION', no.startsWith('SV-N') ? 'NPS' : 'CSAT']);
    await page.goto(`${stack.base}/console/#/member/${no}`);
    const row = page.locator(`tr[data-feedback="${feedback.id}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-field=score]').textContent(), text);
    await row.getByText(feedback.body).waitFor();
  }
  await page.context().close();
});

test('on a phone: an admin reads satisfaction without sideways scroll', async () => {
  const page = await stack.newPage(PHONE);
  await signIn(page, stack.base, 'lin');
  await page.getByRole('heading', { name: '概览' }).waitFor();
  const section = page.getByRole('region', { name: '满意度' });
  await ready(section, 'NPS');
  await section.locator('svg').first().waitFor();
  await fitsThePhone(page, section, 'satisfaction, every store');
  await section.getByRole('combobox', { name: '门店' }).selectOption({ label: '静安满意店' });
  await ready(section, 'NPS', 'SV01');
  await showsReport(section, await report({ scale: 'NPS', store: 'SV01' }), 'zh-CN');
  await section.getByText('CSAT（1–5 分）').tap();
  await ready(section, 'CSAT', 'SV01');
  await showsReport(section, await report({ scale: 'CSAT', store: 'SV01' }), 'zh-CN');
  await fitsThePhone(page, section, 'satisfaction, one store');
  await page.context().close();
});
