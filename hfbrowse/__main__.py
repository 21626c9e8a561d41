"""``python -m hfbrowse``."""

import sys

from hfbrowse.cli.entry import main

sys.exit(main())
