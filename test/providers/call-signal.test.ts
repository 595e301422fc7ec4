import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/domain/index.js';
import { createProviderModel } from '../../src/llm/index.js';
import { fakeVendor } from '../support/fake-vendor.js';
import { useLlmHttp } from '../support/llm-http.js';
import { modelRequestFor } from '../support/model-request-for.js';

// The engine hands every call the run's one AbortSignal. The OpenAI SDK adds an abort listener to
// the signal it gets and never removes it, so without a per-call signal a run would hold one
// listener per call it ever made (and Node warns "MaxListenersExceededWarning" after ten).

const llm = useLlmHttp();
const env = { OPENAI_API_KEY: 'sk-test-openai-0123456789', ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' };
const checkerRequest = { messages: [{ role: 'user' as const, content: 'Task: Check the schema' }] };

describe.each(['openai', 'anthropic'] as const)('calls to %s under one run-wide signal', (vendor) => {
  const model = () => createProviderModel({ provider: vendor, model: 'gpt-4.1-mini' }, env);

  it('leave no abort listener behind on the shared signal', async () => {
    fakeVendor(llm, { vendor, respond: () => ({ answer: { verdict: 'pass', feedback: 'ok' } }) });
    const run = new AbortController();
    const provider = model();
    for (let index = 0; index < 12; index++)
      await provider.generate(modelRequestFor('checker', { ...checkerRequest, signal: run.signal }));
    expect(llm.requests).toHaveLength(12);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('still cancel the call in flight when the shared signal aborts', async () => {
    fakeVendor(llm, {
      vendor,
      respond: () => ({ answer: { verdict: 'pass', feedback: 'ok' }, delayMs: 10_000 }),
    });
    const run = new AbortController();
    const call = model().generate(modelRequestFor('checker', { ...checkerRequest, signal: run.signal }));
    await expect.poll(() => llm.requests.length).toBe(1);
    run.abort(new Error('run stopped'));
    const error = await call.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toContain('cancelled');
    expect((error as ProviderError).retryable).toBe(false);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});
