// The one loud skip for suites whose Python module is missing: names the module and the apt-get line, fails in CI.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loudSkip, pythonLacks } from './helpers/python-modules.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('pythonLacks', () => {
  it('is undefined when every module imports', () => {
    expect(pythonLacks(['json', 'os'])).toBeUndefined();
  });

  it('names the first missing module, why, and one apt-get line for all of them', () => {
    const why = pythonLacks(['json', 'adrs_no_such_module', 'xdist']);
    expect(why).toMatch(/^\/usr\/bin\/python3 cannot import adrs_no_such_module \(ModuleNotFoundError: /);
    expect(why).toMatch(
      /install it: apt-get install -y python3-json python3-adrs_no_such_module python3-pytest-xdist$/,
    );
  });
});

describe('loudSkip', () => {
  it('does not skip when nothing is missing', () => {
    expect(loudSkip('suite', undefined)).toBe(false);
  });

  it('prints one loud line naming the suite and the fix, and skips', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(loudSkip('my-suite', 'python3 lacks x (apt-get install -y python3-x)')).toBe(true);
    expect(warn).toHaveBeenCalledWith(
      '\n*** my-suite: SKIPPED: python3 lacks x (apt-get install -y python3-x) ***\n',
    );
  });

  it('fails instead with CI=true', () => {
    vi.stubEnv('CI', 'true');
    expect(() => loudSkip('my-suite', 'python3 lacks x')).toThrow(
      '*** my-suite: SKIPPED: python3 lacks x *** CI=true: failing instead of skipping',
    );
  });
});
