"""``make sql``: an interactive prompt that reads Athena SQL and runs it in DuckDB.

The duckdb Python package has no shell of its own; this is a small one over
:class:`LocalAthena`, so the tables and views are those of the Athena database and the
SQL is translated exactly as the named queries are.
"""

from __future__ import annotations

import cmd
from typing import IO

from athena.catalog import QueryError, query_names
from athena.formats import format_table
from athena.local import VIEWS, LocalAthena
from athena.statements import run_statements
from transforms.tables import PUBLIC_TABLES as TABLES

EXAMPLE = "SELECT client_id, COUNT(*) AS total_orders FROM processed_orders GROUP BY client_id;"
COMMANDS = ("help", "quit", "exit")
INTRO = (
    "Athena SQL over the local job output (DuckDB underneath). End a statement with ';'.\n"
    "Tables: {tables}. 'help' for more, 'quit' or Ctrl-D to leave."
)


class AthenaShell(cmd.Cmd):
    """Statements end with ``;`` and may span lines; everything else is a command."""

    prompt = "athena> "
    continuation = "   ...> "

    def __init__(
        self,
        athena: LocalAthena,
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        duckdb_sql: bool = False,
    ):
        super().__init__(stdin=stdin, stdout=stdout)
        self.duckdb_sql = duckdb_sql
        if stdin is not None:
            self.use_rawinput = False
        self.athena = athena
        self.buffer: list[str] = []
        self.intro = INTRO.format(tables=", ".join([*TABLES, *VIEWS]))

    def loop(self) -> None:
        """``cmdloop`` where Ctrl-C drops the statement being typed instead of leaving."""
        while True:
            try:
                self.cmdloop()
                return
            except KeyboardInterrupt:
                self.buffer, self.prompt, self.intro = [], AthenaShell.prompt, ""
                self.say("^C")

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")

    def onecmd(self, line: str) -> bool:
        word = line.strip().rstrip(";").strip().lower()
        if line == "EOF" or (not self.buffer and word in COMMANDS):
            return super().onecmd(word if line != "EOF" else line)
        return self.sql_line(line)

    def emptyline(self) -> bool:
        return False

    def sql_line(self, line: str) -> bool:
        """Collect a line; run the statement once it ends with ``;``."""
        self.buffer.append(line)
        statement = "\n".join(self.buffer).strip()
        if not statement.endswith(";"):
            self.prompt = self.continuation if statement else AthenaShell.prompt
            if not statement:
                self.buffer = []
            return False
        self.buffer, self.prompt = [], AthenaShell.prompt
        self.run(statement.rstrip(";"))
        return False

    def run(self, statement: str) -> None:
        try:
            for result in run_statements(self.athena, statement, duckdb_sql=self.duckdb_sql):
                self.say(format_table(result))
        except QueryError as err:
            self.say(f"error: {err}")

    def do_help(self, arg: str) -> None:
        """Tables, named queries and how to leave."""
        self.say("Tables and views: " + ", ".join([*TABLES, *VIEWS]))
        self.say(
            "Named queries (athena/queries, run with `make query Q=…`): " + ", ".join(query_names())
        )
        self.say(f"Example: {EXAMPLE}")
        self.say("DESCRIBE orders; shows a table's columns. 'quit', 'exit' or Ctrl-D leaves.")

    def do_quit(self, arg: str) -> bool:
        """Leave the prompt."""
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:  # noqa: N802 - the name cmd gives end of input
        """Leave the prompt (Ctrl-D)."""
        self.say("")
        return True
