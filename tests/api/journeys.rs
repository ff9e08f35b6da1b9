//! Journeys, stepped through days with `jobs run journeys --as-of D`: the shipped win-back
//! journey sends its email, waits a week, takes out who bought, sends the SMS with the offer,
//! waits two weeks, and gives the rest to their associate, for exactly the members a
//! hand-computed fixture says; runs cut short at any point, or doubled as two replicas would,
//! never run a step twice; and the report's uplift is the test's own arithmetic.
use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use jobs::campaigns::holdout::held_out_of;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const JOURNEYS: &str = "{ journeys { id key status draft } }";
const SAVE: &str = "mutation($id: ID!, $d: JSON!) { saveJourney(id: $id, definition: $d) { id } }";
const PUBLISH: &str = "mutation($id: ID!) { publishJourney(id: $id) { status version { number } } }";
const REPORT: &str = "query($id: ID!) { journey(id: $id) { report {
    entered heldOut active done exited
    steps { version node path kind waiting passed }
    treated { members buyers revenue } control { members buyers revenue }
    uplift { upliftPerMember } } } }";

/// Lapsed repeat buyers in the fixture.
const LAPSED: usize = 40;

/// The fixture: who is who, and the journey as published.
struct Fixture {
    app: TestApp,
    admin: String,
    journey: String,
    email: i64,
    sms: i64,
    /// Members of the control group, and the rest (sent to), by member number, in id order.
    held: Vec<String>,
    sent: Vec<String>,
    /// The first day.
    d0: NaiveDate,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut csv = "member_no,name,email,email_consent,phone,sms_consent\n".to_owned();
    for n in 1..=LAPSED {
        csv.push_str(&format!("W{n:02},会员{n},w{n}@example.com,true,139{n:08},true\n"));
    }
    csv.push_str("N1,没流失,n1@example.com,true,13700000001,true\n");
    app.import("members", &csv).await;
    let today = app.jobs.today();
    app.run_job("analytics", &today.to_string()).await.expect("analytics");
    // The run's figures as the fixture has them: every W lapsed after three orders.
    sql(&app, "UPDATE member_metrics SET lapsed = false").await;
    sql(
        &app,
        "UPDATE member_metrics SET lapsed = true, orders_total = 3 \
         WHERE member_id IN (SELECT id FROM members WHERE member_no LIKE 'W%')",
    )
    .await;
    let offer = app
        .ok(
            &admin,
            "mutation($in: CouponDefinitionInput!) { defineCoupon(input: $in) { id } }",
            json!({ "in": { "name": "Come back 50", "kind": "AMOUNT_OFF", "amountOff": "50.00", "validDays": 30 } }),
        )
        .await["defineCoupon"]["id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    let journeys = app.ok(&admin, JOURNEYS, json!({})).await;
    let winback = journeys["journeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["key"] == "winback")
        .unwrap()
        .clone();
    assert_eq!(winback["status"], "DRAFT", "shipped journeys are off");
    let journey = winback["id"].as_str().unwrap().to_owned();
    let mut draft = winback["draft"].clone();
    let (email, sms) = (
        draft["steps"][0]["campaignId"].as_i64().unwrap(),
        draft["steps"][2]["campaignId"].as_i64().unwrap(),
    );
    assert_eq!(draft["steps"][4]["type"], "task");

    // A coupon step without its offer is refused at its place, and so is an empty wait after it.
    let mut broken = draft.clone();
    let steps = broken["steps"].as_array_mut().unwrap();
    steps.push(json!({ "type": "coupon" }));
    steps.push(json!({ "type": "wait" }));
    app.ok(&admin, SAVE, json!({ "id": journey, "d": broken })).await;
    let refused = app.graphql(&admin, PUBLISH, json!({ "id": journey })).await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("steps[5].offerId".to_owned()))
    );
    assert_eq!(refused["errors"][0]["extensions"]["key"], "journey.noOffer");
    let fields: Vec<&str> = refused["errors"][0]["extensions"]["params"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["steps[5].offerId", "steps[6].days"]);

    // The SMS carries the offer; a quarter of those who enter are the control group.
    draft["steps"][2]["offerId"] = json!(offer);
    draft["holdoutBasisPoints"] = json!(2_500);
    app.ok(&admin, SAVE, json!({ "id": journey, "d": draft })).await;
    let published = app.ok(&admin, PUBLISH, json!({ "id": journey })).await;
    assert_eq!(published["publishJourney"]["status"], "LIVE");
    assert_eq!(published["publishJourney"]["version"]["number"], 1);

    let journey_id: i64 = journey.parse().unwrap();
    let (mut held, mut sent) = (Vec::new(), Vec::new());
    for (id, no) in members(&app).await {
        if no.starts_with('W') {
            let group = if held_out_of(&format!("journey:{journey_id}"), id, 2_500) {
                &mut held
            } else {
                &mut sent
            };
            group.push(no);
        }
    }
    assert!(held.len() >= 2 && sent.len() >= 10, "held {held:?}, sent {sent:?}");
    Fixture {
        app,
        admin,
        journey,
        email,
        sms,
        held,
        sent,
        d0: today - Days::new(30),
    }
}

async fn sql(app: &TestApp, statement: &str) {
    app.db.execute_unprepared(statement).await.unwrap();
}

/// (id, member number) of every member, by id.
async fn members(app: &TestApp) -> Vec<(i64, String)> {
    rows(app, "SELECT id, member_no FROM members ORDER BY id")
        .await
        .into_iter()
        .map(|row| (row.0, row.1))
        .collect()
}

async fn rows(app: &TestApp, sql: &str) -> Vec<(i64, String)> {
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all(Statement::from_string(backend, sql)).await.unwrap();
    rows.iter()
        .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap()))
        .collect()
}

/// Member numbers a query of `member_no`s gives, as a set (a duplicate fails the test).
async fn who(app: &TestApp, sql: &str) -> BTreeSet<String> {
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all(Statement::from_string(backend, sql)).await.unwrap();
    let numbers: Vec<String> = rows.iter().map(|r| r.try_get_by_index(0).unwrap()).collect();
    let set: BTreeSet<String> = numbers.iter().cloned().collect();
    assert_eq!(set.len(), numbers.len(), "twice: {numbers:?}");
    set
}

impl Fixture {
    fn day(&self, n: u64) -> NaiveDate {
        self.d0 + Days::new(n)
    }

    async fn buy(&self, no: &str, order: &str, day: NaiveDate, amount: &str) {
        let bought = self
            .app
            .record_purchase(&self.admin, no, order, &format!("{day}T04:00:00Z"), amount)
            .await;
        assert!(bought["errors"].is_null(), "{bought}");
    }

    /// Who the outbox has a message of `campaign` for.
    async fn messaged(&self, campaign: i64) -> BTreeSet<String> {
        who(
            &self.app,
            &format!("SELECT m.member_no FROM outbox o JOIN members m ON m.id = o.member_id WHERE o.campaign_id = {campaign}"),
        )
        .await
    }

    /// Who holds a code the SMS step gave (its message's occurrence is the step's).
    async fn coupons(&self) -> BTreeSet<String> {
        who(
            &self.app,
            &format!(
                "SELECT m.member_no FROM coupons c JOIN members m ON m.id = c.member_id \
                 WHERE c.reference LIKE 'campaign:{}:journey:%'",
                self.sms
            ),
        )
        .await
    }

    async fn tasks(&self) -> BTreeSet<String> {
        who(
            &self.app,
            "SELECT m.member_no FROM tasks t JOIN members m ON m.id = t.member_id \
             WHERE t.kind = 'journey_call' AND NOT t.held_out",
        )
        .await
    }

    async fn report(&self) -> Value {
        self.app.ok(&self.admin, REPORT, json!({ "id": self.journey })).await["journey"]["report"].clone()
    }

    /// What the hand-computed fixture says after each step of the days.
    async fn expect(&self, emailed: &[String], texted: &[String], called: &[String]) {
        let set = |list: &[String]| list.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(self.messaged(self.email).await, set(emailed), "emailed");
        assert_eq!(self.messaged(self.sms).await, set(texted), "texted");
        assert_eq!(self.coupons().await, set(texted), "given the offer with the SMS");
        assert_eq!(self.tasks().await, set(called), "called");
    }
}

/// The fixture's days: D0 every lapsed member enters; five of those sent to buy on D0+3, and a
/// held-out member on D0+5; on D0+7 the five exit and the rest get the SMS and a code; one
/// more buys on D0+10; on D0+21 they exit and the rest get a call. `run` runs the job for a day.
async fn step_through<F, Fut>(f: &Fixture, run: F)
where
    F: Fn(NaiveDate) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (sent, held) = (&f.sent, &f.held);
    run(f.day(0)).await;
    f.expect(sent, &[], &[]).await;
    for (i, no) in sent.iter().take(5).enumerate() {
        f.buy(no, &format!("B{i}"), f.day(3), &format!("{}.00", 100 * (i + 1)))
            .await;
    }
    f.buy(&held[0], "H0", f.day(5), "300.00").await;
    run(f.day(3)).await;
    f.expect(sent, &[], &[]).await;
    run(f.day(7)).await;
    f.expect(sent, &sent[5..], &[]).await;
    f.buy(&sent[5], "B5", f.day(10), "500.00").await;
    run(f.day(21)).await;
    f.expect(sent, &sent[5..], &sent[6..]).await;
    run(f.day(21)).await;
    f.expect(sent, &sent[5..], &sent[6..]).await;
}

#[tokio::test]
async fn the_shipped_winback_journey_reaches_exactly_whom_the_fixture_says_and_reports_its_uplift() {
    let f = fixture().await;
    let app = &f.app;
    step_through(&f, |day| async move {
        app.run_job("journeys", &day.to_string()).await.expect("journeys");
    })
    .await;

    let report = f.report().await;
    let (sent, held) = (f.sent.len() as i64, f.held.len() as i64);
    assert_eq!(report["entered"], json!(sent + held));
    assert_eq!(report["heldOut"], json!(held));
    assert_eq!(report["exited"], 6, "six bought and left");
    assert_eq!(report["done"], json!(sent - 6), "the rest went through to the call");
    assert_eq!(report["active"], 0);
    // Who went through each step of version 1: a buyer leaves during the wait after their
    // message, before going through it.
    let passed: Vec<(String, i64)> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap().to_owned(), s["passed"].as_i64().unwrap()))
        .collect();
    let kinds = ["send", "wait", "send", "wait", "task"].map(str::to_owned);
    let expected: Vec<(String, i64)> = kinds
        .into_iter()
        .zip([sent, sent - 5, sent - 5, sent - 6, sent - 6])
        .collect();
    assert_eq!(passed, expected);
    // Revenue in the 30 days after entry: 100+200+300+400+500 and 500 among those sent to,
    // 300 in the control group.
    assert_eq!(
        report["treated"],
        json!({ "members": sent, "buyers": 6, "revenue": "2000.00" })
    );
    assert_eq!(
        report["control"],
        json!({ "members": held, "buyers": 1, "revenue": "300.00" })
    );
    let uplift = Decimal::from(2000) / Decimal::from(sent) - Decimal::from(300) / Decimal::from(held);
    let reported: Decimal = report["uplift"]["upliftPerMember"].as_str().unwrap().parse().unwrap();
    assert_eq!(reported, uplift.round_dp(2));
}

/// Each day's run is killed (SIGKILL) three times once it has started, at a random moment, its
/// lease then cleared as its expiry would; then two runs start at once, as two replicas'
/// schedulers would. Whatever a kill interrupted, every step reaches each member once.
#[tokio::test]
async fn runs_killed_mid_way_or_started_twice_at_once_never_run_a_step_twice() {
    let f = fixture().await;
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(27);
    let delays: Vec<u64> = (0..15).map(|_| random.gen_range(0..6)).collect();
    let kills = std::sync::atomic::AtomicUsize::new(0);
    step_through(&f, |day| {
        let (f, delays, kills) = (&f, &delays, &kills);
        async move {
            for _ in 0..3 {
                let delay = delays[kills.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % delays.len()];
                kill_mid_run(&f.app, day, delay).await;
            }
            let mut replicas: Vec<_> = (0..2)
                .map(|_| run_cli(&f.app, day).spawn().expect("start a run"))
                .collect();
            let finished: Vec<bool> = replicas.iter_mut().map(|r| r.wait().expect("wait").success()).collect();
            assert!(
                finished.contains(&true),
                "one of two runs at once completes: {finished:?}"
            );
        }
    })
    .await;
    assert_eq!(f.report().await["done"], json!(f.sent.len() as i64 - 6));
    let cut = rows(
        &f.app,
        "SELECT COUNT(*), 'cut' FROM job_runs WHERE job = 'journeys' AND finished_at IS NULL",
    )
    .await;
    eprintln!("{} of 15 killed runs were cut short before finishing", cut[0].0);
}

/// `patron jobs run journeys --as-of day` against the test's database.
fn run_cli(app: &TestApp, day: NaiveDate) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_patron"));
    command
        .args(["jobs", "run", "journeys", "--as-of", &day.to_string()])
        .envs(app.database.env())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Starts `patron jobs run journeys --as-of day`, waits until its run is recorded as started,
/// kills it `delay_ms` later, and clears the lease it held.
async fn kill_mid_run(app: &TestApp, day: NaiveDate, delay_ms: u64) {
    let runs = || async { rows(app, "SELECT COUNT(*), 'runs' FROM job_runs WHERE job = 'journeys'").await[0].0 };
    let before = runs().await;
    let mut child = run_cli(app, day).spawn().expect("start a run");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while runs().await == before && child.try_wait().expect("poll the run").is_none() {
        assert!(std::time::Instant::now() < deadline, "the run never started");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    child.kill().expect("SIGKILL"); // no chance to clean up
    child.wait().expect("reap");
    sql(app, "DELETE FROM job_leases").await;
}

const CREATE: &str = "mutation($name: String!, $d: JSON!) { createJourney(name: $name, definition: $d) { id status } }";

/// A journey message (a campaign of kind JOURNEY) and, with `template`, its email template.
async fn message(app: &TestApp, admin: &str, name: &str, template: bool) -> i64 {
    let input = json!({ "name": name, "kind": "JOURNEY", "channels": ["EMAIL"] });
    let made = app
        .ok(
            admin,
            "mutation($in: CampaignInput!) { createCampaign(input: $in) { id kind templateKind } }",
            json!({ "in": input }),
        )
        .await["createCampaign"]
        .clone();
    assert_eq!(made["kind"], "JOURNEY");
    if template {
        let input = json!({ "kind": made["templateKind"], "locale": "zh-CN", "subject": "谢谢 {{ member.name }}",
            "text": "你好 {{ member.name }}\n退订: {{ unsubscribe_url }}",
            "html": "<p>你好 {{ member.name }}</p><a href=\"{{ unsubscribe_url }}\">退订</a>" });
        app.ok(
            admin,
            "mutation($in: TemplateInput!) { saveEmailTemplate(input: $in) }",
            json!({ "in": input }),
        )
        .await;
    }
    made["id"].as_str().unwrap().parse().unwrap()
}

/// A purchase enters it; tier A members get a code; an A/B split sends one of two messages; a
/// redeemed code within the wait leads to a thank-you call and then the follow-up, the rest
/// leave. Published again mid-way, the members already in finish on version 1 and a new one
/// enters version 2.
#[tokio::test]
async fn branches_splits_waits_for_events_and_versions_move_each_member_their_own_way() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut csv = "member_no,name,email,email_consent\n".to_owned();
    for n in 1..=7 {
        csv.push_str(&format!("E{n},会员{n},e{n}@example.com,true\n"));
    }
    app.import("members", &csv).await;
    let today = app.jobs.today();
    app.run_job("analytics", &today.to_string()).await.expect("analytics");
    sql(&app, "UPDATE member_metrics SET tier = 'D'").await;
    sql(
        &app,
        "UPDATE member_metrics SET tier = 'A' WHERE member_id IN (SELECT id FROM members WHERE member_no IN ('E1', 'E2'))",
    )
    .await;
    let offer: i64 = app
        .ok(
            &admin,
            "mutation($in: CouponDefinitionInput!) { defineCoupon(input: $in) { id } }",
            json!({ "in": { "name": "Thanks 20", "kind": "AMOUNT_OFF", "amountOff": "20.00", "validDays": 30 } }),
        )
        .await["defineCoupon"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (a, b) = (
        message(&app, &admin, "Arm A", true).await,
        message(&app, &admin, "Arm B", false).await,
    );
    let stage = json!({ "key": "stage", "label": "阶段", "kind": "CHOICE", "choices": ["returned", "lapsed"] });
    app.ok(
        &admin,
        "mutation($in: MemberFieldInput!) { defineMemberField(input: $in) { key } }",
        json!({ "in": stage }),
    )
    .await;
    let definition = |timeout: u32, stage: &str| {
        json!({
            "entry": { "type": "event", "event": "purchased" },
            "steps": [
                { "type": "branch", "filter": { "field": { "field": "tier", "op": "IN", "values": ["A"] } },
                  "then": [{ "type": "coupon", "offerId": offer }] },
                { "type": "split", "arms": [
                    { "name": "A", "percent": 50, "steps": [{ "type": "send", "campaignId": a }] },
                    { "name": "B", "percent": 50, "steps": [{ "type": "send", "campaignId": b }] } ] },
                { "type": "waitFor", "event": { "type": "redeemedCoupon" }, "timeoutDays": timeout,
                  "then": [{ "type": "setField", "key": "stage", "value": stage },
                           { "type": "task", "reason": "Thank them for coming back", "openDays": 3 }],
                  "timeout": [{ "type": "exit" }] },
                { "type": "task", "reason": "Follow up", "openDays": 3 }
            ]
        })
    };
    let created = app
        .ok(
            &admin,
            CREATE,
            json!({ "name": "Thank-you", "d": definition(1, "back") }),
        )
        .await;
    let journey = created["createJourney"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["createJourney"]["status"], "DRAFT");
    // A message without its template, and a value the field does not take, are refused where
    // they are written.
    let refused = app.graphql(&admin, PUBLISH, json!({ "id": journey })).await;
    assert_eq!(
        first_error(&refused),
        (
            "BAD_USER_INPUT".to_owned(),
            Some("steps[1].arms[1].steps[0].campaignId".to_owned())
        )
    );
    let problems: Vec<(String, String)> = refused["errors"][0]["extensions"]["params"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap().to_owned(),
                p["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (
                "steps[1].arms[1].steps[0].campaignId".to_owned(),
                "journey.noTemplate".to_owned()
            ),
            ("steps[2].then[0].value".to_owned(), "memberField.notChoice".to_owned()),
        ]
    );
    // A journey message lives by its journeys.
    let cancel = "mutation($id: ID!) { cancelCampaign(id: $id) { status } }";
    let refused = app.graphql(&admin, cancel, json!({ "id": b.to_string() })).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["key"], "campaign.journeyMessage",
        "{refused}"
    );
    let template = app
        .ok(
            &admin,
            "query($id: ID!) { campaign(id: $id) { templateKind } }",
            json!({ "id": b.to_string() }),
        )
        .await;
    let input = json!({ "kind": template["campaign"]["templateKind"], "locale": "en", "subject": "Thanks",
        "text": "Hi {{ member.name }}\nUnsubscribe: {{ unsubscribe_url }}",
        "html": "<p>Hi</p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a>" });
    app.ok(
        &admin,
        "mutation($in: TemplateInput!) { saveEmailTemplate(input: $in) }",
        json!({ "in": input }),
    )
    .await;
    app.ok(&admin, SAVE, json!({ "id": journey, "d": definition(1, "returned") }))
        .await;
    let published = app.ok(&admin, PUBLISH, json!({ "id": journey })).await;
    assert_eq!(published["publishJourney"]["version"]["number"], 1);
    let version_of = |n: i64| {
        let app = &app;
        let journey = journey.clone();
        async move {
            rows(
                app,
                &format!("SELECT id, CAST(number AS TEXT) FROM journey_versions WHERE journey_id = {journey} AND number = {n}"),
            )
            .await[0]
                .0
        }
    };
    let v1 = version_of(1).await;

    // Two days ago E1–E6 bought; E7 buys only today.
    let d0 = today - Days::new(2);
    for n in 1..=6 {
        let bought = app
            .record_purchase(
                &admin,
                &format!("E{n}"),
                &format!("P{n}"),
                &format!("{d0}T04:00:00Z"),
                "80.00",
            )
            .await;
        assert!(bought["errors"].is_null(), "{bought}");
    }
    app.run_job("journeys", &d0.to_string()).await.expect("journeys");
    let coupon_holders = who(
        &app,
        "SELECT m.member_no FROM coupons c JOIN members m ON m.id = c.member_id WHERE c.source = 'journey'",
    )
    .await;
    assert_eq!(coupon_holders, ["E1", "E2"].map(str::to_owned).into());
    // The split: the stable hash's bucket below 5,000 takes arm A, the step being number 1.
    let (mut arm_a, mut arm_b) = (BTreeSet::new(), BTreeSet::new());
    for (id, no) in members(&app).await {
        let bucket = jobs::campaigns::holdout::bucket(&format!("journey:{v1}:split:1"), id);
        if no != "E7" {
            if bucket < 5_000 { &mut arm_a } else { &mut arm_b }.insert(no);
        }
    }
    let messaged = |campaign: i64| {
        let app = &app;
        async move {
            who(
                app,
                &format!("SELECT m.member_no FROM outbox o JOIN members m ON m.id = o.member_id WHERE o.campaign_id = {campaign}"),
            )
            .await
        }
    };
    assert_eq!(messaged(a).await, arm_a);
    assert_eq!(messaged(b).await, arm_b);

    // E1 redeems their code today; version 2 waits five days instead of one; E7 buys.
    let code = rows(
        &app,
        "SELECT c.id, c.code FROM coupons c JOIN members m ON m.id = c.member_id WHERE m.member_no = 'E1'",
    )
    .await[0]
        .1
        .clone();
    let now = chrono::Utc::now().to_rfc3339();
    app.record_purchase(&admin, "E1", "P1-again", &now, "120.00").await;
    app.ok(
        &admin,
        "mutation($code: String!, $order: String!) { redeemCoupon(code: $code, orderId: $order) { state } }",
        json!({ "code": code, "order": "P1-again" }),
    )
    .await;
    app.ok(&admin, SAVE, json!({ "id": journey, "d": definition(5, "returned") }))
        .await;
    app.ok(&admin, PUBLISH, json!({ "id": journey })).await;
    app.record_purchase(&admin, "E7", "P7", &now, "60.00").await;
    app.run_job("journeys", &today.to_string()).await.expect("journeys");

    let tasks = rows(
        &app,
        "SELECT t.id, m.member_no || ':' || t.reason FROM tasks t JOIN members m ON m.id = t.member_id \
         WHERE t.kind = 'journey_call' ORDER BY t.id",
    )
    .await;
    let tasks: Vec<&str> = tasks.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(tasks, ["E1:Thank them for coming back", "E1:Follow up"]);
    let report = app.ok(&admin, REPORT, json!({ "id": journey })).await["journey"]["report"].clone();
    assert_eq!(
        (&report["entered"], &report["done"], &report["active"]),
        (&json!(7), &json!(6), &json!(1)),
        "E1 went through; E2–E6 timed out and left; E7 waits on version 2"
    );
    let step = |version: i64, path: &str| {
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["version"] == version && s["path"] == path)
            .map(|s| (s["waiting"].as_i64().unwrap(), s["passed"].as_i64().unwrap()))
            .unwrap()
    };
    assert_eq!(step(1, "steps[2]"), (0, 6), "all six waited for the redemption");
    assert_eq!(step(1, "steps[2].then[0]"), (0, 1));
    assert_eq!(step(1, "steps[2].then[1]"), (0, 1));
    let staged = rows(
        &app,
        "SELECT v.member_id, m.member_no || ':' || v.value FROM member_field_values v JOIN members m ON m.id = v.member_id",
    )
    .await;
    assert_eq!(staged.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["E1:returned"]);
    assert_eq!(step(1, "steps[2].timeout[0]"), (0, 5));
    assert_eq!(step(1, "steps[3]"), (0, 1));
    assert_eq!(step(2, "steps[2]"), (1, 0), "E7 waits five days on version 2");
    assert_eq!(step(1, "steps[0].then[0]"), (0, 2), "the code for A members");

    // The A/B test: no arm clears the other yet; after each of arm A's members spends 300.00,
    // A leads with its interval above zero and replaces the split.
    const PROMOTE: &str = "mutation($id: ID!, $arm: String!) { promoteJourneyArm(id: $id, arm: $arm) {
        draft version { number } } }";
    let refused = app.graphql(&admin, PROMOTE, json!({ "id": journey, "arm": "A" })).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["key"], "journey.notClear",
        "{refused}"
    );
    assert!(arm_a.len() >= 2 && arm_b.len() >= 2, "A {arm_a:?}, B {arm_b:?}");
    for no in &arm_a {
        app.record_purchase(&admin, no, &format!("A-{no}"), &now, "300.00")
            .await;
    }
    let leader = app
        .ok(
            &admin,
            "query($id: ID!) { journey(id: $id) { report { leader { name runnerUp clears } } } }",
            json!({ "id": journey }),
        )
        .await;
    assert_eq!(
        leader["journey"]["report"]["leader"],
        json!({ "name": "A", "runnerUp": "B", "clears": true })
    );
    let promoted = app.ok(&admin, PROMOTE, json!({ "id": journey, "arm": "A" })).await["promoteJourneyArm"].clone();
    assert_eq!(promoted["version"]["number"], 3);
    assert_eq!(
        promoted["draft"]["steps"][1],
        json!({ "type": "send", "campaignId": a, "offerId": null })
    );
    assert_eq!(promoted["draft"]["steps"].as_array().unwrap().len(), 4);
}
