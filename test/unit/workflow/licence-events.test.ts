import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { localEventLog } from '#adapters/events.ts';
import { licenceItem } from '#adapters/licences.ts';
import { handler } from '#handlers/licence-stream.ts';
import { senior } from '../../support/applications.ts';
import { customs, LicenceFlow } from '../../support/licences.ts';
import { streamRecord } from './support.ts';

/** The Licences stream consumer publishes each licence version's domain event (no other reader does). */
describe('licence stream: domain events', () => {
  it('publishes issue, usage, suspension and reinstatement once each, none for usage items', async () => {
    const flow = new LicenceFlow();
    const issued = licenceItem(flow.licence, 'issue');
    const shipment = flow.ship(customs(), [{ goodsIndex: 0, quantityKg: 1, valueUsd: 10 }]);
    const used = licenceItem(flow.licence, 'record-usage');
    flow.apply('suspend', senior('sam'), { reasons: ['BREACH_OF_CONDITIONS'] });
    const suspended = licenceItem(flow.licence, 'suspend');
    flow.apply('reinstate', senior('sue'), {});
    const reinstated = licenceItem(flow.licence, 'reinstate');
    const usage = { sk: `USAGE#${shipment.usage?.usageId}`, ...shipment.usage };
    const records = [
      streamRecord('INSERT', { newItem: issued }),
      streamRecord('MODIFY', { oldItem: issued, newItem: used }),
      streamRecord('INSERT', { newItem: usage }),
      streamRecord('MODIFY', { oldItem: used, newItem: suspended }),
      streamRecord('MODIFY', { oldItem: suspended, newItem: reinstated }),
    ];
    const response = await handler(
      { Records: [...records, records[1] ?? records[0]] } as never,
      {
        awsRequestId: 'r',
      } as Context,
    );
    expect(response.batchItemFailures).toEqual([]);

    const { items } = await localEventLog().list({ limit: 100 });
    const mine = items.filter(
      (event) => event.aggregate === 'licence' && event.licenceNumber === flow.licence.licenceNumber,
    );
    expect(mine.map((event) => [event.id, event.type, event.fromStatus, event.toStatus])).toEqual([
      [`licence#${flow.licence.licenceNumber}:1`, 'issue', null, 'ACTIVE'],
      [`licence#${flow.licence.licenceNumber}:2`, 'record-usage', 'ACTIVE', 'ACTIVE'],
      [`licence#${flow.licence.licenceNumber}:3`, 'suspend', 'ACTIVE', 'SUSPENDED'],
      [`licence#${flow.licence.licenceNumber}:4`, 'reinstate', 'SUSPENDED', 'ACTIVE'],
    ]);
  });
});
