# Red team (OpenEvolve path): a program the evaluator imports looks for the evaluator's secrets (ADRS_SEED,
# ADRS_RESULT, API keys), its broker socket and its scratch folders, in its own environment, every process's
# environ and command line, and the temporary folders; it prints LEAKED for anything it finds, then answers
# honestly (function_minimization's known minimum).
import glob
import os

SECRETS = ("ADRS_RESULT", "ADRS_SEED", "ADRS_PROXY_SOCKET", "ADRS_LAUNCHER_FD", "ANTHROPIC_API_KEY", "OPENAI_API_KEY")


def look():
    for key in SECRETS:
        if key in os.environ:
            print("LEAKED: own environment has", key, flush=True)
    # Another process's environ is the secret; command lines are public (the warden's holds its own source text,
    # which names these variables), so there only the planted key's value counts.
    for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        keys = SECRETS if path.endswith("environ") else ()
        for key in keys + ("sk-planted-redteam",):
            if key.encode() in data:
                print("LEAKED:", path, "holds", key, flush=True)
    for pattern in ("/tmp/adrs-proxy-*", "/tmp/*/adrs-proxy-*", "/tmp/*/broker.sock", "/tmp/**/.adrs-result-*"):
        for hit in glob.glob(pattern, recursive=True):
            try:
                os.listdir(hit) if os.path.isdir(hit) else open(hit, "rb").close()
                print("LEAKED: reached", hit, flush=True)
            except OSError:
                pass


look()


# EVOLVE-BLOCK-START
def run_search():
    look()
    return -1.7041, 0.6781, -1.5187
# EVOLVE-BLOCK-END
