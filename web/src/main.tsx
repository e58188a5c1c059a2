import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { completeSignIn } from './auth.ts';
import { ApplicationPage } from './pages/application.tsx';
import { ApplicationsPage, NewApplicationPage } from './pages/applications.tsx';
import { DocumentsPage, SectionPage, SubmitPage } from './pages/draft.tsx';
import { LicencePage, LicencesPage } from './pages/licence.tsx';
import { OpsPage } from './pages/ops.tsx';
import { QueuePage } from './pages/queue.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { StatsPage } from './pages/stats.tsx';
import { VerifyPage } from './pages/verify.tsx';
import { currentSession, hasGroup, LICENCE_READERS, type Session, signOut } from './session.ts';

/** Hash routes (`#/stats`, `#/applications/<id>` …): they never clash with the API's paths. */
export type Route =
  | { page: 'home' }
  | { page: 'sign-in' }
  | { page: 'applications' }
  | { page: 'new-application' }
  | { page: 'application'; id: string }
  | { page: 'section'; id: string; section: string }
  | { page: 'documents'; id: string }
  | { page: 'submit'; id: string }
  | { page: 'licences' }
  | { page: 'licence'; number: string }
  | { page: 'queue' }
  | { page: 'ops' }
  | { page: 'stats' }
  | { page: 'verify'; number: string }
  | { page: 'not-found' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  switch (first) {
    case undefined:
      return { page: 'home' };
    case 'sign-in':
      return { page: 'sign-in' };
    case 'applications':
      if (second === undefined) return { page: 'applications' };
      if (second === 'new') return { page: 'new-application' };
      if (third === undefined) return { page: 'application', id: second };
      if (third === 'documents') return { page: 'documents', id: second };
      if (third === 'submit') return { page: 'submit', id: second };
      return { page: 'section', id: second, section: third };
    case 'licences':
      return second === undefined ? { page: 'licences' } : { page: 'licence', number: second };
    case 'queue':
      return { page: 'queue' };
    case 'ops':
      return { page: 'ops' };
    case 'stats':
      return { page: 'stats' };
    case 'verify':
      return { page: 'verify', number: second ?? '' };
    default:
      return { page: 'not-found' };
  }
}

const PUBLIC_PAGES: ReadonlyArray<Route['page']> = ['sign-in', 'stats', 'verify', 'not-found'];

function homeOf(session: Session | null): string {
  if (!session) return '#/sign-in';
  if (hasGroup(session, 'reviewer', 'senior-reviewer')) return '#/queue';
  if (hasGroup(session, 'operator', 'auditor')) return '#/ops';
  if (hasGroup(session, 'customs')) return '#/licences';
  return '#/applications';
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => {
      // In-page anchors (the skip link, error summary links) are not routes.
      if (location.hash === '' || location.hash.startsWith('#/')) setHash(location.hash);
    };
    addEventListener('hashchange', onChange);
    onChange();
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash.startsWith('#/') || hash === '' ? hash : '#/');
}

function Header({ session }: { session: Session | null }) {
  const links: Array<[string, string]> = [];
  if (hasGroup(session, 'applicant')) links.push(['#/applications', 'Applications']);
  if (hasGroup(session, 'reviewer', 'senior-reviewer'))
    links.push(['#/queue', 'Queue'], ['#/applications', 'Cases']);
  if (hasGroup(session, 'operator', 'auditor')) links.push(['#/ops', 'Operations']);
  if (hasGroup(session, ...LICENCE_READERS)) links.push(['#/licences', 'Licences']);
  links.push(['#/stats', 'Statistics'], ['#/verify', 'Verify a licence']);
  return (
    <header class="header">
      <div class="header__container">
        <a class="header__service" href="#/">
          Export licences
        </a>
        <nav aria-label="Main">
          <ul class="header__nav">
            {links.map(([href, text]) => (
              <li key={href}>
                <a class="header__link" href={href}>
                  {text}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="header__user">
          {session ? (
            <>
              <span>
                Signed in as <strong data-testid="signed-in-as">{session.sub}</strong> (
                {session.groups.join(', ')})
              </span>{' '}
              <button
                type="button"
                class="link-button"
                onClick={() => {
                  signOut();
                  location.hash = '#/sign-in';
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <a class="header__link" href="#/sign-in">
              Sign in
            </a>
          )}
        </div>
      </div>
    </header>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => location.replace(to), [to]);
  return null;
}

function Page({ route, session }: { route: Route; session: Session | null }) {
  if (!session && !PUBLIC_PAGES.includes(route.page)) return <SignInPage />;
  switch (route.page) {
    case 'home':
      return <Redirect to={homeOf(session)} />;
    case 'sign-in':
      return <SignInPage />;
    case 'applications':
      return <ApplicationsPage session={session} />;
    case 'new-application':
      return <NewApplicationPage />;
    case 'application':
      return <ApplicationPage id={route.id} session={session} />;
    case 'section':
      return <SectionPage id={route.id} section={route.section} />;
    case 'documents':
      return <DocumentsPage id={route.id} />;
    case 'submit':
      return <SubmitPage id={route.id} />;
    case 'licences':
      return <LicencesPage />;
    case 'licence':
      return <LicencePage number={route.number} session={session} />;
    case 'queue':
      return <QueuePage />;
    case 'ops':
      return <OpsPage />;
    case 'stats':
      return <StatsPage />;
    case 'verify':
      return <VerifyPage number={route.number} />;
    default:
      return (
        <>
          <h1 class="heading-l">Page not found</h1>
          <p>
            <a href="#/">Go to the start page</a>
          </p>
        </>
      );
  }
}

function App() {
  const route = useRoute();
  const session = currentSession();
  // Move focus to the new page's heading, as a page load would.
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    scrollTo(0, 0);
  }, [route]);
  return (
    <>
      <Header session={session} />
      <div class="width-container">
        <main id="main" class="main">
          <Page route={route} session={session} />
        </main>
      </div>
      <footer class="footer">
        <div class="width-container">
          A thin client of the export-licence REST API. <a href="/openapi.json">API description</a>
        </div>
      </footer>
    </>
  );
}

const root = document.getElementById('app');
// Back from Cognito's hosted sign-in page: exchange the code first, then show the console.
if (root) void completeSignIn().finally(() => render(<App />, root));
