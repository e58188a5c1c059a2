// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${Placeholders} in ASL.
import { describe, expect, it } from 'vitest';
import { ScaledClock } from '#adapters/clock.ts';
import { prepareDefinition, substitutePlaceholders } from '#local/stepfunctions/definition.ts';
import { ServiceError } from '#local/stepfunctions/errors.ts';
import { startLocalStepFunctions } from '#local/stepfunctions/index.ts';
import { paginate } from '#local/stepfunctions/pagination.ts';
import { readReferencePath } from '#local/stepfunctions/reference-path.ts';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';

function taskDefinition(task: Record<string, unknown>): string {
  return JSON.stringify({
    StartAt: 'Step',
    States: {
      Step: { Type: 'Task', Parameters: { FunctionName: FUNCTION_ARN, Payload: {} }, End: true, ...task },
    },
  });
}

describe('substitutePlaceholders', () => {
  it('replaces every ${Name} with its substitution', () => {
    const definition = '{"a":"${First}","b":"${Second}","c":"${First}"}';

    expect(substitutePlaceholders('m', definition, { First: '1', Second: '2' })).toBe(
      '{"a":"1","b":"2","c":"1"}',
    );
  });

  it('names every placeholder without a substitution', () => {
    expect(() => substitutePlaceholders('m', '"${A}${B}${C}"', { B: 'b' })).toThrow(
      'State machine "m": no substitution for ${A}, ${C}',
    );
  });
});

describe('prepareDefinition', () => {
  it('records task timeouts and the Wait states it moves onto the clock', () => {
    const prepared = prepareDefinition(
      'm',
      JSON.stringify({
        StartAt: 'Await',
        States: {
          Await: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSecondsPath: '$.seconds',
            Next: 'Pause',
          },
          Pause: { Type: 'Wait', Seconds: 5, End: true },
        },
      }),
    );

    expect(prepared.states.get('Await')).toMatchObject({
      type: 'Task',
      integration: 'invoke.waitForTaskToken',
      timeoutSecondsPath: '$.seconds',
    });
    expect(prepared.states.get('Pause')).toMatchObject({ type: 'Wait', seconds: 5 });
    expect(prepared.taskStateNames).toEqual(['Await', 'Pause']);
  });

  it('refuses a resource the endpoint cannot run', () => {
    expect(() =>
      prepareDefinition('m', taskDefinition({ Resource: 'arn:aws:states:::dynamodb:putItem' })),
    ).toThrow('resource arn:aws:states:::dynamodb:putItem is not supported locally');
  });

  it('refuses heartbeats, which it does not enforce', () => {
    expect(() =>
      prepareDefinition(
        'm',
        taskDefinition({ Resource: 'arn:aws:states:::lambda:invoke', HeartbeatSeconds: 60 }),
      ),
    ).toThrow('heartbeats are not supported locally');
  });

  it('names the state machine when the ASL is invalid', () => {
    expect(() => prepareDefinition('broken', JSON.stringify({ StartAt: 'Nowhere', States: {} }))).toThrow(
      'State machine "broken"',
    );
  });
});

describe('startLocalStepFunctions', () => {
  it('refuses to start when a placeholder has no substitution', async () => {
    await expect(
      startLocalStepFunctions({
        port: 0,
        clock: new ScaledClock(),
        lambdas: {},
        stateMachines: [
          { name: 'm', definition: taskDefinition({ Resource: '${Missing}' }), substitutions: {} },
        ],
      }),
    ).rejects.toThrow('no substitution for ${Missing}');
  });
});

describe('readReferencePath', () => {
  const input = { timer: { seconds: 60 }, list: [{ 'odd key': 'x' }] };

  it('reads dotted, bracketed and indexed paths', () => {
    expect(readReferencePath('$', input)).toBe(input);
    expect(readReferencePath('$.timer.seconds', input)).toBe(60);
    expect(readReferencePath("$.list[0]['odd key']", input)).toBe('x');
  });

  it('answers undefined for a path that selects nothing', () => {
    expect(readReferencePath('$.timer.minutes', input)).toBeUndefined();
    expect(readReferencePath('$.list[3]', input)).toBeUndefined();
  });

  it('rejects what is not a reference path as States.Runtime', () => {
    expect(() => readReferencePath('timer', input)).toThrow(
      expect.objectContaining({ name: 'States.Runtime' }),
    );
    expect(() => readReferencePath('$..seconds', input)).toThrow(
      expect.objectContaining({ name: 'States.Runtime' }),
    );
  });
});

describe('paginate', () => {
  const items = [50, 40, 30, 20, 10];

  it('pages by the key of the last item returned', () => {
    const first = paginate(items, (item) => item, true, { maxResults: 2 });
    const second = paginate(items, (item) => item, true, { maxResults: 2, nextToken: first.nextToken });
    const last = paginate(items, (item) => item, true, { maxResults: 2, nextToken: second.nextToken });

    expect([first.page, second.page, last.page]).toEqual([[50, 40], [30, 20], [10]]);
    expect(last.nextToken).toBeUndefined();
  });

  it('continues after the last key even when that item has left the list', () => {
    const first = paginate(items, (item) => item, true, { maxResults: 2 });

    expect(paginate([50, 30, 20], (item) => item, true, { nextToken: first.nextToken }).page).toEqual([
      30, 20,
    ]);
  });

  it('answers InvalidToken to a token it did not issue', () => {
    expect(() => paginate(items, (item) => item, true, { nextToken: 'nonsense' })).toThrow(
      expect.objectContaining({ type: 'InvalidToken' }),
    );
    expect(() => paginate(items, (item) => item, true, { nextToken: 'nonsense' })).toThrow(ServiceError);
  });
});
