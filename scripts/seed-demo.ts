/**
 * A few applications in different states, made through the REST API as the demo users would (for
 * the screenshots): a draft, one with documents, one under review, one waiting for information and
 * one approved with its licence.
 */
import { random as seededRandom } from '../test/reliability/model.ts';
import {
  type Caller,
  caller,
  completeDetails,
  readyToSubmit,
  SUBMIT_BODY,
  uploadRequiredDocuments,
} from '../test/support/api.ts';

type Mint = (sub: string, org: string, groups: string[]) => Promise<string>;

export interface Seeded {
  users: Record<string, Caller>;
  draft: string;
  documents: string;
  underReview: string;
  informationRequested: string;
  approved: string;
  licenceNumber: string | null;
  /** The holder's verification code of that licence. */
  verificationCode: string | null;
  /** Refused by screening (military end user): one to appeal, one appealed. */
  denied: string;
  appealed: string;
}

/** Waits until the application has one of `statuses` (the workflow moves some on asynchronously). */
async function statusOf(
  reader: Caller,
  id: string,
  statuses: string | readonly string[],
): Promise<Record<string, unknown>> {
  const wanted = typeof statuses === 'string' ? [statuses] : statuses;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await reader.get(`/applications/${id}`);
    if (wanted.includes(body?.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`${id} did not reach ${wanted.join(' or ')} (is ${body?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function seedDemo(url: string, mint: Mint): Promise<Seeded> {
  const users: Record<string, Caller> = {
    alice: caller(url, await mint('alice', 'acme', ['applicant'])),
    rita: caller(url, await mint('rita', 'authority', ['reviewer'])),
    otto: caller(url, await mint('otto', 'authority', ['operator'])),
    audrey: caller(url, await mint('audrey', 'authority', ['auditor'])),
    cora: caller(url, await mint('cora', 'border', ['customs'])),
  };
  const { alice, rita } = users as Record<'alice' | 'rita', Caller>;

  const draft = (
    await alice.post('/applications', { exporter: { name: 'Ganzhou Oxides Ltd', country: 'CN' } })
  ).body.applicationId as string;
  const documents = (await alice.post('/applications', completeDetails())).body.applicationId as string;
  await alice.post(`/applications/${documents}/actions/complete-details`);
  await uploadRequiredDocuments(alice, documents);

  const submitted: string[] = [];
  for (const name of ['Inner Mongolia Magnet Works', 'Baotou Rare Earth Magnets', 'Jiangxi Terbium Co.']) {
    const id = await readyToSubmit(alice, completeDetails({ exporter: { name, country: 'CN' } }));
    await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
    submitted.push(id);
  }
  const [underReview = '', informationRequested = '', approved = ''] = submitted;
  for (const id of submitted) await statusOf(rita, id, 'UNDER_REVIEW');

  await rita.post(`/applications/${informationRequested}/actions/claim`);
  await rita.post(`/applications/${informationRequested}/actions/request-information`, {
    questions: [
      'Who installs the motors, and where?',
      'Please attach the end-user certificate signed by the managing director.',
    ],
    dueInWorkingDays: 10,
  });
  await rita.post(`/applications/${approved}/actions/claim`);
  await rita.post(`/applications/${approved}/actions/approve`, {
    validityMonths: 12,
    conditions: ['No re-export without prior authorisation.'],
    note: 'End use consistent with the consignee’s business.',
  });
  const decided = await statusOf(rita, approved, 'APPROVED');
  const licence = decided.licence as { licenceNumber?: string } | null;
  await statusOf(rita, informationRequested, 'INFORMATION_REQUESTED');
  const held = licence?.licenceNumber ? (await alice.get(`/licences/${licence.licenceNumber}`)).body : null;
  if (licence?.licenceNumber) {
    await users.cora?.post(`/licences/${licence.licenceNumber}/actions/record-usage`, {
      usageId: 'atlas-0001',
      shippedAt: new Date().toISOString(),
      declarationRef: 'DE-ATLAS-0001',
      items: [{ goodsIndex: 0, quantityKg: 20.5, valueUsd: 40000 }],
    });
  }
  const refused: string[] = [];
  for (const name of ['Technische Hochschule Labor', 'Institut für Werkstoffe']) {
    const endUser = { name, country: 'DE', address: '1 Campus, Aachen', type: 'MILITARY' as const };
    const id = await readyToSubmit(alice, completeDetails({ endUser }));
    await alice.post(`/applications/${id}/actions/submit`, SUBMIT_BODY);
    refused.push(id);
  }
  const [denied = '', appealed = ''] = refused;
  for (const id of refused) await statusOf(rita, id, 'DENIED');
  await alice.post(`/applications/${appealed}/actions/appeal`, {
    grounds: 'The institute does civilian materials research only; the end-user type was chosen in error.',
  });
  await statusOf(rita, appealed, 'APPEALED');
  return {
    users,
    draft,
    documents,
    underReview,
    informationRequested,
    approved,
    licenceNumber: licence?.licenceNumber ?? null,
    verificationCode: held?.verificationCode ?? null,
    denied,
    appealed,
  };
}

/**
 * A realistic population for `npm run seed`: `applications` cases from four exporting orgs spread
 * over `weeks` of working days, driven day by day through the REST API while the shared local
 * clock moves on (so decision times, pauses, due dates and appeal deadlines are the real ones):
 * screening refusals and denied-party matches, requests for information (answered, or left to go
 * overdue), approvals with and without sign-off, denials with sign-off, appeals (upheld and
 * overturned), withdrawals, drafts, and cases nobody has reached yet, which age into the backlog.
 * The same `seed` gives the same population.
 */
export interface PopulationOptions {
  applications: number;
  weeks: number;
  seed: number;
  /** Applications acted on at once within a simulated day. */
  concurrency?: number;
}

/** The clock the stack under the API reads (moved forward day by day). */
export interface SeedClock {
  now(): Date;
  advanceBy(ms: number): void;
}

export interface SeededApplication {
  id: string;
  org: string;
  status: string;
  lane: string | null;
}

const DAY_MS = 86_400_000;
const APPLICANTS = [
  { sub: 'alice', org: 'acme', exporter: 'Baotou Rare Earth Magnets', country: 'CN' },
  { sub: 'bea', org: 'borealis', exporter: 'Ganzhou Oxides Ltd', country: 'CN' },
  { sub: 'chen', org: 'cathay', exporter: 'Jiangxi Terbium Co.', country: 'CN' },
  { sub: 'dora', org: 'delta', exporter: 'Inner Mongolia Magnet Works', country: 'CN' },
] as const;
const END_USERS = [
  { name: 'Motorenwerk GmbH', country: 'DE', address: 'Industriestr. 1, Stuttgart' },
  { name: 'Aero Composites SA', country: 'FR', address: '12 rue des Ateliers, Toulouse' },
  { name: 'Nordic Wind Turbines AS', country: 'NO', address: 'Havnegata 4, Bergen' },
  { name: 'Ohio Traction Motors Inc.', country: 'US', address: '200 Main St, Dayton' },
  { name: 'Kansai Precision KK', country: 'JP', address: '3-1 Umeda, Osaka' },
  { name: 'Seoul EV Drives Co.', country: 'KR', address: '55 Teheran-ro, Seoul' },
] as const;
/** Third-country consignees: goods routed through them put the case in the ENHANCED lane. */
const TRANSIT_CONSIGNEES = [
  { name: 'Transit Handels AG', country: 'CH', address: 'Bahnhofstr. 9, Zürich' },
  { name: 'Gulf Re-Export FZE', country: 'AE', address: 'Jebel Ali Free Zone, Dubai' },
] as const;
const GOODS = [
  { description: 'Sintered NdFeB magnets with dysprosium', element: 'DYSPROSIUM', form: 'MAGNET' },
  { description: 'Terbium oxide powder, 99.99 %', element: 'TERBIUM', form: 'OXIDE' },
  { description: 'Samarium-cobalt alloy ingots', element: 'SAMARIUM', form: 'ALLOY' },
  { description: 'Gadolinium metal chips', element: 'GADOLINIUM', form: 'METAL' },
] as const;
const DENIED_PARTY = { name: 'Crimson Lotus Trading Ltd', country: 'HK', address: '8 Harbour Rd, Hong Kong' };
const MILITARY_END_USER = {
  name: 'Ministry of Defence Procurement',
  country: 'DE',
  address: '1 Fontainengraben, Bonn',
  type: 'MILITARY',
};
const STAFF = {
  rita: ['reviewer'],
  ravi: ['reviewer'],
  sam: ['senior-reviewer'],
  sue: ['senior-reviewer'],
  audrey: ['auditor'],
} as const;

/** One API call of a case on a simulated working day; `day` gives the index after the previous step's. */
interface Step {
  after: (previousDay: number) => number;
  run: () => Promise<void>;
}

type Random = () => number;

function pickFrom<T>(items: readonly T[], random: Random): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

/** 09:00 UTC of each Monday to Friday in the `weeks` from `from` (the first day may be `from`'s own). */
function workingDaysFrom(from: Date, weeks: number): Date[] {
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), 9);
  const days: Date[] = [];
  for (let day = first; day < from.getTime() + weeks * 7 * DAY_MS; day += DAY_MS) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6 && day >= from.getTime()) days.push(new Date(day));
  }
  return days;
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

export async function seedPopulation(
  url: string,
  mint: Mint,
  clock: SeedClock,
  options: PopulationOptions,
): Promise<SeededApplication[]> {
  const random = seededRandom(options.seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const chance = (p: number) => random() < p;
  const staff = Object.fromEntries(
    await Promise.all(
      Object.entries(STAFF).map(async ([sub, groups]) => [
        sub,
        caller(url, await mint(sub, 'authority', [...groups])),
      ]),
    ),
  ) as Record<keyof typeof STAFF, Caller>;
  const applicants = await Promise.all(
    APPLICANTS.map(async (who) => ({
      ...who,
      caller: caller(url, await mint(who.sub, who.org, ['applicant'])),
    })),
  );
  const from = clock.now();
  const days = workingDaysFrom(from, options.weeks);
  const read = async (id: string) => (await staff.audrey.get(`/applications/${id}`)).body;

  const cases = Array.from({ length: options.applications }, () => {
    const applicant = pickFrom(applicants, random);
    const kase = { id: '', org: applicant.org, steps: [] as Step[] };
    const at = (gap: number) => (previous: number) => previous + gap;
    const step = (after: Step['after'], run: () => Promise<void>) => kase.steps.push({ after, run });
    const act = (who: Caller, action: string, body: unknown, expected: readonly string[]) => async () => {
      const response = await who.post(`/applications/${kase.id}/actions/${action}`, body);
      if (response.status !== 200 || !expected.includes(response.body.status)) {
        throw new Error(
          `${action} on ${kase.id} answered ${response.status} ${JSON.stringify(response.body)}`,
        );
      }
    };
    const settled = (expected: readonly string[]) => statusOf(staff.audrey, kase.id, expected);

    const kind = random();
    const endUser = kind < 0.04 ? MILITARY_END_USER : pickFrom(END_USERS, random);
    const { name, country, address } = endUser;
    const consignee =
      kind >= 0.04 && kind < 0.07
        ? DENIED_PARTY
        : chance(0.2)
          ? pickFrom(TRANSIT_CONSIGNEES, random)
          : { name, country, address };
    const highValue = chance(0.12);
    const details = completeDetails({
      exporter: { name: applicant.exporter, country: applicant.country },
      goods: [
        {
          ...pickFrom(GOODS, random),
          controlCode: '1C999.a',
          quantityKg: between(20, 900),
          valueUsd: highValue ? between(1_000, 3_000) * 1_000 : between(20, 900) * 1_000,
        },
      ],
      consignee,
      endUser: { ...endUser, type: 'type' in endUser ? endUser.type : 'COMMERCIAL' },
    });
    const firstDay = between(0, days.length - 1);
    const create = async () => {
      const created = await applicant.caller.post('/applications', details);
      if (created.status !== 201)
        throw new Error(`create answered ${created.status} ${JSON.stringify(created.body)}`);
      kase.id = created.body.applicationId;
    };
    if (chance(0.05)) {
      step(() => firstDay, create);
      return kase;
    }
    step(
      () => firstDay,
      async () => {
        await create();
        await act(applicant.caller, 'complete-details', {}, ['END_USER_DOCS'])();
        await uploadRequiredDocuments(applicant.caller, kase.id);
        await act(applicant.caller, 'submit', SUBMIT_BODY, ['SUBMITTED'])();
        await settled(['UNDER_REVIEW', 'PENDING_SIGN_OFF', 'DENIED']);
      },
    );
    // Decided by Sue, who took no part in the denial (Sam signed it off).
    const appealThen = (outcome: 'UPHELD' | 'OVERTURNED') => {
      step(
        at(between(2, 12)),
        act(applicant.caller, 'appeal', { grounds: 'The end use is civil; see the contract.' }, ['APPEALED']),
      );
      step(
        at(between(3, 12)),
        act(staff.sue, 'decide-appeal', { outcome, note: 'Decided on the file.' }, [
          'DENIED',
          'UNDER_REVIEW',
        ]),
      );
    };
    if (kind < 0.04) {
      if (chance(0.5)) appealThen('UPHELD');
      return kase;
    }
    if (kind < 0.07) {
      step(at(between(1, 4)), act(staff.sam, 'sign-off', { agree: true, note: 'Listed party.' }, ['DENIED']));
      return kase;
    }
    const [reviewer, other] = chance(0.5) ? [staff.rita, staff.ravi] : [staff.ravi, staff.rita];
    // Some cases wait long before anyone claims them: the backlog, overdue once 45 working days pass.
    step(at(chance(0.15) ? between(30, 60) : between(1, 8)), act(reviewer, 'claim', {}, ['UNDER_REVIEW']));
    if (chance(0.3)) {
      const questions = [
        'Who installs the goods, and where?',
        'Please attach the signed end-user certificate.',
      ];
      let dueAt = 0;
      step(at(between(1, 4)), async () => {
        await act(reviewer, 'request-information', { questions, dueInWorkingDays: 10 }, [
          'INFORMATION_REQUESTED',
        ])();
        dueAt = Date.parse((await read(kase.id)).informationRequests.at(-1).dueAt);
      });
      if (chance(0.8)) {
        step(
          at(between(2, 8)),
          act(applicant.caller, 'respond', { answers: ['Our own plant.', 'Attached.'] }, ['UNDER_REVIEW']),
        );
      } else {
        // Unanswered: the workflow's timer brings it back to review (RFI_OVERDUE) once the due date passes.
        step(
          (previous) =>
            Math.max(
              previous + 1,
              days.findIndex((day) => day.getTime() > dueAt),
            ),
          () => settled(['UNDER_REVIEW']).then(() => undefined),
        );
      }
    }
    const decision = random();
    if (decision < 0.08) {
      step(
        at(between(1, 10)),
        act(applicant.caller, 'withdraw', { reason: 'Order cancelled by the buyer.' }, ['WITHDRAWN']),
      );
      return kase;
    }
    const approve = { validityMonths: 12, conditions: ['No re-export without prior authorisation.'] };
    if (decision < 0.3) {
      step(
        at(between(3, 20)),
        act(reviewer, 'deny', { reasons: ['RISK_OF_DIVERSION'], note: 'End use unclear.' }, [
          'PENDING_SIGN_OFF',
        ]),
      );
      step(at(between(1, 4)), act(staff.sam, 'sign-off', { agree: true, note: 'Agreed.' }, ['DENIED']));
      if (chance(0.4)) {
        const outcome = chance(0.5) ? 'UPHELD' : 'OVERTURNED';
        appealThen(outcome);
        if (outcome === 'OVERTURNED') {
          // Neither the denial's recommender nor its signer may take it again.
          step(at(between(1, 3)), act(other, 'claim', {}, ['UNDER_REVIEW']));
          step(at(between(2, 8)), act(other, 'approve', approve, ['PENDING_SIGN_OFF']));
          step(at(between(1, 3)), act(staff.sue, 'sign-off', { agree: true, note: 'Agreed.' }, ['APPROVED']));
        }
      }
      return kase;
    }
    step(
      at(between(3, 20)),
      act(reviewer, 'approve', approve, highValue ? ['PENDING_SIGN_OFF'] : ['APPROVED']),
    );
    if (highValue)
      step(at(between(1, 4)), act(staff.sam, 'sign-off', { agree: true, note: 'Agreed.' }, ['APPROVED']));
    return kase;
  });

  // Day by day: the clock moves to 09:00 of the day, then every case due that day takes its steps.
  const next = new Map(cases.map((kase) => [kase, kase.steps[0]?.after(0) ?? days.length]));
  for (const [index, day] of days.entries()) {
    const wait = day.getTime() - clock.now().getTime();
    if (wait > 0) clock.advanceBy(wait);
    const today = cases.filter((kase) => next.get(kase) === index);
    await inParallel(today, options.concurrency ?? 8, async (kase) => {
      let day = index;
      while (day === index) {
        const step = kase.steps.shift();
        if (!step) break;
        await step.run();
        const following = kase.steps[0];
        day = following ? following.after(index) : days.length;
        next.set(kase, day);
      }
    });
  }
  const remaining = from.getTime() + options.weeks * 7 * DAY_MS - clock.now().getTime();
  if (remaining > 0) clock.advanceBy(remaining);

  return Promise.all(
    cases
      .filter((kase) => kase.id !== '')
      .map(async (kase) => {
        const body = await read(kase.id);
        return { id: kase.id, org: kase.org, status: body.status, lane: body.lane?.name ?? null };
      }),
  );
}
