import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from '../../core/api/api-client.js';
import { App } from './App.js';
import { loadEndpoint } from './client.js';
import './styles.css';

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

// Read once: the token arrives in the fragment (desktop) or the query (browser mode) and is kept
// in sessionStorage, so a reload keeps working. Navigation never touches the address.
const endpoint = loadEndpoint(window.location, sessionStore());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {endpoint ? (
      <App client={new ApiClient(endpoint)} origin={endpoint.origin} />
    ) : (
      <main className="no-token">
        <h1>Sensor Workbench</h1>
        <p>
          This page needs the access token of a running workbench. Open the address printed by <code>npm run serve</code> (the{' '}
          <code>http</code> URL of its <code>ready</code> line), or start the desktop app with <code>npm start</code>.
        </p>
      </main>
    )}
  </StrictMode>,
);
