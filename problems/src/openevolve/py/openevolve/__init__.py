"""adrs's stand-in for the `openevolve` package inside the sandbox (our own code, from OpenEvolve's documented API).

Evaluators written for OpenEvolve import `openevolve.evaluation_result.EvaluationResult`; this package provides that
and nothing of OpenEvolve's platform (no LLM clients, no controller): those never run inside an evaluation.
"""

from .evaluation_result import EvaluationResult

__all__ = ["EvaluationResult"]


def __getattr__(name):
    # Platform classes (Config, OpenEvolve, run_evolution, ...) belong to OpenEvolve's controller, which adrs replaces.
    raise ImportError(
        "openevolve.%s is part of OpenEvolve's platform, not of its evaluator API; adrs provides only "
        "openevolve.evaluation_result.EvaluationResult inside the sandbox" % name
    )
