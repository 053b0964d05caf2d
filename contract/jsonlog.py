"""One JSON object per log line, so CloudWatch Logs Insights can filter on fields."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """Route the root logger to stdout as JSON lines; call once, from an entry point."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("py4j").setLevel(logging.WARNING)


def event_log(name: str) -> Callable[..., None]:
    """``log(event, level=INFO, **fields)`` on logger ``name``: one event, its fields beside
    it in the JSON line (a field named like a log record attribute gets a trailing ``_``)."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)

    def log(event: str, level: int = logging.INFO, **fields: Any) -> None:
        extra = {f"{k}_" if k in _STANDARD_ATTRS else k: v for k, v in fields.items()}
        logger.log(level, event, extra=extra)

    return log
