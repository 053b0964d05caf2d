"""``python -m athena query <name> [name=value …]`` and ``python -m athena sql``."""

import sys

from athena.cli import main

sys.exit(main())
