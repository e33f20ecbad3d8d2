"""Compile River's canonical SQL once per placeholder style and schema.

Canonical SQL names parameters ``@name`` (as River's sqlc files do) and marks table
references with ``/* TEMPLATE: schema */``, replaced by the quoted schema and a dot.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

SCHEMA_MARK = "/* TEMPLATE: schema */"
_PARAM_RE = re.compile(r"(?<![@\w:])@([A-Za-z_][A-Za-z0-9_]*)")


class ParamStyle(enum.Enum):
    PYFORMAT = "pyformat"  # %(name)s: psycopg 2 and 3
    NUMERIC = "numeric"  # $1: asyncpg


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    sql: str
    names: tuple[str, ...]  # parameter order for NUMERIC style


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_prefix(schema: str | None) -> str:
    return quote_ident(schema) + "." if schema else ""


def number_params(sql: str, order: tuple[str, ...]) -> str:
    """``sql`` with each ``@name`` replaced by ``$n``, its position in ``order`` (the
    parameters of a SQL function whose body ``sql`` is)."""
    return _PARAM_RE.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql)


@lru_cache(maxsize=1024)
def compile_query(sql: str, style: ParamStyle, schema: str | None) -> CompiledQuery:
    text = sql.replace(SCHEMA_MARK, schema_prefix(schema))
    names: list[str] = []
    if style is ParamStyle.PYFORMAT:
        text = text.replace("%", "%%")

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in names:
                names.append(m.group(1))
            return f"%({m.group(1)})s"

    else:

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in names:
                names.append(m.group(1))
            return f"${names.index(m.group(1)) + 1}"

    return CompiledQuery(_PARAM_RE.sub(sub, text), tuple(names))
