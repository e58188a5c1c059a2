import { useState } from 'preact/hooks';
import { ApiError, get, post } from '../api.ts';
import { loadSignInConfig, startSignIn } from '../auth.ts';
import { signIn } from '../session.ts';
import {
  Button,
  ErrorSummary,
  type FormErrors,
  FormSection,
  fieldError,
  Loading,
  TextArea,
  toFormErrors,
  useLoad,
} from '../ui.tsx';

interface DemoUser {
  sub: string;
  org: string;
  groups: string[];
  description: string;
}

const go = (hash: string) => {
  location.hash = hash;
  location.reload();
};

/**
 * Locally: the demo users (tokens minted by the local stack's loopback-only endpoint) or a pasted
 * token. Where the stack has no demo users (on AWS), sign-in goes through Cognito.
 */
export function SignInPage() {
  const users = useLoad(
    () =>
      get<{ items: DemoUser[] }>('/local/demo-users', { anonymous: true }).catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return { items: [] };
        throw error;
      }),
    [],
  );
  const cognito = useLoad(loadSignInConfig, []);
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<FormErrors | null>(null);

  const asDemoUser = async (user: DemoUser) => {
    try {
      const { token: minted } = await post<{ token: string }>(
        '/local/token',
        { user: user.sub },
        { anonymous: true },
      );
      signIn(minted);
      go('#/');
    } catch (error) {
      setErrors(toFormErrors(error));
    }
  };
  const withPastedToken = (event: Event) => {
    event.preventDefault();
    if (signIn(token)) go('#/');
    else
      setErrors(
        fieldError(
          'The token could not be read.',
          'token',
          'Paste a whole ID token (three parts separated by dots)',
        ),
      );
  };

  return (
    <>
      <h1 class="heading-l">Sign in</h1>
      <ErrorSummary errors={errors} />
      {cognito.data && (
        <p>
          <Button onClick={() => cognito.data && void startSignIn(cognito.data)}>
            Sign in with your account
          </Button>
        </p>
      )}
      {users.loading && <Loading what="Looking for demo users" />}
      {users.data && users.data.items.length > 0 && (
        <section aria-labelledby="demo-users">
          <h2 class="heading-m" id="demo-users">
            Demo users of the local stack
          </h2>
          <p>Their tokens are minted by this machine's local stack for an hour.</p>
          <ul class="user-list">
            {users.data.items.map((user) => (
              <li key={user.sub} class="user-list__item">
                <button type="button" class="button button--secondary" onClick={() => asDemoUser(user)}>
                  Sign in as {user.sub}
                </button>
                <span>
                  {user.description} · {user.org} · {user.groups.join(', ')}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <FormSection
        id="paste-token"
        heading="Sign in with a token"
        onSubmit={withPastedToken}
        submit="Sign in"
      >
        <TextArea
          path="token"
          label="ID token"
          hint="For example the output of npm run --silent token -- --sub alice --org acme --groups applicant"
          value={token}
          onInput={setToken}
          errors={errors}
          rows={3}
        />
      </FormSection>
    </>
  );
}
