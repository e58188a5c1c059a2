import { createRequire } from 'node:module';
import type * as Client from '@aws-sdk/client-dynamodb';
import type * as Documents from '@aws-sdk/lib-dynamodb';
import type * as Util from '@aws-sdk/util-dynamodb';

/**
 * The DynamoDB SDK packages every function uses, loaded with `require`: they are CommonJS, and an
 * ESM `import` of a CommonJS package first has Node scan its source for named exports
 * (cjs-module-lexer) — for these three about as long as loading them, measured as ~10 ms of the
 * api's cold start (docs/decisions.md, issue 10). Import their classes and functions from here
 * (types may still come from the packages with `import type`); the module instances are the ones
 * an `import` elsewhere gets (Node keeps one CommonJS cache), so `instanceof` and client mocks
 * behave alike.
 */
const load = createRequire(import.meta.url);
const client = load('@aws-sdk/client-dynamodb') as typeof Client;
const documents = load('@aws-sdk/lib-dynamodb') as typeof Documents;
const util = load('@aws-sdk/util-dynamodb') as typeof Util;

export const { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } = client;
export type ConditionalCheckFailedException = Client.ConditionalCheckFailedException;
export type DynamoDBClient = Client.DynamoDBClient;
export type TransactionCanceledException = Client.TransactionCanceledException;

export const {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} = documents;
export type DynamoDBDocumentClient = Documents.DynamoDBDocumentClient;
export type QueryCommand = Documents.QueryCommand;

export const { marshall, unmarshall } = util;
