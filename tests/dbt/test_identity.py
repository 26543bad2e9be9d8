"""Identity resolution on a world landed by the real connectors: accounts that share an identifier, directly or
through others, are one member, nothing else is; member ids survive new data; the generator's truth scores it."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict

import duckdb
import pytest
from sandbox_raw import build_duckdb, copy_of

SELECT = [
    "--select",
    "+dim_members",
    "+dim_member_accounts",
    "member_overrides",
    "--indirect-selection",
    "cautious",
]


def _members(path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(
            con.execute(
                "select account_key, member_id from intermediate.int_identity__account_members"
            ).fetchall()
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(sandbox_raw_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("identity")
    path = copy_of(sandbox_raw_data.duckdb, work / "identity.duckdb")
    run = build_duckdb(path, SELECT, work)
    assert run.returncode == 0, run.stdout[-4000:]
    return work, path


def _union_find_partition(pairs, nodes) -> set[frozenset]:
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups = defaultdict(set)
    for n in nodes:
        groups[find(n)].add(n)
    return {frozenset(g) for g in groups.values()}


def test_members_are_exactly_the_connected_components_of_shared_identifiers(built):
    _, path = built
    con = duckdb.connect(str(path), read_only=True)
    accounts = [
        r[0] for r in con.execute("select account_key from intermediate.int_identity__accounts").fetchall()
    ]
    by_identifier = defaultdict(list)
    for account, id_type, value in con.execute(
        "select account_key, id_type, id_value from intermediate.int_identity__account_identifiers"
    ).fetchall():
        by_identifier[(id_type, value)].append(account)
    assert all(
        r[0]
        for r in con.execute("select is_converged from intermediate.int_identity__account_members").fetchall()
    )
    con.close()
    pairs = [(g[0], other) for g in by_identifier.values() for other in g[1:]]
    expected = _union_find_partition(pairs, accounts)
    got = defaultdict(set)
    for account, member in _members(path).items():
        got[member].add(account)
    assert {frozenset(g) for g in got.values()} == expected
    assert any(len(g) > 2 for g in expected)  # transitive chains exist in this world, not only pairs


def test_merges_are_precise_against_the_generators_truth(built, sandbox_raw_data):
    """Precision of 'these two accounts are one person' against the world's truth. (Recall is printed, not yet
    asserted: many true links share no identifier in the data, see the closing note of 2026-11-30 / issue #4.)"""
    _, path = built
    platform_of = {
        "wecom_external": "wecom_groups"
    }  # the world names accounts by what they are, we by source type
    truth = {
        (platform_of.get(r.platform, r.platform), str(r.account_id)): r.person_id
        for r in sandbox_raw_data.world["truth_accounts"].itertuples()
    }
    con = duckdb.connect(str(path), read_only=True)
    bots = {
        r[0]
        for r in con.execute(
            "select account_key from intermediate.int_identity__accounts where is_bot"
        ).fetchall()
    }
    con.close()
    predicted = {}
    for account, member in _members(path).items():
        platform, _source, account_id = account.split(":", 2)
        if account not in bots:  # the platforms' own bots are nobody in the world's truth
            predicted[(platform, account_id)] = member
    assert set(predicted) <= set(truth)

    def pairs(mapping):
        groups = defaultdict(list)
        for k, v in mapping.items():
            groups[v].append(k)
        return {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}

    merged, true = pairs(predicted), pairs({k: truth[k] for k in predicted})
    assert len(merged) > 50
    precision, recall = len(merged & true) / len(merged), len(merged & true) / len(true)
    print(f"identity: {len(merged)} merged pairs, precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98


def test_new_data_keeps_member_ids_and_a_merge_keeps_the_older_anchor(built):
    work, path = built
    before = _members(path)
    again = copy_of(path, work / "again.duckdb")
    con = duckdb.connect(str(again))
    # two members that are separate now: a Shopify customer with an email, and a Discourse user with another email
    shop_account, shop_email = con.execute(
        """select a.account_key, json_extract_string(r._record, '$.email') from intermediate.int_identity__accounts a
           join raw.shopify__customers r on a.account_key = 'shopify:' || r._source || ':' || r._pk
           where json_extract_string(r._record, '$.email') is not null order by a.created_at desc limit 1"""
    ).fetchone()
    forum_source, forum_user = con.execute(
        "select _source, max(cast(_pk as bigint)) from raw.discourse__users group by _source"
    ).fetchone()
    template = json.loads(
        con.execute(f"select _record from raw.discourse__users where _pk = '{forum_user}'").fetchone()[0]
    )

    def add_user(uid: int, email: str, created: str) -> None:
        record = {**template, "id": uid, "username": f"new_{uid}", "email": email, "created_at": created}
        con.execute(
            "insert into raw.discourse__users values ('test-batch', ?, now(), ?, md5(?), ?)",
            [forum_source, str(uid), json.dumps(record), json.dumps(record)],
        )

    add_user(forum_user + 1, "someone.new@example.org", "2030-01-01T00:00:00Z")  # unrelated to anyone
    add_user(
        forum_user + 2, f"  {shop_email.upper()} ", "2000-01-01T00:00:00Z"
    )  # older than the shop account
    con.close()
    run = build_duckdb(again, SELECT, work)
    assert run.returncode == 0, run.stdout[-4000:]
    after = _members(again)
    new_forum = f"discourse:{forum_source}:{forum_user + 2}"
    merged_away = before[shop_account]
    # the new, older account anchors the merged member; every other existing account keeps its id
    assert after[shop_account] == after[new_forum] != merged_away
    changed = {a for a in before if after[a] != before[a]}
    assert changed == {a for a in before if before[a] == merged_away}
    assert f"discourse:{forum_source}:{forum_user + 1}" in after


def test_dim_members_has_every_member_once_with_its_accounts(built):
    _, path = built
    con = duckdb.connect(str(path), read_only=True)
    members = dict(con.execute("select member_id, accounts_count from marts.dim_members").fetchall())
    counts = dict(
        con.execute("select member_id, count(*) from marts.dim_member_accounts group by member_id").fetchall()
    )
    platforms = con.execute(
        """select m.platforms_count, (select count(distinct a.platform) from marts.dim_member_accounts a
                                      where a.member_id = m.member_id) from marts.dim_members m"""
    ).fetchall()
    con.close()
    assert members == counts == {m: n for m, n in Counter(_members(path).values()).items()}
    assert all(a == b for a, b in platforms)
