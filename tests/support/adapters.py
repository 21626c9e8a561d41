"""PEFT adapter fixtures, written at test time with the ``safetensors`` package (no peft).

``write_lora`` writes what ``PeftModel.save_pretrained`` writes for a LoRA on tiny-gpt2's
``c_attn``: ``adapter_config.json`` and ``adapter_model.safetensors`` holding
``base_model.model.transformer.h.<i>.attn.c_attn.lora_A.weight`` (r × n_embd) and ``lora_B``
(3·n_embd × r) per layer. Values are zeros: browsing reads headers only.
"""

from __future__ import annotations

import json
from pathlib import Path

RANK = 4
ALPHA = 8


def write_lora(
    dest: Path,
    base: str,
    *,
    n_layer: int = 2,
    n_embd: int = 32,
    module: str = "transformer.h.{i}.attn.c_attn",
    config: dict | None = None,
) -> Path:
    import numpy as np
    from safetensors.numpy import save_file

    dest.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for i in range(n_layer):
        path = "base_model.model." + module.format(i=i)
        tensors[f"{path}.lora_A.weight"] = np.zeros((RANK, n_embd), dtype=np.float32)
        tensors[f"{path}.lora_B.weight"] = np.zeros((3 * n_embd, RANK), dtype=np.float32)
    save_file(tensors, str(dest / "adapter_model.safetensors"))
    doc = config or {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base,
        "r": RANK,
        "lora_alpha": ALPHA,
        "lora_dropout": 0.05,
        "target_modules": ["c_attn"],
        "fan_in_fan_out": True,
        "bias": "none",
    }
    (dest / "adapter_config.json").write_text(json.dumps(doc), encoding="utf-8")
    return dest


def lora_parameters(n_layer: int = 2, n_embd: int = 32) -> int:
    """The parameters ``write_lora`` adds: A and B of every layer."""
    return n_layer * (RANK * n_embd + 3 * n_embd * RANK)


def write_peft_lora(dest: Path, base_folder: Path, base: str, *, seed: int = 0) -> Path:
    """A LoRA adapter made by peft itself (``get_peft_model`` + ``save_pretrained``) on the
    base in ``base_folder``, with random (not zero) B matrices so that it changes the base's
    output, and ``base_model_name_or_path`` set to ``base`` (a Hub id or a folder)."""
    import json

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base_folder))
    config = LoraConfig(
        r=RANK,
        lora_alpha=ALPHA,
        lora_dropout=0.0,
        target_modules=["c_attn"],
        fan_in_fan_out=True,
        task_type="CAUSAL_LM",
        init_lora_weights=False,  # random A and B: the adapter changes what the model says
    )
    peft_model = get_peft_model(model, config)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.mul_(20.0)  # a strong update: greedy text differs from the base's
    peft_model.save_pretrained(str(dest))
    path = dest / "adapter_config.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["base_model_name_or_path"] = base
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return dest
