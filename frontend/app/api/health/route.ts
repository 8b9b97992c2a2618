// Answered by this server alone: it says the frontend is up, whatever the backend is doing.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok' });
}
