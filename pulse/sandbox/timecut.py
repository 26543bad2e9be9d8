"""The world as the platforms would have served it at an earlier moment: every row born before `cutoff`.

`make bench` builds on the world without its last day, then serves the whole world and times the incremental day:
the connectors' cursors fetch only what the day added, as they do in production. A row's birth is its creation
(posts, orders, members joining, a datacube day); order lines, trade items and refunds go with their order. Later
times on a kept row (an edit, an update, a leave after the cutoff) are kept: the bench only needs the new day's
records to be new, not an exact replay of the past.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pulse.sandbox.tables import World

# table -> the column that says when its row came into being (naive UTC, or a local date for WeChat's datacube)
BIRTH = {
    "discourse_users": "created_at",
    "discourse_topics": "created_at",
    "discourse_posts": "created_at",
    "shopify_customers": "created_at",
    "shopify_orders": "created_at",
    "shopify_refunds": "created_at",
    "shopify_discount_codes": "created_at",
    "reddit_users": "created_at",
    "reddit_submissions": "created_at",
    "reddit_comments": "created_at",
    "discord_members": "joined_at",
    "discord_threads": "created_at",
    "discord_messages": "created_at",
    "youzan_customers": "created_at",
    "youzan_trades": "created_at",
    "youzan_points": "created_at",
    "woo_customers": "date_created",
    "woo_orders": "date_created",
    "woo_refunds": "date_created",
    "woo_coupons": "date_created",
    "offline_pos_orders": "paid_at",
    "offline_checkins": "checked_in_at",
    "wecom_group_chats": "create_time",
    "wecom_group_members": "join_time",
    "wecom_follow_users": "createtime",
    "wechat_mp_followers": "first_subscribe_time",
    "wechat_mp_user_summary": "ref_date",
    "wechat_mp_user_cumulate": "ref_date",
    "wechat_mp_articles": "ref_date",
    "member_bindings": "registered_at",
}
# child table -> (its key column, parent table, the parent's key column)
CHILDREN = {
    "shopify_order_lines": ("order_id", "shopify_orders", "order_id"),
    "youzan_trade_items": ("tid", "youzan_trades", "tid"),
    "woo_order_lines": ("order_id", "woo_orders", "order_id"),
}


def last_day_start(world: World) -> dt.datetime:
    """The start of the world's last local day (naive UTC): the moment `world_until` cuts at for one new day."""
    return dt.datetime.fromisoformat(world.meta["window_end_utc"]) - dt.timedelta(days=1)


def world_until(world: World, cutoff: dt.datetime) -> World:
    """A copy of `world` holding the rows born before `cutoff` (naive UTC); tables without a birth are whole."""
    local_day = (pd.Timestamp(cutoff).tz_localize("UTC").tz_convert(world.meta["timezone"])).date()
    tables = {}
    for name, frame in world.tables.items():
        column = BIRTH.get(name)
        if column is None or column not in frame.columns:
            tables[name] = frame
            continue
        values = frame[column]
        if values.dtype == object:  # dates of the datacube: local days
            keep = pd.to_datetime(values).dt.date < local_day
        else:
            keep = values.isna() | (values < pd.Timestamp(cutoff))
        tables[name] = frame[keep.to_numpy()].reset_index(drop=True)
    for name, (key, parent, parent_key) in CHILDREN.items():
        if name in tables:
            frame = tables[name]
            tables[name] = frame[frame[key].isin(tables[parent][parent_key])].reset_index(drop=True)
    meta = {**world.meta, "cut_at_utc": cutoff.isoformat()}
    return World(tables=tables, meta=meta)
