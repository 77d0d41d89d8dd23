"""Child process of a KernelBench evaluation (the candidate's uid): builds the candidate's ModelNew and serves calls.

The trusted parent (kernelbench_evaluate.py) holds the inputs and the reference outputs; this process only gets
the inputs, one set per call, and sends the outputs back (adrs_kernel_driver). Weights: ModelNew is built
right after torch.manual_seed(init seed) with the init inputs the parent sends, as the parent built Model, so
a ModelNew that creates the same parameters in the same order gets the same weights.
"""

import importlib.util
import os
import sys

import adrs_kernel_guard as guard  # noqa: F401 - binds clocks and comparisons before any candidate code
import adrs_kernel_driver as driver
import torch
from adrs_kernel_guard import Refused


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # a path ending in .py always has both
        raise ImportError("cannot load " + str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def no_grad(model):
    def call(*args):
        with torch.no_grad():
            return model(*args)

    return call


def loader(device):
    def load(request):
        module = load_module(os.path.join(os.getcwd(), request["candidate"]), "model_new")
        cls = getattr(module, "ModelNew", None)
        if not isinstance(cls, type):
            raise Refused("api", f"{request['candidate']} defines no class ModelNew (same __init__/forward as Model)")
        torch.manual_seed(int(request["init_seed"]))
        return no_grad(cls(*request["init_inputs"]).to(device).eval())

    return driver.Loader(load, [sys.modules[__name__]])


if __name__ == "__main__":
    driver.serve(loader)
