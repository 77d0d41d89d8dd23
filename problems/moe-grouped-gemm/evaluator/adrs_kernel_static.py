"""Static checks on a kernel candidate's source (kernels.md B.2; after KernelBench's kernel_static_checker).

Regular expressions over the source with comments removed (Python comments via tokenize, C/C++ `//` and
`/* */` comments inside strings handed to load_inline are left alone: the check is deliberately coarse).
Each rule has an id that names the exploit it stops; `precision` rules depend on the problem's dtype policy:
"fp32" (inputs and outputs fp32: any half/bfloat16/tf32/autocast/fp8 use is a downgrade) or "half"
(inputs fp16/bf16: only fp8/int8 are). The runtime checks in adrs_kernel_guard back every rule up.

    python3 adrs_kernel_static.py FILE [fp32|half]   # prints one JSON list of violations
"""

import io
import json
import re
import sys
import tokenize

RULES = [
    ("side-stream", "launches work on a separate CUDA stream (the end timer may fire before the work ends)", [
        r"\btorch\s*\.\s*cuda\s*\.\s*(Stream|stream|ExternalStream|set_stream)\b",
        r"\bcuda\s*\.\s*Stream\s*\(", r"\bStream\s*\(\s*(device|priority)?", r"\bwait_stream\b", r"\brecord_stream\b",
        r"\bcudaStreamCreate\w*", r"\bcudaStreamNonBlocking\b", r"\bgetStreamFromPool\b", r"\bsetCurrentCUDAStream\b",
    ]),
    ("threads", "starts threads or processes (background work escapes the timer)", [
        r"^\s*import\s+[^#\n]*\b(threading|_thread|multiprocessing|concurrent|asyncio|subprocess)\b",
        r"^\s*from\s+(threading|_thread|multiprocessing|concurrent|asyncio|subprocess)\b",
        r"\bos\s*\.\s*(fork|forkpty|posix_spawn\w*|system|popen)\b", r"\bstd\s*::\s*(thread|async|jthread)\b",
        r"\bpthread_create\b", r"#\s*pragma\s+omp\b",
    ]),
    ("lazy-tensor", "defines a tensor subclass or wrapper (lazy outputs computed only when compared)", [
        r"\b_make_subclass\b", r"\b_make_wrapper_subclass\b", r"\bas_subclass\b", r"__torch_function__",
        r"__torch_dispatch__", r"\bclass\s+\w+\s*\([^)]*\b(torch\s*\.\s*)?Tensor\s*[,)]",
    ]),
    ("timer-patch", "replaces a timer, synchronisation or comparison function the evaluator uses", [
        r"\b(time|timeit|_time)\s*\.\s*\w+\s*=(?!=)", r"\bperf_counter\w*\s*=(?!=)",
        r"\b(Event|cuda|torch)\s*\.\s*(record|elapsed_time|synchronize|allclose|equal|isclose|Event)\s*=(?!=)",
        r"\bTensor\s*\.\s*\w+\s*=(?!=)", r"\bsetattr\s*\(", r"\bsys\s*\.\s*modules\b", r"\bbuiltins\b",
        r"\b__main__\b", r"\bunittest\s*\.\s*mock\b", r"\bmock\s*\.\s*patch\b",
    ]),
    ("introspection", "inspects frames, the garbage collector or native memory (reaches evaluator state)", [
        r"^\s*(import|from)\s+[^#\n]*\b(inspect|ctypes|cffi|gc)\b", r"\bsys\s*\.\s*(_getframe|settrace|setprofile)\b",
        r"\.\s*(f_back|f_globals|f_locals|tb_frame)\b", r"\bgc\s*\.\s*(get_objects|get_referrers|get_referents)\b",
        r"\bADRS_[A-Z_]+", r"\badrs_kernel_\w+",
    ]),
]

PRECISION = {
    "fp32": [
        r"\.\s*(half|bfloat16)\s*\(", r"\btorch\s*\.\s*(float16|half|bfloat16|float8\w*)\b", r"\bautocast\b",
        r"\ballow_tf32\b", r"\bset_float32_matmul_precision\b", r"\b__half2?\b", r"\b__nv_bfloat16\w*\b",
        r"\b__float2half\w*", r"\btl\s*\.\s*(float16|bfloat16|float8\w*)\b", r"\binput_precision\s*=\s*['\"]tf32",
        r"\bwmma\b", r"\bhalf2\b",
    ],
    "half": [
        r"\btorch\s*\.\s*(float8\w*|int8|uint8|int4)\b", r"\btl\s*\.\s*(float8\w*|int8)\b", r"\b__nv_fp8\w*",
        r"\bfp8\b",
    ],
}


def strip_comments(source):
    """The source with Python comments blanked (line numbers kept); unchanged if it does not tokenize."""
    lines = source.split("\n")
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                lines[row - 1] = lines[row - 1][:col]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return lines


def check(source, precision="fp32", allowed_lines=()):
    """Violations as [{"rule", "what", "line", "text"}], in source order; lines (stripped) in
    `allowed_lines` are skipped (the reference's own lines, which a copied seed contains)."""
    allowed = {line.strip() for line in allowed_lines if line.strip()}
    rules = RULES + [("precision", "lowers the numeric precision of the computation "
                      f"(the problem's dtype policy is {precision})", PRECISION.get(precision, []))]
    compiled = [(rid, what, [re.compile(p) for p in patterns]) for rid, what, patterns in rules]
    found = []
    for number, line in enumerate(strip_comments(source), start=1):
        if line.strip() in allowed:
            continue
        for rid, what, patterns in compiled:
            if any(p.search(line) for p in patterns):
                found.append({"rule": rid, "what": what, "line": number, "text": line.strip()[:160]})
    return found


def describe(found, file):
    first = found[0]
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return f"{file}:{first['line']} [{first['rule']}] {first['what']}: `{first['text']}`{more}"


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        print(json.dumps(check(fh.read(), sys.argv[2] if len(sys.argv) > 2 else "fp32")))
