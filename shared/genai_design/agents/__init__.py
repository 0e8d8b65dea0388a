"""Tool use, and when an agent is worth it (framework step 2, choosing the pattern).

- :mod:`.shop`: the course shop's orders and its return policy as two tools an assistant can
  call, written from the help centre's articles; every answer is computed, so tasks have exact
  expected outcomes.
- :mod:`.loop`: a model that chooses the next tool and its arguments under constrained decoding,
  with a step limit and a spend cap, against a fixed pipeline that makes the same calls in a
  set order; both scored on the same tasks.
"""

from genai_design.agents.loop import (
    AgentRun,
    Task,
    fixed_pipeline,
    load_tasks,
    made_right_call,
    run_agent,
    run_tasks,
    summarise_runs,
)
from genai_design.agents.shop import Order, ReturnVerdict, ShopTools, load_orders, return_verdict

__all__ = ["AgentRun", "Order", "ReturnVerdict", "ShopTools", "Task", "fixed_pipeline", "load_orders",
           "load_tasks", "made_right_call", "return_verdict", "run_agent", "run_tasks",
           "summarise_runs"]
