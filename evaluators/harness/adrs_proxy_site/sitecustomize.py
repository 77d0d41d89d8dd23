"""Registers the adrs_proxy codec in the evaluator's Python children, so they can import a program's stand-in.

adrs_program_proxy.stand_in puts this folder first on PYTHONPATH; a Python without it cannot import the
stand-in at all (it fails closed). Nothing else changes.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
try:
    import adrs_program_proxy

    adrs_program_proxy.register()
except ImportError:
    pass
finally:
    del sys.path[0]
