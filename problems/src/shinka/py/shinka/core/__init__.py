"""shinka.core as evaluate.py files import it: `from shinka.core import run_shinka_eval`."""

from .run_eval import run_shinka_eval

__all__ = ["run_shinka_eval"]
