import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  type IResource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  Resource,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { API_FUNCTION_TIMEOUT_SECONDS, AUTHORIZER_CACHE_SECONDS } from '../../functions/adapters/timeouts.ts';
import { AUDIT_API_PREFIXES } from '../../functions/handlers/api/paths.ts';
import { FUNCTION_ENTRIES } from '../bundling.ts';
import type { Data } from './data.ts';
import type { DomainEvents } from './domain-events.ts';
import { LicenceFunction, type SharedFunctionProps, type WorkflowRef } from './licence-function.ts';

export const USER_GROUPS = [
  'applicant',
  'reviewer',
  'senior-reviewer',
  'auditor',
  'operator',
  'customs',
] as const;
export const API_STAGE_NAME = 'v1';

export interface ApiProps {
  readonly data: Data;
  /** `GET /events` reads the Events table. */
  readonly events: DomainEvents;
  readonly workflow: WorkflowRef;
  /** Run by `POST /ops/reconcile` (the API may invoke it; it holds the Step Functions rights). */
  readonly reconciler: IFunction;
  readonly functionDefaults: SharedFunctionProps;
  /** Regime settings the domain reads (prefix, time zone, sign-off threshold). */
  readonly domainEnvironment: Record<string, string>;
  readonly cognitoPlus: boolean;
  readonly waf: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
}

/** Errors API Gateway answers itself, in the API.md error shape (status, code, message). */
const GATEWAY_ERRORS: readonly { type: ResponseType; status?: string; code: string; message?: string }[] = [
  // The Cognito authorizer's own message says which: "Unauthorized" (missing or not verifiable)
  // or "The incoming token has expired".
  { type: ResponseType.UNAUTHORIZED, status: '401', code: 'UNAUTHORIZED' },
  { type: ResponseType.ACCESS_DENIED, status: '403', code: 'FORBIDDEN', message: 'Not allowed.' },
  { type: ResponseType.WAF_FILTERED, status: '403', code: 'FORBIDDEN', message: 'Request blocked.' },
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: '404',
    code: 'NOT_FOUND',
    message: 'No such route.',
  },
  {
    type: ResponseType.BAD_REQUEST_BODY,
    status: '400',
    code: 'VALIDATION_FAILED',
    message: 'The request body must be a JSON object.',
  },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    status: '400',
    code: 'VALIDATION_FAILED',
    message: 'Required request parameters are missing.',
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    status: '413',
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Request too large.',
  },
  { type: ResponseType.THROTTLED, status: '429', code: 'THROTTLED', message: 'Too many requests.' },
  { type: ResponseType.QUOTA_EXCEEDED, status: '429', code: 'THROTTLED', message: 'Too many requests.' },
  // The defaults keep API Gateway's own status; the code names the gateway response type.
  { type: ResponseType.DEFAULT_4XX, code: '$context.error.responseType' },
  { type: ResponseType.DEFAULT_5XX, code: 'INTERNAL', message: 'Internal error.' },
];

/**
 * The REST API: Cognito users and groups, the authorizer, the api function behind a proxy
 * resource and the audit-api function behind the audit-verification paths
 * (functions/handlers/api/paths.ts), request validation, throttling, access logs, tracing and
 * optional WAF.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  /** Every route but audit verification. */
  readonly handler: LicenceFunction;
  /** `GET /applications/{id}/audit/verify` and `GET /licences/{number}/audit/verify`. */
  readonly auditHandler: LicenceFunction;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.userPool = this.createUserPool(props);
    this.userPoolClient = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('org'),
      // custom:org is absent on purpose: only an administrator may move a user to another org.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });
    this.handler = this.createHandler(props);
    this.auditHandler = this.createAuditHandler(props);
    this.restApi = this.createRestApi(props);
    if (props.waf) this.attachWebAcl();
    else {
      Validations.of(this.restApi.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'AWS WAF is paid per web ACL, rule and request; it is enabled with -c waf=true. Without it the ' +
          'stage still has throttling, Cognito authorization and request validation.',
      });
    }
  }

  private createUserPool(props: ApiProps): UserPool {
    const userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { org: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: props.cognitoPlus ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: props.cognitoPlus
        ? StandardThreatProtectionMode.FULL_FUNCTION
        : undefined,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    if (!props.cognitoPlus) {
      Validations.of(userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user; it is enabled with ' +
          '-c cognitoPlus=true. Without it sign-in still needs a 12-character password and TOTP MFA.',
      });
    }
    for (const group of USER_GROUPS) {
      new UserPoolGroup(this, `Group-${group}`, { userPool, groupName: group });
    }
    return userPool;
  }

  private createHandler(props: ApiProps): LicenceFunction {
    const { data } = props;
    const handler = new LicenceFunction(this, 'Handler', {
      ...props.functionDefaults,
      entry: FUNCTION_ENTRIES.api,
      description: 'REST API of licence applications',
      // GET /openapi.json serves it (generated by npm run openapi; the generator is not bundled).
      assetFiles: ['functions/handlers/api/openapi.json'],
      memorySize: 1024,
      // Short (API Gateway gives up after 29 s anyway): it bounds a crashed request's idempotency claim.
      timeout: Duration.seconds(API_FUNCTION_TIMEOUT_SECONDS),
      environment: {
        APPLICATIONS_TABLE: data.applications.table.tableName,
        AUDIT_TABLE: data.auditEvents.table.tableName,
        IDEMPOTENCY_TABLE: data.idempotency.table.tableName,
        COUNTERS_TABLE: data.counters.table.tableName,
        STATS_TABLE: data.stats.table.tableName,
        LICENCES_TABLE: data.licences.table.tableName,
        LICENCE_SIGNING_KEY_ID: data.licenceSigningKey.keyArn,
        DOCUMENTS_BUCKET: data.documents.bucketName,
        BLOB_STORE: 's3',
        STATE_MACHINE_ARN: props.workflow.stateMachineArn,
        ...props.domainEnvironment,
      },
    });
    handler.bindTable({ table: data.applications, access: 'readWrite' });
    handler.bindTable({ table: data.auditEvents, access: 'appendOnly' });
    handler.bindTable({ table: data.idempotency, access: 'idempotencyStore' });
    handler.bindTable({ table: data.counters, access: 'update' });
    // GET /stats reads the aggregate the stats consumer maintains.
    handler.bindTable({ table: data.stats, access: 'read' });
    handler.bindTable({ table: data.licences, access: 'readWrite' });
    props.events.bindReader(handler);
    // The API issues (approval) and changes licences, so it signs them.
    handler.bindLicenceSigning(data.licenceSigningKey);
    handler.bindDocuments(data.documents);
    handler.bindWorkflow(props.workflow, 'observe');
    handler.addEnvironment('RECONCILER_FUNCTION_NAME', props.reconciler.functionName);
    // The function itself, not its versions (grantInvoke would add `<arn>:*`).
    handler.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.reconciler.functionArn] }),
    );
    return handler;
  }

  /**
   * Audit verification, read-only: the application or licence, its audit events, the newest
   * checkpoint covering the chain and the public key that verifies the checkpoint's signature.
   */
  private createAuditHandler(props: ApiProps): LicenceFunction {
    const { data } = props;
    const handler = new LicenceFunction(this, 'AuditHandler', {
      ...props.functionDefaults,
      entry: FUNCTION_ENTRIES['audit-api'],
      description: 'REST API: audit-chain verification',
      timeout: Duration.seconds(API_FUNCTION_TIMEOUT_SECONDS),
      environment: {
        APPLICATIONS_TABLE: data.applications.table.tableName,
        AUDIT_TABLE: data.auditEvents.table.tableName,
        LICENCES_TABLE: data.licences.table.tableName,
        LICENCE_SIGNING_KEY_ID: data.licenceSigningKey.keyArn,
        CHECKPOINT_BUCKET: data.auditCheckpoints.bucketName,
        ...props.domainEnvironment,
      },
    });
    handler.bindTable({ table: data.applications, access: 'read' });
    handler.bindTable({ table: data.auditEvents, access: 'read' });
    handler.bindTable({ table: data.licences, access: 'read' });
    handler.bindLicenceVerification(data.licenceSigningKey);
    handler.bindCheckpoints(data.auditCheckpoints, 'read');
    return handler;
  }

  private createRestApi(props: ApiProps): RestApi {
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const restApi = new RestApi(this, 'RestApi', {
      description: `Licence applications (${Stack.of(this).stackName})`,
      endpointTypes: [EndpointType.REGIONAL],
      // Execution logging needs the account-level CloudWatch role; CDK creates it (and retains it).
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });
    for (const error of GATEWAY_ERRORS) {
      restApi.addGatewayResponse(`Gateway${error.type.responseType}`, {
        type: error.type,
        statusCode: error.status,
        templates: { 'application/json': gatewayErrorBody(error.code, error.message) },
      });
    }
    this.addRoutes(restApi);
    Validations.of(restApi.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'Account-level role that only apigateway.amazonaws.com can assume, to push execution logs (APIG6); ' +
        'AWS documents this managed policy for it and maintains it as the service changes.',
    });
    return restApi;
  }

  private addRoutes(restApi: RestApi): void {
    const integration = new LambdaIntegration(this.handler, { proxy: true, allowTestInvoke: false });
    const auditIntegration = new LambdaIntegration(this.auditHandler, {
      proxy: true,
      allowTestInvoke: false,
    });
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
      identitySource: 'method.request.header.Authorization',
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });
    const requestValidator = restApi.addRequestValidator('BodyAndParameters', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // JSON bodies must be objects (API.md); the handler's zod schemas check the fields.
    const jsonObject = restApi.addModel('JsonObject', {
      contentType: 'application/json',
      schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
    });
    const authorized: MethodOptions = {
      authorizer,
      authorizationType: AuthorizationType.COGNITO,
      requestValidator,
      requestModels: { 'application/json': jsonObject },
    };
    restApi.root.addMethod('ANY', integration, authorized);
    restApi.root.addResource('{proxy+}').addMethod('ANY', integration, authorized);
    const publicGets = {
      health: 'GET /health is the public liveness probe (API.md); it returns {"status":"ok"} and no data.',
      'openapi.json':
        'GET /openapi.json is the published API contract (API.md: no auth); it is generated from the ' +
        'schemas and holds no data.',
      stats:
        'GET /stats is public by design (API.md: transparency statistics, no token): aggregate counts only, ' +
        'counts below 5 suppressed, no names or values; throttled by the stage and the optional WAF rate rule, ' +
        'and answered with Cache-Control max-age=60.',
      // Licence verification is public by design (DESIGN.md): status and validity for anyone, the rest only
      // with the licence's 128-bit code; stage throttling applies, and the WAF rate rule in production.
      'verify/{number}':
        'GET /verify/{number} is the public licence check of DESIGN.md: status and validity only without the ' +
        "licence's verification code; never commercial values. Throttled by the stage and the WAF rate rule.",
      '.well-known/jwks.json':
        "GET /.well-known/jwks.json publishes the authority's public signing keys so anyone can verify a licence.",
    };
    for (const [path, reason] of Object.entries(publicGets)) {
      const resource = restApi.root.resourceForPath(path);
      resource.addMethod('ANY', integration, authorized);
      const publicGet = resource.addMethod('GET', integration, {
        authorizationType: AuthorizationType.NONE,
        requestValidator,
      });
      Validations.of(publicGet).acknowledge(
        { id: 'AwsSolutions-APIG4', reason },
        { id: 'AwsSolutions-COG4', reason },
      );
    }
    // Each audit-api path and everything below it goes to audit-api. The resources on the way
    // there answer for api themselves (with a proxy below them where no path parameter is), so no
    // route of api depends on API Gateway falling back to the root proxy past them.
    const onTheWay = new Set<IResource>();
    for (const prefix of AUDIT_API_PREFIXES) {
      const resource = restApi.root.resourceForPath(prefix.replace(/:(\w+)/g, '{$1}'));
      resource.addMethod('ANY', auditIntegration, authorized);
      resource.addResource('{proxy+}').addMethod('ANY', auditIntegration, authorized);
      for (
        let parent = resource.parentResource;
        parent && parent !== restApi.root;
        parent = parent.parentResource
      )
        onTheWay.add(parent);
    }
    for (const resource of onTheWay) {
      resource.addMethod('ANY', integration, authorized);
      const hasPathParameter = resource.node.children.some(
        (child) => child instanceof Resource && child.path.endsWith('}'),
      );
      if (!hasPathParameter) resource.addResource('{proxy+}').addMethod('ANY', integration, authorized);
    }
  }

  private attachWebAcl(): void {
    const managedRule = (
      name: string,
      priority: number,
      overrides: string[] = [],
    ): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
        },
      },
      visibilityConfig: visibility(name),
    });
    const webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('LicenceApi'),
      rules: [
        {
          name: 'RatePerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('RatePerIp'),
        },
        managedRule('AWSManagedRulesAmazonIpReputationList', 1),
        // Document uploads are base64 JSON up to 4 MiB: the 8 KB body size rule would block them.
        managedRule('AWSManagedRulesCommonRuleSet', 2, ['SizeRestrictions_BODY']),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
  }
}

function visibility(metricName: string): CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

// Gateway response templates are not run through VTL: only $context variables are substituted.
function gatewayErrorBody(code: string, message: string | undefined): string {
  const messageJson = message === undefined ? '$context.error.messageString' : JSON.stringify(message);
  return `{"error":{"code":"${code}","message":${messageJson},"details":[],"requestId":"$context.requestId"}}`;
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      requestTime: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      method: AccessLogField.contextHttpMethod(),
      path: AccessLogField.contextPath(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      responseLatency: AccessLogField.contextResponseLatency(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
      errorType: AccessLogField.contextErrorResponseType(),
      sub: AccessLogField.contextAuthorizerClaims('sub'),
      xrayTraceId: AccessLogField.contextXrayTraceId(),
    }),
  );
}
