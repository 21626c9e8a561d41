"""Every key of the app in one table: the bindings, their ids, the footer labels, the F1 help
and the command palette's entries all come from here.

Each row has a stable ``id`` (a user keymap can rebind it, as in Textual's ``App.set_keymap``),
the ``scope`` whose class binds it, and the long description F1 and the palette show. A row with
no ``keys`` is a palette-only action; a row with no ``action`` is a help-only line that names
a key a widget handles itself (tab, arrows, enter).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

APP = "app"
MAIN = "main"
MODELS = "models"
TENSORS = "tensors"
DIFF = "diff"
CONFIG_DIFF = "config-diff"
CHAT_TEMPLATE = "chat-template"
GGUF = "gguf"
ADAPTER = "adapter"
REVISIONS = "revisions"
FAMILY = "family"
CLOSE = "close"  # the small modal screens (card, files, help, log)


@dataclass(frozen=True)
class Key:
    id: str
    scope: str
    keys: str  # Textual key names, comma-separated; "" for palette-only actions
    action: str | None  # the action on the scope's class; None for help-only rows
    label: str  # the footer's short label
    help: str  # what F1 and the palette say
    show: bool = True  # in the footer
    palette: str | None = None  # the palette's name for it (None: not offered there)
    priority: bool = False


KEYS: tuple[Key, ...] = (
    # -- everywhere ---------------------------------------------------------------------------
    Key("help", APP, "f1", "help", "Help", "All keys", palette="Help: all keys"),
    Key("quit", APP, "q", "quit", "Quit", "Quit hfbrowse"),
    Key(
        "interrupt",
        APP,
        "ctrl+c",
        "interrupt",
        "Stop / quit",
        "Stop a console run; quit when nothing runs",
        show=False,
        priority=True,
    ),
    Key(
        "show_log",
        APP,
        "",
        "show_log",
        "Library log",
        "Warnings and errors transformers / huggingface_hub logged",
        palette="Library log",
    ),
    # -- the main screen ----------------------------------------------------------------------
    Key(
        "search",
        MAIN,
        "slash",
        "search",
        "Search",
        "Search / filter models",
        palette="Search models",
        priority=True,  # acts before the keys typed right after it reach the old focus
    ),
    Key(
        "zoom",
        MAIN,
        "z",
        "zoom",
        "Zoom",
        "Zoom the focused pane (again: restore)",
        palette="Zoom focused pane",
    ),
    Key(
        "cycle_head",
        MAIN,
        "h",
        "cycle_head",
        "Head",
        "Show the next supported head",
        palette="Cycle head",
    ),
    Key(
        "console",
        MAIN,
        "colon",
        "focus_console",
        "Console",
        "Type input for the shown head",
        palette="Focus console",
        priority=True,  # acts before the keys typed right after it reach the old focus
    ),
    Key(
        "leave",
        MAIN,
        "escape",
        "leave",
        "Leave",
        "Stop a run / leave a text box / restore a zoomed pane",
        show=False,
    ),
    Key(
        "copy_snippet",
        MAIN,
        "y",
        "copy_snippet",
        "Copy snippet",
        "Copy the last run's Python (OSC 52: works over SSH)",
        show=False,
        palette="Copy the console's snippet",
    ),
    Key(
        "console_backend",
        MAIN,
        "",
        "console_backend",
        "Backend",
        "Where console runs go: in-process, an endpoint (URL), Inference Providers",
        show=False,
        palette="Console: run on another backend…",
    ),
    Key(
        "diff_heads",
        MAIN,
        "d",
        "diff_heads",
        "Diff",
        "Diff __init__/forward of two heads or two models",
        palette="Diff heads",
    ),
    Key(
        "diff_heads_other_model",
        MAIN,
        "",
        "diff_heads_other_model",
        "Diff with model",
        "The shown head next to the same head of another Hub id or folder",
        palette="Diff heads with another model…",
    ),
    Key(
        "diff_config",
        MAIN,
        "D",
        "diff_config",
        "Config diff",
        "Diff config.json with another model",
        show=False,
        palette="Diff config with…",
    ),
    Key(
        "remote_code",
        MAIN,
        "r",
        "remote_code",
        "Remote code",
        "The repo's own .py files as text (auto_map repos; never run)",
        show=False,
        palette="Show remote code",
    ),
    Key(
        "compat",
        MAIN,
        "k",
        "compat",
        "Compat",
        "Head compatibility: what each head loads, initialises, ignores",
        palette="Head compatibility",
    ),
    Key(
        "memory",
        MAIN,
        "m",
        "memory",
        "Memory",
        "Memory per dtype and KV cache vs free RAM / GPU",
        palette="Memory estimate",
    ),
    Key(
        "group_tensors",
        MAIN,
        "g",
        "group_tensors",
        "Modules",
        "Tensors grouped by module, with the __init__ line",
        show=False,
        palette="Group tensors by module",
    ),
    Key(
        "tokenizer",
        MAIN,
        "T",
        "tokenizer",
        "Tokenizer",
        "What typed text becomes: tokens, ids, special tokens; the vocabulary",
        show=False,
        palette="Tokenizer",
    ),
    Key(
        "chat_template",
        MAIN,
        "C",
        "chat_template",
        "Chat template",
        "The chat template (Jinja) and what it renders for a sample conversation",
        show=False,
        palette="Chat template",
    ),
    Key(
        "adapter",
        MAIN,
        "a",
        "adapter",
        "Adapter",
        "PEFT adapter: config, base modules it touches, parameters added",
        show=False,
        palette="Adapter view",
    ),
    Key(
        "open_base",
        MAIN,
        "b",
        "open_base",
        "Base",
        "Open the base model of the opened adapter",
        show=False,
        palette="Open the adapter's base model",
    ),
    Key(
        "revisions",
        MAIN,
        "R",
        "revisions",
        "Revisions",
        "Branches, tags and recent commits: open one, diff with it",
        show=False,
        palette="Revisions…",
    ),
    Key(
        "family",
        MAIN,
        "F",
        "family",
        "Family",
        "The model tree: base models, finetunes, adapters, quantizations, merges; open one",
        show=False,
        palette="Family (model tree)…",
    ),
    Key(
        "diff_config_base",
        MAIN,
        "B",
        "diff_config_base",
        "Config diff with base",
        "Diff config.json with the base model (a finetune's, an adapter's …)",
        show=False,
        palette="Diff config with the base model",
    ),
    Key(
        "diff_heads_base",
        MAIN,
        "H",
        "diff_heads_base",
        "Head diff with base",
        "The shown head next to the same head of the base model",
        show=False,
        palette="Diff heads with the base model",
    ),
    Key("pane_next", MAIN, "", None, "", "tab / shift+tab: move between panes"),
    Key("open", MAIN, "", None, "", "enter: open the highlighted model / expand a config node"),
    Key("history", MAIN, "", None, "", "↑ / ↓ in the console: earlier inputs; /help: commands"),
    Key("palette", MAIN, "", None, "", "ctrl+p: command palette (actions and models)"),
    # -- the models list (when it has focus) ---------------------------------------------------
    Key("models.sort", MODELS, "s", "cycle('sort')", "Sort", "Models: cycle the sort order"),
    Key("models.task", MODELS, "t", "cycle('task')", "Task", "Models: cycle the task filter"),
    Key(
        "models.library",
        MODELS,
        "l",
        "cycle('library')",
        "Lib",
        "Models: cycle the library filter",
    ),
    Key(
        "models.author",
        MODELS,
        "o",
        "author",
        "Author",
        "Models: only one author's (owner's) models — or type author:NAME",
        show=False,
        palette="Models: filter by author…",
    ),
    Key(
        "models.params",
        MODELS,
        "p",
        "params",
        "Params",
        "Models: parameter range, e.g. 1B..8B — or type params:1B..8B",
        show=False,
        palette="Models: parameter range…",
    ),
    Key(
        "models.gated",
        MODELS,
        "G",
        "cycle_gated",
        "Gated",
        "Models: gated only → ungated only → any — or type gated:yes/no",
        show=False,
        palette="Models: gated / ungated / any",
    ),
    Key(
        "models.served",
        MODELS,
        "i",
        "toggle_served",
        "Served",
        "Models: only those an inference provider serves — or type served",
        show=False,
        palette="Models: served by an inference provider",
    ),
    Key(
        "models.clear",
        MODELS,
        "x",
        "clear_filters",
        "Clear",
        "Models: clear author, params, gated and served filters",
        show=False,
        palette="Models: clear the filters",
    ),
    Key("models.view", MODELS, "v", "toggle_view", "View", "Models: Hub results ↔ local"),
    Key("models.card", MODELS, "c", "card", "Card", "Models: the highlighted model's card"),
    Key("models.files", MODELS, "f", "files", "Files", "Models: its files (● cached)"),
    Key("models.list", MODELS, "down", "focus_list", "List", "Models: into the list", show=False),
    Key(
        "models.enter",
        MODELS,
        "",
        None,
        "",
        "enter (search box): open the best match (no results shown yet: search now)",
    ),
    # -- the tensor table (when it has focus) --------------------------------------------------
    Key(
        "tensors.order",
        TENSORS,
        "s",
        "toggle_order",
        "Size/name",
        "Tensors: largest first ↔ by name (layer numbers in order)",
    ),
    # -- head diff -----------------------------------------------------------------------------
    Key("diff.back", DIFF, "escape,d", "back", "Back", "Diff: back to the model"),
    Key("diff.head", DIFF, "h", "next_head", "Head", "Diff: compare with the next head"),
    Key(
        "diff.layout",
        DIFF,
        "u",
        "toggle_layout",
        "Layout",
        "Diff: unified ↔ side by side",
    ),
    Key(
        "diff.context",
        DIFF,
        "c",
        "toggle_context",
        "Context",
        "Diff: whole methods ↔ 3 lines of context",
    ),
    Key("diff.swap", DIFF, "s", "swap", "Swap", "Diff: swap the two sides"),
    Key(
        "diff.other",
        DIFF,
        "o",
        "other_model",
        "Model…",
        "Diff: compare with another model",
    ),
    # -- config diff ---------------------------------------------------------------------------
    Key("config_diff.back", CONFIG_DIFF, "escape,D", "back", "Back", "Config diff: back"),
    Key(
        "config_diff.all",
        CONFIG_DIFF,
        "a",
        "toggle_all",
        "All/changes",
        "Config diff: all keys ↔ changes only",
    ),
    Key(
        "config_diff.other",
        CONFIG_DIFF,
        "o",
        "other_model",
        "Model…",
        "Config diff: compare with another model",
    ),
    # -- GGUF view -------------------------------------------------------------------------
    Key(
        "gguf.source",
        GGUF,
        "s",
        "toggle_source",
        "Source",
        "GGUF: tensor table ↔ __init__/forward of the head transformers would build",
    ),
    Key(
        "gguf.run",
        GGUF,
        "colon",
        "run_in_console",
        "Run",
        "GGUF: run this file in the console (transformers, dequantised; memory check first)",
    ),
    Key(
        "gguf.tokenizer",
        GGUF,
        "T",
        "tokenizer",
        "Tokenizer",
        "GGUF: the tokenizer in the file's metadata (tokenizer.ggml.*): tokens, ids, specials",
    ),
    Key(
        "gguf.chat_template",
        GGUF,
        "C",
        "chat_template",
        "Chat template",
        "GGUF: the file's tokenizer.chat_template and what it renders",
    ),
    # -- chat template ---------------------------------------------------------------------
    Key(
        "chat_template.next",
        CHAT_TEMPLATE,
        "n",
        "next_template",
        "Next",
        "Chat template: the next named template",
    ),
    # -- adapter view ----------------------------------------------------------------------------
    Key("adapter.base", ADAPTER, "b", "open_base", "Base", "Adapter: open the base model"),
    # -- revisions picker --------------------------------------------------------------------
    Key(
        "revisions.diff",
        REVISIONS,
        "d",
        "diff",
        "Diff",
        "Revisions: config and tensor diff with the opened one",
    ),
    Key("revisions.open", REVISIONS, "", None, "", "enter (revisions): open that revision"),
    # -- family view -------------------------------------------------------------------------
    Key(
        "family.config_diff",
        FAMILY,
        "D",
        "diff_config_base",
        "Config diff",
        "Family: config.json diff with the base model",
    ),
    Key(
        "family.head_diff",
        FAMILY,
        "d",
        "diff_heads_base",
        "Head diff",
        "Family: head diff with the base model",
    ),
    Key("family.open", FAMILY, "", None, "", "enter (family): open that model"),
    # -- small screens -------------------------------------------------------------------------
    Key("close", CLOSE, "escape,q", "dismiss", "Close", "Close this view"),
)

_DISPLAY = {"slash": "/", "colon": ":", "escape": "esc", "ctrl+c": "ctrl+c"}


def bindings(scope: str, *, extra_keys: str = "") -> list[Binding]:
    """The Textual bindings of one scope (``extra_keys`` adds keys to every row, e.g. the
    key that opened a small screen also closes it)."""
    out = []
    for key in KEYS:
        if key.scope != scope or not key.keys or key.action is None:
            continue
        keys = key.keys + (f",{extra_keys}" if extra_keys else "")
        out.append(
            Binding(
                keys,
                key.action,
                key.label,
                show=key.show,
                id=key.id,
                tooltip=key.help,
                priority=key.priority,
            )
        )
    return out


def display_keys(keys: str) -> str:
    return " / ".join(_DISPLAY.get(k, k) for k in keys.split(","))


SCOPE_TITLES = {
    APP: "Everywhere",
    MAIN: "Main screen",
    MODELS: "Models list (when it has focus)",
    TENSORS: "Tensor table (when it has focus)",
    DIFF: "Head diff (d)",
    CONFIG_DIFF: "Config diff (D)",
    CHAT_TEMPLATE: "Chat template (C)",
    GGUF: "GGUF view (FILE.gguf, --gguf, enter on a .gguf file)",
    ADAPTER: "Adapter view (a)",
    REVISIONS: "Revisions (R)",
    FAMILY: "Family (F)",
    CLOSE: "Card, files, tokenizer, chat template, GGUF, help, library log",
}
HELP_SCOPES = (
    APP,
    MAIN,
    MODELS,
    TENSORS,
    DIFF,
    CONFIG_DIFF,
    GGUF,
    CHAT_TEMPLATE,
    ADAPTER,
    REVISIONS,
    FAMILY,
    CLOSE,
)


def help_rows(scopes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(keys, what they do) for F1: bound keys first, then help-only lines."""
    rows = [
        (display_keys(k.keys), _without_prefix(k.help))
        for k in KEYS
        if k.scope in scopes and k.keys and k.action is not None
    ]
    for k in KEYS:
        if k.scope in scopes and k.action is None:
            keys, _, what = k.help.partition(": ")
            rows.append((keys, what))
    return rows


def _without_prefix(text: str) -> str:
    """``Models: cycle the sort order`` → ``cycle the sort order`` (F1 has section titles; the
    palette keeps the prefix)."""
    head, sep, rest = text.partition(": ")
    prefixed = {
        "Models",
        "Tensors",
        "Diff",
        "Config diff",
        "Chat template",
        "GGUF",
        "Adapter",
        "Revisions",
        "Family",
    }
    return rest if sep and head in prefixed else text


def help_sections(scopes: tuple[str, ...] = HELP_SCOPES) -> list[tuple[str, list[tuple[str, str]]]]:
    """F1: one titled section per scope, each key once."""
    return [(SCOPE_TITLES[scope], help_rows((scope,))) for scope in scopes]


def palette_entries() -> list[Key]:
    """The actions the command palette offers, in table order."""
    return [k for k in KEYS if k.palette is not None and k.action is not None]
