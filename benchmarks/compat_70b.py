"""Head compatibility for a Llama-3-70B-shaped checkpoint (723 tensors in 30 sparse shards).

Budget: ≤ 1 s after torch is loaded. Prints, for one process:
- the first run after ``import torch`` (it also imports transformers' modeling code),
- warm medians for the shown head alone and for every supported head (5 for Llama),
- the torch-free parts the other views need: memory estimate, quantisation counts, module tree.

Run: ``.venv/bin/python -m benchmarks.compat_70b`` (builds the sparse fixture in a temp dir).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path


def _median(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from hfbrowse.demo.fixtures import make_sparse_70b

    with tempfile.TemporaryDirectory(prefix="hfbrowse-bench-") as tmp:
        folder = Path(tmp) / "sparse-70b"
        folder.mkdir()
        make_sparse_70b(folder, {})

        from hfbrowse.core.checkpoint.tensors import local_tensor_table
        from hfbrowse.core.heads.resolve import resolve_heads

        config = json.loads((folder / "config.json").read_text())
        heads = resolve_heads(config)
        start = time.perf_counter()
        table = local_tensor_table(folder)
        headers_s = time.perf_counter() - start

        start = time.perf_counter()
        import torch  # noqa: F401  (the budget starts once torch is loaded)

        torch_s = time.perf_counter() - start

        from hfbrowse.core.heads.compat import compat_report, iter_compat
        from hfbrowse.core.heads.meta_model import import_transformers_class

        shown = heads.recommended
        option = heads.option(shown)
        start = time.perf_counter()
        import_transformers_class(option.class_name)  # transformers + modeling_llama, once
        modeling_s = time.perf_counter() - start
        start = time.perf_counter()
        first = next(iter_compat(config, heads, table, first=shown))
        cold_shown = time.perf_counter() - start
        start = time.perf_counter()
        report = compat_report(config, heads, table, first=shown)
        first_all = time.perf_counter() - start

        warm_shown = _median(lambda: next(iter_compat(config, heads, table, first=shown)))
        warm_all = _median(lambda: compat_report(config, heads, table, first=shown))

        from hfbrowse.core.checkpoint.module_tree import module_tree
        from hfbrowse.core.checkpoint.quantization import quantized_counts
        from hfbrowse.core.memory import estimate_memory, machine_memory

        machine = machine_memory()
        memory_s = _median(
            lambda: estimate_memory(
                config, table.parameters, "headers", causal_lm=True, machine=machine
            ),
            20,
        )
        quant_s = _median(lambda: quantized_counts(table, config), 20)
        tree_s = _median(lambda: module_tree(table.rows), 20)

    print(f"checkpoint: {len(table.rows)} tensors, {table.parameters:,} parameters")
    print(f"headers read: {headers_s * 1000:.0f} ms; import torch: {torch_s:.2f} s (not counted)")
    print(f"{first.auto_class}: {first.summary()}")
    for head in report.heads:
        print(f"  {head.auto_class:<36} {head.summary()}")
    print(f"import transformers + {option.class_name} (once per process): {modeling_s:.2f} s")
    print(f"first run after that, shown head ({shown}): {cold_shown:.2f} s")
    print(f"first run, all {len(report.heads)} heads: {first_all:.2f} s")
    print(f"warm median, shown head: {warm_shown:.2f} s")
    print(f"warm median, all {len(report.heads)} heads: {warm_all:.2f} s")
    print(
        f"torch-free: memory estimate {memory_s * 1000:.2f} ms, quantisation counts"
        f" {quant_s * 1000:.2f} ms, module tree {tree_s * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
