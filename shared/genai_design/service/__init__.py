"""The assistant as a deployable HTTP service, with its record of answers and feedback
(framework step 8, deploy and monitor).

``app`` builds the FastAPI service around any answerer, ``store`` keeps answers and ratings in
SQLite (never the question's text), ``metrics`` is what ``GET /metrics`` exposes, ``bodies``
turns bad requests into clear 4xx errors, and ``fake`` is an echoing answerer for tests.
``genai-design serve`` runs it; ``process`` starts that command as a separate process, sends it
questions concurrently and rates answers (what chapter 8 and the tests do to it).
"""

from genai_design.service.app import (AnswerLike, Answerer, ServiceConfig, create_app,
                                      run_service)
from genai_design.service.bodies import ServiceError
from genai_design.service.fake import EchoAnswerer, make_echo
from genai_design.service.process import (AskRecord, LoadRun, ServiceProcess, ServiceStartError,
                                          ask_many, send_feedback, start_service)
from genai_design.service.store import ServiceStore, UnknownAnswerError

__all__ = ["AnswerLike", "Answerer", "AskRecord", "EchoAnswerer", "LoadRun", "ServiceConfig",
           "ServiceError", "ServiceProcess", "ServiceStartError", "ServiceStore",
           "UnknownAnswerError", "ask_many", "create_app", "make_echo", "run_service",
           "send_feedback", "start_service"]
