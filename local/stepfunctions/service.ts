import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ServiceError } from './errors.ts';
import { Execution, type ExecutionEnvironment, INTERRUPTED_CAUSE } from './execution.ts';
import type { ExecutionRecord } from './execution-files.ts';
import { toEpochSeconds, toHistoryEvent } from './history.ts';
import type { JsonValue } from './interpreter-types.ts';
import { MAX_PAGE_SIZE, paginate } from './pagination.ts';
import type { LocalStateMachine } from './state-machine.ts';
import type { TokenTask } from './task-steps.ts';

type Operation = (request: unknown) => unknown;

const MAX_PAYLOAD_BYTES = 256 * 1024;
/** AWS: 1–80 characters, no whitespace, brackets, wildcards, special or control characters. */
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

const Arn = z.string().min(1).max(2048);
const TaskToken = z.string().min(1).max(2048);
const Page = {
  maxResults: z.int().min(0).max(MAX_PAGE_SIZE).optional(),
  nextToken: z.string().max(4096).optional(),
};

const StartExecutionRequest = z.object({
  stateMachineArn: Arn,
  name: z.string().max(256).optional(),
  input: z
    .string()
    .max(4 * MAX_PAYLOAD_BYTES)
    .optional(),
  traceHeader: z.string().max(256).optional(),
});
const ExecutionRequest = z.object({ executionArn: Arn });
const StopExecutionRequest = z.object({
  executionArn: Arn,
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});
const ListExecutionsRequest = z.object({
  stateMachineArn: Arn,
  statusFilter: z.enum(STATUSES).optional(),
  ...Page,
});
const GetExecutionHistoryRequest = z.object({
  executionArn: Arn,
  reverseOrder: z.boolean().optional(),
  includeExecutionData: z.boolean().optional(),
  ...Page,
});
const SendTaskSuccessRequest = z.object({
  taskToken: TaskToken,
  output: z.string().max(4 * MAX_PAYLOAD_BYTES),
});
const SendTaskFailureRequest = z.object({
  taskToken: TaskToken,
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});
const SendTaskHeartbeatRequest = z.object({ taskToken: TaskToken });
const StateMachineRequest = z.object({ stateMachineArn: Arn });
const ListStateMachinesRequest = z.object(Page);

/** The Step Functions API over the registered state machines and their executions. */
export class StepFunctionsService {
  readonly operations: Readonly<Record<string, Operation>> = {
    StartExecution: (request) => this.startExecution(parse(StartExecutionRequest, request)),
    DescribeExecution: (request) => describe(this.execution(parse(ExecutionRequest, request).executionArn)),
    ListExecutions: (request) => this.listExecutions(parse(ListExecutionsRequest, request)),
    GetExecutionHistory: (request) => this.getExecutionHistory(parse(GetExecutionHistoryRequest, request)),
    StopExecution: (request) => this.stopExecution(parse(StopExecutionRequest, request)),
    SendTaskSuccess: (request) => this.sendTaskSuccess(parse(SendTaskSuccessRequest, request)),
    SendTaskFailure: (request) => this.sendTaskFailure(parse(SendTaskFailureRequest, request)),
    SendTaskHeartbeat: (request) => this.sendTaskHeartbeat(parse(SendTaskHeartbeatRequest, request)),
    DescribeStateMachine: (request) =>
      describeStateMachine(this.stateMachine(parse(StateMachineRequest, request).stateMachineArn)),
    ListStateMachines: (request) => this.listStateMachines(parse(ListStateMachinesRequest, request)),
  };

  private readonly stateMachines: ReadonlyMap<string, LocalStateMachine>;
  private readonly executions = new Map<string, Execution>();
  private readonly taskTokens = new Map<string, TokenTask>();
  /** Creation order, the key of `ListExecutions` pages; restored executions keep theirs. */
  private nextSeq = 1;

  constructor(
    stateMachines: readonly LocalStateMachine[],
    private readonly environment: Omit<ExecutionEnvironment, 'taskTokens'>,
  ) {
    this.stateMachines = new Map(stateMachines.map((machine) => [machine.arn, machine]));
  }

  /** Aborts every running execution (on shutdown); this settles their steps and cancels their timers. */
  stopAll(): void {
    for (const execution of this.executions.values()) execution.stop(undefined, INTERRUPTED_CAUSE);
  }

  /** Takes in the executions of an earlier run (`Execution.restore`), before any new one starts. */
  restore(machine: LocalStateMachine, records: readonly ExecutionRecord[]): void {
    for (const record of records) {
      const execution = Execution.restore(record, machine, this.executionEnvironment());
      this.executions.set(execution.arn, execution);
      this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
    }
  }

  private executionEnvironment(): ExecutionEnvironment {
    return { ...this.environment, taskTokens: this.taskTokens };
  }

  private startExecution(request: z.infer<typeof StartExecutionRequest>) {
    const machine = this.stateMachine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    if (parseJson(input, MAX_PAYLOAD_BYTES) === undefined) {
      throw new ServiceError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: the input must be JSON',
      );
    }
    const executionArn = machine.executionArn(name);
    const existing = this.executions.get(executionArn);
    // Standard workflows: the same name and input answers the original start (idempotent retries).
    if (existing !== undefined && existing.input !== input) {
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution =
      existing ??
      new Execution(this.nextSeq, executionArn, name, input, machine, this.executionEnvironment());
    if (existing === undefined) {
      this.nextSeq += 1;
      this.executions.set(executionArn, execution);
      execution.start();
    }
    return { executionArn, startDate: toEpochSeconds(execution.startDate) };
  }

  private listExecutions(request: z.infer<typeof ListExecutionsRequest>) {
    const machine = this.stateMachine(request.stateMachineArn);
    const newestFirst = [...this.executions.values()]
      .filter((execution) => execution.stateMachine === machine)
      .filter((execution) => request.statusFilter === undefined || execution.status === request.statusFilter)
      .reverse();
    const { page, nextToken } = paginate(newestFirst, (execution) => execution.seq, true, request);
    return { executions: page.map(summary), nextToken };
  }

  private getExecutionHistory(request: z.infer<typeof GetExecutionHistoryRequest>) {
    const execution = this.execution(request.executionArn);
    const numbered = execution.history.map((entry, index) => ({ entry, id: index + 1 }));
    if (request.reverseOrder) numbered.reverse();
    const { page, nextToken } = paginate(numbered, ({ id }) => id, request.reverseOrder ?? false, request);
    const includeData = request.includeExecutionData ?? true;
    return { events: page.map(({ entry, id }) => toHistoryEvent(entry, id, includeData)), nextToken };
  }

  private stopExecution(request: z.infer<typeof StopExecutionRequest>) {
    const execution = this.execution(request.executionArn);
    execution.stop(request.error, request.cause);
    return { stopDate: toEpochSeconds(execution.stopDate ?? this.environment.clock.now()) };
  }

  private sendTaskSuccess(request: z.infer<typeof SendTaskSuccessRequest>) {
    const task = this.openTask(request.taskToken);
    const output = parseJson(request.output, MAX_PAYLOAD_BYTES);
    if (output === undefined)
      throw new ServiceError('InvalidOutput', 'Invalid Output: the output must be JSON');
    task.succeed(output);
    return {};
  }

  private sendTaskFailure(request: z.infer<typeof SendTaskFailureRequest>) {
    this.openTask(request.taskToken).fail(request.error, request.cause);
    return {};
  }

  private sendTaskHeartbeat(request: z.infer<typeof SendTaskHeartbeatRequest>) {
    this.openTask(request.taskToken);
    return {};
  }

  private listStateMachines(request: z.infer<typeof ListStateMachinesRequest>) {
    const numbered = [...this.stateMachines.values()].map((machine, index) => ({ machine, index }));
    const { page, nextToken } = paginate(numbered, ({ index }) => index, false, request);
    return {
      stateMachines: page.map(({ machine }) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: toEpochSeconds(machine.creationDate),
      })),
      nextToken,
    };
  }

  /** AWS answers InvalidToken for a token it never issued and TaskTimedOut once its task is over. */
  private openTask(taskToken: string): TokenTask {
    const task = this.taskTokens.get(taskToken);
    if (task === undefined)
      throw new ServiceError('InvalidToken', "Invalid Token: 'Provided task token is invalid.'");
    if (!task.isOpen) {
      throw new ServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    return task;
  }

  private stateMachine(arn: string): LocalStateMachine {
    assertArn(arn);
    const machine = this.stateMachines.get(arn);
    if (machine === undefined) {
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    return machine;
  }

  private execution(arn: string): Execution {
    assertArn(arn);
    const execution = this.executions.get(arn);
    if (execution === undefined)
      throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }
}

function describe(execution: Execution) {
  return {
    ...summary(execution),
    input: execution.input,
    inputDetails: { included: true },
    ...(execution.output !== undefined && { output: execution.output, outputDetails: { included: true } }),
    error: execution.error,
    cause: execution.cause,
  };
}

function summary(execution: Execution) {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.stateMachine.arn,
    name: execution.name,
    status: execution.status,
    startDate: toEpochSeconds(execution.startDate),
    stopDate: execution.stopDate && toEpochSeconds(execution.stopDate),
  };
}

function describeStateMachine(machine: LocalStateMachine) {
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    status: 'ACTIVE',
    definition: machine.definition,
    roleArn: machine.roleArn,
    type: 'STANDARD',
    creationDate: toEpochSeconds(machine.creationDate),
  };
}

function parse<T>(schema: z.ZodType<T>, request: unknown): T {
  const result = schema.safeParse(request);
  if (!result.success) throw new ServiceError('ValidationException', z.prettifyError(result.error));
  return result.data;
}

function assertArn(arn: string): void {
  if (!arn.startsWith('arn:')) throw new ServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
}

/** The parsed JSON text, or undefined when it is not JSON or longer than `maxBytes`. */
function parseJson(text: string, maxBytes: number): JsonValue | undefined {
  if (Buffer.byteLength(text) > maxBytes) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
