"""Running a head on typed input: loading one model at a time, one small module per head family.

Nothing here imports Textual. torch/transformers are imported inside the functions that need them,
which the UI only calls from thread workers; results cross back as frozen dataclasses
(``results.py``) that are also the ``--run --json`` document.
"""
