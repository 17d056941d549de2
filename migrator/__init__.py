"""migrator: move OpenAI Chat Completions code to the Responses API."""

__version__ = "0.1.0"
