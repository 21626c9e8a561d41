"""The headless core of hfbrowse.

Nothing under this package imports Textual. torch and transformers are imported only inside
functions that the UI calls from thread workers, so that the config tree and tensor table can be
drawn from plain JSON and header bytes in milliseconds.
"""

# Registers the one-line "install torch" translation with core.errors.as_user_error.
from hfbrowse.core import torch_check  # noqa: F401
