"""``python -m hfbrowse.demo.regenerate_manifest``: rebuild the demo models with torch and rewrite
``weights_manifest.json`` (what ``demo.torchless`` writes without torch) from them.

Run it after changing a demo recipe; tests/packaging checks the manifest is current.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hfbrowse.core.torch_check import torch_installed
from hfbrowse.demo.builder import build_demo_models
from hfbrowse.demo.torchless import MANIFEST, dump_manifest, manifest_from_folders


def main() -> int:
    """Rebuild the demo models with torch and rewrite weights_manifest.json from them."""
    if not torch_installed():
        print("regenerating the manifest needs torch (the torch build is the reference)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        text = dump_manifest(manifest_from_folders(build_demo_models(Path(tmp))))
    MANIFEST.write_text(text, encoding="utf-8")
    print(f"wrote {MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
