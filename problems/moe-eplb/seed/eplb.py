"""Expert-parallel load balancer (EPLB) for Mixture-of-Experts inference: the seed program.

rebalance_experts(weight, num_replicas, num_groups, num_nodes, num_gpus) decides, for every MoE
layer, how many physical copies ("replicas") each logical expert gets and on which GPU each copy
lives, so that the token load (split evenly over an expert's replicas) is spread evenly over GPUs.

This is our own numpy implementation of DeepSeek's hierarchical EPLB policy:
  1. pack expert groups onto nodes (heaviest group first, to the lightest node with room),
  2. inside each node, give the extra slots one by one to the expert with the highest load per replica,
  3. pack the node's physical replicas onto its GPUs with the same greedy packing.
When the groups do not divide evenly over the nodes, the global policy runs the same steps with one
group and one node.
"""

import numpy as np

try:  # torch is optional: a torch tensor in gives torch tensors out
    import torch
except ImportError:
    torch = None

# EVOLVE-BLOCK-START


def _greedy_pack(weights, num_packs):
    """Split the items of each row into num_packs packs holding the same number of items.

    Items go heaviest first, each into the lightest pack that still has room.
    weights: [rows, items] with items divisible by num_packs.
    Returns (pack, slot): the pack of each item and its position inside that pack, both [rows, items].
    """
    rows, items = weights.shape
    per_pack = items // num_packs
    pack = np.empty((rows, items), dtype=np.int64)
    slot = np.empty((rows, items), dtype=np.int64)
    if per_pack == 1:
        pack[:] = np.arange(items)
        slot[:] = 0
        return pack, slot
    for row in range(rows):
        w = weights[row].tolist()
        load = [0.0] * num_packs
        count = [0] * num_packs
        for item in sorted(range(items), key=lambda i: -w[i]):
            best = min((p for p in range(num_packs) if count[p] < per_pack), key=load.__getitem__)
            pack[row, item] = best
            slot[row, item] = count[best]
            load[best] += w[item]
            count[best] += 1
    return pack, slot


def _replicate(weights, num_slots):
    """Give each expert of each row one slot, then each extra slot to the expert with the highest load per replica.

    weights: [rows, experts]. Returns (slot_expert [rows, num_slots], slot_rank [rows, num_slots], count [rows, experts]):
    the expert in each slot, which replica of that expert it is (0-based), and each expert's replica count.
    """
    rows, experts = weights.shape
    row_ids = np.arange(rows)
    slot_expert = np.empty((rows, num_slots), dtype=np.int64)
    slot_rank = np.zeros((rows, num_slots), dtype=np.int64)
    count = np.ones((rows, experts), dtype=np.int64)
    slot_expert[:, :experts] = np.arange(experts)
    for s in range(experts, num_slots):
        pick = np.argmax(weights / count, axis=1)
        slot_expert[:, s] = pick
        slot_rank[:, s] = count[row_ids, pick]
        count[row_ids, pick] += 1
    return slot_expert, slot_rank, count


def _place(weight, num_slots, num_groups, num_nodes, num_gpus):
    """Hierarchical placement. Returns (phy2log, phyrank, logcnt) as in rebalance_experts (phyrank: replica index)."""
    layers, experts = weight.shape
    group_size = experts // num_groups
    groups_per_node = num_groups // num_nodes
    experts_per_node = experts // num_nodes
    slots_per_node = num_slots // num_nodes
    gpus_per_node = num_gpus // num_nodes
    slots_per_gpu = num_slots // num_gpus

    # 1. Groups to nodes. Experts are renumbered node-major: position = (node * groups_per_node + rank) * group_size + offset.
    group_load = weight.reshape(layers, num_groups, group_size).sum(axis=2)
    group_node, group_rank = _greedy_pack(group_load, num_nodes)
    group_pos = group_node * groups_per_node + group_rank
    expert_pos = (group_pos[:, :, None] * group_size + np.arange(group_size)).reshape(layers, experts)
    pos_expert = np.argsort(expert_pos, axis=1)

    # 2. Replicate inside each node.
    node_weight = np.take_along_axis(weight, pos_expert, axis=1).reshape(layers * num_nodes, experts_per_node)
    slot_local, slot_rank, local_count = _replicate(node_weight, slots_per_node)

    # 3. Pack each node's replicas onto its GPUs.
    slot_load = np.take_along_axis(node_weight / local_count, slot_local, axis=1)
    slot_gpu, slot_in_gpu = _greedy_pack(slot_load, gpus_per_node)
    physical_order = np.argsort(slot_gpu * slots_per_gpu + slot_in_gpu, axis=1)
    phys_local = np.take_along_axis(slot_local, physical_order, axis=1)
    phys_rank = np.take_along_axis(slot_rank, physical_order, axis=1)

    node_offset = np.arange(num_nodes) * experts_per_node
    phys_pos = (phys_local.reshape(layers, num_nodes, slots_per_node) + node_offset[None, :, None]).reshape(layers, num_slots)
    phy2log = np.take_along_axis(pos_expert, phys_pos, axis=1)
    phyrank = phys_rank.reshape(layers, num_slots)
    logcnt = np.take_along_axis(local_count.reshape(layers, experts), expert_pos, axis=1)
    return phy2log, phyrank, logcnt


def rebalance_experts(weight, num_replicas, num_groups, num_nodes, num_gpus):
    """Place num_replicas physical experts on num_gpus GPUs for every layer.

    weight: [layers, num_logical_experts] token load per logical expert (numpy array or torch tensor).
    Returns (phy2log [layers, num_replicas], log2phy [layers, num_logical_experts, max_replicas] padded with -1,
    logcnt [layers, num_logical_experts]); torch tensors when weight is one, numpy int64 arrays otherwise.
    """
    as_torch = torch is not None and isinstance(weight, torch.Tensor)
    w = weight.detach().cpu().double().numpy() if as_torch else np.asarray(weight, dtype=np.float64)
    layers, experts = w.shape
    if num_replicas < experts or num_replicas % num_gpus:
        raise ValueError(f"need num_replicas >= experts ({experts}) and a multiple of num_gpus ({num_gpus})")

    hierarchical = (
        num_groups % num_nodes == 0
        and experts % num_groups == 0
        and num_gpus % num_nodes == 0
        and num_replicas % num_nodes == 0
    )
    if hierarchical:
        phy2log, phyrank, logcnt = _place(w, num_replicas, num_groups, num_nodes, num_gpus)
    else:
        phy2log, phyrank, logcnt = _place(w, num_replicas, 1, 1, num_gpus)

    max_replicas = num_replicas - experts + 1
    log2phy = np.full((layers, experts, max_replicas), -1, dtype=np.int64)
    log2phy[np.arange(layers)[:, None], phy2log, phyrank] = np.arange(num_replicas)[None, :]

    if as_torch:
        return torch.from_numpy(phy2log), torch.from_numpy(log2phy), torch.from_numpy(logcnt)
    return phy2log, log2phy, logcnt


# EVOLVE-BLOCK-END
