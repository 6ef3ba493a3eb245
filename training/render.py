"""Renders the training report (HTML) and the model card (Markdown) from training/templates/.

Autoescape is on for every template except Markdown ones (*.md.j2): Markdown is not HTML, and
escaping would put `&amp;` and `&lt;` into the text people read in a terminal, a diff or on GitHub
(whose renderer sanitises raw HTML itself); the card's values are numbers, hashes and this
project's own names. StrictUndefined: a misspelt or missing value stops rendering instead of
printing an empty string.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Undefined, select_autoescape


def _format(value: Any, spec: str) -> str:
    """`value|fmt(".4f")` is Python's format(value, ".4f"): the same figures the f-strings gave."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the missing value; format() would not
    return format(value, spec)


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("training", "templates"),
        autoescape=select_autoescape(disabled_extensions=("md.j2",), default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = _format
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
