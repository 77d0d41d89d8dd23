// Reads the hardware and sandbox labels out of a verdict's fingerprint, whose shape the evaluator side owns.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short label for a value that may be a string, a number, an object with a name, or a list of those. */
function label(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v) && v.length > 0) {
    const names = v.map(label).filter((x): x is string => x !== undefined);
    if (names.length === 0) return undefined;
    const first = names[0]!;
    return names.every((n) => n === first) && names.length > 1
      ? `${names.length}× ${first}`
      : names.join(', ');
  }
  if (isObject(v)) return label(v.name ?? v.model ?? v.model_name ?? v.brand);
  return undefined;
}

function pick(fp: Json, keys: string[]): string | undefined {
  for (const k of keys) {
    const l = label(fp[k]);
    if (l) return l;
  }
  return undefined;
}

const GPU_KEYS = ['gpu', 'gpus', 'gpu_name', 'gpuName', 'gpu_model', 'gpuModel', 'device'];
const CPU_KEYS = ['cpu', 'cpu_model', 'cpuModel', 'cpus_model', 'processor'];
const NESTS = ['hardware', 'host', 'machine', 'system', 'env', 'environment'];

/** "NVIDIA H100" / "2× A100" / "AMD EPYC 7763" / "unknown" from whatever the fingerprint holds. */
export function hardwareLabel(fingerprint: unknown): string {
  if (!isObject(fingerprint)) return 'unknown';
  // adrs's own fingerprint (evaluators/fingerprint.ts): gpu {model, driver, count} or "none"; cpu {model, count}.
  const { gpu, cpu } = fingerprint;
  if (isObject(gpu) && typeof gpu.model === 'string')
    return typeof gpu.count === 'number' && gpu.count > 1 ? `${gpu.count}× ${gpu.model}` : gpu.model;
  if (gpu === 'none' && isObject(cpu) && typeof cpu.model === 'string')
    return typeof cpu.count === 'number' ? `${cpu.model} (${cpu.count} CPUs)` : cpu.model;
  if (typeof fingerprint.hardware === 'string' && fingerprint.hardware.trim())
    return fingerprint.hardware.trim();
  const scopes = [fingerprint, ...NESTS.map((k) => fingerprint[k]).filter(isObject)];
  for (const s of scopes) {
    const gpu = pick(s, GPU_KEYS);
    if (gpu) return gpu;
  }
  for (const s of scopes) {
    const cpu = pick(s, CPU_KEYS);
    if (cpu) return cpu;
  }
  return 'unknown';
}

/** The sandbox kind named by a fingerprint, if any ("local", "docker", "slurm"). */
export function sandboxLabel(fingerprint: unknown): string | undefined {
  if (!isObject(fingerprint)) return undefined;
  const s = fingerprint.sandbox;
  if (typeof s === 'string') return s;
  if (isObject(s)) return label(s.kind ?? s.name);
  return undefined;
}
