"""Simulated inference balance of a placement, and the ADRS leaderboard score."""

import numpy as np


def balancedness(phy2log, logcnt, load, num_gpus):
    """(gpu, expert) balancedness: sum over layers of mean load / sum over layers of max load.

    Each expert's load is split evenly over its replicas; GPU g holds slots [g * R/G, (g+1) * R/G).
    """
    layers, num_replicas = phy2log.shape
    per_replica = load / np.maximum(logcnt, 1)
    slot_load = np.take_along_axis(per_replica, phy2log, axis=1)
    gpu_load = slot_load.reshape(layers, num_gpus, num_replicas // num_gpus).sum(axis=2)

    def ratio(x):
        top = x.max(axis=1).sum()
        return float(x.mean(axis=1).sum() / top) if top > 0 else 0.0

    return ratio(gpu_load), ratio(slot_load)


def leaderboard_score(gpu_balancedness, mean_time_s):
    """UCB-ADRS leaderboard: 90 * balancedness + 5 * min(0.002 / t, 2), minus min(20 t, 20) when t > 10 ms."""
    speed = min(0.002 / mean_time_s, 2.0) if mean_time_s > 0 else 2.0
    penalty = min(20.0 * mean_time_s, 20.0) if mean_time_s > 0.010 else 0.0
    return 90.0 * gpu_balancedness + 5.0 * speed - penalty
