// Read on every request, never at build time, so one built server (and one image) serves any environment.
export function backendUrl(): string {
  const raw = process.env['BACKEND_URL'] || 'http://localhost:8000';
  return raw.replace(/\/+$/, '');
}
