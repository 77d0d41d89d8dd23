"""Validity checks of one placement (phy2log, log2phy, logcnt) against the window it is scored on."""

import numpy as np

# Check names, in the order they run; the result lists the ones that ran.
CHECK_NAMES = ["shapes", "integers", "non-negative", "replica-count", "index-range", "log2phy-consistent",
               "loaded-experts-covered"]


class Invalid(Exception):
    """A placement that breaks a rule: check is the failed check's name, str() the reason."""

    def __init__(self, check, reason):
        super().__init__(reason)
        self.check = check


def _integers(name, a):
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind == "f" and np.isfinite(a).all() and (a == np.round(a)).all():
        return a.astype(np.int64)
    raise Invalid("integers", f"{name} must hold integers, got dtype {a.dtype}")


def check_placement(phy2log, log2phy, logcnt, load, num_replicas):
    """Raises Invalid for the first broken rule; returns (phy2log, logcnt) as int64 arrays.

    load: [layers, experts], the window the placement is scored on.
    """
    layers, experts = load.shape
    if phy2log.shape != (layers, num_replicas):
        raise Invalid("shapes", f"phy2log has shape {phy2log.shape}, expected [layers, num_replicas] = {(layers, num_replicas)}")
    if logcnt.shape != (layers, experts):
        raise Invalid("shapes", f"logcnt has shape {logcnt.shape}, expected [layers, num_logical_experts] = {(layers, experts)}")
    if log2phy.ndim != 3 or log2phy.shape[:2] != (layers, experts):
        raise Invalid("shapes", f"log2phy has shape {log2phy.shape}, expected [layers, num_logical_experts, max_replicas] "
                      f"with the first two = {(layers, experts)}")
    phy2log = _integers("phy2log", phy2log)
    log2phy = _integers("log2phy", log2phy)
    logcnt = _integers("logcnt", logcnt)

    if (logcnt < 0).any():
        raise Invalid("non-negative", "logcnt has negative replica counts")
    if (phy2log < 0).any():
        raise Invalid("non-negative", "phy2log has negative expert ids")
    sums = logcnt.sum(axis=1)
    bad = np.flatnonzero(sums != num_replicas)
    if bad.size:
        raise Invalid("replica-count", f"logcnt must sum to num_replicas = {num_replicas} in every layer; "
                      f"layer {bad[0]} sums to {sums[bad[0]]}")
    if (phy2log >= experts).any():
        raise Invalid("index-range", f"phy2log holds expert ids >= num_logical_experts = {experts}")
    if logcnt.max(initial=0) > log2phy.shape[2]:
        raise Invalid("index-range", f"log2phy has room for {log2phy.shape[2]} replicas but logcnt asks for {logcnt.max()}")

    # log2phy[l, e, :logcnt[l, e]] must list exactly the slots s with phy2log[l, s] == e.
    counted = np.stack([np.bincount(row, minlength=experts) for row in phy2log])
    layer_bad = np.flatnonzero((counted != logcnt).any(axis=1))
    if layer_bad.size:
        layer = layer_bad[0]
        e = np.flatnonzero(counted[layer] != logcnt[layer])[0]
        raise Invalid("log2phy-consistent",
                      f"layer {layer}: expert {e} fills {counted[layer, e]} slots of phy2log but logcnt says {logcnt[layer, e]}")
    used = np.arange(log2phy.shape[2])[None, None, :] < logcnt[:, :, None]
    slots = log2phy[used]
    if ((slots < 0) | (slots >= num_replicas)).any():
        raise Invalid("index-range", f"log2phy lists physical slots outside [0, {num_replicas}) within the first logcnt entries")
    layer_of = np.broadcast_to(np.arange(layers)[:, None, None], log2phy.shape)[used]
    expert_of = np.broadcast_to(np.arange(experts)[None, :, None], log2phy.shape)[used]
    if (phy2log[layer_of, slots] != expert_of).any():
        raise Invalid("log2phy-consistent", "log2phy points an expert at a slot that phy2log gives to another expert")
    covered = np.zeros((layers, num_replicas), dtype=np.int64)
    np.add.at(covered, (layer_of, slots), 1)
    if (covered != 1).any():
        raise Invalid("log2phy-consistent", "log2phy lists the same physical slot twice for one expert")

    missing = (load > 0) & (logcnt == 0)
    if missing.any():
        l, e = np.argwhere(missing)[0]
        raise Invalid("loaded-experts-covered", f"{int(missing.sum())} experts have load but 0 replicas "
                      f"(first: layer {l}, expert {e}); every expert with load needs a replica")
    return phy2log, logcnt
