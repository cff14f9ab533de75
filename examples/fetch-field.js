// The seed example: fetch JSON from an HTTP API and return one field of it.
//
//   warren run examples/fetch-field.js --allow-host api.example.com \
//     --input '{"url": "https://api.example.com/users/1", "field": "name"}'
//
// A worker runs it when its pool grants `fetch` to the API's host
// (warren-worker --allow-host api.example.com).
export default async function ({ url, field }) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  }
  const body = await response.json();
  return body[field] ?? null;
}
