"""Job args: any class with a ``kind`` class attribute, encoded to JSON as Go would.

Dataclasses, pydantic models and plain classes with ``to_json()`` (and optionally a
``from_json`` classmethod) all work. Encoding is compact, with ``<``, ``>`` and ``&``
escaped like Go's ``json.Marshal``, so unique keys match River Go's byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import typing
from functools import cache
from typing import Any

from river.errors import ArgsDecodeError, ArgsEncodeError
from river.types import format_rfc3339_nano

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_ESCAPE_TABLE = str.maketrans(_GO_ESCAPES)


def kind_of(args: Any) -> str:
    cls = args if isinstance(args, type) else type(args)
    kind = getattr(cls, "kind", None)
    if isinstance(kind, str):
        return kind
    raise TypeError(f"{cls.__name__} has no 'kind' class attribute: it is not job args")


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_PRIMITIVES = (str, int, float, bool, type(None))


def go_json(value: Any) -> str:
    """Compact JSON with Go's HTML-safe escapes."""
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        raise ArgsEncodeError(f"job args are not JSON-encodable: {exc}") from exc
    if "<" in text or ">" in text or "&" in text or "\u2028" in text or "\u2029" in text:
        text = text.translate(_ESCAPE_TABLE)
    return text


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _dataclass_dict(value: Any) -> dict[str, Any]:
    out = {}
    for name in _field_names(value.__class__):
        v = getattr(value, name)
        out[name] = v if type(v) in _PRIMITIVES else _plain(v)
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass_dict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, dt.datetime):
        return format_rfc3339_nano(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ArgsEncodeError(f"cannot encode a {type(value).__name__} in job args: {value!r}")


def encode_args(args: Any) -> str:
    if _is_dataclass_type(args.__class__):
        return go_json(_dataclass_dict(args))
    to_json = getattr(args, "to_json", None)
    if callable(to_json):
        raw = to_json()
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        try:
            return go_json(json.loads(text))
        except ValueError as exc:
            raise ArgsEncodeError(f"{type(args).__name__}.to_json() is not JSON: {exc}") from exc
    dump = getattr(args, "model_dump", None)
    if callable(dump):
        data = dump(mode="json")
        data.pop("kind", None)
        return go_json(data)
    if dataclasses.is_dataclass(args) or isinstance(args, dict):
        return go_json(_plain(args))
    raise ArgsEncodeError(
        f"cannot encode {type(args).__name__}: use a dataclass, a pydantic model, or define "
        "to_json()"
    )


@cache
def _is_dataclass_type(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) and not callable(getattr(cls, "to_json", None))


@cache
def _dataclass_fields(cls: type) -> tuple[frozenset[str], dict[str, Any]]:
    names = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        hints = {}
    nested = {n: h for n, h in hints.items() if n in names and dataclasses.is_dataclass(h)}
    return names, nested


def _build_dataclass(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise ArgsDecodeError(f"{cls.__name__} args must be a JSON object, got {data!r}")
    names, nested = _dataclass_fields(cls)
    kwargs = {k: v for k, v in data.items() if k in names}
    for name, sub in nested.items():
        if isinstance(kwargs.get(name), dict):
            kwargs[name] = _build_dataclass(sub, kwargs[name])
    return cls(**kwargs)


def decode_args(args_type: type[Any], encoded: str) -> Any:
    try:
        from_json = getattr(args_type, "from_json", None)
        if callable(from_json):
            return from_json(encoded)
        validate = getattr(args_type, "model_validate_json", None)
        if callable(validate):
            return validate(encoded)
        data = json.loads(encoded)
        if dataclasses.is_dataclass(args_type):
            return _build_dataclass(args_type, data)
        if args_type is dict:
            return data
        return args_type(**data)
    except ArgsDecodeError:
        raise
    except Exception as exc:
        raise ArgsDecodeError(
            f"cannot decode args into {args_type.__name__}: {type(exc).__name__}: {exc}"
        ) from exc
