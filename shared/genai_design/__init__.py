"""genai_design: the helper package of *GenAI System Design, executable*.

Every notebook in the course imports this package. It holds one module per concept of
the nine-step framework (profiles, models, serving, corpora, retrieval, prompts,
enrichment, capacity, ...). Importing it has no side effects: nothing starts, downloads
or seeds until a function is called.
"""

__version__ = "0.1.0"
