"""Script templates: sandboxed Jinja2, so an editor's template can neither run code nor read attributes."""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)


class TemplateProblem(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def placeholders_of(text: str) -> frozenset[str]:
    try:
        return frozenset(meta.find_undeclared_variables(_ENV.parse(text)))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"模板语法错误 template syntax error: {exc.message}", exc.lineno) from exc


def render(text: str, values: Mapping[str, object]) -> str:
    """Render with every placeholder supplied; raises TemplateProblem for anything that goes wrong."""
    try:
        return _ENV.from_string(text).render(**values)
    except Exception as exc:  # noqa: BLE001 - a template may fail in many ways; all mean "this script is broken"
        raise TemplateProblem(f"模板无法渲染 template fails to render: {exc}") from exc


def compile_template(text: str) -> Template:
    return _ENV.from_string(text)
