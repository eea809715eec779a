"""``python -m hlsfx.cli``: the command line."""

import sys

from hlsfx.cli.main import main

sys.exit(main())
