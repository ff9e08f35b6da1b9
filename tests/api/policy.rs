//! Every root field of the schema, called as every kind of caller, answers as the access table
//! (`patron::graphql::policy::POLICIES`) says; a field without a policy fails this test.
use patron::auth::Role;
use patron::graphql::policy::{self, Access};
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const TYPE: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// The callers: who they are, and the role the table knows them by.
#[derive(Clone, Copy, Debug)]
enum Caller {
    NoToken,
    Member,
    AssociateOfTheStore,
    AssociateOfAnotherStore,
    Marketer,
    Admin,
}

impl Caller {
    const ALL: [Self; 6] = [
        Self::NoToken,
        Self::Member,
        Self::AssociateOfTheStore,
        Self::AssociateOfAnotherStore,
        Self::Marketer,
        Self::Admin,
    ];

    fn role(self) -> Option<Role> {
        match self {
            Self::NoToken => None,
            Self::Member => Some(Role::Member),
            Self::AssociateOfTheStore | Self::AssociateOfAnotherStore => Some(Role::Associate),
            Self::Marketer => Some(Role::Marketer),
            Self::Admin => Some(Role::Admin),
        }
    }

    /// A fresh token for each call: a field such as `signOut` revokes the one it came with.
    async fn token(self, app: &TestApp) -> Option<String> {
        Some(match self {
            Self::NoToken => return None,
            Self::Member => app.token(Role::Member, Some("M1"), None, None).await,
            Self::AssociateOfTheStore => app.token(Role::Associate, None, Some("S1"), Some("li")).await,
            Self::AssociateOfAnotherStore => app.token(Role::Associate, None, Some("S2"), Some("wang")).await,
            Self::Marketer => app.token(Role::Marketer, None, None, None).await,
            Self::Admin => app.admin().await,
        })
    }
}

/// The schema's types by name, from introspection.
struct Schema {
    types: Value,
}

impl Schema {
    async fn read(app: &TestApp) -> (Self, Vec<(String, Value)>) {
        let query = format!(
            "{{ __schema {{ queryType {{ fields {{ name args {{ name defaultValue type {{ ...T }} }} type {{ ...T }} }} }}
                mutationType {{ fields {{ name args {{ name defaultValue type {{ ...T }} }} type {{ ...T }} }} }}
                types {{ name kind isOneOf enumValues {{ name }} inputFields {{ name defaultValue type {{ ...T }} }} }} }} }} {TYPE}"
        );
        let admin = app.admin().await;
        let data = app.ok(&admin, &query, json!({})).await;
        let schema = &data["__schema"];
        let mut roots = Vec::new();
        for (operation, key) in [("Query", "queryType"), ("Mutation", "mutationType")] {
            for field in schema[key]["fields"].as_array().expect("fields") {
                roots.push((operation.to_owned(), field.clone()));
            }
        }
        (
            Self {
                types: schema["types"].clone(),
            },
            roots,
        )
    }

    fn named(&self, name: &str) -> &Value {
        self.types
            .as_array()
            .and_then(|types| types.iter().find(|t| t["name"] == name))
            .expect("type")
    }

    /// A literal of `ty` for an argument or input field called `name`.
    fn literal(&self, name: &str, ty: &Value) -> String {
        match ty["kind"].as_str() {
            Some("NON_NULL") => self.literal(name, &ty["ofType"]),
            Some("LIST") => "[]".to_owned(),
            Some("ENUM") => self.named(ty["name"].as_str().unwrap_or_default())["enumValues"][0]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            Some("INPUT_OBJECT") => {
                let input = self.named(ty["name"].as_str().unwrap_or_default());
                let fields = input["inputFields"].as_array().expect("input fields");
                if input["isOneOf"] == true {
                    // Exactly one of them: the first.
                    let first = &fields[0];
                    let name = first["name"].as_str().unwrap_or_default();
                    return format!("{{ {name}: {} }}", self.literal(name, &first["type"]));
                }
                format!("{{ {} }}", self.required(fields))
            }
            _ => scalar(name, ty["name"].as_str().unwrap_or_default()),
        }
    }

    /// `name: literal` for each required argument or input field.
    fn required(&self, fields: &[Value]) -> String {
        fields
            .iter()
            .filter(|f| f["type"]["kind"] == "NON_NULL" && f["defaultValue"].is_null())
            .map(|f| {
                let name = f["name"].as_str().unwrap_or_default();
                format!("{name}: {}", self.literal(name, &f["type"]))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A document calling `field` alone, with its required arguments.
    fn document(&self, operation: &str, field: &Value) -> String {
        let name = field["name"].as_str().unwrap_or_default();
        let args = self.required(field["args"].as_array().expect("args"));
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({args})")
        };
        let selection = match innermost(&field["type"])["kind"].as_str() {
            Some("OBJECT" | "INTERFACE" | "UNION") => " { __typename }",
            _ => "",
        };
        format!("{} {{ {name}{args}{selection} }}", operation.to_lowercase())
    }
}

fn innermost(ty: &Value) -> &Value {
    if ty["ofType"].is_object() {
        innermost(&ty["ofType"])
    } else {
        ty
    }
}

fn scalar(name: &str, ty: &str) -> String {
    match (ty, name) {
        ("String", "memberNo") => "\"M1\"".to_owned(),
        ("String", "username") => "\"nobody\"".to_owned(),
        ("String" | "ID", _) => "\"1\"".to_owned(),
        ("Int", _) => "1".to_owned(),
        ("Float", _) => "1.0".to_owned(),
        ("Boolean", _) => "false".to_owned(),
        ("NaiveDate", _) => "\"2026-01-01\"".to_owned(),
        ("DateTime", _) => "\"2026-01-01T00:00:00Z\"".to_owned(),
        ("NaiveDateTime", _) => "\"2026-01-01T00:00:00\"".to_owned(),
        ("NaiveTime", _) => "\"09:00:00\"".to_owned(),
        ("Decimal", _) => "\"1\"".to_owned(),
        _ => "{}".to_owned(),
    }
}

/// Whether `caller` got what `access` promises: refused exactly when the table says so.
fn answered_as_declared(caller: Caller, access: Access, status: u16, response: &Value) -> bool {
    let code = response["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
    let refused = code == "FORBIDDEN" || code == "UNAUTHENTICATED";
    match (access, caller.role()) {
        (Access::Public, None) => status == 200 && code != "FORBIDDEN",
        (Access::Public, Some(_)) => code != "FORBIDDEN",
        (Access::Roles(_), None) => status == 401 && code == "UNAUTHENTICATED",
        (Access::Roles(roles), Some(role)) if roles.contains(&role) => !refused,
        (Access::Roles(_), Some(_)) => code == "FORBIDDEN",
    }
}

#[tokio::test]
async fn every_root_field_answers_each_caller_as_its_policy_says() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_store(&admin, "S2").await;
    app.create_member(&admin, "M1", json!({ "storeCode": "S1", "phone": "13812345678" }))
        .await;
    let (schema, roots) = Schema::read(&app).await;

    let unguarded: Vec<String> = roots
        .iter()
        .filter(|(operation, field)| policy::of(operation, field["name"].as_str().unwrap_or_default()).is_none())
        .map(|(operation, field)| format!("{operation}.{}", field["name"]))
        .collect();
    assert!(
        unguarded.is_empty(),
        "root fields without an access policy: {unguarded:?}"
    );

    let mut wrong = Vec::new();
    // Admins last: their calls may erase M1 or sign out.
    for caller in Caller::ALL {
        for (operation, field) in &roots {
            let name = field["name"].as_str().unwrap_or_default();
            let access = policy::of(operation, name).expect("checked above");
            let document = schema.document(operation, field);
            let token = caller.token(&app).await;
            let (status, response) = app
                .post(token.as_deref(), json!({ "query": document }).to_string())
                .await;
            if !answered_as_declared(caller, access, status, &response) {
                wrong.push(format!("{caller:?} {document} → {status} {}", response["errors"][0]));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from the policy:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn an_associate_of_another_store_and_a_member_token_cannot_tell_a_hidden_member_from_none() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_store(&admin, "S2").await;
    app.create_member(&admin, "M1", json!({ "storeCode": "S1" })).await;
    app.create_member(&admin, "M2", json!({ "storeCode": "S2" })).await;
    app.ok(
        &admin,
        "mutation{ recordPurchase(input:{ memberNo:\"M1\", orderId:\"O-1\", occurredAt:\"2026-11-01T10:00:00Z\", amount:\"10\" }){ id } }",
        json!({}),
    )
    .await;
    let lookup = "query($no:String!){ member(memberNo:$no){ memberNo } }";
    let refund = "mutation($o:String!){ recordReturn(input:{ orderId:$o, occurredAt:\"2026-11-02T10:00:00Z\", amount:\"1\" }){ id } }";
    let other_store = app.token(Role::Associate, None, Some("S2"), Some("wang")).await;
    let other_member = app.token(Role::Member, Some("M2"), None, None).await;
    for (who, token) in [("associate of S2", &other_store), ("member M2", &other_member)] {
        let hidden = app.graphql(token, lookup, json!({ "no": "M1" })).await;
        let absent = app.graphql(token, lookup, json!({ "no": "NOBODY" })).await;
        assert_eq!(first_error(&hidden).0, "NOT_FOUND", "{who}: {hidden}");
        assert_eq!(
            hidden["errors"][0]["message"].as_str().map(|m| m.replace("M1", "?")),
            absent["errors"][0]["message"]
                .as_str()
                .map(|m| m.replace("NOBODY", "?")),
            "{who}"
        );
    }
    let hidden = app.graphql(&other_store, refund, json!({ "o": "O-1" })).await;
    let absent = app.graphql(&other_store, refund, json!({ "o": "O-404" })).await;
    assert_eq!(first_error(&hidden), first_error(&absent), "{hidden} vs {absent}");
}

#[tokio::test]
async fn a_member_token_reads_its_tier_and_points_but_not_the_brands_scores_of_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_member(&admin, "M1", json!({ "storeCode": "S1" })).await;
    let associate = app.token(Role::Associate, None, Some("S1"), Some("li")).await;
    app.ok(
        &admin,
        "mutation{ assignAssociate(memberNo:\"M1\", username:\"li\"){ memberNo } }",
        json!({}),
    )
    .await;
    app.ok(
        &associate,
        "mutation{ recordPurchase(input:{ memberNo:\"M1\", orderId:\"O-1\", occurredAt:\"2026-11-01T10:00:00Z\", amount:\"10\", profit:\"4\" }){ id } }",
        json!({}),
    )
    .await;
    app.run_job("analytics", "2026-11-02").await.expect("analytics");
    let member = app.token(Role::Member, Some("M1"), None, None).await;

    let allowed = "{ member(memberNo:\"M1\"){ memberNo tier pointsBalance assignedAssociate { displayName } purchases { edges { node { amount } } } } }";
    let data = app.ok(&member, allowed, json!({})).await;
    assert_eq!(data["member"]["assignedAssociate"]["displayName"], "li");
    for (what, query) in [
        (
            "scores and labels",
            "{ member(memberNo:\"M1\"){ metrics { clv pAlive valueQuadrant } } }",
        ),
        (
            "the associate's username",
            "{ member(memberNo:\"M1\"){ assignedAssociate { username } } }",
        ),
        (
            "the associate's work email",
            "{ member(memberNo:\"M1\"){ assignedAssociate { email } } }",
        ),
        (
            "an order's profit",
            "{ member(memberNo:\"M1\"){ purchases { edges { node { profit } } } } }",
        ),
    ] {
        assert_eq!(app.error_code(&member, query, json!({})).await, "FORBIDDEN", "{what}");
    }
    // Staff read them as before.
    let data = app
        .ok(&associate, "{ member(memberNo:\"M1\"){ metrics { clv } assignedAssociate { username } purchases { edges { node { profit } } } } }", json!({}))
        .await;
    assert_eq!(data["member"]["assignedAssociate"]["username"], "li");
}
