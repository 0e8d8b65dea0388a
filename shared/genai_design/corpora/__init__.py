"""Knowledge bases and evaluation sets (framework steps 3a and 3d).

``load_kb(name, version)`` returns a KB as a list of frozen ``Document`` records;
``load_eval_set(kb)`` returns the course's ground-truth questions and
``validate_eval_set`` checks them against the KBs. The data lives in the repository's
``data/`` folder (or ``$GENAI_DESIGN_DATA``); the tech-support KB is read from the
installed ``chatterbot-corpus`` package. Chunking, indexing and scoring live elsewhere
(``retrieval``, ``evaluation``).
"""

from genai_design.corpora.documents import DATA_ENV_VAR, Document, KBStats, data_dir, kb_stats
from genai_design.corpora.eval_sets import (
    QUESTION_TYPES,
    EvalQuestion,
    eval_files,
    load_eval_set,
    read_eval_file,
    validate_eval_file,
    validate_eval_set,
)
from genai_design.corpora.knowledge_bases import (
    KNOWLEDGE_BASES,
    KnowledgeBase,
    check_kb,
    load_kb,
    tech_support_path,
)

__all__ = [
    "DATA_ENV_VAR",
    "KNOWLEDGE_BASES",
    "QUESTION_TYPES",
    "Document",
    "EvalQuestion",
    "KBStats",
    "KnowledgeBase",
    "check_kb",
    "data_dir",
    "eval_files",
    "kb_stats",
    "load_eval_set",
    "load_kb",
    "read_eval_file",
    "tech_support_path",
    "validate_eval_file",
    "validate_eval_set",
]
