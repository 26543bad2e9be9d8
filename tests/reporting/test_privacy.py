"""Free text from the warehouse loses email addresses and phone numbers before it reaches a report."""

from __future__ import annotations

import pytest

from reporting.privacy import excerpt, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail zhang.san@example.org now", "mail [email] now"),
        ("电话13800138000，谢谢", "电话[phone]，谢谢"),
        ("call 138 0013 8000 today", "call [phone] today"),
        ("+86 21 6123 4567", "[phone]"),
        ("(555) 123-4567 or +1-202-555-0143", "[phone] or [phone]"),
        ("tel: 021-61234567", "tel: [phone]"),
        ("2026-11-23 138 0013 8000", "2026-11-23 [phone]"),
        # not phone numbers: dates, times, weeks, amounts, short ids
        ("订单 2026-11-02 09:30 还没到", "订单 2026-11-02 09:30 还没到"),
        ("2026-W47 score 73.5, revenue 258,824.40", "2026-W47 score 73.5, revenue 258,824.40"),
        ("topic 10008 and order 12345", "topic 10008 and order 12345"),
        (None, ""),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_excerpt_is_scrubbed_collapsed_and_cut():
    text = "联系  me\n at a.b@example.com " + "很" * 200
    out = excerpt(text, limit=40)
    assert out.startswith("联系 me at [email] 很") and len(out) == 40 and out.endswith("…")
    assert excerpt("short") == "short"
