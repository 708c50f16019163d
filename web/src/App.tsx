import { useEffect, type ReactNode } from 'react';
import type { Me } from './api/types';
import { PublicShell, SignedInShell } from './components/Shell';
import { Loading } from './components/ui';
import { useFocusHeadingOnNavigation } from './lib/focus';
import { withNext, safeReturnPath } from './lib/return-path';
import { currentPath, navigate, useLocation } from './lib/router';
import { getSession, refreshSession, useSession } from './lib/session';
import { useSignedInPoll } from './lib/session-poll';
import { AdminPage } from './pages/Admin';
import { ForgotPasswordPage } from './pages/ForgotPassword';
import { JoinPage } from './pages/Join';
import { OrganizationPage } from './pages/Organization';
import { ProfilePage } from './pages/Profile';
import { RegisterPage } from './pages/Register';
import { ResetPasswordPage } from './pages/ResetPassword';
import { SecurityPage } from './pages/Security';
import { SignInPage } from './pages/SignIn';
import { DisabledPage, ForbiddenPage, NotFoundPage, UnreachablePage } from './pages/Status';
import { VerifyEmailPage } from './pages/VerifyEmail';
import { OidcClientsPage } from './pages/OidcClients';
import { OidcInteractionPage } from './pages/OidcInteraction';

type Route =
  /** Only for visitors: a signed-in user goes on to where they were headed. */
  | { readonly access: 'guest'; readonly render: () => ReactNode }
  /** Email-link pages: work signed in or out. */
  | { readonly access: 'any'; readonly render: () => ReactNode }
  | { readonly access: 'user' | 'admin'; readonly render: (me: Me) => ReactNode };

const SECURITY_PATH = '/security';

const ROUTES: Readonly<Record<string, Route>> = {
  '/sign-in': { access: 'guest', render: () => <SignInPage /> },
  '/register': { access: 'guest', render: () => <RegisterPage /> },
  '/forgot-password': { access: 'guest', render: () => <ForgotPasswordPage /> },
  '/verify-email': { access: 'any', render: () => <VerifyEmailPage /> },
  '/reset-password': { access: 'any', render: () => <ResetPasswordPage /> },
  '/join': { access: 'any', render: () => <JoinPage /> },
  '/': { access: 'user', render: (me) => <ProfilePage me={me} /> },
  [SECURITY_PATH]: { access: 'user', render: (me) => <SecurityPage me={me} /> },
  '/organization': { access: 'user', render: (me) => <OrganizationPage me={me} /> },
  '/admin': { access: 'admin', render: (me) => <AdminPage me={me} /> },
  '/admin/oidc-clients': { access: 'admin', render: () => <OidcClientsPage /> },
};

/** "Sign in with Gatehouse": the sign-in and consent step of an OpenID Connect request. */
const OIDC_INTERACTION = /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})$/;

function Redirect(props: { readonly to: string }): ReactNode {
  useEffect(() => { navigate(props.to, { replace: true }); }, [props.to]);
  return <Loading />;
}

/** Keeps the page honest when the tab comes back: a revoked or disabled account shows at once. */
function useRecheckOnReturn(): void {
  useEffect(() => {
    function recheck(): void {
      if (document.visibilityState === 'visible' && getSession().status === 'signed-in') void refreshSession();
    }
    document.addEventListener('visibilitychange', recheck);
    window.addEventListener('focus', recheck);
    return () => {
      document.removeEventListener('visibilitychange', recheck);
      window.removeEventListener('focus', recheck);
    };
  }, []);
}

export function App(): ReactNode {
  const session = useSession();
  const { path, params } = useLocation();
  // Every page change re-asks the server (one small GET): a revoked session, a disabled account or an
  // ended impersonation shows at the next click, not at some later write.
  useEffect(() => {
    const status = getSession().status;
    if (status === 'loading' || status === 'signed-in') void refreshSession();
  }, [path]);
  useRecheckOnReturn();
  useFocusHeadingOnNavigation(path);
  useSignedInPoll();

  if (session.status === 'loading') {
    return (
      <PublicShell>
        <Loading />
      </PublicShell>
    );
  }
  if (session.status === 'unreachable') {
    return (
      <PublicShell>
        <UnreachablePage message={session.message} />
      </PublicShell>
    );
  }
  if (session.status === 'disabled') {
    return (
      <PublicShell>
        <DisabledPage />
      </PublicShell>
    );
  }
  const me = session.status === 'signed-in' ? session.me : null;
  const interaction = OIDC_INTERACTION.exec(path)?.[1];
  if (interaction !== undefined) return <PublicShell me={me}><OidcInteractionPage key={interaction} uid={interaction} /></PublicShell>;
  const route = ROUTES[path];
  if (route === undefined) {
    return me === null ? (
      <PublicShell>
        <NotFoundPage />
      </PublicShell>
    ) : (
      <SignedInShell me={me}>
        <NotFoundPage />
      </SignedInShell>
    );
  }
  switch (route.access) {
    case 'guest':
      if (me !== null) return <Redirect to={safeReturnPath(params.get('next'))} />;
      return <PublicShell>{route.render()}</PublicShell>;
    case 'any':
      return <PublicShell me={me}>{route.render()}</PublicShell>;
    case 'user':
    case 'admin':
      if (me === null) return <Redirect to={withNext('/sign-in', currentPath())} />;
      // A policy demands a second factor first: every page but Security waits until there is one.
      if (me.mfa.setupRequired && path !== SECURITY_PATH) return <Redirect to={SECURITY_PATH} />;
      if (route.access === 'admin' && (me.user.role !== 'admin' || me.impersonator !== null)) {
        return (
          <SignedInShell me={me}>
            <ForbiddenPage />
          </SignedInShell>
        );
      }
      return <SignedInShell me={me}>{route.render(me)}</SignedInShell>;
  }
}
