"""WeCom (企业微信) customer contact: customer groups and external contacts, over the World's `wecom_*` tables.

Paths (under the `/wecom` prefix), as https://qyapi.weixin.qq.com serves them:
- `GET /cgi-bin/gettoken?corpid=&corpsecret=` -> `{"errcode": 0, "errmsg": "ok", "access_token", "expires_in"}`;
  the same token comes back (with the seconds it has left) until it expires, as WeCom does.
- `POST /cgi-bin/externalcontact/groupchat/list` `{status_filter, owner_filter: {userid_list}, cursor, limit}`
  (`limit` 1..1000, required) -> `group_chat_list: [{chat_id, status}]`, `next_cursor` ("" after the last page).
- `POST /cgi-bin/externalcontact/groupchat/get` `{chat_id, need_name}` -> `group_chat {chat_id, name, owner,
  create_time, notice, member_list, admin_list, member_version}`: the members at that moment (join_time,
  join_scene, invitor for staff invitations, group_nickname, name with need_name=1, unionid for externals).
  Who left is not said anywhere: a member present in an earlier answer and absent now has left.
- `GET /cgi-bin/externalcontact/get_follow_user_list` -> `follow_user`: staff with customer-contact permission.
- `GET /cgi-bin/externalcontact/list?userid=` -> `external_userid: [...]`, or errcode 84061 when that staff
  member has no external contacts.
- `GET /cgi-bin/externalcontact/get?external_userid=&cursor=` -> `external_contact`, `follow_user` (500 at most
  per page; `next_cursor` when more follow).

Errors: HTTP 200 with `errcode`/`errmsg` (the message carries a `hint: [...]` that differs every time). 41001
no token, 40014 invalid token, 42001 expired token, 40001/40013 bad secret/corpid on gettoken, 45033 concurrency
limit (rate limits on: 10,000 calls a minute, the window shrunk by `rate_scale`), 45009 calls over the limit
(the `quota` knob), 40058 a bad parameter, 40050 an unknown chat_id, 40096 an unknown external_userid, 60111 an
unknown userid, 47001 a body that is not JSON, -1 system busy.

Test knobs on the platform object (`server.platforms["/wecom"]`): `quota`, `token_max_uses`, `token_ttl`,
`inband` (see `pulse.sandbox.platforms.wechat_mp.WeChatGate`), `follow_page_size`, and `as_of` (naive UTC: the
moment served; groups, members and contacts that came later are not there yet, members who left by then are
gone). Injected faults: 429 -> 200 + 45033, 500 -> 200 + -1, 502/503 -> the gateway's HTML page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import PlatformSpec, Request, Response, dumps, html_error, table
from pulse.sandbox.platforms.wechat_mp import NEVER, WeChatGate, _body, _epoch

WECOM_JSON = "application/json; charset=UTF-8"

STAFF = ("userid", "name")
GROUPS = ("chat_id", "name", "owner", "create_time", "notice", "status", "admin_userids")
MEMBERS = (
    "chat_id",
    "userid",
    "type",
    "unionid",
    "join_time",
    "join_scene",
    "invitor",
    "group_nickname",
    "name",
    "left_at",
)
CONTACTS = ("external_userid", "name", "type", "gender", "unionid", "corp_name", "avatar")
FOLLOWS = (
    "external_userid",
    "userid",
    "remark",
    "description",
    "createtime",
    "add_way",
    "oper_userid",
    "state",
    "tag",
    "remark_mobile",
)

MAX_LIMIT = 1000
FOLLOW_PAGE = 500
MINUTE_LIMIT = 10_000

WECOM_ERRORS = {
    -1: "system busy",
    40001: "invalid credential",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40050: "chatid not found",
    40058: "invalid Request Parameter",
    40096: "invalid external userid",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    47001: "data format error",
    60111: "invalid string value for userid",
    84061: "not external contact",
}


def _hint() -> str:
    return f", hint: [{secrets.randbelow(10**10)}_{secrets.token_hex(8)}], from ip: 127.0.0.1"


def _cursor(offset: int) -> str:
    raw = offset.to_bytes(4, "big") + hashlib.sha256(str(offset).encode()).digest()[:28]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(cursor: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32:
        return None
    offset = int.from_bytes(raw[:4], "big")
    return offset if _cursor(offset) == cursor else None


def _tag_id(name: str) -> str:
    return "et" + hashlib.md5(name.encode()).hexdigest()[:28]


class WeComPlatform:
    name = "wecom"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        corp_id: str,
        corp_secret: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
        seed: int = 0,
    ):
        self.corp_id, self.corp_secret = corp_id, corp_secret
        self.gate = WeChatGate(
            WECOM_ERRORS,
            invalid_code=40014,
            reuse=True,
            rate_limit=(MINUTE_LIMIT, 60.0 / rate_scale) if rate_limits else None,
            rate_code=45033,
            seed=seed,
            suffix=_hint,
        )
        self.follow_page_size = FOLLOW_PAGE
        self.as_of: dt.datetime | None = None
        self._load(tables)

    quota = property(lambda self: self.gate.quota, lambda self, v: setattr(self.gate, "quota", v))
    inband = property(lambda self: self.gate.inband, lambda self, v: setattr(self.gate, "inband", v))
    token_max_uses = property(
        lambda self: self.gate.token_max_uses, lambda self, v: setattr(self.gate, "token_max_uses", v)
    )
    token_ttl = property(lambda self: self.gate.token_ttl, lambda self, v: setattr(self.gate, "token_ttl", v))

    def reset_quota(self) -> None:
        self.gate.reset_quota()

    # ------------------------------------------------------------------ load
    def _load(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.staff = table(tables, "wecom_staff", STAFF)["userid"].astype(object).tolist()
        g = table(tables, "wecom_group_chats", GROUPS)
        created = _epoch(g["create_time"]) if len(g) else np.array([], np.int64)
        order = np.argsort(created, kind="stable")
        g = g.iloc[order].reset_index(drop=True)
        self.g_created = created[order]
        self.groups = [
            {
                "chat_id": r.chat_id,
                "name": r.name,
                "owner": r.owner,
                "create_time": int(c),
                "notice": r.notice,
                "status": int(r.status),
                "admins": [a for a in str(r.admin_userids or "").split(",") if a],
            }
            for r, c in zip(g.itertuples(index=False), self.g_created.tolist(), strict=True)
        ]
        self.group_of = {grp["chat_id"]: i for i, grp in enumerate(self.groups)}

        m = table(tables, "wecom_group_members", MEMBERS)
        join, left = _epoch(m["join_time"]), _epoch(m["left_at"])
        self.members: dict[str, list[tuple[int, int, dict, dict]]] = {}
        for r, j, lft in zip(m.itertuples(index=False), join.tolist(), left.tolist(), strict=True):
            entry = {"userid": r.userid, "type": int(r.type)}
            if int(r.type) == 2 and isinstance(r.unionid, str):
                entry["unionid"] = r.unionid
            entry["join_time"] = int(j)
            entry["join_scene"] = int(r.join_scene)
            if isinstance(r.invitor, str):
                entry["invitor"] = {"userid": r.invitor}
            entry["group_nickname"] = r.group_nickname if isinstance(r.group_nickname, str) else ""
            self.members.setdefault(r.chat_id, []).append((int(j), int(lft), entry, {"name": r.name}))

        c = table(tables, "wecom_external_contacts", CONTACTS)
        self.contacts: dict[str, dict] = {}
        for r in c.itertuples(index=False):
            contact = {"external_userid": r.external_userid, "name": r.name, "type": int(r.type)}
            contact["avatar"] = r.avatar
            if int(r.type) == 2 and isinstance(r.corp_name, str):
                contact["corp_name"] = r.corp_name.removesuffix("有限公司")
                contact["corp_full_name"] = r.corp_name
            contact["gender"] = int(r.gender)
            if isinstance(r.unionid, str):
                contact["unionid"] = r.unionid
            self.contacts[r.external_userid] = contact

        f = table(tables, "wecom_follow_users", FOLLOWS)
        created_f = _epoch(f["createtime"])
        self.follows: dict[str, list[tuple[int, dict]]] = {}
        self.by_staff: dict[str, list[tuple[int, str]]] = {}
        corp_of = {k: v.get("corp_name") for k, v in self.contacts.items()}
        for r, t in zip(f.itertuples(index=False), created_f.tolist(), strict=True):
            fu = {
                "userid": r.userid,
                "remark": r.remark,
                "description": r.description,
                "createtime": int(t),
            }
            if isinstance(r.tag, str):
                fu["tags"] = [
                    {"group_name": "客户分层", "tag_name": r.tag, "tag_id": _tag_id(r.tag), "type": 1}
                ]
            else:
                fu["tags"] = []
            if corp_of.get(r.external_userid):
                fu["remark_corp_name"] = corp_of[r.external_userid]
            fu["remark_mobiles"] = [r.remark_mobile] if isinstance(r.remark_mobile, str) else []
            fu["oper_userid"] = r.oper_userid
            fu["add_way"] = int(r.add_way)
            if isinstance(r.state, str):
                fu["state"] = r.state
            self.follows.setdefault(r.external_userid, []).append((int(t), fu))
            self.by_staff.setdefault(r.userid, []).append((int(t), r.external_userid))

    def _now_s(self) -> int:
        if self.as_of is None:
            return NEVER - 1
        return int(self.as_of.replace(tzinfo=dt.UTC).timestamp())

    def _ok(self, payload: dict) -> Response:
        return Response(200, dumps({"errcode": 0, "errmsg": "ok", **payload}), [], WECOM_JSON)

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/cgi-bin/gettoken":
            return self.token(request)
        routes = {
            "/cgi-bin/externalcontact/groupchat/list": ("POST", self.group_list),
            "/cgi-bin/externalcontact/groupchat/get": ("POST", self.group_get),
            "/cgi-bin/externalcontact/get_follow_user_list": ("GET", self.follow_user_list),
            "/cgi-bin/externalcontact/list": ("GET", self.contact_list),
            "/cgi-bin/externalcontact/get": ("GET", self.contact_get),
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
        return handler(request)

    def token(self, request: Request) -> Response:
        corpid, secret = request.arg("corpid"), request.arg("corpsecret")
        if not corpid:
            return self.gate.error(41002)
        if corpid != self.corp_id:
            return self.gate.error(40013)
        if not secret:
            return self.gate.error(41004)
        if secret != self.corp_secret:
            return self.gate.error(40001)
        token, expires_in = self.gate.issue()
        return self._ok({"access_token": token, "expires_in": expires_in})

    def group_list(self, request: Request) -> Response:
        body = _body(request)
        if body is None:
            return self.gate.error(47001)
        limit = body.get("limit")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            return self.gate.error(40058, f": limit must be 1..{MAX_LIMIT}")
        status = body.get("status_filter", 0)
        owners = None
        if isinstance(body.get("owner_filter"), dict):
            owners = set(body["owner_filter"].get("userid_list") or [])
        now = self._now_s()
        chosen = [
            g
            for g, created in zip(self.groups, self.g_created.tolist(), strict=True)
            if created <= now
            and (status == 0 or g["status"] == status)
            and (owners is None or g["owner"] in owners)
        ]
        start = 0
        if body.get("cursor"):
            start = _offset(str(body["cursor"]))
            if start is None:
                return self.gate.error(40058, ": invalid cursor")
        page = chosen[start : start + limit]
        end = start + len(page)
        return self._ok(
            {
                "group_chat_list": [{"chat_id": g["chat_id"], "status": g["status"]} for g in page],
                "next_cursor": _cursor(end) if end < len(chosen) else "",
            }
        )

    def group_get(self, request: Request) -> Response:
        body = _body(request)
        if body is None:
            return self.gate.error(47001)
        chat_id = body.get("chat_id")
        if not chat_id:
            return self.gate.error(40058, ": chat_id missing")
        i = self.group_of.get(chat_id)
        now = self._now_s()
        if i is None or self.groups[i]["create_time"] > now:
            return self.gate.error(40050)
        g = self.groups[i]
        need_name = body.get("need_name") in (1, "1", True)
        members = []
        for join, left, entry, extra in self.members.get(chat_id, ()):
            if join <= now < left:
                members.append({**entry, **extra} if need_name else entry)
        present = {m["userid"] for m in members}
        version = hashlib.md5(
            "|".join(f"{m['userid']}:{m['join_time']}" for m in members).encode()
        ).hexdigest()
        return self._ok(
            {
                "group_chat": {
                    "chat_id": g["chat_id"],
                    "name": g["name"],
                    "owner": g["owner"],
                    "create_time": g["create_time"],
                    "notice": g["notice"],
                    "member_list": members,
                    "admin_list": [{"userid": a} for a in g["admins"] if a in present],
                    "member_version": version,
                }
            }
        )

    def follow_user_list(self, request: Request) -> Response:
        return self._ok({"follow_user": list(self.staff)})

    def contact_list(self, request: Request) -> Response:
        userid = request.arg("userid")
        if not userid or userid not in self.staff:
            return self.gate.error(60111, f" `{userid}`" if userid else "")
        now = self._now_s()
        ids = [e for t, e in self.by_staff.get(userid, ()) if t <= now]
        if not ids:
            return self.gate.error(84061)
        return self._ok({"external_userid": ids})

    def contact_get(self, request: Request) -> Response:
        ext = request.arg("external_userid")
        contact = self.contacts.get(ext or "")
        if contact is None:
            return self.gate.error(40096)
        now = self._now_s()
        follows = [fu for t, fu in self.follows.get(ext, ()) if t <= now]
        if not follows:
            return self.gate.error(84061)
        start = 0
        if request.arg("cursor"):
            start = _offset(request.arg("cursor") or "")
            if start is None:
                return self.gate.error(40058, ": invalid cursor")
        page = follows[start : start + self.follow_page_size]
        payload: dict = {"external_contact": contact, "follow_user": page}
        if start + len(page) < len(follows):
            payload["next_cursor"] = _cursor(start + len(page))
        return self._ok(payload)

    # ------------------------------------------------------------------ protocol
    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return self.gate.error(45033)
        if status == 500:
            return self.gate.error(-1)
        return html_error(status)

    def reset(self) -> None:
        self.gate.reset()

    def warm(self) -> None:
        pass


PLATFORM = PlatformSpec(
    name="wecom",
    credentials={"corp_id": "ww3c9a6b1f2d8e4075", "corp_secret": "sandbox-wecom-corp-secret"},
    build=lambda tables, creds, rate_limits, rate_scale: WeComPlatform(
        tables,
        corp_id=creds["corp_id"],
        corp_secret=creds["corp_secret"],
        rate_limits=rate_limits,
        rate_scale=rate_scale,
    ),
)
