import { type Duration, Stack } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EVENT_SOURCES } from '../../functions/domain/events.ts';
import type { Data } from './data.ts';
import type { LicenceFunction } from './licence-function.ts';

export interface DomainEventsProps {
  readonly data: Data;
  /** How long the archive keeps every event, for replay to a new subscriber. */
  readonly archiveRetention: Duration;
}

/**
 * The domain events bus (docs/events.md) and its archive. The stream consumers that already read
 * the applications and licences streams publish to it and record each event in the Events table,
 * which backs `GET /events`; integrations subscribe with their own rules on `source`/`detail-type`.
 */
export class DomainEvents extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  private readonly data: Data;

  constructor(scope: Construct, id: string, props: DomainEventsProps) {
    super(scope, id);
    this.data = props.data;
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `${Stack.of(this).stackName}-domain-events`,
      description: 'Domain events of licence applications and licences (ids and statuses only)',
    });
    this.archive = new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      description: 'Every domain event, for replay',
      eventPattern: { source: Object.values(EVENT_SOURCES) },
      retention: props.archiveRetention,
    });
  }

  /** A stream consumer that publishes: PutEvents on this bus only, and a Put of each event in the Events table. */
  bindPublisher(fn: LicenceFunction): void {
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
    fn.addEnvironment('EVENTS_TABLE', this.data.events.table.tableName);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );
    fn.bindTable({ table: this.data.events, access: 'record' });
  }

  /** The API: reads the Events table for `GET /events`. */
  bindReader(fn: LicenceFunction): void {
    fn.addEnvironment('EVENTS_TABLE', this.data.events.table.tableName);
    fn.bindTable({ table: this.data.events, access: 'read' });
  }
}
