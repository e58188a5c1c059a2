import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLicenceSigner } from '#adapters/signing.ts';
import type { Dependencies } from '#domain/dependencies.ts';
import { VersionConflictError } from '#domain/errors.ts';
import type { LicenceAuditEvent, LicenceRecord, UsageRecord } from '#domain/licences/schemas.ts';
import type { LicenceRepository, Page } from '#domain/ports.ts';

/** An in-memory licence store with the DynamoDB adapter's version guard, for unit tests of use cases. */
export class MemoryLicences implements LicenceRepository {
  readonly licences = new Map<string, LicenceRecord>();
  readonly events = new Map<string, LicenceAuditEvent[]>();
  readonly usageRecords = new Map<string, UsageRecord>();

  async get(licenceNumber: string) {
    return this.licences.get(licenceNumber) ?? null;
  }
  async usage(licenceNumber: string, usageId: string) {
    return this.usageRecords.get(`${licenceNumber}/${usageId}`) ?? null;
  }
  async usageByDeclaration(licenceNumber: string, declarationRef: string) {
    return (
      (await this.usages(licenceNumber)).find((usage) => usage.declarationRef === declarationRef) ?? null
    );
  }
  async usages(licenceNumber: string) {
    return [...this.usageRecords.values()].filter((usage) => usage.licenceNumber === licenceNumber);
  }
  /** Also the approval's half of the application transaction (expectedVersion null). */
  async commit(
    licence: LicenceRecord,
    event: LicenceAuditEvent,
    expectedVersion: number | null,
    usage?: UsageRecord,
  ) {
    const current = this.licences.get(licence.licenceNumber);
    if ((current?.version ?? null) !== expectedVersion) throw new VersionConflictError(current?.version);
    this.licences.set(licence.licenceNumber, licence);
    this.events.set(licence.licenceNumber, [...(this.events.get(licence.licenceNumber) ?? []), event]);
    if (usage) this.usageRecords.set(`${usage.licenceNumber}/${usage.usageId}`, usage);
  }
  async listByHolder(orgId: string): Promise<Page<LicenceRecord>> {
    return { items: [...this.licences.values()].filter((licence) => licence.orgId === orgId), cursor: null };
  }
  async listAll(): Promise<Page<LicenceRecord>> {
    return { items: [...this.licences.values()], cursor: null };
  }
  async auditEvents(licenceNumber: string) {
    return this.events.get(licenceNumber) ?? [];
  }
  async dueForExpiry(at: string) {
    return [...this.licences.values()].filter((licence) => licence.validTo <= at).map((l) => l.licenceNumber);
  }
}

let codes = 0;
/** The licence ports of `Dependencies` for tests: memory store, a real local signer in a temporary directory. */
export function licenceParts(): Pick<Dependencies, 'signer' | 'verificationCode'> & {
  licences: MemoryLicences;
} {
  return {
    licences: new MemoryLicences(),
    signer: new LocalLicenceSigner(mkdtempSync(join(tmpdir(), 'licence-signer-'))),
    verificationCode: () => `code${String(++codes).padStart(18, '0')}`,
  };
}
