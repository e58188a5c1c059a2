import { type PreparedDefinition, prepareDefinition, substitutePlaceholders } from './definition.ts';

export interface StateMachineConfig {
  name: string;
  /** ASL JSON text with `${Placeholders}`. */
  definition: string;
  substitutions: Readonly<Record<string, string>>;
}

/** A registered state machine: its substituted definition and the interpreter's prepared copy. */
export class LocalStateMachine {
  readonly name: string;
  readonly arn: string;
  readonly definition: string;
  readonly roleArn: string;
  readonly prepared: PreparedDefinition;

  constructor(
    config: StateMachineConfig,
    private readonly region: string,
    private readonly accountId: string,
    readonly creationDate: Date,
  ) {
    this.name = config.name;
    this.arn = `arn:aws:states:${region}:${accountId}:stateMachine:${config.name}`;
    this.definition = substitutePlaceholders(config.name, config.definition, config.substitutions);
    this.roleArn = `arn:aws:iam::${accountId}:role/local-stepfunctions`;
    this.prepared = prepareDefinition(config.name, this.definition);
  }

  executionArn(executionName: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${this.name}:${executionName}`;
  }
}
