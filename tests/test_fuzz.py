"""Schemathesis against our own OpenAPI schema, on a real server with keys: no 5xx, no response that
breaks its schema, no operation that answers without a key. Bounded so that it fits in CI.

Driven through schemathesis' Python API with Hypothesis directly: its pytest plugin is disabled in
pyproject (``-p no:schemathesis``) because it breaks pytest 9's failure reporting.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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


def test_every_operation_declares_the_key():
    """ignored_auth only probes operations that declare security; all of ours must."""
    spec = create_app().openapi()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if path not in ("/healthz", "/readyz"):
                assert op.get("security") == [{"ApiKey": []}], f"{method.upper()} {path}"
