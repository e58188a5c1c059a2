import { describe, expect, it } from 'vitest';
import {
  approvalNeedsSignOff,
  assignLane,
  ENHANCED_PUBLIC_REASON,
  hasScreeningFlag,
  missingDetails,
  missingDocuments,
  normalisePartyName,
  requiredDocuments,
  totalValueUsd,
} from '#domain/applications/rules.ts';
import type { Details, Flag, GoodsItem } from '#domain/schemas.ts';
import { completeDetails, draftApplication, pdfDocument, testConfig } from '../../support/applications.ts';

const goodsItem = (overrides: Partial<GoodsItem> = {}): GoodsItem => ({
  description: 'Dysprosium metal',
  element: 'DYSPROSIUM',
  form: 'METAL',
  controlCode: '1C902',
  quantityKg: 10,
  valueUsd: 100,
  ...overrides,
});
const screeningFlag: Flag = {
  code: 'POTENTIAL_DENIED_PARTY_MATCH',
  source: 'screening',
  at: '2025-06-02T08:00:00.000Z',
};
const workflowFlag: Flag = { code: 'RFI_OVERDUE', source: 'workflow', at: '2025-06-02T08:00:00.000Z' };
const applicationWith = (details: Details) => draftApplication({ details }).application;

describe('missingDetails', () => {
  it('finds nothing missing in complete details', () => {
    expect(missingDetails(completeDetails())).toEqual([]);
  });

  it('lists every required field of empty details by path', () => {
    expect(missingDetails({}).map((detail) => detail.path)).toEqual([
      'exporter.name',
      'exporter.country',
      'goods',
      'consignee.name',
      'consignee.country',
      'consignee.address',
      'endUser.name',
      'endUser.country',
      'endUser.address',
      'endUser.type',
      'endUse.description',
      'endUse.military',
    ]);
  });

  it('requires at least one goods item', () => {
    expect(missingDetails(completeDetails({ goods: [] }))).toEqual([
      { path: 'goods', message: 'at least one goods item is required' },
    ]);
  });

  it('names the missing fields of each goods item by index', () => {
    const details = completeDetails({ goods: [goodsItem(), { form: 'ALLOY' }] });
    expect(missingDetails(details).map((detail) => detail.path)).toEqual([
      'goods.1.description',
      'goods.1.element',
      'goods.1.controlCode',
      'goods.1.valueUsd',
      'goods.1.quantityKg',
    ]);
  });

  it('does not require a quantity for technology', () => {
    const details = completeDetails({ goods: [goodsItem({ form: 'TECHNOLOGY', quantityKg: undefined })] });
    expect(missingDetails(details)).toEqual([]);
  });

  it('accepts "military: false" and a value of zero as given', () => {
    const details = completeDetails({
      goods: [goodsItem({ valueUsd: 0 })],
      endUse: { description: 'Research', military: false },
    });
    expect(missingDetails(details)).toEqual([]);
  });
});

describe('requiredDocuments and missingDocuments', () => {
  it('requires the configured documents', () => {
    expect(requiredDocuments(completeDetails(), testConfig())).toEqual([
      'CONTRACT',
      'END_USER_CERTIFICATE',
      'END_USE_STATEMENT',
    ]);
  });

  it('adds TECHNICAL_DESCRIPTION when any goods item is technology', () => {
    const details = completeDetails({ goods: [goodsItem(), goodsItem({ form: 'TECHNOLOGY' })] });
    expect(requiredDocuments(details, testConfig())).toContain('TECHNICAL_DESCRIPTION');
  });

  it('follows the configuration for both lists', () => {
    const config = testConfig({ requiredDocuments: ['OTHER'], technologyDocuments: [] });
    expect(
      requiredDocuments(completeDetails({ goods: [goodsItem({ form: 'TECHNOLOGY' })] }), config),
    ).toEqual(['OTHER']);
  });

  it('lists each missing document type once, ignoring other documents', () => {
    const application = {
      ...applicationWith(completeDetails()),
      documents: [pdfDocument('CONTRACT'), pdfDocument('OTHER'), pdfDocument('CONTRACT')],
    };
    expect(missingDocuments(application, testConfig())).toEqual([
      {
        path: 'documents',
        documentType: 'END_USER_CERTIFICATE',
        message: 'a END_USER_CERTIFICATE document is required',
      },
      {
        path: 'documents',
        documentType: 'END_USE_STATEMENT',
        message: 'a END_USE_STATEMENT document is required',
      },
    ]);
  });
});

describe('approvalNeedsSignOff', () => {
  const withValues = (...values: number[]) =>
    applicationWith(completeDetails({ goods: values.map((valueUsd) => goodsItem({ valueUsd })) }));

  it('is not needed below the threshold without flags', () => {
    expect(approvalNeedsSignOff(withValues(999_999.99), testConfig())).toBe(false);
  });

  it('is needed at exactly the threshold', () => {
    expect(approvalNeedsSignOff(withValues(1_000_000), testConfig())).toBe(true);
  });

  it('adds up the goods items', () => {
    expect(totalValueUsd(withValues(600_000, 400_000))).toBe(1_000_000);
    expect(approvalNeedsSignOff(withValues(600_000, 400_000), testConfig())).toBe(true);
  });

  it('counts items without a value as zero', () => {
    expect(totalValueUsd({ goods: [{ description: 'x' }, goodsItem({ valueUsd: 5 })] })).toBe(5);
    expect(totalValueUsd({})).toBe(0);
  });

  it('uses the configured threshold', () => {
    expect(approvalNeedsSignOff(withValues(100), testConfig({ signOffThresholdUsd: 100 }))).toBe(true);
  });

  it('is needed for any flag from screening, whatever the value', () => {
    const application = { ...withValues(1), flags: [screeningFlag] };
    expect(hasScreeningFlag(application.flags)).toBe(true);
    expect(approvalNeedsSignOff(application, testConfig())).toBe(true);
  });

  it('is not needed for a workflow flag alone', () => {
    expect(approvalNeedsSignOff({ ...withValues(1), flags: [workflowFlag] }, testConfig())).toBe(false);
  });
});

describe('assignLane', () => {
  const routed = (consignee: string, endUser: string) =>
    applicationWith(
      completeDetails({
        consignee: { name: 'Hub BV', country: consignee, address: 'Port 1' },
        endUser: { name: 'Factory', country: endUser, address: 'Road 2', type: 'COMMERCIAL' },
      }),
    );

  it('is ENHANCED when goods route through a third country, even after a recent approval', () => {
    expect(assignLane(routed('NL', 'DE'), [], true)).toEqual({
      name: 'ENHANCED',
      reason: 'Goods route through a third country (consignee NL, end user DE).',
    });
  });

  it('is ENHANCED for a screening flag, taking precedence over EXPEDITED', () => {
    expect(assignLane(routed('DE', 'DE'), [screeningFlag], true)).toMatchObject({ name: 'ENHANCED' });
  });

  it('is EXPEDITED after a recent approval for the same end user', () => {
    expect(assignLane(routed('DE', 'DE'), [workflowFlag], true)).toMatchObject({ name: 'EXPEDITED' });
  });

  it('is STANDARD otherwise', () => {
    expect(assignLane(routed('DE', 'DE'), [], false)).toEqual({
      name: 'STANDARD',
      reason: 'Standard review.',
    });
  });

  it('does not treat a missing country as third-country routing', () => {
    const application = applicationWith(completeDetails({ consignee: { name: 'Hub' } }));
    expect(assignLane(application, [], false).name).toBe('STANDARD');
  });

  it('has a generic public wording for ENHANCED', () => {
    expect(ENHANCED_PUBLIC_REASON).not.toMatch(/screen|match|denied|third/i);
  });
});

describe('normalisePartyName', () => {
  it.each([
    ['Motoren-Werke GmbH', 'MOTOREN WERKE'],
    ['  acme   rare earths  co., ltd. ', 'ACME RARE EARTHS'],
    ['Müller & Söhne AG', 'MULLER AND SOHNE'],
    ['Société Générale', 'SOCIETE GENERALE'],
    ['Globex Corporation', 'GLOBEX'],
  ])('normalises %j to %j', (name, expected) => {
    expect(normalisePartyName(name)).toBe(expected);
  });

  it('gives the same name for case, punctuation and legal-form variants', () => {
    expect(normalisePartyName('ACME, Inc.')).toBe(normalisePartyName('Acme Inc'));
  });
});
