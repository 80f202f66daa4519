"""The FastAPI side of keys: read the Bearer header, check the key, the rate limits and the permission.

Checked keys are kept for ``auth_cache_seconds`` so that a request costs no database read; a key
revoked through this instance's API is forgotten at once, elsewhere within that time. While the database is
down, a key this instance checked before is still accepted as it was then (README: when the database is down).

Failed attempts are counted per client address (app/http/proxies.py says which address that is) and
only failures are counted: past ``auth_failures_per_minute`` an address's wrong keys get 429 instead
of 401, but a valid key is always checked and admitted. Behind a load balancer many people share an
address, and one of them mistyping a key must not lock out the others.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service
from app.auth.principal import Principal
from app.auth.ratelimit import RateLimiter
from app.auth.roles import Permission
from app.db.session import Database
from app.errors import FieldError, Forbidden, TooManyRequests, Unauthorized, Unavailable
from app.metrics import RATE_LIMITED
from app.settings import Settings

# Browsers keep URLs in history and proxies log them: a key there has leaked, so it is refused outright.
QUERY_NAMES = frozenset({"key", "api_key", "apikey", "api-key", "token", "access_token", "auth", "authorization"})
_TOO_MANY_FAILURES = "密钥错误次数过多,请稍后再试 too many failed attempts; retry later"
# The editor session's cookie (first-party pages only, never read by /v1 routes). Over HTTPS it is
# ``__Host-``: Secure, Path=/, no Domain, so neither a sibling subdomain nor a plain-HTTP page can set or
# overwrite it. Over plain HTTP (a local `make run`) a browser refuses Secure and __Host- cookies, so it
# is an ordinary HttpOnly cookie scoped to /editor.
SESSION_COOKIE_HTTPS = "__Host-shouhou_editor"
SESSION_COOKIE_HTTP = "shouhou_editor"
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="API 密钥 `Authorization: Bearer shk_…`(`python -m app keys create`)",
)


class Guard:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.db, self.clock = db, clock
        self.cache_seconds = settings.auth_cache_seconds
        self.requests = RateLimiter(db, settings.rate_limit_per_minute, clock=clock)
        self.failures = RateLimiter(db, settings.auth_failures_per_minute, max_slice=1, clock=clock)
        self._cache: dict[bytes, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def principal(self, token: str) -> Principal | None:
        digest = hashlib.sha256(token.encode()).digest()
        now = self.clock()
        hit = self._cache.get(digest)
        principal: Principal | None
        if hit is not None and now - hit[1] < self.cache_seconds:
            principal = hit[0]
        else:
            try:
                with self.db.unit_of_work() as s:
                    principal = service.authenticate(s, token, datetime.now(UTC))
            except Unavailable:
                if hit is None:
                    raise  # a key this instance never checked cannot be checked now: 503, not 401
                # The database is down: the key as this instance last checked it, so that suggestions go on
                # (a revocation made elsewhere meanwhile takes effect when the database is back).
                return self._unexpired(hit[0])
            with self._lock:
                if principal is None:
                    self._cache.pop(digest, None)
                    return None
                if len(self._cache) > 10_000:  # keys are few; this only bounds a flood of distinct valid ones
                    self._cache.clear()
                self._cache[digest] = (principal, now)
        return self._unexpired(principal)

    @staticmethod
    def _unexpired(principal: Principal) -> Principal | None:
        if principal.expires_at is not None and principal.expires_at <= datetime.now(UTC):
            return None
        return principal

    def session(self, token: str) -> Principal | None:
        """The key behind an editor session (always read from the database: sign-outs take effect at once)."""
        with self.db.unit_of_work() as s:
            return service.session_principal(s, token[:200], datetime.now(UTC))

    def forget(self, key_id: str) -> None:
        with self._lock:
            for digest, (principal, _) in list(self._cache.items()):
                if principal.key_id == key_id:
                    del self._cache[digest]


def session_cookie(request: Request) -> str:
    """The name of the editor session's cookie for this request: __Host- over HTTPS."""
    return SESSION_COOKIE_HTTPS if request.url.scheme == "https" else SESSION_COOKIE_HTTP


def require(permission: Permission, *, cookie: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits a key with ``permission`` and returns its principal; with ``cookie``, an
    editor session's cookie is accepted when no key is sent.

    Async on purpose: it runs on the event loop, so a request that needs no database costs no thread
    hop; the database is touched only on a cache miss or a rate-limit lease.
    """

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    ) -> Principal:
        if credentials is None and cookie:
            return admit(request, permission, request.cookies.get(session_cookie(request)), session=True)
        return admit(request, permission, credentials.credentials if credentials else None)

    return dependency


def source(request: Request) -> str:
    """The subject failed attempts are counted under: the client's address; for IPv6 its /64, which one
    machine usually holds whole (counting single addresses would give it 2^64 fresh budgets)."""
    host = request.client.host if request.client else "-"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"fail:{host[:60]}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"fail:{address.ipv4_mapped}"
        return f"fail:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"fail:{address}"


def bearer_token(request: Request) -> str | None:
    """The key in ``Authorization: Bearer …``, read exactly as FastAPI's HTTPBearer reads it."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials if credentials and scheme.lower() == "bearer" else None


def admit(request: Request, permission: Permission, token: str | None, *, session: bool = False) -> Principal:
    """Admit ``token`` (a key, or with ``session`` an editor session's token) for ``permission`` or raise
    401/403/429; the principal is also left on request.state."""
    guard: Guard = request.app.state.guard
    if request.scope.get("query_string") and QUERY_NAMES.intersection(k.lower() for k in request.query_params):
        raise Unauthorized(
            "密钥不能放在网址里,请用 Authorization 头 a key in the URL is refused; "
            "send it as Authorization: Bearer <key>",
            code="key_in_query",
        )
    if not token:
        raise Unauthorized()
    # The credential is checked first, whatever the address's count: a valid key is never refused for
    # the failures of others behind the same address, and only a failure is counted.
    principal = guard.session(token) if session else guard.principal(token[:200])
    if principal is None:
        retry = guard.failures.hit(source(request))
        if retry is not None:
            RATE_LIMITED.labels("auth_failures").inc()
            raise TooManyRequests(_TOO_MANY_FAILURES, retry)
        raise Unauthorized()
    retry = guard.requests.hit(f"key:{principal.key_id}")
    if retry is not None:
        RATE_LIMITED.labels("key").inc()
        raise TooManyRequests("请求过于频繁 rate limit for this key reached", retry)
    if not principal.can(permission):
        raise Forbidden(
            f"此密钥的角色({principal.role.value})不能执行此操作 role '{principal.role.value}' "
            f"may not do this ({permission.value})"
        )
    request.state.principal = principal
    return principal


def shop_for(principal: Principal, requested: str | None) -> str | None:
    """The shop a request acts for: the one named (if this key may), else the key's only shop."""
    if requested is None:
        return principal.default_shop()
    if not principal.may_act_for(requested):
        raise Forbidden("此密钥不能代表这个店铺 this key may not act for that shop", code="shop_forbidden")
    return requested


def case_shop(principal: Principal, requested: str | None, field: str = "body.shop_id") -> str:
    """The shop a request opens, finds or writes cases in; every case-writing route resolves it here."""
    shop = principal.case_shop(shop_for(principal, requested))
    if shop is None:
        raise FieldError(
            field,
            "此密钥可代表多个店铺,请写明 shop_id this key acts for several shops: name one in shop_id",
            code="shop_required",
        )
    return shop
