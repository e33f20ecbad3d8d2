"""``river ui``: serve the web dashboard with uvicorn."""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import os
import sys
from typing import Any

from river.cli._common import CLIError, resolve_database_url
from river.config import validate_schema

LOOPBACK_NAMES = ("localhost",)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    helptext = "serve the web dashboard (needs the ui extra)"
    p = sub.add_parser(
        "ui",
        help=helptext,
        description=f"{helptext}. Binding an address other than loopback needs --auth or "
        "--insecure-no-auth.",
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="postgresql:// URL of the database holding River's tables (default: $DATABASE_URL)",
    )
    p.add_argument(
        "--schema",
        action="append",
        default=None,
        help="schema of River's tables (default: search path); repeat it to serve several "
        "schemas, with a switcher in the header",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    p.add_argument("--read-only", action="store_true", help="hide and refuse every action")
    who = p.add_mutually_exclusive_group()
    who.add_argument(
        "--auth",
        metavar="basic|MODULE:ATTRIBUTE",
        default=None,
        help="basic: HTTP basic auth with $RIVER_UI_USERNAME and $RIVER_UI_PASSWORD; "
        "MODULE:ATTRIBUTE: your auth hook, called with each request, returning True to allow",
    )
    who.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="allow a non-loopback address without authentication",
    )
    p.set_defaults(func=cmd_ui)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_auth(spec: str | None) -> Any:
    """The auth hook named on the command line (None: no authentication)."""
    if spec is None:
        return None
    from river.ui import basic_auth_from_env

    if spec == "basic":
        try:
            return basic_auth_from_env()
        except ValueError as exc:
            raise CLIError(f"--auth basic: {exc}") from None
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise CLIError(f"--auth must be basic or MODULE:ATTRIBUTE, not {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        hook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise CLIError(f"--auth {spec}: {exc}") from None
    if not callable(hook):
        raise CLIError(f"--auth {spec}: not callable")
    return hook


def cmd_ui(args: argparse.Namespace) -> int:
    # Never a throwaway server: the dashboard shows an existing database.
    url = resolve_database_url(args)
    schemas: list[str] = args.schema or []
    for schema in schemas:
        validate_schema(schema)
    if not is_loopback(args.host) and args.auth is None and not args.insecure_no_auth:
        raise CLIError(
            f"refusing to serve the dashboard on {args.host} without authentication: "
            "pass --auth basic (or --auth MODULE:ATTRIBUTE), or --insecure-no-auth"
        )
    try:
        import uvicorn

        from river.ui import create_app
    except ImportError as exc:
        raise CLIError(
            f'river ui needs the ui extra: pip install "river-queue[ui]" ({exc})'
        ) from None
    app = create_app(
        url,
        schema=schemas[0] if len(schemas) == 1 else (schemas or None),
        auth=load_auth(args.auth),
        read_only=args.read_only,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
