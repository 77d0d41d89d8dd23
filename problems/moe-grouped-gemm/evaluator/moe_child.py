"""Child process of the moe-grouped-gemm evaluator (the candidate's uid): imports grouped_gemm.py and serves calls.

The trusted parent (evaluate.py) makes the routed inputs and the per-expert torch reference outputs in its own
process; this one only gets inputs, calls the candidate's kernel and sends the outputs back (adrs_kernel_driver).
adrs_kernel_guard is imported first, before the candidate exists.
"""

import importlib.util
import os
import sys

import adrs_kernel_guard as guard  # noqa: F401 - binds clocks and comparisons before any candidate code
import adrs_kernel_driver as driver
from adrs_kernel_guard import Refused


def loader(_device):
    def load(request):
        file = request["candidate"]
        spec = importlib.util.spec_from_file_location("grouped_gemm", os.path.join(os.getcwd(), file))
        if spec is None or spec.loader is None:  # a path ending in .py always has both
            raise ImportError("cannot load " + str(os.path.join(os.getcwd(), file)))
        module = importlib.util.module_from_spec(spec)
        sys.modules["grouped_gemm"] = module
        spec.loader.exec_module(module)
        fn = getattr(module, "grouped_gemm", None)
        if not callable(fn):
            raise Refused("api", f"{file} defines no function grouped_gemm(x, w, expert_offsets)")
        return fn

    return driver.Loader(load, [sys.modules[__name__]])


if __name__ == "__main__":
    driver.serve(loader)
