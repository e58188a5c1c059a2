import { describe, expect, it } from 'vitest';
import { StepFunctionsWorkflow } from '#adapters/stepfunctions.ts';
import { completeDetails } from '../support/api.ts';
import { completion, useWorkflowStack, waitingIn } from '../support/stack.ts';

/**
 * Without `--in-memory` the local executions are kept under the data directory like DynamoDB's
 * data: after a restart a finished execution still answers, and one that was running at shutdown
 * is ABORTED, so the reconciler starts the next generation from the persisted status.
 */
const e2e = useWorkflowStack('wfKept', { inMemory: false });

describe('workflow: executions kept across a restart', () => {
  it('keeps finished executions and replaces one that was running with the next generation', async () => {
    const { alice, otto } = e2e.people;
    const withdrawn = (await alice.post('/applications', completeDetails())).body.applicationId as string;
    await waitingIn(otto, withdrawn, 'Draft');
    await alice.post(`/applications/${withdrawn}/actions/withdraw`, { reason: 'Order cancelled.' });
    const finished = await completion(e2e.people, withdrawn, 'WITHDRAWN');
    const draft = (await alice.post('/applications', completeDetails())).body.applicationId as string;
    await waitingIn(otto, draft, 'Draft');

    await e2e.stack.stop();
    await e2e.stack.start();

    const kept = await otto.get(`/applications/${withdrawn}/execution`);
    expect(kept.status).toBe(200);
    expect(kept.body).toEqual(finished.execution);
    const next = await waitingIn(otto, draft, 'Draft');
    expect(next).toMatchObject({ name: `${draft}-2`, generation: 2, status: 'RUNNING' });
    expect(await new StepFunctionsWorkflow().describe(draft, 1)).toMatchObject({
      status: 'ABORTED',
      currentState: 'Draft',
    });
  });
});
