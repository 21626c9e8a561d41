"""Offline demo and test models for hfbrowse.

`hfbrowse.demo.builder` builds tiny random-weight models with real (locally trained) tokenizers,
deterministically and without network access. Nothing heavy is imported here: torch,
transformers and tokenizers are imported only inside the builder functions.
"""
