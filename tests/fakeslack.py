"""A fake Slack Web API for tests, served on an ephemeral loopback port.

``FakeSlack`` is a small aiohttp server that answers ``/api/{method}`` the way
Slack's Web API does, so a real ``slack_sdk`` client (``AsyncWebClient`` or
``WebClient``) can be pointed at it with ``base_url=fake.url``.  Nothing ever
leaves 127.0.0.1.

Two ways to run it::

    # inside an event loop (same process as the bot / test)
    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)

    # from synchronous code, e.g. when the bot runs as a separate process;
    # the server gets its own event loop in a daemon thread
    fake = FakeSlack.start_in_thread()
    try:
        env["SLACK_API_URL"] = fake.url
        ...
    finally:
        fake.stop()
    # or: ``with FakeSlack.start_in_thread() as fake: ...``

Every request that the fake *answers normally* is recorded in ``fake.calls`` as
a :class:`Call`.  Requests that were failed on purpose through fault injection
(``fail_next`` / ``fail_ratio``) are recorded in ``fake.failed_calls`` instead,
so ``fake.calls`` is exactly the set of calls that were "delivered".  A call
that Slack itself answers with ``{"ok": false, ...}`` (e.g. ``user_not_found``)
still counts as delivered and lands in ``fake.calls``.

Stateful behaviour worth knowing about:

* ``chat.postMessage`` stores the message per channel; ``conversations.history``
  reads it back, newest first.  As on
  real Slack, ``metadata`` is only returned by ``conversations.history`` when
  ``include_all_metadata`` is true, and thread replies are left out of the
  history unless they were broadcast (``reply_broadcast``).
* Message ``ts`` values come from ``clock()`` (``time.time`` by default) in
  Slack's ``"1700000000.000100"`` format; they are unique and increasing.
* Posting to a user id (``U…``/``W…``) lands in the DM ``"D" + id[1:]``, the same
  id that ``conversations.open`` returns for that user.

Socket Mode
-----------

``apps.connections.open`` (called with an ``xapp-`` app-level token) answers
``{"ok": true, "url": "ws://127.0.0.1:PORT/socket?ticket=...&app_id=..."}``, a
websocket route on the same server.  A client that connects there first gets
Slack's ``hello`` message; then the test pushes envelopes and reads the acks::

    await fake.wait_socket_connected()
    ack = await fake.socket_send("slash_commands", {...slash command fields...})
    ack["payload"]["blocks"]      # what the app put in its acknowledgement

``socket_send`` sends ``{"envelope_id", "type", "payload",
"accepts_response_payload"}`` to the newest open connection and waits (bounded)
for the client's ``{"envelope_id": ..., "payload": ...}``; every ack is also
recorded in ``fake.socket_acks``.  From synchronous code (fake started with
``start_in_thread()``) use ``socket_send_sync`` / ``wait_socket_connected_sync``.
``socket_disconnect(reason)`` sends Slack's ``disconnect`` message (e.g. the periodic
``refresh_requested``), after which a client should reconnect.
Unknown tickets are refused with HTTP 401; ``close()`` closes open sockets first.

Many workspaces (OAuth distribution)
------------------------------------

By default every token belongs to the one team given to the constructor (``team_id``, ``bot_user_id`` ...).
``add_team(team_id, token)`` makes ``token`` another workspace's bot token: ``auth.test`` answers that team, and
its posts and views carry it (every call records the token it was made with, ``Call.token``).
``add_oauth_code(code, team_id="T0TWO", token="xoxb-two")`` prepares an installation: ``oauth.v2.access``
exchanges that code (once) for the team's bot token, as Slack does at the end of "Add to Slack" (client id and
secret come as HTTP Basic auth or form fields; with ``oauth_client=(id, secret)`` set, others are refused).
``revoke(token)`` makes a token answer ``token_revoked``, as after an uninstall.

Files
-----

``files_upload_v2`` takes three steps, and the fake answers each: ``files.getUploadURLExternal`` (``filename``
and ``length``) answers a ``file_id`` and an ``upload_url`` on this same server; a POST of the raw bytes to that
URL (recorded in ``fake.calls`` as method ``"upload"``) stores them, refused with HTTP 400 when their length is
not the one announced; ``files.completeUploadExternal`` (``files`` as JSON, ``[{"id", "title"}]``, and an
optional ``channel_id``) finishes the upload and shares the files into that channel: a user id means their DM,
any other channel needs the bot in it (``not_in_channel``), and the channel gets a message carrying the files.
Both methods need ``files:write`` when scopes are enforced. ``fake.files`` holds every :class:`FakeFile`;
``fake.files_in(channel)`` the ones shared into a channel (a user id: their DM).

Slack limits ``conversations.history`` for apps distributed outside its Marketplace; the fake enforces it when
asked: ``FakeSlack(history_limit_per_minute=1, history_max_page=15)``. A call over the limit in one workspace
(within 60 s of the fake's ``clock()``) answers HTTP 429 with ``Retry-After: 60`` and is recorded in
``failed_calls``; a ``limit`` above ``history_max_page`` is cut to it.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import itertools
import json
import random
import threading
import time
import uuid
import zoneinfo
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

__all__ = ["Call", "FakeFile", "FakeSlack", "FakeTeam", "Fault"]

JsonDict = dict[str, Any]

# Methods Slack answers without a token.
_NO_AUTH_METHODS = frozenset(
    {
        "api.test",
        "oauth.access",
        "oauth.v2.access",
        "oauth.v2.exchange",
        "openid.connect.token",
    }
)

#: Envelope types Slack sends over a Socket Mode connection (besides hello / disconnect).
SOCKET_ENVELOPE_TYPES = frozenset({"slash_commands", "interactive", "events_api"})

_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Call:
    """One request received by the fake.

    ``args`` merges the query string and the body (form, multipart or JSON);
    the token is taken out of ``args`` and kept in ``token`` (from the
    ``Authorization: Bearer`` header, or a ``token`` form field).
    ``at`` is the wall-clock ``time.time()`` at which the request arrived.
    """

    method: str
    args: JsonDict
    token: str | None
    at: float
    status: int = 200
    path: str = ""
    response: Any = field(default=None, compare=False, repr=False)


@dataclass
class Fault:
    """A pending injected failure (see :meth:`FakeSlack.fail_next`)."""

    method: str
    status: int
    retry_after: int | None
    times: int
    error: str | None = None
    after_handling: bool = False  # the call takes effect (a message is posted) and then the answer is the fault


@dataclass
class FakeFile:
    """A file uploaded the way ``files_upload_v2`` does it (see "Files" in the module docstring)."""

    id: str
    filename: str
    length: int  # as announced to files.getUploadURLExternal
    team_id: str
    content: bytes | None = None  # what was POSTed to the upload URL (None: not yet)
    title: str = ""
    channels: list[str] = field(default_factory=list)  # where files.completeUploadExternal shared it
    initial_comment: str = ""
    completed: bool = False


@dataclass
class FakeTeam:
    """A workspace the app is installed in, with its own bot token (see :meth:`FakeSlack.add_team`)."""

    team_id: str
    token: str
    name: str
    bot_user_id: str
    bot_id: str
    scopes: tuple[str, ...] = ()
    installer: str = "U0INSTALLER"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _maybe_json(value: Any) -> Any:
    """Form-encoded requests carry blocks/metadata/view as JSON strings."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in {"{", "["}:
            try:
                return json.loads(stripped)
            except ValueError:
                return value
    return value


def _ts_key(ts: Any) -> int:
    """``"1700000000.000100"`` -> microseconds as int (exact, no float error)."""
    text = str(ts)
    whole, _, frac = text.partition(".")
    try:
        return int(whole or "0") * 1_000_000 + int((frac + "000000")[:6])
    except ValueError:
        return 0


def _dm_id(user_id: str) -> str:
    return "D" + user_id[1:] if len(user_id) > 1 else "D" + user_id


def _is_user_id(value: str) -> bool:
    return len(value) > 1 and value[0] in {"U", "W"} and value[1:].isalnum() and value.isupper()


class FakeSlack:
    """Fake Slack Web API server (see module docstring)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
        latency: float = 0.0,
        team_id: str = "T0FAKE",
        team_name: str = "Fake Team",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_name: str = "cohortbot",
        app_id: str = "A0FAKE",
        valid_tokens: Collection[str] | None = None,
        scopes: Collection[str] | None = None,
        history_limit_per_minute: int | None = None,
        history_max_page: int | None = None,
        oauth_client: tuple[str, str] | None = None,
    ) -> None:
        if host not in {"127.0.0.1", "::1", "localhost"}:
            raise ValueError("FakeSlack only binds to loopback addresses")
        self.host = host
        self.clock = clock
        #: Artificial delay (seconds) before every answer, injected failures included.
        self.latency = latency
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        #: If set, tokens not in here get ``{"ok": false, "error": "invalid_auth"}``.
        self.valid_tokens: set[str] | None = set(valid_tokens) if valid_tokens is not None else None

        #: The bot token's scopes; None grants every scope. As on Slack, a method whose scope is missing answers
        #: ``missing_scope`` (with ``needed`` and ``provided``).
        self.scopes: set[str] | None = set(scopes) if scopes is not None else None
        #: Channels the bot is a member of (``conversations.join``, or ``invite_bot``); reading a channel's
        #: history needs membership, as on Slack. Private channels (``private_channels``) can't be joined.
        self.bot_channels: set[str] = set()
        self.private_channels: set[str] = set()

        #: conversations.history calls allowed per workspace in 60 s of ``clock()`` (None: no limit), and the most
        #: messages one page returns (None: 999); see the module docstring.
        self.history_limit_per_minute = history_limit_per_minute
        self.history_max_page = history_max_page
        #: (client_id, client_secret) that oauth.v2.access accepts; None accepts any.
        self.oauth_client = oauth_client
        #: token -> the other workspace it belongs to (tokens not in here belong to the constructor's team).
        self.teams: dict[str, FakeTeam] = {}
        #: Tokens that answer ``token_revoked`` (an uninstalled workspace's).
        self.revoked_tokens: set[str] = set()
        self._oauth_codes: dict[str, FakeTeam] = {}
        self._history_calls: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)

        #: Calls answered normally (= delivered), in arrival order.
        self.calls: list[Call] = []
        #: Calls failed on purpose by fault injection.
        self.failed_calls: list[Call] = []
        #: user id -> users.info "user" object.
        self.users: dict[str, JsonDict] = {}
        #: view id -> last view object returned by views.open/push/update/publish.
        self.views: dict[str, JsonDict] = {}
        #: user id -> home tab view last published with views.publish.
        self.home_views: dict[str, JsonDict] = {}
        #: file id -> a file uploaded (or being uploaded) with files.getUploadURLExternal, in creation order.
        self.files: dict[str, FakeFile] = {}

        self._lock = threading.RLock()
        self._messages: dict[str, list[JsonDict]] = collections.defaultdict(list)
        self._opened_dms: set[str] = set()
        self._faults: collections.deque[Fault] = collections.deque()
        self._ratio = 0.0
        self._ratio_rng = random.Random(0)
        self._ratio_statuses: tuple[int, ...] = (429, 500)
        self._ratio_retry_after = 1
        self._ratio_methods: frozenset[str] | None = None
        self._last_ts = 0
        self._ids = itertools.count(1)

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

        #: Socket Mode acks received from clients (``{"envelope_id": ..., "payload": ...}``), in arrival order.
        self.socket_acks: list[JsonDict] = []
        #: Other text messages received over Socket Mode (anything without an ``envelope_id``).
        self.socket_messages: list[Any] = []
        #: How many Socket Mode connections were accepted (reconnects count again).
        self.socket_connects = 0
        self._socket_tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._ack_waiters: dict[str, asyncio.Future[JsonDict]] = {}

        self._handlers: dict[str, Callable[[JsonDict, str | None], JsonDict]] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "conversations.open": self._conversations_open,
            "conversations.join": self._conversations_join,
            "conversations.history": self._conversations_history,
            "oauth.v2.access": self._oauth_v2_access,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlack:
        """Start serving on an ephemeral port (use ``async with`` instead if you can)."""
        if self._runner is not None:
            raise RuntimeError("FakeSlack is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{rid}", self._handle_response_url)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        # runner.addresses reads getsockname() of the site's listening sockets.
        addresses = runner.addresses
        if not addresses:
            await runner.cleanup()
            raise RuntimeError("FakeSlack could not read its bound port")
        self._port = int(addresses[0][1])
        self._runner = runner
        return self

    async def close(self) -> None:
        """Stop serving (idempotent); open Socket Mode connections are closed first."""
        runner, self._runner = self._runner, None
        if runner is not None:
            with self._lock:
                sockets = list(self._sockets)
            for ws in sockets:
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
            await runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @classmethod
    def start_in_thread(cls, *, timeout: float = 10.0, **kwargs: Any) -> FakeSlack:
        """Create a fake and serve it from a daemon thread with its own event loop.

        For synchronous tests and for bots running in another process.  The
        returned fake is fully usable from the calling thread (``.url``,
        ``.calls``, ``.fail_next()``, ``.add_user()`` ...); call ``.stop()``
        (or use it as a ``with`` block) to shut it down.
        """
        fake = cls(**kwargs)
        fake._serve_in_thread(timeout)
        return fake

    def _serve_in_thread(self, timeout: float) -> None:
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("FakeSlack is already running")
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.close())
                loop.close()

        thread = threading.Thread(target=run, name="FakeSlack", daemon=True)
        self._thread, self._thread_loop = thread, loop
        thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("FakeSlack thread did not start in time")
        if errors:
            self._thread = self._thread_loop = None
            raise errors[0]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a fake started with :meth:`start_in_thread` (idempotent)."""
        thread, loop = self._thread, self._thread_loop
        if thread is None or loop is None:
            if self._runner is not None:
                raise RuntimeError("this FakeSlack runs in an event loop; use 'await fake.close()'")
            return
        self._thread = self._thread_loop = None
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)

    def __enter__(self) -> FakeSlack:
        if self._thread is None:
            self._serve_in_thread(10.0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlack is not running")
        return self._port

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """Base URL for slack_sdk clients: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.origin}/api/"

    def response_url(self, rid: str = "default") -> str:
        """A ``response_url`` served by this fake; posts to it are recorded as method ``"response_url"``."""
        return f"{self.origin}/response_url/{rid}"

    # ------------------------------------------------------------------ test helpers

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "America/New_York",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
        team_id: str | None = None,
    ) -> JsonDict:
        """Register a user for ``users.info`` (of ``team_id``, default the constructor's); returns the user."""
        team_id = team_id or self.team_id
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name.replace(".", " ").title()
        display_name = display_name if display_name is not None else name
        try:
            zone = zoneinfo.ZoneInfo(tz)
            now = datetime.now(zone)
            offset = now.utcoffset()
            tz_offset = int(offset.total_seconds()) if offset is not None else 0
            tz_label = now.tzname() or tz
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz_offset, tz_label = 0, tz
        profile: JsonDict = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "status_text": "",
            "status_emoji": "",
            "team": team_id,
        }
        if email is not None:
            profile["email"] = email
        user: JsonDict = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }
        with self._lock:
            self.users[user_id] = user
        return user

    def add_team(
        self,
        team_id: str,
        token: str,
        *,
        name: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        scopes: Iterable[str] | None = None,
        installer: str = "U0INSTALLER",
    ) -> FakeTeam:
        """Make ``token`` the bot token of workspace ``team_id`` (the app installed there)."""
        suffix = team_id.removeprefix("T")
        team = FakeTeam(team_id, token, name or f"Team {suffix}", bot_user_id or f"U0BOT{suffix}",
                        bot_id or f"B0BOT{suffix}", tuple(scopes or ()), installer)
        with self._lock:
            self.teams[token] = team
            self.revoked_tokens.discard(token)
        return team

    def add_oauth_code(self, code: str, team_id: str = "T0TWO", token: str = "xoxb-two", **team: Any) -> FakeTeam:
        """Let ``oauth.v2.access`` exchange ``code`` (once) for ``token``, the bot token of ``team_id``.

        Extra keywords (``name``, ``bot_user_id``, ``bot_id``, ``scopes``, ``installer``) as for :meth:`add_team`.
        """
        suffix = team_id.removeprefix("T")
        installed = FakeTeam(team_id, token, team.get("name") or f"Team {suffix}",
                             team.get("bot_user_id") or f"U0BOT{suffix}", team.get("bot_id") or f"B0BOT{suffix}",
                             tuple(team.get("scopes") or ()), team.get("installer") or "U0INSTALLER")
        with self._lock:
            self._oauth_codes[code] = installed
        return installed

    def revoke(self, token: str) -> None:
        """The token stops working (``token_revoked``), as when its workspace uninstalls the app."""
        with self._lock:
            self.revoked_tokens.add(token)

    def team_of(self, token: str | None) -> FakeTeam:
        """The workspace a token belongs to (the constructor's team for any token not added)."""
        found = self.teams.get(token or "")
        if found is not None:
            return found
        return FakeTeam(self.team_id, token or "", self.team_name, self.bot_user_id, self.bot_id)

    def calls_with(self, token: str, method: str | None = None) -> list[Call]:
        """Delivered calls made with ``token`` (to ``method`` only, if given)."""
        with self._lock:
            return [c for c in self.calls if c.token == token and (method is None or c.method == method)]

    def calls_to(self, method: str) -> list[Call]:
        """Delivered calls to ``method`` (e.g. ``"chat.postMessage"`` or ``"response_url"``)."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def failed_calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.failed_calls if c.method == method]

    def response_url_posts(self, rid: str) -> list[JsonDict]:
        """Bodies posted to ``response_url(rid)``."""
        path = f"/response_url/{rid}"
        with self._lock:
            return [c.args for c in self.calls if c.method == "response_url" and c.path == path]

    def messages(self, channel: str | None = None) -> list[JsonDict]:
        """Stored messages (oldest first), for one channel or all channels."""
        with self._lock:
            if channel is not None:
                return [dict(m) for m in self._messages.get(channel, [])]
            every = [dict(m) for msgs in self._messages.values() for m in msgs]
        return sorted(every, key=lambda m: _ts_key(m["ts"]))

    def files_in(self, channel: str) -> list[FakeFile]:
        """Files shared into ``channel`` (a user id: their DM) by files.completeUploadExternal, oldest first."""
        where = self._channel_for(channel)
        with self._lock:
            return [f for f in self.files.values() if where in f.channels]

    def reset(self) -> None:
        """Forget calls, messages, views, files and pending faults (users are kept)."""
        with self._lock:
            self.calls.clear()
            self.failed_calls.clear()
            self._messages.clear()
            self._opened_dms.clear()
            self.views.clear()
            self.home_views.clear()
            self.files.clear()
            self._faults.clear()
            self._ratio = 0.0
            self.socket_acks.clear()
            self.socket_messages.clear()
            self._history_calls.clear()

    async def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait (polling) until at least ``count`` delivered calls to ``method`` exist."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._wait_message(method, count, found))
            await asyncio.sleep(0.01)

    def wait_for_calls_sync(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Blocking variant of :meth:`wait_for_calls` for thread mode."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._wait_message(method, count, found))
            time.sleep(0.01)

    def _wait_message(self, method: str, count: int, found: list[Call]) -> str:
        with self._lock:
            seen = [c.method for c in self.calls]
        return f"expected {count} call(s) to {method}, got {len(found)}; delivered calls so far: {seen}"

    # ------------------------------------------------------------------ Socket Mode

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode connections are open right now (hello sent, not yet closed)."""
        with self._lock:
            return sum(1 for ws in self._sockets if not ws.closed)

    async def wait_socket_connected(self, timeout: float = 5.0, count: int = 1) -> int:
        """Wait (polling) until ``count`` Socket Mode connections are open; returns how many are."""
        deadline = time.monotonic() + timeout
        while True:
            open_now = self.socket_connections
            if open_now >= count:
                return open_now
            if time.monotonic() >= deadline:
                raise TimeoutError(self._socket_wait_message(count, open_now, timeout))
            await asyncio.sleep(0.01)

    def wait_socket_connected_sync(self, timeout: float = 5.0, count: int = 1) -> int:
        """Blocking variant of :meth:`wait_socket_connected` (any thread)."""
        deadline = time.monotonic() + timeout
        while True:
            open_now = self.socket_connections
            if open_now >= count:
                return open_now
            if time.monotonic() >= deadline:
                raise TimeoutError(self._socket_wait_message(count, open_now, timeout))
            time.sleep(0.01)

    def _socket_wait_message(self, count: int, open_now: int, timeout: float) -> str:
        opens = len(self.calls_to("apps.connections.open"))
        return (f"expected {count} open Socket Mode connection(s) within {timeout}s, have {open_now} "
                f"(apps.connections.open answered {opens} time(s), {self.socket_connects} connect(s) accepted)")

    async def socket_send(
        self,
        envelope_type: str,
        payload: JsonDict,
        *,
        timeout: float = 5.0,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> JsonDict:
        """Push one envelope to the newest open Socket Mode connection and return the client's ack.

        ``envelope_type`` is ``"slash_commands"``, ``"interactive"`` or ``"events_api"``;
        ``payload`` is what Slack would have POSTed over HTTP (slash command fields as
        a dict, an interaction payload, or an ``event_callback`` body).
        ``accepts_response_payload`` defaults to true except for ``events_api``, as on
        Slack; ``events_api`` envelopes also carry ``retry_attempt`` / ``retry_reason``.
        Raises ``RuntimeError`` if no client is connected and ``TimeoutError`` if no
        ack arrives within ``timeout`` seconds.  Callable from any event loop: when the
        fake runs in its own thread the work is handed to that thread's loop.
        """
        coro = self._socket_send(envelope_type, payload, timeout=timeout, envelope_id=envelope_id,
                                 accepts_response_payload=accepts_response_payload,
                                 retry_attempt=retry_attempt, retry_reason=retry_reason)
        loop = self._thread_loop
        if loop is not None and loop is not asyncio.get_running_loop():
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))
        return await coro

    def socket_send_sync(self, envelope_type: str, payload: JsonDict, *, timeout: float = 5.0,
                         **kwargs: Any) -> JsonDict:
        """Blocking variant of :meth:`socket_send` for a fake started with :meth:`start_in_thread`."""
        loop = self._thread_loop
        if loop is None or loop.is_closed():
            raise RuntimeError("socket_send_sync needs a FakeSlack started with start_in_thread()")
        future = asyncio.run_coroutine_threadsafe(
            self._socket_send(envelope_type, payload, timeout=timeout, **kwargs), loop)
        # _socket_send bounds its own wait; the extra second only covers scheduling on the fake's loop.
        return future.result(timeout + 1.0)

    async def _socket_send(
        self,
        envelope_type: str,
        payload: JsonDict,
        *,
        timeout: float,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> JsonDict:
        if envelope_type not in SOCKET_ENVELOPE_TYPES:
            raise ValueError(f"envelope_type must be one of {sorted(SOCKET_ENVELOPE_TYPES)}, not {envelope_type!r}")
        with self._lock:
            open_sockets = [ws for ws in self._sockets if not ws.closed]
        if not open_sockets:
            raise RuntimeError("no Socket Mode client is connected (see wait_socket_connected)")
        envelope_id = envelope_id or str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type != "events_api"
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api" or retry_attempt is not None or retry_reason is not None:
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        waiter: asyncio.Future[JsonDict] = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope_id] = waiter
        try:
            await open_sockets[-1].send_str(json.dumps(envelope))
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            raise TimeoutError(f"no Socket Mode ack for {envelope_type} envelope {envelope_id} "
                               f"within {timeout}s") from None
        finally:
            self._ack_waiters.pop(envelope_id, None)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``{"type": "disconnect", "reason": ...}`` to the newest open connection.

        Slack sends ``refresh_requested`` every few hours (``warning`` ~10 s before,
        ``link_disabled`` when Socket Mode is switched off); a client is expected to
        open a new connection.  The fake leaves closing the socket to the client.
        """
        coro = self._socket_disconnect(reason)
        loop = self._thread_loop
        if loop is not None and loop is not asyncio.get_running_loop():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))
        else:
            await coro

    async def _socket_disconnect(self, reason: str) -> None:
        with self._lock:
            open_sockets = [ws for ws in self._sockets if not ws.closed]
        if not open_sockets:
            raise RuntimeError("no Socket Mode client is connected (see wait_socket_connected)")
        await open_sockets[-1].send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}})

    def _hello(self, num_connections: int) -> JsonDict:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-fake-1",
                "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._lock:
            known = ticket in self._socket_tickets
        if not known:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        ws = web.WebSocketResponse(autoping=True, timeout=2.0)
        await ws.prepare(request)
        with self._lock:
            self.socket_connects += 1
            connections = sum(1 for other in self._sockets if not other.closed) + 1
        await ws.send_json(self._hello(connections))
        with self._lock:
            self._sockets.append(ws)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_socket_text(message.data)
        finally:
            with self._lock:
                if ws in self._sockets:
                    self._sockets.remove(ws)
        return ws

    def _on_socket_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = data
        if isinstance(message, dict) and "envelope_id" in message:
            with self._lock:
                self.socket_acks.append(message)
            waiter = self._ack_waiters.get(str(message["envelope_id"]))
            if waiter is not None and not waiter.done():
                waiter.set_result(message)
        else:
            with self._lock:
                self.socket_messages.append(message)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Fail the next ``times`` calls to ``method`` (``"*"`` = any method).

        With ``after_handling`` the call first takes effect (``chat.postMessage`` posts the message) and only the
        answer is the failure: Slack's "500 after the message was posted".

        * 429 -> ``Retry-After: <retry_after>`` header, body ``{"ok": false, "error": "ratelimited"}``
        * 5xx -> ``text/plain`` error body (e.g. ``Internal Server Error``)
        * anything else (e.g. 200) -> ``{"ok": false, "error": error or "fatal_error"}``

        Faults queue up in the order they were added.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(Fault(method, status, retry_after, times, error, after_handling))

    def fail_ratio(
        self,
        ratio: float,
        seed: int,
        statuses: Iterable[int] = (429, 500),
        retry_after: int = 1,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Fail a random fraction of calls (deterministic for a given ``seed`` and call order).

        Applies to every method, ``response_url`` posts included, unless
        ``methods`` restricts it.  ``fail_ratio(0.0, seed)`` turns it off.
        ``fail_next`` faults take precedence.
        """
        if not 0.0 <= ratio <= 1.0:
            raise ValueError("ratio must be within [0, 1]")
        status_tuple = tuple(statuses)
        if not status_tuple:
            raise ValueError("statuses must not be empty")
        with self._lock:
            self._ratio = ratio
            self._ratio_rng = random.Random(seed)
            self._ratio_statuses = status_tuple
            self._ratio_retry_after = retry_after
            self._ratio_methods = frozenset(methods) if methods is not None else None

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method in {method, "*"}:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            if self._ratio > 0.0 and (self._ratio_methods is None or method in self._ratio_methods):
                if self._ratio_rng.random() < self._ratio:
                    status = self._ratio_rng.choice(self._ratio_statuses)
                    return Fault(method, status, self._ratio_retry_after, 1)
        return None

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        if fault.status == 429:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
            return web.json_response(
                {"ok": False, "error": fault.error or "ratelimited"}, status=429, headers=headers
            )
        if fault.status >= 500:
            text = fault.error or _STATUS_TEXT.get(fault.status, "Server Error")
            return web.Response(status=fault.status, text=text, content_type="text/plain")
        return web.json_response({"ok": False, "error": fault.error or "fatal_error"}, status=fault.status)

    # ------------------------------------------------------------------ HTTP plumbing

    @staticmethod
    async def _read_args(request: web.Request) -> JsonDict:
        args: JsonDict = dict(request.query)
        if request.method in {"GET", "HEAD"} or not request.can_read_body:
            return args
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.text()
            if raw.strip():
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError("JSON body must be an object")
                args.update(body)
        elif ctype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    args[key] = value.file.read()
                else:
                    args[key] = value
        else:
            raw_bytes = await request.read()
            if raw_bytes:
                args["_raw_body"] = raw_bytes.decode("utf-8", "replace")
        return args

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        arrived = time.time()
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_json"})
        token: str | None = None
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip() or None
        elif auth.lower().startswith("basic "):  # oauth.v2.access: the app's client id and secret
            try:
                client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except ValueError:
                client_id = secret = ""
            args.setdefault("client_id", client_id)
            args.setdefault("client_secret", secret)
        form_token = args.pop("token", None)
        if token is None and isinstance(form_token, str) and form_token:
            token = form_token
        return await self._respond(method, args, token, request.path, arrived)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        """The upload URL files.getUploadURLExternal handed out: the file's raw bytes, POSTed without a token."""
        arrived = time.time()
        file_id = request.match_info["file_id"]
        body = await request.read()
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        args: JsonDict = {"file_id": file_id, "length": len(body)}
        fault = self._take_fault("upload")
        with self._lock:
            if fault is not None:
                self.failed_calls.append(Call("upload", args, None, arrived, fault.status, request.path))
                return self._fault_response(fault)
            upload = self.files.get(file_id)
            if upload is None or upload.completed or len(body) != upload.length:
                text = "file_not_found" if upload is None or upload.completed else "length_mismatch"
                self.calls.append(Call("upload", args, None, arrived, 400, request.path, text))
                return web.Response(status=400, text=text, content_type="text/plain")
            upload.content = body
            self.calls.append(Call("upload", args, None, arrived, 200, request.path, f"OK - {len(body)}"))
        return web.Response(text=f"OK - {len(body)}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        arrived = time.time()
        try:
            args = await self._read_args(request)
        except ValueError:
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        if "payload" in args and isinstance(args["payload"], str):  # form-encoded webhook style
            decoded = _maybe_json(args["payload"])
            if isinstance(decoded, dict):
                args = decoded
        return await self._respond("response_url", args, None, request.path, arrived)

    async def _respond(
        self, method: str, args: JsonDict, token: str | None, path: str, arrived: float
    ) -> web.StreamResponse:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self._take_fault(method)
        if fault is not None:
            with self._lock:
                if fault.after_handling:  # Slack did the work, then its answer was lost: a 5xx after the post
                    self._answer(method, args, token)
                self.failed_calls.append(Call(method, args, token, arrived, fault.status, path))
            return self._fault_response(fault)

        if method == "response_url":
            with self._lock:
                self.calls.append(Call(method, args, None, arrived, 200, path, "ok"))
            return web.Response(text="ok", content_type="text/plain")

        if self._over_history_limit(method, token):
            with self._lock:
                self.failed_calls.append(Call(method, args, token, arrived, 429, path))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "60"})

        with self._lock:
            body = self._answer(method, args, token)
            self.calls.append(Call(method, args, token, arrived, 200, path, body))
        return web.json_response(body)

    def _over_history_limit(self, method: str, token: str | None) -> bool:
        """Count a conversations.history call against its workspace's limit; True when it is over."""
        if method != "conversations.history" or self.history_limit_per_minute is None:
            return False
        now = self.clock()
        with self._lock:
            recent = self._history_calls[self.team_of(token).team_id]
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if len(recent) >= self.history_limit_per_minute:
                return True
            recent.append(now)
        return False

    def _answer(self, method: str, args: JsonDict, token: str | None) -> JsonDict:
        if method not in _NO_AUTH_METHODS:
            if token is None:
                return {"ok": False, "error": "not_authed"}
            if token in self.revoked_tokens:
                return {"ok": False, "error": "token_revoked"}
            if self.valid_tokens is not None and token not in self.valid_tokens and token not in self.teams:
                return {"ok": False, "error": "invalid_auth"}
        refused = self._refusal(method, args)
        if refused is not None:
            return refused
        handler = self._handlers.get(method)
        if handler is None:
            return {"ok": True}
        return handler(args, token)

    # ------------------------------------------------------------------ scopes and membership

    def invite_bot(self, channel: str, *, private: bool = False) -> None:
        """Someone invited the bot into ``channel`` (the only way into a private one)."""
        with self._lock:
            self.bot_channels.add(channel)
            if private:
                self.private_channels.add(channel)

    def _needed_scope(self, method: str, channel: str) -> str | None:
        kind = "im" if channel.startswith("D") else "groups" if channel in self.private_channels else "channels"
        return {
            "chat.postMessage": "chat:write", "chat.postEphemeral": "chat:write", "users.info": "users:read",
            "conversations.open": "im:write", "conversations.join": "channels:join",
            "conversations.history": f"{kind}:history",
            "files.getUploadURLExternal": "files:write", "files.completeUploadExternal": "files:write",
        }.get(method)

    def _refusal(self, method: str, args: JsonDict) -> JsonDict | None:
        """Slack's answer when the token's scopes or the bot's channel membership don't allow the call."""
        channel = self._channel_for(str(args.get("channel") or ""))
        needed = self._needed_scope(method, channel)
        if needed and self.scopes is not None and needed not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(self.scopes))}
        if channel.startswith("D") or not channel or channel in self.bot_channels:
            return None
        if channel in self.private_channels and method in ("chat.postMessage", "conversations.history"):
            return {"ok": False, "error": "channel_not_found"}
        if method == "conversations.history":
            return {"ok": False, "error": "not_in_channel"}
        if method == "chat.postMessage" and self.scopes is not None and "chat:write.public" not in self.scopes:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _conversations_join(self, args: JsonDict, token: str | None) -> JsonDict:
        channel = str(args.get("channel") or "")
        if not channel or channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.private_channels:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        already = channel in self.bot_channels
        self.bot_channels.add(channel)
        answer: JsonDict = {"ok": True, "channel": {"id": channel, "is_channel": True, "is_member": True}}
        if already:
            answer["warning"] = "already_in_channel"
        return answer

    # ------------------------------------------------------------------ ids

    def _next_ts(self) -> str:
        micros = int(self.clock() * 1_000_000)
        if micros <= self._last_ts:
            micros = self._last_ts + 1
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _channel_for(self, channel: str) -> str:
        return _dm_id(channel) if _is_user_id(channel) else channel

    # ------------------------------------------------------------------ method handlers

    def _apps_connections_open(self, args: JsonDict, token: str | None) -> JsonDict:
        if not (token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        ticket = str(uuid.uuid4())
        self._socket_tickets.add(ticket)
        origin = "ws" + self.origin.removeprefix("http")
        return {"ok": True, "url": f"{origin}/socket?ticket={ticket}&app_id={self.app_id}"}

    def _auth_test(self, args: JsonDict, token: str | None) -> JsonDict:
        team = self.team_of(token)
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": team.name,
            "user": self.bot_name,
            "team_id": team.team_id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }

    def _oauth_v2_access(self, args: JsonDict, token: str | None) -> JsonDict:
        secret = args.pop("client_secret", None)  # popped before the call is recorded: calls keep no secret
        if self.oauth_client is not None and (args.get("client_id"), secret) != self.oauth_client:
            return {"ok": False, "error": "invalid_client_id" if args.get("client_id") != self.oauth_client[0]
                    else "bad_client_secret"}
        team = self._oauth_codes.pop(str(args.get("code") or ""), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        self.teams[team.token] = team
        self.revoked_tokens.discard(team.token)
        return {
            "ok": True,
            "access_token": team.token,
            "token_type": "bot",
            "scope": ",".join(team.scopes or sorted(self.scopes or ())),
            "bot_user_id": team.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": team.team_id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": team.installer},
        }

    def _message_from_args(self, args: JsonDict, ts: str, token: str | None = None) -> JsonDict:
        team = self.team_of(token)
        message: JsonDict = {
            "user": team.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": team.bot_id,
            "app_id": self.app_id,
            "text": args.get("text", "") or "",
            "team": team.team_id,
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) not in (None, ""):
                message[key] = _maybe_json(args[key])
        thread_ts = args.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = str(thread_ts)
            message["parent_user_id"] = team.bot_user_id
            if _truthy(args.get("reply_broadcast", False)):
                message["subtype"] = "thread_broadcast"
        return message

    def _chat_post_message(self, args: JsonDict, token: str | None) -> JsonDict:
        raw_channel = str(args.get("channel") or "")
        if not raw_channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        channel = self._channel_for(raw_channel)
        ts = self._next_ts()
        message = self._message_from_args(args, ts, token)
        stored = self._messages[channel]
        thread_ts = message.get("thread_ts")
        if thread_ts:
            for parent in stored:
                if parent["ts"] == thread_ts:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                    parent["latest_reply"] = ts
                    break
        stored.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": dict(message)}

    def _chat_post_ephemeral(self, args: JsonDict, token: str | None) -> JsonDict:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _conversations_open(self, args: JsonDict, token: str | None) -> JsonDict:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": str(args["channel"])}}
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) == 1:
            channel_id = _dm_id(users[0])
        else:
            channel_id = "G" + "".join(sorted(u[1:] for u in users))[:20]
        already_open = channel_id in self._opened_dms
        self._opened_dms.add(channel_id)
        return {
            "ok": True,
            "no_op": already_open,
            "already_open": already_open,
            "channel": {"id": channel_id},
        }

    def _page(self, items: list[JsonDict], args: JsonDict, default_limit: int,
              max_limit: int = 999) -> tuple[list[JsonDict], str]:
        try:
            limit = int(args.get("limit") or default_limit)
        except (TypeError, ValueError):
            limit = default_limit
        limit = max(1, min(limit, max_limit))
        start = 0
        cursor = args.get("cursor")
        if cursor:
            try:
                start = int(base64.b64decode(str(cursor)).decode().removeprefix("offset:"))
            except ValueError:
                start = 0
        page = items[start : start + limit]
        next_cursor = ""
        if start + limit < len(items):
            next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode()
        return page, next_cursor

    def _in_window(self, message: JsonDict, args: JsonDict) -> bool:
        inclusive = _truthy(args.get("inclusive", False))
        key = _ts_key(message["ts"])
        oldest = args.get("oldest")
        latest = args.get("latest")
        if oldest not in (None, ""):
            bound = _ts_key(oldest)
            if key < bound or (key == bound and not inclusive):
                return False
        if latest not in (None, ""):
            bound = _ts_key(latest)
            if key > bound or (key == bound and not inclusive):
                return False
        return True

    @staticmethod
    def _present(message: JsonDict, with_metadata: bool) -> JsonDict:
        out = dict(message)
        if not with_metadata:
            out.pop("metadata", None)
        return out

    def _conversations_history(self, args: JsonDict, token: str | None) -> JsonDict:
        channel = self._channel_for(str(args.get("channel") or ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with_metadata = _truthy(args.get("include_all_metadata", False))
        visible = [
            m
            for m in self._messages.get(channel, [])
            if (m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast")
            and self._in_window(m, args)
        ]
        visible.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        most = self.history_max_page or 999
        page, next_cursor = self._page(visible, args, min(100, most), most)
        return {
            "ok": True,
            "messages": [self._present(m, with_metadata) for m in page],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, args: JsonDict, token: str | None) -> JsonDict:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": json.loads(json.dumps(user))}

    def _build_view(self, view: JsonDict, view_id: str, previous: JsonDict | None = None,
                    token: str | None = None) -> JsonDict:
        team = self.team_of(token)
        base: JsonDict = {
            "id": view_id,
            "team_id": team.team_id,
            "type": view.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(self.clock())}.{random.getrandbits(32):08x}",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": team.team_id,
            "bot_id": team.bot_id,
        }
        if previous is not None:
            base["root_view_id"] = previous.get("root_view_id", view_id)
            base["previous_view_id"] = previous.get("previous_view_id")
        base.update(view)
        base["id"] = view_id
        return base

    @staticmethod
    def _view_arg(args: JsonDict) -> JsonDict | None:
        view = _maybe_json(args.get("view"))
        return view if isinstance(view, dict) else None

    def _views_open(self, args: JsonDict, token: str | None) -> JsonDict:
        view = self._view_arg(args)
        if view is None or not (args.get("trigger_id") or args.get("interactivity_pointer")):
            return {"ok": False, "error": "invalid_arguments"}
        built = self._build_view(view, self._new_id("V"), token=token)
        self.views[built["id"]] = built
        return {"ok": True, "view": built}

    def _views_publish(self, args: JsonDict, token: str | None) -> JsonDict:
        view = self._view_arg(args)
        user_id = str(args.get("user_id") or "")
        if view is None or not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        previous = self.home_views.get(user_id)
        view_id = previous["id"] if previous is not None else self._new_id("V")
        built = self._build_view(view, view_id, previous, token=token)
        self.views[view_id] = built
        self.home_views[user_id] = built
        return {"ok": True, "view": built}

    def _files_get_upload_url_external(self, args: JsonDict, token: str | None) -> JsonDict:
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if not filename or length < 1:
            return {"ok": False, "error": "invalid_arguments"}
        upload = FakeFile(self._new_id("F"), filename, length, self.team_of(token).team_id)
        self.files[upload.id] = upload
        return {"ok": True, "file_id": upload.id, "upload_url": f"{self.origin}/upload/v1/{upload.id}"}

    def _files_complete_upload_external(self, args: JsonDict, token: str | None) -> JsonDict:
        wanted = _maybe_json(args.get("files"))
        if not isinstance(wanted, list) or not wanted or not all(isinstance(f, dict) for f in wanted):
            return {"ok": False, "error": "invalid_arguments"}
        uploads = [self.files.get(str(f.get("id") or "")) for f in wanted]
        if any(u is None or u.content is None or u.completed for u in uploads):
            return {"ok": False, "error": "file_not_found"}
        channel = self._channel_for(str(args.get("channel_id") or ""))
        if channel and not channel.startswith("D") and channel not in self.bot_channels:
            return {"ok": False, "error": "not_in_channel"}
        done: list[JsonDict] = []
        for upload, asked in zip(uploads, wanted, strict=True):
            assert upload is not None and upload.content is not None
            upload.title = str(asked.get("title") or upload.filename)
            upload.initial_comment = str(args.get("initial_comment") or "")
            upload.channels = [channel] if channel else []
            upload.completed = True
            done.append({"id": upload.id, "name": upload.filename, "title": upload.title, "size": len(upload.content),
                         "user": self.team_of(token).bot_user_id, "channels": list(upload.channels),
                         "created": int(self.clock())})
        if channel:
            message = self._message_from_args({"text": args.get("initial_comment") or ""}, self._next_ts(), token)
            self._messages[channel].append({**message, "files": done, "upload": True})
        return {"ok": True, "files": done}
