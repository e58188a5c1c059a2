import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { licenceItem } from '#adapters/licences.ts';
import type { LicenceStatus } from '#domain/licences/lifecycle.ts';
import type { LicenceRecord } from '#domain/licences/schemas.ts';
import type { ExpirySchedules } from '#domain/ports.ts';
import { consumeLicenceRecord } from '#handlers/licence-stream.ts';
import { senior } from '../../support/applications.ts';
import { licenceIn } from '../../support/licences.ts';
import { streamRecord } from './support.ts';

/** The Licences stream consumer's expiry reaction: one schedule per licence in force, at its validTo. */
class RecordedSchedules implements ExpirySchedules {
  readonly calls: Array<[string, string, string?]> = [];
  async schedule(licenceNumber: string, at: Date) {
    this.calls.push(['schedule', licenceNumber, at.toISOString()]);
  }
  async cancel(licenceNumber: string) {
    this.calls.push(['cancel', licenceNumber]);
  }
}

const item = (licence: LicenceRecord) => licenceItem(licence, 'test');
const consume = async (record: ReturnType<typeof streamRecord>) => {
  const schedules = new RecordedSchedules();
  await consumeLicenceRecord({ schedules }, record);
  return schedules.calls;
};

describe('licence stream: expiry schedules', () => {
  it('schedules a newly issued licence at its validTo', async () => {
    const { licence } = licenceIn('ACTIVE');
    const calls = await consume(streamRecord('INSERT', { newItem: item(licence) }));
    expect(calls).toEqual([['schedule', licence.licenceNumber, licence.validTo]]);
  });

  it('keeps the schedule through changes that leave the licence in force with the same validity', async () => {
    const flow = licenceIn('ACTIVE');
    const active = flow.licence;
    flow.apply('suspend', senior('sam'), { reasons: ['BREACH_OF_CONDITIONS'], note: 'Audit finding.' });
    const suspended = flow.licence;
    flow.apply('reinstate', senior('sue'), {});
    expect(
      await consume(streamRecord('MODIFY', { oldItem: item(active), newItem: item(suspended) })),
    ).toEqual([]);
    expect(
      await consume(streamRecord('MODIFY', { oldItem: item(suspended), newItem: item(flow.licence) })),
    ).toEqual([]);
  });

  it('replaces the schedule when the validity changes', async () => {
    const { licence } = licenceIn('ACTIVE');
    const validTo = new Date(Date.parse(licence.validTo) + 86_400_000).toISOString();
    const calls = await consume(
      streamRecord('MODIFY', { oldItem: item(licence), newItem: item({ ...licence, validTo }) }),
    );
    expect(calls).toEqual([['schedule', licence.licenceNumber, validTo]]);
  });

  it.each<LicenceStatus>(['REVOKED', 'SURRENDERED', 'EXHAUSTED', 'SUPERSEDED', 'EXPIRED'])(
    'deletes the schedule when the licence ends as %s',
    async (status) => {
      const ended = licenceIn(status).licence;
      const before = { ...ended, status: 'ACTIVE' as const, version: ended.version - 1 };
      const calls = await consume(streamRecord('MODIFY', { oldItem: item(before), newItem: item(ended) }));
      expect(calls).toEqual([['cancel', ended.licenceNumber]]);
    },
  );

  it('ignores usage and declaration items, and licences that had already ended', async () => {
    const { licence } = licenceIn('REVOKED');
    const usage = { licenceNumber: licence.licenceNumber, sk: 'USAGE#u-1', usageId: 'u-1' };
    expect(await consume(streamRecord('INSERT', { newItem: usage }))).toEqual([]);
    expect(await consume(streamRecord('MODIFY', { oldItem: item(licence), newItem: item(licence) }))).toEqual(
      [],
    );
  });

  it('fails only the record it cannot handle (partial batch response)', async () => {
    const { handler } = await import('#handlers/licence-stream.ts');
    const broken = streamRecord('INSERT', {
      newItem: { licenceNumber: 'EXL-2026-000009', sk: 'LICENCE', status: 'NOT-A-STATUS' },
    });
    const usage = streamRecord('INSERT', { newItem: { licenceNumber: 'EXL-2026-000009', sk: 'USAGE#u' } });
    const response = await handler({ Records: [usage, broken] }, { awsRequestId: 'r' } as Context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb?.SequenceNumber }]);
  });
});
