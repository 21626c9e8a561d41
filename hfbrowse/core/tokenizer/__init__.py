"""The tokenizer and the chat template of a model, from its files, with no torch."""
