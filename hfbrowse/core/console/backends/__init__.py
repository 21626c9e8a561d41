"""Where the console runs the shown head: in this process, or on an existing inference engine.

- ``settings``: which backend (``--endpoint``, ``--provider``, ``--device-map``, … and their
  environment variables) as one frozen value, checked before anything is fetched;
- ``base``: the ``Backend`` protocol every backend follows, and what a remote run shares;
- ``http``: bounded timeouts, one-line errors, cancel that closes the connection, and the rule
  that the user's HF token goes to Hugging Face hosts only;
- ``in_process`` (today's runner, plus accelerate's ``device_map``), ``openai_endpoint``
  (``/v1/completions``, ``/v1/chat/completions``, ``/v1/embeddings``), ``hf_endpoint`` (TGI,
  TEI, Inference Endpoints: the protocol ``huggingface_hub.InferenceClient`` speaks),
  ``providers`` (Hugging Face Inference Providers);
- ``choose``: the settings → a backend (probing an endpoint for which protocol it speaks);
- ``remote_outputs``: remote answers → the same output dataclasses the in-process heads return,
  so rendering, ``--json`` and history do not know where a result came from.

Nothing here imports torch, transformers or a network library at module level.
"""
