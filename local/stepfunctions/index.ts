import { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '#adapters/clock.ts';
import type { Execution } from './execution.ts';
import { ExecutionFiles } from './execution-files.ts';
import { serveJsonProtocol } from './json-protocol-server.ts';
import { StepFunctionsService } from './service.ts';
import { LocalStateMachine, type StateMachineConfig } from './state-machine.ts';
import { statesTimeoutErrorFactory } from './states-timeout.ts';
import type { LocalLambda } from './task-steps.ts';

export type { StateMachineConfig } from './state-machine.ts';
export type { LocalLambda } from './task-steps.ts';

export interface LocalStepFunctionsOptions {
  /** 0 picks a free port (see `endpoint`). */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  stateMachines: readonly StateMachineConfig[];
  /** Local handlers by function ARN (as the definition reads after substitution). */
  lambdas: Readonly<Record<string, LocalLambda>>;
  /** Measures task timeouts and waits, and dates executions and their history. */
  clock: Clock;
  /** Default us-east-1. */
  region?: string;
  /** Default 000000000000. */
  accountId?: string;
  /**
   * Keeps execution records and histories here across restarts (an execution still running at
   * shutdown is recorded as ABORTED); without it they live in memory.
   */
  dataDir?: string;
}

export interface LocalStepFunctions {
  /** `http://host:port`, for `new SFNClient({ endpoint })` or `AWS_ENDPOINT_URL_SFN`. */
  endpoint: string;
  /** Aborts running executions, cancels their timers and closes the server. */
  stop(): Promise<void>;
  stateMachineArn(name: string): string;
}

/**
 * A local AWS Step Functions endpoint running ASL definitions on the aws-local-stepfunctions
 * interpreter, with AWS semantics for Lambda tasks, task tokens and timeouts. Executions live in
 * memory, or are kept under `dataDir`.
 */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const now = options.clock.now();
  const machines = options.stateMachines.map(
    (config) => new LocalStateMachine(config, region, accountId, now),
  );
  const arnsByName = new Map(machines.map((machine) => [machine.name, machine.arn]));
  if (arnsByName.size < machines.length) throw new Error('State machine names must be unique');

  const logger = new Logger({ serviceName: 'local-stepfunctions' });
  const files = options.dataDir === undefined ? undefined : new ExecutionFiles(options.dataDir, logger);
  const service = new StepFunctionsService(machines, {
    clock: options.clock,
    region,
    lambdas: options.lambdas,
    timeoutError: await statesTimeoutErrorFactory(),
    logger,
    ...(files && {
      onChange: (execution: Execution) =>
        files.changed(execution.stateMachine.name, execution.name, () => execution.toRecord()),
    }),
  });
  if (files) for (const machine of machines) service.restore(machine, await files.load(machine.name));
  const server = await serveJsonProtocol(
    options.host ?? '127.0.0.1',
    options.port,
    service.operations,
    logger,
  );
  return {
    endpoint: server.endpoint,
    stop: async () => {
      service.stopAll();
      await files?.flush();
      await server.close();
    },
    stateMachineArn: (name) => {
      const arn = arnsByName.get(name);
      if (arn === undefined) throw new Error(`No state machine named "${name}"`);
      return arn;
    },
  };
}
