import type { ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';
import { isHttpError } from '../qonto/errors.js';
import type { AuthAttempt } from './auth-failures.js';

/** What the edge puts in an operation's context so that its outcome can be told. */
export interface AuthAttemptContext {
  /** The credential's attempt; absent for operations the edge does not track. */
  authAttempt?: AuthAttempt | undefined;
}

/** True for an error saying the credential was refused: UNAUTHENTICATED, or a Qonto 401 not yet masked. */
export function isAuthenticationRefusal(error: GraphQLError): boolean {
  if (error.extensions?.['code'] === 'UNAUTHENTICATED') return true;
  return isHttpError(error.originalError, 401);
}

function refused(result: ExecutionResult): boolean {
  return result.errors?.some(isAuthenticationRefusal) ?? false;
}

function settle(attempt: AuthAttempt, result: ExecutionResult): void {
  if (refused(result)) attempt.failed();
  else attempt.succeeded();
}

/**
 * A yoga plugin telling each operation's {@link AuthAttempt} how it ended: a result carrying an
 * UNAUTHENTICATED error is a failed authentication, any other result a success. A subscription
 * that starts streaming is a success; a refusal in a later event still counts.
 */
export function authOutcomePlugin(): Plugin {
  const attemptOf = (contextValue: unknown) => (contextValue as AuthAttemptContext | undefined)?.authAttempt;
  return {
    onExecute: ({ args }) => {
      const attempt = attemptOf(args.contextValue);
      if (!attempt) return;
      return {
        onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => settle(attempt, result)),
      };
    },
    onSubscribe: ({ args }) => {
      const attempt = attemptOf(args.contextValue);
      if (!attempt) return;
      return {
        onSubscribeResult: ({ result }) => {
          if (!isAsyncIterable(result)) return settle(attempt, result);
          attempt.succeeded();
          return {
            onNext: ({ result: next }) => {
              if (refused(next)) attempt.failed();
            },
          };
        },
      };
    },
  };
}
