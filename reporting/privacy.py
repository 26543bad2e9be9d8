"""Keep personal data out of the report: every free text that comes from the warehouse (post excerpts, handles,
campaign and channel names) goes through `scrub` before it is rendered.

The marts already redact contact data in excerpts and never hold an email or phone number as a handle; the report
does it again because it is the last step before an inbox, and a redaction rule in one mart does not cover text
that reaches the report through another. Escaping for HTML is the template's job (autoescape), not this one's.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone numbers: an optional +country code, then digits with spaces, dots, dashes or brackets between them, 7 to
# 15 digits in all (E.164 allows 15). Dates (2026-11-16), times and ordinary amounts are not phone numbers.
PHONE_CANDIDATE = re.compile(r"(?<![\w.,+])(?:\+|00)?\(?\d[\d\s().-]{5,30}\d(?![\w,]|\.\d)")
DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}(?!\d)|^\d{1,2}:\d{2}")
CN_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    date = DATE_LIKE.match(text)
    if date:  # a date or time first: keep it, look at what follows
        return text[: date.end()] + PHONE_CANDIDATE.sub(_phone, text[date.end() :])
    if digits < 7 or digits > 15:
        return text
    if not (text.startswith(("+", "00", "(")) or digits >= 9 or re.search(r"\d[\s.-]\d", text)):
        return text
    return PHONE_MARK


def scrub(text: object) -> str:
    """`text` with email addresses and phone numbers replaced by [email] and [phone]; None gives ''."""
    if text is None:
        return ""
    out = EMAIL.sub(EMAIL_MARK, str(text))
    out = CN_MOBILE.sub(PHONE_MARK, out)
    return PHONE_CANDIDATE.sub(_phone, out)


def excerpt(text: object, limit: int = 140) -> str:
    """A scrubbed, whitespace-collapsed excerpt of at most `limit` characters (… when cut)."""
    clean = " ".join(scrub(text).split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
