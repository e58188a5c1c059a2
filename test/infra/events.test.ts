import { Match } from 'aws-cdk-lib/assertions';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCES } from '#domain/events.ts';
import {
  actionsOn,
  allows,
  arnOf,
  grantsOf,
  grantsOfRole,
  logicalIdOf,
  type Synthesized,
  synthesize,
} from './support.ts';

/** The domain events bus, its archive, the Events table and who may publish or read them. */
describe('domain events on AWS', () => {
  let s: Synthesized;
  let bus: string;
  let events: string;
  beforeAll(() => {
    s = synthesize();
    bus = arnOf(s.stack.events.bus);
    events = arnOf(s.stack.data.events.table);
  });

  it('has one custom bus, named after the stack, and an archive of both sources', () => {
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
    s.template.hasResourceProperties('AWS::Events::EventBus', {
      Name: `${s.stack.stackName}-domain-events`,
    });
    s.template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [logicalIdOf(s.stack.events.bus), 'Arn'] },
      EventPattern: { source: [EVENT_SOURCES.application, EVENT_SOURCES.licence] },
      RetentionDays: 400,
    });
  });

  it('keeps the Events table with a TTL and the feed index', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'feed' })],
    });
  });

  it('lets the relay put events on this bus only and record them (PutItem only)', () => {
    const relay = grantsOf(s, s.stack.workflow.relay);
    expect(actionsOn(relay, bus)).toEqual(['events:PutEvents']);
    expect(actionsOn(relay, events)).toEqual(['dynamodb:PutItem']);
    const environment =
      s.template.findResources('AWS::Lambda::Function')[logicalIdOf(s.stack.workflow.relay)]?.Properties
        .Environment.Variables;
    expect(environment.EVENT_BUS_NAME).toEqual({ Ref: logicalIdOf(s.stack.events.bus) });
  });

  it('lets the API read the feed, never write it or publish', () => {
    const api = grantsOf(s, s.stack.api.handler);
    expect(actionsOn(api, events)).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(allows(api, 'dynamodb:Query', `${events}/index/feed`)).toBe(true);
    expect(allows(api, 'events:PutEvents', bus)).toBe(false);
  });

  it('lets only stream consumers publish, every Licences stream consumer does, and no one deletes or changes recorded events', () => {
    const roles = Object.keys(s.template.findResources('AWS::IAM::Role'));
    const publishers = roles.filter((role) =>
      allows(grantsOfRole(s.template, role), 'events:PutEvents', bus),
    );
    const functions = s.template.findResources('AWS::Lambda::Function');
    const roleOf = (fn: string) =>
      flattenCfnReference(functions[fn]?.Properties.Role).replace(/^<|\.Arn>$/g, '');
    const mappings = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping'));
    const readers = (table: IConstruct) =>
      mappings
        .filter(
          (mapping) =>
            flattenCfnReference(mapping.Properties.EventSourceArn) === `<${logicalIdOf(table)}.StreamArn>`,
        )
        .map((mapping) => flattenCfnReference(mapping.Properties.FunctionName).replace(/^<|>$/g, ''));
    const consumerRoles = [
      ...readers(s.stack.data.applications.table),
      ...readers(s.stack.data.licences.table),
    ].map(roleOf);
    expect(publishers).toContain(logicalIdOf(s.stack.workflow.relay.role ?? s.stack.workflow.relay));
    for (const publisher of publishers) expect(consumerRoles, publisher).toContain(publisher);
    // The licences' events come from their stream's consumer: bind it with stack.events.bindPublisher(fn).
    for (const fn of readers(s.stack.data.licences.table)) {
      expect(publishers, `${fn} reads the Licences stream but cannot publish`).toContain(roleOf(fn));
      expect(functions[fn]?.Properties.Environment.Variables.EVENT_BUS_NAME, fn).toBeDefined();
    }
    for (const role of roles) {
      for (const action of ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']) {
        expect(allows(grantsOfRole(s.template, role), action, events), `${role} ${action}`).toBe(false);
      }
    }
  });
});
