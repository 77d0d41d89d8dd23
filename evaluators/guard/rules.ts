// The guard's rules: regular expressions over added source lines, per language, each with an id and a reason.
import type { GuardLanguage, GuardRule } from './types.js';

const PY_TIMERS =
  'perf_counter|perf_counter_ns|monotonic|monotonic_ns|process_time|process_time_ns|thread_time|thread_time_ns|time_ns|default_timer';

export const RULES: readonly GuardRule[] = [
  {
    id: 'introspection',
    what: 'inspects the call stack or frames (a way to detect being timed or tested)',
    languages: ['python'],
    patterns: [
      /\binspect\s*\.\s*(currentframe|stack|trace|getouterframes|getinnerframes|getframeinfo|getsource|getsourcefile|getsourcelines)\b/,
      /^\s*import\s+[^#]*\binspect\b/,
      /^\s*from\s+inspect\s+import\b/,
      /\b(__import__|import_module)\s*\(\s*['"](inspect|traceback)['"]/,
      /\bsys\s*\.\s*(_getframe|_current_frames|settrace|setprofile|gettrace|getprofile|monitoring)\b/,
      /^\s*from\s+sys\s+import\s+[^#]*\b(_getframe|_current_frames|settrace|setprofile)\b/,
      /\bthreading\s*\.\s*(settrace|setprofile)\b/,
      /\btraceback\s*\.\s*(extract_stack|format_stack|print_stack|walk_stack|StackSummary)\b/,
      /^\s*from\s+traceback\s+import\s+[^#]*\b(extract_stack|format_stack|print_stack|walk_stack)\b/,
      /\bgc\s*\.\s*(get_referrers|get_referents|get_objects)\b/,
      /^\s*from\s+gc\s+import\s+[^#]*\b(get_referrers|get_referents|get_objects)\b/,
      /\.\s*(f_back|f_locals|f_globals|tb_frame|gi_frame|cr_frame|ag_frame)\b/,
    ],
  },
  {
    id: 'introspection',
    what: 'inspects the call stack or the calling process (a way to detect being timed or tested)',
    languages: ['c'],
    patterns: [
      /\b__builtin_(return|frame)_address\s*\(/,
      /\bbacktrace(_symbols(_fd)?)?\s*\(/,
      /\bdladdr\s*\(/,
      /\bgetppid\s*\(/,
      /\/proc\/self\//,
      /\bunw_(init|step|get_reg)/,
    ],
  },
  {
    id: 'timer-patch',
    what: 'replaces or patches a timer or synchronisation function the evaluator reads',
    languages: ['python'],
    patterns: [
      /\b(time|timeit|_time)\s*\.\s*\w+\s*=(?!=)/,
      new RegExp(`\\.\\s*(${PY_TIMERS})\\s*=(?!=)`),
      /\b(Event|cuda)\s*\.\s*(record|elapsed_time|synchronize|wait|query)\s*=(?!=)/,
      new RegExp(
        `\\bsetattr\\s*\\(\\s*[\\w.]+\\s*,\\s*['"](${PY_TIMERS}|time|record|elapsed_time|synchronize)['"]`,
      ),
      /\bpatch(\.object)?\s*\(\s*['"]?(time|timeit|torch\.cuda)\b/,
      /\bsys\s*\.\s*modules\s*\[\s*['"](time|timeit|torch|triton)[\w.]*['"]\s*\]\s*=(?!=)/,
    ],
  },
  {
    id: 'timer-patch',
    what: 'defines or redefines a libc timer (interposition on what the evaluator reads)',
    languages: ['c'],
    patterns: [
      /^\s*(?:extern\s+|static\s+|inline\s+)*[A-Za-z_]\w*(?:\s+|\s*\*+\s*)(clock_gettime|gettimeofday|clock|time|timespec_get|times|getrusage)\s*\([^;]*\)\s*(\{.*)?$/,
      /^\s*#\s*define\s+(clock_gettime|gettimeofday|clock|time|timespec_get|getrusage)\b/,
    ],
  },
  {
    id: 'interposition',
    what: 'hooks symbol loading or runs code before main (can replace what the evaluator calls)',
    languages: ['c'],
    patterns: [
      /\bdlsym\s*\(/,
      /\bRTLD_NEXT\b/,
      /\bLD_PRELOAD\b/,
      /__attribute__\s*\(\(\s*constructor/,
      /\.init_array\b/,
    ],
  },
  {
    id: 'ffi',
    what: 'loads native code through ctypes/cffi (escapes the language-level checks)',
    languages: ['python'],
    patterns: [
      /^\s*import\s+[^#]*\b(ctypes|cffi)\b/,
      /^\s*from\s+(ctypes|cffi)\b/,
      /\b(__import__|import_module)\s*\(\s*['"](ctypes|cffi)['"]/,
    ],
  },
  {
    id: 'side-stream',
    what: 'launches work on a separate GPU stream (the timer may stop before the work ends)',
    languages: ['python', 'c'],
    patterns: [
      /\btorch\s*\.\s*cuda\s*\.\s*(Stream|stream)\s*\(/,
      /\bcudaStreamCreate(WithFlags|WithPriority)?\s*\(/,
    ],
  },
  {
    id: 'threads',
    what: 'starts threads or processes (background work can escape the timer)',
    languages: ['python'],
    optIn: true,
    patterns: [
      /^\s*import\s+[^#]*\b(threading|_thread|multiprocessing)\b/,
      /^\s*from\s+(threading|_thread|multiprocessing|concurrent)\b/,
      /^\s*import\s+concurrent\b/,
      /\bos\s*\.\s*(fork|forkpty|posix_spawn)\s*\(/,
    ],
  },
  {
    id: 'threads',
    what: 'starts threads or processes (background work can escape the timer)',
    languages: ['c'],
    optIn: true,
    patterns: [
      /\bpthread_create\s*\(/,
      /^\s*#\s*pragma\s+omp\b/,
      /\bv?fork\s*\(/,
      /\bstd\s*::\s*(thread|async|jthread)\b/,
      /\bclone\s*\(/,
    ],
  },
  {
    id: 'shared-state',
    what: 'uses a machine-wide location (/tmp, /dev/shm, named shared memory) that outlives the process (a cache across samples)',
    languages: ['any'],
    patterns: [
      /['"`](\/tmp|\/var\/tmp|\/dev\/shm|\/run\/shm)(\/|['"`])/,
      /\bshm_open\s*\(/,
      /\bshared_memory\b|\bSharedMemory\s*\(/,
    ],
  },
  {
    id: 'evaluator-access',
    what: "reaches for the evaluator's files, result, cache, environment or harness modules (evaluator paths are off limits)",
    languages: ['any'],
    // ADRS_* variables, the result and cache files, and the harness's Python names (adrs_diffcompare,
    // adrs_capture, __adrs_isolated_repeat, ...): a patch that patches the checker can pass anything.
    patterns: [/\bADRS_[A-Z_]+/, /\.adrs-(result|cache)/, /\b_*adrs_[a-z]\w*/],
  },
];

const EXTENSIONS: Record<string, GuardLanguage> = {
  py: 'python',
  pyi: 'python',
  pyx: 'python',
  c: 'c',
  h: 'c',
  cc: 'c',
  cpp: 'c',
  cxx: 'c',
  hpp: 'c',
  hh: 'c',
  cu: 'c',
  cuh: 'c',
};

/** The language whose rules apply to a file, by extension; undefined means only language-neutral rules. */
export function languageOf(file: string): GuardLanguage | undefined {
  const ext = file.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSIONS[ext];
}

export const RULE_IDS: readonly string[] = [...new Set(RULES.map((r) => r.id))];
