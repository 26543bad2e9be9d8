"""A WeChat Official Account (公众号) over the World's `wechat_mp_*` tables, plus the token and in-band error
machinery WeChat and WeCom share (`WeChatGate`, used by `pulse.sandbox.platforms.wecom`).

Paths (under the `/wechat_mp` prefix), as https://api.weixin.qq.com serves them:
- `GET /cgi-bin/token?grant_type=client_credential&appid=&secret=` -> `{"access_token", "expires_in": 7200}`.
  Every call issues a new token; the previous one keeps working for 5 minutes, then answers 40001.
- `GET /cgi-bin/user/get?access_token=&next_openid=` -> `{total, count, data: {openid: [...]}, next_openid}`:
  10,000 openids a page in the order people followed, `next_openid` = the page's last openid. The page after
  the last has `count` 0, no `data`, and `next_openid` "" (it is present even then).
- `POST /cgi-bin/user/info/batchget` `{"user_list": [{"openid", "lang"}]}` (at most 100) -> `user_info_list`
  with `subscribe`, `openid`, `language`, `subscribe_time` (epoch s), `unionid`, `subscribe_scene`, ...
- `POST /datacube/getusersummary` and `/datacube/getusercumulate` `{begin_date, end_date}`: at most 7 days;
  `/datacube/getarticlesummary`: exactly 1 day. Dates `YYYY-MM-DD` (Asia/Shanghai), data only up to yesterday:
  a longer window, an end before the begin, or an end from today on is errcode 61501; a malformed date 61500.
  Days outside the world's window have no rows.

Errors come as HTTP 200 with `errcode`/`errmsg` (the message ends in a request id `rid: ...`, so only the code
can be matched): 41001 no token, 40001 invalid or superseded token, 42001 expired token, 45009 the daily quota
is spent, 45011 the per-minute limit (rate limits on: 600 calls a minute, the window shrunk by `rate_scale`),
-1 system busy, 43001/43002 wrong method, 47001 a body that is not JSON.

Test knobs, set on the platform object (`server.platforms["/wechat_mp"]`), all off by default:
`quota` (calls allowed before 45009; `reset_quota()`), `token_max_uses` / `token_ttl` (a token expires after
that many calls / seconds: 42001), `inband` ({errcode: probability}, drawn per API call from `seed`: 40001 and
42001 really invalidate the presented token), `page_size` (user/get), `today` (the date the API thinks it is),
`as_of` (naive UTC: who follows at that moment). Injected faults: 429 -> 200 + 45011, 500 -> 200 + -1 (WeChat
never answers 429 or a JSON 500), 502/503 -> the gateway's HTML page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import PlatformSpec, Request, Response, dumps, html_error, table
from pulse.sandbox.ratelimit import SlidingWindowLimiter

SHANGHAI = ZoneInfo("Asia/Shanghai")
WECHAT_JSON = "application/json; encoding=utf-8"

FOLLOWERS = (
    "openid",
    "unionid",
    "language",
    "first_subscribe_time",
    "unsubscribe_time",
    "resubscribe_time",
    "subscribe_scene",
    "user_source",
    "qr_scene_str",
)
SUMMARY = ("ref_date", "user_source", "new_user", "cancel_user")
CUMULATE = ("ref_date", "cumulate_user")
ARTICLES = (
    "ref_date",
    "msgid",
    "title",
    "int_page_read_user",
    "int_page_read_count",
    "ori_page_read_user",
    "ori_page_read_count",
    "share_user",
    "share_count",
    "add_to_fav_user",
    "add_to_fav_count",
)

USER_GET_PAGE = 10_000
BATCHGET_MAX = 100
MINUTE_LIMIT = 600

MP_ERRORS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40125: "invalid appsecret",
    40002: "invalid grant_type",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    40032: "invalid openid list size, at most 100",
    47001: "data format error",
    61500: "date format error",
    61501: "date range error",
}


class WeChatGate:
    """Access tokens, the daily quota, injected in-band errors and the rate limit, the way WeChat and WeCom do
    them. `errors` maps errcode -> errmsg; `invalid_code` is what a token that never existed (or was revoked)
    answers: 40001 on the Official Account, 40014 on WeCom; `reuse` gives the live token back until it expires
    (WeCom) instead of a new one that supersedes it after `overlap` seconds (Official Account)."""

    def __init__(
        self,
        errors: Mapping[int, str],
        invalid_code: int,
        reuse: bool,
        rate_limit: tuple[int, float] | None,
        rate_code: int,
        overlap: float = 300.0,
        token_ttl: float = 7200.0,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        suffix: Callable[[], str] | None = None,
    ):
        self.errors = dict(errors)
        self.invalid_code, self.reuse, self.overlap = invalid_code, reuse, overlap
        self.rate_code = rate_code
        self.limiter = SlidingWindowLimiter(*rate_limit, clock=clock) if rate_limit else None
        self.clock = clock
        self.suffix = suffix or (
            lambda: f" rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"
        )
        self.lock = threading.Lock()
        # test knobs
        self.token_ttl = token_ttl
        self.token_max_uses: int | None = None
        self.quota: int | None = None
        self.inband: dict[int, float] = {}
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.tokens: dict[str, dict] = {}  # token -> {"expires": t, "uses": n, "superseded": t | None}
            self.current: str | None = None
            self.calls = 0
            self.counts: dict[int, int] = {}  # errcodes answered, by code
            self.issued = 0
            self.rng = random.Random(self.seed)
        if self.limiter is not None:
            self.limiter.reset()

    def reset_quota(self) -> None:
        """A new day: the quota's calls start from zero."""
        with self.lock:
            self.calls = 0

    def error(self, code: int, extra: str = "") -> Response:
        with self.lock:
            self.counts[code] = self.counts.get(code, 0) + 1
        msg = self.errors.get(code, "unknown error") + extra + self.suffix()
        return Response(200, dumps({"errcode": code, "errmsg": msg}), [], WECHAT_JSON)

    def issue(self) -> tuple[str, int]:
        """A token and its remaining lifetime in whole seconds."""
        now = self.clock()
        with self.lock:
            live = self.tokens.get(self.current) if self.current else None
            if self.reuse and live and self._valid(live, now):
                return self.current, max(1, int(live["expires"] - now))
            if live and not self.reuse:
                live["superseded"] = now
            token = secrets.token_urlsafe(96)[:128]
            self.tokens[token] = {"expires": now + self.token_ttl, "uses": 0, "superseded": None}
            self.current = token
            self.issued += 1
            return token, int(self.token_ttl)

    def _valid(self, t: dict, now: float) -> bool:
        if now >= t["expires"] or (self.token_max_uses is not None and t["uses"] >= self.token_max_uses):
            return False
        return t["superseded"] is None or now < t["superseded"] + self.overlap

    def admit(self, request: Request) -> Response | None:
        """Check one API call's token, quota, rate and injected errors; None lets it through."""
        token = request.arg("access_token")
        if not token:
            return self.error(41001)
        now = self.clock()
        with self.lock:
            t = self.tokens.get(token)
            if t is not None and t["superseded"] is not None and now >= t["superseded"] + self.overlap:
                code = self.invalid_code  # replaced by a newer token: "not latest"
            elif t is None:
                code = self.invalid_code
            elif not self._valid(t, now):
                code = 42001
            else:
                code = 0
                t["uses"] += 1
            if code == 0 and self.quota is not None and self.calls >= self.quota:
                code = 45009
            if code == 0:
                self.calls += 1
                injected = self._draw()
                if injected in (self.invalid_code, 40001, 40014):
                    self.tokens.pop(token, None)  # really revoked: only a new token helps
                elif injected == 42001:
                    t["expires"] = now
                code = injected
        if code:
            return self.error(code)
        if self.limiter is not None and self.limiter.hit("app") > 0:
            return self.error(self.rate_code)
        return None

    def _draw(self) -> int:
        if not self.inband:
            return 0
        u = self.rng.random()
        acc = 0.0
        for code, p in sorted(self.inband.items()):
            acc += p
            if u < acc:
                return int(code)
        return 0


def _body(request: Request) -> dict | None:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


NEVER = np.iinfo(np.int64).max


def _epoch(values: pd.Series) -> np.ndarray:
    """Naive UTC timestamps -> epoch seconds (int64); NaT (it never happened) -> NEVER."""
    arr = values.to_numpy(dtype="datetime64[s]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = NEVER
    return out


class WeChatMPPlatform:
    name = "wechat_mp"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        app_id: str,
        app_secret: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
        seed: int = 0,
    ):
        self.app_id, self.app_secret = app_id, app_secret
        self.gate = WeChatGate(
            MP_ERRORS,
            invalid_code=40001,
            reuse=False,
            rate_limit=(MINUTE_LIMIT, 60.0 / rate_scale) if rate_limits else None,
            rate_code=45011,
            seed=seed,
        )
        self.page_size = USER_GET_PAGE
        self.today: dt.date | None = None
        self.as_of: dt.datetime | None = None
        self.requests: list[tuple[str, dict]] = []  # datacube calls (path, body), for tests
        self._load(tables)

    # knobs that live on the gate, reachable on the platform too
    quota = property(lambda self: self.gate.quota, lambda self, v: setattr(self.gate, "quota", v))
    inband = property(lambda self: self.gate.inband, lambda self, v: setattr(self.gate, "inband", v))
    token_max_uses = property(
        lambda self: self.gate.token_max_uses, lambda self, v: setattr(self.gate, "token_max_uses", v)
    )
    token_ttl = property(lambda self: self.gate.token_ttl, lambda self, v: setattr(self.gate, "token_ttl", v))

    def reset_quota(self) -> None:
        self.gate.reset_quota()

    def _load(self, tables: Mapping[str, pd.DataFrame]) -> None:
        f = table(tables, "wechat_mp_followers", FOLLOWERS)
        self.openids = f["openid"].astype(object).to_numpy()
        self.position = {o: i for i, o in enumerate(self.openids.tolist())}
        self.sub = _epoch(f["first_subscribe_time"])
        self.unsub = _epoch(f["unsubscribe_time"])
        self.resub = _epoch(f["resubscribe_time"])
        self.info_static = [
            {
                "openid": r.openid,
                "language": r.language,
                "unionid": r.unionid,
                "scene": r.subscribe_scene,
                "qr": r.qr_scene_str if isinstance(r.qr_scene_str, str) else "",
            }
            for r in f.itertuples(index=False)
        ]
        self.datacube = {
            "getusersummary": (self._by_day(table(tables, "wechat_mp_user_summary", SUMMARY)), 7),
            "getusercumulate": (self._by_day(table(tables, "wechat_mp_user_cumulate", CUMULATE)), 7),
            "getarticlesummary": (self._by_day(table(tables, "wechat_mp_articles", ARTICLES)), 1),
        }

    @staticmethod
    def _by_day(frame: pd.DataFrame) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for rec in frame.to_dict("records"):
            day = (
                rec["ref_date"].isoformat() if hasattr(rec["ref_date"], "isoformat") else str(rec["ref_date"])
            )
            rec = {
                k: (int(v) if isinstance(v, (np.integer, int)) and k != "ref_date" else v)
                for k, v in rec.items()
            }
            rec["ref_date"] = day
            out.setdefault(day, []).append(rec)
        return out

    # ------------------------------------------------------------------ state at a moment
    def _now_s(self) -> int:
        """The moment served, epoch seconds: `as_of`, else after everything the world holds."""
        if self.as_of is None:
            return NEVER - 1
        return int(self.as_of.replace(tzinfo=dt.UTC).timestamp())

    def _following(self, now: int) -> np.ndarray:
        return (self.sub <= now) & ~((self.unsub <= now) & ~(self.resub <= now))

    def _subscribe_time(self, i: int, now: int) -> int:
        return int(self.resub[i]) if self.resub[i] <= now else int(self.sub[i])

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/cgi-bin/token":
            return self.token(request)
        routes = {
            "/cgi-bin/user/get": ("GET", self.user_get),
            "/cgi-bin/user/info/batchget": ("POST", self.batchget),
            "/datacube/getusersummary": ("POST", self.datacube_call),
            "/datacube/getusercumulate": ("POST", self.datacube_call),
            "/datacube/getarticlesummary": ("POST", self.datacube_call),
        }
        route = routes.get(path)
        if route is None:
            return Response(404, b"<html><body><h1>404 Not Found</h1></body></html>", [], "text/html")
        denied = self.gate.admit(request)
        if denied is not None:
            return denied
        method, handler = route
        if request.method != method:
            return self.gate.error(43001 if method == "GET" else 43002)
        return handler(request, path)

    def token(self, request: Request) -> Response:
        if request.arg("grant_type") != "client_credential":
            return self.gate.error(40002)
        appid, secret = request.arg("appid"), request.arg("secret")
        if not appid:
            return self.gate.error(41002)
        if appid != self.app_id:
            return self.gate.error(40013)
        if not secret:
            return self.gate.error(41004)
        if secret != self.app_secret:
            return self.gate.error(40125)
        token, expires_in = self.gate.issue()
        return Response(200, dumps({"access_token": token, "expires_in": expires_in}), [], WECHAT_JSON)

    def user_get(self, request: Request, path: str) -> Response:
        now = self._now_s()
        following = self._following(now)
        start = 0
        after = request.arg("next_openid")
        if after:
            pos = self.position.get(after)
            if pos is None:
                return self.gate.error(40003)
            start = pos + 1
        idx = np.flatnonzero(following[start:])[: self.page_size] + start
        total = int(following.sum())
        if len(idx) == 0:
            return Response(200, dumps({"total": total, "count": 0, "next_openid": ""}), [], WECHAT_JSON)
        ids = self.openids[idx].tolist()
        body = {"total": total, "count": len(ids), "data": {"openid": ids}, "next_openid": ids[-1]}
        return Response(200, dumps(body), [], WECHAT_JSON)

    def batchget(self, request: Request, path: str) -> Response:
        body = _body(request)
        if body is None:
            return self.gate.error(47001)
        users = body.get("user_list")
        if not isinstance(users, list) or not users:
            return self.gate.error(44002)
        if len(users) > BATCHGET_MAX:
            return self.gate.error(40032)
        now = self._now_s()
        following = self._following(now)
        out = []
        for u in users:
            openid = u.get("openid") if isinstance(u, dict) else None
            i = self.position.get(openid)
            if i is None:
                return self.gate.error(40003)
            s = self.info_static[i]
            if not following[i]:
                out.append({"subscribe": 0, "openid": openid})
                continue
            out.append(
                {
                    "subscribe": 1,
                    "openid": openid,
                    "language": s["language"],
                    "subscribe_time": self._subscribe_time(i, now),
                    "unionid": s["unionid"],
                    "remark": "",
                    "groupid": 0,
                    "tagid_list": [],
                    "subscribe_scene": s["scene"],
                    "qr_scene": 0,
                    "qr_scene_str": s["qr"],
                }
            )
        return Response(200, dumps({"user_info_list": out}), [], WECHAT_JSON)

    def datacube_call(self, request: Request, path: str) -> Response:
        body = _body(request)
        if body is None:
            return self.gate.error(47001)
        self.requests.append((path, dict(body)))
        rows, max_days = self.datacube[path.rsplit("/", 1)[1]]
        try:
            begin = dt.date.fromisoformat(str(body.get("begin_date")))
            end = dt.date.fromisoformat(str(body.get("end_date")))
        except ValueError:
            return self.gate.error(61500)
        today = self.today or dt.datetime.now(SHANGHAI).date()
        if end < begin or (end - begin).days + 1 > max_days or end >= today:
            return self.gate.error(61501)
        days = ((begin + dt.timedelta(days=d)).isoformat() for d in range((end - begin).days + 1))
        found = list(itertools.chain.from_iterable(rows.get(d, ()) for d in days))
        return Response(200, dumps({"list": found}), [], WECHAT_JSON)

    # ------------------------------------------------------------------ protocol
    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return self.gate.error(45011)
        if status == 500:
            return self.gate.error(-1)
        return html_error(status)

    def reset(self) -> None:
        self.gate.reset()
        self.requests.clear()

    def warm(self) -> None:
        pass


PLATFORM = PlatformSpec(
    name="wechat_mp",
    credentials={"app_id": "wx5a9c3e1d7b2f4608", "app_secret": "sandbox-wechat-mp-app-secret"},
    build=lambda tables, creds, rate_limits, rate_scale: WeChatMPPlatform(
        tables,
        app_id=creds["app_id"],
        app_secret=creds["app_secret"],
        rate_limits=rate_limits,
        rate_scale=rate_scale,
    ),
)
