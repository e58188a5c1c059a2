import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Key schemas of the tables, shared by the local stack (which creates them in DynamoDB
 * Local) and the CDK data construct (an infra test checks that both agree).
 */
export interface TableNames {
  applications: string;
  auditEvents: string;
  idempotency: string;
  counters: string;
  /** Public statistics: per-application contributions and the aggregate (the stats consumer's). */
  stats: string;
  licences: string;
  /** Domain events behind `GET /events` on AWS (written by the stream consumers that publish them). */
  events: string;
}

/** A global secondary index; it projects the whole item unless it names `include` or is `keysOnly`. */
export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  include?: readonly string[];
  /** Only the keys: the reader gets each item by key. */
  keysOnly?: boolean;
}

/** Value of `WORKFLOW_OPEN_ATTRIBUTE` on the applications the reconciler watches. */
export const WORKFLOW_OPEN = 'open';
/** Attribute set on an application while the reconciler must watch it (sparse index `openApplications`). */
export const WORKFLOW_OPEN_ATTRIBUTE = 'workflowOpen';

/** Value of `ANCHOR_PENDING_ATTRIBUTE` on the items whose audit head no checkpoint has covered yet. */
export const ANCHOR_PENDING = 'pending';
/**
 * Set on an application or licence item in the same write that appends an audit event; removed by
 * the checkpoint writer once a stored checkpoint covers that head (sparse index `anchorPending`).
 */
export const ANCHOR_PENDING_ATTRIBUTE = 'anchorPending';

export const GSI = {
  /*
   * The listings project only what their filters read (status, submission); the lister reads each
   * item by key. A task-token or other update that changes none of them writes no index. (They
   * replaced byOrg, byStatus and byCreated, which projected the whole item: docs/deploy.md.)
   */
  /** Applicant listing: one org's applications, newest first. */
  byOrg: {
    name: 'orgListing',
    partitionKey: 'orgId',
    sortKey: 'createdAt',
    include: ['status', 'submission'],
  },
  /** Authority listing of one status, newest first. */
  byStatus: { name: 'statusListing', partitionKey: 'status', sortKey: 'createdAt', include: ['submission'] },
  /**
   * Authority listing across orgs, newest first. Only `submission`: a listing of one status reads
   * `statusListing`, so a change of status rewrites no copy here (it replaced `createdListing`,
   * which also projected `status`: docs/deploy.md).
   */
  byCreated: {
    name: 'crossOrgListing',
    partitionKey: 'itemType',
    sortKey: 'createdAt',
    include: ['submission'],
  },
  /**
   * Reviewers' queue (sparse: only queued cases carry the keys); see functions/domain/queue.ts.
   * Projects only what a queue item shows.
   */
  queue: {
    name: 'queue',
    partitionKey: 'queuePk',
    sortKey: 'queueSk',
    include: ['status', 'lane', 'clock', 'assignedTo', 'flags', 'updatedAt', 'queueCountries'],
  },
  /**
   * Sparse: only applications the reconciler watches (open, or final for less than a day), so a
   * finished application costs its runs nothing. Keys only: the reconciler reads each item by key.
   */
  openApplications: {
    name: 'openApplications',
    partitionKey: WORKFLOW_OPEN_ATTRIBUTE,
    sortKey: 'createdAt',
    keysOnly: true,
  },
  /**
   * Sparse: approved applications by org, end-user country and normalised name, newest decision
   * first — screening's "recent approval for this end user" reads one key, not the org's partition.
   */
  approvedEndUsers: {
    name: 'approvedEndUsers',
    partitionKey: 'approvedEndUser',
    sortKey: 'approvedAt',
    keysOnly: true,
  },
  /**
   * Sparse: applications whose audit head no checkpoint has covered yet, so the checkpoint writer
   * finds them without a scan. Keys only: the writer reads each head by key.
   */
  anchorPending: {
    name: 'anchorPending',
    partitionKey: ANCHOR_PENDING_ATTRIBUTE,
    sortKey: 'applicationId',
    keysOnly: true,
  },
} as const satisfies Record<string, IndexDefinition>;

/** Indexes of the Licences table (licence items only: usage items carry none of their keys). */
export const LICENCE_GSI = {
  /*
   * The listings read each licence by key: a usage (new amounts, version) or a checkpoint writes
   * neither. (They replaced byHolder and byStatus, which projected the whole licence: docs/deploy.md.)
   */
  /** A holder org's licences, newest first; `status` for the holder's status filter. */
  byHolder: { name: 'holderListing', partitionKey: 'orgId', sortKey: 'issuedAt', include: ['status'] },
  /** Licences in one status across orgs, newest first. */
  byStatus: { name: 'licenceStatusListing', partitionKey: 'status', sortKey: 'issuedAt', keysOnly: true },
  /** Sparse: only licences not yet ended carry `expiryQueue`, sorted by `validTo` (expiry safety net). */
  byExpiry: { name: 'byExpiry', partitionKey: 'expiryQueue', sortKey: 'validTo', include: ['status'] },
  /** Sparse: licences whose audit head no checkpoint has covered yet (as `GSI.anchorPending`). */
  anchorPending: {
    name: 'anchorPending',
    partitionKey: ANCHOR_PENDING_ATTRIBUTE,
    sortKey: 'licenceNumber',
    keysOnly: true,
  },
} as const satisfies Record<string, IndexDefinition>;

/** The Events table's feed: one partition per month of `recordedAt`, sorted by `<recordedAt>#<id>`. */
export const EVENTS_FEED_INDEX = { name: 'feed', partitionKey: 'feedMonth', sortKey: 'position' } as const;

/** Attribute of an event's expiry in the Events table (TTL). */
export const EVENTS_TTL_ATTRIBUTE = 'expiresAt';

/** Attribute of an idempotency record's expiry (TTL), named as Powertools Idempotency named it. */
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

/**
 * Table names from the environment. Locally the defaults apply; in a deployed Lambda a missing
 * variable is an error when the table is first used (no silent fallback to another table), and each
 * function is given only the tables it uses.
 */
export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  const deployed = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  const name = (variable: string, localDefault: string): string => {
    const value = env[variable];
    if (value) return value;
    if (deployed) throw new Error(`${variable} is not set for this function`);
    return localDefault;
  };
  return {
    get applications() {
      return name('APPLICATIONS_TABLE', 'Applications');
    },
    get auditEvents() {
      return name('AUDIT_TABLE', 'AuditEvents');
    },
    get idempotency() {
      return name('IDEMPOTENCY_TABLE', 'Idempotency');
    },
    get counters() {
      return name('COUNTERS_TABLE', 'Counters');
    },
    get stats() {
      return name('STATS_TABLE', 'Stats');
    },
    get licences() {
      return name('LICENCES_TABLE', 'Licences');
    },
    get events() {
      return name('EVENTS_TABLE', 'Events');
    },
  };
}

const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
const gsi = (index: IndexDefinition) => ({
  IndexName: index.name,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: index.include
    ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.include] }
    : { ProjectionType: index.keysOnly ? ('KEYS_ONLY' as const) : ('ALL' as const) },
});

export function tableDefinitions(names: TableNames): CreateTableCommandInput[] {
  return [
    {
      TableName: names.applications,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'applicationId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        string('applicationId'),
        string('orgId'),
        string('status'),
        string('createdAt'),
        string('itemType'),
        string('queuePk'),
        string('queueSk'),
        string(WORKFLOW_OPEN_ATTRIBUTE),
        string('approvedEndUser'),
        string('approvedAt'),
        string(ANCHOR_PENDING_ATTRIBUTE),
      ],
      GlobalSecondaryIndexes: Object.values(GSI).map(gsi),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
    {
      TableName: names.auditEvents,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'applicationId', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [string('applicationId'), { AttributeName: 'seq', AttributeType: 'N' }],
    },
    {
      TableName: names.idempotency,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [string('id')],
    },
    {
      TableName: names.counters,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'counterId', KeyType: 'HASH' }],
      AttributeDefinitions: [string('counterId')],
    },
    {
      TableName: names.stats,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'statsId', KeyType: 'HASH' }],
      AttributeDefinitions: [string('statsId')],
    },
    {
      TableName: names.licences,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'licenceNumber', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        string('licenceNumber'),
        string('sk'),
        string('orgId'),
        string('status'),
        string('issuedAt'),
        string('expiryQueue'),
        string('validTo'),
        string(ANCHOR_PENDING_ATTRIBUTE),
      ],
      GlobalSecondaryIndexes: Object.values(LICENCE_GSI).map(gsi),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
    {
      TableName: names.events,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        string('eventId'),
        string(EVENTS_FEED_INDEX.partitionKey),
        string(EVENTS_FEED_INDEX.sortKey),
      ],
      GlobalSecondaryIndexes: [gsi(EVENTS_FEED_INDEX)],
    },
  ];
}
