import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { RestApiBase } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { OAuthScope, type UserPool, UserPoolClient, type UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The web console on AWS: its static files in a private S3 bucket read by CloudFront through origin
 * access control, the REST API behind the same distribution (so the console calls its own origin and
 * needs no CORS), security headers on every response (a CSP without 'unsafe-inline'), access logs,
 * and a Cognito app client for the hosted sign-in page (authorization code with PKCE, no secret).
 */
export interface ConsoleHostingProps {
  restApi: RestApiBase;
  userPool: UserPool;
  /** Prefix of the Cognito hosted sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  domainPrefix: string;
  removalPolicy: RemovalPolicy;
}

/** API paths CloudFront sends to API Gateway; everything else is the console's files. */
export const API_PATH_PATTERNS = [
  '/applications*',
  '/queue*',
  '/stats',
  '/licences*',
  '/verify/*',
  '/events*',
  '/ops/*',
  '/openapi.json',
  '/.well-known/*',
  '/health',
] as const;

export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly headers: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const { removalPolicy } = props;
    const region = Stack.of(this).region;

    // CloudFront standard logs are written with ACLs: the log bucket keeps them owned by the bucket owner.
    this.logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
    });
    this.bucket = new Bucket(this, 'Files', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy,
    });

    this.domain = props.userPool.addDomain('HostedSignIn', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });
    const signInOrigin = `https://${props.domainPrefix}.auth.${region}.amazoncognito.com`;

    this.headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Console security headers: strict CSP (no inline script or style), HSTS, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            `connect-src 'self' ${signInOrigin}`,
            "object-src 'none'",
            "base-uri 'none'",
            `form-action 'self' ${signInOrigin}`,
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    const api = new RestApiOrigin(props.restApi);
    const apiBehaviour = {
      origin: api,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Every viewer header but Host (API Gateway needs its own), so Authorization and Idempotency-Key pass.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.headers,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Export licence console and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, apiBehaviour])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'No geo restriction: exporters and the public (licence verification, statistics) may be anywhere; ' +
          'sanctions screening is part of the licensing decision, not of who may read a page.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF on the distribution: a web ACL is billed per ACL, rule and request; the API stage gets one with ' +
          '-c waf=true, and API Gateway throttles every route.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate allows TLSv1 negotiation; TLSv1.2_2021 takes effect with a ' +
          'custom domain and ACM certificate, which each deployment brings itself (docs/deploy.md).',
      },
    );

    const consoleUrl = `https://${this.distribution.distributionDomainName}/`;
    this.client = new UserPoolClient(this, 'ConsoleClient', {
      userPool: props.userPool,
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [consoleUrl],
        logoutUrls: [consoleUrl],
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
    });
  }
}
