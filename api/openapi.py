"""Write the app's OpenAPI document (``make openapi``) for the deploy script to import.

The document does not depend on configuration, so it is built from default settings.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from api.app import create_app
from api.settings import Settings

DEFAULT_PATH = Path(__file__).parent / "openapi.json"


def document() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    args.out.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
