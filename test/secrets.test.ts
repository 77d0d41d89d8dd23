import { describe, expect, it } from 'vitest';
import { redactSecrets, sandboxEnv } from '../core/secrets.js';

describe('secrets', () => {
  const host = {
    LANG: 'C.UTF-8',
    ANTHROPIC_API_KEY: 'fake-ant-planted-123456',
    MY_SECRET_TOKEN: 'tok-planted-987654',
    AWS_REGION: 'eu-west-1',
    HOME: '/root',
    PATH: '/usr/bin',
  };

  it('passes only allow-listed names and never a secret-looking one', () => {
    const env = sandboxEnv(host, { ADRS_STAGE: 'screen', OPENAI_API_KEY: 'x' }, [
      'LANG',
      'AWS_REGION',
      'MY_SECRET_TOKEN',
    ]);
    expect(env).toEqual({ LANG: 'C.UTF-8', ADRS_STAGE: 'screen' });
  });

  it('redacts the values of secret variables from text', () => {
    const text = redactSecrets('key=fake-ant-planted-123456 and tok-planted-987654 and eu-west-1', host);
    expect(text).not.toContain('fake-ant-planted');
    expect(text).not.toContain('tok-planted');
    expect(text).toContain('[redacted:ANTHROPIC_API_KEY]');
  });
});
