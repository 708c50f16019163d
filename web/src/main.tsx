import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installApiClient } from './api/client';
import { App } from './App';
import { setFlash } from './lib/flash';
import { sessionEndedNotice } from './lib/session-end';
import { getSession, markDisabled, markSignedOut, refreshSession } from './lib/session';
import './styles.css';

// The one way the UI talks to the API, installed before anything renders.
installApiClient({
  onUnauthenticated(error): void {
    if (getSession().status === 'signed-in') setFlash(sessionEndedNotice(error));
    // The router then sends protected pages to sign-in, with this page as the way back.
    markSignedOut();
  },
  onAccountInactive(): void {
    // On the sign-in form this is just that form's error; for a signed-in page it ends the session.
    if (getSession().status === 'signed-in') markDisabled();
  },
  onMfaRequired(): void {
    // The server now says `mfa.setupRequired`; the router then sends every page to /security.
    if (getSession().status === 'signed-in') void refreshSession();
  },
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
