"""Job args: any class with a ``kind`` class attribute, encoded to JSON as Go would.

Dataclasses, pydantic models and plain classes with ``to_json()`` (and optionally a
``from_json`` classmethod) all work. Encoding is compact, with ``<``, ``>`` and ``&``
escaped like Go's ``json.Marshal``, so unique keys match River Go's byte for byte.

An args class may also declare classmethods ``hooks()`` (hooks for its kind only:
River's ``JobArgsWithHooks``) and ``plugins()`` (hooks and middleware for its kind only:
River's ``JobArgsWithPlugins``); see ``river._internal.executor.hook_lookup``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import json
import math
import re
import sys
import types
import typing
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any, cast

from river.errors import ArgsDecodeError, ArgsEncodeError
from river.stored_json import depth_reason, too_deep
from river.types import format_rfc3339_nano

try:  # a compiled encoder for the common case; the stdlib path below stays exact without it
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a dependency, but keep working without
    _orjson = None  # type: ignore[assignment]

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_ESCAPE_TABLE = str.maketrans(_GO_ESCAPES)
# A JSON string literal, or a run of insignificant whitespace (dropped by compaction).
_COMPACT_RE = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.DOTALL)


def kind_of(args: Any) -> str:
    cls = args if isinstance(args, type) else type(args)
    kind = getattr(cls, "kind", None)
    if isinstance(kind, str):
        return kind
    raise TypeError(f"{cls.__name__} has no 'kind' class attribute: it is not job args")


class _GoNumber:
    """A number whose Go spelling the stdlib encoder cannot write (tiny floats, -0)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _SlowPath(Exception):
    pass


def _default(value: Any) -> Any:
    if isinstance(value, _GoNumber):
        raise _SlowPath
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
)
# Values the JSON encoder writes exactly as Go does (floats are not: Go writes 1.0 as 1).
_PRIMITIVES = (str, int, bool, type(None))
_NEG_ZERO = _GoNumber("-0")


def _escape(text: str) -> str:
    if "<" in text or ">" in text or "&" in text or "\u2028" in text or "\u2029" in text:
        return text.translate(_ESCAPE_TABLE)
    return text


def _encode_slow(value: Any) -> str:
    # Rare path, taken only when a _GoNumber is present; the C encoder does the rest.
    if isinstance(value, _GoNumber):
        return value.text
    if isinstance(value, dict):
        items = (_ENCODER.encode(k) + ":" + _encode_slow(v) for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode_slow(v) for v in value) + "]"
    return _ENCODER.encode(value)


def go_json(value: Any) -> str:
    """Compact JSON with Go's HTML-safe escapes."""
    try:
        try:
            return _escape(_ENCODER.encode(value))
        except _SlowPath:
            return _escape(_encode_slow(value))
    except (TypeError, ValueError) as exc:
        raise ArgsEncodeError(f"job args are not JSON-encodable: {exc}") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def go_compact(text: str | bytes) -> str:
    """Validate JSON text and compact it as Go does for ``MarshalJSON`` output: number
    literals and key order are kept verbatim."""
    if isinstance(text, bytes):
        text = text.decode()
    json.loads(text, parse_constant=_reject_constant)
    return _escape(_COMPACT_RE.sub(lambda m: m.group(1) or "", text))


_SHORT_EXPONENT = re.compile(r"e-0(\d)$")


def _go_float(value: float) -> Any:
    """A float as Go's encoder spells it: fixed notation from 1e-6 up to 1e21."""
    if not math.isfinite(value):
        raise ArgsEncodeError(f"{value!r} is not representable in JSON")
    size = abs(value)
    if value.is_integer():
        if size >= 1e21:
            return value  # Python's repr matches Go's here: 1e+21
        if value == 0 and math.copysign(1.0, value) < 0:
            return _NEG_ZERO
        # Shortest round-trip digits, then zeros, as Go prints 1.2345678901234567e20.
        return int(Decimal(repr(value)))
    if size < 1e-4 and size > 0:
        if size >= 1e-6:
            return _GoNumber(format(Decimal(repr(value)), "f"))
        return _GoNumber(_SHORT_EXPONENT.sub(r"e-\1", repr(value)))
    return value  # Python's repr matches Go's for everything else


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_TOO_DEEP = "nested too deeply to encode as JSON (or the value contains itself)"


def _dataclass_dict(value: Any) -> dict[str, Any]:
    out = {}
    for name in _field_names(value.__class__):
        v = getattr(value, name)
        if type(v) in _PRIMITIVES:
            out[name] = v
            continue
        try:
            out[name] = _plain(v)
        except ArgsEncodeError as exc:
            raise ArgsEncodeError(f"field {name!r}: {exc}") from None
        except RecursionError:  # past Python's recursion limit, or a value holding itself
            raise ArgsEncodeError(f"field {name!r}: {_TOO_DEEP}") from None
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        return _go_float(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass_dict(value)
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dt.datetime):
        # Naive times are taken as UTC, as River stores every time in UTC.
        return format_rfc3339_nano(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        # Go's time.Duration is an integer count of nanoseconds.
        return (value.days * 86_400 + value.seconds) * 10**9 + value.microseconds * 1000
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()  # Go encodes []byte as base64
    if isinstance(value, uuid.UUID):
        return str(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return _plain(dump(mode="json"))
    raise ArgsEncodeError(f"cannot encode a {type(value).__name__} in job args: {value!r}")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)  # Go also writes integer map keys as strings
    raise ArgsEncodeError(f"cannot encode a {type(key).__name__} map key in job args: {key!r}")


def encode_args(args: Any) -> str:
    """Encode job args to Go-compatible compact JSON; ArgsEncodeError names what failed."""
    cls = args.__class__
    try:
        if _is_dataclass_type(cls):
            return go_json(_dataclass_dict(args))
        to_json = getattr(args, "to_json", None)
        if callable(to_json):
            raw = to_json()
            if not isinstance(raw, (str, bytes)):
                raise ArgsEncodeError(
                    f"{cls.__name__}.to_json() must return str or bytes, got {type(raw).__name__}"
                )
            return go_compact(raw)
        if callable(getattr(args, "model_dump", None)) or isinstance(args, dict):
            return go_json(_plain(args))
    except ArgsEncodeError as exc:
        raise ArgsEncodeError(f"cannot encode {cls.__name__} args: {exc}") from exc
    except RecursionError:
        raise ArgsEncodeError(f"cannot encode {cls.__name__} args: {_TOO_DEEP}") from None
    except ValueError as exc:
        raise ArgsEncodeError(f"{cls.__name__}.to_json() is not valid JSON: {exc}") from exc
    raise ArgsEncodeError(
        f"cannot encode {cls.__name__}: use a dataclass, a pydantic model, or define to_json()"
    )


_PRIMITIVE_HINTS = frozenset({str, int, bool, type(None)})


@cache
def _stored_fast(cls: type) -> bool:
    """Whether ``cls`` is a dataclass whose fields are all typed str, int, bool or None
    (or a union of them): the compiled encoder stores the same JSON value for those."""
    if _orjson is None or not _is_dataclass_type(cls):
        return False
    hints = _field_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints.get(f.name)
        origin = typing.get_origin(hint)
        parts = (
            typing.get_args(hint)
            if origin is typing.Union or origin is types.UnionType
            else (hint,)
        )
        if not all(p in _PRIMITIVE_HINTS for p in parts):
            return False
    return True


def encode_args_stored(args: Any) -> str:
    """Args JSON for the ``args`` column. ``jsonb`` normalises whitespace, key order and
    escapes, so any encoder giving the same JSON value will do; only unique keys need
    ``encode_args``'s exact Go bytes. Dataclasses of plain str/int/bool fields take a
    compiled encoder; everything else (and any value it refuses) takes ``encode_args``."""
    if _stored_fast(args.__class__):
        try:
            out = _orjson.dumps(args)
        except TypeError:  # orjson.JSONEncodeError: a 65-bit int, a lone surrogate, ...
            return encode_args(args)
        if b"null" in out and _holds_float(args):
            return encode_args(args)
        return out.decode()
    return encode_args(args)


def _holds_float(args: Any) -> bool:
    """Whether a field typed str/int/bool holds a float anyway: orjson writes NaN and
    ±Infinity as ``null``, silently; ``encode_args`` refuses them, naming the field."""
    return any(type(getattr(args, name)) is float for name in _field_names(args.__class__))


@cache
def stored_encoder(cls: type) -> Callable[[Any], str]:
    """``encode_args_stored`` for args of class ``cls``, its per-class choice made once
    (for loops over many args of one class)."""
    if not _stored_fast(cls):
        return encode_args
    dumps = _orjson.dumps

    def encode(args: Any) -> str:
        try:
            out = dumps(args)
        except TypeError:  # orjson.JSONEncodeError: a 65-bit int, a lone surrogate, ...
            return encode_args(args)
        if b"null" in out and _holds_float(args):
            return encode_args(args)
        return out.decode()

    return encode


# orjson reads an integer past 64 bits as a float, silently: text with a run of 20 digits
# (which such an integer has) takes the stdlib parser, which keeps it exact.
_LONG_DIGITS = re.compile(r"\d{20}")


def loads(text: str | bytes) -> Any:
    """Parse JSON text from the database (compiled parser, stdlib for what it refuses or
    would read inexactly)."""
    if isinstance(text, bytes):
        text = text.decode()
    if _orjson is not None and (len(text) < 20 or _LONG_DIGITS.search(text) is None):
        try:
            return _orjson.loads(text)
        except ValueError:  # orjson.JSONDecodeError: not JSON to orjson
            pass
    return json.loads(text)


@cache
def _is_dataclass_type(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) and not callable(getattr(cls, "to_json", None))


Converter = Callable[[Any], Any]


def _converter(hint: Any) -> Converter | None:
    """How to rebuild a decoded JSON value for a field type, or None to keep it as is."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        subs = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _converter(subs[0]) if len(subs) == 1 else None
        return None if inner is None else (lambda v: None if v is None else inner(v))
    if origin in (list, tuple):
        sub_args = typing.get_args(hint)
        item = _converter(sub_args[0]) if sub_args else None
        if origin is tuple:
            return lambda v: tuple(item(x) for x in v) if item else tuple(v)
        return None if item is None else (lambda v: [item(x) for x in v])
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return lambda v: _build_dataclass(hint, v)
        if issubclass(hint, enum.Enum):
            return hint
        if issubclass(hint, dt.datetime):
            return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
        if issubclass(hint, dt.date):
            return lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v
        if issubclass(hint, dt.timedelta):
            return lambda v: dt.timedelta(microseconds=v // 1000) if isinstance(v, int) else v
        if issubclass(hint, bytes):
            return lambda v: base64.b64decode(v, validate=True) if isinstance(v, str) else v
        if issubclass(hint, uuid.UUID):
            return lambda v: uuid.UUID(v) if isinstance(v, str) else v
    return None


def _field_hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:
        pass
    # One unresolvable annotation (say, a name local to a function) must not cost the
    # others their conversion: resolve field by field, as get_type_hints would.
    module = sys.modules.get(cls.__module__)
    namespace = dict(vars(module)) if module else {}
    hints = {}
    for f in dataclasses.fields(cls):
        try:
            hints[f.name] = eval(f.type, namespace) if isinstance(f.type, str) else f.type
        except Exception:
            continue
    return hints


@cache
def _dataclass_fields(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Converter], ...]]:
    names = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
    convs = tuple(
        (name, conv)
        for name, hint in _field_hints(cls).items()
        if name in names and (conv := _converter(hint)) is not None
    )
    return names, convs


def _build_dataclass(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise ArgsDecodeError(f"{cls.__name__} args must be a JSON object, got {data!r}")
    names, convs = _dataclass_fields(cls)
    kwargs = data if data.keys() <= names else {k: v for k, v in data.items() if k in names}
    if convs:
        kwargs = dict(kwargs)
        for name, conv in convs:
            if name in kwargs:
                kwargs[name] = conv(kwargs[name])
    return cls(**kwargs)


def _dataclass_decoder(cls: type) -> Callable[[str], Any]:
    """Decodes into dataclass ``cls``; its fields are read once, here. The usual args
    (no field to convert, only known keys) go straight to the constructor."""
    names, convs = _dataclass_fields(cls)
    if convs:
        return lambda encoded: _build_dataclass(cls, loads(encoded))

    def decode(encoded: str) -> Any:
        data = loads(encoded)
        if type(data) is dict and data.keys() <= names:
            return cls(**data)
        return _build_dataclass(cls, data)

    return decode


def decode_args(args_type: type[Any], encoded: str) -> Any:
    """Decode stored args JSON into ``args_type``; any failure is an ArgsDecodeError.
    Args nested deeper than ``river.stored_json.MAX_DEPTH`` levels are refused before
    any parser (the args type's own included) sees them."""
    if too_deep(encoded):
        raise ArgsDecodeError(f"cannot decode args into {args_type.__name__}: {depth_reason()}")
    try:
        decoder = _DECODERS.get(args_type)
        if decoder is None:
            decoder = _DECODERS[args_type] = _decoder(args_type)
        return decoder(encoded)
    except ArgsDecodeError:
        raise
    except Exception as exc:
        raise ArgsDecodeError(
            f"cannot decode args into {args_type.__name__}: {type(exc).__name__}: {exc}"
        ) from exc


#: ``_decoder`` of each args type decoded so far (a plain dict: looked up once a job).
_DECODERS: dict[Any, Callable[[str], Any]] = {}


def _decoder(args_type: Any) -> Callable[[str], Any]:
    """How ``decode_args`` decodes into ``args_type`` (looked up once per type)."""
    from_json = getattr(args_type, "from_json", None)
    if callable(from_json):
        return cast(Callable[[str], Any], from_json)
    validate = getattr(args_type, "model_validate_json", None)
    if callable(validate):
        return cast(Callable[[str], Any], validate)
    cls: type[Any] = args_type
    if dataclasses.is_dataclass(cls):
        return _dataclass_decoder(cls)
    if args_type is dict:
        return _decode_dict
    return lambda encoded: args_type(**loads(encoded))


def _decode_dict(encoded: str) -> Any:
    data = loads(encoded)
    if not isinstance(data, dict):
        raise ArgsDecodeError(f"args must be a JSON object, got {data!r}")
    return data


def plain_json(value: Any) -> Any:
    """``value`` as the plain JSON value (dicts, lists, str, numbers) Go would encode."""
    return _plain(value)


def json_converter(hint: Any) -> Converter | None:
    """How to rebuild a value of type ``hint`` from decoded JSON, or None to keep it."""
    return _converter(hint)
