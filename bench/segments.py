"""Helper of bench/segments.sh: times the scenario segment over GraphQL and as hand-written SQL,
and saves the 20 segments the refresh is timed on. `counts` summarises a refresh's output."""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta

RUNS = 7


def field(name, op, value=None, values=None):
    cond = {"field": name, "op": op}
    if value is not None:
        cond["value"] = value
    if values is not None:
        cond["values"] = values
    return {"field": cond}


def bedding(days):
    return {"bought": {"category": "床品", "window": {"lastDays": days}}}


SCENARIO = {"and": [
    field("tier", "IN", values=["A", "B"]),
    field("city", "EQ", "上海"),
    bedding(365),
    {"not": bedding(60)},
]}


def segments(today):
    joined = (today - timedelta(days=90)).isoformat()
    return [
        ("Scenario", SCENARIO),
        ("Tier A", field("tier", "EQ", "A")),
        ("Lapsed repeat buyers", {"and": [field("lapsed", "EQ", True), field("ordersTotal", "GE", 2)]}),
        ("Declining A/B", {"and": [field("declining", "EQ", True), field("tier", "IN", values=["A", "B"])]}),
        ("Birthdays this week", {"and": [{"birthdayWithin": 7}, field("emailConsent", "EQ", True)]}),
        ("Shanghai women 25-35", {"and": [field("city", "EQ", "上海"), field("gender", "EQ", "female"),
                                          field("age", "BETWEEN", values=[25, 35])]}),
        ("High CLV", field("clv", "GE", "5000")),
        ("Fading big spenders", {"and": [field("pAlive", "LT", 0.3), field("spendTotal", "GE", "3000")]}),
        ("Stars", field("valueQuadrant", "EQ", "star")),
        ("Deep care", field("loyaltyStrategy", "EQ", "deep_care")),
        ("Frequent lately", {"bought": {"window": {"lastDays": 90}, "minCount": 3}}),
        ("SH01 big spenders", {"bought": {"store": "SH01", "window": {"lastDays": 365}, "minAmount": "2000"}}),
        ("Quiet regulars", {"and": [{"boughtNothing": {"lastDays": 180}}, field("ordersTotal", "GE", 3)]}),
        ("Bedding curious", {"and": [field("interests", "CONTAINS", "床品"), {"not": bedding(365)}]}),
        ("New members", field("joinedAt", "GE", joined)),
        ("Upgraded", {"tierChange": {"direction": "UPGRADED"}}),
        ("Fallen from A", {"tierChange": {"from": ["A"]}}),
        ("Beijing or Guangzhou, B/C", {"and": [field("city", "IN", values=["北京", "广州"]),
                                               field("tier", "IN", values=["B", "C"])]}),
        ("English speakers", {"and": [field("locale", "EQ", "en"), field("emailConsent", "EQ", True)]}),
        ("Abroad", {"not": field("timeZone", "EQ", "Asia/Shanghai")}),
    ]


def graphql(url, token, query, variables):
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        data = json.load(response)
    if data.get("errors"):
        sys.exit(f"GraphQL error: {data['errors']}")
    return data["data"]


def median_ms(run):
    run()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def hand_written(today):
    """The scenario's count as one statement, written as a person would."""
    def day(n):
        return (today - timedelta(days=n - 1)).isoformat()

    def bought(days):
        return (f"SELECT 1 FROM purchases p WHERE p.member_id = m.id AND p.kind = 'purchase' "
                f"AND p.category = '床品' AND p.occurred_on BETWEEN '{day(days)}' AND '{today}'")
    return ("SELECT COUNT(*) FROM members m JOIN member_metrics x ON x.member_id = m.id "
            "WHERE m.status = 'active' AND x.tier IN ('A', 'B') AND m.city = '上海' "
            f"AND EXISTS ({bought(365)}) AND NOT EXISTS ({bought(60)})")


def sql_count(db_url, sql):
    """Median ms and count of `sql` through the client Patron links (bench/baseline's
    sql-count: on SQLite the same SQLite build, not Python's)."""
    out = subprocess.run([os.environ.get("SQL_COUNT", "target/release/sql-count"), db_url, sql, str(RUNS)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def measure(url, token, db_url, today):
    count_query = "query($f:SegmentFilter!){ segmentPreview(filter:$f, first:0){ count } }"
    page_query = ("query($f:SegmentFilter!){ segmentPreview(filter:$f, first:20){ "
                  "edges { node { memberNo name city tier } } } }")
    api_ms, data = median_ms(lambda: graphql(url, token, count_query, {"f": SCENARIO}))
    count = data["segmentPreview"]["count"]
    sql_ms, sql_n = sql_count(db_url, hand_written(today))
    if sql_n != count:
        sys.exit(f"the API counts {count}, the hand-written statement {sql_n}")
    page_ms, _ = median_ms(lambda: graphql(url, token, page_query, {"f": SCENARIO}))
    print(f"scenario segment: {count} members")
    print(f"  count over GraphQL        {api_ms:8.1f} ms   (median of {RUNS})")
    print(f"  hand-written SQL count    {sql_ms:8.1f} ms   ratio {api_ms / sql_ms:.2f}x")
    print(f"  first page of 20          {page_ms:8.1f} ms")
    create = "mutation($n:String!, $f:SegmentFilter!){ createSegment(name:$n, filter:$f){ id } }"
    for name, tree in segments(today):
        graphql(url, token, create, {"n": name, "f": tree})


def counts():
    done = json.load(sys.stdin)["segments"]
    print(f"    {done['refreshed']} segments: {done['entered']} entered, {done['left']} left, "
          f"{done['failed']} failed")


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3], sys.argv[4], date.fromisoformat(sys.argv[5]))
    else:
        counts()
