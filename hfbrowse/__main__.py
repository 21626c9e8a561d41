"""``python -m hfbrowse``."""

import sys

from hfbrowse.cli import main

sys.exit(main())
