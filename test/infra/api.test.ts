import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../functions/handlers/api/contract.ts';
import { apiFunctionOf } from '../../functions/handlers/api/paths.ts';
import { USER_GROUPS } from '../../lib/constructs/api.ts';
import { logicalIdOf, type Synthesized, synthesize } from './support.ts';

describe('Api construct', () => {
  let prod: Synthesized;
  let paid: Synthesized;
  beforeAll(() => {
    prod = synthesize();
    paid = synthesize({ cognitoPlus: 'true', waf: 'true' });
  });

  describe('Cognito', () => {
    it('requires a strong password and TOTP MFA, and only administrators create users', () => {
      prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          },
        },
        Schema: Match.arrayWith([
          Match.objectLike({ Name: 'org', AttributeDataType: 'String', Mutable: true }),
        ]),
        UserPoolTier: 'ESSENTIALS',
        UserPoolAddOns: Match.absent(),
      });
    });

    it('lets the app client read custom:org but not write it', () => {
      const client = prod.template.toJSON().Resources[logicalIdOf(prod.stack.api.userPoolClient)].Properties;
      expect(client.ReadAttributes).toContain('custom:org');
      expect(client.WriteAttributes).not.toContain('custom:org');
      expect(client).toMatchObject({ GenerateSecret: false, AllowedOAuthFlowsUserPoolClient: false });
    });

    it('defines the five groups the API knows', () => {
      const groups = Object.values(prod.template.findResources('AWS::Cognito::UserPoolGroup')).map(
        (group) => group.Properties.GroupName,
      );
      expect(groups.sort()).toEqual([...USER_GROUPS].sort());
    });

    it('switches on the Plus plan with full threat protection only when asked (cognitoPlus=true)', () => {
      paid.template.hasResourceProperties('AWS::Cognito::UserPool', {
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      });
    });
  });

  describe('REST API', () => {
    const methods = (synthesized: Synthesized) =>
      Object.values(synthesized.template.findResources('AWS::ApiGateway::Method')).map(
        (method) => method.Properties,
      );

    it('authorizes every method with the Cognito user pool except the public GETs (health, openapi.json, stats, verify, jwks.json)', () => {
      const { api } = prod.stack;
      prod.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'COGNITO_USER_POOLS',
        IdentitySource: 'method.request.header.Authorization',
        ProviderARNs: [{ 'Fn::GetAtt': [logicalIdOf(api.userPool), 'Arn'] }],
      });
      const all = methods(prod);
      const open = all.filter((method) => method.AuthorizationType !== 'COGNITO_USER_POOLS');

      // 26 methods: the api's and audit-api's resources (paths.ts), 5 of them public GETs.
      expect(all).toHaveLength(26);
      expect(open).toHaveLength(5);
      const resources = prod.template.toJSON().Resources;
      for (const method of open)
        expect(method).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'NONE' });
      expect(open.map((method) => resources[method.ResourceId.Ref].Properties.PathPart).sort()).toEqual([
        'health',
        'jwks.json',
        'openapi.json',
        'stats',
        '{number}',
      ]);
    });

    it('proxies every method to an API function, the root and every other path to api', () => {
      const { api } = prod.stack;
      const targets = [logicalIdOf(api.handler), logicalIdOf(api.auditHandler)];
      prod.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
      for (const method of methods(prod)) {
        expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
        const uri = JSON.stringify(method.Integration.Uri);
        expect(targets.filter((target) => uri.includes(target))).toHaveLength(1);
      }
      expect(functionOf(prod, 'GET', '/')).toBe(logicalIdOf(api.handler));
      expect(functionOf(prod, 'GET', '/no/such/route')).toBe(logicalIdOf(api.handler));
    });

    it('routes each route of the contract to the function that serves it (paths.ts), public or behind Cognito', () => {
      const { api } = prod.stack;
      const expected = { api: logicalIdOf(api.handler), 'audit-api': logicalIdOf(api.auditHandler) };
      const served = { api: 0, 'audit-api': 0 };
      for (const route of allRoutes) {
        const path = route.pattern.replace(/:(\w+)/g, '$1_1');
        for (const [method, operation] of Object.entries(route.methods)) {
          const owner = apiFunctionOf(path);
          served[owner]++;
          expect(functionOf(prod, method, path), `${method} ${path}`).toBe(expected[owner]);
          expect(resolveMethod(prod, method, path)?.AuthorizationType, `${method} ${path}`).toBe(
            operation.roles === 'public' ? 'NONE' : 'COGNITO_USER_POOLS',
          );
        }
      }
      expect(served['audit-api']).toBe(2);
    });

    it('validates request parameters and JSON object bodies on every method', () => {
      prod.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      prod.template.hasResourceProperties('AWS::ApiGateway::Model', {
        ContentType: 'application/json',
        Schema: Match.objectLike({ type: 'object' }),
      });
      for (const method of methods(prod)) {
        expect(method.RequestValidatorId).toBeDefined();
      }
    });

    it('throttles, traces, logs errors and writes JSON access logs on the stage', () => {
      prod.template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'v1',
        TracingEnabled: true,
        MethodSettings: [
          Match.objectLike({
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
            MetricsEnabled: true,
          }),
        ],
        AccessLogSetting: { Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      });
    });

    it('answers its own errors in the API.md error shape with the request id', () => {
      const responses = Object.fromEntries(
        Object.values(prod.template.findResources('AWS::ApiGateway::GatewayResponse')).map((response) => [
          response.Properties.ResponseType,
          response.Properties,
        ]),
      );
      const expected: Record<string, [string | undefined, string]> = {
        UNAUTHORIZED: ['401', 'UNAUTHORIZED'],
        ACCESS_DENIED: ['403', 'FORBIDDEN'],
        BAD_REQUEST_BODY: ['400', 'VALIDATION_FAILED'],
        BAD_REQUEST_PARAMETERS: ['400', 'VALIDATION_FAILED'],
        REQUEST_TOO_LARGE: ['413', 'PAYLOAD_TOO_LARGE'],
        THROTTLED: ['429', 'THROTTLED'],
        DEFAULT_5XX: [undefined, 'INTERNAL'],
      };
      for (const [type, [status, code]] of Object.entries(expected)) {
        const response = responses[type];
        expect(response?.StatusCode, type).toBe(status);
        const body = JSON.parse(
          String(response?.ResponseTemplates['application/json'])
            .replace('$context.error.messageString', '"gateway message"')
            .replace('$context.requestId', 'req-1'),
        );
        expect(body, type).toEqual({
          error: { code, message: expect.any(String), details: [], requestId: 'req-1' },
        });
      }
      expect(Object.keys(responses)).toEqual(
        expect.arrayContaining(['DEFAULT_4XX', 'WAF_FILTERED', 'QUOTA_EXCEEDED']),
      );
      // The authorizer's own message says which: "Unauthorized" or "The incoming token has expired".
      expect(responses.UNAUTHORIZED?.ResponseTemplates['application/json']).toContain(
        '"message":$context.error.messageString',
      );
    });

    it('has no WAF unless asked (waf=true), then a regional web ACL on the stage', () => {
      prod.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
      paid.template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        Rules: Match.arrayWith([
          Match.objectLike({ Statement: { RateBasedStatement: { Limit: 1000, AggregateKeyType: 'IP' } } }),
          Match.objectLike({
            Statement: {
              ManagedRuleGroupStatement: Match.objectLike({
                Name: 'AWSManagedRulesCommonRuleSet',
                RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
              }),
            },
          }),
        ]),
      });
      paid.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      });
    });
  });

  it('outputs what a client and an operator need', () => {
    const outputs = Object.keys(prod.template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'StateMachineArn',
        'DocumentsBucketName',
      ]),
    );
  });
});

interface GatewayProperties {
  ParentId?: { Ref?: string };
  PathPart?: string;
  ResourceId?: { Ref?: string };
  HttpMethod?: string;
  AuthorizationType?: string;
  Integration?: { Uri: unknown };
}
interface CfnResource {
  Type: string;
  Properties: GatewayProperties;
}

/**
 * The method API Gateway runs for a request, from the template's resources: at each level an exact
 * path part first, then a path parameter, then a greedy `{proxy+}`, without backtracking (so no
 * route relies on API Gateway falling back past a resource), and the method itself before `ANY`.
 */
function resolveMethod(
  synthesized: Synthesized,
  httpMethod: string,
  path: string,
): GatewayProperties | undefined {
  const template = synthesized.template.toJSON();
  const resources: Record<string, CfnResource> = template.Resources;
  const parentOf = (resource: CfnResource): string => resource.Properties.ParentId?.Ref ?? 'ROOT';
  const children = (parent: string) =>
    Object.entries(resources)
      .filter(
        ([, resource]) => resource.Type === 'AWS::ApiGateway::Resource' && parentOf(resource) === parent,
      )
      .map(([id, resource]) => ({ id, part: String(resource.Properties.PathPart) }));
  let node = 'ROOT';
  const segments = path.split('/').filter(Boolean);
  for (let index = 0; index < segments.length; index++) {
    const next = children(node);
    const child =
      next.find(({ part }) => part === segments[index]) ??
      next.find(({ part }) => part.startsWith('{') && !part.endsWith('+}'));
    if (child) {
      node = child.id;
      continue;
    }
    const greedy = next.find(({ part }) => part.endsWith('+}'));
    if (!greedy) return undefined;
    node = greedy.id;
    break;
  }
  const methodsHere = Object.values(resources).filter(
    (resource) =>
      resource.Type === 'AWS::ApiGateway::Method' && (resource.Properties.ResourceId?.Ref ?? 'ROOT') === node,
  );
  return (
    methodsHere.find((method) => method.Properties.HttpMethod === httpMethod) ??
    methodsHere.find((method) => method.Properties.HttpMethod === 'ANY')
  )?.Properties;
}

/** The logical id of the function whose integration answers the request. */
function functionOf(synthesized: Synthesized, httpMethod: string, path: string): string | undefined {
  const uri = JSON.stringify(resolveMethod(synthesized, httpMethod, path)?.Integration?.Uri);
  const functions = Object.keys(synthesized.template.findResources('AWS::Lambda::Function'));
  return functions.find((id) => uri.includes(`"${id}"`));
}
