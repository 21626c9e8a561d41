"""The tests that need torch, listed here rather than marked in each file.

They run in the normal suite (torch installed). tests/packaging also runs the suite in a venv with
only the wheel — no torch, as ``pip install hfbrowse`` gives — and deselects these with
``-m "not torch"``: everything else must pass there, which is how the read-only paths stay
torch-free. Kept as one list so that the packaging work touches no other test file; a test added
elsewhere that needs torch fails the torch-less run with ``TorchMissing`` or
``ModuleNotFoundError: torch`` until it is listed here (or marked ``@pytest.mark.torch``).

An entry is ``path::test`` (every parameter) or ``path::test[prefix`` (the parameters starting
with it). test_distributions' ``test_needs_torch_entries_name_tests`` keeps it from going stale.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

NEEDS_TORCH: tuple[str, ...] = (
    "tests/cli/test_cli.py::test_config_only_uses_the_meta_device",
    "tests/cli/test_compat_memory_report.py::test_json_sections",
    "tests/cli/test_compat_memory_report.py::test_kv_cache_for_a_70b_causal_lm",
    "tests/cli/test_compat_memory_report.py::test_no_checkpoint_says_why",
    "tests/cli/test_compat_memory_report.py::test_text_output",
    "tests/cli/test_console_cli.py::test_bin_only_needs_yes",
    "tests/cli/test_console_cli.py::test_run_errors_are_one_line",
    "tests/cli/test_console_cli.py::test_run_json_for_every_head",
    "tests/cli/test_console_cli.py::test_run_print_renders_the_result",
    "tests/core/test_compat.py::test_base_model_under_lm_heads",
    "tests/core/test_compat.py::test_checkpoint_saved_without_the_heads_prefix",
    "tests/core/test_compat.py::test_checkpoint_with_a_foreign_prefix",
    "tests/core/test_compat.py::test_every_head_matches_from_pretrained",
    "tests/core/test_compat.py::test_gptq_checkpoint_is_compared_through_its_logical_view",
    "tests/core/test_compat.py::test_gptq_wrong_packed_size_is_a_mismatch",
    "tests/core/test_compat.py::test_masked_lm_checkpoint_as_sequence_classification",
    "tests/core/test_compat.py::test_meta_table_is_refused",
    "tests/core/test_compat.py::test_moe_experts_fused_at_load_are_not_mismatches",
    "tests/core/test_compat.py::test_shape_mismatch",
    "tests/core/test_config_docs.py::test_what_the_notes_claim_matches_a_live_config",
    "tests/core/test_console.py::test_bin_only_needs_confirmation_then_loads_weights_only",
    "tests/core/test_console.py::test_cancel_stops_generation_and_keeps_the_text",
    "tests/core/test_console.py::test_features_shape_pooling_and_cosine",
    "tests/core/test_console.py::test_fill_mask_accepts_both_spellings",
    "tests/core/test_console.py::test_fill_mask_errors",
    "tests/core/test_console.py::test_memory_confirmation_with_a_low_limit",
    "tests/core/test_console.py::test_qa_span_lies_inside_the_context",
    "tests/core/test_console.py::test_sampling_is_reproducible_with_the_seed",
    "tests/core/test_console.py::test_second_run_reuses_the_loaded_model",
    "tests/core/test_console.py::test_seq2seq_beam_search_by_default_and_streams_when_greedy",
    "tests/core/test_console.py::test_sequence_labels_and_probabilities",
    "tests/core/test_console.py::test_snippets_execute_and_reproduce_every_head",
    "tests/core/test_console.py::test_streamed_text_equals_plain_greedy_generate",
    "tests/core/test_console.py::test_token_labels_come_from_id2label",
    "tests/core/test_console.py::test_too_long_input_is_truncated_with_a_notice",
    "tests/core/test_console.py::test_unknown_dtype_and_device_are_messages",
    "tests/core/test_console_hub.py::test_bin_only_hub_repo_asks_before_any_weight_byte",
    "tests/core/test_console_hub.py::test_download_can_be_cancelled_and_resumed",
    "tests/core/test_console_hub.py::test_weights_are_downloaded_only_when_the_console_runs",
    "tests/core/test_heads_source.py::test_ast_source_equals_inspect_for_every_head",
    "tests/core/test_heads_source.py::test_ast_tables_equal_the_imported_ones",
    "tests/core/test_module_tree.py::test_init_line_is_inside_the_classes_init",
    "tests/snapshots/test_compat_memory_snapshots.py::test_compat_view",
    "tests/snapshots/test_compat_memory_snapshots.py::test_compat_view_zoomed",
    "tests/snapshots/test_console_snapshots.py::test_head_output",
    "tests/snapshots/test_main_screen_snapshots.py::test_main_screen[config-only-",
    "tests/ui/test_compat_memory_tree.py::test_compat_view_toggles_and_fills",
    "tests/ui/test_compat_memory_tree.py::test_memory_uses_head_parameters_once_compat_is_known",
    "tests/ui/test_console.py::test_bin_only_asks_then_runs",
    "tests/ui/test_console.py::test_escape_and_ctrl_c_stop_a_generation",
    "tests/ui/test_console.py::test_every_head_runs_from_the_console",
    "tests/ui/test_console.py::test_history_set_and_snippet_commands",
    "tests/ui/test_console.py::test_hub_model_downloads_only_when_run_with_progress",
    "tests/ui/test_console.py::test_memory_confirmation_modal",
    "tests/ui/test_console.py::test_run_option_fills_and_runs_once_at_start",
    "tests/ui/test_console.py::test_y_copies_the_snippet_of_the_last_run",
    "tests/ui/test_main_screen.py::test_unknown_hub_model_and_config_only",
)


def entry_matches(entry: str, nodeid: str) -> bool:
    if nodeid == entry or nodeid.startswith((entry + "::", entry + "[")):
        return True
    return "[" in entry and nodeid.startswith(entry)


def needs_torch(nodeid: str) -> bool:
    return any(entry_matches(entry, nodeid) for entry in NEEDS_TORCH)


def mark_torch_tests(items: Iterable[pytest.Item], torch_installed: bool) -> None:
    """Mark the listed tests ``torch``; where torch is not installed, skip every ``torch`` test
    with the reason (a user running the suite from an sdist without the extra sees why)."""
    skip = pytest.mark.skip(reason="needs torch (pip install 'hfbrowse[torch]')")
    for item in items:
        if needs_torch(item.nodeid):
            item.add_marker(pytest.mark.torch)
        if not torch_installed and item.get_closest_marker("torch") is not None:
            item.add_marker(skip)
