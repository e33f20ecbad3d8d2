"""When the statements that search ``river_job`` get new query plans: after the table
has grown several-fold.

A prepared statement is planned for its first few runs with its parameters, then
Postgres may switch to one generic plan that it keeps for the statement's life, costed
with the table's size at that moment. A client that starts on an empty or nearly empty
``river_job`` (a new installation, a queue that was idle) gets generic plans that read
the whole table: right for a page of rows, but each fetch and each completion then scans
every row once jobs pile up. The plans are only replaced when ``river_job`` is analyzed,
which autovacuum does within a minute or so when it is not busy elsewhere; until then a
backlog of 50,000 jobs was worked 4 to 8 times slower.

The fetch reports the table's size. Once the table has grown ``GROWTH`` times past the
size it had when the current plans were made, the executor sends those statements (the
fetch, the completions, and the scheduler's, rescuer's and cleaner's searches) under a
new text, a trailing comment naming the generation: the drivers prepare them afresh, and
Postgres plans them for the table as it now is. A table grows by that factor only a few
times in its life, so the statements are prepared anew only a few times.
"""

from __future__ import annotations

#: Growth of ``river_job`` since the current plans were made that makes new ones.
GROWTH = 4
#: Below this size (8 pages) every plan reads the table cheaply: no new plans.
MIN_BYTES = 64 * 1024


class PlanGeneration:
    """Which plans the statements that search ``river_job`` use, moved on by its growth."""

    __slots__ = ("_planned_at", "_texts", "generation")

    def __init__(self) -> None:
        self.generation = 0
        # The size the current plans were made at; 0 when unknown (the first plans).
        self._planned_at = 0
        # This generation's texts, one object each (its hash is computed once).
        self._texts: dict[str, str] = {}

    def observe(self, table_bytes: int) -> None:
        """Note ``river_job``'s size as a statement just saw it."""
        if table_bytes * GROWTH <= self._planned_at:
            # Emptied (TRUNCATE) or cut short by VACUUM: either makes Postgres plan the
            # statements again, at the smaller size. Growth is counted from there.
            self._planned_at = table_bytes
        elif table_bytes >= MIN_BYTES and table_bytes >= GROWTH * self._planned_at:
            self.generation += 1
            self._planned_at = table_bytes
            self._texts = {}

    def text(self, statement: str) -> str:
        """``statement`` as this generation sends it."""
        if not self.generation:
            return statement
        text = self._texts.get(statement)
        if text is None:
            text = self._texts[statement] = f"{statement}/* plan generation {self.generation} */\n"
        return text
