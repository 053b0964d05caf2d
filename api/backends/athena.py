"""The Athena backend: named queries through ``StartQueryExecution`` with ``ExecutionParameters``.

Values are never formatted into SQL: each bound value goes to Athena as one
``ExecutionParameters`` literal. The wait is bounded (API Gateway stops at 29 s):
past the deadline the query is stopped and the caller gets a 504 with its id.
A page token carries the query execution id and Athena's own ``NextToken``, so the
next page reads the same results instead of running the query again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from api import tokens
from api.backends.athena_results import records_of
from api.backends.base import PAGE_LIMIT, PAGE_OFFSET, Page, bad_parameters
from api.errors import ApiError
from api.settings import Settings
from athena.catalog import NamedQuery, ParamValue, QueryError, athena_literal, load_query

log = logging.getLogger("api.athena")

# A paged query runs once, unpaged up to this many rows; pages are then read from its results.
RESULT_ROW_CAP = 1_000_000
# GetQueryResults returns at most this many rows per call.
MAX_RESULTS_PER_CALL = 1000


def athena_error(err: Exception, action: str) -> ApiError:
    code = err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""
    log.error("athena call failed", extra={"action": action, "error": str(err)})
    detail = f" ({code})" if code else ""
    return ApiError(502, "athena_error", f"Athena {action} failed{detail}")


class AthenaBackend:
    name = "athena"

    def __init__(
        self,
        settings: Settings,
        client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.client = client or boto3.client("athena", endpoint_url=settings.aws_endpoint_url)
        self.clock, self.sleep = clock, sleep

    def _call(self, action: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, action)(**kwargs)
        except (ClientError, BotoCoreError) as err:
            raise athena_error(err, action) from err

    def _start(self, named: NamedQuery, bound: list[ParamValue]) -> str:
        request: dict[str, Any] = {
            "QueryString": named.sql,
            "WorkGroup": self.settings.athena_workgroup,
            "QueryExecutionContext": {"Database": self.settings.athena_database},
        }
        if bound:
            request["ExecutionParameters"] = [athena_literal(v) for v in bound]
        if self.settings.athena_output_location:
            request["ResultConfiguration"] = {
                "OutputLocation": self.settings.athena_output_location
            }
        query_id: str = self._call("start_query_execution", **request)["QueryExecutionId"]
        log.info("query started", extra={"query": named.name, "query_id": query_id})
        return query_id

    def _wait(self, query_id: str, deadline: float) -> None:
        """Poll with exponential backoff until the query ends or the deadline passes."""
        delay = self.settings.poll_initial_seconds
        while True:
            execution = self._call("get_query_execution", QueryExecutionId=query_id)
            status = execution["QueryExecution"]["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return
            if state in ("FAILED", "CANCELLED"):
                log.error(
                    "query ended",
                    extra={
                        "query_id": query_id,
                        "state": state,
                        "reason": status.get("StateChangeReason"),
                    },
                )
                message = f"Athena query {state.lower()}"
                raise ApiError(502, "query_failed", message, query_id=query_id)
            if self.clock() + delay > deadline:
                self._stop(query_id)
                limit = self.settings.query_timeout_seconds
                message = f"query did not finish within {limit:g} s"
                raise ApiError(504, "query_timeout", message, query_id=query_id)
            self.sleep(delay)
            delay = min(delay * 2, self.settings.poll_max_seconds)

    def _stop(self, query_id: str) -> None:
        """Best effort: a query nobody waits for should not keep scanning (and billing)."""
        try:
            self.client.stop_query_execution(QueryExecutionId=query_id)
        except (ClientError, BotoCoreError) as err:
            log.warning("could not stop query", extra={"query_id": query_id, "error": str(err)})

    def _run(self, query: str, values: dict[str, ParamValue]) -> tuple[NamedQuery, str]:
        deadline = self.clock() + self.settings.query_timeout_seconds
        named = load_query(query)
        try:
            bound = named.bind(values)
        except QueryError as err:
            raise bad_parameters(err) from err
        query_id = self._start(named, bound)
        self._wait(query_id, deadline)
        return named, query_id

    def _results(
        self, query_id: str, max_results: int, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        request: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": max_results}
        if next_token:
            request["NextToken"] = next_token
        response = self._call("get_query_results", **request)
        try:
            records = records_of(response["ResultSet"], first_page=next_token is None)
        except (KeyError, ValueError, ArithmeticError) as err:
            log.error("unreadable result page", extra={"query_id": query_id, "error": str(err)})
            raise ApiError(502, "athena_error", "Athena returned an unreadable result") from err
        return records, response.get("NextToken")

    def rows(self, query: str, values: dict[str, ParamValue]) -> list[dict[str, Any]]:
        _, query_id = self._run(query, values)
        records, next_token = self._results(query_id, MAX_RESULTS_PER_CALL, None)
        while next_token:
            more, next_token = self._results(query_id, MAX_RESULTS_PER_CALL, next_token)
            records.extend(more)
        return records

    def page(
        self, query: str, values: dict[str, ParamValue], limit: int, token: str | None
    ) -> Page:
        fingerprint = tokens.fingerprint(query, values)
        unpaged = {**values, PAGE_OFFSET: 0, PAGE_LIMIT: RESULT_ROW_CAP}
        if token is None:
            _, query_id = self._run(query, unpaged)
            # The first page of results starts with the header row.
            records, next_token = self._results(query_id, limit + 1, None)
        else:
            state = tokens.decode(token, {"q": str, "id": str, "n": str})
            if state["q"] != fingerprint:
                raise ApiError(400, "invalid_next_token", "next_token belongs to another query")
            self._check_same_query(state["id"], query, unpaged)
            query_id = state["id"]
            records, next_token = self._results(query_id, limit, state["n"])
        if not next_token:
            return Page(records, None)
        return Page(records, tokens.encode({"q": fingerprint, "id": query_id, "n": next_token}))

    def _check_same_query(self, query_id: str, query: str, values: dict[str, ParamValue]) -> None:
        """A token may only read results of the very query this request would run."""
        named = load_query(query)
        expected = [athena_literal(v) for v in named.bind(values)]
        try:
            execution = self.client.get_query_execution(QueryExecutionId=query_id)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "InvalidRequestException":
                raise ApiError(400, "invalid_next_token", "next_token has expired") from err
            raise athena_error(err, "get_query_execution") from err
        except BotoCoreError as err:
            raise athena_error(err, "get_query_execution") from err
        found = execution["QueryExecution"]
        same = (
            found.get("Query") == named.sql
            and found.get("ExecutionParameters", []) == expected
            and found.get("WorkGroup") == self.settings.athena_workgroup
            and found.get("Status", {}).get("State") == "SUCCEEDED"
        )
        if not same:
            raise ApiError(400, "invalid_next_token", "next_token belongs to another query")
