import { describe, expect, it } from 'vitest';
import { createDependencies } from '#adapters/dependencies.ts';
import { workingDaysElapsed } from '#domain/applications/legal-clock.ts';
import { addDocument, backlog, createApplication, performAction } from '#domain/applications/use-cases.ts';
import type { UserActor } from '#domain/schemas.ts';
import { PDF_BASE64, REQUIRED_DOCUMENTS } from '../support/api.ts';
import { completeDetails } from '../support/applications.ts';

const deps = createDependencies();
const alice: UserActor = { kind: 'user', sub: 'alice', org: `org-${Date.now()}`, roles: ['applicant'] };

async function submittedApplication() {
  const meta = { requestId: 'backlog-test' };
  const { applicationId } = await createApplication(deps, alice, completeDetails(), meta);
  await performAction(deps, alice, applicationId, 'complete-details', {}, meta);
  for (const type of REQUIRED_DOCUMENTS) {
    const upload = {
      type,
      fileName: `${type}.pdf`,
      contentType: 'application/pdf' as const,
      contentBase64: PDF_BASE64,
    };
    await addDocument(deps, alice, applicationId, upload, meta);
  }
  const declaration = { accurate: true as const, signedBy: 'Alice' };
  return (await performAction(deps, alice, applicationId, 'submit', { declaration }, meta)).application;
}

describe('backlog', () => {
  it('counts pending applications and the oldest one in working days of the legal clock', async () => {
    const application = await submittedApplication();
    const later = new Date(deps.now().getTime() + 60 * 86_400_000);
    const result = await backlog({ ...deps, now: () => later });
    expect(result.pending).toBeGreaterThanOrEqual(1);
    const ours = workingDaysElapsed(application.clock, later, deps.config);
    expect(ours).toBeGreaterThan(30);
    expect(result.oldestPendingWorkingDays).toBeGreaterThanOrEqual(ours);
  });
});
