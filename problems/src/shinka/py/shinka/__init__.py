"""adrs's stand-in for the `shinka` package inside the sandbox: only the evaluator helper (our own code, from
ShinkaEvolve's documented run_shinka_eval behaviour); none of Shinka's platform (LLM clients, runner, database)."""
