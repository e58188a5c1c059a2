import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type {
  ExecutionEvent,
  ExecutionInfo,
  ExecutionStatus,
  WorkflowData,
  WorkflowEngine,
} from '../domain/ports.ts';

/**
 * The licence lifecycle state machine through the Step Functions API (locally the endpoint in
 * `local/stepfunctions`, reached through AWS_ENDPOINT_URL_SFN). Executions are named
 * `<applicationId>-<generation>`. Without STATE_MACHINE_ARN (a local stack without the workflow)
 * no execution is known and nothing can be started.
 */
export const executionName = (applicationId: string, generation: number): string =>
  `${applicationId}-${generation}`;

const MAX_HISTORY_PAGES = 20;

type StepFunctionsSdk = typeof import('@aws-sdk/client-sfn');
let sdkModule: Promise<StepFunctionsSdk> | undefined;
/** Loaded on first use: the api function needs it only on its execution routes (cold start). */
const loadSdk = (): Promise<StepFunctionsSdk> => {
  sdkModule ??= import('@aws-sdk/client-sfn');
  return sdkModule;
};

/** SDK exceptions by name, so checking one needs no SDK module. */
const isError = (error: unknown, ...names: string[]): boolean =>
  error instanceof Error && names.includes(error.name);

export class StepFunctionsWorkflow implements WorkflowEngine {
  private client: SFNClient | undefined;

  constructor(
    private readonly stateMachineArn: string | undefined = process.env.STATE_MACHINE_ARN || undefined,
    client?: SFNClient,
  ) {
    this.client = client;
  }

  /** The SDK module and this adapter's client, both made on first use. */
  private async sdk(): Promise<{ sdk: StepFunctionsSdk; client: SFNClient }> {
    const sdk = await loadSdk();
    this.client ??= new sdk.SFNClient({});
    return { sdk, client: this.client };
  }

  /** Idempotent for a deterministic input; a name taken with another input answers false. */
  async start(data: WorkflowData): Promise<boolean> {
    const { sdk, client } = await this.sdk();
    try {
      await client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: this.requireStateMachine(),
          name: executionName(data.applicationId, data.generation),
          input: JSON.stringify(data),
        }),
      );
      return true;
    } catch (error) {
      if (isError(error, 'ExecutionAlreadyExists')) return false;
      throw error;
    }
  }

  async sendTaskSuccess(token: string, data: WorkflowData): Promise<boolean> {
    const { sdk, client } = await this.sdk();
    try {
      await client.send(new sdk.SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(data) }));
      return true;
    } catch (error) {
      if (isError(error, 'TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist')) {
        return false;
      }
      throw error;
    }
  }

  async describe(applicationId: string, generation: number): Promise<ExecutionInfo | null> {
    const executionArn = this.executionArn(applicationId, generation);
    if (!executionArn) return null;
    const { sdk, client } = await this.sdk();
    try {
      const execution = await client.send(new sdk.DescribeExecutionCommand({ executionArn }));
      const recent = await client.send(
        new sdk.GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          maxResults: 25,
          includeExecutionData: false,
        }),
      );
      const lastEntered = (recent.events ?? []).find((event) => event.stateEnteredEventDetails);
      return {
        executionArn,
        name: execution.name ?? executionName(applicationId, generation),
        generation,
        status: (execution.status ?? 'RUNNING') as ExecutionStatus,
        currentState: lastEntered?.stateEnteredEventDetails?.name ?? null,
        startDate: (execution.startDate ?? new Date(0)).toISOString(),
        stopDate: execution.stopDate?.toISOString() ?? null,
      };
    } catch (error) {
      if (isError(error, 'ExecutionDoesNotExist')) return null;
      throw error;
    }
  }

  /** Every event with the state it belongs to; parameters, inputs, outputs and tokens are left out. */
  async history(applicationId: string, generation: number): Promise<ExecutionEvent[] | null> {
    const executionArn = this.executionArn(applicationId, generation);
    if (!executionArn) return null;
    const { sdk, client } = await this.sdk();
    const events: ExecutionEvent[] = [];
    let state: string | null = null;
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const result = await client.send(
          new sdk.GetExecutionHistoryCommand({
            executionArn,
            nextToken,
            maxResults: 1000,
            includeExecutionData: false,
          }),
        );
        for (const event of result.events ?? []) {
          const named = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
          if (named) state = named;
          else if (event.type?.startsWith('Execution')) state = null;
          events.push({
            id: event.id ?? events.length + 1,
            timestamp: (event.timestamp ?? new Date(0)).toISOString(),
            type: event.type ?? 'Unknown',
            state,
          });
        }
        nextToken = result.nextToken;
        if (!nextToken) break;
      }
      return events;
    } catch (error) {
      if (isError(error, 'ExecutionDoesNotExist')) return null;
      throw error;
    }
  }

  async waitingToken(applicationId: string, generation: number, state: string): Promise<string | null> {
    const executionArn = this.executionArn(applicationId, generation);
    if (!executionArn) return null;
    const { sdk, client } = await this.sdk();
    const { events = [] } = await client.send(
      new sdk.GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 50,
        includeExecutionData: true,
      }),
    );
    return tokenOfOpenTask(events, state);
  }

  async stop(applicationId: string, generation: number, cause: string): Promise<void> {
    const executionArn = this.executionArn(applicationId, generation);
    if (!executionArn) return;
    const { sdk, client } = await this.sdk();
    await client.send(new sdk.StopExecutionCommand({ executionArn, error: 'Superseded', cause }));
  }

  private requireStateMachine(): string {
    if (!this.stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set');
    return this.stateMachineArn;
  }

  private executionArn(applicationId: string, generation: number): string | null {
    if (!this.stateMachineArn) return null;
    const prefix = this.stateMachineArn.replace(':stateMachine:', ':execution:');
    return `${prefix}:${executionName(applicationId, generation)}`;
  }
}

const TASK_ENDED = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);

/**
 * Newest first: the token in the Parameters of the latest task attempt of `state`, if that state
 * is the one entered last and the attempt has not ended.
 */
export function tokenOfOpenTask(newestFirst: readonly HistoryEvent[], state: string): string | null {
  let token: string | null = null;
  for (const event of newestFirst) {
    if (event.stateEnteredEventDetails) return event.stateEnteredEventDetails.name === state ? token : null;
    if (token !== null) continue;
    // Before the latest attempt is found: an exit or an ended attempt means nothing is waiting.
    if (event.stateExitedEventDetails || TASK_ENDED.has(event.type ?? '')) return null;
    const parameters = event.taskScheduledEventDetails?.parameters;
    if (parameters) token = payloadToken(parameters);
  }
  return null;
}

function payloadToken(parameters: string): string | null {
  try {
    const parsed: unknown = JSON.parse(parameters);
    const payload = (parsed as { Payload?: { token?: unknown } } | null)?.Payload;
    return typeof payload?.token === 'string' ? payload.token : null;
  } catch {
    return null;
  }
}
