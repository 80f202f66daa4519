"""Schemathesis against our own OpenAPI schema, on a real server with keys: no 5xx, no response that
breaks its schema, no undocumented status code, no operation that answers without a key. Two phases, on
each database engine, bounded so that they fit in CI:

- stateless: every operation alone, with generated requests (``test_operation``);
- stateful: sequences that follow the document's OpenAPI links (app/links.py) with the ids and versions
  of earlier responses: a case opened, then its timeline, events, follow-ups, status, update … so the
  requests reach real cases instead of 404s (``test_stateful``).

Driven through schemathesis' Python API with Hypothesis directly: its pytest plugin is disabled in
pyproject (``-p no:schemathesis``) because it breaks pytest 9's failure reporting.
"""

from __future__ import annotations

import time
from collections import Counter

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.main import create_app
from tests.conftest import auth

# The schema the service publishes at /openapi.json; building the app object loads no engine.
SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
EXAMPLES = {"POST /v1/admin/reload": 5}  # each example rebuilds the engine (~0.4 s) and says nothing new
DEFAULT_EXAMPLES = 40  # per operation and database engine
RUN: dict[str, int] = {}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation(label, server, admin_key):
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES.get(label, DEFAULT_EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:  # type: ignore[no-untyped-def]
        RUN[label] = RUN.get(label, 0) + 1  # the closing figures: how many generated requests ran
        # The default checks: no 5xx, documented status codes, content type, headers and body match the
        # schema, invalid data rejected, and (ignored_auth) the operation refuses a request without the key.
        # Left out: positive_data_acceptance, which wants every schema-valid request to succeed; our rules
        # across fields (end after start, a known evidence id, an order or a conversation) are 422s by design.
        case.call_and_validate(base_url=server, headers=auth(admin_key), excluded_checks=[positive_data_acceptance])

    check()


# ---- Stateful phase ----
# Only the links the document declares: schemathesis would also infer links from names and shapes, and
# some of those are wrong for us (GET /v1/admin/keys → revoke would revoke the suite's own admin key).
# A reload rebuilds the engine (~0.4 s) and gives no id to a later request: it stays out of the
# sequences (its links to status and history are for clients; the stateless phase reloads).
STATEFUL_CONFIG = {
    # Valid requests only: invalid ones are the stateless phase's (both modes, every operation). Negative
    # sequences made false alarms here: a query parameter turned into an object is sent as no parameter at
    # all, and the Authorization header the case "left out" is sent anyway (before_call).
    "phases": {"stateful": {"inference": {"algorithms": []}, "generation": {"mode": "positive"}}},
    "operations": [{"include-path": "/v1/admin/reload", "phases": {"stateful": {"enabled": False}}}],
}
# Sized for ≤ 60 s per engine on the 2-core CI machine (measured: see the session summary's figures).
SCENARIOS = 300
STEPS_PER_SCENARIO = 12
BUDGET_SECONDS = 45  # a new suite starts only within it
STATEFUL: Counter[str] = Counter()  # scenarios, steps, links followed: the closing figures
LINKS_FOLLOWED: Counter[str] = Counter()  # per link ("POST /v1/cases -> [201] SetFollowUp -> …")


def state_machine(server: str, key: str):  # type: ignore[no-untyped-def]
    """The schema's state machine, calling ``server`` with ``key`` and counting what it does."""
    schema = schemathesis.openapi.from_dict(
        create_app().openapi(), config=SchemathesisConfig.from_dict(STATEFUL_CONFIG)
    )

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            STATEFUL["scenarios"] += 1

        def before_call(self, case) -> None:  # type: ignore[no-untyped-def]
            # The key goes into the case itself, not only onto the wire: the checks judge the case's own
            # headers, and a negative case that "left out" the Authorization header it did send would be
            # taken for an invalid request the server accepted. (validate_response names it as the caller's.)
            case.headers = {**(case.headers or {}), **auth(key)}

        def get_call_kwargs(self, case):  # type: ignore[no-untyped-def]
            return {"base_url": server}

        def step(self, input):  # type: ignore[no-untyped-def]
            STATEFUL["steps"] += 1
            if input.transition is not None and input.is_applied:  # a value from an earlier response was used
                STATEFUL["links"] += 1
                LINKS_FOLLOWED[input.transition.id] += 1
            return super().step(input)

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            # The same checks as the stateless phase (see test_operation), plus the stateful ones
            # (a resource just created is there; a revoked key does not come back).
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[positive_data_acceptance],
                headers=auth(key),  # the caller's key, as call_and_validate(headers=) says: a real one
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    return Machine


def test_stateful(server, admin_key):
    machine = state_machine(server, admin_key)
    started = time.monotonic()
    done = STATEFUL["scenarios"]
    suite = 0
    # Generation only, as schemathesis' own runner does: no replay of an earlier sequence (the server's state
    # has moved on, so it would not answer the same) and no shrinking; a failure is reported as found.
    # When a sequence replayed to explore a new branch draws differently because the live server answered
    # otherwise (FlakyStrategyDefinition), the suite ends without a failure and a new one starts, with the
    # next seed, until the scenarios are done or the time budget is spent.
    while STATEFUL["scenarios"] - done < SCENARIOS and time.monotonic() - started < BUDGET_SECONDS:
        try:
            hypothesis.seed(suite)(machine).run(
                settings=settings(
                    max_examples=SCENARIOS - (STATEFUL["scenarios"] - done),
                    stateful_step_count=STEPS_PER_SCENARIO,
                    phases=[Phase.generate],
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
        except FlakyStrategyDefinition:
            STATEFUL["restarts"] += 1
        suite += 1
    STATEFUL["seconds"] += round(time.monotonic() - started)
    assert STATEFUL["links"] > 0, "no link was followed: the stateful phase tested nothing stateful"


def test_every_operation_declares_the_key():
    """ignored_auth only probes operations that declare security; all of ours must."""
    spec = create_app().openapi()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            # Chatwoot's webhook proves its caller by Chatwoot's own signature (X-Chatwoot-Signature, HMAC over
            # the body: tests/integrations/test_chatwoot_notes.py), not by one of our keys.
            if path not in ("/healthz", "/readyz", "/integrations/chatwoot/webhook"):
                assert op.get("security") == [{"ApiKey": []}], f"{method.upper()} {path}"
