"""WeCom (企业微信) customer groups and external contacts, through a self-built app's customer-contact secret.

Credentials `corp_id`, `corp_secret` (the token call's `corpid=`/`corpsecret=` are redacted from every recorded
path). Errors arrive as HTTP 200 with an `errcode`: see `ingestion.wechat_common` (token refresh on
40014/42001, back-off on 45033/-1, a clean stop on 45009).

Options: `staff_userids` — whose external contacts to read; empty (the default): every staff member with the
customer-contact permission (`externalcontact/get_follow_user_list`).

Streams (all snapshots: WeCom offers no "changed since" filter, so every run reads everything):
| stream | API | primary key |
|---|---|---|
| `group_chats` | `POST externalcontact/groupchat/list` (cursor `next_cursor`, limit <= 1000) | `chat_id` |
| `group_chat_details` | the list, then `POST externalcontact/groupchat/get {chat_id, need_name: 1}` for each | `chat_id` |
| `external_contacts` | `GET externalcontact/list?userid=` per staff member, then `externalcontact/get` per contact | `external_contact.external_userid` |

Group membership over time: a detail record is the group's members at `_extracted_at` (the batch's extraction
time). The API says nothing about who left, so leaves are derived downstream: a member (`userid`, `join_time`)
in one version of a group's record and not in the next version of the same `chat_id` left between the two
extractions; someone who rejoins comes back with a new `join_time`. Compare versions of the same group, never a
group's absence from a batch (a run stopped by the quota lands only some groups). Unchanged groups load no new
rows (same content hash), so every stored version is a change.

Quirks handled here:
- `externalcontact/list` answers errcode 84061 for a staff member without external contacts: an empty list.
- `externalcontact/get` pages `follow_user` (500 a page, `cursor`/`next_cursor`): the pages are merged into one
  record (`next_cursor` dropped), so a contact is one record whatever its number of followers.
- A contact several staff members follow is fetched once.
"""

from __future__ import annotations

from collections.abc import Iterator

from ingestion.runtime.http import Page
from ingestion.runtime.paginate import pages
from ingestion.runtime.spec import CursorField, SourceType, Stream
from ingestion.wechat_common import errcode, make_check_body, token_auth
from pulse.schema import Field, ListOf, Map, Str

NOT_EXTERNAL_CONTACT = 84061

GROUP_LIST = Stream(
    name="group_chats",
    path="cgi-bin/externalcontact/groupchat/list",
    method="POST",
    body={"status_filter": 0},
    records="group_chat_list",
    primary_key="chat_id",
    paginator=CursorField(param="cursor", next_path="next_cursor"),
    page_size_param="limit",
    page_size=1000,
    max_page_size=1000,
)


def fetch_group_details(client, source, stream, params, since) -> Iterator[tuple[Page, list[dict]]]:
    """Every group of the list, then each group's details (one request, one record per group)."""
    seen: set[str] = set()
    list_params = {k: v for k, v in params.items() if k == GROUP_LIST.page_size_param}
    for _, groups in pages(client, GROUP_LIST, list_params):
        for g in groups:
            chat_id = g.get("chat_id") if isinstance(g, dict) else None
            if not chat_id or chat_id in seen:
                continue
            seen.add(chat_id)
            page = client.request("POST", stream.path, None, {"chat_id": chat_id, "need_name": 1})
            detail = page.data.get("group_chat") if isinstance(page.data, dict) else None
            yield page, [detail] if isinstance(detail, dict) else []


def _staff(client, source) -> list[str]:
    wanted = (source.get("options") or {}).get("staff_userids") or []
    if wanted:
        return list(dict.fromkeys(wanted))
    page = client.request("GET", "cgi-bin/externalcontact/get_follow_user_list")
    return [u for u in (page.data.get("follow_user") or []) if isinstance(u, str)]


def fetch_external_contacts(client, source, stream, params, since) -> Iterator[tuple[Page, list[dict]]]:
    seen: set[str] = set()
    for userid in _staff(client, source):
        listing = client.request("GET", "cgi-bin/externalcontact/list", {"userid": userid})
        if errcode(listing.data) == NOT_EXTERNAL_CONTACT:
            continue
        for ext in listing.data.get("external_userid") or []:
            if not isinstance(ext, str) or ext in seen:
                continue
            seen.add(ext)
            page, record = _contact(client, stream, ext)
            yield page, [record] if record is not None else []


def _contact(client, stream: Stream, ext: str) -> tuple[Page, dict | None]:
    """One contact with every page of its follow_user merged; None when it stopped being a contact meanwhile."""
    first = client.request("GET", stream.path, {"external_userid": ext})
    if errcode(first.data) == NOT_EXTERNAL_CONTACT:
        return first, None
    record = dict(first.data)
    follow = list(record.get("follow_user") or [])
    cursor = record.pop("next_cursor", None)
    while cursor:
        more = client.request("GET", stream.path, {"external_userid": ext, "cursor": cursor})
        if errcode(more.data) == NOT_EXTERNAL_CONTACT:
            break
        follow += more.data.get("follow_user") or []
        nxt = more.data.get("next_cursor")
        cursor = nxt if nxt != cursor else None
    record["follow_user"] = follow
    return first, record


STREAMS = {
    "group_chats": GROUP_LIST,
    "group_chat_details": Stream(
        name="group_chat_details",
        path="cgi-bin/externalcontact/groupchat/get",
        method="POST",
        records="group_chat",
        primary_key="chat_id",
        page_size_param="limit",
        page_size=1000,
        max_page_size=1000,
        fetch=fetch_group_details,
    ),
    "external_contacts": Stream(
        name="external_contacts",
        path="cgi-bin/externalcontact/get",
        records="",
        primary_key="external_contact.external_userid",
        fetch=fetch_external_contacts,
    ),
}

OPTIONS = Map(
    {
        "staff_userids": Field(
            ListOf(Str(pattern=r"[A-Za-z0-9_.@-]{1,64}", hint="a WeCom userid (1-64 letters, digits, _.@-)")),
            doc="staff whose external contacts to read; empty: everyone with the customer-contact permission",
        )
    }
)


def auth(credentials: dict[str, str]):
    return token_auth(
        "cgi-bin/gettoken",
        lambda: {"corpid": credentials["corp_id"], "corpsecret": credentials["corp_secret"]},
    )


SOURCE_TYPE = SourceType(
    name="wecom_groups",
    streams=STREAMS,
    credentials=("corp_id", "corp_secret"),
    auth=auth,
    requests_per_second=50.0,
    check_body=make_check_body(passthrough={NOT_EXTERNAL_CONTACT}),
    options=OPTIONS,
    daily_quota=True,
)
