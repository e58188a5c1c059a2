import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { API_PATH_PATTERNS } from '../../lib/constructs/console-hosting.ts';
import { arnOf, grantsOf, synthesize } from './support.ts';

/** The console's hosting: private bucket behind CloudFront with OAC, security headers, logs, PKCE client. */
const synthesized = synthesize();
const { template } = synthesized;

describe('console hosting', () => {
  it('keeps the console bucket private, encrypted, TLS-only and logged', () => {
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: { LogFilePrefix: 'console-bucket/' } },
    });
    expect(Object.keys(buckets)).toHaveLength(1);
    const [bucket] = Object.values(buckets);
    expect(bucket?.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket?.Properties.BucketEncryption).toBeDefined();
  });

  it('lets only CloudFront read the bucket, through origin access control for this distribution', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('sends security headers with a CSP that has no unsafe-inline', () => {
    const policies = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toHaveLength(1);
    const headers = policies[0]?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp: string = headers.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join']
      ? JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy)
      : headers.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
    expect(headers.ContentTypeOptions.Override).toBe(true);
  });

  it('serves the API from the same distribution, uncached, and logs every request', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const config = distribution?.Properties.DistributionConfig;
    expect(config.Logging.Bucket).toBeDefined();
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const patterns = config.CacheBehaviors.map((behaviour: { PathPattern: string }) => behaviour.PathPattern);
    expect(patterns).toEqual([...API_PATH_PATTERNS]);
    for (const behaviour of config.CacheBehaviors) {
      expect(behaviour.ViewerProtocolPolicy).toBe('https-only');
      expect(behaviour.AllowedMethods).toContain('POST');
      expect(behaviour.ResponseHeadersPolicyId).toBeDefined();
    }
  });

  it('signs in through the Cognito hosted page with the authorization code grant and no client secret', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
    });
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('has no route that mints tokens: the API is one proxy resource behind the Cognito authorizer', () => {
    const resources = Object.values(template.findResources('AWS::ApiGateway::Resource'));
    expect(resources.map((resource) => resource.Properties.PathPart)).not.toContain('local');
  });

  it('lets the api function invoke the reconciler for POST /ops/reconcile, and no other function', () => {
    const invokes = grantsOf(synthesized, synthesized.stack.api.handler).filter((grant) =>
      grant.actions.some((action) => action.startsWith('lambda:')),
    );
    expect(invokes).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: [arnOf(synthesized.stack.workflow.reconciler)] },
    ]);
  });
});
