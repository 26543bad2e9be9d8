"""The CLV step's model on the sandbox world: fitted on the window's store orders, its predicted purchases track
what the world's generator makes the same people do in the weeks after the window (`truth_future`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pulse.predict import MEMBER_COLUMNS, PARAM_COLUMNS, fit_and_predict
from pulse.sandbox.world import generate_world


@pytest.fixture(scope="module")
def world():
    return generate_world(7, 5000, 26)  # the demo's seed and size, over half a year


def _orders_by_person(world) -> pd.DataFrame:
    """Counted Shopify orders (the store whose future the world simulates), keyed by the buyer's person id."""
    o = world["shopify_orders"]
    o = o[o["cancelled_at"].isna() & ~o["test"].astype(bool)]
    o = o[o["financial_status"].isin(["paid", "partially_refunded", "refunded"])]
    truth = world["truth_accounts"]
    customer = truth[truth["platform"] == "shopify"].set_index("account_id")["person_id"]
    guest = truth[truth["platform"] == "shopify_order"].set_index("account_id")["person_id"]
    person = o["customer_id"].astype("Int64").astype(str).map(customer)
    person = person.fillna(o["order_id"].astype(str).map(guest))
    assert person.notna().all()
    return pd.DataFrame(
        {
            "member_id": person.astype("int64").astype(str),
            "currency": o["currency"].astype(str),
            "order_date": (pd.to_datetime(o["created_at"]) + pd.Timedelta(hours=8)).dt.date,
            "net_amount": o["total_price"].astype(float),
        }
    )


def test_predicted_purchases_track_the_generators_next_weeks(world):
    result = fit_and_predict(_orders_by_person(world))
    assert list(result.members.columns) == list(MEMBER_COLUMNS)
    assert list(result.params.columns) == list(PARAM_COLUMNS)
    (params,) = result.params.to_dict("records")
    assert params["status"] == "fitted" and params["customers"] > 1000 and params["repeat_buyers"] > 300
    members = result.members.set_index("member_id")
    future_weeks = world.meta["future_weeks"]
    actual = (
        world["truth_future"]
        .groupby("person_id")["orders"]
        .sum()
        .reindex(members.index.astype("int64"))
        .fillna(0)
        .to_numpy()
    )
    # the world simulates `future_weeks` weeks after the window; scale the 90-day prediction to that span
    predicted = members["expected_purchases_90d"].to_numpy() * (7 * future_weeks / 90)
    pearson = float(np.corrcoef(predicted, actual)[0, 1])
    spearman = float(pd.Series(predicted).corr(pd.Series(actual), method="spearman"))
    print(
        f"clv: {len(members)} buyers, predicted {predicted.sum():.0f} orders in {future_weeks} weeks, "
        f"the generator made {actual.sum():.0f}; Pearson {pearson:.3f}, Spearman {spearman:.3f}"
    )
    assert pearson > 0.3 and spearman > 0.3
    assert predicted.sum() == pytest.approx(actual.sum(), rel=0.25)
    assert members["p_alive"].between(0, 1).all() and (members["clv_12m"] >= 0).all()
    assert (members["expected_purchases_365d"] >= members["expected_purchases_90d"]).all()
    assert (members["historical_value"] > 0).all()


def test_a_currency_with_too_few_buyers_gets_a_reason_not_a_fit(world):
    orders = _orders_by_person(world)
    few = orders[orders["member_id"].isin(orders["member_id"].unique()[:10])].assign(currency="USD")
    result = fit_and_predict(pd.concat([orders, few]), min_customers=50)
    by_currency = result.params.set_index("currency")
    assert by_currency.loc["USD", "status"].startswith("not enough data: 10 customers")
    assert np.isnan(by_currency.loc["USD", "bgnbd_r"])
    assert set(result.members["currency"]) == {"CNY"}
