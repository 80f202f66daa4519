"""Settings from the environment, read once at start-up. Embedded defaults need no configuration.

Each field is one environment variable, its name in capitals. The field's description, default and type make
the README's configuration table (scripts/settings_table.py writes it; a test fails when it is stale), and the
one-line error a bad value stops start-up with (``InvalidSettings``, printed by ``python -m app``).
"""

from __future__ import annotations

import ipaddress
import re
import typing
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasGenerator, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Run from the repository (make run, the tests, an editable install) the content, the migrations and the state
# live beside the code. Installed from the wheel, the content and the migrations ship inside the package
# (app/_bundle/, copied there by setup.py at build time) and the state goes under the working folder.
SOURCE_TREE = (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "intents").is_dir()
BUNDLE = Path(__file__).resolve().parent / "_bundle"
DEFAULT_CONTENT = PROJECT_ROOT if SOURCE_TREE else BUNDLE / "content"
MIGRATIONS = PROJECT_ROOT / "alembic" if SOURCE_TREE else BUNDLE / "alembic"
STATE_ROOT = PROJECT_ROOT if SOURCE_TREE else Path(".")  # ./data and ./.cache of the working folder

Origins = Annotated[tuple[str, ...], NoDecode]  # NoDecode: comma-separated in the environment, not JSON
Networks = Annotated[tuple[str, ...], NoDecode]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
RoleBudgets = Annotated[tuple[tuple[str, int], ...], NoDecode]  # "bot=12000,agent=2400" in the environment
ROLES = ("bot", "agent", "editor", "supervisor", "admin")  # app/auth/roles.py's, which this floor cannot import
_SHOP = re.compile(r"[A-Za-z0-9_.\-]{1,64}")  # a shop id as the API takes it (app/suggest/schemas.py)
ChatwootShops = Annotated[tuple[tuple[int, int | None, str], ...], NoDecode]  # (account, inbox or None, shop)


class Settings(BaseSettings):
    # README columns: the description is the "meaning"; "readme_default" replaces a default that would print as
    # this machine's path or as an empty string.
    host: str = Field("127.0.0.1", description="where the service listens (`0.0.0.0`: every interface)")
    port: int = Field(8000, ge=1, le=65535, description="its TCP port")
    content_dir: Path = Field(
        DEFAULT_CONTENT,
        description="folder holding `intents/`, `phrasebook/` and `policy/`",
        json_schema_extra={"readme_default": "the repository (installed: the content shipped in the package)"},
    )
    cache_dir: Path = Field(
        STATE_ROOT / ".cache",
        description="jieba's dictionary and the parsed content, for fast starts (app-owned, not `/tmp`; safe to delete)",
        json_schema_extra={"readme_default": "`./.cache`"},
    )
    database_url: str = Field(
        "",  # empty: SQLite under ./data (app.db.base.database_url)
        description="the database: SQLite by default, or PostgreSQL as `postgresql+psycopg://user:pw@host/db`",
        json_schema_extra={"readme_default": "`sqlite:///./data/shouhou.db`"},
    )
    log_level: Literal["critical", "fatal", "error", "warning", "warn", "info", "debug", "notset"] = Field(
        "info",
        description="log lines mask phones, ID numbers and addresses; `debug` logs every buyer message (masked)",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`json`: one JSON object per log line (python-json-logger), masked the same way"
    )
    access_log: bool = Field(
        True,
        description="one log line per request (`app.access`): method, route, status, duration, key id, request id, "
        "the path and query masked",
    )
    metrics_token: str = Field(
        "",
        pattern=r"^$|^[A-Za-z0-9._~+/=\-]{24,200}$",
        description="a secret Prometheus sends as `Authorization: Bearer …` to read `/metrics` (it needs no "
        "database, so scrapes go on during an outage); empty: only admin keys may read it",
        json_schema_extra={
            "readme_default": "empty",
            "accepts": "24 to 200 letters, digits or `._~+/=-` (`openssl rand -hex 32`)",
        },
    )
    workers: int = Field(
        1, ge=1, description="worker processes of this instance, forked once the engine is built (app/workers.py)"
    )
    watch_content: bool = Field(True, description="reload when content files change (polls every 0.25 s)")
    rate_limit_per_minute: Count = Field(
        1200, description="requests per key and minute, shared by all instances; `0` turns it off"
    )
    role_budgets_per_minute: RoleBudgets = Field(
        (("bot", 12_000),),
        description="requests a minute by role, where it differs from `RATE_LIMIT_PER_MINUTE` (a key's own budget, "
        "set when it is made, goes first); a batch costs one per message; `0` turns the limit off for that role",
        json_schema_extra={
            "readme_default": "`bot=12000`",
            "accepts": "`role=count` pairs separated by commas (roles: bot, agent, editor, supervisor, admin)",
        },
    )
    auth_failures_per_minute: Count = Field(
        20, description="wrong keys from one address in a minute before it gets 429; `0` turns it off"
    )
    auth_cache_seconds: Seconds = Field(
        5.0,
        description="how long an instance trusts a key it checked: a revocation reaches every instance within this",
    )
    content_check_seconds: Seconds = Field(
        2.0,
        description="how often an instance looks for a phrasebook version another instance made live; `0` turns it off",
    )
    read_timeout_seconds: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = Field(
        10.0,
        description="how long a client may take to send a whole request, headers and body; a slower one gets 408 "
        "and its connection is closed",
    )
    conversation_memory_hours: Annotated[float, Field(gt=0, le=24 * 30, allow_inf_nan=False)] = Field(
        24.0,
        description="how long a conversation's recent turns (at most 20) are kept to read new messages in context; "
        "older turns are deleted",
    )
    purge_daily: bool = Field(
        True,
        description="purge personal data past each shop's retention (policy `retention`) once a day inside the "
        "service; one instance does it (README: Personal data). Off: run `python -m app purge` from cron instead",
    )
    purge_hour: int = Field(4, ge=0, le=23, description="the hour (shop time, Asia/Shanghai) the daily purge starts")
    hsts_seconds: Count = Field(
        0,
        description="send `Strict-Transport-Security: max-age=` this many seconds with every answer, for a service "
        "reached over HTTPS only (behind a TLS proxy); `0`: not sent",
    )
    sidebar_origins: Origins = Field((), description="chat clients allowed to frame the sidebar and talk to it")
    cors_origins: Origins = Field((), description="web apps on other origins that may call the API from a browser")
    trusted_proxies: Networks = Field(
        (),
        description="load balancers in front of the service: only a connection from one of them may name the "
        "client (`X-Forwarded-For`, rightmost address not a proxy) and HTTPS (`X-Forwarded-Proto`); without it "
        "every client is the address it connects from, and those headers are ignored",
        json_schema_extra={"accepts": "addresses or networks (`10.0.0.5`, `10.0.0.0/8`, `::1`) separated by commas"},
    )
    admin_key_file: Path = Field(
        STATE_ROOT / "data" / "admin-key.txt",
        description="where the first start on an empty database writes the admin key it makes (with the demo "
        "link), readable only by the service's user; the output says where, never the key",
        json_schema_extra={"readme_default": "`./data/admin-key.txt`", "accepts": "a file"},
    )

    # Outbound events (README: Outbound events): webhooks and group robots of each shop.
    outbound_allow_private: bool = Field(
        False,
        description="let webhook and robot URLs reach private, loopback, link-local and multicast addresses "
        "(checked on every address the name resolves to, when a target is saved and at each delivery); only for "
        "tests and receivers on your own network",
    )
    outbound_poll_seconds: Seconds = Field(
        1.0,
        description="how often an instance sends the outbound deliveries due and scans follow-ups for due and "
        "overdue events; `0` turns the worker off on this instance",
    )
    outbound_max_attempts: Annotated[int, Field(ge=1, le=50)] = Field(
        8, description="attempts per outbound delivery before it is marked failed (redelivery by hand adds one)"
    )
    outbound_retry_seconds: Annotated[float, Field(gt=0, le=86400, allow_inf_nan=False)] = Field(
        30.0, description="wait before the first retry of a failed delivery; doubled at each retry"
    )
    outbound_retry_cap_seconds: Annotated[float, Field(gt=0, le=7 * 86400, allow_inf_nan=False)] = Field(
        3600.0, description="the longest wait between two attempts of a delivery"
    )
    outbound_timeout_seconds: Annotated[float, Field(gt=0, le=60, allow_inf_nan=False)] = Field(
        10.0, description="how long one outbound HTTP request may take, connecting included"
    )
    outbound_due_minutes: Annotated[float, Field(ge=0, le=7 * 24 * 60, allow_inf_nan=False)] = Field(
        60.0, description="a follow-up's `followup.due` event is sent this many minutes before its due time"
    )
    # Chatwoot private notes (app/integrations/chatwoot/): off until CHATWOOT_URL is set.
    chatwoot_url: str = Field(
        "",
        description="Chatwoot's address (`https://chat.example.com`): buyer messages from its webhook get the "
        "suggestion as a private note; empty: `POST /integrations/chatwoot/webhook` answers 404",
        json_schema_extra={"readme_default": "none", "accepts": "an `http(s)://` address"},
    )
    chatwoot_api_token: str = Field(
        "",
        description="the `api_access_token` (Chatwoot: Profile Settings → Access Token) of the user the notes "
        "are posted as; `python -m app chatwoot sync-canned` uses it too",
        json_schema_extra={"readme_default": "none"},
    )
    chatwoot_shops: ChatwootShops = Field(
        (),
        description="which shop a Chatwoot account (`1:shop-a`) or one of its inboxes (`1/7:shop-b`) is; the inbox "
        "wins over the account; a message from neither gets no note",
        json_schema_extra={"accepts": "`account:shop` or `account/inbox:shop` separated by commas"},
    )
    chatwoot_webhook_secret: str = Field(
        "",
        description="the secret Chatwoot shows for the webhook (4.13 and later sign every delivery with it, "
        "`X-Chatwoot-Signature`); set: an unsigned or wrongly signed call gets 401; `1:secret-a,2:secret-b` "
        "for one secret per account",
        json_schema_extra={"readme_default": "none (unsigned calls accepted)"},
    )
    chatwoot_retry_seconds: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = Field(
        2.0,
        description="wait before the first new try of a note Chatwoot did not take (5xx, 429, no answer); "
        "doubled on each try, at most 10 minutes apart, 8 tries",
    )

    # Part of the contract (README: 413 over 64 KB), not a deployment choice: no environment variable. The
    # 2,000-character message limit is not a setting either: the suggest request schema holds it
    # (MAX_MESSAGE_CHARS) and the OpenAPI document publishes it as maxLength, so a setting could only make
    # the limit enforced differ from the limit published.
    max_body_bytes: ClassVar[int] = 64 * 1024

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        case_sensitive=True,  # HOST, never host or Host: exactly the names the service always read
        alias_generator=AliasGenerator(validation_alias=str.upper),
        validate_by_name=True,  # Settings(port=…) in code and tests, PORT in the environment
        validate_by_alias=True,
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("sidebar_origins", "cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value  # pydantic reports the type
        origins = tuple(str(o).strip().rstrip("/") for o in items if str(o).strip())
        if "*" in origins:
            raise ValueError("origins must be listed; '*' is not allowed (SIDEBAR_ORIGINS, CORS_ORIGINS)")
        return origins

    @field_validator("role_budgets_per_minute", mode="before")
    @classmethod
    def _budgets(cls, value: object) -> object:
        if isinstance(value, dict):
            value = tuple(value.items())
        if not isinstance(value, str):
            return value  # a tuple of pairs from code; pydantic checks its types
        pairs: dict[str, int] = {}
        for item in (i.strip() for i in value.split(",")):
            role, _, count = item.partition("=")
            if not item:
                continue
            if role.strip() not in ROLES or not count.strip().isdigit():
                raise ValueError(f"expected role=count pairs separated by commas, roles: {', '.join(ROLES)}")
            pairs[role.strip()] = int(count)
        return tuple(pairs.items())

    def budget_for(self, role: str) -> int:
        """Requests a minute for a key of ``role`` that has no budget of its own (0: no limit)."""
        return dict(self.role_budgets_per_minute).get(role, self.rate_limit_per_minute)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value
        try:  # "10.0.0.5" is the network 10.0.0.5/32; host bits set in a network ("10.0.0.5/8") are dropped
            return tuple(str(ipaddress.ip_network(str(i).strip(), strict=False)) for i in items if str(i).strip())
        except ValueError:
            raise ValueError("expected IP addresses or networks separated by commas (TRUSTED_PROXIES)") from None

    @field_validator("chatwoot_url", mode="before")
    @classmethod
    def _chatwoot_url(cls, value: object) -> object:
        if isinstance(value, str) and value.strip():
            url = value.strip().rstrip("/")
            if not url.startswith(("http://", "https://")) or len(url) < 10:
                raise ValueError("expected Chatwoot's address, http:// or https:// (CHATWOOT_URL)")
            return url
        return value

    @field_validator("chatwoot_shops", mode="before")
    @classmethod
    def _chatwoot_shops(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = []
        for item in (i.strip() for i in value.split(",")):
            if not item:
                continue
            where, _, shop = item.partition(":")
            account, _, inbox = where.strip().partition("/")
            if not (account.isdigit() and (not inbox or inbox.isdigit()) and _SHOP.fullmatch(shop.strip())):
                raise ValueError("expected account:shop or account/inbox:shop separated by commas (CHATWOOT_SHOPS)")
            pairs.append((int(account), int(inbox) if inbox else None, shop.strip()))
        return tuple(pairs)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Settings(…) is exactly what the caller passes (tests, scripts); only from_env() reads the environment.
        return (init_settings,)

    @classmethod
    def from_env(cls) -> Settings:
        """The defaults overridden by the environment; InvalidSettings names every variable with a bad value."""
        found = EnvSettingsSource(cls, case_sensitive=True)()
        try:
            return cls(**found)
        except ValidationError as exc:
            raise InvalidSettings([_problem(error) for error in exc.errors()]) from None


class InvalidSettings(ValueError):
    """One line per bad variable: its name, the value given and what it expects."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def expects(field: FieldInfo) -> str:
    """What a variable accepts, in words: for the start-up error and the README table."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "accepts" in extra:
        return str(extra["accepts"])
    annotation = field.annotation
    if annotation is bool:
        return "`1`/`0`, `true`/`false`, `yes`/`no` or `on`/`off`"
    if typing.get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(annotation))
    if annotation is Path:
        return "a folder"
    if annotation == tuple[str, ...]:
        return "origins (`https://host[:port]`) separated by commas, never `*`"
    if annotation in (int, float):
        # The bounds pydantic keeps from Field(ge=…, le=…), as annotated_types' Ge and Le.
        low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        kind = "an integer" if annotation is int else "a number"
        if low is not None and high is not None:
            return f"{kind} from {low} to {high}"
        return f"{kind} ≥ {low}" if low is not None else kind
    return "text"


def _problem(error: Any) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    field = Settings.model_fields.get(name.lower())
    given = repr(error["input"]) if isinstance(error["input"], str) else ""
    if error["type"] == "value_error":  # a validator's own words
        wanted = str(error["ctx"]["error"])
    elif field is not None:
        wanted = "expected " + expects(field).replace("`", "")
    else:
        wanted = error["msg"]
    return f"{name}={given[:60]}: {wanted}"
