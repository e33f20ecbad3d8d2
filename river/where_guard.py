"""The rules a raw ``where`` condition of a job listing must follow (``JobListWhere``).

The condition is developer text placed inside the listing's statement, so this module
reads it the way PostgreSQL's lexer would and refuses anything that could end the
condition, hide text from this reading, or call a function with side effects:

- characters the lexer or the drivers treat specially: NUL, other control characters
  than tab and line breaks, lone surrogates, bidirectional controls;
- ``;``, comments (``--``, ``/*``), ``$`` (dollar quoting, positional parameters) and
  backslashes outside quotes;
- string literals holding a backslash (whose meaning depends on the server's
  ``standard_conforming_strings``) or written with a prefix (``E''``, ``U&''``,
  ``B''``, ``X''``, ``N''``), and ``U&""`` identifiers (``UESCAPE`` rewrites them);
- statement keywords (``DELETE``, ``UPDATE``, ``SET``, ``COPY``, ``CALL``, ``DO``, ...);
- a call of any function outside ``ALLOWED_FUNCTIONS`` (read-only built-ins), a call
  qualified by another schema than ``pg_catalog``, or through a quoted name;
- unbalanced parentheses, and ``@name`` parameters that do not match ``args``.

The reading does not depend on any server setting: once backslashes and prefixed
literals are refused, ``'...'`` means the same text whether ``standard_conforming_strings``
is on or off. The executor still runs such a listing in a read-only transaction that it
rolls back (see ``AsyncExecutor.job_list``), so whatever this reading misses cannot change
data or the pooled session.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from river.errors import InvalidJobListParamsError

# A named parameter as the statement compiler finds it (``@>`` and ``@@`` are operators).
PARAM_RE = re.compile(r"(?<![@\w:])@([A-Za-z_][A-Za-z0-9_]*)")
_NAME_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")

_SPACE = " \t\n\r\f"
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Read-only built-in functions a condition may call (by plain name, or qualified with
# pg_catalog). None of them writes data, changes a setting or reaches another session.
ALLOWED_FUNCTIONS = frozenset("""
    abs ceil ceiling floor round trunc sign mod div power sqrt cbrt exp ln log log10 greatest
    least coalesce nullif width_bucket random
    lower upper initcap length char_length character_length octet_length bit_length
    substring substr position strpos left right trim btrim ltrim rtrim lpad rpad replace
    reverse repeat split_part starts_with concat concat_ws format md5 translate ascii chr
    regexp_like regexp_match regexp_matches regexp_replace regexp_count regexp_substr
    regexp_instr regexp_split_to_array regexp_split_to_table to_char to_number to_date
    to_timestamp quote_literal quote_ident quote_nullable encode decode normalize
    now current_date current_time current_timestamp localtime localtimestamp
    statement_timestamp transaction_timestamp clock_timestamp date_trunc date_part date_bin
    extract age make_date make_time make_timestamp make_timestamptz make_interval
    justify_days justify_hours justify_interval isfinite timezone overlaps
    array_length array_lower array_upper array_ndims array_dims array_position
    array_positions array_to_string array_append array_prepend array_cat array_remove
    array_replace string_to_array cardinality unnest generate_series generate_subscripts
    jsonb_typeof jsonb_array_length jsonb_extract_path jsonb_extract_path_text
    jsonb_path_exists jsonb_path_match jsonb_path_query jsonb_path_query_array
    jsonb_path_query_first jsonb_path_exists_tz jsonb_path_match_tz jsonb_path_query_tz
    jsonb_path_query_array_tz jsonb_path_query_first_tz jsonb_exists jsonb_exists_any
    jsonb_exists_all jsonb_contains jsonb_contained jsonb_each jsonb_each_text
    jsonb_array_elements jsonb_array_elements_text jsonb_object_keys jsonb_strip_nulls
    jsonb_build_object jsonb_build_array jsonb_set jsonb_set_lax jsonb_insert jsonb_pretty
    jsonb_agg jsonb_object_agg to_jsonb to_json json_typeof json_array_length
    json_extract_path json_extract_path_text json_each json_each_text
    json_array_elements json_array_elements_text json_object_keys json_build_object
    json_build_array row_to_json array_to_json
    count sum avg min max bool_and bool_or every array_agg string_agg
    to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery
    num_nonnulls num_nulls
""".split())

# Words followed by ``(`` in SQL's own syntax, which are not function calls.
_SYNTAX_BEFORE_PAREN = frozenset("""
    and or not in any all some exists array row cast case when then else is like ilike
    similar to escape between symmetric distinct select from where on using join lateral
    values union intersect except limit offset by filter over within group
""".split())

# Type names that take a modifier in parentheses (``numeric(10, 2)``), after ``::`` or
# in a multi-word type name (``character varying(20)``).
_TYPES_WITH_MODIFIER = frozenset("""
    varchar char character varying nchar numeric decimal dec float timestamp timestamptz
    time timetz interval bit varbit
""".split())

# Statement keywords: a condition never needs one (quote a column of that name: "set").
_STATEMENT_WORDS = frozenset("""
    delete update insert merge truncate drop alter create grant revoke copy call do
    execute prepare deallocate listen unlisten notify vacuum analyze reindex refresh
    discard reset set savepoint commit rollback begin abort checkpoint declare
""".split())


def check_where(sql: Any, args: Any) -> None:
    """Raise ``InvalidJobListParamsError`` unless ``sql`` is one condition, read alike by
    this guard and by PostgreSQL under any setting, calling only read-only functions, with
    its ``@name`` parameters exactly the keys of ``args``."""
    if not isinstance(sql, str) or not sql.strip():
        raise InvalidJobListParamsError("a where condition needs SQL text")
    if not isinstance(args, Mapping):
        raise InvalidJobListParamsError(
            f"where arguments are a mapping of names to values, got {type(args).__name__}"
        )
    _check_characters(sql)
    tokens, outside = _tokens(sql)
    _check_tokens(sql, tokens)
    _check_parameters(sql, outside, args)


def _refuse(sql: str, problem: str) -> InvalidJobListParamsError:
    return InvalidJobListParamsError(
        f"where condition {sql!r} {problem}; it must be one condition with values passed "
        "as @name parameters"
    )


def _check_characters(sql: str) -> None:
    for i, ch in enumerate(sql):
        code = ord(ch)
        if ch in "\t\n\r":
            continue
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            raise _refuse(sql, f"contains the control character U+{code:04X} at {i}")
        if 0xD800 <= code <= 0xDFFF:
            raise _refuse(sql, f"contains a lone surrogate U+{code:04X} at {i}")
        if ch in _BIDI:
            raise _refuse(sql, f"contains the bidirectional control U+{code:04X} at {i}")
        if code > 0x7F and unicodedata.category(ch) in ("Zl", "Zp"):
            raise _refuse(sql, f"contains the line separator U+{code:04X} at {i}")


def _ident_start(ch: str) -> bool:
    # PostgreSQL's lexer: ASCII letters, '_' and every non-ASCII character.
    return ch == "_" or (ch.isascii() and ch.isalpha()) or not ch.isascii()


def _ident_char(ch: str) -> bool:
    return _ident_start(ch) or (ch.isascii() and ch.isdigit())


def _fold(name: str) -> str:
    # PostgreSQL folds only ASCII letters of an unquoted name (UTF-8 servers).
    return "".join(c.lower() if c.isascii() else c for c in name)


# Tokens: (kind, text) with kind "ident", "qident", "string", "number" or "op".
Token = tuple[str, str]


def _tokens(sql: str) -> tuple[list[Token], str]:
    """The condition's tokens, and its text with quoted insides blanked out."""
    tokens: list[Token] = []
    outside: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in _SPACE:
            outside.append(ch)
            i += 1
        elif ch in "'\"":
            prev = sql[i - 1] if i else ""
            if prev == "&" or (prev and _ident_char(prev)):
                what = "a U& name" if ch == '"' else "a prefixed string (E'', U&'', B'', X'', N'')"
                raise _refuse(sql, f"uses {what}; put a space before the quote or pass a parameter")
            end = _closing_quote(sql, i)
            body = sql[i + 1 : end]
            if ch == "'" and "\\" in body:
                raise _refuse(
                    sql,
                    "has a backslash inside a string literal (its meaning depends on "
                    "standard_conforming_strings)",
                )
            tokens.append(("string" if ch == "'" else "qident", body))
            outside.append(ch + " " * len(body) + ch)
            i = end + 1
        elif ch == ";":
            raise _refuse(sql, "contains ';'")
        elif ch == "$":
            raise _refuse(sql, "contains '$' (dollar quoting or a positional parameter)")
        elif ch == "\\":
            raise _refuse(sql, "contains a backslash outside quotes")
        elif sql.startswith("--", i) or sql.startswith("/*", i):
            raise _refuse(sql, "contains a comment")
        elif _ident_start(ch):
            j = i + 1
            while j < n and _ident_char(sql[j]):
                j += 1
            tokens.append(("ident", sql[i:j]))
            outside.append(sql[i:j])
            i = j
        elif ch.isascii() and ch.isdigit():
            j = i + 1
            while j < n and sql[j].isascii() and (sql[j].isdigit() or sql[j] == "."):
                j += 1
            tokens.append(("number", sql[i:j]))
            outside.append(sql[i:j])
            i = j
        else:
            tokens.append(("op", ch))
            outside.append(ch)
            i += 1
    return tokens, "".join(outside)


def _closing_quote(sql: str, start: int) -> int:
    quote = sql[start]
    i = start + 1
    while True:
        end = sql.find(quote, i)
        if end < 0:
            raise InvalidJobListParamsError(f"where condition {sql!r} has an unterminated quote")
        if sql.startswith(quote * 2, end):  # a doubled quote stands for itself
            i = end + 2
            continue
        return end


def _check_tokens(sql: str, tokens: list[Token]) -> None:
    depth = 0
    for k, (kind, text) in enumerate(tokens):
        if kind == "op" and text in "()":
            depth += 1 if text == "(" else -1
            if depth < 0:
                break
        if kind == "ident" and _fold(text) in _STATEMENT_WORDS:
            raise _refuse(sql, f"contains the statement keyword {text!r}")
        following = tokens[k + 1] if k + 1 < len(tokens) else None
        if following == ("op", "(") and kind in ("ident", "qident"):
            _check_call(sql, tokens, k)
    if depth != 0:
        raise InvalidJobListParamsError(f"where condition {sql!r} has unbalanced parentheses")


def _check_call(sql: str, tokens: list[Token], k: int) -> None:
    """``tokens[k]`` is a name followed by ``(``: allow syntax, type modifiers and the
    read-only built-ins; refuse any other function."""
    kind, text = tokens[k]
    if kind == "qident":
        raise _refuse(sql, f'calls a function through the quoted name "{text}"')
    name = _fold(text)
    # Walk back over a qualified name (``pg_catalog.lower``) to what comes before it.
    start = k
    qualifiers: list[Token] = []
    while start >= 2 and tokens[start - 1] == ("op", ".") and tokens[start - 2][0] in ("ident", "qident"):
        qualifiers.append(tokens[start - 2])
        start -= 2
    before = tokens[start - 1] if start >= 1 else None
    before2 = tokens[start - 2] if start >= 2 else None
    if (before2, before) == (("op", ":"), ("op", ":")) or (
        before is not None and before[0] == "ident" and _fold(before[1]) == "as"
    ):
        return  # a type (``::numeric(10, 2)``, ``CAST(x AS varchar(3))``) or an alias
    if not qualifiers and (name in _SYNTAX_BEFORE_PAREN or name in _TYPES_WITH_MODIFIER):
        return
    if qualifiers and (qualifiers[0][0] != "ident" or _fold(qualifiers[0][1]) != "pg_catalog"):
        raise _refuse(sql, f"calls {text}() in another schema than pg_catalog")
    if name not in ALLOWED_FUNCTIONS:
        raise _refuse(
            sql,
            f"calls {text}(), which is not among the read-only functions a condition may "
            "call (river.where_guard.ALLOWED_FUNCTIONS)",
        )


def _check_parameters(sql: str, outside: str, args: Mapping[Any, Any]) -> None:
    used = set(PARAM_RE.findall(outside))
    if len(PARAM_RE.findall(sql)) != len(PARAM_RE.findall(outside)):
        raise InvalidJobListParamsError(
            f"where condition {sql!r} has '@name' inside quoted text; pass the value "
            "as a parameter instead"
        )
    for name, value in args.items():
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise InvalidJobListParamsError(f"where parameter name {name!r} is not an identifier")
        if name not in used:
            raise InvalidJobListParamsError(
                f"where condition {sql!r} does not use its parameter @{name}"
            )
        problem = _unsendable(value)
        if problem:
            raise InvalidJobListParamsError(f"where parameter @{name} {problem}")
    missing = sorted(used - set(args))
    if missing:
        raise InvalidJobListParamsError(
            f"where condition {sql!r} uses "
            + ", ".join("@" + m for m in missing)
            + " without a value in args"
        )


def _unsendable(value: Any, depth: int = 0) -> str | None:
    """Why PostgreSQL cannot take ``value`` as text, or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return "holds a NUL character, which PostgreSQL text cannot store"
        if not value.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            return "holds a lone surrogate, which cannot be sent as UTF-8"
        return None
    if isinstance(value, (list, tuple)) and depth < 8:
        for item in value:
            problem = _unsendable(item, depth + 1)
            if problem:
                return problem
    return None
