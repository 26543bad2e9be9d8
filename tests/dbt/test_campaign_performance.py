"""campaign_performance and experiment_results on a world of the demo's size (seed 7, 5000 members, 12 weeks) whose
first campaign is an A/B test (generate_world's variant_b_lift: variant_b's order lift is 1.5 times variant_a's;
the CRM's audience export names the arms, `write_drops(ab_test=...)`; pulse.yml's `experiments` declares it), landed
by the real connectors: the holdout comparison's 95% intervals cover the incremental orders and revenue the
generator injected (all campaigns but at most one per metric, see the test), its statistics are the textbook ones
(scipy on the same per-member numbers), the experiment finds variant_b's extra revenue within its interval, and
Postgres builds the same.

What the generator injected: during a campaign, the order intensity of its exposed persons is multiplied by
`order_lift` in the Poisson processes of Shopify repeat orders, 有赞 trades and WooCommerce orders; a Shopify
first order (placed at "customer since") and POS visits are not lifted. So of the lifted orders an exposed person
places during the period, a share 1 - 1/order_lift is injected in expectation; the truth the interval should hold is
    injected orders  = (1 - 1/order_lift) x lifted counted orders of the treatment members during the period
    injected revenue = (1 - 1/order_lift) x their net amount in CNY
with each person's own lift (variant_b's in the A/B test). Against variant_a, a variant_b order holds an extra
share 1 - lift_a/lift_b: the revenue-per-member difference the experiment should find is that share of variant_b's
lifted revenue over variant_b's members.
(the orders as the warehouse links them to members, so that unlinked guest orders count on neither side). The lift
ratio treatment/holdout is printed but not held to order_lift: unlifted POS and first orders dilute it.
"""

from __future__ import annotations

import functools
import shutil
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import sandbox_raw
from dbt_helpers import BUILD_VARS, DbtRun, run_dbt
from parity import Tolerance, assert_same_rows
from sandbox_raw import build_duckdb, build_postgres, copy_of, land_world, load_postgres, rows
from scipy import stats

import pulse.sandbox.world as world_module
from ingestion.load import load_landing
from pulse.config import Config
from pulse.sandbox.filedrops import write_drops
from pulse.sandbox.world import AB_TEST_CAMPAIGN, campaign_exposure, campaign_variants, generate_world
from pulse.warehouse import DuckDBWarehouse

SEED, MEMBERS, WEEKS = 7, 5000, 12  # the demo world (demo/pulse.yml)
AB_TEST = AB_TEST_CAMPAIGN  # every world has it; its treatment becomes variant_a / variant_b
VARIANT_B_LIFT = 1.5  # variant_b's order lift is 1.5 times variant_a's (generate_world)
EXPERIMENTS = [{"campaign_id": AB_TEST, "variants": ["variant_a", "variant_b"], "control": "variant_a"}]
AUDIENCE_GROUP_TEST = "audience_group_declared_stg_files__campaign_audience_audience_group"
ARGS = (
    "--select",
    "+campaign_performance +experiment_results assert_stats_macros",
    "--indirect-selection",
    "cautious",
)
UNIT_TESTS = (
    "test_campaign_performance_attribution",
    "test_campaign_performance_uplift",
    "test_campaign_performance_yoy",
    "test_experiment_results_variants",
    "test_experiment_results_not_enough_data",
)


@dataclass
class Built:
    world: Any
    first_buyers: set[int]  # persons whose first Shopify order (not lifted) is in the world
    duck_path: Path
    duck: DbtRun
    pg_db: Any  # None when no Postgres test of this module is selected
    pg: DbtRun | None


def _generate() -> tuple[Any, set[int]]:
    """The demo world, and the persons whose Shopify first order it holds: placed at "customer since", outside the
    Poisson process the campaign lift multiplies. Only the generator's shop step knows them (`_shop`'s o_first)."""
    captured: dict[str, set[int]] = {}
    shop = world_module._shop

    def spy(seed, cal, p, *args):
        s = shop(seed, cal, p, *args)
        captured["first"] = set(p["pid"][s["o_p"][s["o_first"]]].tolist())
        return s

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(world_module, "_shop", spy)
        world = generate_world(SEED, MEMBERS, WEEKS, variant_b_lift=VARIANT_B_LIFT)
    return world, captured["first"]


def _land(world, work: Path) -> tuple[Path, Path]:
    """Land every source (the audience export with AB_TEST split) and load DuckDB: (landing, DuckDB file)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sandbox_raw, "write_drops", functools.partial(write_drops, ab_test=AB_TEST))
        landing = land_world(world, work)
    path = work / "sandbox.duckdb"  # not raw.duckdb: the catalog would shadow the raw schema
    warehouse = {"type": "duckdb", "path": str(path), "memory_limit": "1GB", "threads": 2, "postgres": {}}
    wh = DuckDBWarehouse(Config(data={"warehouse": warehouse}, file=work / "pulse.yml", root=work))
    report = load_landing(wh, landing, [])
    assert report.quarantined == 0, report
    shutil.copyfile(wh.work_path, path)
    return landing, path


@pytest.fixture(scope="module")
def built(request, tmp_path_factory) -> Built:
    work = tmp_path_factory.mktemp("campaign-performance")
    world, first_buyers = _generate()
    landing, raw = _land(world, work)
    path = copy_of(raw, work / "build.duckdb")
    wants_pg = any(
        item.module is request.module and item.get_closest_marker("postgres")
        for item in request.session.items
    )
    pg_db = pg = None
    with ThreadPoolExecutor(2) as pool:
        duck = pool.submit(build_duckdb, path, list(ARGS), work / "duck", experiments=EXPERIMENTS)
        if wants_pg:
            from pulse.testing.postgres import PostgresUnavailable

            try:
                pg_db = request.getfixturevalue("postgres").create_database("campaign_performance")
            except PostgresUnavailable:
                pg_db = None  # the Postgres test skips
        if pg_db is not None:
            load_postgres(pg_db, landing, work / "pg-load")
            pg = build_postgres(pg_db, list(ARGS), work / "pg", experiments=EXPERIMENTS)
        duck = duck.result()
    assert duck.returncode == 0, duck.stdout[-5000:]
    return Built(world, first_buyers, path, duck, pg_db, pg)


@pytest.fixture(scope="module")
def duck(built):
    con = duckdb.connect(str(built.duck_path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    yield con
    con.close()


def _order_persons(world) -> dict[tuple[str, str], int]:
    """{(platform, order id): the world's person} for every store order (account orders and guest checkouts)."""
    truth = {(r.platform, str(r.account_id)): int(r.person_id) for r in world["truth_accounts"].itertuples()}
    out: dict[tuple[str, str], int] = {}
    for o in world["shopify_orders"].itertuples():
        key = ("shopify", str(int(o.customer_id))) if pd.notna(o.customer_id) else None
        person = truth.get(key) if key else None
        out[("shopify", str(o.order_id))] = (
            person if person is not None else truth.get(("shopify_order", str(o.order_id)))
        )
    for o in world["woo_orders"].itertuples():
        person = truth.get(("woocommerce", str(o.customer_id))) if o.customer_id else None
        out[("woocommerce", str(o.order_id))] = (
            person if person is not None else truth.get(("woocommerce_order", str(o.order_id)))
        )
    for o in world["youzan_trades"].itertuples():
        out[("youzan", str(o.tid))] = truth.get(("youzan", str(o.yz_open_id)))
    for o in world["offline_pos_orders"].itertuples():
        out[("pos", str(o.order_no))] = truth.get(("pos_order", str(o.order_no)))
    return out


def _unlifted_shopify_orders(world, persons: dict[tuple[str, str], int], first_buyers: set[int]) -> set[str]:
    """Shopify ids of first orders: the earliest Shopify order of each person whose first order the world holds."""
    shop = world["shopify_orders"]
    earliest: dict[int, tuple] = {}
    for o in shop.itertuples():
        person = persons.get(("shopify", str(o.order_id)))
        if person in first_buyers and (person not in earliest or o.created_at < earliest[person][0]):
            earliest[person] = (o.created_at, str(o.order_id))
    return {order_id for _, order_id in earliest.values()}


def _injected(built: Built, duck) -> dict[str, dict[str, float]]:
    """Per campaign: the injected orders and revenue (module docstring) and the counts behind them."""
    world = built.world
    persons = _order_persons(world)
    first_orders = _unlifted_shopify_orders(world, persons, built.first_buyers)
    exposure = campaign_exposure(world)
    sent = exposure[exposure["exposed"]]
    lifts = dict(zip(world["campaigns"]["campaign_id"], world["campaigns"]["order_lift"], strict=True))
    person_lift = {(c, p): lifts[c] for c, p in zip(sent["campaign_id"], sent["person_id"], strict=True)}
    arms = campaign_variants(world)  # the A/B test's variant_b has its own lift
    person_lift.update(
        zip(zip(arms["campaign_id"], arms["person_id"], strict=True), arms["order_lift"], strict=True)
    )
    treatment_orders = rows(
        duck,
        """select a.campaign_id, o.order_ref, o.currency, o.net_amount
           from marts.fct_campaign_audience as a
           inner join marts.dim_campaigns as c on a.campaign_id = c.campaign_id
           inner join intermediate.int_orders_unified as o
               on a.member_id = o.member_id and o.ordered_at >= c.start_at and o.ordered_at < c.end_at
           where not a.is_holdout and o.is_counted""",
    )
    out: dict[str, dict[str, float]] = defaultdict(
        lambda: {"lifted_orders": 0, "lifted_revenue": 0.0, "injected_orders": 0.0, "injected_revenue": 0.0}
    )
    for r in treatment_orders:
        platform, _source, order_id = r["order_ref"].split(":", 2)
        person = persons.get((platform, order_id))
        lifted = platform in ("youzan", "woocommerce") or (
            platform == "shopify" and order_id not in first_orders
        )
        lift = person_lift.get((r["campaign_id"], person))
        if lifted and lift is not None:
            agg = out[r["campaign_id"]]
            revenue = float(r["net_amount"]) if r["currency"] == "CNY" else 0.0
            agg["lifted_orders"] += 1
            agg["lifted_revenue"] += revenue
            agg["injected_orders"] += 1 - 1 / lift
            agg["injected_revenue"] += (1 - 1 / lift) * revenue
            # variant_b against variant_a: what b's orders hold beyond the control's lift
            agg["variant_b_extra_revenue"] = agg.get("variant_b_extra_revenue", 0.0) + (
                (1 - lifts[r["campaign_id"]] / lift) * revenue
            )
    for campaign, agg in out.items():
        agg["order_lift"] = lifts[campaign]
    return out


def test_audience_export_splits_the_ab_test(tmp_path):
    """write_drops(ab_test=...): that campaign's treatment becomes variant_a / variant_b, about half each, the same
    members whatever else is written; its holdout and the other campaigns keep their groups; an unknown id fails."""
    world = generate_world(3, 300, 4)
    plain = pd.read_csv(write_drops(world, tmp_path / "plain", broken=False).folder / "audience_export.csv")
    split = pd.read_csv(
        write_drops(world, tmp_path / "ab", broken=False, ab_test="cmp-01").folder / "audience_export.csv"
    )
    assert plain["entry_id"].tolist() == split["entry_id"].tolist()
    tested = split["campaign_id"] == "cmp-01"
    assert (split.loc[~tested, "group"] == plain.loc[~tested, "group"]).all()
    was = plain.loc[tested, "group"]
    now = split.loc[tested, "group"]
    assert (now[was == "holdout"] == "holdout").all()
    assert set(now[was == "treatment"]) == {"variant_a", "variant_b"}
    assert 0.4 < (now[was == "treatment"] == "variant_a").mean() < 0.6
    with pytest.raises(ValueError, match="cmp-99"):
        write_drops(world, tmp_path / "bad", broken=False, ab_test="cmp-99")


def test_unit_tests_and_macro_tests_pass(built):
    for name in (*UNIT_TESTS, "assert_stats_macros", AUDIENCE_GROUP_TEST):
        assert built.duck.status_of(name) == "pass", name


def test_undeclared_variants_fail_the_audience_test(built, tmp_path):
    """The same export without pulse.yml's `experiments`: its variant groups are unknown, and the test says so
    (one failing row per group); declaring another campaign instead makes cmp-01's variants no less unknown."""
    path = copy_of(built.duck_path, tmp_path / "check.duckdb")
    env = {"PULSE_DUCKDB_PATH": str(path), "PULSE_DUCKDB_MEMORY_LIMIT": "1GB", "PULSE_DUCKDB_THREADS": "2"}
    other = [{"campaign_id": "cmp-02", "variants": ["variant_a", "variant_b"], "control": "variant_a"}]
    for experiments in ([], other):
        run = run_dbt(
            ["test", "--select", AUDIENCE_GROUP_TEST],
            "duckdb",
            tmp_path,
            env,
            {**BUILD_VARS, "experiments": experiments},
        )
        assert run.status_of(AUDIENCE_GROUP_TEST) == "fail", run.stdout[-3000:]
        failures = run.result_of(AUDIENCE_GROUP_TEST)["failures"]
        assert failures == (2 if not experiments else 3), run.stdout[-3000:]  # + cmp-02's plain treatment


def test_holdout_intervals_cover_the_injected_lift(built, duck):
    """Every campaign of the demo world has a holdout. Each 95% interval misses its truth with probability 0.05,
    so with k = 4 campaigns all four cover in only ~81% of worlds, while two or more misses of one metric happen
    in ~1.4% (binomial): per metric (incremental orders, incremental revenue) at most one of the k intervals, as
    computed, may miss the injected value. (The demo world's end date is pulse's run date, so no single world is
    the demo world; this one ends 2026-01-04.) And the intervals must tell something: at least half of them
    exclude zero."""
    perf = {r["campaign_id"]: r for r in rows(duck, "select * from marts.campaign_performance")}
    truth = _injected(built, duck)
    assert set(perf) == set(built.world["campaigns"]["campaign_id"]) and len(perf) >= 3
    covered, informative = [], 0
    for campaign, r in sorted(perf.items()):
        t = truth[campaign]
        assert r["uplift_method"] == "holdout: Welch t on orders and revenue per member"
        print(
            f"{campaign} order_lift {t['order_lift']:.2f}, lift ratio {float(r['lift_ratio']):.2f} "
            f"(treatment {r['treatment_members']}, holdout {r['holdout_members']}): "
            f"incremental orders {float(r['incremental_orders']):.1f} "
            f"[{float(r['incremental_orders_ci_low']):.1f}, {float(r['incremental_orders_ci_high']):.1f}] "
            f"vs injected {t['injected_orders']:.1f} (of {t['lifted_orders']} lifted); "
            f"incremental revenue {float(r['incremental_revenue']):.0f} "
            f"[{float(r['incremental_revenue_ci_low']):.0f}, {float(r['incremental_revenue_ci_high']):.0f}] "
            f"vs injected {t['injected_revenue']:.0f} CNY"
        )
        for metric in ("orders", "revenue"):
            low, high = float(r[f"incremental_{metric}_ci_low"]), float(r[f"incremental_{metric}_ci_high"])
            covered.append((campaign, metric, low <= t[f"injected_{metric}"] <= high))
            informative += low > 0
    for metric in ("orders", "revenue"):
        missed = [campaign for campaign, m, ok in covered if m == metric and not ok]
        print(
            f"incremental {metric}: {len(perf) - len(missed)} of {len(perf)} intervals cover, missed {missed}"
        )
        assert len(missed) <= 1, covered
    assert informative >= len(covered) / 2, informative


def test_statistics_are_the_textbook_ones(built, duck):
    """The per-member numbers of fct_campaign_audience through scipy: Welch's t interval of the revenue and order
    differences (x treatment size), and for the experiment the two-proportion z-test and Welch's t-test."""
    audience = pd.DataFrame(
        rows(
            duck,
            "select campaign_id, audience_group, is_holdout, orders_during, revenue_during"
            " from marts.fct_campaign_audience",
        )
    )
    audience["revenue_during"] = audience["revenue_during"].astype(float)
    perf = {r["campaign_id"]: r for r in rows(duck, "select * from marts.campaign_performance")}
    for campaign, r in perf.items():
        a = audience[audience["campaign_id"] == campaign]
        for metric, column in (("orders", "orders_during"), ("revenue", "revenue_during")):
            x = a.loc[~a["is_holdout"], column].to_numpy(float)
            y = a.loc[a["is_holdout"], column].to_numpy(float)
            ci = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
            n = len(x)
            assert float(r[f"incremental_{metric}"]) == pytest.approx((x.mean() - y.mean()) * n, abs=0.01)
            assert float(r[f"incremental_{metric}_ci_low"]) == pytest.approx(ci.low * n, rel=1e-4, abs=0.01)
            assert float(r[f"incremental_{metric}_ci_high"]) == pytest.approx(ci.high * n, rel=1e-4, abs=0.01)
    results = rows(duck, "select * from marts.experiment_results order by variant")
    assert [(r["campaign_id"], r["variant"], r["is_control"]) for r in results] == [
        (AB_TEST, "variant_a", True),
        (AB_TEST, "variant_b", False),
    ]
    control, variant = results
    a = audience[audience["campaign_id"] == AB_TEST]
    groups = {g: a[a["audience_group"] == g] for g in ("variant_a", "variant_b")}
    assert control["members"] + variant["members"] == perf[AB_TEST]["treatment_members"]
    assert control["conversion_verdict"] == control["revenue_verdict"] == "control"
    xa, xb = (int((groups[g]["orders_during"] > 0).sum()) for g in ("variant_a", "variant_b"))
    na, nb = len(groups["variant_a"]), len(groups["variant_b"])
    pooled = (xa + xb) / (na + nb)
    z = (xb / nb - xa / na) / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    welch = stats.ttest_ind(
        groups["variant_b"]["revenue_during"], groups["variant_a"]["revenue_during"], equal_var=False
    )
    print(
        f"{AB_TEST} A/B: conversion {control['conversion_rate']} vs {variant['conversion_rate']}, z {variant['conversion_z']}"
        f" (scipy {z:.4f}), p {variant['conversion_p_value']} (scipy {2 * stats.norm.sf(abs(z)):.4f});"
        f" revenue/member {control['revenue_per_member']} vs {variant['revenue_per_member']},"
        f" t {variant['revenue_t']} p {variant['revenue_p_value']} (scipy t {welch.statistic:.4f}"
        f" p {welch.pvalue:.4f}); verdicts {variant['conversion_verdict']} / {variant['revenue_verdict']}"
    )
    assert (variant["converters"], variant["members"]) == (xb, nb)
    assert float(variant["conversion_z"]) == pytest.approx(z, abs=1e-4)
    assert float(variant["conversion_p_value"]) == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-4)
    assert float(variant["revenue_t"]) == pytest.approx(welch.statistic, abs=1e-4)
    assert float(variant["revenue_p_value"]) == pytest.approx(welch.pvalue, abs=2e-3)
    # variant_b's order lift is VARIANT_B_LIFT times variant_a's: the test finds more revenue per member, and its
    # 95% interval holds what the generator put there (b's extra revenue per b member)
    truth = _injected(built, duck)[AB_TEST]["variant_b_extra_revenue"] / nb
    low, high = (
        float(variant["revenue_per_member_diff_ci_low"]),
        float(variant["revenue_per_member_diff_ci_high"]),
    )
    print(f"{AB_TEST} A/B: revenue/member difference [{low:.2f}, {high:.2f}] vs injected {truth:.2f} CNY")
    assert low <= truth <= high
    assert variant["revenue_verdict"] == "variant higher"


def test_yoy_is_null_with_a_reason_when_the_data_is_younger(duck):
    """12 weeks of data: no campaign has its same period last year in the warehouse."""
    for r in rows(duck, "select * from marts.campaign_performance"):
        assert r["store_sales"] > 0 and r["store_sales_last_year"] is None
        assert r["yoy_note"].startswith("no data a year before")


# numbers to 1e-6 relative, ints exactly: doubles summed in another order may differ in the last bits
SAME = Tolerance(rel=1e-6, abs=1e-3)


@pytest.mark.postgres
def test_postgres_builds_the_same(built, duck):
    if built.pg_db is None:
        pytest.skip("Postgres is unavailable")
    assert built.pg.returncode == 0, built.pg.stdout[-5000:]
    for name in (*UNIT_TESTS, "assert_stats_macros"):
        assert built.pg.status_of(name) == "pass", name
    pg = built.pg_db.connect()
    keys = {
        "fct_campaign_audience": "campaign_member_key",
        "campaign_performance": "campaign_id",
        "experiment_results": "experiment_variant_key",
    }
    try:
        for name, key in keys.items():
            query = f"select * from marts{{s}}.{name} order by {key}"
            got_duck, got_pg = rows(duck, query.format(s="")), rows(pg, query.format(s="_work"))
            assert got_duck, query
            assert_same_rows(name, got_duck, got_pg, (key,), default=SAME)
        print(f"postgres: {len(got_pg)} experiment rows and every campaign the same as DuckDB")
    finally:
        pg.close()
