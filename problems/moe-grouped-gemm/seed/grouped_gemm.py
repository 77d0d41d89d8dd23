"""Grouped expert GEMM of a Mixture-of-Experts layer: every expert multiplies its own tokens by its own weights.

    grouped_gemm(x, w, expert_offsets) -> out

x               [T, K] tokens, already sorted by expert (fp16 or bf16 on the GPU; fp32 on CPU)
w               [E, K, N] one weight matrix per expert, x's dtype
expert_offsets  [E + 1] int64 on x's device: offsets[0] = 0, offsets[E] = T, non-decreasing; rows
                offsets[e]:offsets[e + 1] of x belong to expert e (an expert may have no rows)
returns         a new [T, N] tensor of x's dtype on x's device with
                out[offsets[e]:offsets[e + 1]] = x[offsets[e]:offsets[e + 1]] @ w[e]

On a GPU the Triton kernel below runs: one launch covers every expert. Each program computes one
BLOCK_M x BLOCK_N tile of one expert's output; a small tile map (built on the device, no host sync) says
which expert and which rows each M-tile holds. GROUP_SIZE_M orders the tiles so that neighbouring programs
share weight tiles in L2. Without Triton or a GPU the same function falls back to per-expert torch
matmuls (what the CPU checks of the evaluator exercise).
"""

import torch

try:
    import triton
    import triton.language as tl
except ImportError:  # CPU-only machines: the torch path below is used
    triton = None
    tl = None

# EVOLVE-BLOCK-START
# Schedule knobs (the offline tuner rewrites the value line under each `@knob` comment).
# @knob BLOCK_M: [16, 32, 64, 128]
BLOCK_M = 64
# @knob BLOCK_N: [32, 64, 128, 256]
BLOCK_N = 64
# @knob BLOCK_K: [32, 64, 128]
BLOCK_K = 32
# @knob num_warps: [2, 4, 8]
num_warps = 4
# @knob num_stages: [2, 3, 4, 5]
num_stages = 3
# @knob GROUP_SIZE_M: [1, 4, 8, 16]
GROUP_SIZE_M = 8

if triton is not None:

    @triton.jit
    def _grouped_gemm_kernel(
        x_ptr, w_ptr, out_ptr, tile_expert_ptr, tile_start_ptr, tile_end_ptr,
        num_m_tiles, N, K,
        stride_xm, stride_xk, stride_we, stride_wk, stride_wn, stride_om, stride_on,
        BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_SIZE_M: tl.constexpr,
    ):
        pid = tl.program_id(0)
        num_n_tiles = tl.cdiv(N, BLOCK_N)
        per_group = GROUP_SIZE_M * num_n_tiles
        first_m = (pid // per_group) * GROUP_SIZE_M
        group_rows = tl.minimum(num_m_tiles - first_m, GROUP_SIZE_M)
        pid_m = first_m + (pid % per_group) % group_rows
        pid_n = (pid % per_group) // group_rows

        expert = tl.load(tile_expert_ptr + pid_m).to(tl.int64)
        row_start = tl.load(tile_start_ptr + pid_m)
        row_end = tl.load(tile_end_ptr + pid_m)
        offs_m = row_start + tl.arange(0, BLOCK_M)
        offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
        offs_k = tl.arange(0, BLOCK_K)
        mask_m = offs_m < row_end
        mask_n = offs_n < N

        x_ptrs = x_ptr + offs_m[:, None] * stride_xm + offs_k[None, :] * stride_xk
        w_ptrs = w_ptr + expert * stride_we + offs_k[:, None] * stride_wk + offs_n[None, :] * stride_wn
        acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
        k_tiles = tl.where(row_end > row_start, tl.cdiv(K, BLOCK_K), 0)  # unused tiles do no work
        for kt in range(0, k_tiles):
            k_left = K - kt * BLOCK_K
            a = tl.load(x_ptrs, mask=mask_m[:, None] & (offs_k[None, :] < k_left), other=0.0)
            b = tl.load(w_ptrs, mask=(offs_k[:, None] < k_left) & mask_n[None, :], other=0.0)
            acc += tl.dot(a, b)
            x_ptrs += BLOCK_K * stride_xk
            w_ptrs += BLOCK_K * stride_wk
        out_ptrs = out_ptr + offs_m[:, None] * stride_om + offs_n[None, :] * stride_on
        tl.store(out_ptrs, acc.to(out_ptr.dtype.element_ty), mask=mask_m[:, None] & mask_n[None, :])


def _tile_map(expert_offsets, num_experts, block_m, max_tiles):
    """For each of max_tiles M-tiles: its expert and row range [start, end); unused tiles get start == end."""
    counts = expert_offsets[1:] - expert_offsets[:-1]
    tiles = (counts + block_m - 1) // block_m
    ends = torch.cumsum(tiles, 0)
    t = torch.arange(max_tiles, device=expert_offsets.device, dtype=ends.dtype)
    expert = torch.searchsorted(ends, t, right=True)
    valid = expert < num_experts
    e = expert.clamp(max=num_experts - 1)
    start = expert_offsets[e] + (t - (ends[e] - tiles[e])) * block_m
    end = torch.where(valid, torch.minimum(start + block_m, expert_offsets[e + 1]), start)
    return e.to(torch.int32), start, end


def _grouped_gemm_torch(x, w, expert_offsets, out):
    bounds = expert_offsets.tolist()
    for e in range(w.shape[0]):
        lo, hi = bounds[e], bounds[e + 1]
        if hi > lo:
            out[lo:hi] = torch.matmul(x[lo:hi], w[e])
    return out


def grouped_gemm(x, w, expert_offsets):
    tokens, k = x.shape
    experts, _, n = w.shape
    out = torch.empty((tokens, n), dtype=x.dtype, device=x.device)
    if tokens == 0 or n == 0:
        return out
    if triton is None or not x.is_cuda:
        return _grouped_gemm_torch(x, w, expert_offsets, out)
    max_tiles = triton.cdiv(tokens, BLOCK_M) + experts  # an upper bound: no host sync for the real count
    tile_expert, tile_start, tile_end = _tile_map(expert_offsets, experts, BLOCK_M, max_tiles)
    grid = (max_tiles * triton.cdiv(n, BLOCK_N),)
    _grouped_gemm_kernel[grid](
        x, w, out, tile_expert, tile_start, tile_end,
        max_tiles, n, k,
        x.stride(0), x.stride(1), w.stride(0), w.stride(1), w.stride(2), out.stride(0), out.stride(1),
        BLOCK_M=BLOCK_M, BLOCK_N=BLOCK_N, BLOCK_K=BLOCK_K, GROUP_SIZE_M=GROUP_SIZE_M,
        num_warps=num_warps, num_stages=num_stages,
    )
    return out
# EVOLVE-BLOCK-END
