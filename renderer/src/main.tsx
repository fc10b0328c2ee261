import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient, endpointFromLocation } from '../../core/server/api-client.js';
import { StatusView } from './StatusView.js';

const endpoint = endpointFromLocation(window.location);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {endpoint ? (
      <StatusView client={new ApiClient(endpoint)} />
    ) : (
      <p>Open the address printed by <code>npm run serve</code>: it carries the access token.</p>
    )}
  </StrictMode>,
);
