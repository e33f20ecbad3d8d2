"""What both colours of executor share that does no I/O: the schema its statements name
and their compilation for the driver's placeholder style."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, ClassVar, Self

from river.driver import binds
from river.driver.plan_generation import PlanGeneration
from river.driver.query import CompiledQuery, ParamStyle, compile_query


class ListingDone(Exception):
    """Carries a listing's rows out of the transaction it ran in, so that the
    transaction is rolled back rather than committed."""

    def __init__(self, rows: list[Sequence[Any]]) -> None:
        super().__init__("listing done")
        self.rows = rows


class ExecutorBase:
    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(self, schema: str | None = None, *, on_pool: bool = True) -> None:
        self.schema = schema
        # Each statement runs on a connection of a pool, outside a transaction (rather
        # than on one connection: a transaction, or the caller's own).
        self.on_pool = on_pool
        # Which plans the statements that search river_job use; the fetch moves it on.
        self.plans = PlanGeneration()
        # False once the database refused this role a function of its session (no TEMP
        # privilege): the limited fetch then holds its lock in a transaction.
        self.session_functions = True

    def with_schema(self, schema: str | None) -> Self:
        """This executor (same pool or transaction) naming River's tables in ``schema``."""
        if schema == self.schema:
            return self
        other = copy.copy(self)
        other.schema = schema
        other.plans = PlanGeneration()  # another schema's river_job
        return other

    def in_transaction(self, tx: Self) -> Self:
        """``tx``, an executor on a transaction of this one's pool, with this one's plan
        generation (the same table)."""
        tx.plans = self.plans
        return tx

    def compile(self, query: str) -> CompiledQuery:
        return compile_query(query, self.paramstyle, self.schema)

    def _qualified(self, table: str) -> str:
        return binds.quote_path(f"{self.schema}.{table}" if self.schema else table)
